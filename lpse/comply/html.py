"""The compliance run as one self-contained HTML page (no external resources: it is opened from
CI artifacts and on air-gapped machines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from lpse.i18n import lang as current_lang

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

LABELS = {
    "id": {
        "title": "Laporan Kepatuhan",
        "subtitle": "Peraturan Bupati Bandung Nomor 4 Tahun 2017 tentang LPSE",
        "run": "Pemeriksaan",
        "hosts": "host",
        "controls": "kontrol",
        "score": "Skor kepatuhan",
        "by_area": "Per area",
        "by_article": "Per pasal",
        "failures_by_severity": "Kegagalan menurut tingkat",
        "area": "Area",
        "article": "Pasal",
        "status": "Status",
        "evidence": "Bukti",
        "severity": "Tingkat",
        "pass": "lulus",
        "fail": "gagal",
        "error": "galat",
        "waived": "dikecualikan",
        "hide_passed": "Sembunyikan yang lulus",
        "search": "Cari ID kontrol…",
        "diff": "Dibanding pemeriksaan sebelumnya",
        "new_failures": "Kegagalan baru",
        "fixed": "Diperbaiki",
        "none": "tidak ada",
        "first_run": "pemeriksaan pertama",
        "remediation": "Perbaikan",
        "waiver": "Pengecualian",
        "approved_by": "disetujui oleh",
        "until": "berlaku s.d.",
        "expired_waivers": "Pengecualian kedaluwarsa (tidak berlaku)",
        "lkpp": "Standar LKPP",
        "iso": "ISO/IEC 27001:2022",
        "rationale": "Alasan",
        "message": "Penyebab",
        "critical": "kritis",
        "high": "tinggi",
        "medium": "sedang",
        "low": "rendah",
        "seconds": "detik",
    },
    "en": {
        "title": "Compliance Report",
        "subtitle": "Bandung Regent Regulation No. 4 of 2017 on LPSE",
        "run": "Run",
        "hosts": "hosts",
        "controls": "controls",
        "score": "Compliance score",
        "by_area": "By area",
        "by_article": "By article",
        "failures_by_severity": "Failures by severity",
        "area": "Area",
        "article": "Article",
        "status": "Status",
        "evidence": "Evidence",
        "severity": "Severity",
        "pass": "pass",
        "fail": "fail",
        "error": "error",
        "waived": "waived",
        "hide_passed": "Hide passed",
        "search": "Search control ID…",
        "diff": "Compared with the previous run",
        "new_failures": "New failures",
        "fixed": "Fixed",
        "none": "none",
        "first_run": "first run",
        "remediation": "Remediation",
        "waiver": "Waiver",
        "approved_by": "approved by",
        "until": "until",
        "expired_waivers": "Expired waivers (no longer waive)",
        "lkpp": "LKPP standard",
        "iso": "ISO/IEC 27001:2022",
        "rationale": "Rationale",
        "message": "Cause",
        "critical": "critical",
        "high": "high",
        "medium": "medium",
        "low": "low",
        "seconds": "seconds",
    },
}


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(doc: dict[str, Any], lang: str | None = None) -> str:
    lang = lang or current_lang()
    by_control: dict[str, list] = {}
    for r in doc["results"]:
        by_control.setdefault(r["control"], []).append(r)
    rows = []
    for cid, results in by_control.items():
        statuses = {r["status"] for r in results}
        worst = next(s for s in ("error", "fail", "waived", "pass") if s in statuses)
        rows.append({"control": doc["controls"][cid], "results": results, "status": worst})
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    rows.sort(key=lambda r: (r["status"] == "pass", order[r["control"]["severity"]], r["control"]["id"]))
    return environment().get_template("compliance.html.j2").render(doc=doc, rows=rows, L=LABELS[lang], lang=lang)
