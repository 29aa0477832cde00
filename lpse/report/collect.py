"""Bring the hosts' capacity records into the results store, so reports work from the store.

``<results>/capacity/<host>.jsonl`` holds every record ever collected for a host, one JSON object
a line, unique by ``epoch`` and in time order. Collection merges what the host has now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from lpse.comply import connect
from lpse.errors import LpseError

RECORDS = "/var/lib/lpse/capacity/records.jsonl"
MAINTENANCE = "/var/lib/lpse/maintenance/windows.jsonl"
BACKUP_DIR = "/var/lib/lpse/backup"
BACKUP_KINDS = ("backups", "verifications", "drills", "custody")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _read_dir(directory: Path) -> dict[str, list[dict[str, Any]]]:
    return {p.stem: _jsonl(p) for p in sorted(directory.glob("*.jsonl"))} if directory.exists() else {}


def _parse(text: str, required: set[str]) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines text that have the ``required`` keys; other lines are skipped."""
    out = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and required <= item.keys():
            out.append(item)
    return out


def _write(path: Path, items: list[dict[str, Any]]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(i, separators=(",", ":"), sort_keys=True) + "\n" for i in items))
    os.replace(tmp, path)


# A remote file that does not exist is a fact (nothing was recorded there); a file that exists but
# cannot be read, or a host that cannot be reached, is not: the report must say it could not read it.
ABSENT = 100


def read_command(remote: str) -> str:
    return f"if [ -e {remote} ]; then cat {remote}; else exit {ABSENT}; fi"


def _fetch(inventory: Path, pattern: str, remote: str, command: str | None = None, problems: dict | None = None,
           kind: str = ""):  # fmt: skip
    """(host, text of ``remote`` or None, status) for each host of ``pattern``: text "" when nothing is
    recorded there, None when it could not be read (the cause is then noted in ``problems``)."""
    inv, _ = connect.load_inventory(str(inventory))
    for name in connect.hosts_matching(inv, [pattern]):
        try:
            cmd = connect.testinfra_host(str(inventory), name).run(command or read_command(remote))
        except Exception as exc:  # unreachable, a tool missing: the data could not be read
            cause = f"could not be read: {exc}"
        else:
            if cmd.rc == ABSENT:
                yield name, "", "nothing recorded"
                continue
            if cmd.rc == 0:
                yield name, cmd.stdout, ""
                continue
            cause = f"could not be read: exit {cmd.rc}: {(cmd.stderr or cmd.stdout).strip()[-200:]}"
        if problems is not None:
            problems.setdefault(kind or remote, {})[name] = cause
        yield name, None, cause


def store_dir(results: Path) -> Path:
    return results / "capacity"


def read_store(results: Path) -> dict[str, list[dict[str, Any]]]:
    return _read_dir(store_dir(results))


