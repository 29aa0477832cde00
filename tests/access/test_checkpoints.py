"""Signed checkpoints kept outside the database (lpse/access/checkpoint.py): what a hash chain
alone cannot show. Each attack below verified as "Chain intact" before checkpoints existed."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

import pytest

from lpse.access import chain
from lpse.access.config import from_vars
from lpse.access.service import AccessLog
from lpse.access.store import Draft

from .conftest import PEOPLE, VISITOR, approved_visit


def db(log) -> sqlite3.Connection:
    return sqlite3.connect(log.config.database, isolation_level=None)


def busy_day(log, entries: int = 20) -> str:
    """A decision (a checkpoint is written with it), then the guard desk's records, then the
    timer's checkpoint of the head."""
    visit = approved_visit(log, entries=entries // 2, end="+10h")
    for n in range(entries // 2):
        log.checkin(visit, "satpam", f"T-{n}")
        log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    log.checkpoint()
    return visit


def cut_tail(log, keep: int) -> None:
    """What an attacker with the database does: drop records after ``keep`` and fix the head."""
    with db(log) as conn:
        conn.execute("DELETE FROM records WHERE seq > ?", (keep,))
        (last,) = conn.execute("SELECT hash FROM records WHERE seq = ?", (keep,)).fetchone()
        conn.execute("UPDATE chain_head SET seq = ?, hash = ?", (keep, last))


def problems(log) -> list[str]:
    result = log.verify()
    assert not result.ok
    return [p.what for p in result.problems]


def test_a_sound_log_verifies_against_its_checkpoints(log):
    busy_day(log)
    result = log.verify()
    assert result.ok, result.problems
    assert result.checkpoints >= 3  # init, the decision, the timer


def test_records_cut_off_the_end_are_named(log):
    busy_day(log, entries=40)
    head = log.store.head()[0]
    cut_tail(log, head - 30)
    assert problems(log) == [
        f"records after #{head - 30} are missing: the checkpoint of {chain.utc_text(log.clock())} saw #{head} "
        f"({next(iter(sorted(log.config.checkpoint_dirs[0].glob(f'{head:012d}-*.json')))).name})"
    ]


def test_a_forged_tail_is_named(log):
    """Cut the end and write new records after the cut until the log is as long as before: the
    record a checkpoint saw is not the one there now."""
    busy_day(log)
    head = log.store.head()[0]
    cut_tail(log, head - 5)
    for _ in range(5):
        log.store.append(
            lambda tx: Draft("door", None, "satpam", {"door": "ruang-server", "badge": "T-1", "event": "open"})
        )
    assert log.store.head()[0] == head
    found = problems(log)
    assert any(f.startswith(f"record #{head} is not the one the checkpoint") for f in found), found


def test_rewriting_everything_after_the_last_decision_erases_no_breach_unseen(log, tmp_path):
    """The review's attack: a forced door recorded, the timer's checkpoint, then every record
    after the last decision rewritten without it (the chain rebuilt from there)."""
    visit = busy_day(log, entries=4)
    doors = tmp_path / "doors.csv"
    stamp = log.clock().astimezone(log.config.tz).strftime("%Y-%m-%d %H:%M")
    doors.write_text(f"time,door,badge,event\n{stamp},ruang-server,-,forced\n")
    log.import_doors(doors, "satpam")
    log.checkpoint()
    decision = max(r.seq for r in log.store.records(visit=visit) if r.kind == "decision")
    with db(log) as conn:
        rows = conn.execute("SELECT seq, body FROM records WHERE seq > ? ORDER BY seq", (decision,)).fetchall()
        (prev,) = conn.execute("SELECT hash FROM records WHERE seq = ?", (decision,)).fetchone()
        conn.execute("DELETE FROM records WHERE seq > ?", (decision,))
        seq = decision
        for _, body in rows:
            obj = json.loads(body)
            if obj["kind"] == "door":
                continue  # the breach, gone
            seq += 1
            raw = chain.body(seq, obj["kind"], obj["visit"], obj["at"], obj["actor"], obj["data"])
            prev = chain.link(prev, raw)
            conn.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?)", (seq, obj["kind"], obj["visit"], raw, prev))
        conn.execute("UPDATE chain_head SET seq = ?, hash = ?", (seq, prev))
    found = problems(log)
    assert any("are missing: the checkpoint" in f for f in found), found


def test_a_forged_checkpoint_is_named(log):
    busy_day(log)
    _, paths = log.checkpoint()
    forged = json.loads(paths[0].read_text())
    forged["seq"] += 100  # "the log was longer": an accusation nobody can make without the key
    paths[0].write_text(json.dumps(forged))
    found = problems(log)
    assert found == [f"checkpoint {paths[0]} is not signed by this log's key: forged or edited"]


def test_a_new_log_key_made_after_deleting_the_old_one_signs_nothing_the_inventory_trusts(log, tmp_path):
    """The log's public key pinned in the inventory: an attacker who deletes log.key and runs
    init gets a new key, whose checkpoints (and the re-signed old ones) do not count."""
    busy_day(log)
    pinned = (log.config.keys_dir / "log.pub").read_text().strip()
    for name in ("log.key", "log.pub"):
        (log.config.keys_dir / name).unlink()
    config = dataclasses.replace(log.config, checkpoint_key=pinned)
    rogue = AccessLog(config, clock=log.clock)
    rogue.init()  # a new log key
    approved_visit(log)  # the next decision's checkpoint is signed with it
    found = problems(rogue)
    assert found and all("is not signed by this log's key" in f for f in found), found


def test_a_copy_kept_elsewhere_still_tells_when_the_first_is_deleted(log, tmp_path):
    """Checkpoints in two directories (the site repository and a second host's copy): the
    attacker who empties one does not empty the other."""
    second = tmp_path / "second-host"
    config = dataclasses.replace(log.config, checkpoint_dirs=(*log.config.checkpoint_dirs, second))
    both = AccessLog(config, clock=log.clock)
    both.pw = log.pw
    busy_day(both, entries=10)
    head = both.store.head()[0]
    for f in log.config.checkpoint_dirs[0].glob("*.json"):
        f.unlink()
    cut_tail(both, head - 4)
    assert any(f"records after #{head - 4} are missing" in f for f in problems(both))


def test_checkpoint_settings_are_checked(tmp_path):
    from lpse.errors import InputError

    base = {**PEOPLE, "access_log_database": str(tmp_path / "a.db")}
    with pytest.raises(InputError, match="access_log_checkpoint_dirs must be a list of absolute"):
        from_vars({**base, "access_log_checkpoint_dirs": ["relative/dir"]})
    with pytest.raises(InputError, match="access_log_checkpoint_key must be the log's public key"):
        from_vars({**base, "access_log_checkpoint_key": "not-a-key"})


def test_a_checkpoint_that_cannot_be_written_says_the_decision_stands(log, tmp_path):
    """A full or missing checkpoint disk: the decision is already in the chain (signed); the
    approver is told so, and what to run once the disk is mended, never a traceback."""
    from lpse.errors import LpseError

    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    log.config = dataclasses.replace(log.config, checkpoint_dirs=(blocked / "checkpoints",))
    visit = log.request("satpam", VISITOR).visit
    with pytest.raises(LpseError) as info:
        log.decide(visit, "kepala", True, log.pw["kepala"])
    assert f"visit {visit}: the decision is recorded and signed (#2), but checkpoint #2 could not be written" in str(
        info.value
    )
    assert "run `lpse access checkpoint` once that is mended" in str(info.value)
    assert log.show(visit)[0].approved and not list(tmp_path.glob("**/.*.tmp"))
