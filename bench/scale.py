"""Operating at scale (issue 9): the lab with 1, 10 and 30 SPSE application servers beside its
fixed topology (management and database servers, router, LKPP's and an outside host, UPS, probe,
switch), measured for `lab up`, a cold `site.yml`, a second `site.yml`, `provision --check` and
`lpse comply` — with the project's tuned ansible.cfg and with Ansible's defaults
(bench/ansible-defaults.cfg) in the same run — and the memory of the lab and of Ansible on the
control node. Writes bench/results/scale.json and bench/results/scale.png.

Each size is a lab named `scale` built from inventory/lab/topology.yml plus the extra app servers
(10.213.0.31 and up), with the lab's group_vars; the main lab is brought down first (the two
share their networks). A cold run with Ansible's defaults means building the lab again from
wiped disks: `--cold-default-max` (default 10) limits it to the smaller sizes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import Sampler, lab_memory  # noqa: E402  (bench/run.py: the lab's memory)

from lpse.comply.run import ComplyRequest  # noqa: E402
from lpse.comply.run import run as run_comply  # noqa: E402
from lpse.lab.manager import Lab  # noqa: E402
from lpse.runner import run_playbook  # noqa: E402

DEFAULTS_CFG = ROOT / "bench/ansible-defaults.cfg"
QUIET = lambda _m: None  # noqa: E731


def topology(apps: int) -> dict:
    topo = yaml.safe_load((ROOT / "inventory/lab/topology.yml").read_text())
    topo["name"] = "scale"
    topo["description"] = f"LPSE lab with {apps} SPSE application servers (bench/scale.py)"
    for i in range(2, apps + 1):
        topo["hosts"][f"spse-app-{i:02d}"] = {
            "groups": ["spse_app"],
            "interfaces": [{"network": "lan", "address": f"10.213.0.{29 + i}"}],
            "gateway": "10.213.0.254",
            "disks": [{"mount": "/home/file", "size": "64M"}],
        }
    return topo


def prepare(apps: int, workdir: Path) -> Lab:
    inv = workdir / f"apps-{apps}"
    shutil.copytree(ROOT / "inventory/lab/group_vars", inv / "group_vars")
    shutil.copy(ROOT / "inventory/lab/waivers.yml", inv / "waivers.yml")
    db = inv / "group_vars/spse_db.yml"
    db.write_text(db.read_text().replace("10.213.0.11/32", "10.213.0.0/24"))  # every app server is a client
    (inv / "topology.yml").write_text(yaml.safe_dump(topology(apps), sort_keys=False))
    return Lab(inv / "topology.yml")


class AnsibleMemory(threading.Thread):
    """Peak RSS (MB) summed over the control node's Ansible processes, sampled every 0.5 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            total = 0
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"ansible" not in cmd or b"bench/scale.py" in cmd:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
                except OSError:
                    continue
            self.peak = max(self.peak, total / 1024)
            self.stop.wait(0.5)


def playbook(lab: Lab, config: Path | None, check: bool = False, env: dict[str, str] | None = None) -> dict:
    lab_peak, ansible_peak = Sampler(lab), AnsibleMemory()
    lab_peak.start()
    ansible_peak.start()
    try:
        result = run_playbook(
            "playbooks/site.yml", inventory=lab.inventory_path, check=check, quiet=True, config=config, env=env
        )
    finally:
        lab_peak.stop.set()
        ansible_peak.stop.set()
    return {
        "s": round(result.seconds, 1),
        "ok": result.ok,
        "changed": result.total("changed"),
        "failed": result.total("failed") + result.total("unreachable"),
        "lab_peak_pss_mb": lab_peak.peak["pss_mb"],
        "ansible_peak_rss_mb": round(ansible_peak.peak, 1),
        **({"failures": result.failures[:5]} if not result.ok else {}),
    }


def timed_up(lab: Lab, fresh: bool) -> float:
    started = time.monotonic()
    lab.up(QUIET, fresh=fresh)
    seconds = round(time.monotonic() - started, 1)
    lab.bootstrap(QUIET)
    return seconds


