"""``lpse access`` as an operator runs it (a real process): the day's visit end to end, the
refusals' exit status and words, and verify after a hand edit."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

from tests.conftest import ROOT

from .conftest import write_inventory


def lpse(*args: str, lang: str = "id") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lpse.cli", "--lang", lang, "access", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_a_visit_from_the_command_line(tmp_path):
    inv = str(write_inventory(tmp_path))
    init = lpse("init", "-i", inv)
    assert init.returncode == 0, init.stderr
    assert "kata sandi awal" in init.stdout
    pw = tmp_path / "keys/initial-passwords/kepala"
    req = lpse(
        "request",
        "--as",
        "satpam",
        "--name",
        "Budi Santoso",
        "--id-type",
        "nip",
        "--id-number",
        "198805172015031002",
        "--institution",
        "LPSE",
        "--purpose",
        "media cadangan",
        "--start",
        "now",
        "--end",
        "+2h",
        "--escort",
        "Asep",
        "--json",
        "-i",
        inv,
    )
    visit = json.loads(req.stdout)["visit"]
    early = lpse("checkin", visit, "--as", "satpam", "--badge", "T-01", "-i", inv)
    assert early.returncode == 2 and f"kunjungan {visit} belum disetujui" in early.stderr
    assert "Traceback" not in early.stderr
    ok = lpse("approve", visit, "--as", "kepala", "--password-file", str(pw), "-i", inv)
    assert ok.returncode == 0, ok.stderr
    assert lpse("checkin", visit, "--as", "satpam", "--badge", "T-01", "-i", inv).returncode == 0
    out = lpse("checkout", visit, "--as", "satpam", "--equipment", "hdd:LPSE-BAK-01", "-i", inv, lang="en")
    assert out.returncode == 2 and "give a note" in out.stderr
    out = lpse("checkout", visit, "--as", "satpam", "--equipment", "hdd:LPSE-BAK-01", "--note", "ke brankas", "-i", inv)
    assert out.returncode == 0, out.stderr
    audit = lpse("audit", "--json", "-i", inv)  # this month, in the site's time zone
    assert audit.returncode == 0 and json.loads(audit.stdout) == [], audit.stderr
    bad = lpse("audit", "--month", "2026-13", "-i", inv)
    assert bad.returncode == 2 and "--month '2026-13': expected YYYY-MM" in bad.stderr
    listing = json.loads(lpse("list", "--json", "-i", inv).stdout)
    assert listing[0]["visit"] == visit and listing[0]["entries"][0]["note"] == "ke brankas"
    verify = lpse("verify", "-i", inv, lang="en")
    assert verify.returncode == 0 and "Chain intact: 4 records, 1 signed decisions" in verify.stdout
    with sqlite3.connect(tmp_path / "access.db") as conn:
        conn.execute("UPDATE records SET body = replace(body, 'T-01', 'T-02') WHERE seq = 3")
    broken = lpse("verify", "-i", inv)
    assert broken.returncode == 1 and "record 3: its content does not match its hash" in broken.stdout
    export = lpse("export", "--format", "csv", "-i", inv)
    assert visit in export.stdout


def test_bad_settings_name_the_variable(tmp_path):
    inv = str(write_inventory(tmp_path, access_log_max_visit_hours="lama"))
    proc = lpse("list", "-i", inv)
    assert proc.returncode == 2
    assert "access_log_max_visit_hours must be a number, not 'lama'" in proc.stderr
