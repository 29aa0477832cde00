# lpse-dc — Apache-2.0
"""Temperature and humidity from a server-room probe's ENTITY-SENSOR-MIB (RFC 3433) over SNMP
v2c with pysnmp, and the thresholds they are held to (defaults: ASHRAE's recommended envelope,
18-27 °C; relative humidity at most 60 %). Shared by ``library/env_sensors.py`` and the checks.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

SENSOR = "1.3.6.1.2.1.99.1.1.1"  # entPhySensorEntry: .1 type .2 scale .3 precision .4 value .5 status
DESCR = "1.3.6.1.2.1.47.1.1.1.1.2"  # entPhysicalDescr
KINDS = {8: "temperature", 9: "humidity"}  # entPhySensorType celsius(8), percentRH(9)
UNITS = {"temperature": "°C", "humidity": "%RH"}
STATUS = {1: "ok", 2: "unavailable", 3: "nonoperational"}
DEFAULT_THRESHOLDS = {"temperature": {"min": 18.0, "max": 27.0}, "humidity": {"min": 0.0, "max": 60.0}}


class SensorError(Exception):
    """The probe did not answer, or answered something that is not a sensor: named."""


@dataclass
class Reading:
    index: int
    kind: str
    name: str
    value: float
    status: str

    @property
    def text(self) -> str:
        return f"{self.name}: {self.value:g} {UNITS.get(self.kind, '')} ({self.status})"


def thresholds(given: Any) -> dict[str, dict[str, float]]:
    """Defaults overlaid with the inventory's; every error names the item."""
    out = {k: dict(v) for k, v in DEFAULT_THRESHOLDS.items()}
    if given in (None, {}):
        return out
    if not isinstance(given, dict):
        raise SensorError("thresholds: must be a mapping like {temperature: {min: 18, max: 27}}")
    for kind, limits in given.items():
        if kind not in out:
            raise SensorError(f"thresholds.{kind}: unknown; known: {', '.join(out)}")
        if not isinstance(limits, dict) or set(limits) - {"min", "max"}:
            raise SensorError(f"thresholds.{kind}: must be {{min: N, max: N}}")
        for edge, value in limits.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SensorError(f"thresholds.{kind}.{edge}: {value!r} is not a number")
            out[kind][edge] = float(value)
        if out[kind]["min"] >= out[kind]["max"]:
            raise SensorError(f"thresholds.{kind}: min {out[kind]['min']:g} is not below max {out[kind]['max']:g}")
    return out


def _scaled(value: int, scale: int, precision: int) -> float:
    # entPhySensorScale: units(9) is 10^0, each step is 10^3 (milli(8) 10^-3, kilo(10) 10^3)
    return round(value / (10**precision) * (1000.0 ** (scale - 9)), 6)


async def _get(address: str, community: str, port: int, timeout: float, oids: list[str]) -> dict[str, Any]:
    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        get_cmd,
    )

    engine = SnmpEngine()
    try:
        target = await UdpTransportTarget.create((address, port), timeout=timeout, retries=1)
        err_ind, err_status, _idx, binds = await get_cmd(
            engine,
            CommunityData(community, mpModel=1),
            target,
            ContextData(),
            *[ObjectType(ObjectIdentity(o)) for o in oids],
        )
    finally:
        engine.close_dispatcher()
    if err_ind:
        raise SensorError(f"the probe at {address}:{port} did not answer ({err_ind}): address or community wrong?")
    if err_status:
        raise SensorError(f"the probe at {address}:{port} refused the request: {err_status.prettyPrint()}")
    return {str(name): value for name, value in binds}


