"""``lpse access`` as an operator runs it (a real process): the day's visit end to end, the
refusals' exit status and words, and verify after a hand edit."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import yaml

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
    initial = tmp_path / "keys/initial-passwords"
    pw, desk = tmp_path / "kepala.pw", tmp_path / "satpam.pw"
    early = lpse("approve", "V-000001", "--as", "kepala", "--password-file", str(initial / "kepala"), "-i", inv)
    assert early.returncode == 2 and "masih memakai kata sandi awal" in early.stderr  # (no visit yet: refused first)
    for user, chosen in (("kepala", pw), ("satpam", desk)):
        chosen.write_text(f"{user}-sandi-sendiri\n")
        change = lpse(
            "passwd", user, "--password-file", str(initial / user), "--new-password-file", str(chosen), "-i", inv
        )
        assert change.returncode == 0, change.stderr
        assert not (initial / user).exists()  # the first password is not kept once a user has chosen one
    req = lpse(
        "request",
        "--password-file",
        str(desk),
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
    guard = ("--as", "satpam", "--password-file", str(desk))
    early = lpse("checkin", visit, *guard, "--badge", "T-01", "-i", inv)
    assert early.returncode == 2 and f"kunjungan {visit} belum disetujui" in early.stderr
    assert "Traceback" not in early.stderr
    ok = lpse("approve", visit, "--as", "kepala", "--password-file", str(pw), "-i", inv)
    assert ok.returncode == 0, ok.stderr
    assert lpse("checkin", visit, *guard, "--badge", "T-01", "-i", inv).returncode == 0
    out = lpse("checkout", visit, *guard, "--equipment", "hdd:LPSE-BAK-01", "-i", inv, lang="en")
    assert out.returncode == 2 and "give a note" in out.stderr
    out = lpse("checkout", visit, *guard, "--equipment", "hdd:LPSE-BAK-01", "--note", "ke brankas", "-i", inv)
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


def test_as_names_nobody_without_their_password(tmp_path, monkeypatch):
    """`--as` was only a flag: anybody at the terminal could record entries as the guard. Now the
    guard's password proves it, or the guard's own operating-system account (os_user) running it."""
    from click.testing import CliRunner

    from lpse.cli import main

    inv = write_inventory(tmp_path)
    assert CliRunner().invoke(main, ["access", "init", "-i", str(inv)]).exit_code == 0
    initial = (tmp_path / "keys/initial-passwords/satpam").read_text().strip()
    request = ["access", "request", "--as", "satpam", "--name", "Budi", "--id-type", "ktp"]
    request += ["--id-number", "3204120101800001"]
    request += ["--institution", "PT X", "--purpose", "disk", "--start", "now", "--end", "+2h", "--escort", "Asep"]
    request += ["-i", str(inv)]

    def run(env: dict[str, str]):
        return CliRunner().invoke(main, request, env={"LPSE_LANG": "en", **env})

    for env, words in [
        ({}, "no password: give --password-file"),
        ({"LPSE_ACCESS_PASSWORD": "tebak-tebakan-1"}, "wrong password for satpam: nothing was recorded"),
        ({"LPSE_ACCESS_PASSWORD": initial}, "satpam still has the initial password: change it first"),
    ]:
        result = run(env)
        assert result.exit_code == 2 and words in result.output, result.output
    head = (tmp_path / "access.db").stat().st_size
    # the guard desk's own OS account, named in the inventory, needs no password
    desk = [{"user": "satpam", "name": "Asep Saepudin", "os_user": "asep"}, {"user": "jaga2", "name": "U"}]
    settings = yaml.safe_load(inv.read_text())
    settings["all"]["vars"]["access_log_guards"] = desk
    inv = tmp_path / "desk.yml"  # (another file: the inventory loader keeps what it read)
    inv.write_text(yaml.safe_dump(settings))
    request[-1] = str(inv)
    monkeypatch.setattr("pwd.getpwuid", lambda uid: type("pw", (), {"pw_name": "asep"}))
    result = run({})
    assert result.exit_code == 0 and "V-000001" in result.output, result.output
    monkeypatch.setattr("pwd.getpwuid", lambda uid: type("pw", (), {"pw_name": "budi"}))
    assert run({}).exit_code == 2  # anyone else: the password again
    assert head > 0


def test_root_is_nobody_s_os_user(tmp_path):
    from lpse.access.config import from_vars
    from lpse.errors import InputError

    from .conftest import PEOPLE

    raw = {**PEOPLE, "access_log_guards": [{"user": "satpam", "name": "Asep", "os_user": "root"}]}
    try:
        from_vars(raw, "hosts.yml")
    except InputError as exc:
        assert "hosts.yml: access_log_guards[0]: os_user 'root' must be a personal login name" in str(exc)
    else:
        raise AssertionError("root accepted as a guard's os_user")
