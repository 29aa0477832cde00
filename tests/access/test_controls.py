"""The access controls through ``lpse comply``: they pass on a sound log, and each fails, with
the record as evidence, on a log broken the way it guards against."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest

from lpse.comply.run import ComplyRequest
from lpse.comply.run import run as run_comply

from .conftest import approved_visit, signed_decision, write_inventory

# What this file shows failing (tests/lab/test_compliance.py counts them as shown).
SHOWN = {"LPSE-21.4-ACC-01", "LPSE-21.4-ACC-02", "LPSE-21.4-ACC-03", "LPSE-21.4-ACC-04", "LPSE-21.4-ACC-05"}


def comply(tmp_path, inventory):
    waivers = tmp_path / "no-waivers.yml"
    waivers.write_text("waivers: []\n")
    out = run_comply(
        ComplyRequest(
            inventory=inventory, results_dir=tmp_path / "results", waivers=waivers, controls=tuple(sorted(SHOWN))
        )
    )
    return {r["control"]: r for r in out.doc["results"]}


def paper(tmp_path, lines) -> str:
    path = tmp_path / "paper.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    return path


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def imported_visit(visit: str, start: dt.datetime, equipment=()) -> list[dict]:
    return [
        {
            "kind": "request",
            "visit": visit,
            "at": start.isoformat(),
            "actor": "buku-tamu",
            "data": {
                "visitor": {"name": "Tamu", "id_type": "ktp", "id_number": "321", "institution": "CV Kabel"},
                "purpose": "tarik kabel",
                "start": stamp(start),
                "end": stamp(start + dt.timedelta(hours=20)),
                "escort": "Asep",
                "equipment": list(equipment),
            },
        },
    ]


BREAKS = {
    "LPSE-21.4-ACC-01": "edit",
    "LPSE-21.4-ACC-02": "entry without approval",
    "LPSE-21.4-ACC-03": "door",
    "LPSE-21.4-ACC-04": "open",
    "LPSE-21.4-ACC-05": "equipment",
}


def a_sound_day(tmp_path, log):
    inventory = write_inventory(tmp_path)
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    return inventory


def test_access_controls_pass_on_a_sound_log(tmp_path, log):
    """The day each case below starts from (one comply shows all five passing on it)."""
    sound = comply(tmp_path, a_sound_day(tmp_path, log))
    assert {c: r["status"] for c, r in sound.items()} == dict.fromkeys(SHOWN, "pass"), sound


@pytest.mark.parametrize("control", sorted(BREAKS))
def test_access_control_fails_on_a_broken_log(tmp_path, log, control):
    inventory = a_sound_day(tmp_path, log)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    how = BREAKS[control]
    if how == "edit":
        with sqlite3.connect(log.config.database) as conn:
            conn.execute("UPDATE records SET body = replace(body, 'T-07', 'T-70') WHERE seq = 3")
    elif how == "entry without approval":
        log.import_records(
            paper(
                tmp_path,
                [
                    *imported_visit("V-900001", now - dt.timedelta(hours=2)),
                    {
                        "kind": "checkin",
                        "visit": "V-900001",
                        "at": (now - dt.timedelta(hours=1)).isoformat(),
                        "actor": "buku-tamu",
                        "data": {"badge": "T-11"},
                    },
                    {
                        "kind": "checkout",
                        "visit": "V-900001",
                        "at": now.isoformat(),
                        "actor": "buku-tamu",
                        "data": {"equipment_out": []},
                    },
                ],
            ),
            "satpam",
        )
    elif how == "door":
        doors = tmp_path / "doors.json"
        doors.write_text(
            json.dumps(
                [
                    {
                        "time": (now - dt.timedelta(hours=1)).isoformat(),
                        "door": "ruang-server",
                        "badge": "T-66",
                        "event": "open",
                    }
                ]
            )
        )
        log.import_doors(doors, "satpam")
    elif how in ("open", "equipment"):
        start = now - dt.timedelta(hours=14)
        lines = imported_visit("V-900002", start, ["switch:SW-1"])
        lines.append(
            {
                "kind": "decision",
                "visit": "V-900002",
                "at": start.isoformat(),
                "actor": "kepala",
                "data": signed_decision(
                    log,
                    lines[0],
                    {
                        "decision": "approve",
                        "valid_from": stamp(start),
                        "valid_until": stamp(start + dt.timedelta(hours=20)),
                    },
                ),
            }
        )
        lines.append(
            {
                "kind": "checkin",
                "visit": "V-900002",
                "at": (start + dt.timedelta(minutes=5)).isoformat(),
                "actor": "buku-tamu",
                "data": {"badge": "T-12"},
            }
        )
        if how == "equipment":
            lines.append(
                {
                    "kind": "checkout",
                    "visit": "V-900002",
                    "at": (start + dt.timedelta(hours=1)).isoformat(),
                    "actor": "buku-tamu",
                    "data": {"equipment_out": []},
                }
            )
        log.import_records(paper(tmp_path, lines), "satpam")
    broken = comply(tmp_path, inventory)
    failed = {c for c, r in broken.items() if r["status"] == "fail"}
    assert failed == {control}, {c: r["message"] for c, r in broken.items()}
    print(f"\n{control}: {broken[control]['message']}")


def test_uninitialised_log_fails_with_the_command_to_run(tmp_path):
    inventory = write_inventory(tmp_path, database=str(tmp_path / "nothing-here.db"))
    results = comply(tmp_path, inventory)
    assert all(r["status"] == "fail" for r in results.values())
    assert "lpse access init" in results["LPSE-21.4-ACC-01"]["message"]


def test_a_log_of_an_older_schema_is_an_error_not_a_fail(tmp_path, log):
    """Unread is not non-compliant: until `lpse access init` upgrades it, nothing is known."""
    inventory = a_sound_day(tmp_path, log)
    with sqlite3.connect(log.config.database) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    results = comply(tmp_path, inventory)
    r = results["LPSE-21.4-ACC-01"]
    assert r["status"] == "error", r
    assert any("has schema 0001, this lpse needs 0002" in e for e in r["evidence"]), r["evidence"]