def merge(existing: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_epoch = {int(r["epoch"]): r for r in existing}
    for r in new:
        by_epoch[int(r["epoch"])] = r
    return [by_epoch[e] for e in sorted(by_epoch)]


def parse_records(text: str) -> list[dict[str, Any]]:
    return _parse(text, {"epoch"})


def collect(inventory: Path, results: Path, pattern: str = "lpse_servers", problems: dict | None = None) -> dict:
    """Fetch records from every host matching ``pattern``; returns {host: 'n records' | error}."""
    status: dict[str, str] = {}
    directory = store_dir(results)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text, problem in _fetch(inventory, pattern, RECORDS, problems=problems, kind="capacity"):
        if text is None:
            status[name] = problem
            continue
        merged = merge(read_store(results).get(name, []), parse_records(text))
        _write(directory / f"{name}.jsonl", merged)
        status[name] = f"{len(merged)} records"
    return status


def maintenance_dir(results: Path) -> Path:
    return results / "maintenance"


def read_maintenance(results: Path) -> dict[str, list[dict[str, Any]]]:
    return _read_dir(maintenance_dir(results))


def collect_maintenance(inventory: Path, results: Path, pattern: str = "spse_app", problems: dict | None = None):
    """Fetch the maintenance steps (playbooks/maintenance.yml) the app servers recorded."""
    status: dict[str, str] = {}
    directory = maintenance_dir(results)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text, problem in _fetch(inventory, pattern, MAINTENANCE, problems=problems, kind="maintenance"):
        if text is None:
            status[name] = problem
            continue
        steps = _parse(text or "", {"id", "action", "at"})
        known = {(s["id"], s["action"], s["at"]): s for s in read_maintenance(results).get(name, [])}
        known.update({(s["id"], s["action"], s["at"]): s for s in steps})
        merged = sorted(known.values(), key=lambda s: s["at"])
        _write(directory / f"{name}.jsonl", merged)
        status[name] = f"{len(merged)} maintenance steps"
    return status


def backup_dir(results: Path) -> Path:
    return results / "backup"


def read_backup(results: Path) -> dict[str, list[dict[str, Any]]]:
    return _read_dir(backup_dir(results))


def collect_backup(inventory: Path, results: Path, pattern: str = "mgmt", problems: dict | None = None):
    """Fetch the backup host's records (lpse-backup: backups, verifications, drills, custody),
    each tagged with its ``kind``, merged into ``<results>/backup/<host>.jsonl``."""
    status: dict[str, str] = {}
    directory = backup_dir(results)
    directory.mkdir(parents=True, exist_ok=True)
    # Each kind's file may be absent (nothing of that kind recorded); one that exists must be read.
    command = " && ".join(
        f'{{ [ ! -e {BACKUP_DIR}/{kind}.jsonl ] || sed \'s/^{{/{{"kind":"{kind}",/\' {BACKUP_DIR}/{kind}.jsonl; }}'
        for kind in BACKUP_KINDS
    )
    for name, text, problem in _fetch(inventory, pattern, BACKUP_DIR, command, problems=problems, kind="backup"):
        if text is None:
            status[name] = problem
            continue
        records = _parse(text, {"kind", "time"})
        if not records:
            status[name] = "nothing recorded"
            continue
        key = lambda r: (r["kind"], r["time"], r.get("set") or r.get("location") or "")  # noqa: E731
        known = {key(r): r for r in read_backup(results).get(name, [])}
        known.update({key(r): r for r in records})
        merged = sorted(known.values(), key=lambda r: r["time"])
        _write(directory / f"{name}.jsonl", merged)
        status[name] = f"{len(merged)} backup records"
    return status


def access_dir(results: Path) -> Path:
    return results / "access"


def collect_access(inventory: Path, results: Path, problems: dict | None = None) -> dict[str, str]:
    """The server-room access log (on this control node) into ``<results>/access/``: every visit
    (``visits.json``), the breaches of the rules (``findings.json``) and the chain's verification
    with its head hash (``verify.json``), so the report shows what the log said when collected."""
    from lpse.access.cli import _visit_json
    from lpse.access.config import load
    from lpse.access.service import AccessLog

    if "access_log_approvers" not in connect.hostvars(str(inventory), "localhost"):
        return {}
    log = AccessLog(load(inventory))
    try:
        log.store.ensure()
    except Exception as exc:  # the report says the log could not be read; it does not stop
        if problems is not None:
            problems.setdefault("access", {})["access log"] = f"could not be read: {exc}"
        return {"access log": f"could not be read: {exc}"}
    now = log.clock()
    visits = log.visits()
    everyone = {**log.config.former, **log.config.users()}  # officials who left still signed past visits
    people = {u: {"name": p.name, "title": p.title} for u, p in everyone.items()}
    findings = log.audit(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), now + dt.timedelta(days=1))
    directory = access_dir(results)
    directory.mkdir(parents=True, exist_ok=True)
    # A checkpoint signed now goes into the report: printed and signed on paper, it is one more
    # copy of the log's head kept outside the database (issue #19).
    try:
        signed, _paths = log.checkpoint()
        checkpoint: dict[str, Any] | None = dataclasses.asdict(signed)
    except LpseError as exc:
        checkpoint = {"trouble": str(exc)}
    docs = {
        "visits.json": {"people": people, "visits": [_visit_json(v, now) for v in visits.values()]},
        "findings.json": [f.as_dict() for f in findings],
        "verify.json": log.verify().as_dict() | {"collected": now.isoformat(), "checkpoint": checkpoint},
    }
    for name, doc in docs.items():
        tmp = directory / f".{name}.tmp"
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
        tmp.replace(directory / name)
    return {"access log": f"{len(visits)} visits, {len(findings)} findings"}


def read_access(results: Path) -> dict[str, Any]:
    directory = access_dir(results)
    out: dict[str, Any] = {}
    for name in ("visits", "findings", "verify"):
        path = directory / f"{name}.json"
        out[name] = json.loads(path.read_text()) if path.exists() else None
    return out


