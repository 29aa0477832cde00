"""Time `make test`'s tiers on this checkout and record them in bench/results/suite.json.

    python bench/suite.py    time `make deps`, `make check`, then `make test` as a whole; each
                             tier's seconds and counts come from its "tier NAME: N s" line

Counts come from pytest's closing line of each tier and from the Molecule scenarios run; run it
on a fresh clone (`git clone . /tmp/fresh && cd /tmp/fresh && python3 bench/suite.py`) and copy
the JSON back. bench/figures.py puts the figures on the README's first screen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIERS = ("lint", "unit", "access-test", "root-test", "lab-test-a", "lab-test-b", "molecule")
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


# The whole output (not versioned: .lpse/ is the project's scratch directory).
LOGS = ROOT / ".lpse" / "suite"
TIER_END = re.compile(r"^tier (?P<name>[\w-]+): (?P<secs>\d+) s$", re.M)


def make(target: str) -> tuple[str, float]:
    """Run ``make <target>``; (its whole output, wall seconds). Stops the benchmark on a failure."""
    started = time.monotonic()
    proc = subprocess.run(["make", target], cwd=ROOT, capture_output=True, text=True)
    seconds = round(time.monotonic() - started, 1)
    # The whole output is kept (a failure deep in a long tier must be readable afterwards);
    # the terminal gets its end.
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{target}.log"
    text = proc.stdout + ("\n--- stderr ---\n" + proc.stderr if proc.stderr else "")
    log.write_text(text)
    sys.stdout.write(proc.stdout[-3000:] + proc.stderr[-3000:] + f"\n(whole output: {log})\n")
    if proc.returncode != 0:
        raise SystemExit(f"make {target} failed (exit {proc.returncode}): nothing recorded; see {log}")
    return proc.stdout, seconds


def tiers(output: str) -> list[dict]:
    """Each tier of `make test` from its output: the Makefile ends every tier with "tier NAME: N s",
    and `make test` prints each of its two streams whole, so a tier's own output is what lies
    between the tier line before it and its own."""
    out, begin = [], 0
    for m in TIER_END.finditer(output):
        name, text, begin = m["name"], output[begin : m.start()], m.end()
        if name == "molecule":
            scenarios = {n: int(secs) for n, secs in re.findall(r"^molecule scenario (\S+): (\d+) s$", text, re.M)}
            tests = len(scenarios)
        elif name == "lint":
            tests = 4  # ruff check, ruff format --check, yamllint, ansible-lint
        else:
            tests = counts(text)[0]
        tier: dict = {"name": name, "tests": tests, "seconds": float(m["secs"])}
        if name == "molecule":
            tier["scenarios"] = scenarios
        if name.startswith("lab-test"):  # pytest --durations in the Makefile
            tier["slowest"] = [
                {"test": s["test"], "phase": s["phase"], "seconds": float(s["secs"])}
                for s in (SLOW.match(line) for line in text.splitlines())
                if s
            ]
        out.append(tier)
    missing = set(TIERS) - {t["name"] for t in out}
    if missing:
        raise SystemExit(f"make test's output has no tier line for {', '.join(sorted(missing))}")
    return sorted(out, key=lambda t: TIERS.index(t["name"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/suite.json")
    args = parser.parse_args()
    _, deps = make("deps")
    check_out, check_s = make("check")
    test_out, test_s = make("test")  # deps are in place by now: their time is recorded apart
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    doc = {
        "benchmark": "suite",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        "machine": {"cpus": os.cpu_count()},
        # make test = deps + its two streams side by side (the tiers' seconds add up to more)
        "seconds": round(deps + test_s, 1),
        "deps_seconds": deps,
        "check": {"seconds": check_s, "tests": counts(check_out)[0]},
        "tiers": tiers(test_out),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    print(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
