"""The lab's topology: which hosts, devices and networks make up the lab data centre.

A topology file (``inventory/lab/topology.yml``) is the single description the lab is built from
and the Ansible inventory is generated from. Loading validates the whole file before anything is
built, and every error names the file, the line and the item at fault.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lpse.errors import InputError
from lpse.yamlsrc import PathKey, load_located

# The groups roles and controls target. A topology may only use these: a typo in a group name
# would otherwise silently leave a host unprovisioned and unchecked.
KNOWN_GROUPS: dict[str, str] = {
    "spse_app": "SPSE application servers (application + reverse proxy)",
    "spse_db": "SPSE database servers (PostgreSQL)",
    "mgmt": "management servers: monitoring, UPS primary, backups",
    "routers": "Linux edge routers between the LAN and the internet",
    "internet_clients": "members of the public on the internet segment",
    "lkpp_monitor": "LKPP's monitoring hosts (Pasal 22 huruf f)",
    "switches": "network switches managed over SSH (netmiko)",
    "ups": "UPS network cards (SNMP, RFC 1628 UPS-MIB)",
    "env_sensors": "server-room temperature/humidity probes (SNMP, ENTITY-SENSOR-MIB)",
}
# Groups derived from the ones above, for the inventory.
LPSE_SERVER_GROUPS = ("spse_app", "spse_db", "mgmt")
EXTERNAL_GROUPS = ("internet_clients", "lkpp_monitor")

DEVICE_KINDS: dict[str, str] = {"ups": "ups", "env_sensor": "env_sensors", "switch": "switches"}

_LAB_NAME = re.compile(r"^[a-z][a-z0-9]{0,5}$")
_NET_NAME = re.compile(r"^[a-z][a-z0-9]{0,7}$")
_HOST_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_MOUNT = re.compile(r"^(/[A-Za-z0-9._-]+)+$")
_SIZE = re.compile(r"^([0-9]+)([MG])$")
_LABEL = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


@dataclass(frozen=True)
class Network:
    name: str
    subnet: ipaddress.IPv4Network
    control_address: ipaddress.IPv4Address


@dataclass(frozen=True)
class Interface:
    network: str
    address: ipaddress.IPv4Address


@dataclass(frozen=True)
class Disk:
    """A data disk of a host: an ext4 image, loop-mounted inside the host at ``mount``."""

    mount: str
    size_mb: int


@dataclass(frozen=True)
class Medium:
    """A portable medium plugged into a host: an ext4 image on a loop device, found by its
    filesystem label and not mounted (the backup mounts it only while it runs)."""

    label: str
    size_mb: int


@dataclass(frozen=True)
class Host:
    """A lab host: boots systemd, runs sshd, lives in its own network namespace."""

    name: str
    groups: tuple[str, ...]
    interfaces: tuple[Interface, ...]
    gateway: ipaddress.IPv4Address | None = None
    forwarding: bool = False
    disks: tuple[Disk, ...] = ()
    media: tuple[Medium, ...] = ()

    @property
    def address(self) -> ipaddress.IPv4Address:
        """The address the control node reaches the host on (its first interface)."""
        return self.interfaces[0].address


@dataclass(frozen=True)
class Device:
    """A simulated device (UPS card, probe, switch): one process in its own network namespace."""

    name: str
    kind: str
    groups: tuple[str, ...]
    network: str
    address: ipaddress.IPv4Address

    @property
    def interfaces(self) -> tuple[Interface, ...]:
        return (Interface(self.network, self.address),)


@dataclass
class Topology:
    name: str
    path: Path
    networks: dict[str, Network]
    hosts: dict[str, Host]
    devices: dict[str, Device]
    mirror_port: int = 3142
    extra: dict[str, Any] = field(default_factory=dict)

    # --- names of kernel objects, derived so that two labs never collide -------------------
    def netns(self, member: str) -> str:
        return f"{self.name}-{member}"

    def bridge(self, network: str) -> str:
        return f"{self.name}-{network}"

    def veth(self, member: str, index: int) -> str:
        digest = hashlib.sha1(f"{self.name}/{member}/{index}".encode()).hexdigest()[:10]
        return f"v{digest}"

    def members(self) -> list[Host | Device]:
        return [*self.hosts.values(), *self.devices.values()]

    def member(self, name: str) -> Host | Device:
        if name in self.hosts:
            return self.hosts[name]
        if name in self.devices:
            return self.devices[name]
        known = ", ".join(sorted([*self.hosts, *self.devices]))
        raise InputError(f"unknown host or device {name!r} in lab {self.name!r} (known: {known})")

    def mirror_address(self, host: Host) -> ipaddress.IPv4Address:
        """The offline mirror is served on the control address of the host's first network."""
        return self.networks[host.interfaces[0].network].control_address


