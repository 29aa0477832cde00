"""The monthly report's server-room section: a visit made through the log appears in it, with
who approved it, its entries, the month's breaches and the chain's head."""

from __future__ import annotations

import datetime as dt

from lpse.report import build
from lpse.report.collect import collect_access

from .conftest import approved_visit, write_inventory


def test_visit_appears_in_the_monthly_report(tmp_path, log):
    inventory = write_inventory(tmp_path)
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    doors = tmp_path / "doors.csv"
    doors.write_text(f"time,door,badge,event\n{dt.datetime.now(dt.UTC).isoformat()},ruang-server,X-1,forced\n")
    log.import_doors(doors, "satpam")
    results = tmp_path / "results"
    assert collect_access(inventory, results) == {"access log": "1 visits, 1 findings"}
    month = dt.datetime.now(build.WIB).strftime("%Y-%m")
    context = build.monthly(results, month, "id", "LPSE Kabupaten Bandung")
    section = context["visits"]
    assert [v["id"] for v in section["visits"]] == [visit]
    assert section["visits"][0]["decided_by"] == "Dra. Siti Rahayu (Kepala LPSE)"
    assert section["entries"] == 1 and len(section["findings"]) == 1
    html = build.render_html(context)
    assert visit in html and "Kunjungan ruang server (Pasal 21 ayat (4))" in html
    assert "X-1" in html and "Rantai catatan utuh" in html
    # the report carries a checkpoint signed when it was collected: a copy of the head on paper
    import json

    from lpse.access import checkpoint

    signed = json.loads((results / "access/verify.json").read_text())["checkpoint"]
    cp = checkpoint.Checkpoint(**signed)
    assert checkpoint.signed_by(cp, (log.config.keys_dir / "log.pub").read_text().strip())
    assert cp.seq == log.store.head()[0] and f"catatan #{cp.seq}" in html and cp.signature in html
