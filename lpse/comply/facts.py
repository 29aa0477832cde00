"""Parsers for what checks read from hosts (command output, /proc files). Pure functions, so
they are unit-tested on captured text; the checks run the commands on the live host."""

from __future__ import annotations

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
    current, out = None, {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            continue
        if current == section and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
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


def set_elements(ruleset_json: str, family: str, table: str, name: str) -> list[str]:
    for s in nft_objects(ruleset_json, "set"):
        if (s.get("family"), s.get("table"), s.get("name")) == (family, table, name):
            out = []
            for e in s.get("elem", []):
                if isinstance(e, dict) and "prefix" in e:
                    out.append(f"{e['prefix']['addr']}/{e['prefix']['len']}")
                else:
                    out.append(str(e))
            return out
    return []


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
        addresses: list[str] = []
        for src in sources:
            if isinstance(src, str) and src.startswith("@"):
                addresses += set_elements(ruleset_json, key[0], key[1], src[1:])
            elif isinstance(src, dict) and "set" in src:
                addresses += [
                    f"{e['prefix']['addr']}/{e['prefix']['len']}" if isinstance(e, dict) else str(e) for e in src["set"]
                ]
            elif isinstance(src, dict) and "prefix" in src:
                addresses.append(f"{src['prefix']['addr']}/{src['prefix']['len']}")
            else:
                addresses.append(str(src))
        out.append(addresses)
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
