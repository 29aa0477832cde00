"""Bridges, network namespaces and veth pairs: the lab's wiring.

The control side has one bridge per topology network, holding the network's control address.
Each host or device gets a namespace and, per interface, a veth pair: one end on the bridge, the
other inside the namespace named eth0, eth1, ... The machine's ip_forward is never touched, so
traffic between networks goes only through lab routers (hosts with ``forwarding: true``).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from pathlib import Path

from lpse.lab import sh
from lpse.lab.topology import Device, Host, Topology


def _ip_json(*args: str) -> list[dict]:
    out = sh.run(["ip", "-j", *args], check=False).stdout
    return json.loads(out) if out.strip() else []


def link_exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


def netns_exists(name: str) -> bool:
    return Path("/run/netns", name).exists()


def netns_list(prefix: str) -> list[str]:
    run_netns = Path("/run/netns")
    if not run_netns.exists():
        return []
    return sorted(p.name for p in run_netns.iterdir() if p.name.startswith(prefix))


def clashes(topo: Topology, remote_hosts: tuple[str, ...] = ()) -> list[str]:
    """Networks of the topology that overlap an address or route of this machine not made by
    this lab (e.g. the machine's own uplink), or the address of a server the lab needs
    (``remote_hosts``, e.g. the Debian mirror): bridging them would cut the machine off."""
    own = {topo.bridge(n) for n in topo.networks}
    taken: list[tuple[ipaddress.IPv4Network, str]] = []
    for link in _ip_json("addr", "show"):
        if link.get("ifname") in own:
            continue
        for a in link.get("addr_info", []):
            if a.get("family") == "inet" and not a["local"].startswith("127."):
                taken.append((ipaddress.ip_network(f"{a['local']}/{a['prefixlen']}", strict=False), link["ifname"]))
    for route in _ip_json("route", "show"):
        dst = route.get("dst", "")
        if route.get("dev") in own or dst in ("", "default"):
            continue
        taken.append((ipaddress.ip_network(dst if "/" in dst else f"{dst}/32", strict=False), route.get("dev", "?")))
    for host in remote_hosts:
        try:
            for info in socket.getaddrinfo(host, None, socket.AF_INET):
                taken.append((ipaddress.ip_network(f"{info[4][0]}/32"), f"the address of {host}"))
        except OSError:
            pass
    return list(
        dict.fromkeys(
            f"network {name} ({net.subnet}) overlaps {other} ({dev})"
            for name, net in topo.networks.items()
            for other, dev in taken
            if net.subnet.overlaps(other)
        )
    )


def ensure_bridges(topo: Topology) -> None:
    for net in topo.networks.values():
        br = topo.bridge(net.name)
        if not link_exists(br):
            sh.run(["ip", "link", "add", br, "type", "bridge"])
        addr = f"{net.control_address}/{net.subnet.prefixlen}"
        have = {
            f"{a['local']}/{a['prefixlen']}"
            for i in _ip_json("addr", "show", "dev", br)
            for a in i.get("addr_info", [])
            if a.get("family") == "inet"
        }
        if addr not in have:
            sh.run(["ip", "addr", "add", addr, "dev", br])
        sh.run(["ip", "link", "set", br, "up"])


def remove_bridges(topo: Topology) -> None:
    for net in topo.networks.values():
        if link_exists(topo.bridge(net.name)):
            sh.run(["ip", "link", "del", topo.bridge(net.name)], check=False)


def wire(topo: Topology, member: Host | Device) -> None:
    """Create the member's namespace and interfaces (from nothing: call unwire first)."""
    ns = topo.netns(member.name)
    sh.run(["ip", "netns", "add", ns])
    sh.run(["ip", "-n", ns, "link", "set", "lo", "up"])
    for index, iface in enumerate(member.interfaces):
        veth = topo.veth(member.name, index)
        net = topo.networks[iface.network]
        sh.run(["ip", "link", "add", veth, "type", "veth", "peer", "name", f"eth{index}", "netns", ns])
        sh.run(["ip", "link", "set", veth, "master", topo.bridge(net.name), "up"])
        sh.run(["ip", "-n", ns, "addr", "add", f"{iface.address}/{net.subnet.prefixlen}", "dev", f"eth{index}"])
        sh.run(["ip", "-n", ns, "link", "set", f"eth{index}", "up"])
    gateway = getattr(member, "gateway", None)
    if gateway:
        sh.run(["ip", "-n", ns, "route", "add", "default", "via", str(gateway)])
    if getattr(member, "forwarding", False):
        sh.run(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])


def wired(topo: Topology, member: Host | Device) -> bool:
    ns = topo.netns(member.name)
    if not netns_exists(ns):
        return False
    return all(link_exists(topo.veth(member.name, i)) for i in range(len(member.interfaces)))


def unwire(topo: Topology, member_name: str, interfaces: int = 4) -> None:
    """Remove a member's namespace and veths; safe to call on a half-built member."""
    ns = topo.netns(member_name)
    if netns_exists(ns):
        sh.run(["ip", "netns", "del", ns], check=False)
    for index in range(interfaces):
        veth = topo.veth(member_name, index)
        if link_exists(veth):
            sh.run(["ip", "link", "del", veth], check=False)
