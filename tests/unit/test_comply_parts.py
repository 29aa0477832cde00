"""Pure parts of the compliance engine: parsers, waivers, statuses, score, diff, JUnit."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from lpse.comply import facts, results, waivers
from lpse.comply.catalogue import load
from lpse.errors import InputError
from tests.conftest import ROOT

DF = """\
Filesystem     Type     1B-blocks        Used   Available Capacity Mounted on
overlay        overlay 270553174016 24503681024 84440612864      23% /
tmpfs          tmpfs       67108864           0    67108864       0% /dev
/dev/loop0     ext4       511647744   485000000    26647744      95% /home/file
"""


def test_parse_df_keeps_data_filesystems_and_computes_use_like_df():
    fss = {f.mount: f for f in facts.parse_df(DF)}
    assert set(fss) == {"/", "/home/file"}
    assert fss["/home/file"].used_pct == 94.8
    assert fss["/"].used_pct == 22.5


def test_parse_meminfo():
    mem = facts.parse_meminfo("MemTotal: 1000 kB\nMemAvailable: 250 kB\nSwapTotal: 100 kB\nSwapFree: 100 kB\n")
    assert (mem.ram_used_pct, mem.swap_used_pct) == (75.0, 0.0)
    with pytest.raises(ValueError, match="MemAvailable"):
        facts.parse_meminfo("MemTotal: 1000 kB\n")


def test_effective_settings_last_assignment_wins():
    text = "# /etc/systemd/journald.conf\n[Journal]\n#Storage=auto\nStorage=volatile\n[Journal]\nStorage=persistent\n"
    assert facts.effective_settings(text, "Journal") == {"Storage": "persistent"}


def test_effective_sources_name_the_drop_in_that_won():
    text = (
        "# /etc/systemd/journald.conf\n[Journal]\n#Storage=auto\n\n"
        "# /etc/systemd/journald.conf.d/50-lpse.conf\n# Managed by lpse-dc\n[Journal]\nStorage=persistent\n"
        "SystemMaxUse=1G\n\n# /etc/systemd/journald.conf.d/zz-debug.conf\n[Journal]\nStorage=volatile\n"
    )
    assert facts.effective_sources(text, "Journal") == {
        "Storage": ("volatile", "/etc/systemd/journald.conf.d/zz-debug.conf"),
        "SystemMaxUse": ("1G", "/etc/systemd/journald.conf.d/50-lpse.conf"),
    }


KNOWN = {"LPSE-21.5-TIME-01"}


def write(tmp_path, text):
    p = tmp_path / "waivers.yml"
    p.write_text(text)
    return p


GOOD = """\
waivers:
  - control: LPSE-21.5-TIME-01
    hosts: [spse-app-01]
    justification: migrasi
    approved_by: Kepala LPSE
    expires: 2026-12-31
