"""Checks of the UPS (catalogue: compliance/catalogue/power.yml), with NUT's own client (upsc)
on the hosts: the primary reads the UPS; every server's upsmon is logged in to the primary."""

import json

import pytest


def _upsc(host, target: str) -> dict[str, str]:
    out = host.run(f"upsc {target}")
    assert out.rc == 0, f"upsc {target}: {(out.stderr or out.stdout).strip() or 'no answer'}"
    return dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)


def _target(policy) -> str:
    return f"{policy.get('ups_name', 'ups-01')}@localhost"


@pytest.mark.control("LPSE-21.3-UPS-01")
def test_ups_online(host, policy, evidence):
    ups = _upsc(host, _target(policy))
    flags = ups.get("ups.status", "").split()
    evidence.add(
        f"{_target(policy)}: status {ups.get('ups.status')}, charge {ups.get('battery.charge')} %, runtime "
        f"{ups.get('battery.runtime')} s, load {ups.get('ups.load')} %, input {ups.get('input.voltage')} V"
    )
    assert "OB" not in flags, f"the UPS is on battery ({ups.get('ups.status')}): the mains power is out"
    assert "OL" in flags, f"the UPS does not report being on line (status {ups.get('ups.status') or 'none'})"


@pytest.mark.control("LPSE-21.3-UPS-02")
def test_battery_above_thresholds(host, policy, evidence):
    ups = _upsc(host, _target(policy))
    min_charge = float(policy.get("compliance_ups_min_charge_pct", 80))
    min_runtime = float(policy.get("compliance_ups_min_runtime_min", 10))
    charge = float(ups.get("battery.charge", "nan"))
    runtime_min = float(ups.get("battery.runtime", "nan")) / 60
    evidence.add(
        f"charge {charge:g} % (at least {min_charge:g}), runtime {runtime_min:.1f} min (at least {min_runtime:g})"
    )
    problems = []
    if not charge >= min_charge:
        problems.append(f"battery charge {charge:g} % < {min_charge:g} %")
    if not runtime_min >= min_runtime:
        problems.append(f"runtime {runtime_min:.1f} min < {min_runtime:g} min")
    assert not problems, "; ".join(problems)


@pytest.mark.control("LPSE-21.3-UPS-03")
def test_upsmon_connected(host, policy, evidence):
    name = policy.get("ups_name", "ups-01")
    primary = policy.get("compliance_ups_primary_address") or "localhost"
    active = host.run("systemctl is-active nut-monitor.service").stdout.strip() or "unknown"
    evidence.add(f"nut-monitor.service: {active}")
    assert active == "active", f"upsmon (nut-monitor.service) is {active}: this server would not know the power failed"
    clients = host.run(f"upsc -c {name}@{primary}")
    evidence.add(f"upsmon clients of {name}@{primary}: {' '.join(clients.stdout.split()) or '(none)'}")
    own = set(host.check_output("hostname -I").split())
    if primary == "localhost" or primary in own:
        own |= {"127.0.0.1", "::1"}  # the primary's own upsmon logs in over loopback
    assert clients.rc == 0, f"cannot list the clients of {name}@{primary}: {clients.stderr.strip()}"
    assert own & set(clients.stdout.split()), f"this server's upsmon is not logged in to {name}@{primary}"


@pytest.mark.control("LPSE-21.3-UPS-04")
def test_selftest_recent(host, policy, evidence):
    path = f"{policy.get('room_dir', '/var/lib/lpse/room')}/selftests.jsonl"
    max_days = float(policy.get("compliance_ups_selftest_max_age_days", 30))
    out = host.run(f"tail -n 1 {path}")
    assert out.rc == 0 and out.stdout.strip(), (
        f"no UPS self-test recorded ({path}): run one (upscmd {_target(policy)} test.battery.start.quick, or the "
        "UPS's front panel)"
    )
    last = json.loads(out.stdout)
    age_days = (int(host.check_output("date +%s")) - int(last["epoch"])) / 86400
    evidence.add(f"newest self-test {last.get('time')} ({age_days:.1f} days ago): {last.get('result')}")
    assert age_days <= max_days, f"the newest UPS self-test is {age_days:.0f} days old (at most {max_days:g})"
    result = str(last.get("result", ""))
    assert result.startswith("done and passed"), f"the UPS self-test did not pass: {result}"
