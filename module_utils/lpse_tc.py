# lpse-dc — Apache-2.0
"""Declarative HTB shaping: validate a policy, read an interface's tc state, plan the commands.

Shared by ``library/tc_shaping.py`` (the Ansible module) and its unit tests; standard library
only, so it runs on any managed host.

The shape this builds on one interface (egress: tc shapes what leaves an interface)::

    qdisc 1: htb default <the default class>
      class 1:1   rate = ceil = the link rate
        class 1:10, 1:20, ...   one per policy class, in policy order (rate, ceil, prio, quantum)
    filter parent 1: protocol ip, one u32 filter per match (pref 1, 2, ...), flowid = its class

Filters are written and compared as raw u32 keys (``match u32 VALUE MASK at OFFSET``), which is
how the kernel reports them back, so a policy and the live state compare exactly. Port matches
read the transport header at offset 20: IPv4 without options, as tc's own ``ip sport`` does.
On this kernel only the u32 classifier and the htb, tbf and ingress qdiscs exist.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any

UNITS = {"bit": 1, "kbit": 10**3, "mbit": 10**6, "gbit": 10**9, "tbit": 10**12}
PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1}
RATE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?bit)\s*$", re.IGNORECASE)
# tc prints rates as e.g. 100Mbit, 1500Kbit, 9600bit
TC_RATE_RE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)bit$")
QUANTUM_MIN, QUANTUM_MAX = 1600, 60000


class PolicyError(ValueError):
    """Bad input: the message names the item and what is wrong with it."""


def parse_rate(text: Any, where: str) -> int:
    """'10mbit' -> 10_000_000 bits/s. Byte units (mbps) are refused: tc reads them as bytes."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise PolicyError(f"{where}: {text!r} is not a rate like 10mbit")
    m = RATE_RE.match(str(text))
    if not m:
        hint = " (tc reads 'bps' as bytes per second: write mbit)" if re.search(r"bps\s*$", str(text), re.I) else ""
        raise PolicyError(f"{where}: {text!r} is not a rate like 500kbit, 10mbit or 1gbit{hint}")
    bits = round(float(m.group(1)) * UNITS[m.group(2).lower()])
    if bits < 8000:
        raise PolicyError(f"{where}: {text!r} is below 8kbit, the least this policy shapes to")
    return bits


def tc_rate(text: str) -> int:
    """A rate as tc prints it -> bits/s."""
    m = TC_RATE_RE.match(text)
    if not m:
        raise ValueError(f"tc printed a rate this module does not read: {text!r}")
    scale = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}[m.group(2)]
    return round(float(m.group(1)) * scale)


def show_rate(bits: int) -> str:
    for unit, scale in (("gbit", 10**9), ("mbit", 10**6), ("kbit", 10**3)):
        if bits % scale == 0:
            return f"{bits // scale}{unit}"
    return f"{bits}bit"


