"""Checks of the server-room probe (catalogue: compliance/catalogue/environment.yml): read from the
control node over SNMP, as library/env_sensors.py does, with the same code."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "module_utils"))
import lpse_envsensor

from lpse.comply.hostrun import require_timer


def _check(policy, evidence, kind: str) -> None:
    try:
        limits = lpse_envsensor.thresholds(policy.get("compliance_env_thresholds") or {})
        readings = lpse_envsensor.read(
            policy["ansible_host"],
            policy.get("snmp_community", "public"),
            [int(i) for i in policy.get("compliance_env_sensors", [1, 2])],
            int(policy.get("snmp_port", 161)),
        )
    except lpse_envsensor.SensorError as exc:
        pytest.fail(str(exc))
    mine = [r for r in readings if r.kind == kind]
    assert mine, f"the probe has no {kind} sensor among {policy.get('compliance_env_sensors', [1, 2])}"
    lo, hi = limits[kind]["min"], limits[kind]["max"]
    for r in mine:
        evidence.add(f"{r.text}; range {lo:g}-{hi:g} {lpse_envsensor.UNITS[kind]}")
    problems = lpse_envsensor.out_of_range(mine, limits)
    assert not problems, "; ".join(problems)


@pytest.mark.control("LPSE-21.3-ENV-01")
def test_temperature_in_range(policy, evidence):
    _check(policy, evidence, "temperature")


@pytest.mark.control("LPSE-21.3-ENV-02")
def test_humidity_in_range(policy, evidence):
    _check(policy, evidence, "humidity")


@pytest.mark.control("LPSE-21.3-ENV-03")
def test_readings_recorded(host, policy, evidence):
    require_timer(host, evidence, "lpse-room.timer", "the room recorder records")
    path = f"{policy.get('room_dir', '/var/lib/lpse/room')}/readings.jsonl"
    max_age = float(policy.get("compliance_room_max_age_min", 5))
    out = host.run(f"tail -n 60 {path}")
    if out.rc != 0 or not out.stdout.strip():
        pytest.fail(f"no room record: {path} is missing or empty")
    now = int(host.check_output("date +%s"))
    found, problem = lpse_envsensor.judge_record(out.stdout.splitlines(), now, max_age)
    for line in found:
        evidence.add(f"{path}: {line}")
    assert problem is None, problem