TRAFFIC = "/var/lib/lpse/traffic/records.jsonl"
CONNECTIVITY = "/var/lib/lpse/connectivity/records.jsonl"
NETWORK = {"traffic": (TRAFFIC, ("spse_app", "routers")), "connectivity": (CONNECTIVITY, ("spse_app", "mgmt"))}


def read_network(results: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{"traffic": {host: records}, "connectivity": {host: records}} from the results store."""
    return {kind: _read_dir(results / kind) for kind in NETWORK}


def collect_network(inventory: Path, results: Path, problems: dict | None = None) -> dict[str, str]:
    """Fetch the traffic counters (bandwidth role) and connection probe rounds (connectivity
    role) into ``<results>/traffic/<host>.jsonl`` and ``<results>/connectivity/<host>.jsonl``."""
    return _collect_kinds(inventory, results, NETWORK, merge, problems)


ROOM = {
    "room": ("/var/lib/lpse/room/readings.jsonl", ("mgmt",)),
    "selftests": ("/var/lib/lpse/room/selftests.jsonl", ("mgmt",)),
    "power": ("/var/lib/lpse/power/events.jsonl", ("lpse_servers",)),
    "alerts": ("/var/lib/lpse/alerts/alerts.jsonl", ("lpse_servers",)),
}


def read_room(results: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """{"readings", "selftests", "power", "alerts": {host: records}} from the results store."""
    store = {kind: _read_dir(results / kind) for kind in ROOM}
    return {"readings": store["room"], **{k: store[k] for k in ("selftests", "power", "alerts")}}


def merge_unique(existing: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records of both, each once (several may share a second: power events, alerts), in time order."""
    seen = {json.dumps(r, sort_keys=True): r for r in existing}
    for r in new:
        seen.setdefault(json.dumps(r, sort_keys=True), r)
    return sorted(seen.values(), key=lambda r: int(r["epoch"]))


def collect_room(inventory: Path, results: Path, problems: dict | None = None) -> dict[str, str]:
    """Fetch the room record and UPS self-tests (room role, management server), the power events
    (ups role) and alerts (lpse-alert) of every server into ``<results>/<kind>/<host>.jsonl``."""
    return _collect_kinds(inventory, results, ROOM, merge_unique, problems)


def _collect_kinds(inventory: Path, results: Path, kinds: dict, merge_records, problems: dict | None = None):
    """For each kind {kind: (remote file, groups)}: fetch the file from every host of the groups and
    merge it into ``<results>/<kind>/<host>.jsonl``; returns {"host (kind)": 'n records' | problem}."""
    status: dict[str, str] = {}
    for kind, (remote, groups) in kinds.items():
        directory = results / kind
        directory.mkdir(parents=True, exist_ok=True)
        known = _read_dir(directory)
        for group in groups:
            for name, text, problem in _fetch(inventory, group, remote, problems=problems, kind=kind):
                if text is None:
                    status[f"{name} ({kind})"] = problem
                    continue
                merged = merge_records(known.get(name, []), _parse(text, {"epoch"}))
                _write(directory / f"{name}.jsonl", merged)
                status[f"{name} ({kind})"] = f"{len(merged)} {kind} records"
    return status


COLLECTION = "collection.json"


def collect_all(inventory: Path, results: Path) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Every collector: ({"host": status} lines to show, {kind: {host: cause}} of what could not be
    read). The second is kept in ``<results>/collection.json`` for the report to state."""
    problems: dict[str, dict[str, str]] = {}
    lines: dict[str, str] = {}
    for collector in (collect, collect_maintenance, collect_backup, collect_network, collect_room, collect_access):
        kind = collector.__name__.removeprefix("collect").strip("_") or "capacity"
        for host, status in collector(inventory, results, problems=problems).items():
            lines[host if host.endswith(")") else f"{host} ({kind})"] = status
    doc = {"collected": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "unread": problems}
    tmp = results / f".{COLLECTION}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    tmp.replace(results / COLLECTION)
    return lines, problems


def read_collection(results: Path) -> dict[str, Any]:
    """The last collection's {"collected", "unread"}; {} when the store was never collected into."""
    path = results / COLLECTION
    return json.loads(path.read_text()) if path.exists() else {}
