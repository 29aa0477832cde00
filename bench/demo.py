"""`make demo` N times in a row from wiped lab disks; bench/results/demo.json records each run.

    python bench/demo.py [--runs 5]

Between runs `lpse lab down --purge` wipes the hosts' disks, keys and secrets (the cached root
filesystem and the offline mirror stay, as on a machine that ran it once). A run counts only if
`make demo` exits 0, its `lpse comply` scores 100 % and the monthly report (HTML and PDF) exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LPSE = ROOT / ".venv" / "bin" / "lpse"


def newest_score() -> float | None:
    runs = sorted((ROOT / "results" / "compliance").glob("*/results.json"))
    return json.loads(runs[-1].read_text())["summary"]["score"] if runs else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/demo.json")
    args = parser.parse_args()
    month = time.strftime("%Y-%m")
    runs = []
    for i in range(args.runs):
        if LPSE.exists():
            subprocess.run([str(LPSE), "lab", "down", "--purge"], cwd=ROOT, check=True, capture_output=True)
        started = time.monotonic()
        log = ROOT / f".lpse/demo-{i + 1}.log"
        log.parent.mkdir(exist_ok=True)
        with log.open("w") as out:
            rc = subprocess.run(["make", "demo"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT).returncode
        seconds = round(time.monotonic() - started, 1)
        report = ROOT / "results" / "reports" / f"monthly-{month}.id.pdf"
        run = {"run": i + 1, "seconds": seconds, "exit": rc, "score": newest_score(), "report": report.exists()}
        print(json.dumps(run), flush=True)
        runs.append(run)
        if rc != 0 or run["score"] != 100.0 or not run["report"]:
            print(f"run {i + 1} did not pass: see {log}", file=sys.stderr)
            return 1
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    doc = {
        "benchmark": "demo",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        "runs": runs,
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
