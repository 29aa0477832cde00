"""Benchmark of the server-room access log -> bench/results/access.json.

- append rate: single records (each its own transaction, committed with synchronous=FULL), one
  process, SQLite: target >= 2,000 records/s; and a check-in or check-out with its rules;
- verify on the realistic mix (issue #19): every visit is a request, a decision signed by its
  approver, and a check-in and a check-out signed by the guard desk, so three records in four
  carry an ed25519 signature. At 100,000 and
  1,000,000 records (SQLite), measured as ``lpse access verify`` runs it:
  - ``full``: every signature checked (``--full``; the first verify of a log);
  - ``routine``: the next verify after 100 more visits: every record re-hashed, the signatures
    an earlier verify attested not checked again. Targets: 100k < 1 s, 1M < 5 s.
  and ``routine_one_process`` (what the web page does: it must not fork).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lpse.access import chain  # noqa: E402
from lpse.access.config import from_vars  # noqa: E402
from lpse.access.service import AccessLog  # noqa: E402
from lpse.access.store import Draft, verify_processes  # noqa: E402
from tests.access.conftest import PEOPLE, VISITOR, chosen_passwords  # noqa: E402

TARGETS = {100_000: 1.0, 1_000_000: 5.0}


def new_log(base: Path) -> tuple[AccessLog, dict[str, str]]:
    log = AccessLog(
        from_vars(
            {
                **PEOPLE,
                "access_log_database": str(base / "a.db"),
                "access_log_keys_dir": str(base / "keys"),
                "access_log_max_entries": 1000,
            },
            "bench",
        )
    )
    log.init()
    return log, chosen_passwords(log)


def append_rates(base: Path) -> dict:
    log, pw = new_log(base / "rates")
    visits = []
    for _ in range(100):
        v = log.request("satpam", {**VISITOR, "end": "+20d"}).visit
        log.decide(v, "kepala", True, pw["kepala"], entries=1000)
        visits.append(v)
    n = 5000
    started = time.perf_counter()
    for i in range(n // 2):
        log.checkin(visits[i % 100], "satpam", f"B-{i}")
        log.checkout(visits[i % 100], "satpam", VISITOR["equipment"])
    checkinout_rate = n / (time.perf_counter() - started)
    # The store's own append: one door event per transaction (what an import or a door
    # controller feed costs per record).
    started = time.perf_counter()
    for i in range(n):
        log.store.append(
            lambda tx, i=i: Draft("door", None, "door", {"door": "ruang-server", "badge": f"B-{i}", "event": "open"})
        )
    append_rate = n / (time.perf_counter() - started)
    log.store.close()
    raw = raw_sqlite_commits(base / "raw.db", n)
    return {
        "append_single_records_per_s": round(append_rate),
        "checkin_checkout_per_s": round(checkinout_rate),
        # The disk's own ceiling, measured in the same run: plain sqlite3, one 200-byte row per
        # transaction, WAL and synchronous=FULL as the store commits. The ratio survives a
        # machine whose fsync is slower today.
        "baseline_raw_sqlite_commits_per_s": round(raw),
        "append_vs_raw_sqlite": round(append_rate / raw, 2),
    }


def raw_sqlite_commits(path: Path, n: int) -> float:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, body BLOB)")
    started = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?, ?)", (i, bytes(200)))
        conn.execute("COMMIT")
    rate = n / (time.perf_counter() - started)
    conn.close()
    return rate


def realistic_visits(log: AccessLog, key, first: int, count: int, when: dt.datetime) -> list[Draft]:
    """``count`` whole visits as the guard desk and an approver make them, decisions signed as
    ``AccessLog.decide`` signs them (scheme v2, over the request's content)."""
    at = chain.utc_text(when)
    end = chain.utc_text(when + dt.timedelta(hours=3))
    public = chain.public_text(key.public_key())
    out = []
    for n in range(first, first + count):
        visit = f"V-{n:07d}"
        request = {
            "visitor": {"name": f"Tamu {n}", "id_type": "ktp", "id_number": f"3204{n:012d}", "institution": "PT X"},
            "purpose": "Pemeliharaan server",
            "start": at,
            "end": end,
            "escort": "Asep Saepudin",
            "equipment": ["laptop:LN-4471"],
        }
        decision = {
            "decision": "approve",
            "reason": "",
            "valid_from": at,
            "valid_until": end,
            "approver_title": "Kepala LPSE",
            "scheme": "v2",
            "entries": 1,
        }
        digest = chain.request_digest(visit, at, "satpam", request)
        decision["signature"] = chain.sign(key, chain.decision_message_v2(visit, digest, "kepala", decision))
        decision["key"] = public
        out += [
            Draft("request", visit, "satpam", request, at=when),
            Draft("decision", visit, "kepala", decision, at=when),
            Draft("checkin", visit, "satpam", {"badge": "T-01", "escort": "Asep Saepudin"}, at=when),
            Draft("checkout", visit, "satpam", {"equipment_out": ["laptop:LN-4471"]}, at=when),
        ]
    return out


def realistic(base: Path, records: int) -> dict:
    log, pw = new_log(base / f"mix-{records}")
    key = chain.load_private((log.config.keys_dir / "kepala.key").read_bytes(), pw["kepala"])
    when = dt.datetime.now(dt.UTC).replace(microsecond=0)
    visits, started = 0, time.perf_counter()
    while log.store.head()[0] < records:
        batch = min(5000, (records - log.store.head()[0]) // 4)
        log.append_signed(lambda tx, v=visits, b=batch: realistic_visits(log, key, v, b, when), when)
        visits += batch
    fill = time.perf_counter() - started
    full = log.verify(full=True, attest=True)
    assert full.ok and full.decisions == visits, full.problems[:3]
    # the next day's 100 visits, then the routine verify
    log.append_signed(lambda tx: realistic_visits(log, key, visits, 100, when), when)
    routine = [log.verify(attest=False) for _ in range(3)]
    assert all(r.ok and r.trusted_through == full.head_seq for r in routine), routine[0].problems[:3]
    one = log.verify(processes=1)
    assert one.ok
    out = {
        "records": full.records,
        "signed_decisions": full.decisions,
        "processes": verify_processes(full.records),
        "full_seconds": round(full.seconds, 2),
        "routine_new_records": 400,
        "routine_seconds_best": round(min(r.seconds for r in routine), 2),
        "routine_one_process_seconds": round(one.seconds, 2),
        "target_s": TARGETS[records],
        "fill_records_per_s": round(full.records / fill),
        "db_mb": round((base / f"mix-{records}" / "a.db").stat().st_size / 1e6, 1),
    }
    log.store.close()
    return out


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="lpse-access-bench-"))
    out = {
        "benchmark": "access",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        **append_rates(base),
        "append_target_per_s": 2000,
        "verify_realistic": {str(n): realistic(base, n) for n in TARGETS},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    dest = ROOT / "bench/results/access.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    __import__("shutil").rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
