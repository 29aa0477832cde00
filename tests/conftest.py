"""Shared test helpers."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_checks(filename: str):
    """A module of compliance/checks/ (e.g. test_hardening.py) loaded by path, for unit tests of
    its parsing and its checks with fake hosts."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(filename.removesuffix(".py"), ROOT / "compliance/checks" / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
