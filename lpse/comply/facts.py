"""Parsers for what checks read from hosts (command output, /proc files). Pure functions, so
they are unit-tested on captured text; the checks run the commands on the live host."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

# Filesystems that hold data; pseudo and memory filesystems are not capacity.
DATA_FSTYPES = {"ext2", "ext3", "ext4", "xfs", "btrfs", "overlay", "zfs", "f2fs", "jfs", "reiserfs"}
DF_COMMAND = "df -P -B1 -T"


@dataclass(frozen=True)
class Filesystem:
    device: str
    fstype: str
    size: int
    used: int
    available: int
    mount: str

    @property
    def used_pct(self) -> float:
        # As df computes Use%: used / (used + available), so reserved blocks count as full.
        total = self.used + self.available
        return round(100.0 * self.used / total, 1) if total else 0.0


def parse_df(text: str) -> list[Filesystem]:
    """`df -P -B1 -T` output -> data filesystems, one per mount point."""
    out: dict[str, Filesystem] = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 7 or not parts[2].isdigit():
            continue
        fs = Filesystem(parts[0], parts[1], int(parts[2]), int(parts[3]), int(parts[4]), " ".join(parts[6:]))
        if fs.fstype in DATA_FSTYPES and fs.size > 0:
            out[fs.mount] = fs
    return list(out.values())


def human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n}"


@dataclass(frozen=True)
class Memory:
    total: int
    available: int
    swap_total: int
    swap_free: int

    @property
    def ram_used_pct(self) -> float:
        return round(100.0 * (self.total - self.available) / self.total, 1) if self.total else 0.0

    @property
    def swap_used_pct(self) -> float:
        return round(100.0 * (self.swap_total - self.swap_free) / self.swap_total, 1) if self.swap_total else 0.0


def parse_meminfo(text: str) -> Memory:
    values = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+):\s+(\d+)(?:\s+kB)?$", line.strip())
        if m:
            values[m.group(1)] = int(m.group(2)) * 1024
    missing = [k for k in ("MemTotal", "MemAvailable") if k not in values]
    if missing:
        raise ValueError(f"/proc/meminfo lacks {', '.join(missing)}")
    return Memory(values["MemTotal"], values["MemAvailable"], values.get("SwapTotal", 0), values.get("SwapFree", 0))


def parse_chronyc_tracking(text: str) -> dict[str, str]:
    """`chronyc -n tracking` -> {'Reference ID': '0AD5000D (10.213.0.13)', 'Leap status': 'Normal', ...}."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def effective_settings(text: str, section: str) -> dict[str, str]:
    """Last assignment wins in a systemd config as printed by `systemd-analyze cat-config`."""
    return {k: v for k, (v, _f) in effective_sources(text, section).items()}


def effective_sources(text: str, section: str) -> dict[str, tuple[str, str]]:
    """As effective_settings, with the file each winning assignment came from (cat-config prints
    each file's path as a `# /path` line before its contents)."""
    current, source, out = None, "?", {}
    for raw in text.splitlines():
        line = raw.strip()
        if re.match(r"^# /\S+$", line):
            source, current = line[2:], None
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        if current == section and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = (value.strip(), source)
    return out