# Each tuned setting of ansible.cfg turned off (or one more turned on) alone, for a second site.yml.
ABLATIONS = {
    "linear": ("without Mitogen (linear strategy)", {"ANSIBLE_STRATEGY": "linear"}),
    "linear-nopipe": (
        "without Mitogen and without pipelining",
        {"ANSIBLE_STRATEGY": "linear", "ANSIBLE_PIPELINING": "False"},
    ),
    "forks20": ("forks 20 instead of 5", {"ANSIBLE_FORKS": "20"}),
    "forks50": ("forks 50 instead of 5", {"ANSIBLE_FORKS": "50"}),
    "gathering": ("gathering implicit instead of smart", {"ANSIBLE_GATHERING": "implicit"}),
    "cache": (
        "with a jsonfile fact cache (warm)",
        {
            "ANSIBLE_CACHE_PLUGIN": "jsonfile",
            "ANSIBLE_CACHE_PLUGIN_CONNECTION": "/tmp/lpse-bench-facts",
            "ANSIBLE_CACHE_PLUGIN_TIMEOUT": "86400",
        },
    ),
    "free": ("free strategy (mitogen_free)", {"ANSIBLE_STRATEGY": "mitogen_free"}),
}


def parse_ablate(specs: list[str]) -> dict[int, list[str]]:
    """`--ablate 10=all --ablate 30=forks20,cache` -> {10: [every key], 30: ["forks20", "cache"]}."""
    out: dict[int, list[str]] = {}
    for spec in specs:
        if spec == "none":
            continue
        size, _, names = spec.partition("=")
        keys = list(ABLATIONS) if names in ("", "all") else names.split(",")
        unknown = [k for k in keys if k not in ABLATIONS]
        if not size.isdigit() or unknown:
            raise SystemExit(f"--ablate {spec!r}: expected SIZE=all or SIZE=" + ",".join(ABLATIONS))
        out[int(size)] = keys
    return out


def ablate(lab: Lab, keys: list[str], tuned: dict) -> dict:
    """Second site.yml with each chosen setting changed alone; `tuned` is this size's own tuned
    second run (same lab, same state), the baseline of every ratio."""
    out = {"tuned": tuned}
    for key in keys:
        name, env = ABLATIONS[key]
        if "ANSIBLE_CACHE_PLUGIN" in env:
            shutil.rmtree(env["ANSIBLE_CACHE_PLUGIN_CONNECTION"], ignore_errors=True)
            playbook(lab, None, env=env)  # fills the cache
        out[name] = playbook(lab, None, env=env)
        print(name, out[name]["s"], flush=True)  # a run cut short still leaves these in its log
    return {
        name: {"s": r["s"], "changed": r["changed"], "ok": r["ok"], "over_tuned": round(r["s"] / tuned["s"], 2)}
        for name, r in out.items()
    }


def measure(apps: int, workdir: Path, cold_default: bool, ablations: list[str] | None = None) -> dict:
    lab = prepare(apps, workdir)
    out: dict = {"apps": apps, "hosts": len(lab.topo.hosts), "servers": apps + 2}
    try:
        out["lab_up_fresh_s"] = timed_up(lab, fresh=True)
        out["lab_up_again_s"] = timed_up(lab, fresh=False)
        out["lab_memory_idle"] = lab_memory(lab)
        out["tuned"] = {"site_cold": playbook(lab, None)}
        if not out["tuned"]["site_cold"]["ok"]:  # timings of a broken run mean nothing
            raise SystemExit(f"{apps} app servers: the cold site.yml failed: {out['tuned']['site_cold']['failures']}")
        out["lab_memory_provisioned"] = lab_memory(lab)
        out["tuned"]["site_second"] = playbook(lab, None)
        out["tuned"]["check"] = playbook(lab, None, check=True)
        out["default"] = {"site_second": playbook(lab, DEFAULTS_CFG)}
        out["default"]["check"] = playbook(lab, DEFAULTS_CFG, check=True)
        started = time.monotonic()
        outcome = run_comply(
            ComplyRequest(
                inventory=lab.inventory_path,
                results_dir=workdir / "results",
                waivers=lab.inventory_path.parent / "waivers.yml",
            )
        )
        out["comply"] = {
            "s": round(time.monotonic() - started, 1),
            "results": len(outcome.doc["results"]),
            "score": outcome.doc["summary"]["score"],
            "not_passed": [  # what kept the score below 100 at this size
                f"{r['control']} {r['host']}: {str(r.get('message') or '')[:160]}"
                for r in outcome.doc["results"]
                if r["status"] in ("fail", "error")
            ][:20],
        }
        if ablations:
            out["second_run_settings"] = ablate(lab, ablations, out["tuned"]["site_second"])
        if cold_default:
            out["lab_up_fresh_again_s"] = timed_up(lab, fresh=True)
            out["default"]["site_cold"] = playbook(lab, DEFAULTS_CFG)
        out["ratio_default_over_tuned"] = {
            phase: round(out["default"][phase]["s"] / out["tuned"][phase]["s"], 2)
            for phase in ("site_cold", "site_second", "check")
            if phase in out["default"]
        }
    finally:
        lab.down(QUIET, purge=True)
    return out


