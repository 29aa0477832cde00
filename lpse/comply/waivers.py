"""Waivers: a control excused on some hosts, with a justification, an approver and an expiry.

File format (``compliance/waivers.yml`` by default)::

    waivers:
      - control: LPSE-21.5-TIME-02
        hosts: [mgmt-01]            # or [all]
        justification: ...
        approved_by: Kepala LPSE
        expires: 2027-01-31         # the waiver holds through this day
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from lpse.errors import InputError
from lpse.yamlsrc import load_located


@dataclass(frozen=True)
class Waiver:
    control: str
    hosts: tuple[str, ...]
    justification: str
    approved_by: str
    expires: dt.date
    source: str

    def covers(self, control: str, host: str) -> bool:
        return control == self.control and ("all" in self.hosts or host in self.hosts)

    def active(self, today: dt.date) -> bool:
        return today <= self.expires

    def as_dict(self) -> dict[str, str]:
        return {
            "justification": self.justification,
            "approved_by": self.approved_by,
            "expires": self.expires.isoformat(),
            "source": self.source,
        }


def load(path: Path, known_controls: set[str]) -> list[Waiver]:
    if not path.exists():
        return []
    data, lines = load_located(path)
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("waivers", []), list):
        raise InputError(f"{path}: a waiver file is a mapping with a `waivers:` list")
    out = []
    for i, raw in enumerate(data.get("waivers") or []):
        at = f"{path}:{lines.get(('waivers', i), '?')}"
        if not isinstance(raw, dict):
            raise InputError(f"{at}: a waiver is a mapping")
        extra = set(raw) - {"control", "hosts", "justification", "approved_by", "expires"}
        if extra:
            raise InputError(f"{at}: unknown key(s) {', '.join(sorted(extra))}")
        control = raw.get("control")
        if control not in known_controls:
            raise InputError(f"{at}: unknown control {control!r}")
        hosts = raw.get("hosts")
        if not isinstance(hosts, list) or not hosts or not all(isinstance(h, str) and h for h in hosts):
            raise InputError(f"{at}: {control}: hosts must be a non-empty list (use [all] for every host)")
        for key in ("justification", "approved_by"):
            value = raw.get(key)
            if not isinstance(value, str) or len(value.strip()) < 3:
                raise InputError(
                    f"{at}: {control}: {key} is missing (every waiver needs a justification "
                    "and the person who approved it)"
                )
        expires = raw.get("expires")
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                expires = None
        if not isinstance(expires, dt.date) or isinstance(expires, dt.datetime):
            raise InputError(f"{at}: {control}: expires {raw.get('expires')!r} is not a date (YYYY-MM-DD)")
        out.append(
            Waiver(
                control,
                tuple(hosts),
                raw["justification"].strip(),
                raw["approved_by"].strip(),
                expires,
                f"{path.name}:{lines.get(('waivers', i), '?')}",
            )
        )
    return out
