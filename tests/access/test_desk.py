"""The guard desk's signature on entry, exit and door records (lpse/access/desk.py). Before it,
someone who could write the database could add a check-in after the last checkpoint, linked
into the chain with the head fixed, and `verify` said "Chain intact"."""

from __future__ import annotations

import sqlite3

import pytest

from lpse.access import chain
from lpse.access.service import AccessLog
from lpse.errors import LpseError

from .conftest import approved_visit


def forge_tail(log, kind: str, visit: str, data: dict) -> int:
    """What an attacker with the database file does: a record at the end, linked, head moved."""
    with sqlite3.connect(log.config.database, isolation_level=None) as conn:
        seq, prev = conn.execute("SELECT seq, hash FROM chain_head").fetchone()
        raw = chain.body(seq + 1, kind, visit, chain.utc_text(log.clock()), "satpam", data)
        digest = chain.link(prev, raw)
        conn.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?)", (seq + 1, kind, visit, raw, digest))
        conn.execute("UPDATE chain_head SET seq = ?, hash = ?", (seq + 1, digest))
    return seq + 1


def test_a_check_in_written_into_the_database_is_named(log):
    visit = approved_visit(log)
    log.checkpoint()
    seq = forge_tail(log, "checkin", visit, {"badge": "T-99", "escort": "Asep"})
    problems = [(p.seq, p.what) for p in log.verify().problems]
    assert problems == [
        (
            seq,
            f"checkin #{seq} of {visit} carries no guard-desk signature: "
            "not made by the desk (written into the database)",
        )
    ]


def test_a_signed_record_copied_to_another_place_is_named(log):
    """Replay: the desk's signature covers the record's place and content, so a genuine check-in
    copied to the end (to show the visitor in again) does not verify there."""
    visit = approved_visit(log, entries=2)
    genuine = log.checkin(visit, "satpam", "T-07")
    log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    seq = forge_tail(log, "checkin", visit, genuine.data)
    problems = [p.what for p in log.verify().problems]
    assert problems == [
        f"checkin #{seq} of {visit}: its guard-desk signature is not valid (edited, or copied from another record)"
    ]


def test_door_events_are_signed_at_import(log, tmp_path):
    approved_visit(log)
    feed = tmp_path / "doors.csv"
    stamp = log.clock().astimezone(log.config.tz).strftime("%Y-%m-%d %H:%M")
    feed.write_text(f"time,door,badge,event\n{stamp},ruang-server,T-07,open\n")
    log.import_doors(feed, "satpam")
    door = log.store.records(kinds=("door",))[0]
    assert door.data["desk_signature"] and log.verify().ok
    with sqlite3.connect(log.config.database, isolation_level=None) as conn:  # open -> granted, re-linked
        rows = conn.execute("SELECT seq, body FROM records WHERE seq >= ? ORDER BY seq", (door.seq,)).fetchall()
        (prev,) = conn.execute("SELECT hash FROM records WHERE seq = ?", (door.seq - 1,)).fetchone()
        for seq, body in rows:
            body = body.replace(b'"event":"open"', b'"event":"granted"')
            prev = chain.link(prev, body)
            conn.execute("UPDATE records SET body = ?, hash = ? WHERE seq = ?", (body, prev, seq))
        conn.execute("UPDATE chain_head SET hash = ?", (prev,))
    assert any("door #" in p.what and "not valid" in p.what for p in log.verify().problems)


def test_records_made_before_the_desk_key_stand_as_they_were(log, clock):
    """A log from before desk signatures: its guard records carry none; init gives it a desk key
    from its head on, and only later records must be signed."""
    visit = approved_visit(log, entries=2)
    log.checkin(visit, "satpam", "T-07")
    for name in ("desk.key", "desk.pub", "desk.since"):
        (log.config.keys_dir / name).unlink()
    old = log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])  # (no desk key: unsigned)
    assert "desk_signature" not in old.data
    upgraded = AccessLog(log.config, clock=clock)
    upgraded.init()
    assert upgraded.desk_since() == old.seq
    upgraded.checkin(visit, "satpam", "T-07")
    result = upgraded.verify()
    assert result.ok, result.problems


def test_without_its_key_the_desk_records_nothing(log):
    visit = approved_visit(log)
    (log.config.keys_dir / "desk.key").unlink()
    head = log.store.head()
    with pytest.raises(LpseError, match=r"desk\.key is missing: the guard desk cannot sign"):
        log.checkin(visit, "satpam", "T-07")
    assert log.store.head() == head
