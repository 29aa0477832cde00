"""Compliance results: statuses after waivers, score, diff with the previous run, the store.

A run is kept as ``<results>/compliance/<YYYYmmddTHHMMSSZ>/`` holding results.json, junit.xml
and report.html. Reports and the monthly trend read these directories.
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from lpse.comply.catalogue import SEVERITIES, Catalogue, Control
from lpse.comply.waivers import Waiver

STATUSES = ("pass", "fail", "error", "waived")


def apply_waivers(raw: list[dict[str, Any]], waivers: list[Waiver], today: dt.date) -> list[dict[str, Any]]:
    out = []
    for r in raw:
        r = {**r, "status": r["outcome"] if r["outcome"] in ("pass", "fail", "error") else "error"}
        if r["outcome"] == "skip":
            r["status"] = "error"
            r["message"] = r.get("message") or "the check skipped itself"
        if r["status"] in ("fail", "error"):
            for w in waivers:
                if w.covers(r["control"], r["host"]):
                    if w.active(today):
                        r["status"] = "waived"
                        r["waiver"] = w.as_dict()
                        break
                    r["expired_waiver"] = w.as_dict()
        out.append(r)
    return sorted(out, key=lambda r: (r["control"], r["host"]))


def score(results: list[dict[str, Any]]) -> float | None:
    counted = [r for r in results if r["status"] in ("pass", "fail", "error")]
    return round(100.0 * sum(r["status"] == "pass" for r in counted) / len(counted), 1) if counted else None


def summarise(results: list[dict[str, Any]], catalogue: Catalogue) -> dict[str, Any]:
    by_area: dict[str, list] = defaultdict(list)
    by_article: dict[str, list] = defaultdict(list)
    failed_by_severity: Counter = Counter()
    for r in results:
        c = catalogue.controls[r["control"]]
        by_area[c.area].append(r)
        by_article[c.article].append(r)
        if r["status"] in ("fail", "error"):
            failed_by_severity[c.severity] += 1
    counts = Counter(r["status"] for r in results)
    return {
        "score": score(results),
        "counts": {s: counts.get(s, 0) for s in STATUSES},
        "by_area": {
            a: {"score": score(rs), "counts": dict(Counter(r["status"] for r in rs))}
            for a, rs in sorted(by_area.items())
        },
        "by_article": {
            a: {"score": score(rs), "counts": dict(Counter(r["status"] for r in rs))}
            for a, rs in sorted(by_article.items())
        },
        "failed_by_severity": {s: failed_by_severity.get(s, 0) for s in reversed(SEVERITIES)},
    }


def diff(current: list[dict[str, Any]], previous: list[dict[str, Any]] | None) -> dict[str, Any]:
    if previous is None:
        return {"previous": None, "new_failures": [], "fixed": []}
    before = {(r["control"], r["host"]): r["status"] for r in previous}
    bad = ("fail", "error")
    new = [
        [r["control"], r["host"]]
        for r in current
        if r["status"] in bad and before.get((r["control"], r["host"])) not in bad
    ]
    fixed = [
        [r["control"], r["host"]]
        for r in current
        if r["status"] not in bad and before.get((r["control"], r["host"])) in bad
    ]
    return {"new_failures": new, "fixed": fixed}


def control_info(c: Control) -> dict[str, Any]:
    return {
        "id": c.id,
        "area": c.area,
        "title": c.title,
        "rationale": c.rationale,
        "article": c.article,
        "quote": c.quote,
        "severity": c.severity,
        "lkpp_standard": c.lkpp_standard,
        "iso27001": c.iso27001,
        "remediation": c.remediation,
    }


class Store:
    def __init__(self, root: Path):
        self.root = root / "compliance"

    def runs(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(p for p in self.root.iterdir() if (p / "results.json").exists())

    def new_run_dir(self, started: dt.datetime) -> Path:
        path = self.root / started.strftime("%Y%m%dT%H%M%SZ")
        n = 1
        while path.exists():
            path = self.root / (started.strftime("%Y%m%dT%H%M%SZ") + f"-{n}")
            n += 1
        path.mkdir(parents=True)
        return path

    def previous(self, before: Path) -> dict[str, Any] | None:
        earlier = [p for p in self.runs() if p.name < before.name]
        return json.loads((earlier[-1] / "results.json").read_text()) if earlier else None

    def load_all(self) -> list[dict[str, Any]]:
        return [json.loads((p / "results.json").read_text()) for p in self.runs()]


def is_official(doc: dict[str, Any]) -> bool:
    """Whether a run may stand for a period: the whole catalogue on the whole inventory. A run
    made before runs were marked counts when nothing narrowed its hosts."""
    run = doc.get("run", {})
    return bool(run.get("official", run.get("limit") is None))


def write_junit(doc: dict[str, Any], path: Path) -> None:
    suites = ET.Element("testsuites", name="lpse-dc compliance", tests=str(len(doc["results"])))
    by_area: dict[str, list] = defaultdict(list)
    for r in doc["results"]:
        by_area[doc["controls"][r["control"]]["area"]].append(r)
    for area, results in sorted(by_area.items()):
        counts = Counter(r["status"] for r in results)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"lpse.{area}",
            tests=str(len(results)),
            failures=str(counts["fail"]),
            errors=str(counts["error"]),
            skipped=str(counts["waived"]),
            timestamp=doc["run"]["started"],
        )
        for r in results:
            c = doc["controls"][r["control"]]
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"lpse.{area}.{r['control']}",
                name=f"{r['control']} [{r['host']}] {c['title']['en']}",
                time=str(r["seconds"]),
            )
            props = ET.SubElement(case, "properties")
            for key in ("article", "severity", "lkpp_standard", "iso27001"):
                ET.SubElement(props, "property", name=key, value=str(c.get(key, "")))
            evidence = "\n".join(r.get("evidence", []))
            if r["status"] == "fail":
                ET.SubElement(case, "failure", message=r["message"], type=c["severity"]).text = evidence
            elif r["status"] == "error":
                ET.SubElement(case, "error", message=r["message"]).text = evidence
            elif r["status"] == "waived":
                w = r["waiver"]
                ET.SubElement(
                    case,
                    "skipped",
                    message=f"waived: {w['justification']} (approved by {w['approved_by']}, until {w['expires']})",
                )
            if evidence:
                ET.SubElement(case, "system-out").text = evidence
    ET.indent(suites)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
