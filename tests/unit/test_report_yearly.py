"""The yearly evaluation (Pasal 24) counts each month's server-room visits, entries and breaches
(Pasal 21 ayat (4)) from the access log collected into the results store."""

import json
import re

from lpse.report.build import render_html, yearly


def visit(n: int, start: str, end: str, entries: int) -> dict:
    return {
        "visit": f"V-{n}",
        "request": {
            "start": start,
            "end": end,
            "visitor": {"name": f"Tamu {n}", "institution": "Vendor"},
            "purpose": "perawatan",
        },
        "status": "closed",
        "decision": {"decision": "approve"},
        "decided_by": "kepala",
        "entries": [{"in": start, "out": end}] * entries,
    }


def test_visits_entries_and_breaches_per_month(tmp_path):
    access = tmp_path / "access"
    access.mkdir()
    visits = [
        visit(1, "2026-03-02T02:00:00Z", "2026-03-02T04:00:00Z", 1),
        visit(2, "2026-03-20T02:00:00Z", "2026-03-20T03:00:00Z", 2),
        visit(3, "2026-11-05T02:00:00Z", "2026-11-05T03:00:00Z", 1),
    ]
    (access / "visits.json").write_text(json.dumps({"people": {}, "visits": visits}))
    (access / "findings.json").write_text(json.dumps([{"time": "2026-11-05T05:00:00Z", "kind": "door"}]))
    doc = yearly(tmp_path, "2026", "en", "LPSE Kabupaten Bandung")
    by_month = {m["name"]: (m["visits"], m["entries"], m["breaches"]) for m in doc["months"]}
    assert by_month["March"] == (2, 3, 0) and by_month["November"] == (1, 1, 1) and by_month["May"] == (0, 0, 0)
    html = render_html(doc)
    assert "Server-room visits" in html and re.search(r'<td class="num crit">1</td>', html)


def test_without_an_access_log_the_columns_say_so(tmp_path):
    doc = yearly(tmp_path, "2026", "id", "LPSE Kabupaten Bandung")
    assert {m["visits"] for m in doc["months"]} == {None}
    assert "Kunjungan ruang server" in render_html(doc)
