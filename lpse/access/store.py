"""The access log's store: one append-only chain of records in SQLite or PostgreSQL.

Writers are serialised on the chain head (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the head
row ``FOR UPDATE``), and the rules are evaluated inside that same transaction, so a check-in
is decided on the state it is appended to. A transaction that dies (a killed process) leaves
nothing behind: the chain is the committed records only. The schema is managed by Alembic
(``lpse/access/migrations``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from lpse.access import chain, schema
from lpse.access.desk import KINDS as GUARD_KINDS
from lpse.errors import InputError, LpseError

metadata = sa.MetaData()
records = sa.Table(
    "records",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("visit", sa.String(32)),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)
chain_head = sa.Table(
    "chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("username", sa.String(32), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("created", sa.String(20), nullable=False),
)
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(32), nullable=False),
    sa.Column("created", sa.String(20), nullable=False),
    sa.Column("seen", sa.String(20), nullable=False),
)
# The schema this code reads and writes (lpse/access/migrations/versions).
REVISION = "0002"


@dataclass
class Draft:
    """What a builder returns: the record to append (seq, hash and time are the store's)."""

    kind: str
    visit: str | None
    actor: str
    data: dict[str, Any]
    at: dt.datetime | None = None


class Tx:
    """Read access inside a write transaction (the chain head is locked)."""

    def __init__(self, conn: Connection, seq: int) -> None:
        self.conn = conn
        self.next_seq = seq + 1

    def visit_records(self, visit: str) -> list[chain.Record]:
        """What the rules need of a visit: its request and decision and its latest entry or
        exit (not every entry: a long visit's history would make each check-in slower)."""
        latest = (
            sa.select(sa.func.max(records.c.seq))
            .where(records.c.visit == visit, records.c.kind.in_(("checkin", "checkout")))
            .scalar_subquery()
        )
        rows = self.conn.execute(
            sa.select(records.c.body, records.c.hash)
            .where(
                records.c.visit == visit,
                sa.or_(records.c.kind.in_(("request", "decision")), records.c.seq == latest),
            )
            .order_by(records.c.seq)
        )
        return [chain.Record.from_body(_raw(b), _raw(h)) for b, h in rows]

    def count(self, visit: str, kind: str) -> int:
        """How many ``kind`` records the visit has (through its index: a handful of rows)."""
        query = sa.select(sa.func.count()).where(records.c.visit == visit, records.c.kind == kind)
        return int(self.conn.execute(query).scalar_one())


@dataclass
class Problem:
    seq: int
    what: str

    def __str__(self) -> str:
        return f"record {self.seq}: {self.what}"


@dataclass
class Verification:
    records: int = 0
    decisions: int = 0
    head_seq: int = 0
    head_hash: str = ""
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    checkpoints: int = 0  # signed checkpoints the log was checked against
    # Signatures through this record were checked by an earlier verify (a signed, attested
    # checkpoint whose record this chain still holds): only those after it are checked again.
    trusted_through: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "records": self.records,
            "decisions": self.decisions,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "problems": [{"seq": p.seq, "problem": p.what} for p in self.problems],
            "seconds": round(self.seconds, 3),
            "checkpoints": self.checkpoints,
            "signatures_trusted_through": self.trusted_through,
        }


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA journal_mode = WAL")
        # FULL: a committed record survives a power cut, not only a crashed process.
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("lpse_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


HEAD_MISSING = (
    "access log database {url}: the chain head row is missing (the database was altered): "
    "restore it from its backup; `lpse access verify` names what it can"
)

# Checks a decision record, given its request when the walk saw it (else None): a problem or None.
DecisionCheck = Callable[[chain.Record, chain.Record | None], str | None]
# Checks a guard record (check-in, check-out, door event): a problem or None.
GuardCheck = Callable[[chain.Record], str | None]


@dataclass(frozen=True)
class Checks:
    """What ``verify`` checks beyond the hashes, and from where: decisions after
    ``decisions_after`` go to ``decision``, guard records after ``guards_after`` to ``guard``
    (those before were checked by an earlier, attested verify, or predate the desk's key)."""

    decision: DecisionCheck | None = None
    guard: GuardCheck | None = None
    decisions_after: int = 0
    guards_after: int = 0


class SchemaOutdated(LpseError):
    """The database holds an access log of another schema revision: readable after `lpse access
    init` upgrades it (nothing is known about its records until then)."""


class StoreUnavailable(LpseError):
    """The database could not do what was asked (disk full, gone, locked, refused): nothing was
    written. The message names the database and the cause, and what to do."""


def _driver_errors() -> tuple[type[BaseException], ...]:
    """What the drivers raise where the store uses their cursors directly (the append path)."""
    import sqlite3

    found: list[type[BaseException]] = [sa.exc.DBAPIError, sqlite3.Error]
    try:
        import psycopg

        found.append(psycopg.Error)
    except ImportError:  # SQLite only here
        pass
    return tuple(found)


@contextlib.contextmanager
def _writing(url: str) -> Iterator[None]:
    """A write the database refuses (disk full, read-only, gone) becomes ``StoreUnavailable``; the
    transaction is rolled back, so nothing of it is written."""
    try:
        yield
    except _driver_errors() as exc:
        raise _unavailable(url, exc) from None


def _unavailable(url: str, exc: BaseException) -> StoreUnavailable:
    text = str(getattr(exc, "orig", None) or exc).strip()
    cause = text.splitlines()[0] if text else exc.__class__.__name__
    if "full" in cause.lower() or "no space" in cause.lower():
        return StoreUnavailable(
            f"access log database {url}: the disk is full ({cause}): nothing was recorded. Free space "
            "where the database lives, then repeat what was refused; every record before it is intact"
        )
    return StoreUnavailable(f"access log database {url}: {cause}: nothing was recorded")


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = url.split(":", 1)[0].split("+", 1)[0]
        if self.dialect == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(url)
            _sqlite_setup(self.engine)
        else:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            self.engine = sa.create_engine(url, pool_pre_ping=True)
        self._migrated = False
        # The append path runs on the driver's cursor: SQLAlchemy's statement machinery cost
        # more than the commit itself (bench/access.py).
        mark = "?" if self.dialect == "sqlite" else "%s"
        lock = "" if self.dialect == "sqlite" else " FOR UPDATE"
        self._sql = {
            "head": f"SELECT seq, hash FROM chain_head WHERE id = 1{lock}",
            "insert": f"INSERT INTO records (seq, kind, visit, body, hash) VALUES ({', '.join([mark] * 5)})",
            "set_head": f"UPDATE chain_head SET seq = {mark}, hash = {mark} WHERE id = 1",
        }

    def close(self) -> None:
        self.engine.dispose()

    # --- schema -------------------------------------------------------------------------

    def migrate(self) -> str:
        """Bring the schema to the newest revision; returns it."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext

        if self.dialect == "sqlite":
            self._private_file()
        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        try:
            with self.engine.connect().execution_options(lpse_write=True) as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
                rev = MigrationContext.configure(conn).get_current_revision()
        except sa.exc.OperationalError as exc:
            raise LpseError(f"access log database {self.url}: {exc.orig}") from None
        self._migrated = True
        return rev or ""

    def _private_file(self) -> None:
        """The SQLite file (visitors' identity numbers) readable by its owner only: created 0600
        before SQLite creates it (its -wal and -shm files take the same mode), tightened if it
        exists."""
        import os

        path = Path(self.url.removeprefix("sqlite:///"))
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if each.exists() and each.stat().st_mode & 0o077:
                each.chmod(0o600)

    def ensure(self) -> None:
        """Fail clearly when the schema is missing or old (never create it implicitly)."""
        if self._migrated:
            return
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as conn:
                rev = MigrationContext.configure(conn).get_current_revision()
        except sa.exc.OperationalError as exc:
            raise LpseError(f"access log database {self.url}: {exc.orig}") from None
        if rev is None:
            raise LpseError(f"access log database {self.url} is not initialised (run `lpse access init`)")
        if rev != REVISION:
            raise SchemaOutdated(
                f"access log database {self.url} has schema {rev}, this lpse needs {REVISION}: "
                "run `lpse access init` (it upgrades in place and keeps every record)"
            )
        self._migrated = True

    # --- writing ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (SQLite: ``BEGIN IMMEDIATE``). A write the database refuses (a
        full disk) raises ``StoreUnavailable``; the transaction is rolled back, nothing written."""
        self.ensure()
        with _writing(self.url), self.engine.connect().execution_options(lpse_write=True) as conn, conn.begin():
            yield conn

    def append(self, build: Callable[[Tx], Draft | list[Draft]], now: dt.datetime | None = None) -> list[chain.Record]:
        """Lock the head, let ``build`` decide on the current state, append what it returns."""
        with self._write() as conn:
            head = conn.exec_driver_sql(self._sql["head"]).one_or_none()
            if head is None:
                raise LpseError(HEAD_MISSING.format(url=self.url))
            seq, prev = int(head.seq), bytes(head.hash)
            drafts = build(Tx(conn, seq))
            drafts = drafts if isinstance(drafts, list) else [drafts]
            out, rows = [], []
            stamp = chain.utc_text(now or dt.datetime.now(dt.UTC))
            for d in drafts:
                if d.kind not in chain.KINDS:
                    raise ValueError(f"unknown record kind {d.kind!r}")
                trouble = schema.problem(d.kind, d.data)
                if trouble:  # nothing of this append is written
                    raise InputError(f"refused to append a malformed {trouble}")
                seq += 1
                at = chain.utc_text(d.at) if d.at else stamp
                raw = chain.body(seq, d.kind, d.visit, at, d.actor, d.data)
                prev = chain.link(prev, raw)
                rows.append((seq, d.kind, d.visit, raw, prev))
                out.append(chain.Record(seq, d.kind, d.visit, at, d.actor, d.data, prev))
            if rows:
                cur = conn.connection.driver_connection.cursor()
                cur.executemany(self._sql["insert"], rows)
                cur.execute(self._sql["set_head"], (seq, prev))
                cur.close()
        return out

    # --- reading ------------------------------------------------------------------------

    def records(
        self, visit: str | None = None, kinds: tuple[str, ...] = (), last: int | None = None
    ) -> list[chain.Record]:
        """Records in chain order; ``last``: only the newest that many."""
        self.ensure()
        query = sa.select(records.c.body, records.c.hash)
        query = query.order_by(records.c.seq.desc()).limit(last) if last else query.order_by(records.c.seq)
        # A visit has a handful of records, found through its index (visit, seq); its kinds are
        # picked here. With `kind IN (...)` in the query, SQLite's planner walked records_kind
        # over every record of those kinds instead (a verify looked up each decision's request:
        # 252 ms each at 100k records, against 0.05 ms through records_visit).
        by_visit = visit is not None and not last
        if visit is not None:
            query = query.where(records.c.visit == visit)
        if kinds and not by_visit:
            query = query.where(records.c.kind.in_(kinds))
        with self.engine.connect() as conn:
            found = [chain.Record.from_body(_raw(b), _raw(h)) for b, h in conn.execute(query)]
        if kinds and by_visit:
            found = [r for r in found if r.kind in kinds]
        return found[::-1] if last else found

    def hash_at(self, seq: int) -> str | None:
        """The stored hash of record ``seq`` (hex), None if there is no such record."""
        self.ensure()
        with self.engine.connect() as conn:
            raw = conn.execute(sa.select(records.c.hash).where(records.c.seq == seq)).scalar_one_or_none()
        return _raw(raw).hex() if raw is not None else None

    def head(self) -> tuple[int, str]:
        self.ensure()
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(chain_head.c.seq, chain_head.c.hash)).one_or_none()
        if row is None:
            raise LpseError(HEAD_MISSING.format(url=self.url))
        return int(row.seq), bytes(row.hash).hex()

    # --- accounts (not part of the chain: a password change is not an event to keep) ---

    def account(self, username: str) -> str | None:
        self.ensure()
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(accounts.c.password_hash).where(accounts.c.username == username)
            ).scalar_one_or_none()

    def set_account(self, username: str, password_hash: str) -> None:
        stamp = chain.utc_text(dt.datetime.now(dt.UTC))
        with self._write() as conn:
            done = conn.execute(
                accounts.update().where(accounts.c.username == username).values(password_hash=password_hash)
            ).rowcount
            if not done:
                conn.execute(accounts.insert().values(username=username, password_hash=password_hash, created=stamp))

    # --- web sessions (not part of the chain; logins and logouts are audit records) --------

    def session_open(self, username: str, now: dt.datetime) -> str:
        """A new session; returns its token (only its SHA-256 is stored)."""
        import secrets

        token = secrets.token_urlsafe(32)
        stamp = chain.utc_text(now)
        with self._write() as conn:
            conn.execute(
                web_sessions.insert().values(id=_token_id(token), username=username, created=stamp, seen=stamp)
            )
        return token

    def session_user(self, token: str, now: dt.datetime, idle: dt.timedelta, longest: dt.timedelta) -> str | None:
        """Whose session ``token`` is, or None (unknown, ended, idle too long or too old: then
        removed). Its last use is written at most once a minute."""
        self.ensure()
        key = _token_id(token)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(web_sessions).where(web_sessions.c.id == key)).one_or_none()
        if row is None:
            return None
        if now - chain.parse_utc(row.seen) > idle or now - chain.parse_utc(row.created) > longest:
            self.session_close(token)
            return None
        if now - chain.parse_utc(row.seen) > dt.timedelta(minutes=1):
            with self._write() as conn:
                conn.execute(web_sessions.update().where(web_sessions.c.id == key).values(seen=chain.utc_text(now)))
        return str(row.username)

    def session_close(self, token: str) -> None:
        with self._write() as conn:
            conn.execute(web_sessions.delete().where(web_sessions.c.id == _token_id(token)))

    def sessions_close(self, username: str) -> int:
        """End every session of ``username`` (a password change, an account removed)."""
        with self._write() as conn:
            return conn.execute(web_sessions.delete().where(web_sessions.c.username == username)).rowcount

    # --- verification -------------------------------------------------------------------

    def verify(self, checks: Checks | None = None, processes: int | None = None) -> Verification:
        """Walk the whole chain; every problem names its record. Streams: constant memory.

        Each record's hash is checked against the stored hash of the record before it, so the
        chain splits into ranges that are checked independently: a long chain is checked by one
        forked process per CPU (up to four), each over its own range and connection. A threaded
        caller (the web app) passes ``processes=1``: it must not fork. Records before ``checks``'
        starting points are hashed like every record but not given to its checkers."""
        import time

        self.ensure()
        started = time.perf_counter()
        result = Verification()
        with self.engine.connect() as conn:
            # One statement, one snapshot: the head, the table's end and the head record's hash.
            head_seq, head_hash, last_seq, last_hash = conn.execute(
                sa.text(
                    "SELECT h.seq, h.hash, (SELECT max(seq) FROM records),"
                    " (SELECT r.hash FROM records r WHERE r.seq = h.seq) FROM chain_head h"
                )
            ).one_or_none() or (None, None, None, None)
        if head_seq is None:  # the row was deleted: walk the records to their end, and say so
            with self.engine.connect() as conn:
                last_seq, last_hash = conn.execute(
                    sa.text("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1")
                ).one_or_none() or (0, None)
            head_seq, head_hash = last_seq, _raw(last_hash) if last_hash is not None else chain.GENESIS
            result.problems.append(Problem(int(head_seq), "the chain head row is missing: the database was altered"))
        head_seq, head_hash = int(head_seq), bytes(head_hash)
        ranges = _ranges(head_seq, processes or verify_processes(head_seq))
        parts = _run_ranges(self, ranges, checks or Checks())
        for part in parts:
            result.records += part.records
            result.decisions += part.decisions
            result.problems.extend(part.problems)
        result.head_seq, result.head_hash = head_seq, head_hash.hex()
        last = int(last_seq or 0)
        head_record_hash = _raw(last_hash) if last_hash is not None else None
        if last != head_seq or (head_seq and head_record_hash != head_hash):
            result.problems.append(
                Problem(
                    head_seq,
                    f"the chain head says {head_seq} records ending in {head_hash.hex()[:16]}…, "
                    f"the table ends at record {last}: records were removed from or added at the end",
                )
            )
        result.seconds = time.perf_counter() - started
        return result

    def verify_range(self, lo: int, hi: int, checks: Checks | None = None) -> Verification:
        """Check records lo..hi against the stored hash of the record before lo."""
        result = Verification()
        checks = checks or Checks()
        check_decision, decisions_after = checks.decision, checks.decisions_after
        check_guard, guards_after = checks.guard, checks.guards_after
        # The loop is the hot path of a million-record verify (bench/access.py): the record
        # prefix is cached per (kind, visit) and hashing is inlined.
        sha256, count = hashlib.sha256, 0
        heads: dict[tuple[str, str | None], bytes] = {}
        requests: dict[str | None, tuple[bytes, bytes]] = {}
        skip_link = False
        with self.engine.connect() as conn:
            raw_conn = conn.connection.driver_connection
            cur = raw_conn.cursor()
            ph = "?" if self.dialect == "sqlite" else "%s"
            cur.execute(f"SELECT seq, hash FROM records WHERE seq < {ph} ORDER BY seq DESC LIMIT 1", (lo,))
            before = cur.fetchone()
            prev, expected = (_raw(before[1]), int(before[0]) + 1) if before else (chain.GENESIS, 1)
            cur.close()
            cur = raw_conn.cursor() if self.dialect == "sqlite" else raw_conn.cursor(name="lpse_verify")
            cur.execute(
                f"SELECT seq, kind, visit, body, hash FROM records WHERE seq >= {ph} AND seq <= {ph} ORDER BY seq",
                (lo, hi),
            )
            while True:
                batch = cur.fetchmany(20000)
                if not batch:
                    break
                count += len(batch)
                for seq, kind, visit, body, digest in batch:
                    if type(body) is not bytes or type(digest) is not bytes:
                        body, digest = _raw(body), _raw(digest)
                    if seq != expected:
                        gap = f"{expected}" if seq == expected + 1 else f"{expected}-{seq - 1}"
                        result.problems.append(Problem(expected, f"missing: record(s) {gap} were deleted"))
                        skip_link = True
                    expected = seq + 1
                    rest = heads.get((kind, visit))
                    if rest is None:
                        rest = heads[(kind, visit)] = chain.prefix(0, kind, visit).split(b",", 1)[1]
                    if not body.startswith(b'{"seq":%d,%b' % (seq, rest)):
                        result.problems.append(Problem(seq, _misplaced(body, seq)))
                    elif not skip_link and sha256(prev + body).digest() != digest:
                        result.problems.append(
                            Problem(seq, "its content does not match its hash: edited, or inserted here")
                        )
                    elif kind == "decision":
                        result.decisions += 1
                        if check_decision and seq > decisions_after:
                            request = requests.pop(visit, None)
                            trouble = check_decision(
                                chain.Record.from_body(body, digest),
                                chain.Record.from_body(*request) if request else None,
                            )
                            if trouble:
                                result.problems.append(Problem(seq, trouble))
                    elif kind == "request" and check_decision and seq > decisions_after:
                        # its decision follows soon: kept until then (a decision in another range
                        # looks its request up through the visit index)
                        requests.setdefault(visit, (body, digest))
                    elif check_guard and seq > guards_after and kind in GUARD_KINDS:
                        trouble = check_guard(chain.Record.from_body(body, digest))
                        if trouble:
                            result.problems.append(Problem(seq, trouble))
                    skip_link = False
                    prev = digest
            cur.close()
        result.records = count
        return result


