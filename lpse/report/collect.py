"""Bring the hosts' capacity records into the results store, so reports work from the store.

``<results>/capacity/<host>.jsonl`` holds every record ever collected for a host, one JSON object
a line, unique by ``epoch`` and in time order. Collection merges what the host has now.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lpse.comply import connect

RECORDS = "/var/lib/lpse/capacity/records.jsonl"
MAINTENANCE = "/var/lib/lpse/maintenance/windows.jsonl"


def store_dir(results: Path) -> Path:
    return results / "capacity"


def read_store(results: Path) -> dict[str, list[dict[str, Any]]]:
    out = {}
    directory = store_dir(results)
    if directory.exists():
        for path in sorted(directory.glob("*.jsonl")):
            out[path.stem] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return out


def merge(existing: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_epoch = {int(r["epoch"]): r for r in existing}
    for r in new:
        by_epoch[int(r["epoch"])] = r
    return [by_epoch[e] for e in sorted(by_epoch)]


def parse_records(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "epoch" in record:
            out.append(record)
    return out


def collect(inventory: Path, results: Path, pattern: str = "lpse_servers") -> dict[str, str]:
    """Fetch records from every host matching ``pattern``; returns {host: 'n records' | error}."""
    inv, _ = connect.load_inventory(str(inventory))
    status: dict[str, str] = {}
    directory = store_dir(results)
    directory.mkdir(parents=True, exist_ok=True)
    for name in connect.hosts_matching(inv, [pattern]):
        try:
            cmd = connect.testinfra_host(str(inventory), name).run(f"cat {RECORDS}")
        except Exception as exc:
            status[name] = f"unreachable: {exc}"
            continue
        if cmd.rc != 0:
            status[name] = f"no records ({cmd.stderr.strip()[:100]})"
            continue
        path = directory / f"{name}.jsonl"
        existing = read_store(results).get(name, [])
        merged = merge(existing, parse_records(cmd.stdout))
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in merged))
        os.replace(tmp, path)
        status[name] = f"{len(merged)} records"
    return status


def maintenance_dir(results: Path) -> Path:
    return results / "maintenance"


def read_maintenance(results: Path) -> dict[str, list[dict[str, Any]]]:
    out = {}
    directory = maintenance_dir(results)
    if directory.exists():
        for path in sorted(directory.glob("*.jsonl")):
            out[path.stem] = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return out


def collect_maintenance(inventory: Path, results: Path, pattern: str = "spse_app") -> dict[str, str]:
    """Fetch the maintenance steps (playbooks/maintenance.yml) the app servers recorded."""
    inv, _ = connect.load_inventory(str(inventory))
    status: dict[str, str] = {}
    directory = maintenance_dir(results)
    directory.mkdir(parents=True, exist_ok=True)
    for name in connect.hosts_matching(inv, [pattern]):
        try:
            cmd = connect.testinfra_host(str(inventory), name).run(f"cat {MAINTENANCE}")
        except Exception as exc:
            status[name] = f"unreachable: {exc}"
            continue
        steps = []
        for line in cmd.stdout.splitlines() if cmd.rc == 0 else []:
            try:
                step = json.loads(line)
            except ValueError:
                continue
            if isinstance(step, dict) and {"id", "action", "at"} <= step.keys():
                steps.append(step)
        known = {(s["id"], s["action"], s["at"]): s for s in read_maintenance(results).get(name, [])}
        known.update({(s["id"], s["action"], s["at"]): s for s in steps})
        merged = sorted(known.values(), key=lambda s: s["at"])
        path = directory / f"{name}.jsonl"
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(s, sort_keys=True) + "\n" for s in merged))
        os.replace(tmp, path)
        status[name] = f"{len(merged)} maintenance steps"
    return status
