"""lpse/lab/copy.py: a copy of the lab that runs beside it (make test runs part of tests/lab on
one). Addresses move at their start only; bad moves and overlapping copies are refused before
anything is written."""

from __future__ import annotations

import pytest

from lpse.errors import InputError
from lpse.lab.copy import copy_lab, parse_move
from lpse.lab.topology import load_topology
from tests.conftest import ROOT

LAB = ROOT / "inventory/lab/topology.yml"
MOVES = [("10.213.", "10.214."), ("198.51.100.", "198.18.100.")]


def test_the_copy_has_its_own_name_and_ranges_and_keeps_everything_else(tmp_path):
    topology = copy_lab(LAB, tmp_path / "b", "lpseb", MOVES)
    copied, original = load_topology(topology), load_topology(LAB)
    assert copied.name == "lpseb" and set(copied.hosts) == set(original.hosts)
    assert str(copied.networks["lan"].subnet) == "10.214.0.0/24"
    assert str(copied.networks["internet"].subnet) == "198.18.100.0/24"
    all_vars = (tmp_path / "b/group_vars/all.yml").read_text()
    assert "firewall_admin_sources: [10.214.0.0/24]" in all_vars and "10.213." not in all_vars
    assert not (tmp_path / "b/hosts.yml").exists()  # the copy's own inventory comes from its `lab up`


def test_a_second_copy_leaves_unchanged_files_alone(tmp_path):
    copy_lab(LAB, tmp_path / "b", "lpseb", MOVES)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "b").rglob("*.yml")}
    copy_lab(LAB, tmp_path / "b", "lpseb", MOVES)
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "b").rglob("*.yml")} == before


def test_an_address_moves_only_at_its_start():
    from lpse.lab.copy import _moved

    assert _moved("a: 10.213.0.1, b: 110.213.0.1, c: 10.2130.1", [("10.213.", "10.214.")]) == (
        "a: 10.214.0.1, b: 110.213.0.1, c: 10.2130.1"
    )


@pytest.mark.parametrize(
    ("name", "moves", "expected"),
    [
        ("lpse", MOVES, "a name other than the lab's own"),
        ("lpseb", [("198.51.100.", "198.18.100.")], "overlaps the lab's lan"),
        ("lpseb", [], "at least one --move"),
        ("LPSE-B", MOVES, "must be 1-6 lower-case letters"),
    ],
)
def test_a_bad_copy_is_refused_before_anything_is_written(tmp_path, name, moves, expected):
    with pytest.raises(InputError, match=expected):
        copy_lab(LAB, tmp_path / "b", name, moves)
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("spec", ["10.213=10.214.", "10.213.", "10.213.=10.214.0.", "300.1.=10.1.", "a.b.=c.d."])
def test_a_move_that_is_not_two_address_prefixes_is_refused(spec):
    with pytest.raises(InputError, match="--move"):
        parse_move(spec)
