"""The compliance run as one self-contained HTML page (no external resources: it is opened from
CI artifacts and on air-gapped machines)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from lpse import i18n

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(doc: dict[str, Any], lang: str | None = None) -> str:
    lang = lang or i18n.lang()
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
    return (
        environment()
        .get_template("compliance.html.j2")
        .render(doc=doc, rows=rows, L=i18n.labels("html", lang), t=partial(i18n.t, lang=lang), lang=lang)
    )
