"""Internet connection monitoring (Pasal 22 huruf c): edge-01's internet link is cut and the probe
on the app and management servers notices within two minutes, records the recovery, and the
availability control fails with the outage as evidence.

Availability is the share of the window's minutes without a failed round: a two-minute outage
is 99.9 % of a day, so the control is shown failing over a window of a few minutes around it
(``compliance_connectivity_window_h`` in a copy of the inventory), and passing over one after it.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

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
def probed(converged):
    lab = converged
    return lab


def with_window(lab, tmp_path, hours: float):
    """A copy of the lab's inventory whose availability window for spse-app-01 is ``hours``."""
    inv = tmp_path / f"inventory-{hours:.4f}"
    shutil.copytree(lab.inventory_path.parent, inv, ignore=shutil.ignore_patterns("topology.yml"))
    (inv / "host_vars").mkdir(exist_ok=True)
    (inv / "host_vars/spse-app-01.yml").write_text(f"compliance_connectivity_window_h: {hours:.4f}\n")
    return inv / "hosts.yml"


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

    # The availability control fails over a window of a few minutes around the outage, with the
    # outage as evidence, ...
    around = with_window(lab, tmp_path, (time.time() - cut + 180) / 3600)
    broken = comply(lab, tmp_path, "LPSE-22c-NET-02", limit="spse-app-01", inventory=around).doc
    r = result_of(broken, "LPSE-22c-NET-02", "spse-app-01")
    print(r["message"], r["evidence"])
    assert r["status"] == "fail" and "the internet connection was up" in r["message"]
    assert any(e.startswith("down from ") for e in r["evidence"])

    # ... and passes over one that starts after the recovery (and over the whole day): a window
    # that begins a second after the last failed round, once three whole rounds have followed it
    # (comply's own start-up, a few seconds, only moves the window's start later among them).
    def after_the_outage() -> tuple[int | None, int]:
        out = ssh(lab, "spse-app-01", f"cat {RECORDS}").stdout
        rounds = [r for r in (json.loads(x) for x in out.splitlines() if x.strip()) if r["epoch"] >= cut - 60]
        last_down = max((r["epoch"] for r in rounds if not r["up"]), default=None)
        return last_down, sum(1 for r in rounds if last_down is not None and r["epoch"] > last_down and r["up"])

    deadline = time.monotonic() + 150
    while (state := after_the_outage())[1] < 3 and time.monotonic() < deadline:
        time.sleep(3)
    last_down, whole = state
    assert last_down is not None and whole >= 3, f"no three whole rounds after the outage: {state}"
    after = with_window(lab, tmp_path, (time.time() - last_down - 1) / 3600)
    fixed = comply(lab, tmp_path, "LPSE-22c-NET-02", limit="spse-app-01", inventory=after).doc
    assert result_of(fixed, "LPSE-22c-NET-02", "spse-app-01")["status"] == "pass"
    day = comply(lab, tmp_path, "LPSE-22c-NET-02", limit="spse-app-01").doc
    assert result_of(day, "LPSE-22c-NET-02", "spse-app-01")["status"] == "pass"


def test_the_days_availability_shows_the_outage(probed):
    from lpse.report.network import availability_by_day

    out = ssh(probed, "mgmt-01", f"cat {RECORDS}").stdout
    days = availability_by_day([json.loads(x) for x in out.splitlines() if x.strip()])
    today = max(days)
    print(today, days[today])
    assert days[today]["rounds"] > days[today]["up"] >= 1
    assert days[today]["pct"] < 100
