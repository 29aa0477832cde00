"""Time `make test`'s tiers on this checkout and record them in bench/results/suite.json.

    python bench/suite.py    time `make check`, then make test's tiers one by one (deps, lint,
                             unit, access-test, root-test, lab-test, molecule)

Counts come from pytest's closing line of each tier and from the Molecule scenarios run; run it
on a fresh clone (`git clone . /tmp/fresh && cd /tmp/fresh && python3 bench/suite.py`) and copy
the JSON back. bench/figures.py puts the figures on the README's first screen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIERS = ("lint", "unit", "access-test", "root-test", "lab-test", "molecule")
SLOW = re.compile(r"^(?P<secs>[\d.]+)s (?P<phase>setup|call|teardown)\s+(?P<test>\S+)")
PYTEST_END = re.compile(r"^=*\s*(?P<body>(\d+ \w+(, )?)+) in (?P<secs>[\d.]+)s")


def counts(text: str) -> tuple[int, float | None]:
    """(tests run, seconds) from the last pytest closing line of ``text``."""
    found = None
    for line in text.splitlines():
        m = PYTEST_END.match(line.strip().strip("=").strip())
        if m:
            found = m
    if not found:
        return 0, None
    numbers = dict((w, int(k)) for k, w in re.findall(r"(\d+) (\w+)", found.group("body")))
    return sum(v for k, v in numbers.items() if k in ("passed", "failed", "error", "errors", "xfailed")), float(
        found.group("secs")
    )


# Each tier's whole output (not versioned: .lpse/ is the project's scratch directory).
LOGS = ROOT / ".lpse" / "suite"


def run_tier(name: str) -> dict:
    started = time.monotonic()
    proc = subprocess.run(["make", name], cwd=ROOT, capture_output=True, text=True)
    seconds = round(time.monotonic() - started, 1)
    # The whole output is kept (a failure deep in a long tier must be readable afterwards);
    # the terminal gets its end.
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    log.write_text(proc.stdout + ("\n--- stderr ---\n" + proc.stderr if proc.stderr else ""))
    sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-3000:] + f"\n(whole output: {log})\n")
    if proc.returncode != 0:
        raise SystemExit(f"make {name} failed (exit {proc.returncode}): nothing recorded; see {log}")
    if name == "molecule":
        scenarios = {n: int(secs) for n, secs in re.findall(r"^molecule scenario (\S+): (\d+) s$", proc.stdout, re.M)}
        tests = len(scenarios)
    elif name == "lint":
        tests = 4  # ruff check, ruff format --check, yamllint, ansible-lint
    else:
        tests = counts(proc.stdout)[0]  # make check: the unit and access tests, run together
    tier = {"name": name, "tests": tests, "seconds": seconds}
    if name == "molecule":
        tier["scenarios"] = scenarios
    if name == "lab-test":  # pytest --durations=20 in the Makefile
        tier["slowest"] = [
            {"test": m["test"], "phase": m["phase"], "seconds": float(m["secs"])}
            for m in (SLOW.match(line) for line in proc.stdout.splitlines())
            if m
        ]
    return tier


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/suite.json")
    args = parser.parse_args()
    started = time.monotonic()
    subprocess.run(["make", "deps"], cwd=ROOT, check=True)
    deps = round(time.monotonic() - started, 1)
    check = run_tier("check")
    started_tests = time.monotonic()
    tiers = [run_tier(name) for name in TIERS]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    doc = {
        "benchmark": "suite",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        # make test = deps + the tiers; make check (lint, unit, access-log) is the fast loop
        "seconds": round(deps + time.monotonic() - started_tests, 1),
        "deps_seconds": deps,
        "check": {"seconds": check["seconds"], "tests": check["tests"]},
        "tiers": tiers,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