class _Checker:
    """Collects the location of each value so errors read ``file:line: where: what``."""

    def __init__(self, path: Path, lines: dict[PathKey, int]):
        self.path = path
        self.lines = lines

    def fail(self, where: PathKey, message: str) -> InputError:
        line = None
        probe = where
        while probe and line is None:
            line = self.lines.get(probe)
            probe = probe[:-1]
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where).lstrip(".")
        loc = f"{self.path}:{line}" if line else str(self.path)
        return InputError(f"{loc}: {dotted}: {message}")

    def mapping(self, value: Any, where: PathKey) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"must be a mapping, got {type(value).__name__}")
        return value

    def only_keys(self, value: dict[str, Any], allowed: set[str], where: PathKey) -> None:
        for key in value:
            if key not in allowed:
                raise self.fail((*where, key), f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def address(self, value: Any, where: PathKey) -> ipaddress.IPv4Address:
        try:
            return ipaddress.IPv4Address(str(value))
        except ValueError:
            raise self.fail(where, f"{value!r} is not an IPv4 address") from None


def _size_mb(ck: _Checker, raw: Any, where: PathKey) -> int:
    """An image size (a data disk's or a medium's) like 512M or 2G, in MB, within 16M..64G."""
    m = _SIZE.match(str(raw))
    if not m:
        raise ck.fail(where, f"{raw!r} is not a size like 512M or 2G")
    size_mb = int(m.group(1)) * (1024 if m.group(2) == "G" else 1)
    if not 16 <= size_mb <= 64 * 1024:
        raise ck.fail(where, f"{raw} is outside 16M..64G")
    return size_mb


def load_topology(path: Path | str) -> Topology:
    """Load and validate a topology file; raise InputError on the first problem found."""
    path = Path(path)
    data, lines = load_located(path)
    ck = _Checker(path, lines)
    data = ck.mapping(data if data is not None else None, ())
    ck.only_keys(data, {"name", "networks", "hosts", "devices", "mirror", "description"}, ())

    name = data.get("name")
    if not isinstance(name, str) or not _LAB_NAME.match(name):
        raise ck.fail(("name",), f"{name!r} must be 1-6 lower-case letters/digits starting with a letter")

    networks: dict[str, Network] = {}
    for net_name, spec in ck.mapping(data.get("networks"), ("networks",)).items():
        where: PathKey = ("networks", net_name)
        if not isinstance(net_name, str) or not _NET_NAME.match(net_name):
            raise ck.fail(where, "network names are 1-8 lower-case letters/digits")
        spec = ck.mapping(spec, where)
        ck.only_keys(spec, {"subnet", "control_address"}, where)
        try:
            subnet = ipaddress.IPv4Network(str(spec.get("subnet")), strict=True)
        except ValueError as exc:
            raise ck.fail((*where, "subnet"), f"not an IPv4 network: {exc}") from None
        control = ck.address(spec.get("control_address"), (*where, "control_address"))
        if control not in subnet:
            raise ck.fail((*where, "control_address"), f"{control} is not in {subnet}")
        for other in networks.values():
            if subnet.overlaps(other.subnet):
                raise ck.fail((*where, "subnet"), f"{subnet} overlaps network {other.name!r}")
        networks[net_name] = Network(net_name, subnet, control)
    if not networks:
        raise ck.fail(("networks",), "at least one network is needed")

    used: dict[ipaddress.IPv4Address, str] = {n.control_address: f"networks.{n.name}" for n in networks.values()}

    def claim(addr: ipaddress.IPv4Address, net: str, owner: str, where: PathKey) -> None:
        subnet = networks[net].subnet
        if addr not in subnet or addr in (subnet.network_address, subnet.broadcast_address):
            raise ck.fail(where, f"{addr} is not a usable address of network {net!r} ({subnet})")
        if addr in used:
            raise ck.fail(where, f"duplicate address {addr}: already used by {used[addr]}")
        used[addr] = owner

    def groups_of(spec: dict[str, Any], where: PathKey, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        groups = spec.get("groups", list(default))
        if not isinstance(groups, list) or not groups:
            raise ck.fail((*where, "groups"), "must be a non-empty list of group names")
        for i, g in enumerate(groups):
            if g not in KNOWN_GROUPS:
                raise ck.fail((*where, "groups", i), f"unknown group {g!r} (known: {', '.join(sorted(KNOWN_GROUPS))})")
        return tuple(groups)

    def check_name(member: Any, where: PathKey) -> str:
        if not isinstance(member, str) or not _HOST_NAME.match(member):
            raise ck.fail(where, "names are lower-case letters, digits and '-', 2-32 characters")
        return member

    hosts: dict[str, Host] = {}
    for host_name, spec in ck.mapping(data.get("hosts"), ("hosts",)).items():
        where = ("hosts", host_name)
        check_name(host_name, where)
        spec = ck.mapping(spec, where)
        ck.only_keys(spec, {"groups", "interfaces", "gateway", "forwarding", "disks", "media"}, where)
        groups = groups_of(spec, where)
        raw_ifaces = spec.get("interfaces")
        if not isinstance(raw_ifaces, list) or not raw_ifaces:
            raise ck.fail((*where, "interfaces"), "must be a non-empty list")
        ifaces = []
        for i, raw in enumerate(raw_ifaces):
            iwhere = (*where, "interfaces", i)
            raw = ck.mapping(raw, iwhere)
            ck.only_keys(raw, {"network", "address"}, iwhere)
            net = raw.get("network")
            if net not in networks:
                raise ck.fail((*iwhere, "network"), f"unknown network {net!r} (known: {', '.join(networks)})")
            addr = ck.address(raw.get("address"), (*iwhere, "address"))
            claim(addr, net, f"hosts.{host_name}", (*iwhere, "address"))
            ifaces.append(Interface(net, addr))
        gateway = None
        if spec.get("gateway") is not None:
            gateway = ck.address(spec["gateway"], (*where, "gateway"))
            if not any(gateway in networks[i.network].subnet for i in ifaces):
                raise ck.fail((*where, "gateway"), f"{gateway} is on none of the host's networks")
        forwarding = spec.get("forwarding", False)
        if not isinstance(forwarding, bool):
            raise ck.fail((*where, "forwarding"), "must be true or false")
        disks = []
        raw_disks = spec.get("disks") or []
        if not isinstance(raw_disks, list):
            raise ck.fail((*where, "disks"), "must be a list of {mount, size}")
        for i, raw in enumerate(raw_disks):
            dwhere = (*where, "disks", i)
            raw = ck.mapping(raw, dwhere)
            ck.only_keys(raw, {"mount", "size"}, dwhere)
            mount = raw.get("mount")
            if not isinstance(mount, str) or not _MOUNT.match(mount) or mount in ("/", "/proc", "/sys", "/dev"):
                raise ck.fail((*dwhere, "mount"), f"{mount!r} is not an absolute mount point for a data disk")
            if any(d.mount == mount for d in disks):
                raise ck.fail((*dwhere, "mount"), f"{mount} is already a disk of {host_name}")
            disks.append(Disk(mount, _size_mb(ck, raw.get("size"), (*dwhere, "size"))))
        media = []
        raw_media = spec.get("media") or []
        if not isinstance(raw_media, list):
            raise ck.fail((*where, "media"), "must be a list of {label, size}")
        for i, raw in enumerate(raw_media):
            mwhere = (*where, "media", i)
            raw = ck.mapping(raw, mwhere)
            ck.only_keys(raw, {"label", "size"}, mwhere)
            label = raw.get("label")
            if not isinstance(label, str) or not _LABEL.match(label):
                raise ck.fail((*mwhere, "label"), f"{label!r} is not a filesystem label (1-16 of A-Z a-z 0-9 _ -)")
            if any(m.label == label for h in hosts.values() for m in h.media) or any(m.label == label for m in media):
                raise ck.fail((*mwhere, "label"), f"medium {label} is already in the lab")
            media.append(Medium(label, _size_mb(ck, raw.get("size"), (*mwhere, "size"))))
        hosts[host_name] = Host(host_name, groups, tuple(ifaces), gateway, forwarding, tuple(disks), tuple(media))

    devices: dict[str, Device] = {}
    for dev_name, spec in ck.mapping(data.get("devices") or {}, ("devices",)).items():
        where = ("devices", dev_name)
        check_name(dev_name, where)
        if dev_name in hosts:
            raise ck.fail(where, f"{dev_name!r} is also a host")
        spec = ck.mapping(spec, where)
        ck.only_keys(spec, {"kind", "groups", "network", "address"}, where)
        kind = spec.get("kind")
        if kind not in DEVICE_KINDS:
            raise ck.fail((*where, "kind"), f"unknown device kind {kind!r} (known: {', '.join(DEVICE_KINDS)})")
        groups = groups_of(spec, where, (DEVICE_KINDS[kind],))
        net = spec.get("network")
        if net not in networks:
            raise ck.fail((*where, "network"), f"unknown network {net!r} (known: {', '.join(networks)})")
        addr = ck.address(spec.get("address"), (*where, "address"))
        claim(addr, net, f"devices.{dev_name}", (*where, "address"))
        devices[dev_name] = Device(dev_name, kind, groups, net, addr)

    mirror = ck.mapping(data.get("mirror") or {}, ("mirror",))
    ck.only_keys(mirror, {"port"}, ("mirror",))
    port = mirror.get("port", 3142)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise ck.fail(("mirror", "port"), f"{port!r} is not a port number (1-65535)")
    if not hosts:
        raise ck.fail(("hosts",), "at least one host is needed")
    return Topology(name, path, networks, hosts, devices, port)
