# lpse-dc — Apache-2.0
"""Network device configuration as data: validate the inventory's wanted state, read a device's
running state, and plan the commands between them (shared by ``library/network_device.py`` and
its unit tests; standard library only).

Two platforms:

- ``cisco_ios`` (a switch): VLANs with names, interface descriptions, access and trunk ports,
  SVIs (``interface VlanN`` with an address) and static routes, read from ``show running-config``;
- ``linux`` (a Linux router): interface descriptions (the link's alias) and static routes, read
  from ``ip -j link`` and ``ip -j route``.

Each device also keeps a startup configuration, what it comes back with after a power cut: a
switch's NVRAM (``write memory``, ``show startup-config``); on a Linux router the script
``/etc/lpse/network-device/startup.sh``, run at boot by ``lpse-netdev-startup.service``, that sets
the descriptions and static routes again. After a change the running state is saved there.

A plan touches only what the wanted state names, except with ``purge``: VLANs (not 1), SVIs and
static routes the wanted state does not list are removed. Rolling back is planning the way back
to the state read before the change (with purge), so a failed push returns the device to it.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

PLATFORMS = ("cisco_ios", "linux")
IOS_IFACE_RE = re.compile(r"^(FastEthernet|GigabitEthernet|TenGigabitEthernet|Ethernet|Port-channel)\d+(/\d+)*$")
LINUX_IFACE_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,15}$")
NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
DESCRIPTION_RE = re.compile(r"^[A-Za-z0-9 _.,:/()#+-]{1,80}$")


class ConfigError(ValueError):
    """Bad input: the message names the item and what is wrong."""


@dataclass
class Interface:
    name: str
    description: str | None = None
    mode: str | None = None  # access | trunk (cisco_ios)
    access_vlan: int | None = None
    trunk_vlans: tuple[int, ...] | None = None


@dataclass
class DeviceState:
    vlans: dict[int, str | None] = field(default_factory=dict)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    svis: dict[int, str] = field(default_factory=dict)  # vlan -> "a.b.c.d/len"
    routes: set[tuple[str, str]] = field(default_factory=set)  # (prefix, next hop)

    def as_text(self) -> str:
        """A readable, ordered picture (diff mode, backups' summary)."""
        lines = [f"vlan {v}" + (f" name {n}" if n else "") for v, n in sorted(self.vlans.items())]
        for name in sorted(self.interfaces):
            i = self.interfaces[name]
            bits = [f"interface {name}"]
            if i.description:
                bits.append(f"description {i.description!r}")
            if i.mode:
                bits.append(f"mode {i.mode}")
            if i.access_vlan is not None:
                bits.append(f"access vlan {i.access_vlan}")
            if i.trunk_vlans is not None:
                bits.append(f"trunk vlans {','.join(map(str, i.trunk_vlans))}")
            lines.append(" ".join(bits))
        lines += [f"svi vlan {v} {a}" for v, a in sorted(self.svis.items())]
        lines += [f"route {p} via {n}" for p, n in sorted(self.routes)]
        return "\n".join(lines) + "\n"


# --- wanted state ---------------------------------------------------------------------------


def _vlan(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ConfigError(f"{where}: {value!r} is not a VLAN ID")
    vid = int(value)
    if not 1 <= vid <= 4094:
        raise ConfigError(f"{where}: VLAN ID {vid} is outside 1-4094")
    return vid


def _keys(item: Any, allowed: set[str], where: str) -> dict:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: must be a mapping of {', '.join(sorted(allowed))}")
    unknown = set(item) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(allowed))}")
    return item


