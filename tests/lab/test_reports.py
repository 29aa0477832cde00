"""Reports from real data: compliance runs and capacity records collected from the lab's hosts.

A month of back-dated capacity records is written on the hosts (as if the recorder had run every
six hours through October 2026), the report collects them over SSH, and renders HTML and PDF in
both languages; a page of the PDF is rendered to PNG to prove it is a readable document. The
compliance HTML report is opened in a real headless browser (Debian's chromium via Playwright).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
import sys

import pytest

from lpse.comply.run import ComplyRequest
from lpse.comply.run import run as run_comply
from tests.conftest import ROOT
from tests.lab.conftest import ssh

WIB = dt.timezone(dt.timedelta(hours=7))

BACKDATE = r"""
import json, sys, datetime as dt
path = "/var/lib/lpse/capacity/records.jsonl"
lines = open(path).read().splitlines()
template = json.loads(lines[-1])
tz = dt.timezone(dt.timedelta(hours=7))
out = []
start = dt.datetime(2026, 10, 1, tzinfo=tz)
for i in range(31 * 4):
    when = start + dt.timedelta(hours=6 * i)
    r = json.loads(json.dumps(template))
    r["epoch"] = int(when.timestamp()); r["time"] = when.strftime("%Y-%m-%dT%H:%M:%S%z")
    for fs in r["filesystems"]:
        if fs["mount"] != "/":
            # A file store filling up through the month: 40 % -> 92 %.
            fs["used_pct"] = round(40 + 52 * i / (31 * 4 - 1), 1)
    r["memory"]["used_pct"] = round(30 + 10 * ((i % 8) / 8), 1)
    out.append(json.dumps(r, separators=(",", ":")))
