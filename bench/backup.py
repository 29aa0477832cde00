"""Backup benchmark (`make bench`): lpse-backup against plain pg_dump + tar, by data size.

A lab of its own (name `bbk`, subnet 10.213.71.0/24): a management server with an 8 GB portable
medium, a database server and an app server, provisioned with site.yml. For each size the SPSE
database and file store are filled half and half (database: rows of 1 KB hex text, which
pg_dump compresses about 2:1; file store: 16 MB files of random bytes, like scanned PDFs), then:

- baseline: from the management server, `pg_dump -Fc` and `tar` of the file store over SSH onto
  the same medium, nothing else (no encryption, checksums or verification);
- lpse-backup run: the same data streamed through gpg (AES-256), SHA-256 manifest, completion
  marker, read back and verified;
- lpse-backup drill: decrypt, restore into a scratch database, extract and hash every file.

Throughput is the source data size (database on disk + file store) divided by the wall time.
Target (issue 8): lpse-backup at least half the baseline's throughput. Written to
bench/results/backup.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lpse.lab.inventory import AUTOMATION_USER  # noqa: E402
from lpse.lab.manager import Lab  # noqa: E402
from lpse.runner import run_playbook  # noqa: E402

NET = "10.213.71"
TOPOLOGY = f"""---
name: bbk
networks:
  lan: {{subnet: {NET}.0/24, control_address: {NET}.1}}
hosts:
  bbk-app-01:
    groups: [spse_app]
    interfaces: [{{network: lan, address: {NET}.11}}]
    disks: [{{mount: /home/file, size: 3G}}]
  bbk-db-01:
    groups: [spse_db]
    interfaces: [{{network: lan, address: {NET}.12}}]
    disks: [{{mount: /var/lib/postgresql, size: 4G}}]
  bbk-mgmt-01:
    groups: [mgmt]
    interfaces: [{{network: lan, address: {NET}.13}}]
    media: [{{label: LPSE-BAK-01, size: 8G}}]
"""
MOUNT = "mkdir -p /mnt/bench && mount $(blkid -L LPSE-BAK-01) /mnt/bench"


def run(lab: Lab, host: str, command: str, timeout: float = 3600) -> str:
    import subprocess

    proc = subprocess.run(lab.ssh_argv(host, [command]), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"{host}: `{command[:120]}` exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return proc.stdout


def timed(lab: Lab, host: str, command: str) -> float:
    started = time.monotonic()
    run(lab, host, command)
    return round(time.monotonic() - started, 2)


def fill(lab: Lab, total_mb: int) -> dict:
    """Grow the database and the file store to about total_mb together (half each)."""
    half = total_mb // 2
    sql = (
        "CREATE TABLE IF NOT EXISTS bench_blob (id bigserial PRIMARY KEY, payload text); "
        "TRUNCATE bench_blob; "
        f"INSERT INTO bench_blob (payload) SELECT string_agg(md5(g::text || random()::text), '') "
        f"FROM generate_series(1, {half * 740 * 32}) g GROUP BY g / 32"
    )
    run(
        lab,
        "bbk-db-01",
        f'cd / && runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d epns_prod -c "{sql}" '
        '-c "VACUUM ANALYZE bench_blob"',
    )
    run(
        lab,
        "bbk-app-01",
        "rm -rf /home/file/file_prod/bench && runuser -u appserv -- sh -c 'mkdir -p /home/file/file_prod/bench && "
        f"for i in $(seq 1 {max(half // 16, 1)}); do head -c 16M /dev/urandom > /home/file/file_prod/bench/doc-$i.pdf; "
        "done'",
    )
    db_mb = (
        int(
            run(
                lab, "bbk-db-01", "runuser -u postgres -- psql -XAtq -c \"SELECT pg_database_size('epns_prod')\""
            ).strip()
        )
        / 2**20
    )
    files_mb = int(run(lab, "bbk-app-01", "du -sb /home/file/file_prod | cut -f1").split()[0]) / 2**20
    return {"database_mb": round(db_mb, 1), "files_mb": round(files_mb, 1), "total_mb": round(db_mb + files_mb, 1)}


def baseline(lab: Lab) -> float:
    """pg_dump + tar over SSH from the management server onto the medium (the automation account's
    key, copied for the bench only, with sudo on the sources)."""
    key = lab.key.read_text()
    import subprocess

    subprocess.run(lab.ssh_argv("bbk-mgmt-01", ["umask 077; cat > /root/bench_id"]), input=key, text=True, check=True)
    ssh = "ssh -i /root/bench_id -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
    try:
        return timed(
            lab,
            "bbk-mgmt-01",
            f"{MOUNT} && trap 'rm -f /mnt/bench/base.*; umount /mnt/bench' EXIT && "
            f"{ssh} {AUTOMATION_USER}@{NET}.12 'sudo -n runuser -u postgres -- pg_dump -Fc epns_prod'"
            " > /mnt/bench/base.dump && "
            f"{ssh} {AUTOMATION_USER}@{NET}.11 'sudo -n tar -C /home/file -cf - file_prod'"
            " > /mnt/bench/base.tar && sync",
        )
    finally:
        run(lab, "bbk-mgmt-01", "rm -f /root/bench_id")


def measure(lab: Lab, total_mb: int) -> dict:
    size = fill(lab, total_mb)
    base_s = baseline(lab)
    backup_s = timed(lab, "bbk-mgmt-01", "lpse-backup run --json")
    made = json.loads(run(lab, "bbk-mgmt-01", "lpse-backup list --json"))["sets"][-1]
    drill_s = timed(lab, "bbk-mgmt-01", "lpse-backup drill --json")
    mb = size["total_mb"]
    return {
        **size,
        "backup_set_mb": round(made["bytes"] / 2**20, 1),
        "baseline_s": base_s,
        "backup_s": backup_s,
        "drill_s": drill_s,
        "baseline_mb_s": round(mb / base_s, 1),
        "backup_mb_s": round(mb / backup_s, 1),
        "drill_mb_s": round(mb / drill_s, 1),
        "backup_vs_baseline": round(base_s / backup_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", default="256,1024", help="total data sizes (database + files), MB")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/backup.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lpse-bench-backup-") as tmp:
        inv = Path(tmp)
        shutil.copytree(ROOT / "inventory/lab/group_vars", inv / "group_vars")
        shutil.copy(ROOT / "inventory/lab/waivers.yml", inv / "waivers.yml")
        for path in (inv / "group_vars").glob("*.yml"):
            text = path.read_text().replace("10.213.0.", f"{NET}.")
            path.write_text(text.replace("[mgmt-01]", "[bbk-mgmt-01]"))
        (inv / "topology.yml").write_text(TOPOLOGY)
        lab = Lab(inv / "topology.yml")
        lab.up(lambda _m: None, fresh=True)
        lab.bootstrap(progress=lambda *_: None)
        try:
            site = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
            if not site.ok:
                raise SystemExit(f"site.yml failed on the bench lab: {site.failures}")
            sizes = [measure(lab, int(s)) for s in args.sizes_mb.split(",")]
        finally:
            lab.down(lambda _m: None, purge=True)
    doc = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "target_backup_vs_baseline": 0.5,
        "ok": all(s["backup_vs_baseline"] >= 0.5 for s in sizes),
        "sizes": sizes,
    }
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        doc["growth"] = {
            "data_x": round(b["total_mb"] / a["total_mb"], 2),
            "backup_time_x": round(b["backup_s"] / a["backup_s"], 2),
            "drill_time_x": round(b["drill_s"] / a["drill_s"], 2),
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