def load_wanted(platform: str, config: Any) -> DeviceState:
    """Validate the inventory's device configuration whole, before anything is sent."""
    if platform not in PLATFORMS:
        raise ConfigError(f"platform: {platform!r} is not one of {', '.join(PLATFORMS)}")
    config = _keys(config or {}, {"vlans", "interfaces", "svis", "static_routes"}, "config")
    state = DeviceState()
    ios = platform == "cisco_ios"
    for i, v in enumerate(config.get("vlans") or []):
        here = f"config.vlans[{i}]"
        v = _keys(v, {"id", "name"}, here)
        vid = _vlan(v.get("id"), f"{here}.id")
        if not ios:
            raise ConfigError(f"{here}: VLANs are configured on a switch (cisco_ios), not on {platform}")
        if vid in state.vlans:
            raise ConfigError(f"{here}: VLAN {vid} is listed twice")
        name = v.get("name")
        if name is not None and not NAME_RE.match(str(name)):
            raise ConfigError(f"{here}.name: {name!r} must be 1-32 letters, digits, '_', '.' or '-'")
        state.vlans[vid] = None if name is None else str(name)
    for i, spec in enumerate(config.get("interfaces") or []):
        here = f"config.interfaces[{i}]"
        spec = _keys(spec, {"name", "description", "mode", "access_vlan", "trunk_vlans"}, here)
        name = spec.get("name")
        pattern = IOS_IFACE_RE if ios else LINUX_IFACE_RE
        if not isinstance(name, str) or not pattern.match(name):
            raise ConfigError(f"{here}.name: {name!r} is not a {platform} interface name")
        if name in state.interfaces:
            raise ConfigError(f"{here}: interface {name} is listed twice")
        desc = spec.get("description")
        if desc is not None and not DESCRIPTION_RE.match(str(desc)):
            raise ConfigError(f"{here}.description: {desc!r} must be 1-80 plain characters")
        mode = spec.get("mode")
        if mode is not None and (not ios or mode not in ("access", "trunk")):
            raise ConfigError(f"{here}.mode: {mode!r} must be access or trunk (switch ports only)")
        access = _vlan(spec["access_vlan"], f"{here}.access_vlan") if spec.get("access_vlan") is not None else None
        trunk = None
        if spec.get("trunk_vlans") is not None:
            if not isinstance(spec["trunk_vlans"], list) or not spec["trunk_vlans"]:
                raise ConfigError(f"{here}.trunk_vlans: must be a non-empty list of VLAN IDs")
            trunk = tuple(sorted({_vlan(v, f"{here}.trunk_vlans[{j}]") for j, v in enumerate(spec["trunk_vlans"])}))
        if access is not None and mode != "access":
            raise ConfigError(f"{here}: access_vlan needs mode: access")
        if trunk is not None and mode != "trunk":
            raise ConfigError(f"{here}: trunk_vlans needs mode: trunk")
        for vid in [access] if access is not None else list(trunk or ()):
            if vid != 1 and vid not in state.vlans:
                raise ConfigError(f"{here}: VLAN {vid} is not in config.vlans")
        state.interfaces[name] = Interface(name, None if desc is None else str(desc), mode, access, trunk)
    for i, s in enumerate(config.get("svis") or []):
        here = f"config.svis[{i}]"
        s = _keys(s, {"vlan", "address"}, here)
        if not ios:
            raise ConfigError(f"{here}: SVIs are configured on a switch (cisco_ios), not on {platform}")
        vid = _vlan(s.get("vlan"), f"{here}.vlan")
        if vid != 1 and vid not in state.vlans:
            raise ConfigError(f"{here}: VLAN {vid} is not in config.vlans")
        try:
            iface = ipaddress.IPv4Interface(str(s.get("address")))
        except ValueError:
            raise ConfigError(f"{here}.address: {s.get('address')!r} is not an address like 10.0.10.2/24") from None
        if iface.network.prefixlen in (0, 32) or iface.ip in (
            iface.network.network_address,
            iface.network.broadcast_address,
        ):
            raise ConfigError(f"{here}.address: {iface} is not a host address in its network")
        if vid in state.svis:
            raise ConfigError(f"{here}: VLAN {vid} has two SVIs")
        state.svis[vid] = str(iface)
    for i, r in enumerate(config.get("static_routes") or []):
        here = f"config.static_routes[{i}]"
        r = _keys(r, {"prefix", "next_hop"}, here)
        try:
            prefix = ipaddress.IPv4Network(str(r.get("prefix")))
        except ValueError:
            raise ConfigError(f"{here}.prefix: {r.get('prefix')!r} is not a network like 10.1.0.0/16") from None
        try:
            hop = ipaddress.IPv4Address(str(r.get("next_hop")))
        except ValueError:
            raise ConfigError(f"{here}.next_hop: {r.get('next_hop')!r} is not an IPv4 address") from None
        route = (str(prefix), str(hop))
        if route in state.routes:
            raise ConfigError(f"{here}: the route {prefix} via {hop} is listed twice")
        state.routes.add(route)
    return state


# --- reading a device -----------------------------------------------------------------------


