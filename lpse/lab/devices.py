"""Simulated devices: the UPS network card, the temperature/humidity probe and the core switch.

UPS and probe are real SNMP agents (snmpsim) answering from a ``<community>.snmprec`` file that is
generated from the device's state; snmpsim re-reads plain lines on every request, so
``lpse lab set`` (which rewrites the file atomically) is seen by any SNMP or NUT client at once.
The switch is fake-switches' Cisco IOS simulator, reached by netmiko over SSH.

State keys follow Network UPS Tools' variable names for the UPS, so an operator who knows
``upsc`` knows what ``lpse lab set ups-01 ups.status="OB LB"`` means.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lpse.errors import InputError

UPS_MIB = "1.3.6.1.2.1.33.1"
ENTITY_SENSOR_MIB = "1.3.6.1.2.1.99.1.1.1"
ENTITY_MIB_DESCR = "1.3.6.1.2.1.47.1.1.1.1.2"

# snmprec type tags
INTEGER, OCTETS, OID, COUNTER32, GAUGE32, TIMETICKS = "2", "4", "6", "65", "66", "67"


@dataclass(frozen=True)
class Key:
    """A settable device variable: how to parse it, and its meaning for the operator."""

    parse: Callable[[str], Any]
    help: str


def _number(lo: float, hi: float, integer: bool = False) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise ValueError(f"{text!r} is not {kind}") from None
        if not lo <= value <= hi:
            raise ValueError(f"{value} is outside {lo:g}..{hi:g}")
        return value

    return parse


UPS_STATUS_FLAGS = {"OL", "OB", "LB", "BYPASS", "CHRG", "DISCHRG", "RB", "OVER"}


def _ups_status(text: str) -> str:
    flags = text.split()
    unknown = [f for f in flags if f not in UPS_STATUS_FLAGS]
    if not flags or unknown:
        raise ValueError(f"{text!r}: status flags must be among {' '.join(sorted(UPS_STATUS_FLAGS))}")
    if "OL" in flags and "OB" in flags:
        raise ValueError(f"{text!r}: a UPS cannot be on line (OL) and on battery (OB) at once")
    return " ".join(flags)


def _test_result(text: str) -> str:
    allowed = {"passed": 1, "warning": 2, "error": 3, "aborted": 4, "in-progress": 5, "none": 6}
    if text not in allowed:
        raise ValueError(f"{text!r}: one of {', '.join(allowed)}")
    return text


UPS_KEYS: dict[str, Key] = {
    "ups.status": Key(_ups_status, 'NUT status flags, e.g. OL, "OB DISCHRG", "OB LB"'),
    "battery.charge": Key(_number(0, 100, integer=True), "battery charge, %"),
    "battery.runtime": Key(_number(0, 86400, integer=True), "estimated runtime, seconds"),
    "battery.voltage": Key(_number(0, 1000), "battery voltage, V"),
    "ups.load": Key(_number(0, 200, integer=True), "output load, %"),
    "input.voltage": Key(_number(0, 500, integer=True), "input voltage, V"),
    "input.frequency": Key(_number(0, 100), "input frequency, Hz"),
    "output.voltage": Key(_number(0, 500, integer=True), "output voltage, V"),
    "ups.temperature": Key(_number(-40, 100, integer=True), "UPS battery temperature, °C"),
    "ups.test.result": Key(_test_result, "last self-test result"),
    "ups.test.date": Key(_number(0, 4102444800, integer=True), "last self-test, Unix time"),
}
UPS_DEFAULTS: dict[str, Any] = {
    "ups.status": "OL",
    "battery.charge": 100,
    "battery.runtime": 1800,
    "battery.voltage": 27.2,
    "ups.load": 35,
    "input.voltage": 220,
    "input.frequency": 50.0,
    "output.voltage": 220,
    "ups.temperature": 28,
    "ups.test.result": "none",
    "ups.test.date": 0,
}
ENV_KEYS: dict[str, Key] = {
    "temperature": Key(_number(-40, 100), "room temperature, °C"),
    "humidity": Key(_number(0, 100), "relative humidity, %"),
}
ENV_DEFAULTS: dict[str, Any] = {"temperature": 23.5, "humidity": 45.0}

KEYS = {"ups": UPS_KEYS, "env_sensor": ENV_KEYS, "switch": {}}
DEFAULTS = {"ups": UPS_DEFAULTS, "env_sensor": ENV_DEFAULTS, "switch": {}}


def parse_assignments(kind: str, device: str, assignments: list[str]) -> dict[str, Any]:
    """Parse ``KEY=VALUE`` words for a device; raise InputError naming the bad one."""
    keys = KEYS[kind]
    if not keys:
        raise InputError(f"{device} ({kind}) has no settable values")
    if not assignments:
        raise InputError(f"nothing to set on {device}: give KEY=VALUE (keys: {', '.join(keys)})")
    changes: dict[str, Any] = {}
    for word in assignments:
        key, sep, value = word.partition("=")
        if not sep:
            raise InputError(f"{word!r} is not KEY=VALUE")
        key = key.strip()
        if key not in keys:
            raise InputError(f"unknown key {key!r} for {device} ({kind}); known keys: {', '.join(keys)}")
        try:
            changes[key] = keys[key].parse(value.strip())
        except ValueError as exc:
            raise InputError(f"{device}: {key}: {exc}") from None
    return changes


def _sysgroup(descr: str, object_id: str, name: str) -> list[tuple[str, str, str]]:
    return [
        ("1.3.6.1.2.1.1.1.0", OCTETS, descr),
        ("1.3.6.1.2.1.1.2.0", OID, object_id),
        ("1.3.6.1.2.1.1.3.0", TIMETICKS, "123456"),
        ("1.3.6.1.2.1.1.4.0", OCTETS, "Admin Sistem LPSE Kabupaten Bandung"),
        ("1.3.6.1.2.1.1.5.0", OCTETS, name),
        ("1.3.6.1.2.1.1.6.0", OCTETS, "Ruang server LPSE"),
    ]


def ups_records(name: str, s: dict[str, Any]) -> list[tuple[str, str, str]]:
    """RFC 1628 UPS-MIB view of a UPS state given in NUT terms."""
    flags = set(s["ups.status"].split())
    battery_status = 3 if "LB" in flags else 2  # batteryLow / batteryNormal
    source = 5 if "OB" in flags else 4 if "BYPASS" in flags else 3  # battery / bypass / normal
    test = {"passed": 1, "warning": 2, "error": 3, "aborted": 4, "in-progress": 5, "none": 6}
    m = UPS_MIB
    return [
        *_sysgroup("LPSE lab UPS network card (RFC 1628)", "1.3.6.1.2.1.33", name),
        (f"{m}.1.1.0", OCTETS, "LabPower"),
        (f"{m}.1.2.0", OCTETS, "LP-3000 (simulated)"),
        (f"{m}.1.3.0", OCTETS, "1.0"),
        (f"{m}.1.4.0", OCTETS, "lpse-lab snmpsim"),
        (f"{m}.1.5.0", OCTETS, name),
        (f"{m}.2.1.0", INTEGER, str(battery_status)),
        (f"{m}.2.2.0", INTEGER, "60" if "OB" in flags else "0"),
        (f"{m}.2.3.0", INTEGER, str(int(s["battery.runtime"]) // 60)),
        (f"{m}.2.4.0", INTEGER, str(int(s["battery.charge"]))),
        (f"{m}.2.5.0", INTEGER, str(round(float(s["battery.voltage"]) * 10))),
        (f"{m}.2.7.0", INTEGER, str(int(s["ups.temperature"]))),
        (f"{m}.3.1.0", COUNTER32, "0"),
        (f"{m}.3.2.0", INTEGER, "1"),
        (f"{m}.3.3.1.1.1", INTEGER, "1"),
        (f"{m}.3.3.1.2.1", INTEGER, str(round(float(s["input.frequency"]) * 10))),
        (f"{m}.3.3.1.3.1", INTEGER, "0" if "OB" in flags else str(int(s["input.voltage"]))),
        (f"{m}.4.1.0", INTEGER, str(source)),
        (f"{m}.4.2.0", INTEGER, "500"),
        (f"{m}.4.3.0", INTEGER, "1"),
        (f"{m}.4.4.1.1.1", INTEGER, "1"),
        (f"{m}.4.4.1.2.1", INTEGER, str(int(s["output.voltage"]))),
        (f"{m}.4.4.1.5.1", INTEGER, str(int(s["ups.load"]))),
        (f"{m}.6.1.0", GAUGE32, "1" if flags & {"OB", "LB"} else "0"),
        (f"{m}.7.3.0", INTEGER, str(test[s["ups.test.result"]])),
        (f"{m}.7.5.0", TIMETICKS, "0"),
        (f"{m}.9.1.0", INTEGER, "220"),
        (f"{m}.9.3.0", INTEGER, "220"),
    ]


def env_records(name: str, s: dict[str, Any]) -> list[tuple[str, str, str]]:
    """ENTITY-SENSOR-MIB view: sensor 1 temperature (celsius), 2 humidity (percentRH), 0.1 units."""
    e = ENTITY_SENSOR_MIB
    rows = []
    for idx, (sensor_type, value, unit, descr) in enumerate(
        [(8, s["temperature"], "C", "Suhu ruang server"), (9, s["humidity"], "%RH", "Kelembapan ruang server")],
        start=1,
    ):
        rows += [
            (f"{ENTITY_MIB_DESCR}.{idx}", OCTETS, descr),
            (f"{e}.1.{idx}", INTEGER, str(sensor_type)),  # entPhySensorType
            (f"{e}.2.{idx}", INTEGER, "9"),  # entPhySensorScale: units
            (f"{e}.3.{idx}", INTEGER, "1"),  # entPhySensorPrecision: 1 decimal
            (f"{e}.4.{idx}", INTEGER, str(round(float(value) * 10))),  # entPhySensorValue
            (f"{e}.5.{idx}", INTEGER, "1"),  # entPhySensorOperStatus: ok
            (f"{e}.6.{idx}", OCTETS, unit),  # entPhySensorUnitsDisplay
        ]
    return [*_sysgroup("LPSE lab temperature/humidity probe", "1.3.6.1.2.1.99", name), *rows]


RECORDS = {"ups": ups_records, "env_sensor": env_records}


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split("."))


def render_snmprec(kind: str, name: str, state: dict[str, Any]) -> str:
    rows = sorted(RECORDS[kind](name, state), key=lambda r: _oid_key(r[0]))
    return "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in rows)


class DeviceState:
    """A device's current values, kept as JSON in the lab's state dir with its .snmprec."""

    def __init__(self, directory: Path, kind: str, name: str, community: str):
        self.directory = directory
        self.kind = kind
        self.name = name
        self.community = community

    @property
    def state_file(self) -> Path:
        return self.directory / "state.json"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def load(self) -> dict[str, Any]:
        state = dict(DEFAULTS[self.kind])
        if self.state_file.exists():
            state.update(json.loads(self.state_file.read_text()))
        return state

    def save(self, state: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(exist_ok=True)
        _atomic_write(self.state_file, json.dumps(state, indent=2, sort_keys=True) + "\n")
        if self.kind in RECORDS:
            data = self.data_dir / f"{self.community}.snmprec"
            before = data.stat().st_mtime_ns if data.exists() else 0
            _atomic_write(data, render_snmprec(self.kind, self.name, state))
            # snmpsim rebuilds its index of a data file only when the file's mtime moved on (in whole
            # seconds): two changes within a second would be served through a stale index.
            stamp = max(time.time_ns(), before + 1_100_000_000)
            os.utime(data, ns=(stamp, stamp))

    def update(self, changes: dict[str, Any]) -> dict[str, Any]:
        state = self.load()
        state.update(changes)
        self.save(state)
        return state


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
