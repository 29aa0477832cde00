"""Checks of daily capacity monitoring (catalogue: compliance/catalogue/capacity.yml)."""

import json

import pytest

from lpse.comply import facts
from lpse.comply.hostrun import require_timer

RECORDS = "/var/lib/lpse/capacity/records.jsonl"


def _disks(host, evidence, threshold: float, level: str):
    filesystems = facts.parse_df(host.check_output(facts.DF_COMMAND))
    assert filesystems, "no data filesystem found (df)"
    over = []
    for fs in sorted(filesystems, key=lambda f: f.mount):
        evidence.add(
            f"{fs.mount} ({fs.fstype}, {fs.device}): {fs.used_pct}% used, "
            f"{facts.human(fs.available)} free of {facts.human(fs.size)}"
        )
        if fs.used_pct >= threshold:
            over.append(fs)
    assert not over, "; ".join(f"{fs.mount} is {fs.used_pct}% full (≥ {threshold:g}% {level})" for fs in over)


@pytest.mark.control("LPSE-22a-CAP-01")
def test_disk_below_critical(host, policy, evidence):
    _disks(host, evidence, float(policy.get("compliance_capacity_disk_crit_pct", 90)), "critical")


@pytest.mark.control("LPSE-22a-CAP-02")
def test_disk_below_warning(host, policy, evidence):
    _disks(host, evidence, float(policy.get("compliance_capacity_disk_warn_pct", 80)), "warning")


@pytest.mark.control("LPSE-22a-CAP-03")
def test_memory_below_critical(host, policy, evidence):
    threshold = float(policy.get("compliance_capacity_ram_crit_pct", 90))
    mem = facts.parse_meminfo(host.file("/proc/meminfo").content_string)
    evidence.add(
        f"RAM {mem.ram_used_pct}% used ({facts.human(mem.available)} available of {facts.human(mem.total)}); "
        f"swap {mem.swap_used_pct}% used of {facts.human(mem.swap_total)}; threshold {threshold:g}%"
    )
    assert mem.ram_used_pct < threshold, f"RAM is {mem.ram_used_pct}% used (≥ {threshold:g}% critical)"
    assert mem.swap_used_pct < threshold, f"swap is {mem.swap_used_pct}% used (≥ {threshold:g}% critical)"


@pytest.mark.control("LPSE-22a-CAP-04")
def test_recorder_timer_active(host, evidence):
    require_timer(host, evidence, "lpse-capacity.timer", "the capacity recorder records")


@pytest.mark.control("LPSE-22a-CAP-05")
def test_recent_record(host, policy, evidence):
    max_age_h = float(policy.get("compliance_capacity_record_max_age_h", 26))
    last = host.run(f"tail -n 1 {RECORDS}")
    assert last.rc == 0 and last.stdout.strip(), f"no capacity record on the host ({RECORDS} missing or empty)"
    try:
        record = json.loads(last.stdout)
        when = float(record["epoch"])
    except (ValueError, KeyError, TypeError):
        pytest.fail(f"the last line of {RECORDS} is not a capacity record: {last.stdout.strip()[:120]}")
    now = float(host.check_output("date +%s"))
    age_h = (now - when) / 3600
    evidence.add(
        f"last record {record.get('time', when)} ({age_h:.1f} h ago), "
        f"{len(record.get('filesystems', []))} filesystems, RAM {record.get('memory', {}).get('used_pct')}%"
    )
    assert age_h < max_age_h, f"the newest capacity record is {age_h:.1f} h old (limit {max_age_h:g} h)"
