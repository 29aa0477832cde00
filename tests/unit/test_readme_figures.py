"""The README's figures are what bench/results/ says: a stale block fails here."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def _figures():
    spec = importlib.util.spec_from_file_location("figures", ROOT / "bench" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_generated_block_of_the_readme_is_current():
    figures = _figures()
    text = (ROOT / "README.md").read_text()
    names = {m.group("name") for m in figures.BLOCK.finditer(text)}
    assert {"suite", "measured", "scale"} <= names
    assert figures.render(text) == text, "README.md is stale: run python bench/figures.py (make figures)"


def test_a_number_renders_as_the_readme_writes_it():
    n = _figures().n
    assert n(1234.56, 1) == "1,234.6"
    assert n(3, 0) == "3"
    assert n(None) == "—"
