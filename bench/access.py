"""Benchmark of the server-room access log -> bench/results/access.json.

- append rate: single records (each its own transaction, committed with synchronous=FULL), one
  process, SQLite: target >= 2,000 records/s;
- verify of 1,000,000 records (SQLite): target < 2 s. The million records are check-ins and
  check-outs of 1,000 approved visits (decisions are signed; their signatures are checked too).
  Measured as ``lpse access verify`` runs it (one process per CPU, up to four) and in one
  process (what the web app does when asked).
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

from lpse.access.config import from_vars  # noqa: E402
from lpse.access.service import AccessLog  # noqa: E402
from lpse.access.store import Draft, verify_processes  # noqa: E402
from tests.access.conftest import PEOPLE, VISITOR, chosen_passwords  # noqa: E402


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="lpse-access-bench-"))
    log = AccessLog(
        from_vars(
            {**PEOPLE, "access_log_database": str(base / "a.db"), "access_log_keys_dir": str(base / "keys")}, "bench"
        )
    )
    log.init()
    pw = chosen_passwords(log)["kepala"]
    visits = []
    for _ in range(1000):
        v = log.request("satpam", {**VISITOR, "end": "+20d"}).visit
        log.decide(v, "kepala", True, pw, entries=10)
        visits.append(v)
    n = 5000
    started = time.perf_counter()
    for i in range(n // 2):
        log.checkin(visits[i % 1000], "satpam", f"B-{i}")
        log.checkout(visits[i % 1000], "satpam", VISITOR["equipment"])
    checkinout_rate = n / (time.perf_counter() - started)
    # The store's own append: one door event per transaction (what an import or a door
    # controller feed costs per record).
    started = time.perf_counter()
    for i in range(n):
        log.store.append(
            lambda tx, i=i: Draft("door", None, "door", {"door": "ruang-server", "badge": f"B-{i}", "event": "open"})
        )
    append_rate = n / (time.perf_counter() - started)
    head = log.store.head()[0]
    # Fill to 1,000,000 records in batches (one transaction each: the fill is not what is measured).
    fill_started = time.perf_counter()
    while head < 1_000_000:
        k = min(20000, 1_000_000 - head)
        log.store.append(
            lambda tx, k=k: [
                Draft("checkin", visits[j % 1000], "satpam", {"badge": f"B-{j}", "escort": "Asep"}) for j in range(k)
            ]
        )
        head += k
    fill = time.perf_counter() - fill_started
    runs, single = [], []
    for _ in range(3):
        result = log.verify()
        assert result.ok and result.records == 1_000_000, result.problems[:3]
        runs.append(result.seconds)
    for _ in range(2):
        one = log.verify(processes=1)
        assert one.ok and one.records == 1_000_000, one.problems[:3]
        single.append(one.seconds)
    out = {
        "benchmark": "access",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "append_single_records_per_s": round(append_rate),
        "append_target_per_s": 2000,
        "checkin_checkout_per_s": round(checkinout_rate),
        "verify_records": 1_000_000,
        "verify_signed_decisions": result.decisions,
        "verify_seconds": [round(r, 2) for r in runs],
        "verify_seconds_best": round(min(runs), 2),
        "verify_processes": verify_processes(1_000_000),
        "verify_one_process_seconds_best": round(min(single), 2),
        "verify_target_s": 2.0,
        "fill_batched_records_per_s": round((1_000_000 - 2000 - 2 * n) / fill),
        "db_mb": round((base / "a.db").stat().st_size / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    dest = ROOT / "bench/results/access.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    log.store.close()
    __import__("shutil").rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
