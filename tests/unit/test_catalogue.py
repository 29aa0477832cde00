"""The control catalogue: complete, consistent with its checks, and strict about bad entries."""

from pathlib import Path

import pytest

from lpse.comply import catalogue
from lpse.errors import InputError
from tests.conftest import ROOT

CATALOGUE = ROOT / "compliance/catalogue"
CHECKS = ROOT / "compliance/checks"


def test_every_control_has_its_check_and_every_check_its_control():
    cat = catalogue.load(CATALOGUE, CHECKS)
    assert len(cat.controls) >= 9
    for c in cat.controls.values():
        assert c.title["id"] and c.title["en"] and c.rationale["id"] and c.rationale["en"]
        assert c.article.startswith("Pasal ")
        # The ID names the article: LPSE-22a-... serves Pasal 22 huruf a; LPSE-21.5-... Pasal 21 ayat (5).
        m = catalogue.CONTROL_ID.match(c.id)
        num = m.group(1)
        if "." in num:
            pasal, ayat = num.split(".")
            assert c.article == f"Pasal {pasal} ayat ({ayat})", c.id
        elif num[-1].isalpha():
            assert c.article == f"Pasal {num[:-1]} huruf {num[-1]}", c.id


def test_every_remediation_tag_exists_in_its_role():
    cat = catalogue.load(CATALOGUE)
    for c in cat.controls.values():
        if not c.remediation:
            continue
        role = ROOT / "roles" / str(c.remediation["role"])
        assert role.is_dir(), f"{c.id}: no role {role.name}"
        text = "".join(p.read_text() for p in role.glob("tasks/*.yml"))
        assert c.id in text, f"{c.id}: role {role.name} has no task or tag naming it"


def make(tmp_path: Path, controls: str, checks: str = "") -> tuple[Path, Path]:
    cat_dir, check_dir = tmp_path / "catalogue", tmp_path / "checks"
    cat_dir.mkdir()
    check_dir.mkdir()
    (cat_dir / "x.yml").write_text("area: {id: x, title: {id: X, en: X}, article: Pasal 21}\ncontrols:\n" + controls)
    (check_dir / "test_x.py").write_text(checks)
    return cat_dir, check_dir


CONTROL = """\
  - id: LPSE-21.3-UPS-01
    title: {id: UPS daring, en: UPS online}
    rationale: {id: alasan, en: reason}
    article: Pasal 21 ayat (3)
    severity: high
    applies_to: [ups]
    check: test_x.py::test_ups
"""
CHECK = 'import pytest\n\n@pytest.mark.control("LPSE-21.3-UPS-01")\ndef test_ups(host):\n    pass\n'


def test_a_minimal_valid_catalogue(tmp_path):
    cat = catalogue.load(*make(tmp_path, CONTROL, CHECK))
    assert cat.controls["LPSE-21.3-UPS-01"].severity_rank == 2


@pytest.mark.parametrize(
    ("controls", "checks", "message"),
    [
        (CONTROL, "", "control LPSE-21.3-UPS-01 has no check"),
        (
            CONTROL,
            CHECK + '\n@pytest.mark.control("LPSE-21.3-UPS-02")\ndef test_other(host):\n    pass\n',
            "is marked control('LPSE-21.3-UPS-02'), which the catalogue lacks",
        ),
        (CONTROL.replace("severity: high", "severity: urgent"), CHECK, "severity 'urgent' is not one of"),
        (CONTROL.replace("id: LPSE-21.3-UPS-01", "id: UPS-1"), CHECK, "control id 'UPS-1' must look like"),
        (CONTROL.replace("article: Pasal 21 ayat (3)", "article: section 3"), CHECK, "article must cite"),
        (
            CONTROL.replace("title: {id: UPS daring, en: UPS online}", "title: {en: UPS online}"),
            CHECK,
            "needs non-empty texts in both languages",
        ),
        (CONTROL + CONTROL, CHECK, "control LPSE-21.3-UPS-01 is defined twice"),
        (CONTROL.replace("applies_to: [ups]", "applies_to: []"), CHECK, "applies_to must list"),
    ],
)
def test_bad_catalogue_entries(tmp_path, controls, checks, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        catalogue.load(*make(tmp_path, controls, checks))


def test_select_refuses_unknown_ids_and_areas():
    cat = catalogue.load(CATALOGUE)
    with pytest.raises(InputError, match="unknown control ID 'LPSE-99-NOPE-01'"):
        cat.select(["LPSE-99-NOPE-01"])
    with pytest.raises(InputError, match="unknown area 'weather'"):
        cat.select(areas=["weather"])
    assert {c.area for c in cat.select(areas=["capacity"])} == {"capacity"}


def test_the_benchmark_mapping_is_generated_from_the_catalogue():
    from lpse.comply import benchmarks

    compliance = ROOT / "compliance"
    loaded = catalogue.load(compliance / "catalogue", compliance / "checks")
    wanted = benchmarks.render(loaded, benchmarks.not_applied(compliance / "benchmarks-not-applied.yml"))
    assert (compliance / "benchmarks.md").read_text() == wanted, "compliance/benchmarks.md is stale: make benchmarks"


def test_a_benchmark_reference_is_checked(tmp_path):
    src = (ROOT / "compliance/catalogue/hardening.yml").read_text()
    (tmp_path / "hardening.yml").write_text(src.replace('anssi_bp028: ["R50"]', 'anssi_bp028: ["5.1.1"]'))
    with pytest.raises(InputError, match=r"benchmarks\.anssi_bp028 must list rules like R12"):
        catalogue.load(tmp_path)