def quantum(rate: int) -> int:
    """Bytes a class sends per round: rate/10 per second, kept within what HTB accepts quietly."""
    return max(QUANTUM_MIN, min(QUANTUM_MAX, rate // 8 // 10))


# --- the policy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    protocol: int | None = None
    sport: int | None = None
    dport: int | None = None
    src: ipaddress.IPv4Network | None = None
    dst: ipaddress.IPv4Network | None = None

    def keys(self) -> dict[int, tuple[int, int]]:
        """u32 keys by offset: {offset: (value, mask)} (keys at one offset are merged)."""
        keys: dict[int, tuple[int, int]] = {}

        def add(off: int, value: int, mask: int) -> None:
            v, m = keys.get(off, (0, 0))
            keys[off] = (v | (value & mask), m | mask)

        if self.protocol is not None:
            add(8, self.protocol << 16, 0x00FF0000)
        if self.src is not None and self.src.prefixlen:
            add(12, int(self.src.network_address), int(self.src.netmask))
        if self.dst is not None and self.dst.prefixlen:
            add(16, int(self.dst.network_address), int(self.dst.netmask))
        if self.sport is not None:
            add(20, self.sport << 16, 0xFFFF0000)
        if self.dport is not None:
            add(20, self.dport, 0x0000FFFF)
        return keys

    def overlaps(self, other: Match) -> bool:
        """Whether some packet matches both (a field either leaves open matches anything)."""
        for a, b in ((self.protocol, other.protocol), (self.sport, other.sport), (self.dport, other.dport)):
            if a is not None and b is not None and a != b:
                return False
        for a, b in ((self.src, other.src), (self.dst, other.dst)):
            if a is not None and b is not None and not a.overlaps(b):
                return False
        return True

    def fields(self) -> frozenset[str]:
        return frozenset(k for k in ("protocol", "sport", "dport", "src", "dst") if getattr(self, k) is not None)

    def covers(self, other: Match) -> bool:
        """Whether every packet ``other`` matches is matched by this one too."""
        for name in self.fields():
            mine, theirs = getattr(self, name), getattr(other, name)
            if theirs is None:
                return False
            if name in ("src", "dst"):
                if not theirs.subnet_of(mine):
                    return False
            elif mine != theirs:
                return False
        return True

    def describe(self) -> str:
        names = {v: k for k, v in PROTOCOLS.items()}
        parts = []
        if self.protocol is not None:
            parts.append(f"protocol {names.get(self.protocol, self.protocol)}")
        for label in ("sport", "dport", "src", "dst"):
            value = getattr(self, label)
            if value is not None:
                parts.append(f"{label} {value}")
        return ", ".join(parts) or "everything"


@dataclass
class ShapingClass:
    name: str
    minor: int
    rate: int
    ceil: int
    prio: int
    default: bool
    matches: list[Match] = field(default_factory=list)

    @property
    def classid(self) -> str:
        return f"1:{self.minor:x}"


@dataclass
class Policy:
    interface: str
    rate: int
    classes: list[ShapingClass]

    @property
    def default_minor(self) -> int:
        return next(c.minor for c in self.classes if c.default)


def _port(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise PolicyError(f"{where}: {value!r} is not a port number")
    port = int(value)
    if not 1 <= port <= 65535:
        raise PolicyError(f"{where}: port {port} is outside 1-65535")
    return port


def _ports(value: Any, where: str) -> list[int | None]:
    if value is None:
        return [None]
    values = value if isinstance(value, list) else [value]
    if not values:
        raise PolicyError(f"{where}: an empty list of ports")
    return [_port(v, f"{where}[{i}]" if isinstance(value, list) else where) for i, v in enumerate(values)]


def _network(value: Any, where: str) -> ipaddress.IPv4Network | None:
    if value is None:
        return None
    try:
        return ipaddress.IPv4Network(str(value), strict=False)
    except ValueError:
        raise PolicyError(f"{where}: {value!r} is not an IPv4 address or network like 10.0.0.0/24") from None


MATCH_KEYS = {"protocol", "sport", "dport", "src", "dst"}
CLASS_KEYS = {"name", "rate", "ceil", "priority", "default", "match"}


def _matches(spec: Any, where: str) -> list[Match]:
    if spec is None:
        return []
    if not isinstance(spec, list):
        raise PolicyError(f"{where}: must be a list of matches like {{protocol: tcp, sport: 443}}")
    out: list[Match] = []
    for i, item in enumerate(spec):
        here = f"{where}[{i}]"
        if not isinstance(item, dict) or not item:
            raise PolicyError(f"{here}: must be a mapping of {', '.join(sorted(MATCH_KEYS))}")
        unknown = set(item) - MATCH_KEYS
        if unknown:
            raise PolicyError(
                f"{here}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(MATCH_KEYS))}"
            )
        proto = item.get("protocol")
        if proto is not None:
            if str(proto).lower() in PROTOCOLS:
                proto = PROTOCOLS[str(proto).lower()]
            elif not (str(proto).isdigit() and 0 <= int(proto) <= 255):
                raise PolicyError(f"{here}.protocol: {proto!r} is not tcp, udp, icmp or a protocol number 0-255")
            else:
                proto = int(proto)
        if proto not in (None, 6, 17) and (item.get("sport") is not None or item.get("dport") is not None):
            raise PolicyError(f"{here}: ports only mean something with protocol tcp or udp")
        src, dst = _network(item.get("src"), f"{here}.src"), _network(item.get("dst"), f"{here}.dst")
        for sport in _ports(item.get("sport"), f"{here}.sport"):
            for dport in _ports(item.get("dport"), f"{here}.dport"):
                out.append(Match(proto, sport, dport, src, dst))
    return out


def load_policy(interface: Any, rate: Any, classes: Any) -> Policy:
    """Validate a whole policy before anything is changed; every error names its item."""
    if not isinstance(interface, str) or not re.match(r"^[A-Za-z0-9_.:@-]{1,15}$", interface):
        raise PolicyError(f"interface: {interface!r} is not an interface name")
    where = f"{interface}"
    link = parse_rate(rate, f"{where}.rate")
    if not isinstance(classes, list) or not classes:
        raise PolicyError(f"{where}.classes: must be a non-empty list of classes")
    if len(classes) > 200:
        raise PolicyError(f"{where}.classes: {len(classes)} classes; at most 200")
    out: list[ShapingClass] = []
    for i, spec in enumerate(classes):
        here = f"{where}.classes[{i}]"
        if not isinstance(spec, dict):
            raise PolicyError(f"{here}: must be a mapping with name, rate, ceil, priority, match")
        unknown = set(spec) - CLASS_KEYS
        if unknown:
            raise PolicyError(
                f"{here}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(CLASS_KEYS))}"
            )
        name = spec.get("name")
        if not isinstance(name, str) or not re.match(r"^[a-z0-9][a-z0-9_-]{0,31}$", name):
            raise PolicyError(f"{here}.name: {name!r} is not a name like spse or office-default")
        here = f"{where}.classes[{i}] ({name})"
        if any(c.name == name for c in out):
            raise PolicyError(f"{here}: the name {name} is used twice")
        crate = parse_rate(spec.get("rate"), f"{here}.rate")
        ceil = parse_rate(spec["ceil"], f"{here}.ceil") if spec.get("ceil") is not None else link
        if ceil < crate:
            raise PolicyError(f"{here}: ceil {show_rate(ceil)} is below rate {show_rate(crate)}")
        if ceil > link:
            raise PolicyError(f"{here}: ceil {show_rate(ceil)} is above the interface's rate {show_rate(link)}")
        prio = spec.get("priority", 4)
        if isinstance(prio, bool) or not isinstance(prio, int) or not 0 <= prio <= 7:
            raise PolicyError(f"{here}.priority: {prio!r} is not 0-7 (0 is served first)")
        default = spec.get("default", False)
        if not isinstance(default, bool):
            raise PolicyError(f"{here}.default: {default!r} is not true or false")
        matches = _matches(spec.get("match"), f"{here}.match")
        if not matches and not default:
            raise PolicyError(f"{here}: matches nothing (give it a match, or make it the default class)")
        out.append(ShapingClass(name, 0x10 * (i + 1), crate, ceil, prio, default, matches))
    defaults = [c.name for c in out if c.default]
    if len(defaults) != 1:
        raise PolicyError(
            f"{where}.classes: exactly one class must be the default (unmatched traffic); found {len(defaults)}"
            + (f": {', '.join(defaults)}" if defaults else "")
        )
    total = sum(c.rate for c in out)
    if total > link:
        raise PolicyError(
            f"{where}.classes: the guaranteed rates add up to {show_rate(total)}, "
            f"more than the interface's {show_rate(link)}"
        )
    # Filters are tried in policy order and the first that fits wins. Refused: two matches on the
    # same fields whose values meet (which class did the operator mean?), and a match that an
    # earlier class's match covers entirely (it would never see a packet). Matches on different
    # fields (one class by source port, another by destination) may meet; the earlier wins.
    for a_i, a in enumerate(out):
        for b in out[a_i + 1 :]:
            for ma in a.matches:
                for mb in b.matches:
                    if ma.fields() == mb.fields() and ma.overlaps(mb):
                        raise PolicyError(
                            f"{where}.classes: a match of {a.name} ({ma.describe()}) overlaps one of "
                            f"{b.name} ({mb.describe()}): the same packet would fit both"
                        )
                    if ma.covers(mb):
                        raise PolicyError(
                            f"{where}.classes: a match of {a.name} ({ma.describe()}) covers one of the later "
                            f"class {b.name} ({mb.describe()}), which would never see a packet"
                        )
    return Policy(interface, link, out)


# --- the live state -------------------------------------------------------------------------


@dataclass
class LiveClass:
    classid: str
    parent: str | None
    rate: int
    ceil: int
    prio: int | None
    quantum: int | None


@dataclass
class Filter:
    pref: int
    flowid: str
    keys: dict[int, tuple[int, int]]

    def render(self, interface: str) -> str:
        matches = " ".join(f"match u32 0x{v:08x} 0x{m:08x} at {off}" for off, (v, m) in sorted(self.keys.items()))
        return f"filter add dev {interface} parent 1: protocol ip prio {self.pref} u32 {matches} flowid {self.flowid}"


@dataclass
class State:
    qdisc_kind: str | None = None  # the root qdisc's kind; None: the kernel's default
    qdisc_handle: str | None = None
    default_minor: int | None = None
    classes: dict[str, LiveClass] = field(default_factory=dict)
    filters: list[Filter] = field(default_factory=list)
    foreign_filters: int = 0  # filters at the root that are not plain u32 keys to a class

    @property
    def ours(self) -> bool:
        return self.qdisc_kind == "htb" and self.qdisc_handle == "1:"


def parse_qdiscs(text: str) -> tuple[str | None, str | None, int | None]:
    """``tc -j qdisc show dev X`` -> the root qdisc's kind, handle and (htb) default class;
    (None, None, None) for the kernel's default root qdisc (noqueue, pfifo_fast, mq: handle 0:)."""
    for q in json.loads(text or "[]"):
        if q.get("root") and q.get("handle") not in (None, "0:"):  # 0: the kernel's own default
            default = (q.get("options") or {}).get("default")
            return q.get("kind"), q.get("handle"), int(str(default), 16) if default is not None else None
    return None, None, None


CLASS_RE = re.compile(r"^class htb (?P<id>\S+) (?:parent (?P<parent>\S+)|root)(?P<rest>.*)$")


def parse_classes(text: str) -> dict[str, LiveClass]:
    """``tc -d class show dev X`` (iproute2 6.1 prints htb classes as text, even with -j)."""
    out: dict[str, LiveClass] = {}
    for line in text.splitlines():
        m = CLASS_RE.match(line.strip())
        if not m:
            continue
        words = m.group("rest").split()
        attrs = {
            words[i]: words[i + 1] for i in range(len(words) - 1) if words[i] in ("prio", "quantum", "rate", "ceil")
        }
        out[m.group("id")] = LiveClass(
            m.group("id"),
            m.group("parent"),
            tc_rate(attrs["rate"]),
            tc_rate(attrs["ceil"]),
            int(attrs["prio"]) if "prio" in attrs else None,
            int(attrs["quantum"]) if "quantum" in attrs else None,
        )
    return out


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """JSON object hook keeping repeated keys: tc prints one "match" key per u32 key."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key == "match":
            out.setdefault("matches", []).append(value)
        out[key] = value
    return out


def parse_filters(text: str) -> tuple[list[Filter], int]:
    """``tc -j filter show dev X parent 1:`` -> our u32 filters, and a count of any others."""
    found: list[Filter] = []
    foreign = 0
    prefs_seen: set[int] = set()
    for f in json.loads(text or "[]", object_pairs_hook=_pairs):
        opts = f.get("options") or {}
        if f.get("kind") != "u32":
            if f.get("pref") not in prefs_seen:
                foreign += 1
                prefs_seen.add(f.get("pref"))
            continue
        if "flowid" not in opts:
            continue  # the u32 hash table entries tc lists before each filter
        keys: dict[int, tuple[int, int]] = {}
        for match in opts.get("matches", []):
            if match.get("offmask"):
                foreign += 1
                break
            off = int(match["off"])
            v, m = keys.get(off, (0, 0))
            keys[off] = (v | int(match["value"], 16), m | int(match["mask"], 16))
        else:
            found.append(Filter(int(f["pref"]), opts["flowid"], keys))
    return sorted(found, key=lambda x: x.pref), foreign


# --- planning -------------------------------------------------------------------------------


def desired_filters(policy: Policy) -> list[Filter]:
    out: list[Filter] = []
    for c in policy.classes:
        for m in c.matches:
            out.append(Filter(len(out) + 1, c.classid, m.keys()))
    return out


def _class_cmd(verb: str, interface: str, classid: str, parent: str, rate: int, ceil: int, prio: int | None) -> str:
    cmd = f"class {verb} dev {interface} parent {parent} classid {classid} htb rate {rate}bit ceil {ceil}bit"
    if prio is not None:
        cmd += f" prio {prio}"
    return cmd + f" quantum {quantum(rate)}"


def build(policy: Policy, verb: str = "add") -> list[str]:
    """The commands that build the policy on an interface with no qdisc of ours (boot: add;
    over the kernel's default or another qdisc: replace)."""
    i = policy.interface
    cmds = [
        f"qdisc {verb} dev {i} root handle 1: htb default {policy.default_minor:x}",
        _class_cmd("add", i, "1:1", "1:", policy.rate, policy.rate, None),
    ]
    cmds += [_class_cmd("add", i, c.classid, "1:1", c.rate, c.ceil, c.prio) for c in policy.classes]
    cmds += [f.render(i) for f in desired_filters(policy)]
    return cmds


def rebuild(state: State, interface: str) -> list[str]:
    """Commands that bring back a state read earlier (the rollback when applying fails; run
    with ``tc -force`` since the failure may have left any part of the new state)."""
    cmds = [f"qdisc del dev {interface} root"]
    if not state.ours:
        return cmds  # deleting the root qdisc brings back the kernel's default
    cmds.append(f"qdisc add dev {interface} root handle 1: htb default {state.default_minor or 0:x}")
    pending = dict(state.classes)
    added: set[str] = {"1:"}
    while pending:  # parents before children
        ready = [c for c in pending.values() if (c.parent or "1:") in added]
        if not ready:
            break
        for c in sorted(ready, key=lambda c: c.classid):
            cmds.append(_class_cmd("add", interface, c.classid, c.parent or "1:", c.rate, c.ceil, c.prio))
            added.add(c.classid)
            del pending[c.classid]
    cmds += [f.render(interface) for f in state.filters]
    return cmds


def _same(live: LiveClass | None, parent: str, rate: int, ceil: int, prio: int | None) -> bool:
    if live is None:
        return False
    # tc keeps rates in bytes/s: compare at that resolution
    return (
        (live.parent or "1:") == parent
        and live.rate // 8 == rate // 8
        and live.ceil // 8 == ceil // 8
        and (prio is None or live.prio == prio)
        and (live.quantum is None or live.quantum == quantum(rate))
    )


def plan(policy: Policy, state: State, purge: bool = True) -> list[str]:
    """The tc commands (for ``tc -batch``) that turn ``state`` into ``policy``; [] when it matches."""
    i = policy.interface
    if not state.ours:
        return build(policy, "replace")
    cmds: list[str] = []
    if state.default_minor != policy.default_minor:
        cmds.append(f"qdisc change dev {i} root handle 1: htb default {policy.default_minor:x}")
    wanted = desired_filters(policy)
    filters_differ = state.foreign_filters > 0 or [(f.pref, f.flowid, f.keys) for f in state.filters] != [
        (f.pref, f.flowid, f.keys) for f in wanted
    ]
    if filters_differ and (state.filters or state.foreign_filters):
        cmds.append(f"filter del dev {i} parent 1:")
    desired = {"1:1": ("1:", policy.rate, policy.rate, None)}
    desired.update({c.classid: ("1:1", c.rate, c.ceil, c.prio) for c in policy.classes})
    if purge:
        # deepest first: a class with children cannot go before them
        extra = [c for cid, c in state.classes.items() if cid not in desired]
        depth = {c.classid: _depth(c, state.classes) for c in extra}
        for c in sorted(extra, key=lambda c: -depth[c.classid]):
            if not filters_differ and any(f.flowid == c.classid for f in state.filters):
                cmds.append(f"filter del dev {i} parent 1:")
                filters_differ = True
            cmds.append(f"class del dev {i} classid {c.classid}")
    for classid, (parent, rate, ceil, prio) in desired.items():
        live = state.classes.get(classid)
        if live is None:
            cmds.append(_class_cmd("add", i, classid, parent, rate, ceil, prio))
        elif not _same(live, parent, rate, ceil, prio):
            if (live.parent or "1:") != parent:
                raise PolicyError(
                    f"{i}: class {classid} hangs under {live.parent} here, not {parent}; "
                    f"remove the root qdisc by hand (tc qdisc del dev {i} root) and run again"
                )
            cmds.append(_class_cmd("change", i, classid, parent, rate, ceil, prio))
    if filters_differ:
        cmds += [f.render(i) for f in wanted]
    return cmds


def _depth(c: LiveClass, classes: dict[str, LiveClass]) -> int:
    depth, seen = 0, set()
    while c.parent and c.parent in classes and c.parent not in seen:
        seen.add(c.parent)
        c = classes[c.parent]
        depth += 1
    return depth


def describe(state: State) -> str:
    """A readable picture of a state, for diff mode."""
    if not state.qdisc_kind:
        return "(no root qdisc: the kernel's default)\n"
    lines = [f"qdisc {state.qdisc_kind} {state.qdisc_handle} default {state.default_minor or 0:x}"]
    for cid in sorted(state.classes, key=lambda c: (len(c), c)):
        c = state.classes[cid]
        lines.append(
            f"class {cid} parent {c.parent or 'root'} rate {show_rate(c.rate)} ceil {show_rate(c.ceil)}"
            + (f" prio {c.prio}" if c.prio is not None else "")
        )
    for f in state.filters:
        keys = " ".join(f"{off}:{v:08x}/{m:08x}" for off, (v, m) in sorted(f.keys.items()))
        lines.append(f"filter pref {f.pref} -> {f.flowid} [{keys}]")
    if state.foreign_filters:
        lines.append(f"({state.foreign_filters} other filter(s))")
    return "\n".join(lines) + "\n"


def expected_state(policy: Policy) -> State:
    classes = {"1:1": LiveClass("1:1", None, policy.rate, policy.rate, None, quantum(policy.rate))}
    for c in policy.classes:
        classes[c.classid] = LiveClass(c.classid, "1:1", c.rate, c.ceil, c.prio, quantum(c.rate))
    return State("htb", "1:", policy.default_minor, classes, desired_filters(policy))