"""


def test_waiver_holds_through_its_last_day(tmp_path):
    (w,) = waivers.load(write(tmp_path, GOOD), KNOWN)
    assert w.active(dt.date(2026, 12, 31)) and not w.active(dt.date(2027, 1, 1))
    assert w.covers("LPSE-21.5-TIME-01", "spse-app-01") and not w.covers("LPSE-21.5-TIME-01", "spse-db-01")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    justification: migrasi\n", "", r"waivers.yml:2: LPSE-21.5-TIME-01: justification is missing"),
        ("    approved_by: Kepala LPSE\n", "", r":2: LPSE-21.5-TIME-01: approved_by is missing"),
        ("expires: 2026-12-31", "expires: 31/12/2026", r"expires '31/12/2026' is not a date"),
        ("expires: 2026-12-31", "expires: 2026-13-01", r"waivers.yml:6: '2026-13-01' is not a valid value"),
        ("control: LPSE-21.5-TIME-01", "control: LPSE-00-X-01", r"unknown control 'LPSE-00-X-01'"),
        ("hosts: [spse-app-01]", "hosts: []", r"hosts must be a non-empty list"),
        ("    expires: 2026-12-31\n", "    expires: 2026-12-31\n    reason: x\n", r"unknown key\(s\) reason"),
    ],
)
def test_malformed_waivers_are_refused(tmp_path, old, new, message):
    with pytest.raises(InputError, match=message):
        waivers.load(write(tmp_path, GOOD.replace(old, new)), KNOWN)


def raw(outcome, control="LPSE-21.5-TIME-01", host="spse-app-01"):
    return {"control": control, "host": host, "outcome": outcome, "message": "m", "evidence": ["e"], "seconds": 0.1}


def test_statuses_score_diff_and_junit(tmp_path):
    (w,) = waivers.load(write(tmp_path, GOOD), KNOWN)
    today = dt.date(2026, 12, 1)
    rs = results.apply_waivers(
        [raw("fail"), raw("fail", host="spse-db-01"), raw("pass", host="mgmt-01"), raw("error", host="edge-01")],
        [w],
        today,
    )
    status = {r["host"]: r["status"] for r in rs}
    assert status == {"spse-app-01": "waived", "spse-db-01": "fail", "mgmt-01": "pass", "edge-01": "error"}
    assert results.score(rs) == pytest.approx(33.3)
    previous = [{**raw("pass", host="spse-db-01"), "status": "pass"}, {**raw("fail", host="mgmt-01"), "status": "fail"}]
    d = results.diff(rs, previous)
    assert d == {
        "new_failures": [["LPSE-21.5-TIME-01", "edge-01"], ["LPSE-21.5-TIME-01", "spse-db-01"]],
        "fixed": [["LPSE-21.5-TIME-01", "mgmt-01"]],
    }
    cat = load(ROOT / "compliance/catalogue")
    doc = {
        "run": {"started": "2026-12-01T00:00:00+00:00"},
        "results": rs,
        "controls": {"LPSE-21.5-TIME-01": results.control_info(cat.controls["LPSE-21.5-TIME-01"])},
    }
    results.write_junit(doc, tmp_path / "junit.xml")
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    counts = tuple(suite.get(k) for k in ("tests", "failures", "errors", "skipped"))
    assert counts == ("4", "1", "1", "1")


def test_ssh_options_are_removed_in_pairs():
    from lpse.comply.connect import without_options

    args = [
        "-o",
        "UserKnownHostsFile=/x",
        "-o",
        "ControlMaster=auto",
        "-oControlPersist=120s",
        "-C",
        "-o",
        "ControlPath=/tmp/%C",
        "-o",
        "BatchMode=yes",
    ]
    kept = without_options(args, ("controlmaster", "controlpersist", "controlpath"))
    assert kept == ["-o", "UserKnownHostsFile=/x", "-C", "-o", "BatchMode=yes"]


class _Out:
    def __init__(self, stdout: str):
        self.stdout, self.rc, self.stderr = stdout, 0, ""


class _Host:
    """Answers the two commands match_connections runs."""

    def __init__(self, grep: str, groups: dict[str, str]):
        self.grep, self.groups = grep, groups

    def run(self, command: str, *args):
        if command.startswith("grep"):
            return _Out(self.grep)
        return _Out(self.groups.get(args[0], ""))


def test_every_match_block_becomes_a_connection_sshd_can_evaluate():
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location("hardening_checks", ROOT / "compliance/checks/test_hardening.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    grep = (
        "/etc/ssh/sshd_config.d/50-helpdesk.conf:1:Match User dewi,budi\n"
        "/etc/ssh/sshd_config.d/60-net.conf:3:  Match Address 10.9.0.0/16 Group lpse-ssh LocalPort 2222\n"
    )
    found = checks.match_connections(_Host(grep, {"lpse-ssh": "lpse-ssh:x:1001:sari,budi"}))
    assert found == [
        (
            "/etc/ssh/sshd_config.d/50-helpdesk.conf:1 (Match User dewi,budi)",
            "user=dewi,host=localhost,addr=127.0.0.1,laddr=127.0.0.1,lport=22",
        ),
        (
            "/etc/ssh/sshd_config.d/60-net.conf:3 (Match Address 10.9.0.0/16 Group lpse-ssh LocalPort 2222)",
            "user=sari,host=localhost,addr=10.9.0.0,laddr=127.0.0.1,lport=2222",
        ),
    ]


class _File:
    def __init__(self, user="root", group="root", mode=0o600, content=""):
        self.user, self.group, self.mode, self.content_string, self.exists = user, group, mode, content, True


class _Sshd:
    """A host whose `sshd -T` answers what a provisioned lab host answered (tests/unit/data)."""

    def __init__(self, replace: dict[str, str] | None = None, mode: int = 0o600):
        from tests.conftest import ROOT

        lines = (ROOT / "tests/unit/data/sshd-T.txt").read_text().splitlines()
        for key, value in (replace or {}).items():
            lines = [f"{key} {value}" if line.split(" ", 1)[0] == key else line for line in lines]
        self.text, self.mode = "\n".join(lines) + "\n", mode

    def run(self, command: str, *args):
        out = _Out("" if command.startswith("grep") else self.text)  # no Match block
        out.command = command
        return out

    def file(self, path: str):
        return _File(mode=self.mode)


class _Evidence(list):
    def add(self, line):
        self.append(line)


def _hardening_checks():
    from tests.conftest import load_checks

    return load_checks("test_hardening.py")


def test_ssh_sessions_pass_as_the_role_leaves_them_and_fail_naming_each_loosening():
    checks = _hardening_checks()
    checks.test_ssh_sessions_limited_and_logged(_Sshd(), {}, _Evidence())
    loose = _Sshd({"allowtcpforwarding": "yes", "maxauthtries": "6", "loglevel": "QUIET"}, mode=0o644)
    with pytest.raises(AssertionError) as failed:
        checks.test_ssh_sessions_limited_and_logged(loose, {}, _Evidence())
    for words in ("log level QUIET", "MaxAuthTries 6 (at most 4)", "allowtcpforwarding yes", "0o644"):
        assert words in str(failed.value)


def test_a_match_block_with_a_wildcard_address_and_a_negation_is_evaluated_for_a_login_it_applies_to():
    checks = _hardening_checks()
    grep = "/etc/ssh/sshd_config.d/70-x.conf:2:Match Address 10.*,!10.9.9.9 User !root,*\n"
    found = checks.match_connections(_Host(grep, {}))
    assert found == [
        (
            "/etc/ssh/sshd_config.d/70-x.conf:2 (Match Address 10.*,!10.9.9.9 User !root,*)",
            "user=1,host=localhost,addr=10.1.1.1,laddr=127.0.0.1,lport=22",
        )
    ]
