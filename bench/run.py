"""Lab benchmarks (`make bench`): measured numbers, written as JSON to bench/results/lab.json.

Measures, on this machine: the root filesystem's cold build (into a scratch cache, so the lab's
own cache is untouched), `lab up` of the whole topology from wiped disks and warm (images cached,
disks kept), `site.yml` cold and second run (also with Ansible's own linear strategy instead of
ansible.cfg's Mitogen, for the ratio), and the lab's memory (sum of the PSS and RSS of every
process in the lab's cgroups, sampled during the cold site.yml run; the peak is kept).
Targets: warm lab up < 20 s, running lab < 1.5 GB, second site.yml of the base role < 30 s (issue 2);
a bare lab to the whole SPSE stack < 6 min, second run of it < 45 s (issue 4).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lpse.lab import cgroup, rootfs  # noqa: E402
from lpse.lab.manager import Lab  # noqa: E402
from lpse.runner import run_playbook  # noqa: E402


def lab_memory(lab: Lab) -> dict[str, float]:
    """MB of PSS and RSS summed over the lab's processes (PSS counts shared pages once)."""
    pss = rss = 0
    pids = cgroup.procs(cgroup.lab_dir(lab.topo.name))
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        except OSError:
            continue
    return {"pss_mb": round(pss / 1024, 1), "rss_mb": round(rss / 1024, 1), "processes": len(pids)}


class Sampler(threading.Thread):
    def __init__(self, lab: Lab, every: float = 0.5):
        super().__init__(daemon=True)
        self.lab, self.every = lab, every
        self.peak = {"pss_mb": 0.0, "rss_mb": 0.0, "processes": 0}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            now = lab_memory(self.lab)
            if now["pss_mb"] > self.peak["pss_mb"]:
                self.peak = now
            self.stop.wait(self.every)


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    started = time.monotonic()
    value = fn(*args, **kwargs)
    return round(time.monotonic() - started, 2), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-cold-rootfs", action="store_true", help="do not time a cold root fs build")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/lab.json")
    args = parser.parse_args()
    quiet = lambda _m: None  # noqa: E731
    results: dict[str, object] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "machine": {
            "cpus": os.cpu_count(),
            "kernel": platform.release(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        },
        "targets": {
            "lab_up_warm_s": 20,
            "lab_memory_mb": 1536,
            "site_second_run_base_role_s": 30,
            "site_cold_full_stack_s": 360,
            "site_second_run_full_stack_s": 45,
        },
    }

    if not args.skip_cold_rootfs:
        scratch = Path(tempfile.mkdtemp(prefix="lpse-bench-rootfs-", dir="/var/tmp"))
        saved = rootfs.CACHE
        rootfs.CACHE = scratch
        try:
            results["rootfs_cold_build_s"], _ = timed(rootfs.ensure, quiet)
        finally:
            rootfs.CACHE = saved
            shutil.rmtree(scratch, ignore_errors=True)

    lab = Lab(ROOT / "inventory/lab/topology.yml")
    lab.down(quiet, purge=True)
    results["lab_up_wiped_disks_s"], _ = timed(lab.up, quiet)
    lab.down(quiet)
    results["lab_up_warm_s"], _ = timed(lab.up, quiet)
    results["lab_down_s"], _ = timed(lab.down, quiet)
    lab.up(quiet, fresh=True)
    results["bootstrap_s"], _ = timed(lab.bootstrap, quiet)
    results["lab_memory_idle"] = lab_memory(lab)

    sampler = Sampler(lab)
    sampler.start()
    cold = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    sampler.stop.set()
    sampler.join()
    results["site_cold_s"] = round(cold.seconds, 2)
    results["site_cold_changed"] = cold.total("changed")
    second = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    results["site_second_run_s"] = round(second.seconds, 2)
    results["site_second_run_changed"] = second.total("changed")
    base_only = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, tags="base", quiet=True)
    results["site_second_run_base_role_s"] = round(base_only.seconds, 2)
    results["site_second_run_base_role_changed"] = base_only.total("changed")
    # The same second run with Ansible's own linear strategy instead of Mitogen's (ansible.cfg):
    # the strategy stays only as long as this ratio shows it pays.
    os.environ["ANSIBLE_STRATEGY"] = "linear"
    try:
        plain = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    finally:
        del os.environ["ANSIBLE_STRATEGY"]
    results["site_second_run_ansible_linear_s"] = round(plain.seconds, 2)
    results["site_second_run_linear_vs_mitogen"] = round(plain.seconds / second.seconds, 2)
    results["lab_memory_peak"] = sampler.peak
    results["lab_memory_provisioned"] = lab_memory(lab)
    results["hosts"] = len(lab.topo.hosts)
    results["devices"] = len(lab.topo.devices)
    results["ok"] = bool(cold.ok and second.ok and plain.ok and plain.total("changed") == 0)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
