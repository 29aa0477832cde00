"""bench/suite.py reads `make test`'s output: each tier ends with the Makefile's "tier NAME: N s"
line, and the two streams are printed whole, so counts and times are attributed to their tier."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import suite

# What `make test` printed, shortened: the lab stream first, then the rest.
OUTPUT = """\
.venv/bin/python -m pytest tests/lab -q -rs --durations=20
....s.
31.20s call     tests/lab/test_power.py::test_power_cut_drill
5 passed, 1 skipped in 900.00s (0:15:00)
tier lab-test-a: 901 s
ruff check . && ruff format --check . && yamllint -s . && ansible-lint
tier lint: 60 s
300 passed in 36.86s
tier unit: 38 s
153 passed in 220.81s (0:03:40)
tier access-test: 222 s
8 passed in 31.71s
tier root-test: 33 s
4 passed in 300.00s
tier lab-test-b: 301 s
molecule scenario accounts: 41 s
molecule scenario backup: 86 s
tier molecule: 127 s
"""


def test_each_tier_gets_its_own_count_time_and_slowest_tests():
    got = {t["name"]: t for t in suite.tiers(OUTPUT)}
    assert [t["name"] for t in suite.tiers(OUTPUT)] == list(suite.TIERS)
    assert got["lab-test-a"]["tests"] == 5 and got["lab-test-a"]["seconds"] == 901
    assert got["lab-test-b"]["tests"] == 4 and got["lab-test-b"]["slowest"] == []
    assert got["lab-test-a"]["slowest"] == [
        {"test": "tests/lab/test_power.py::test_power_cut_drill", "phase": "call", "seconds": 31.2}
    ]
    assert got["unit"]["tests"] == 300 and got["access-test"]["tests"] == 153 and got["root-test"]["tests"] == 8
    assert got["molecule"] == {
        "name": "molecule",
        "tests": 2,
        "seconds": 127,
        "scenarios": {"accounts": 41, "backup": 86},
    }


def test_a_missing_tier_stops_the_benchmark_by_name():
    with pytest.raises(SystemExit, match="no tier line for molecule"):
        suite.tiers(OUTPUT.split("molecule scenario accounts")[0])
