"""Tamper evidence: a record edited, deleted, reordered or inserted straight in the database file
is caught by ``verify``, which names it; a forged signature too. Then the same on PostgreSQL,
concurrency on both, and a writer killed mid-transaction."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sqlite3
import time

import pytest

from lpse.access import chain, store
from lpse.access.service import AccessLog

from .conftest import approved_visit, make_config


def filled(log, visits: int = 3) -> list[str]:
    ids = []
    for _ in range(visits):
        v = approved_visit(log)
        log.checkin(v, "satpam", "T-07")
        log.checkout(v, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
        ids.append(v)
    assert log.verify().ok
    return ids  # 12 records: 1-4, 5-8, 9-12


def db(log) -> sqlite3.Connection:
    return sqlite3.connect(log.config.database, isolation_level=None)


def problems(log) -> list[tuple[int, str]]:
    result = log.verify()
    assert not result.ok
    return [(p.seq, p.what) for p in result.problems]


@pytest.fixture(params=["one process", "three ranges"])
def verify_mode(request, monkeypatch):
    """Every tamper case in one pass and split in ranges 1-4, 5-8, 9-12 (two forked children)."""
    if request.param == "three ranges":
        monkeypatch.setattr(store, "verify_processes", lambda records: 3)


split_too = pytest.mark.usefixtures("verify_mode")


@split_too
def test_edited_record_is_named(log):
    filled(log)
    with db(log) as conn:
        body = conn.execute("SELECT body FROM records WHERE seq = 7").fetchone()[0]
        conn.execute("UPDATE records SET body = ? WHERE seq = 7", (body.replace(b"T-07", b"T-99"),))
    assert problems(log) == [(7, "its content does not match its hash: edited, or inserted here")]


@split_too
def test_deleted_record_is_named(log):
    filled(log)
    with db(log) as conn:
        conn.execute("DELETE FROM records WHERE seq = 6")
    assert problems(log) == [(6, "missing: record(s) 6 were deleted")]


@split_too
def test_deleted_last_record_is_caught_by_the_head(log):
    filled(log)
    with db(log) as conn:
        conn.execute("DELETE FROM records WHERE seq = 12")
    [(seq, what)] = problems(log)
    assert seq == 12 and "removed from or added at the end" in what


@split_too
@pytest.mark.parametrize("seq", [4, 5])
def test_deleted_record_at_a_range_boundary_is_named(log, seq):
    filled(log)
    with db(log) as conn:
        conn.execute("DELETE FROM records WHERE seq = ?", (seq,))
    # record 5 is a request: its decision (6) is then reported too, after the gap
    assert problems(log)[0] == (seq, f"missing: record(s) {seq} were deleted")


@split_too
def test_records_appended_without_the_head_are_caught(log):
    filled(log)
    with db(log) as conn:
        prev = conn.execute("SELECT hash FROM records WHERE seq = 12").fetchone()[0]
        raw = chain.body(13, "checkin", "V-000001", "2026-01-01T00:00:00Z", "satpam", {"badge": "X"})
        conn.execute("INSERT INTO records VALUES (13, 'checkin', 'V-000001', ?, ?)", (raw, chain.link(prev, raw)))
    [(seq, what)] = problems(log)
    assert seq == 12 and "the table ends at record 13" in what


@split_too
def test_reordered_records_are_named(log):
    filled(log)
    with db(log) as conn:  # swap records 3 and 4 (their seq numbers)
        conn.execute("UPDATE records SET seq = -1 WHERE seq = 3")
        conn.execute("UPDATE records SET seq = 3 WHERE seq = 4")
        conn.execute("UPDATE records SET seq = 4 WHERE seq = -1")
    found = problems(log)
    assert (3, "holds record 4's content: records were reordered") in found
    assert (4, "holds record 3's content: records were reordered") in found


@split_too
def test_inserted_record_is_named(log):
    filled(log)
    with db(log) as conn:  # make room after 5 and slip in a check-in with a well-formed body
        for seq in range(12, 5, -1):
            conn.execute("UPDATE records SET seq = ? WHERE seq = ?", (seq + 1, seq))
        prev = conn.execute("SELECT hash FROM records WHERE seq = 5").fetchone()[0]
        raw = chain.body(6, "checkin", "V-000001", "2026-01-01T00:00:00Z", "satpam", {"badge": "X"})
        conn.execute("INSERT INTO records VALUES (6, 'checkin', 'V-000001', ?, ?)", (raw, chain.link(prev, raw)))
    found = problems(log)
    # the forged record links correctly to 5, so the break shows at the next one, whose hash
    # was made on another predecessor, and every record after it stands at the wrong place
    assert found[0] == (
        6,
        "checkin #6 of V-000001 carries no guard-desk signature: not made by the desk (written into the database)",
    ), found
    assert (7, "holds record 6's content: records were reordered") in found


@split_too
def test_edited_decision_fails_its_signature_even_with_the_chain_rebuilt(log):
    filled(log, 1)
    with db(log) as conn:
        rows = conn.execute("SELECT seq, kind, visit, body FROM records ORDER BY seq").fetchall()
        prev = chain.GENESIS
        for seq, _kind, _visit, body in rows:
            if seq == 2:  # stretch the approval by a year and rebuild every hash after it
                obj = json.loads(body)
                obj["data"]["valid_until"] = "2099-01-01T00:00:00Z"
                body = chain.body(seq, obj["kind"], obj["visit"], obj["at"], obj["actor"], obj["data"])
            prev = chain.link(prev, body)
            conn.execute("UPDATE records SET body = ?, hash = ? WHERE seq = ?", (body, prev, seq))
        conn.execute("UPDATE chain_head SET hash = ?", (prev,))
    found = problems(log)
    assert found[0] == (2, "the signature of kepala's decision on V-000001 is not valid (edited)")
    # and the checkpoint written with that decision saw another record #2
    assert [(seq, what.split(" saw")[0]) for seq, what in found[1:]] == [
        (2, f"record #2 is not the one the checkpoint of {chain.utc_text(log.clock())}")
    ]


# --- concurrency and crashes -------------------------------------------------------------------


def _writer(config, visit: str, rounds: int, password: str) -> None:
    log = AccessLog(config)
    for i in range(rounds):
        log.checkin(visit, "satpam", f"B-{i}")
        log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    log.store.close()


# Records each writer appends: `make access-test` (and `make test`) writes 1000, `make check`
# fewer ($LPSE_ACCESS_WRITES) to stay a fast loop; the race is the same at either size.
WRITES = int(os.environ.get("LPSE_ACCESS_WRITES") or 1000)


def _concurrent(log, processes: int = 10, per_process: int = WRITES) -> None:
    visits = [approved_visit(log, entries=per_process // 2, end="+10h") for _ in range(processes)]
    before = log.store.head()[0]
    ctx = mp.get_context("spawn")
    started = time.perf_counter()
    procs = [ctx.Process(target=_writer, args=(log.config, v, per_process // 2, "")) for v in visits]
    for p in procs:
        p.start()
    for p in procs:
        p.join(600)
    assert [p.exitcode for p in procs] == [0] * processes
    secs = time.perf_counter() - started
    result = log.verify()
    print(
        f"\n{processes} processes x {per_process} records on {log.store.dialect}: {secs:.1f} s, "
        f"{processes * per_process / secs:.0f} records/s; verify {result.seconds:.2f} s"
    )
    assert result.ok, result.problems[:5]
    assert result.records == before + processes * per_process
    for v in visits:  # each visitor's entries alternate in, out, in, out … and end outside
        visit = log.show(v)[0]
        assert len(visit.entries) == per_process // 2 and all(e.out_at for e in visit.entries)


def test_ten_writers_lose_nothing_on_sqlite(log):
    _concurrent(log)


def test_ten_writers_lose_nothing_on_postgresql(pg_log):
    _concurrent(pg_log)


def _big_batches(config) -> None:
    from lpse.access.store import Draft

    log = AccessLog(config)
    while True:  # as an import of door events does it: signed by the guard desk
        log.append_signed(
            lambda tx: [Draft("door", None, "x", {"door": "d", "badge": "b", "event": "open"}) for _ in range(5000)],
            log.clock(),
        )


def test_writer_killed_mid_write_leaves_a_log_that_verifies(tmp_path, log):
    filled(log, 1)
    ctx = mp.get_context("spawn")
    proc = ctx.Process(target=_big_batches, args=(make_config(tmp_path),))
    proc.start()
    deadline = time.monotonic() + 30
    while log.store.head()[0] < 4 + 10000 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.13)  # somewhere inside the next 5000-record transaction
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    result = log.verify()
    assert result.ok, result.problems
    assert (result.records - 4) % 5000 == 0 and result.records > 4
    approved_visit(log)  # and the log takes the next record
    assert log.verify().ok


@split_too
@pytest.mark.parametrize("kind", ["edit", "delete"])
def test_postgresql_tampering_is_named(pg_log, kind):
    filled(pg_log)
    with pg_log.store.engine.begin() as conn:
        if kind == "edit":
            conn.exec_driver_sql(
                "UPDATE records SET body = convert_to(replace(convert_from(body, 'UTF8'), 'T-07', 'T-99'), 'UTF8') "
                "WHERE seq = 3"
            )
        else:
            conn.exec_driver_sql("DELETE FROM records WHERE seq = 10")
    found = problems(pg_log)
    assert found == (
        [(3, "its content does not match its hash: edited, or inserted here")]
        if kind == "edit"
        else [(10, "missing: record(s) 10 were deleted")]
    )


def test_a_visits_records_are_found_through_the_visit_index(log):
    """verify looks each decision's request up by visit: through records_visit (a few rows), never
    through records_kind (every request of the log)."""
    import sqlalchemy as sa

    filled(log, 2)
    seen: list[tuple[str, tuple]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(log.store.engine, "before_cursor_execute", keep)
    try:
        found = log.store.records(visit="V-000001", kinds=("request",))
    finally:
        sa.event.remove(log.store.engine, "before_cursor_execute", keep)
    assert [r.kind for r in found] == ["request"]
    statement, parameters = seen[-1]
    with sqlite3.connect(log.config.database) as conn:
        plan = " ".join(str(row) for row in conn.execute("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "records_visit" in plan, plan
