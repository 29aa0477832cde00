"""Checks of bandwidth shaping, traffic records and connection monitoring
(catalogue: compliance/catalogue/network.yml). The shaping check reads the host's tc state and
compares it with the inventory's ``bandwidth_interfaces`` with the same code the tc_shaping
module plans with (module_utils/lpse_tc.py)."""

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "module_utils"))
import lpse_tc

from lpse.comply.hostrun import require_timer

TRAFFIC = "/var/lib/lpse/traffic/records.jsonl"
PROBE = "/var/lib/lpse/connectivity/records.jsonl"


def _newest(host, path: str, max_age_s: float, evidence, what: str) -> dict:
    out = host.run(f"tail -n 1 {path}")
    assert out.rc == 0 and out.stdout.strip(), f"no {what} recorded ({path})"
    last = json.loads(out.stdout)
    age = time.time() - int(last["epoch"])
    evidence.add(f"newest {what} record: {last['time']} ({age / 60:.1f} min ago)")
    assert age <= max_age_s, f"the newest {what} record is {age / 60:.0f} min old (> {max_age_s / 60:.0f} min)"
    return last


@pytest.mark.control("LPSE-22b-BW-01")
def test_shaping_matches_policy(host, policy, evidence):
    interfaces = policy.get("bandwidth_interfaces") or []
    assert interfaces, "the inventory sets no bandwidth_interfaces for this host: nothing is shaped"
    problems = []
    for spec in interfaces:
        pol = lpse_tc.load_policy(spec["interface"], spec["rate"], spec["classes"])
        iface = pol.interface
        kind, handle, default = lpse_tc.parse_qdiscs(host.check_output(f"tc -j qdisc show dev {iface}"))
        state = lpse_tc.State(kind, handle, default)
        if state.ours:
            state.classes = lpse_tc.parse_classes(host.check_output(f"tc -d class show dev {iface}"))
            state.filters, state.foreign_filters = lpse_tc.parse_filters(
                host.check_output(f"tc -j filter show dev {iface} parent 1:")
            )
        for line in lpse_tc.describe(state).splitlines():
            evidence.add(f"{iface}: {line}")
        steps = lpse_tc.plan(pol, state)
        if not state.qdisc_kind:
            problems.append(f"{iface} is not shaped (the kernel's default qdisc)")
        elif steps:
            problems.append(f"{iface} differs from the policy: {len(steps)} tc change(s) needed, first: {steps[0]}")
    assert not problems, "; ".join(problems)


@pytest.mark.control("LPSE-22b-BW-02")
def test_traffic_recorded(host, policy, evidence):
    require_timer(host, evidence, "lpse-traffic.timer", "the traffic recorder records")
    max_age = float(policy.get("compliance_traffic_record_max_age_min", 15)) * 60
    last = _newest(host, TRAFFIC, max_age, evidence, "traffic")
    for iface, c in sorted(last["interfaces"].items()):
        tx, rx, dropped = c.get("tx_bytes", 0), c.get("rx_bytes", 0), c.get("tx_dropped")
        evidence.add(f"{iface}: tx {tx} B, rx {rx} B, dropped {dropped}")
    shaped = {s["interface"] for s in policy.get("bandwidth_interfaces") or []}
    missing = sorted(i for i in shaped if not last["classes"].get(i))
    assert not missing, f"no class counters for the shaped interface(s) {', '.join(missing)}"


@pytest.mark.control("LPSE-22c-NET-01")
def test_probe_running(host, policy, evidence):
    require_timer(host, evidence, "lpse-netprobe.timer", "the connection probe records")
    max_age = float(policy.get("compliance_connectivity_record_max_age_min", 3)) * 60
    last = _newest(host, PROBE, max_age, evidence, "connection probe")
    for name, r in sorted(last["results"].items()):
        evidence.add(f"{name}: {'ok' if r['ok'] else 'FAILED'} {r['ms'] if r['ok'] else r['error']}")


@pytest.mark.control("LPSE-22c-NET-02")
def test_availability(host, policy, evidence):
    """Availability over the window = the share of its time without a failed probe round; each
    round stands for its record's ``interval_s`` (older records: a minute). Time without any round
    counts as up here: the probe not running is LPSE-22c-NET-01's finding, and a young
    installation is not an outage."""
    threshold = float(policy.get("compliance_connectivity_availability_pct", 99.0))
    hours = float(policy.get("compliance_connectivity_window_h", 24))
    since = int(time.time() - hours * 3600)
    out = host.run(f"cat {PROBE}")
    assert out.rc == 0, f"no connection probe records ({PROBE})"
    rounds = [r for r in (json.loads(x) for x in out.stdout.splitlines() if x.strip()) if r["epoch"] >= since]
    assert rounds, f"no connection probe records in the last {hours:g} h"
    down = [r for r in rounds if not r["up"]]
    down_min = min(sum(r.get("interval_s", 60) for r in down) / 60, hours * 60)
    pct = 100.0 * (1 - down_min / (hours * 60))
    evidence.add(
        f"last {hours:g} h: {len(rounds)} probe round(s), {len(down)} down ({down_min:.1f} min): "
        f"{pct:.2f} % available, threshold {threshold:g} %"
    )
    if down:
        evidence.add(f"down from {down[0]['time']} to {down[-1]['time']}")
        for r in down[:5]:
            failed = {n: x["error"] for n, x in r["results"].items() if not x["ok"]}
            evidence.add(f"{r['time']}: {failed}")
    assert pct >= threshold, f"the internet connection was up {pct:.2f} % of the last {hours:g} h (< {threshold:g} %)"
