"""The control catalogue (``compliance/catalogue/*.yml``) and the checks that decide each control.

One file per area. A control's ID names its article (``LPSE-22a-CAP-01``: Pasal 22 huruf a);
its check is a pytest-testinfra test in ``compliance/checks/`` marked
``@pytest.mark.control("LPSE-22a-CAP-01")``. Loading validates both ways: a control with no check,
or a check with no control, is an error.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from lpse.errors import InputError
from lpse.yamlsrc import load_located

SEVERITIES = ("low", "medium", "high", "critical")
CONTROL_ID = re.compile(r"^LPSE-(\d+(?:\.\d+)?[a-z]?)-([A-Z]+)-(\d{2})$")
LANGS = ("id", "en")
# Public benchmarks a control may cite, with the version its references come from.
BENCHMARKS = {
    "cis_debian12": "CIS Debian Linux 12 Benchmark v1.1.0",
    "anssi_bp028": "ANSSI BP-028 v2.0 (Recommandations de configuration d'un système GNU/Linux)",
}
BENCHMARK_REF = {"cis_debian12": re.compile(r"^\d+(\.\d+)+$"), "anssi_bp028": re.compile(r"^R\d+$")}


@dataclass(frozen=True)
class Control:
    id: str
    area: str
    title: dict[str, str]
    rationale: dict[str, str]
    article: str
    severity: str
    applies_to: tuple[str, ...]
    check: str
    quote: str = ""
    lkpp_standard: str = ""
    iso27001: str = ""
    remediation: dict[str, object] = field(default_factory=dict)
    # Benchmark -> the rules of it this control carries out, e.g. {"cis_debian12": ("5.1.17",)}.
    benchmarks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def severity_rank(self) -> int:
        return SEVERITIES.index(self.severity)


@dataclass(frozen=True)
class Area:
    id: str
    title: dict[str, str]
    article: str


@dataclass
class Catalogue:
    areas: dict[str, Area]
    controls: dict[str, Control]

    def select(self, control_ids: list[str] | None = None, areas: list[str] | None = None) -> list[Control]:
        for cid in control_ids or []:
            if cid not in self.controls:
                raise InputError(f"unknown control ID {cid!r} (known: {', '.join(sorted(self.controls))})")
        for a in areas or []:
            if a not in self.areas:
                raise InputError(f"unknown area {a!r} (known: {', '.join(sorted(self.areas))})")
        chosen = list(self.controls.values())
        if control_ids:
            chosen = [c for c in chosen if c.id in control_ids]
        if areas:
            chosen = [c for c in chosen if c.area in areas]
        return chosen


def _bilingual(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(
        not isinstance(value.get(lang), str) or not value.get(lang) for lang in LANGS
    ):
        raise InputError(f"{where}: needs non-empty texts in both languages (id, en)")
    return {lang: value[lang].strip() for lang in LANGS}


def load(directory: Path, checks_dir: Path | None = None) -> Catalogue:
    """Load every area file; validate entries and the mapping to checks."""
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise InputError(f"{directory}: no catalogue files (*.yml)")
    areas: dict[str, Area] = {}
    controls: dict[str, Control] = {}
    for path in files:
        data, lines = load_located(path)
        if not isinstance(data, dict) or not isinstance(data.get("area"), dict):
            raise InputError(f"{path}: a catalogue file starts with an `area:` mapping")
        a = data["area"]
        aid = a.get("id")
        if not isinstance(aid, str) or not re.match(r"^[a-z][a-z0-9_]*$", aid) or aid in areas:
            raise InputError(f"{path}:{lines.get(('area',), 1)}: area id {aid!r} is missing, malformed or repeated")
        areas[aid] = Area(aid, _bilingual(a.get("title"), f"{path}: area.title"), str(a.get("article", "")))
        for i, raw in enumerate(data.get("controls") or []):
            at = f"{path}:{lines.get(('controls', i), '?')}"
            if not isinstance(raw, dict):
                raise InputError(f"{at}: a control is a mapping")
            cid = raw.get("id")
            if not isinstance(cid, str) or not CONTROL_ID.match(cid):
                raise InputError(f"{at}: control id {cid!r} must look like LPSE-22a-CAP-01")
            if cid in controls:
                raise InputError(f"{at}: control {cid} is defined twice")
            allowed = {
                "id",
                "title",
                "rationale",
                "article",
                "quote",
                "lkpp_standard",
                "iso27001",
                "severity",
                "applies_to",
                "check",
                "remediation",
                "benchmarks",
            }
            extra = set(raw) - allowed
            if extra:
                raise InputError(f"{at}: {cid}: unknown key(s) {', '.join(sorted(extra))}")
            severity = raw.get("severity")
            if severity not in SEVERITIES:
                raise InputError(f"{at}: {cid}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
            article = raw.get("article")
            if not isinstance(article, str) or not article.startswith("Pasal "):
                raise InputError(f"{at}: {cid}: article must cite the regulation, e.g. 'Pasal 22 huruf a'")
            applies = raw.get("applies_to")
            if not isinstance(applies, list) or not applies or not all(isinstance(g, str) for g in applies):
                raise InputError(f"{at}: {cid}: applies_to must list inventory groups or hosts")
            check = raw.get("check")
            if not isinstance(check, str) or "::" not in check:
                raise InputError(f"{at}: {cid}: check must name a test, e.g. test_capacity.py::test_disk")
            remediation = raw.get("remediation") or {}
            if remediation and (not isinstance(remediation, dict) or "role" not in remediation):
                raise InputError(f"{at}: {cid}: remediation names a role (and optionally tags)")
            benchmarks = raw.get("benchmarks") or {}
            if not isinstance(benchmarks, dict) or set(benchmarks) - set(BENCHMARKS):
                raise InputError(f"{at}: {cid}: benchmarks maps {' or '.join(BENCHMARKS)} to rule lists")
            for name, refs in benchmarks.items():
                if not isinstance(refs, list) or not all(
                    isinstance(r, str) and BENCHMARK_REF[name].match(r) for r in refs
                ):
                    example = "5.1.17" if name.startswith("cis") else "R12"
                    raise InputError(f"{at}: {cid}: benchmarks.{name} must list rules like {example}")
            controls[cid] = Control(
                id=cid,
                area=aid,
                title=_bilingual(raw.get("title"), f"{at}: {cid}.title"),
                rationale=_bilingual(raw.get("rationale"), f"{at}: {cid}.rationale"),
                article=article,
                severity=severity,
                applies_to=tuple(applies),
                check=check,
                quote=str(raw.get("quote", "")).strip(),
                lkpp_standard=str(raw.get("lkpp_standard", "")),
                iso27001=str(raw.get("iso27001", "")),
                remediation=remediation,
                benchmarks={name: tuple(refs) for name, refs in benchmarks.items()},
            )
    if checks_dir is not None:
        _match_checks(controls, find_checks(checks_dir), checks_dir)
    return Catalogue(areas, controls)


def find_checks(checks_dir: Path) -> dict[str, list[str]]:
    """Control ID -> ["file.py::test_name", ...] from ``@pytest.mark.control("ID")`` decorators."""
    found: dict[str, list[str]] = {}
    for path in sorted(checks_dir.glob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for dec in node.decorator_list:
                if (
                    isinstance(dec, ast.Call)
                    and isinstance(dec.func, ast.Attribute)
                    and dec.func.attr == "control"
                    and dec.args
                    and isinstance(dec.args[0], ast.Constant)
                ):
                    found.setdefault(dec.args[0].value, []).append(f"{path.name}::{node.name}")
    return found


def _match_checks(controls: dict[str, Control], checks: dict[str, list[str]], checks_dir: Path) -> None:
    problems = []
    for cid, control in controls.items():
        tests = checks.get(cid, [])
        if not tests:
            problems.append(f"control {cid} has no check (no test marked control({cid!r}) in {checks_dir})")
        elif control.check not in tests:
            problems.append(f"control {cid} names check {control.check} but its test is {', '.join(tests)}")
        elif len(tests) > 1:
            problems.append(f"control {cid} has several checks: {', '.join(tests)}")
    for cid, tests in checks.items():
        if cid not in controls:
            problems.append(f"check {', '.join(tests)} is marked control({cid!r}), which the catalogue lacks")
    if problems:
        raise InputError("catalogue and checks disagree:\n  " + "\n  ".join(problems))