def per_added_host(sizes: list[dict]) -> list[dict]:
    """Seconds and MB each added app server costs, between each two neighbouring sizes measured."""
    return [_slopes(a, b) for a, b in itertools.pairwise(sizes)]


def _slopes(a: dict, b: dict) -> dict:
    n = b["apps"] - a["apps"]

    def slope(get) -> float | None:
        try:
            return round((get(b) - get(a)) / n, 2)
        except (KeyError, TypeError):  # not measured at one of the sizes
            return None

    return {
        "between_apps": [a["apps"], b["apps"]],
        "lab_up_fresh_s": slope(lambda s: s["lab_up_fresh_s"]),
        "site_cold_tuned_s": slope(lambda s: s["tuned"]["site_cold"]["s"]),
        "site_second_tuned_s": slope(lambda s: s["tuned"]["site_second"]["s"]),
        "site_second_default_s": slope(lambda s: s["default"]["site_second"]["s"]),
        "check_tuned_s": slope(lambda s: s["tuned"]["check"]["s"]),
        "comply_s": slope(lambda s: s["comply"]["s"]),
        "lab_memory_provisioned_mb": slope(lambda s: s["lab_memory_provisioned"]["pss_mb"]),
        "ansible_peak_rss_mb": slope(lambda s: s["tuned"]["site_cold"]["ansible_peak_rss_mb"]),
    }


def chart(sizes: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [s["apps"] for s in sizes]
    fig, ax = plt.subplots(figsize=(8, 4))
    series = [
        ("cold site.yml, tuned", lambda s: s["tuned"]["site_cold"]["s"], "#0b3d91", "-"),
        ("cold site.yml, Ansible defaults", lambda s: s["default"].get("site_cold", {}).get("s"), "#0b3d91", ":"),
        ("second site.yml, tuned", lambda s: s["tuned"]["site_second"]["s"], "#1a7f37", "-"),
        ("second site.yml, Ansible defaults", lambda s: s["default"]["site_second"]["s"], "#1a7f37", ":"),
        ("provision --check, tuned", lambda s: s["tuned"]["check"]["s"], "#8250df", "-"),
        ("provision --check, Ansible defaults", lambda s: s["default"]["check"]["s"], "#8250df", ":"),
        ("lpse comply", lambda s: s["comply"]["s"], "#d97706", "-"),
        ("lab up (fresh disks)", lambda s: s.get("lab_up_fresh_s"), "#6e7781", "-"),
    ]
    for label, get, colour, style in series:
        pts = [(x, get(s)) for x, s in zip(xs, sizes, strict=True) if get(s) is not None]
        if pts:
            ax.plot(*zip(*pts, strict=True), marker="o", color=colour, linestyle=style, label=label)
    ax.set_xlabel("SPSE application servers (beside management, database, router, devices)")
    ax.set_ylabel("seconds")
    ax.set_xticks(xs)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("lpse-dc at scale (2 cores)", loc="left", fontsize=11, fontweight="bold")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,10,30", help="numbers of SPSE application servers")
    parser.add_argument("--cold-default-max", type=int, default=10)
    parser.add_argument(
        "--ablate",
        action="append",
        default=[],
        metavar="SIZE=KEYS",
        help="measure settings alone at a size: 10=all, 30=forks20,cache or none (keys: " + ", ".join(ABLATIONS) + ")",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/scale.json")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    ablate_at = parse_ablate(args.ablate or ["10=all"])
    Lab(ROOT / "inventory/lab/topology.yml").down(QUIET)  # the two labs share their networks
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="lpse-bench-scale-") as tmp:
        for n in sizes:
            results.append(measure(n, Path(tmp), cold_default=n <= args.cold_default_max, ablations=ablate_at.get(n)))
            print(json.dumps(results[-1], indent=1), flush=True)
            write(args.out, results)  # after each size: a long run keeps what it measured
    print(json.dumps(per_added_host(results), indent=2))


def write(out: Path, results: list[dict]) -> None:
    doc = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "machine": {"cpus": os.cpu_count()},
        "tuned_config": "ansible.cfg",
        "default_config": "bench/ansible-defaults.cfg",
        "sizes": results,
        "per_added_app_server": per_added_host(results),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    chart(results, out.with_suffix(".png"))


if __name__ == "__main__":
    main()