def read(address: str, community: str, indexes: list[int], port: int = 161, timeout: float = 2.0) -> list[Reading]:
    """The sensors at ``indexes``; a missing one (noSuchObject/noSuchInstance) is an error naming it."""
    oids = []
    for i in indexes:
        oids += [f"{SENSOR}.{col}.{i}" for col in (1, 2, 3, 4, 5)] + [f"{DESCR}.{i}"]
    values = asyncio.run(_get(address, community, port, timeout, oids))
    out = []
    for i in indexes:
        row = {}
        for col in (1, 2, 3, 4, 5):
            v = values.get(f"{SENSOR}.{col}.{i}")
            kind = type(v).__name__ if v is not None else "nothing"
            if v is None or kind in ("NoSuchObject", "NoSuchInstance", "EndOfMibView"):
                raise SensorError(
                    f"sensor {i} at {address}: {SENSOR}.{col}.{i} answered {kind}: the probe has no such sensor"
                )
            try:
                row[col] = int(v)
            except (TypeError, ValueError):
                raise SensorError(f"sensor {i} at {address}: {SENSOR}.{col}.{i} is {v!r}, not a number") from None
        kind = KINDS.get(row[1])
        if kind is None:
            raise SensorError(f"sensor {i} at {address}: type {row[1]} is neither celsius (8) nor percentRH (9)")
        descr = values.get(f"{DESCR}.{i}")
        name = str(descr) if descr is not None and type(descr).__name__ == "OctetString" else f"sensor {i}"
        out.append(Reading(i, kind, name, _scaled(row[4], row[2], row[3]), STATUS.get(row[5], str(row[5]))))
    return out


def out_of_range(readings: list[Reading], limits: dict[str, dict[str, float]]) -> list[str]:
    problems = []
    for r in readings:
        lo, hi = limits[r.kind]["min"], limits[r.kind]["max"]
        if r.status != "ok":
            problems.append(f"{r.name} is {r.status}")
        elif not lo <= r.value <= hi:
            problems.append(f"{r.name} {r.value:g} {UNITS[r.kind]} is outside {lo:g}-{hi:g} {UNITS[r.kind]}")
    return problems


def judge_record(lines: list[str], now: int, max_age_min: float) -> tuple[list[str], str | None]:
    """The room recorder's newest lines (readings.jsonl) judged at ``now``: (evidence, problem).

    The recorder must have run within ``max_age_min`` minutes and, within that window, recorded a
    reading with sensor values. One attempt the probe did not answer (a lost UDP datagram) is
    evidence, not a failure; a window of nothing but failed attempts is.
    """
    if not lines:
        return [], "no room record: the file is missing or empty"
    records = []
    for n, line in enumerate(lines):
        try:
            record = json.loads(line)
            epoch = int(record["epoch"])
        except (ValueError, TypeError, KeyError):
            if n == len(lines) - 1:
                return [], f"the last line is not a room record: {line.strip()[:120]!r}"
            continue  # an older damaged line: the newest ones decide
        records.append((epoch, record))
    newest_epoch, newest = records[-1]
    age = (now - newest_epoch) / 60
    evidence = [f"newest record {newest.get('time')} ({age:.1f} min ago, at most {max_age_min:g})"]
    if age > max_age_min:
        return evidence, f"the newest room reading is {age:.0f} min old (at most {max_age_min:g}): the recorder stopped"
    good = [(e, r) for e, r in records if r.get("sensors_ok")]
    if not newest.get("sensors_ok"):
        evidence.append(f"its probe attempt failed: {'; '.join(newest.get('errors', [])) or 'no sensor values'}")
    if not good or (now - good[-1][0]) / 60 > max_age_min:
        since = f"for {(now - good[-1][0]) / 60:.0f} min" if good else f"in the last {len(records)} records"
        return evidence, (
            f"no room reading with sensor values {since} (at most {max_age_min:g}): "
            f"{'; '.join(newest.get('errors', [])) or 'the probe gave no values'}"
        )
    epoch, record = good[-1]
    evidence.append(
        f"newest reading {record.get('time')} ({(now - epoch) / 60:.1f} min ago): temperature "
        f"{record.get('temperature', '-')} °C, humidity {record.get('humidity', '-')} %"
    )
    return evidence, None