open(path, "w").write("\n".join(out + lines) + "\n")
"""


@pytest.fixture(scope="module")
def store(provisioned, tmp_path_factory):
    lab = provisioned
    results = tmp_path_factory.mktemp("results")
    # Audited as an operator would: with the site's waivers, beside its inventory.
    real = run_comply(ComplyRequest(inventory=lab.inventory_path, results_dir=results))
    # A month of compliance runs, every third day, with a failure that appears and is fixed.
    doc = real.doc
    for day in range(1, 31, 3):
        when = dt.datetime(2026, 10, day, 8, 0, tzinfo=WIB)
        d = copy.deepcopy(doc)
        d["run"]["id"] = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        d["run"]["started"] = when.isoformat()
        if 10 <= day <= 20:
            for r in d["results"]:
                if r["control"] == "LPSE-22a-CAP-02" and r["host"] == "spse-app-01":
                    r.update(status="fail", message="/home/file is 84.0% full (≥ 80% warning)")
        counted = [r for r in d["results"] if r["status"] != "waived"]
        d["summary"]["score"] = round(100 * sum(r["status"] == "pass" for r in counted) / len(counted), 1)
        run_dir = results / "compliance" / d["run"]["id"]
        run_dir.mkdir(parents=True)
        (run_dir / "results.json").write_text(json.dumps(d))
    for host in ("spse-app-01", "spse-db-01"):
        ssh(lab, host, f"python3 - <<'EOF'\n{BACKDATE}\nEOF")
    yield results, real
    for host in ("spse-app-01", "spse-db-01"):
        ssh(
            lab,
            host,
            'f=/var/lib/lpse/capacity/records.jsonl; python3 -c "import json,sys; '
            "ls=[l for l in open('$f') if json.loads(l)['epoch']>1790000000]; open('$f','w').writelines(ls)\"",
        )


def lpse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lpse.cli", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


@pytest.mark.smoke
@pytest.mark.parametrize("lang", ["id", "en"])
def test_monthly_report_html_and_pdf(store, lang, tmp_path):
    results, _ = store
    proc = lpse("--lang", lang, "report", "monthly", "--month", "2026-10", "--results-dir", str(results))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (results / f"reports/monthly-2026-10.{lang}.html").read_text()
    pdf = results / f"reports/monthly-2026-10.{lang}.pdf"
    assert pdf.stat().st_size > 20000
    title = "Laporan Bulanan LPSE — Oktober 2026" if lang == "id" else "LPSE Monthly Report — October 2026"
    assert title in html
    assert html.count("data:image/png;base64,") >= 3  # the score trend and a chart per server
    assert "spse-app-01 — 124 " in html  # every back-dated record collected
    assert "/home/file" in html and "92.0%" in html  # the month's peak
    # October has no room record: the section says so (every monthly section is built now).
    assert ("Catatan ruang server" if lang == "id" else "No server-room record") in html
    assert ("Belum ada data" if lang == "id" else "No data yet") not in html
    # A page of the PDF as an image: the document really renders.
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages and pages[0].stat().st_size > 10000
    keep = ROOT / ".lpse" / "screenshots"
    keep.mkdir(parents=True, exist_ok=True)
    for p in pages:
        shutil.copy(p, keep / f"monthly-{lang}-{p.name}")


def test_monthly_report_shows_backups_drills_and_media(store):
    results, _ = store
    month = dt.datetime.now(WIB).strftime("%Y-%m")
    proc = lpse("report", "monthly", "--month", month, "--results-dir", str(results))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (results / f"reports/monthly-{month}.id.html").read_text()
    assert 'id="backups"' in html and 'id="drills"' in html and 'id="custody"' in html
    assert "Brankas arsip, Kantor Sekretariat Daerah" in html
    assert "uji pemulihan berhasil: 0" not in html  # the routine's drill is counted
    # Pasal 22 huruf b, c: the connection's availability and the traffic of the shaped hosts
    assert 'id="availability"' in html and "<td>mgmt-01</td>" in html
    assert "Lalu lintas: spse-app-01" in html and "Lalu lintas: edge-01" in html
    assert "<td>spse</td>" in html  # a bandwidth class by its name
    # Pasal 21 ayat (3): the room recorder's readings (every minute since site.yml), with a chart
    assert 'id="environment"' in html and "Suhu (°C)" in html and 'id="room-ups"' in html
    assert (results / "room/mgmt-01.jsonl").read_text().count("\n") >= 1


def test_yearly_report(store):
    results, _ = store
    proc = lpse("report", "yearly", "--year", "2026", "--results-dir", str(results), "--no-collect")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (results / "reports/yearly-2026.id.html").read_text()
    assert "Laporan Tahunan LPSE — 2026" in html
    assert "Oktober" in html and html.count("data:image/png;base64,") >= 3
    assert (results / "reports/yearly-2026.id.pdf").stat().st_size > 20000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["monthly", "--month", "2026-13"], "--month '2026-13': expected YYYY-MM"),
        (["monthly", "--month", "okt"], "expected YYYY-MM"),
        (["yearly", "--year", "26"], "--year '26': expected a year"),
    ],
)
def test_report_bad_period(args, message):
    proc = lpse("report", *args, "--no-collect")
    assert proc.returncode == 2
    assert message in proc.stderr


def test_compliance_report_in_a_real_browser(store):
    from playwright.sync_api import sync_playwright

    _, real = store
    page_errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("pageerror", lambda e: page_errors.append(str(e)))
        page.on("console", lambda m: page_errors.append(m.text) if m.type == "error" else None)
        page.goto((real.run_dir / "report.html").as_uri())
        assert page.locator("#score").inner_text() == "100.0%"
        controls = page.locator("details.control")
        assert controls.count() == len(real.doc["controls"])
        not_passed = {r["control"] for r in real.doc["results"] if r["status"] != "pass"}
        assert not_passed == {"LPSE-21.1-KERN-01"}  # waived in the lab
        page.check("#hide-passed")
        assert page.locator("details.control:visible").count() == len(not_passed)
        page.uncheck("#hide-passed")
        page.fill("#search", "CAP-05")
        assert page.locator("details.control:visible").count() == 1
        page.fill("#search", "")
        shots = ROOT / ".lpse" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "compliance-report.png"), full_page=False)
        browser.close()
    assert page_errors == []
