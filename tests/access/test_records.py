"""One bad record cannot break the log: every kind is checked against its schema before it is
appended (lpse/access/schema.py), and a malformed record already stored is set aside by every
reader and named by audit."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from lpse.access import schema
from lpse.access.cli import access
from lpse.access.store import Draft
from lpse.cli import main
from lpse.errors import InputError

from .conftest import approved_visit, write_inventory


def request_line(data: dict) -> str:
    return json.dumps(
        {"kind": "request", "visit": "V-900001", "at": "2026-11-01T02:00:00Z", "actor": "buku-tamu", "data": data}
    )


def test_an_import_of_a_request_without_its_fields_is_refused_naming_line_and_field(log, tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text(request_line({"visitor": {}}) + "\n")
    head = log.store.head()
    with pytest.raises(InputError) as refused:
        log.import_records(path, "satpam")
    assert str(refused.value).startswith(f"{path}:1: not a valid request record: ")
    assert "'purpose' is a required property" in str(refused.value) or "visitor" in str(refused.value)
    assert log.store.head() == head  # nothing appended


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("request", {}, "data"),
        ("decision", {"decision": "maybe", "valid_from": "x", "valid_until": "y"}, "decision"),
        ("checkin", {"badge": "T 01; DROP TABLE"}, "badge"),
        ("checkout", {"equipment_out": "laptop"}, "equipment_out"),
        ("door", {"door": "ruang-server", "badge": "T-01", "event": "open\n"}, "event"),
    ],
)
def test_every_writer_is_refused_a_malformed_record(log, kind, data, field):
    head = log.store.head()
    with pytest.raises(InputError, match=f"malformed {kind} record: {field}"):
        log.store.append(lambda tx: Draft(kind, "V-000001" if kind != "door" else None, "satpam", data))
    assert log.store.head() == head


def test_every_record_the_log_writes_matches_its_schema(log):
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    log.checkout(visit, "satpam", ["laptop:LN-4471"], note="disk ditinggal untuk garansi")
    for r in log.store.records():
        assert schema.problem(r.kind, r.data) is None, (r.kind, r.data)


def test_a_malformed_record_already_stored_breaks_no_reader_and_audit_names_it(log, tmp_path, monkeypatch):
    """A record that entered before appends were checked: list, show, export and audit go on; audit
    (and so LPSE-21.4-ACC-01) names it."""
    visit = approved_visit(log)
    monkeypatch.setattr(schema, "problem", lambda kind, data: None)  # the log as it was before
    bad = log.store.append(lambda tx: Draft("request", "V-900001", "buku-tamu", {"imported": True}))[0]
    monkeypatch.undo()

    assert set(log.visits()) == {visit}
    now = log.clock()
    findings = log.audit(now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    assert [(f.rule, f.seq) for f in findings] == [("record", bad.seq)]
    assert "is not a valid request record" in findings[0].message

    inv = write_inventory(tmp_path)  # the log fixture's database and keys (make_config(tmp_path))
    for args in (["list"], ["export", "--month", now.astimezone(log.config.tz).strftime("%Y-%m")], ["audit"]):
        result = CliRunner().invoke(access, [*args, "-i", str(inv)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
    result = CliRunner().invoke(access, ["show", "V-900001", "-i", str(inv)])
    assert not isinstance(result.exception, KeyError), repr(result.exception)


def test_a_door_export_saved_by_excel_with_a_bom_is_read(log, tmp_path):
    path = tmp_path / "doors.csv"
    path.write_text("\ufefftime,door,badge,event\n2026-11-01 08:00,ruang-server,T-01,open\n", encoding="utf-8")
    assert log.import_doors(path, "satpam") == (1, 0)


@pytest.mark.parametrize("stamp", ["0001-01-01 00:00", "9999-12-31 23:59"])
def test_a_door_event_from_a_clock_never_set_is_refused_naming_its_line(log, tmp_path, stamp):
    path = tmp_path / "doors.csv"
    path.write_text(f"time,door,badge,event\n{stamp},ruang-server,T-01,open\n")
    with pytest.raises(InputError, match=r"line 2: .*between the years 2000 and 2100"):
        log.import_doors(path, "satpam")


def test_importing_a_directory_is_a_clear_error(log, tmp_path):
    with pytest.raises(InputError, match="cannot be read: Is a directory"):
        log.import_records(tmp_path, "satpam")


def test_the_csv_export_never_hands_a_spreadsheet_a_formula(log, tmp_path):
    """A visitor named =HYPERLINK(...) (CSV injection): every such cell starts with an apostrophe."""
    import csv
    import io

    from .conftest import VISITOR

    hostile = {**VISITOR, "name": '=HYPERLINK("http://evil.example","klik")', "purpose": "@SUM(1+1)"}
    log.request("satpam", {**hostile, "institution": "+62 PT Data", "escort": "-Asep"})
    inv = write_inventory(tmp_path)  # the log fixture's database and keys (make_config(tmp_path))
    month = log.clock().astimezone(log.config.tz).strftime("%Y-%m")  # the site's month
    result = CliRunner().invoke(access, ["export", "--month", month, "--format", "csv", "-i", str(inv)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    cells = [c for row in rows[1:] for c in row]
    assert '\'=HYPERLINK("http://evil.example","klik")' in cells and "'@SUM(1+1)" in cells
    assert "'+62 PT Data" in cells and "'-Asep" not in cells  # the escort is not exported
    assert not any(c[:1] in "=+-@" for c in cells if c), cells


def test_the_database_is_readable_by_its_owner_only(log, tmp_path):
    """Visitors' identity numbers: the SQLite file and its journal are 0600 (0644 before), and
    `lpse access init` tightens a file that was left open."""
    from .conftest import approved_visit as visit_of

    visit_of(log)
    db = Path(log.config.database)
    files = [db, db.with_name(db.name + "-wal")]
    assert all(f.exists() and f.stat().st_mode & 0o777 == 0o600 for f in files), [oct(f.stat().st_mode) for f in files]
    db.chmod(0o644)
    log.init()
    assert db.stat().st_mode & 0o777 == 0o600


def test_a_missing_chain_head_row_is_named_never_a_traceback(log):
    import sqlite3

    from lpse.errors import LpseError

    approved_visit(log)
    with sqlite3.connect(log.config.database) as conn:
        conn.execute("DELETE FROM chain_head")
    result = log.verify()
    assert [p.what for p in result.problems] == ["the chain head row is missing: the database was altered"]
    for write in (lambda: approved_visit(log), log.store.head):
        with pytest.raises(LpseError, match="the chain head row is missing"):
            write()


# --- a full disk ----------------------------------------------------------------------------------


@pytest.fixture
def fill_disk(monkeypatch):
    """Calling it makes every SQLite connection opened from then on unable to grow the database
    file: SQLite answers exactly as on a full disk (SQLITE_FULL, "database or disk is full")."""
    from lpse.access import store

    real = store._sqlite_setup

    def capped(engine):
        real(engine)

        @sa.event.listens_for(engine, "connect")
        def _cap(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            (pages,) = cur.execute("PRAGMA page_count").fetchone()
            cur.execute(f"PRAGMA max_page_count = {pages}")
            cur.close()

    return lambda: monkeypatch.setattr(store, "_sqlite_setup", capped)


def filler(n: int) -> list[Draft]:
    return [Draft("audit", None, "satpam", {"action": "login", "address": f"10.0.0.{i % 250}"}) for i in range(n)]


def test_a_full_disk_is_named_and_loses_nothing(log, fill_disk):
    from lpse.access.service import AccessLog
    from lpse.access.store import StoreUnavailable
    from lpse.access.web import create_app

    visit = approved_visit(log)
    log.store.close()
    fill_disk()
    full = AccessLog(log.config, clock=log.clock)
    with pytest.raises(StoreUnavailable, match=r"the disk is full \(database or disk is full\): nothing was recorded"):
        for _ in range(500):  # a batch that finds no room is refused whole ...
            before = full.store.head()
            full.store.append(lambda tx: filler(20))
    assert full.store.head() == before
    with pytest.raises(StoreUnavailable):
        for _ in range(500):  # ... and single records fill the last free bytes
            full.store.append(lambda tx: filler(1))
    head = full.store.head()
    with pytest.raises(StoreUnavailable):
        full.checkin(visit, "satpam", "T-07")
    assert full.store.head() == head and full.verify().ok  # nothing half-written, nothing lost
    # the web login says why (503), not a bare 500
    client = create_app(full, secret_key="x").test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"user": "satpam", "password": log.pw["satpam"], "csrf_token": token})
    assert resp.status_code == 503 and "the disk is full" in resp.get_data(as_text=True)
    full.store.close()


def test_a_full_disk_at_the_command_line_is_one_line_not_a_traceback(tmp_path, fill_disk):
    from lpse.access.service import AccessLog

    from .conftest import chosen_passwords, make_config

    inv = write_inventory(tmp_path)
    log = AccessLog(make_config(tmp_path))
    log.init()
    password = chosen_passwords(log)["satpam"]
    log.store.append(lambda tx: filler(1))
    log.store.close()
    fill_disk()
    feed = tmp_path / "doors.csv"
    feed.write_text(
        "time,door,badge,event\n" + "".join(f"2026-11-20 08:{n % 60:02d},ruang-server,B{n},open\n" for n in range(3000))
    )
    result = CliRunner().invoke(
        main,
        ["access", "import", str(feed), "--doors", "--as", "satpam", "-i", str(inv)],
        env={"LPSE_ACCESS_PASSWORD": password, "LPSE_LANG": "en"},
    )
    assert result.exit_code == 1 and "the disk is full" in result.output, result.output
    assert "Traceback" not in result.output