def parse_sshd_t(text: str) -> dict[str, list[str]]:
    """`sshd -T` -> {keyword: [values...]}; keywords such as allowgroups repeat."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        key, _, value = line.strip().partition(" ")
        if key:
            out.setdefault(key.lower(), []).append(value.strip())
    return out


WEAK_CIPHERS = ("-cbc", "arcfour", "3des", "blowfish", "cast128")
WEAK_MACS = ("md5", "sha1", "ripemd", "umac-64")
WEAK_KEX = ("sha1",)


def weak_algorithms(offered: str, markers: tuple[str, ...]) -> list[str]:
    return [a for a in offered.split(",") if a and any(m in a for m in markers)]


def nft_objects(ruleset_json: str, kind: str) -> list[dict]:
    """Objects of one kind (chain, rule, set, counter) from `nft -j list ruleset`."""
    import json

    data = json.loads(ruleset_json or '{"nftables": []}')
    return [item[kind] for item in data.get("nftables", []) if kind in item]


def _matches(rule: dict, protocol: str, field: str) -> list:
    out = []
    for expr in rule.get("expr", []):
        m = expr.get("match")
        if m and m.get("left", {}).get("payload", {}) == {"protocol": protocol, "field": field}:
            out.append(m.get("right"))
    return out


def _accepts(rule: dict) -> bool:
    return any("accept" in expr for expr in rule.get("expr", []))


def ssh_accept_sources(ruleset_json: str, hook: str = "input") -> list[list[str] | None]:
    """For each rule accepting TCP port 22 in a chain of ``hook``: its source addresses, or None
    when it accepts from anywhere. Sets (@name) are expanded."""
    chains = {(c["family"], c["table"], c["name"]) for c in nft_objects(ruleset_json, "chain") if c.get("hook") == hook}
    out: list[list[str] | None] = []
    for rule in nft_objects(ruleset_json, "rule"):
        key = (rule.get("family"), rule.get("table"), rule.get("chain"))
        if key not in chains or not _accepts(rule):
            continue
        ports = _matches(rule, "tcp", "dport")
        if not any(p == 22 or (isinstance(p, dict) and 22 in p.get("set", [])) for p in ports):
            continue
        sources = _matches(rule, "ip", "saddr")
        if not sources:
            out.append(None)
            continue
        out.append([a for src in sources for a in _addresses(ruleset_json, key[0], key[1], src) or []])
    return out


def unconditional_accepts(ruleset_json: str, hook: str) -> int:
    """Rules in a chain of ``hook`` that accept with no match at all (everything passes)."""
    chains = {(c["family"], c["table"], c["name"]) for c in nft_objects(ruleset_json, "chain") if c.get("hook") == hook}
    return sum(
        1
        for rule in nft_objects(ruleset_json, "rule")
        if (rule.get("family"), rule.get("table"), rule.get("chain")) in chains
        and _accepts(rule)
        and not any("match" in e for e in rule.get("expr", []))
    )


# --- every rule that lets traffic in or through, against what the inventory allows -------------

LETS_IN = ("input", "forward")


@dataclass
class Accept:
    """One nftables rule that accepts, reduced to what decides who gets through."""

    where: str  # "family table chain"
    hook: str  # input, forward, or "" for a regular chain (reached by a jump)
    handle: int | None
    protocols: set[str]
    ports: list[int] | None  # None: any port (or none matched)
    sources: list[str] | None  # None: from anywhere
    dests: list[str] | None
    kinds: set[str]  # established, loopback, icmp: matches that are not a service


@dataclass
class Allowance:
    """One thing the inventory lets in (hook input) or through (hook forward)."""

    hook: str
    name: str
    protocol: str | None = None
    port: int | None = None
    sources: list[str] | None = None  # None: any
    dests: list[str] | None = None


def _elements(ruleset_json: str, family: str, table: str, right) -> list | None:
    """The elements a match compares with: a literal, an anonymous set, or a named set (@name).
    None when they cannot be known: an empty named set is filled at run time (port knocking,
    dynamic bans), so anything may be in it."""
    if isinstance(right, str) and right.startswith("@"):
        for s in nft_objects(ruleset_json, "set"):
            if (s.get("family"), s.get("table"), s.get("name")) == (family, table, right[1:]):
                items = s.get("elem") or []
                return [e["elem"]["val"] if isinstance(e, dict) and "elem" in e else e for e in items] or None
        return None
    items = right["set"] if isinstance(right, dict) and "set" in right else [right]
    return [e["elem"]["val"] if isinstance(e, dict) and "elem" in e else e for e in items]


def _addresses(ruleset_json: str, family: str, table: str, right) -> list[str] | None:
    items = _elements(ruleset_json, family, table, right)
    if items is None:
        return None
    out = []
    for e in items:
        if isinstance(e, dict) and "prefix" in e:
            out.append(f"{e['prefix']['addr']}/{e['prefix']['len']}")
        elif isinstance(e, dict) and "range" in e:
            out.append(f"{e['range'][0]}-{e['range'][1]}")
        else:
            out.append(str(e))
    return out


def _ports(ruleset_json: str, family: str, table: str, right) -> list[int] | None:
    items = _elements(ruleset_json, family, table, right)
    if not items:
        return None
    out: list[int] = []
    for e in items:
        if isinstance(e, int) or (isinstance(e, str) and e.isdigit()):
            out.append(int(e))
        elif isinstance(e, dict) and "range" in e:
            lo, hi = (int(x) for x in e["range"])
            if hi - lo > 1024:
                return None  # a range that wide is as good as any port
            out += range(lo, hi + 1)
        else:
            return None  # a service name or something else: not comparable, so not allowed
    return out


def _vmap_accepts(expr: dict) -> bool:
    data = (expr.get("vmap") or {}).get("data") or {}
    pairs = data.get("set", []) if isinstance(data, dict) else []
    return any(isinstance(p, list) and len(p) == 2 and isinstance(p[1], dict) and "accept" in p[1] for p in pairs)


def accepts(ruleset_json: str) -> list[Accept]:
    """Every accepting rule in the chains that decide what comes in or goes through: base chains
    of the input and forward hooks, and regular chains (which only a jump reaches)."""
    hooks = {(c["family"], c["table"], c["name"]): c.get("hook", "") for c in nft_objects(ruleset_json, "chain")}
    out = []
    for rule in nft_objects(ruleset_json, "rule"):
        key = (rule.get("family"), rule.get("table"), rule.get("chain"))
        hook = hooks.get(key, "")
        vmap = any(_vmap_accepts(e) for e in rule.get("expr", []))
        if hook not in (*LETS_IN, "") or not (_accepts(rule) or vmap):
            continue
        a = Accept(" ".join(key), hook, rule.get("handle"), set(), None, None, None, set())
        for expr in rule.get("expr", []):
            m = expr.get("match")
            if not m:
                continue
            left, right, negated = m.get("left", {}), m.get("right"), m.get("op") == "!="
            payload, meta, ct = left.get("payload", {}), left.get("meta", {}), left.get("ct", {})
            if negated:
                continue  # "everything but X" restricts nothing worth naming
            if payload.get("field") == "dport" and payload.get("protocol") in ("tcp", "udp", "th"):
                a.protocols.add(payload["protocol"])
                a.ports = _ports(ruleset_json, key[0], key[1], right)
            elif payload.get("protocol") in ("ip", "ip6") and payload.get("field") in ("saddr", "daddr"):
                addrs = _addresses(ruleset_json, key[0], key[1], right)
                if payload["field"] == "saddr":
                    a.sources = addrs
                else:
                    a.dests = addrs
            elif (
                payload.get("protocol") in ("icmp", "icmpv6")
                or (meta.get("key") == "l4proto" and right in ("icmp", "ipv6-icmp"))
                or (payload == {"protocol": "ip", "field": "protocol"} and right == "icmp")
            ):
                a.kinds.add("icmp")
            elif meta.get("key") == "l4proto" and isinstance(right, str):
                a.protocols.add(right)
            elif meta.get("key") in ("iif", "iifname") and right == "lo":
                a.kinds.add("loopback")
            elif ct.get("key") == "state":
                if isinstance(right, dict):
                    right = right.get("set", [])
                states = {str(x) for x in (right if isinstance(right, list) else [right])}
                if states <= {"established", "related"}:
                    a.kinds.add("established")
        if vmap:  # a verdict map decides per element: judge the rule as accepting any port
            a.ports = None
        out.append(a)
    return out


def _within(addrs: list[str] | None, allowed: list[str] | None) -> bool:
    if allowed is None:
        return True
    if addrs is None:
        return False
    try:
        nets = [ipaddress.ip_network(n, strict=False) for n in allowed]
        mine = [ipaddress.ip_network(a, strict=False) for a in addrs]
    except ValueError:
        return False  # a range or a name: not something the inventory lists
    return all(any(a.version == n.version and a.subnet_of(n) for n in nets) for a in mine)


def allowed(rule: Accept, allowances: list[Allowance]) -> bool:
    """Whether the inventory lets in what ``rule`` lets in."""
    if rule.kinds & {"established", "loopback"}:
        return True
    if "icmp" in rule.kinds and rule.ports is None and not (rule.protocols - {"icmp", "ipv6-icmp"}):
        return True
    hooks = (rule.hook,) if rule.hook else LETS_IN
    mine = [w for w in allowances if w.hook in hooks]
    if not rule.ports:
        # No port (or none known): only "everything from these networks" (a router's outbound rule) fits.
        return any(w.port is None and _within(rule.sources, w.sources) and _within(rule.dests, w.dests) for w in mine)
    protos = rule.protocols - {"th"} or {"tcp", "udp"}
    return all(
        any(
            w.port == port
            and (w.protocol is None or w.protocol == proto)
            and _within(rule.sources, w.sources)
            and _within(rule.dests, w.dests)
            for w in mine
        )
        for port in rule.ports
        for proto in protos
    )


def rule_texts(listing: str) -> dict[tuple[str, int], str]:
    """`nft -a list ruleset` -> {("family table chain", handle): the rule as nft prints it}."""
    out: dict[tuple[str, int], str] = {}
    table = chain = ""
    for raw in listing.splitlines():
        line = raw.strip()
        if line.startswith("table "):
            table = " ".join(line.split()[1:3])
        elif line.startswith("chain "):
            chain = line.split()[1]
        elif "# handle " in line and chain and not line.startswith(("chain", "table", "set", "counter")):
            text, handle = line.rsplit("# handle ", 1)
            if handle.strip().isdigit():
                out[(f"{table} {chain}", int(handle))] = text.strip()
    return out
