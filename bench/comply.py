"""Compliance benchmark (`make bench`): `lpse comply`, all controls, on 3 and 10 server hosts.

Each size is a lab of its own (name `bch`, subnet 10.213.70.0/24, beside the main lab): one
management server (the time source), a database server and N-1 SPSE application servers (the
stand-in application, nginx), provisioned with site.yml,
then audited. Written to bench/results/comply.json. Target (issue 3): all controls on 10 servers
in under 20 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lpse.comply.run import ComplyRequest  # noqa: E402
from lpse.comply.run import run as run_comply  # noqa: E402
from lpse.lab.manager import Lab  # noqa: E402
from lpse.runner import run_playbook  # noqa: E402


def topology(servers: int) -> str:
    lines = [
        "---",
        "name: bch",
        "networks:",
        "  lan: {subnet: 10.213.70.0/24, control_address: 10.213.70.1}",
        "hosts:",
        "  bch-mgmt-01:",
        "    groups: [mgmt]",
        "    interfaces: [{network: lan, address: 10.213.70.10}]",
        "    media: [{label: LPSE-BAK-01, size: 64M}]",
        "  bch-db-01:",
        "    groups: [spse_db]",
        "    interfaces: [{network: lan, address: 10.213.70.9}]",
        "    disks: [{mount: /var/lib/postgresql, size: 256M}]",
    ]
    for i in range(1, servers):
        lines += [
            f"  bch-app-{i:02d}:",
            "    groups: [spse_app]",
            f"    interfaces: [{{network: lan, address: 10.213.70.{10 + i}}}]",
            "    disks: [{mount: /home/file, size: 64M}]",
        ]
    return "\n".join(lines) + "\n"


def measure(servers: int, workdir: Path, worker_counts: list[int | None]) -> dict:
    inv_dir = workdir / f"n{servers}"
    shutil.copytree(ROOT / "inventory/lab/group_vars", inv_dir / "group_vars")
    shutil.copy(ROOT / "inventory/lab/waivers.yml", inv_dir / "waivers.yml")
    # Re-address the lab's settings for this lab: its LAN (admin network, NTP, firewall sources)
    # is 10.213.70.0/24 and its time source bch-mgmt-01; the app server is bch-app-01.
    for path in (inv_dir / "group_vars").glob("*.yml"):
        # Every app server of this lab is a database client.
        text = (
            path.read_text()
            if path.name != "spse_db.yml"
            else path.read_text().replace("10.213.0.11/32", "10.213.0.0/24")
        )
        text = text.replace("10.213.0.11/32", "10.213.70.11/32").replace("10.213.0.", "10.213.70.")
        path.write_text(text.replace("[mgmt-01]", "[bch-mgmt-01]"))
    (inv_dir / "topology.yml").write_text(topology(servers))
    lab = Lab(inv_dir / "topology.yml")
    quiet = lambda _m: None  # noqa: E731
    lab.up(quiet, fresh=True)
    lab.bootstrap(progress=lambda *_: None)
    try:
        site = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
        runs = {}
        for workers in worker_counts:
            started = time.monotonic()
            outcome = run_comply(
                ComplyRequest(
                    inventory=lab.inventory_path,
                    results_dir=inv_dir / "results",
                    waivers=inv_dir / "waivers.yml",
                    workers=workers,
                )
            )
            wall = round(time.monotonic() - started, 2)
            per_host: dict[str, float] = defaultdict(float)
            for r in outcome.doc["results"]:
                per_host[r["host"]] += r["seconds"]
            runs[str(outcome.doc["run"]["workers"])] = {
                "wall_s": wall,
                "checks_s": outcome.doc["run"]["seconds"],
                "results": len(outcome.doc["results"]),
                "score": outcome.doc["summary"]["score"],
                "check_time_per_host_s": round(sum(per_host.values()) / len(per_host), 2),
            }
        return {
            "servers": servers,
            "site_cold_s": round(site.seconds, 1),
            "site_ok": site.ok,
            "controls": len(outcome.doc["controls"]),
            "runs_by_workers": runs,
        }
    finally:
        lab.down(quiet, purge=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="3,10")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/comply.json")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="lpse-bench-comply-") as tmp:
        results = [measure(n, Path(tmp), [None, 1, 2, 4, 8] if n == max(sizes) else [None]) for n in sizes]
    doc = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "target_10_servers_s": 20, "sizes": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