# Below this many records a verify stays in one process (forking costs more than it saves).
PARALLEL_FROM = 100_000


def verify_processes(records: int) -> int:
    import multiprocessing
    import os

    if records < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(4, len(os.sched_getaffinity(0))))


def _ranges(last: int, parts: int) -> list[tuple[int, int]]:
    if last <= 0:
        return []
    step = -(-last // parts)
    return [(lo, min(lo + step - 1, last)) for lo in range(1, last + 1, step)]


def _run_ranges(store: Store, ranges: list[tuple[int, int]], checks: Checks) -> list[Verification]:
    """Verify the first range here and each other range in a forked child (fork: the child
    inherits the checkers as they are; it opens its own database connection)."""
    import multiprocessing

    if len(ranges) <= 1:
        return [store.verify_range(lo, hi, checks) for lo, hi in ranges]
    ctx = multiprocessing.get_context("fork")
    children = []
    for lo, hi in ranges[1:]:
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_verify_child, args=(store, lo, hi, checks, send), daemon=True)
        child.start()
        send.close()
        children.append((child, receive, lo, hi))
    parts = [store.verify_range(*ranges[0], checks)]
    for child, receive, lo, hi in children:
        try:
            status, value = receive.recv()
        except EOFError:
            status, value = "error", f"the process checking records {lo}-{hi} died (exit code {child.exitcode})"
        child.join()
        if status != "ok":
            raise LpseError(f"verify: {value}")
        parts.append(value)
    return parts


def _verify_child(store: Store, lo: int, hi: int, checks: Checks, send) -> None:
    try:
        store.engine.dispose(close=False)  # never touch the parent's pooled connections
        send.send(("ok", store.verify_range(lo, hi, checks)))
    except Exception as exc:  # reported by the parent, which raises it
        send.send(("error", f"records {lo}-{hi}: {exc}"))
    finally:
        send.close()


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _raw(value: object) -> bytes:
    """A column's bytes, whatever a hand edit stored there (SQLite turns a replace() into text)."""
    if isinstance(value, str):
        return value.encode()
    return bytes(value)  # type: ignore[arg-type]


def _misplaced(body: bytes, seq: int) -> str:
    import json

    try:
        claimed = json.loads(body).get("seq")
    except (ValueError, AttributeError):
        return "its content is not a record (edited)"
    if claimed != seq:
        return f"holds record {claimed}'s content: records were reordered"
    return "its kind or visit column differs from its hashed content (edited)"
