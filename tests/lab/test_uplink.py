"""Internet connection monitoring (Pasal 22 huruf c): edge-01's internet link is cut and the probe
on the app and management servers notices within two minutes, records the recovery, and the
availability control fails with the outage as evidence.

This file runs last (by name): the outage it makes would fail LPSE-22c-NET-02 for a day. Its
teardown takes the drill's rounds out of the records so that a kept lab's later audits are not
failed by a test (as test_reports takes out the capacity records it backdated).
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from lpse.runner import run_playbook
from tests.lab.conftest import ssh
from tests.lab.test_compliance import comply, result_of

PROBED = ("spse-app-01", "mgmt-01")
ALERTS = "/var/lib/lpse/connectivity/alerts.jsonl"
RECORDS = "/var/lib/lpse/connectivity/records.jsonl"


def events(lab, host: str, since: float) -> list[dict]:
    out = ssh(lab, host, f"cat {ALERTS} 2>/dev/null || true").stdout
    return [e for e in (json.loads(x) for x in out.splitlines() if x.strip()) if e["epoch"] >= int(since)]


def wait_for(lab, event: str, since: float, limit: float) -> dict[str, float]:
    """Seconds after ``since`` at which each probed host recorded ``event`` for outside-ssh."""
    seen: dict[str, float] = {}
    deadline = since + limit
    while time.time() < deadline and len(seen) < len(PROBED):
        for host in PROBED:
            if host not in seen:
                hit = [e for e in events(lab, host, since) if e["event"] == event and e["target"] == "outside-ssh"]
                if hit:
                    seen[host] = hit[0]["epoch"] - since
        time.sleep(2)
    return seen


@pytest.fixture(scope="module")
def probed(lab):
    result = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    assert result.ok, result.hosts
    started = time.time()
    yield lab
    for host in PROBED:  # the drill's rounds out of the records (see the module's docstring)
        ssh(
            lab,
            host,
            f"python3 -c \"import json; ls=[l for l in open('{RECORDS}') if json.loads(l)['epoch'] < {int(started)} "
            f"or json.loads(l)['up']]; open('{RECORDS}','w').writelines(ls)\"",
        )


def test_a_cut_link_is_detected_within_two_minutes_and_its_recovery_recorded(probed, tmp_path):
    lab = probed
    before = comply(lab, tmp_path, "LPSE-22c-NET-02", limit="spse-app-01").doc
    assert result_of(before, "LPSE-22c-NET-02", "spse-app-01")["status"] == "pass"
    cut = time.time()
    ssh(lab, "edge-01", "ip link set eth1 down")
    try:
        detected = wait_for(lab, "down", cut, 150)
    finally:
        restored = time.time()
        ssh(lab, "edge-01", "ip link set eth1 up")
    print(f"outage detected after {detected} s")
    assert set(detected) == set(PROBED) and max(detected.values()) <= 120, detected
    recovered = wait_for(lab, "up", restored, 150)
    print(f"recovery recorded after {recovered} s")
    assert set(recovered) == set(PROBED), recovered
    down = [e for e in events(lab, "spse-app-01", cut) if e["event"] == "down"]
    assert down and all(e["detail"] for e in down), down  # the error the probe saw
    journal = ssh(lab, "spse-app-01", f"journalctl -u lpse-netprobe -p err --since @{int(cut)} -o cat").stdout
    assert "outside-ssh DOWN" in journal, journal

    # The availability control now fails, with the outage as evidence ...
    broken = comply(lab, tmp_path, "LPSE-22c-NET-02", limit="spse-app-01").doc
    r = result_of(broken, "LPSE-22c-NET-02", "spse-app-01")
    print(r["message"], r["evidence"])
    assert r["status"] == "fail" and "the internet connection was up" in r["message"]
    assert any(e.startswith("down from ") for e in r["evidence"])
    # ... and passes over a window that starts after the recovery.
    inv = tmp_path / "inventory"
    shutil.copytree(lab.inventory_path.parent, inv, ignore=shutil.ignore_patterns("topology.yml"))
    (inv / "host_vars").mkdir(exist_ok=True)
    hours = (time.time() - restored - 5) / 3600
    (inv / "host_vars/spse-app-01.yml").write_text(f"compliance_connectivity_window_h: {hours:.4f}\n")
    after = comply(lab, tmp_path, "LPSE-22c-NET-02", limit="spse-app-01", inventory=inv / "hosts.yml").doc
    assert result_of(after, "LPSE-22c-NET-02", "spse-app-01")["status"] == "pass"


def test_the_days_availability_shows_the_outage(probed):
    from lpse.report.network import availability_by_day

    out = ssh(probed, "mgmt-01", f"cat {RECORDS}").stdout
    days = availability_by_day([json.loads(x) for x in out.splitlines() if x.strip()])
    today = max(days)
    print(today, days[today])
    assert days[today]["rounds"] > days[today]["up"] >= 1
    assert days[today]["pct"] < 100