def parse_ios(running: str) -> DeviceState:
    """``show running-config`` of a Cisco IOS switch -> the state this module manages."""
    state = DeviceState()
    block: tuple[str, Any] | None = None
    for raw in running.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("!"):
            continue
        if not line.startswith(" "):
            block = None
            if m := re.match(r"^vlan (\d+)$", line):
                block = ("vlan", int(m.group(1)))
                state.vlans[int(m.group(1))] = None
            elif m := re.match(r"^interface Vlan(\d+)$", line):
                block = ("svi", int(m.group(1)))
            elif m := re.match(r"^interface (\S+)$", line):
                block = ("if", m.group(1))
                state.interfaces[m.group(1)] = Interface(m.group(1))
            elif m := re.match(r"^ip route (\S+) (\S+) (\S+)$", line):
                net = ipaddress.IPv4Network(f"{m.group(1)}/{m.group(2)}")
                state.routes.add((str(net), m.group(3)))
            continue
        text = line.strip()
        if block is None:
            continue
        kind, key = block
        if kind == "vlan" and text.startswith("name "):
            state.vlans[key] = text[5:]
        elif kind == "svi" and (m := re.match(r"^ip address (\S+) (\S+)$", text)):
            state.svis[key] = str(ipaddress.IPv4Interface(f"{m.group(1)}/{m.group(2)}"))
        elif kind == "if":
            iface = state.interfaces[key]
            if text.startswith("description "):
                iface.description = text[len("description ") :]
            elif m := re.match(r"^switchport mode (access|trunk)$", text):
                iface.mode = m.group(1)
            elif m := re.match(r"^switchport access vlan (\d+)$", text):
                iface.access_vlan = int(m.group(1))
            elif m := re.match(r"^switchport trunk allowed vlan (\S+)$", text):
                iface.trunk_vlans = tuple(sorted(_vlan_list(m.group(1))))
    return state


