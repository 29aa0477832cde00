"""Benchmark of power, environment and performance monitoring -> bench/results/monitoring.json
(issue 6). On the running lab (brought up and provisioned if needed):

- one UPS poll through NUT (module_utils/lpse_nut.py against mgmt-01's upsd) and one environment
  poll of envmon-01 (module_utils/lpse_envsensor.py, SNMP), alone and together (target < 1 s);
- a full scrape of the app server's node_exporter by LKPP's host (curl on lkpp-mon-01; target < 1 s);
- one whole room record on mgmt-01 (lpse-room-record: the probe over net-snmp, the UPS over upsc,
  lpse-alert, the textfile), and one metrics write on the database server (lpse-metrics, with
  PostgreSQL's sizes and connections), each timed on the host;
- the memory the monitoring adds per server: RSS of node_exporter, upsmon, and on the NUT
  primary upsd and the snmp-ups driver (the timers' scripts run for well under a second).
Each timing is taken 20 times; the median and the worst are kept.
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
sys.path.insert(0, str(ROOT / "module_utils"))

import lpse_envsensor  # noqa: E402
import lpse_nut  # noqa: E402

from lpse.lab.manager import Lab  # noqa: E402
from lpse.runner import run_playbook  # noqa: E402

RUNS = 20
SERVERS = ("spse-app-01", "spse-db-01", "mgmt-01")
PROCESSES = "prometheus-node-exporter,upsmon,upsd,snmp-ups"


def timed(fn) -> dict[str, float]:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return {"median": round(statistics.median(samples), 4), "worst": round(max(samples), 4)}


def main() -> None:
    lab = Lab(ROOT / "inventory/lab/topology.yml")
    lab.up(progress=lambda *_: None)
    lab.bootstrap(progress=lambda *_: None)
    assert run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True).ok
    sec = lab.secrets()
    primary = str(lab.topo.hosts["mgmt-01"].address)
    probe = str(lab.topo.devices["envmon-01"].address)

    def ups():
        assert lpse_nut.read(primary, "ups-01")["online"]

    def env():
        assert len(lpse_envsensor.read(probe, sec["snmp_community"], [1, 2])) == 2

    def both():
        ups()
        env()

    curl = "curl -s -o /dev/null -w '%{time_total} %{size_download}\\n' http://10.213.0.11:9100/metrics"
    scrape_cmd = f"for i in $(seq {RUNS}); do {curl}; done"
    out = subprocess.run(lab.ssh_argv("lkpp-mon-01", [scrape_cmd]), capture_output=True, text=True, check=True)
    scrapes = [tuple(map(float, line.split())) for line in out.stdout.split("\n") if line.strip()]
    on_host = (
        "python3 -c 'import os, subprocess, sys, time\n"
        'env = dict(os.environ, SNMPCONFPATH="/etc/lpse/room")\n'
        "out = []\n"
        f"for _ in range({RUNS}):\n"
        "    t = time.perf_counter(); subprocess.run([sys.argv[1]], env=env, check=True, capture_output=True)\n"
        "    out.append(time.perf_counter() - t)\n"
        "print(sorted(out)[len(out) // 2], max(out))' "
    )
    recorders = {}
    scripts = (("mgmt-01", "/usr/local/sbin/lpse-room-record"), ("spse-db-01", "/usr/local/sbin/lpse-metrics"))
    for host, script in scripts:
        out = subprocess.run(lab.ssh_argv(host, [on_host + script]), capture_output=True, text=True, check=True)
        median, worst = map(float, out.stdout.split())
        recorders[f"{host}:{Path(script).name}"] = {"median": round(median, 4), "worst": round(worst, 4)}
    memory = {}
    for host in SERVERS:
        ps = subprocess.run(
            lab.ssh_argv(host, [f"ps -o comm=,rss= -C {PROCESSES}"]), capture_output=True, text=True, check=True
        )
        per = {}
        for line in ps.stdout.splitlines():
            name, rss = line.split()
            per[name] = round(per.get(name, 0) + int(rss) / 1024, 1)
        memory[host] = {"total_mb": round(sum(per.values()), 1), "processes_mb": per}
    result = {
        "benchmark": "monitoring",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "runs": RUNS,
        "ups_poll_s": timed(ups),
        "environment_poll_s": timed(env),
        "ups_and_environment_poll_s": timed(both),
        "poll_target_s": 1.0,
        "scrape_by_lkpp_s": {
            "median": round(statistics.median(s for s, _ in scrapes), 4),
            "worst": round(max(s for s, _ in scrapes), 4),
            "bytes": int(statistics.median(b for _, b in scrapes)),
        },
        "scrape_target_s": 1.0,
        "recorder_run_s": recorders,
        "memory_per_server": memory,
    }
    dest = ROOT / "bench/results/monitoring.json"
    dest.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
