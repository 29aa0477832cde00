"""Benchmark of bandwidth shaping and network devices -> bench/results/network.json (issue 5).

On the running lab (brought up if it is not):
- tc_shaping: the time of the module's task to apply each interface's policy from nothing (the
  root qdisc deleted first) and to verify it (a second run: read, compare, nothing to do), on
  spse-app-01 (4 classes) and edge-01 (2 classes);
- network_device: the seconds the module stays connected to each device when nothing changes
  (it only reads and compares; target < 3 s per device), and the playbook's wall time.
Each is run five times; the median and the worst are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lpse.lab.manager import Lab  # noqa: E402
from lpse.runner import run_playbook  # noqa: E402

SHAPED = {"spse-app-01": "eth0", "edge-01": "eth1"}
RUNS = 5


def task_durations(result, action: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for e in result.events:
        data = e.get("event_data", {})
        if e.get("event") == "runner_on_ok" and data.get("task_action") == action:
            out[data["host"]] = out.get(data["host"], 0.0) + float(data.get("duration") or 0)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(samples), 3), "worst": round(max(samples), 3)}


def main() -> None:
    lab = Lab(ROOT / "inventory/lab/topology.yml")
    lab.up(progress=lambda *_: None)
    lab.bootstrap(progress=lambda *_: None)
    inv = lab.inventory_path
    assert run_playbook("playbooks/site.yml", inventory=inv, quiet=True).ok
    apply: dict[str, list[float]] = {h: [] for h in SHAPED}
    verify: dict[str, list[float]] = {h: [] for h in SHAPED}
    for _ in range(RUNS):
        for host, iface in SHAPED.items():
            subprocess.run(lab.ssh_argv(host, [f"tc qdisc del dev {iface} root"]), check=True, capture_output=True)
        first = run_playbook(
            "playbooks/site.yml", inventory=inv, limit=",".join(SHAPED), tags="LPSE-22b-BW-01", quiet=True
        )
        second = run_playbook(
            "playbooks/site.yml", inventory=inv, limit=",".join(SHAPED), tags="LPSE-22b-BW-01", quiet=True
        )
        assert first.ok and second.ok and second.total("changed") == 0
        for host, seconds in task_durations(first, "tc_shaping").items():
            apply[host].append(seconds)
        for host, seconds in task_durations(second, "tc_shaping").items():
            verify[host].append(seconds)
    connected: dict[str, list[float]] = {}
    wall: list[float] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = run_playbook("playbooks/network_devices.yml", inventory=inv, quiet=True)
        wall.append(time.perf_counter() - started)
        assert result.ok and result.total("changed") == 0
        for e in result.events:
            data = e.get("event_data", {})
            if e.get("event") == "runner_on_ok" and data.get("task_action") == "network_device":
                connected.setdefault(data["host"], []).append(float(data["res"]["seconds"]))
    out = {
        "benchmark": "network",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runs": RUNS,
        "tc_shaping_apply_s": {h: summary(v) for h, v in apply.items()},
        "tc_shaping_verify_s": {h: summary(v) for h, v in verify.items()},
        "network_device_no_change_connected_s": {h: summary(v) for h, v in connected.items()},
        "network_device_no_change_target_s": 3.0,
        "network_devices_playbook_wall_s": summary(wall),
    }
    dest = ROOT / "bench/results/network.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
