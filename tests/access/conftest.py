"""Fixtures of the access-log tests: a fresh log per test (SQLite in tmp_path), a clock the test
can move, and a real PostgreSQL server (Debian's, started as the postgres user on a private
socket) for the tests that must also hold on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from lpse.access.config import AccessConfig, from_vars
from lpse.access.service import AccessLog

PEOPLE = {
    "access_log_approvers": [
        {"user": "kepala", "name": "Dra. Siti Rahayu", "title": "Kepala LPSE", "id_number": "197103121996032004"},
        {
            "user": "sekretaris",
            "name": "Ir. Dadang Suhendar",
            "title": "Sekretaris LPSE",
            "id_number": "197505052000031003",
        },
    ],
    "access_log_guards": [{"user": "satpam", "name": "Asep Saepudin"}, {"user": "jaga2", "name": "Ujang"}],
    "access_log_doors": ["ruang-server"],
    # the writer races check in one visit hundreds of times
    "access_log_max_entries": 1000,
}
VISITOR = {
    "name": "Budi Santoso",
    "id_type": "ktp",
    "id_number": "3204120101800001",
    "institution": "PT Data Prima",
    "purpose": "Mengganti disk server basis data",
    "start": "now",
    "end": "+3h",
    "escort": "Asep Saepudin",
    "equipment": ["laptop:LN-4471", "disk:WD-99812"],
}


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def make_config(base: Path, database: str | None = None) -> AccessConfig:
    return from_vars(
        {
            **PEOPLE,
            "access_log_database": database or str(base / "access.db"),
            "access_log_keys_dir": str(base / "keys"),
        },
        "test",
    )


def write_inventory(base: Path, database: str | None = None, **extra) -> Path:
    """An inventory with only the control node's access_log_* settings (for the CLI)."""
    inv = base / "hosts.yml"
    variables = {
        **PEOPLE,
        "access_log_database": database or str(base / "access.db"),
        "access_log_keys_dir": str(base / "keys"),
        **extra,
    }
    inv.write_text(yaml.safe_dump({"all": {"vars": variables}}))
    return inv


def passwords(config: AccessConfig) -> dict[str, str]:
    folder = config.keys_dir / "initial-passwords"
    return {p.name: p.read_text().strip() for p in folder.iterdir()}


def chosen_passwords(log: AccessLog) -> dict[str, str]:
    """What every user does first: trade the generated password (nothing is signed or recorded
    with it) for one of their own; the plain-text first password is then gone."""
    chosen = {}
    for user, initial in passwords(log.config).items():
        chosen[user] = f"{user}-sandi-sendiri"
        log.set_password(user, chosen[user], initial)
    return chosen


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def settled_log(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """One log initialised and with every user's chosen password, made once per test session
    (scrypt and key generation are most of a fresh log's cost); each test gets a copy of it."""
    base = tmp_path_factory.mktemp("settled-access-log")
    the_log = AccessLog(make_config(base))
    the_log.init()
    chosen = chosen_passwords(the_log)
    the_log.store.close()  # (SQLite folds its WAL into the file: the copy is whole)
    return base, chosen


@pytest.fixture
def log(tmp_path: Path, clock: Clock, settled_log) -> AccessLog:
    """A fresh log: the settled one copied into this test's directory (paths in the config, not
    in the files, so the copy is a log of its own)."""
    base, chosen = settled_log
    shutil.copytree(base, tmp_path, dirs_exist_ok=True)
    the_log = AccessLog(make_config(tmp_path), clock=clock)
    the_log.pw = chosen  # type: ignore[attr-defined]
    yield the_log
    the_log.store.close()


def approved_visit(log: AccessLog, entries: int = 1, **changes) -> str:
    rec = log.request("satpam", {**VISITOR, **changes})
    log.decide(rec.visit, "kepala", True, log.pw["kepala"], entries=entries)
    return rec.visit


# --- a real PostgreSQL ------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def pg_url():
    bindir = _pg_bin()
    if bindir is None or os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.fail("PostgreSQL server binaries (Debian's postgresql) and root are needed: make deps installs them")
    base = Path(tempfile.mkdtemp(prefix="lpse-access-pg-"))
    os.chmod(base, 0o755)
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    shutil.chown(base, "postgres")
    shutil.chown(sock, "postgres")

    def as_pg(*argv: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, capture_output=True, text=True)

    as_pg(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    port = "54391"
    as_pg(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(base / "log"),
        "-w",
        "-o",
        f"-c listen_addresses='' -k {sock} -p {port} -c fsync=on -c max_connections=50",
        "start",
    )
    try:
        as_pg(str(bindir / "createdb"), "-h", str(sock), "-p", port, "access")
        yield f"postgresql://postgres@/access?host={sock}&port={port}"
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_log(pg_url, tmp_path: Path, clock: Clock) -> AccessLog:
    import sqlalchemy as sa

    engine = sa.create_engine("postgresql+psycopg://" + pg_url.removeprefix("postgresql://"))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS records, chain_head, accounts, web_sessions, alembic_version")
    engine.dispose()
    the_log = AccessLog(make_config(tmp_path, pg_url), clock=clock)
    the_log.init()
    the_log.pw = chosen_passwords(the_log)  # type: ignore[attr-defined]
    yield the_log
    the_log.store.close()


def wait_for(predicate, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def signed_decision(log: AccessLog, request: dict, data: dict, approver: str = "kepala") -> dict:
    """``data`` of a decision on ``request`` (a line of an import) signed by ``approver`` as the
    log signs one (scheme v2: over the request's content), for history kept elsewhere."""
    from lpse.access import chain

    at = chain.utc_text(dt.datetime.fromisoformat(request["at"]))
    digest = chain.request_digest(request["visit"], at, request["actor"], request["data"])
    data = {**data, "scheme": "v2"}
    key = chain.load_private((log.config.keys_dir / f"{approver}.key").read_bytes(), log.pw[approver])
    data["signature"] = chain.sign(key, chain.decision_message_v2(request["visit"], digest, approver, data))
    return data