def _vlan_list(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            out.update(range(int(a), int(b) + 1))
        elif part.isdigit():
            out.add(int(part))
    return out


def parse_linux(links_json: str, routes_json: str) -> DeviceState:
    """``ip -j link`` and ``ip -j route show table main`` of a Linux router."""
    state = DeviceState()
    for link in json.loads(links_json or "[]"):
        name = link.get("ifname")
        if name and name != "lo":
            state.interfaces[name] = Interface(name, link.get("ifalias") or None)
    for r in json.loads(routes_json or "[]"):
        if r.get("gateway") and r.get("protocol") in ("static", "boot"):
            dst = "0.0.0.0/0" if r.get("dst") == "default" else str(ipaddress.IPv4Network(r["dst"]))
            state.routes.add((dst, r["gateway"]))
    return state


def parse_backup(platform: str, text: str) -> DeviceState:
    """A saved running configuration (library/network_device.py's backups) -> its state."""
    if platform == "cisco_ios":
        return parse_ios(text)
    doc = json.loads(text)
    return parse_linux(doc["ip -j link show"], doc["ip -j route show table main"])


# --- the startup configuration ----------------------------------------------------------------

LINUX_STARTUP = "/etc/lpse/network-device/startup.sh"
LINUX_STARTUP_UNIT = "/etc/systemd/system/lpse-netdev-startup.service"
LINUX_UNIT_TEXT = (
    "# lpse-dc network_device: the router's startup configuration (descriptions, static routes)\n"
    "[Unit]\nDescription=lpse-dc: the network configuration saved by network_device\n"
    "After=network.target\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\n"
    f"ExecStart=/bin/sh -e {LINUX_STARTUP}\n\n[Install]\nWantedBy=multi-user.target\n"
)


def linux_startup_script(state: DeviceState) -> str:
    """The boot script that gives a Linux router ``state``'s descriptions and static routes again."""
    lines = ["#!/bin/sh", "# lpse-dc network_device: saved running configuration, applied at boot"]
    for name in sorted(state.interfaces):
        if state.interfaces[name].description:
            lines.append(f"ip link set dev {name} alias {_quote(state.interfaces[name].description)}")
    lines += [f"ip route replace {prefix} via {hop} proto static" for prefix, hop in sorted(state.routes)]
    return "\n".join(lines) + "\n"


def parse_linux_startup(text: str) -> DeviceState:
    """The state a Linux router's startup script sets (see :func:`linux_startup_script`)."""
    state = DeviceState()
    for line in text.splitlines():
        if m := re.match(r"^ip link set dev (\S+) alias '(.*)'$", line):
            state.interfaces[m.group(1)] = Interface(m.group(1), m.group(2).replace("'\\''", "'"))
        elif m := re.match(r"^ip route replace (\S+) via (\S+)", line):
            state.routes.add((str(ipaddress.IPv4Network(m.group(1))), m.group(2)))
    return state


def startup_differs(platform: str, startup: DeviceState | None, running: DeviceState) -> list[str]:
    """What a power cut would change (empty: the startup configuration is the running one)."""
    startup = startup or DeviceState()
    if platform == "cisco_ios":
        return [f"after a restart: {line}" for line in plan_ios(startup, running, purge=True)]
    out = []
    described = {n for n, i in running.interfaces.items() if i.description}
    for name in sorted(described | {n for n, i in startup.interfaces.items() if i.description}):
        now = running.interfaces[name].description if name in running.interfaces else None
        then = startup.interfaces[name].description if name in startup.interfaces else None
        if now != then:
            out.append(f"{name}: description {now!r} now, {then!r} after a restart")
    out += [f"route {p} via {h} is lost at a restart" for p, h in sorted(running.routes - startup.routes)]
    out += [f"route {p} via {h} comes back at a restart" for p, h in sorted(startup.routes - running.routes)]
    return out


# --- talking to a device (netmiko) ------------------------------------------------------------


class Device:
    """One netmiko session and the platform's read/apply."""

    def __init__(self, p):
        from netmiko import ConnectHandler  # the module and the checks have it; the planning does not need it

        self.p = p
        args = {
            "device_type": p["platform"],
            "host": p["host"],
            "port": p["port"],
            "username": p["username"],
            "conn_timeout": p["timeout"],
            "auth_timeout": p["timeout"],
            "banner_timeout": p["timeout"],
            "read_timeout_override": p["timeout"],
        }
        if p["key_file"]:
            args.update(use_keys=True, key_file=p["key_file"], allow_agent=False)
        else:
            args["password"] = p["password"]
        if p["platform"] == "cisco_ios":
            args["secret"] = ""
        self.conn = ConnectHandler(**args)
        if p["platform"] == "cisco_ios":
            self.conn.enable()

    def running(self):
        """(the text to back up, the parsed state)."""
        if self.p["platform"] == "cisco_ios":
            text = self.conn.send_command("show running-config")
            return text, parse_ios(text)
        links = self.conn.send_command("ip -j link show")
        routes = self.conn.send_command("ip -j route show table main")
        readable = self.conn.send_command("ip -d addr show; echo; ip route show table all")
        text = json.dumps({"ip -j link show": links, "ip -j route show table main": routes, "readable": readable})
        return text, parse_linux(links, routes)

    def startup(self):
        """(text, state) of the startup configuration; state None when the device has none."""
        if self.p["platform"] == "cisco_ios":
            text = self.conn.send_command("show startup-config")
            if "not present" in text or "Invalid input" in text:
                return text, None
            return text, parse_ios(text)
        text = self.conn.send_command(self._as_root(f"cat {LINUX_STARTUP} 2>/dev/null || echo '# none'"))
        return text, (None if text.strip() == "# none" else parse_linux_startup(text))

    def save(self, state: DeviceState) -> None:
        """Make the running configuration the startup one."""
        if self.p["platform"] == "cisco_ios":
            out = self.conn.send_command("write memory", expect_string=r"#")
            if "OK" not in out:
                raise RuntimeError(f"write memory did not confirm: {out.strip()[:200]}")
            return
        # Base64 keeps the quoting simple; the long line is not echoed back reliably (no cmd_verify).
        folder = LINUX_STARTUP.rsplit("/", 1)[0]
        for path, text in ((LINUX_STARTUP, linux_startup_script(state)), (LINUX_STARTUP_UNIT, LINUX_UNIT_TEXT)):
            blob = base64.b64encode(text.encode()).decode()
            write = f"mkdir -p {folder} && echo {blob} | base64 -d > {path}.tmp && mv {path}.tmp {path}"
            out = self.conn.send_command(f"{self._as_root(write)}; echo rc=$?", cmd_verify=False)
            if not out.strip().endswith("rc=0"):
                raise RuntimeError(f"cannot write {path}: {out.strip()[-200:]}")
        self.push(["systemctl daemon-reload && systemctl enable --quiet lpse-netdev-startup.service"])

    def _as_root(self, command: str) -> str:
        """A Linux router's change as root: through sudo when the login is the automation account."""
        return f"sudo -n sh -c {shlex.quote(command)}" if self.p.get("sudo") else command

    def push(self, commands):
        if self.p["platform"] == "cisco_ios":
            self.conn.send_config_set(commands, exit_config_mode=False, cmd_verify=True)
            self.conn.send_command("exit", expect_string=r"#")  # the simulator has no `end`
            return
        for cmd in commands:
            out = self.conn.send_command(f"{self._as_root(cmd)}; echo rc=$?")
            if not out.strip().endswith("rc=0"):
                raise RuntimeError(f"`{cmd}` failed: {out.strip()}")

    def close(self):
        with contextlib.suppress(Exception):
            self.conn.disconnect()


# --- planning -------------------------------------------------------------------------------


def _ios_mask(cidr: str) -> str:
    net = ipaddress.IPv4Network(cidr)
    return f"{net.network_address} {net.netmask}"


def plan_ios(wanted: DeviceState, live: DeviceState, purge: bool = False) -> list[str]:
    """Config-mode commands for a Cisco IOS switch; [] when the live state already matches.
    Every block is closed with ``exit`` (the simulator has no ``end``)."""
    cmds: list[str] = []
    for vid, name in sorted(wanted.vlans.items()):
        if vid not in live.vlans or (name is not None and live.vlans[vid] != name):
            cmds += [f"vlan {vid}"] + ([f"name {name}"] if name is not None else []) + ["exit"]
    for name in sorted(wanted.interfaces):
        want = wanted.interfaces[name]
        have = live.interfaces.get(name) or Interface(name)
        if name not in live.interfaces:
            raise ConfigError(f"interface {name} does not exist on this device; it has: {', '.join(live.interfaces)}")
        body: list[str] = []
        if want.description is not None and want.description != have.description:
            body.append(f"description {want.description}")
        if want.mode is not None and want.mode != have.mode:
            body.append(f"switchport mode {want.mode}")
        if want.access_vlan is not None and want.access_vlan != have.access_vlan:
            body.append(f"switchport access vlan {want.access_vlan}")
        if want.trunk_vlans is not None and want.trunk_vlans != have.trunk_vlans:
            body.append(f"switchport trunk allowed vlan {','.join(map(str, want.trunk_vlans))}")
        if purge:
            if want.description is None and have.description is not None:
                body.append("no description")
            if want.access_vlan is None and have.access_vlan is not None:
                body.append("no switchport access vlan")
            if want.trunk_vlans is None and have.trunk_vlans is not None:
                body.append("no switchport trunk allowed vlan")
            if want.mode is None and have.mode is not None:
                body.append("no switchport mode")
        if body:
            cmds += [f"interface {name}", *body, "exit"]
    for vid, address in sorted(wanted.svis.items()):
        if live.svis.get(vid) != address:
            # never re-sent when equal: re-applying the same address is what the simulator cannot take
            iface = ipaddress.IPv4Interface(address)
            cmds += [f"interface vlan {vid}", f"ip address {iface.ip} {iface.netmask}", "exit"]
    for prefix, hop in sorted(wanted.routes - live.routes):
        cmds.append(f"ip route {_ios_mask(prefix)} {hop}")
    if purge:
        for prefix, hop in sorted(live.routes - wanted.routes):
            cmds.append(f"no ip route {_ios_mask(prefix)} {hop}")
        for vid in sorted(set(live.svis) - set(wanted.svis)):
            cmds += [f"interface vlan {vid}", "no ip address", "exit", f"no interface vlan {vid}"]
        for vid in sorted(set(live.vlans) - set(wanted.vlans) - {1}):
            cmds.append(f"no vlan {vid}")
    return cmds


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def plan_linux(wanted: DeviceState, live: DeviceState, purge: bool = False) -> list[str]:
    """Shell commands for a Linux router; [] when the live state already matches."""
    cmds: list[str] = []
    for name in sorted(wanted.interfaces):
        want = wanted.interfaces[name]
        if name not in live.interfaces:
            raise ConfigError(f"interface {name} does not exist on this device; it has: {', '.join(live.interfaces)}")
        have = live.interfaces[name]
        if want.description is not None and want.description != have.description:
            cmds.append(f"ip link set dev {name} alias {_quote(want.description)}")
        elif purge and want.description is None and have.description:
            cmds.append(f"ip link set dev {name} alias ''")
    for prefix, hop in sorted(wanted.routes - live.routes):
        cmds.append(f"ip route replace {prefix} via {hop} proto static")
    if purge:
        for prefix, hop in sorted(live.routes - wanted.routes):
            cmds.append(f"ip route del {prefix} via {hop}")
    return cmds


def plan(platform: str, wanted: DeviceState, live: DeviceState, purge: bool = False) -> list[str]:
    return (plan_ios if platform == "cisco_ios" else plan_linux)(wanted, live, purge)


def back_to(platform: str, backup: DeviceState, live: DeviceState) -> list[str]:
    """The commands that return a device from ``live`` to a state read earlier (the rollback)."""
    if platform == "cisco_ios":
        # interfaces as they were, in full: purge clears what the failed push added
        return plan_ios(backup, live, purge=True)
    return plan_linux(backup, live, purge=True)
