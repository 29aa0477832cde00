"""The UPS with Network UPS Tools on the lab (Pasal 21 ayat (3)): mgmt-01 reads ups-01 (snmpsim,
RFC 1628) with the snmp-ups driver and serves it; every server's upsmon follows it. A power cut
and a weak battery are set on the simulated UPS card and seen by NUT, the controls and the event
records; a stopped upsmon fails its control until the role runs again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest

from lpse.runner import run_playbook
from tests.conftest import ROOT
from tests.lab.conftest import ssh, ups_selftest
from tests.lab.test_compliance import comply, result_of

SERVERS = ("spse-app-01", "spse-db-01", "mgmt-01")
PRIMARY = "10.213.0.13"
# What this file shows failing (tests/lab/test_compliance.py counts them as shown: POWER_SHOWN).
SHOWN = {
    "LPSE-21.3-UPS-01",
    "LPSE-21.3-UPS-02",
    "LPSE-21.3-UPS-03",
    "LPSE-21.3-UPS-04",
    "LPSE-21.3-ENV-01",
    "LPSE-21.3-ENV-02",
    "LPSE-21.3-ENV-03",
}


@pytest.fixture(scope="module")
def powered(converged):
    lab = converged
    yield lab
    lab.set("ups-01", ["ups.status=OL", "battery.charge=100", "battery.runtime=1800"])


def upsc(lab, host: str = "mgmt-01") -> dict[str, str]:
    out = ssh(lab, host, f"upsc ups-01@{PRIMARY} 2>/dev/null").stdout
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def wait_until(predicate, limit: float = 30) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(1)
    return False


def test_every_server_follows_the_ups(powered, tmp_path):
    lab = powered
    assert upsc(lab)["ups.status"] == "OL"
    for host in SERVERS:
        assert upsc(lab, host)["battery.charge"] == "100", host  # each server reads the primary's upsd
    doc = comply(lab, tmp_path, *sorted(SHOWN - {"LPSE-21.3-UPS-04"})).doc
    statuses = {(r["control"], r["host"]): r["status"] for r in doc["results"]}
    assert set(statuses.values()) == {"pass"}, statuses
    assert len(statuses) == 2 + len(SERVERS) + 2 + 1  # the UPS (2), each server's upsmon, the probe (2), its record


def test_the_module_reads_the_ups_and_its_upsmon_clients(powered):
    lab = powered
    password = lab.secrets()["ups_secondary_password"]
    args = {"host": PRIMARY, "ups": "ups-01", "username": "upsmon-secondary", "password": password}
    python = shutil.which("python3", path=os.environ["PATH"])
    argv = ["ansible", "localhost", "-i", "localhost,", "-c", "local", "-o"]
    argv += ["-e", f"ansible_python_interpreter={python}", "-m", "ups_facts", "-a", json.dumps(args)]
    env = {**os.environ, "ANSIBLE_STRATEGY": "linear"}
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    ups = json.loads(proc.stdout.split(" => ", 1)[1])["ansible_facts"]["lpse_ups"]
    print(ups["status"], ups["charge_pct"], ups["runtime_s"], ups["logins"], ups["clients"])
    assert ups["online"] and ups["runtime_s"] == 1800
    assert ups["logins"] == len(SERVERS)
    assert {"10.213.0.11", "10.213.0.12"} <= set(ups["clients"])


def test_a_power_cut_is_seen_recorded_and_fails_the_control(powered, tmp_path):
    lab = powered
    since = int(time.time())
    lab.set("ups-01", ["ups.status=OB DISCHRG", "battery.charge=92", "battery.runtime=1500"])
    try:
        assert wait_until(lambda: "OB" in upsc(lab).get("ups.status", "")), upsc(lab)
        r = result_of(comply(lab, tmp_path, "LPSE-21.3-UPS-01").doc, "LPSE-21.3-UPS-01", "mgmt-01")
        print(r["message"], r["evidence"])
        assert r["status"] == "fail" and "the UPS is on battery" in r["message"]

        def recorded(event: str) -> bool:
            out = ssh(lab, "spse-db-01", "cat /var/lib/lpse/power/events.jsonl 2>/dev/null || true").stdout
            return any(e["event"] == event and e["epoch"] >= since for e in map(json.loads, out.splitlines()))

        assert wait_until(lambda: recorded("ONBATT")), "the database server's upsmon recorded no ONBATT"
    finally:
        lab.set("ups-01", ["ups.status=OL", "battery.charge=100", "battery.runtime=1800"])
    assert wait_until(lambda: upsc(lab).get("ups.status") == "OL")
    assert wait_until(lambda: recorded("ONLINE")), "the return of the mains was not recorded"

    def journal() -> str:
        return ssh(lab, "mgmt-01", f"journalctl -t lpse-power --since @{since} -o cat").stdout

    # Each host's upsmon sees the mains return on its own poll.
    assert wait_until(lambda: "ONBATT" in journal() and "ONLINE" in journal()), journal()
    after = comply(lab, tmp_path, "LPSE-21.3-UPS-01").doc
    assert result_of(after, "LPSE-21.3-UPS-01", "mgmt-01")["status"] == "pass"


def test_a_weak_battery_fails_the_battery_control(powered, tmp_path):
    lab = powered
    lab.set("ups-01", ["battery.charge=40", "battery.runtime=300"])
    try:
        assert wait_until(lambda: upsc(lab).get("battery.charge") == "40")
        r = result_of(comply(lab, tmp_path, "LPSE-21.3-UPS-02").doc, "LPSE-21.3-UPS-02", "mgmt-01")
        assert r["status"] == "fail"
        assert r["message"] == "battery charge 40 % < 80 %; runtime 5.0 min < 10 min", r["message"]
    finally:
        lab.set("ups-01", ["battery.charge=100", "battery.runtime=1800"])
    assert wait_until(lambda: upsc(lab).get("battery.charge") == "100")
    after = comply(lab, tmp_path, "LPSE-21.3-UPS-02").doc
    assert result_of(after, "LPSE-21.3-UPS-02", "mgmt-01")["status"] == "pass"


def test_a_stopped_upsmon_fails_until_the_role_runs(powered, tmp_path):
    lab = powered
    ssh(lab, "spse-app-01", "systemctl stop nut-monitor.service")
    doc = comply(lab, tmp_path, "LPSE-21.3-UPS-03", limit="spse-app-01").doc
    r = result_of(doc, "LPSE-21.3-UPS-03", "spse-app-01")
    assert r["status"] == "fail" and "upsmon (nut-monitor.service) is inactive" in r["message"]
    fixed = run_playbook(
        "playbooks/site.yml", inventory=lab.inventory_path, limit="spse-app-01", tags="LPSE-21.3-UPS-02", quiet=True
    )
    assert fixed.ok and fixed.total("changed") >= 1

    def passes() -> bool:
        doc = comply(lab, tmp_path, "LPSE-21.3-UPS-03", limit="spse-app-01").doc
        return result_of(doc, "LPSE-21.3-UPS-03", "spse-app-01")["status"] == "pass"

    assert wait_until(passes, 30)


@pytest.mark.parametrize(
    ("setting", "control", "expected"),
    [
        ("temperature=31", "LPSE-21.3-ENV-01", "Suhu ruang server 31 °C is outside 18-27 °C"),
        ("humidity=72", "LPSE-21.3-ENV-02", "Kelembapan ruang server 72 %RH is outside 0-60 %RH"),
    ],
)
def test_an_overheating_or_damp_room_fails_its_control_with_the_reading(powered, tmp_path, setting, control, expected):
    lab = powered
    kind, value = setting.split("=")
    since = int(time.time())
    lab.set("envmon-01", [setting])
    try:
        r = result_of(comply(lab, tmp_path, control).doc, control, "envmon-01")
        print(r["message"], r["evidence"])
        assert r["status"] == "fail" and r["message"] == expected
        reading = expected.split(" is ")[0].replace(" ruang server ", " ruang server: ")  # "Suhu ruang server: 31 °C"
        assert any(e.startswith(reading) for e in r["evidence"]), r["evidence"]
        ssh(lab, "mgmt-01", "systemctl start lpse-room.service")  # the recorder's minute, now
        fired = alerts(lab, since, kind)
        assert [a["state"] for a in fired] == ["firing"] and fired[0]["value"] == float(value), fired
        journal = ssh(lab, "mgmt-01", f"journalctl -t lpse-alert --since @{since} -o cat").stdout
        assert f"room/{kind} FIRING" in journal, journal
    finally:
        lab.set("envmon-01", ["temperature=24", "humidity=45"])
    assert result_of(comply(lab, tmp_path, control).doc, control, "envmon-01")["status"] == "pass"
    ssh(lab, "mgmt-01", "systemctl start lpse-room.service")
    assert [a["state"] for a in alerts(lab, since, kind)] == ["firing", "resolved"]


def alerts(lab, since: int, key: str, host: str = "mgmt-01") -> list[dict]:
    out = ssh(lab, host, "cat /var/lib/lpse/alerts/alerts.jsonl 2>/dev/null || true").stdout
    return [a for a in map(json.loads, out.splitlines()) if a["epoch"] >= since and a["key"] == key]


def test_a_stopped_room_recorder_fails_the_record_control(powered, tmp_path):
    lab = powered
    control = "LPSE-21.3-ENV-03"
    ssh(lab, "mgmt-01", "systemctl stop lpse-room.timer")
    try:
        r = result_of(comply(lab, tmp_path, control).doc, control, "mgmt-01")
        assert r["status"] == "fail" and r["message"].startswith("lpse-room.timer is inactive"), r["message"]
    finally:
        ssh(lab, "mgmt-01", "systemctl start lpse-room.timer lpse-room.service")


ROOM_RECORD = "/var/lib/lpse/room/readings.jsonl"


def add_room_readings(lab, age_s: int, lost_s_ago: int | None = None) -> None:
    """Append to mgmt-01's room record its newest reading again, dated ``age_s`` seconds back,
    then (``lost_s_ago``) an attempt the probe did not answer."""
    newest = json.loads(ssh(lab, "mgmt-01", f"tail -n 1 {ROOM_RECORD}").stdout)
    now = int(time.time())
    added = [{**newest, "epoch": now - age_s}]
    if lost_s_ago is not None:
        added.append({"epoch": now - lost_s_ago, "sensors_ok": False, "errors": ["probe: Timeout"]})
    lines = "".join(json.dumps(r) + "\n" for r in added)
    ssh(lab, "mgmt-01", f"cat >> {ROOM_RECORD} <<'EOF'\n{lines}EOF")


def test_a_stale_room_reading_fails_the_record_control_while_the_timer_runs(powered, tmp_path):
    """The timer is active but its runs record nothing: the newest reading's age fails the control.
    Then the runs record again but the probe has not answered them for longer than allowed."""
    lab = powered
    control = "LPSE-21.3-ENV-03"
    # The timer stays active, but its runs record nothing: a runtime drop-in (gone at reboot) empties them.
    quiet = "/run/systemd/system/lpse-room.service.d"
    ssh(
        lab,
        "mgmt-01",
        f"mkdir -p {quiet} && printf '[Service]\\nExecStart=\\nExecStart=/bin/true\\n' > {quiet}/zz-test.conf"
        " && systemctl daemon-reload",
    )
    try:
        # An hour without a reading, as if the recorder had stopped recording then.
        add_room_readings(lab, 3600)
        r = result_of(comply(lab, tmp_path, control).doc, control, "mgmt-01")
        assert r["status"] == "fail" and r["message"].startswith("the newest room reading is 60 min old"), r["message"]
        # The recorder runs again, but the probe has not answered it for ten minutes: one lost answer
        # is evidence only, a window of them fails the control.
        add_room_readings(lab, 600, lost_s_ago=30)
        r = result_of(comply(lab, tmp_path, control).doc, control, "mgmt-01")
        assert r["status"] == "fail" and r["message"].startswith(
            "no room reading with sensor values for 10 min (at most 5): probe: Timeout"
        ), r["message"]
    finally:
        ssh(lab, "mgmt-01", f"rm -rf {quiet} && systemctl daemon-reload && systemctl start lpse-room.service")
    assert result_of(comply(lab, tmp_path, control).doc, control, "mgmt-01")["status"] == "pass"


def test_the_ups_self_test_is_noted_and_judged(powered, tmp_path):
    lab = powered
    control = "LPSE-21.3-UPS-04"

    def status() -> dict:
        return result_of(comply(lab, tmp_path, control).doc, control, "mgmt-01")

    ssh(lab, "mgmt-01", "rm -f /var/lib/lpse/room/selftests.jsonl")
    r = status()
    assert r["status"] == "fail" and r["message"].startswith("no UPS self-test recorded"), r["message"]
    ups_selftest(lab, "error")
    r = status()
    assert r["status"] == "fail" and r["message"] == "the UPS self-test did not pass: done and error", r["message"]
    ups_selftest(lab)
    r = status()
    print(r["evidence"])
    assert r["status"] == "pass" and "done and passed" in r["evidence"][0]
    tests = ssh(lab, "mgmt-01", "cat /var/lib/lpse/room/selftests.jsonl").stdout.splitlines()
    assert [json.loads(t)["result"] for t in tests] == ["done and error", "done and passed"]


# --- the power-cut drill (runs after every other lab test: it powers servers off) ---------------


class Writer:
    """Keeps inserting rows through SPSE (POST /api/paket via nginx) and remembers every id the
    application acknowledged (HTTP 201) before the power went."""

    def __init__(self, lab):
        import ssl
        import threading

        self.ctx = ssl.create_default_context(cafile=str(lab.state / "tls" / "ca.pem"))
        self.ctx.check_hostname = False  # the certificate names spse.<lab>.lab; we dial the address
        self.site = f"spse.{lab.topo.name}.lab"
        self.acknowledged: list[int] = []
        self.failures = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        import http.client

        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                conn = http.client.HTTPSConnection("10.213.0.11", 443, context=self.ctx, timeout=3)
                conn.request(
                    "POST", "/api/paket", body=f"nama=drill-{n}", headers={
                        "Host": self.site, "Content-Type": "application/x-www-form-urlencoded"},
                )  # fmt: skip
                answer = conn.getresponse()
                body = answer.read()
                if answer.status == 201:
                    self.acknowledged.append(json.loads(body)["id"])
                else:
                    self.failures += 1
            except OSError:
                self.failures += 1
                time.sleep(0.2)
            time.sleep(0.05)


def answers_ssh(lab, host: str) -> bool:
    from lpse.lab import probe

    return probe.ssh_banner(str(lab.topo.hosts[host].address), timeout=0.5) is not None


@pytest.mark.last
def test_power_cut_drill_shuts_down_in_order_and_loses_nothing(powered):
    lab = powered
    since = int(time.time())
    writer = Writer(lab)
    writer.thread.start()
    assert wait_until(lambda: len(writer.acknowledged) >= 20, 60), "the app acknowledges no rows"
    gone: dict[str, float] = {}
    try:
        lab.set("ups-01", ["ups.status=OB DISCHRG", "battery.charge=60", "battery.runtime=900"])
        time.sleep(8)  # the mains are out; on battery, still under the 5 min limit
        assert answers_ssh(lab, "spse-app-01")
        lab.set("ups-01", ["ups.status=OB LB", "battery.charge=9", "battery.runtime=120"])
        deadline = time.monotonic() + 240
        while len(gone) < len(SERVERS) and time.monotonic() < deadline:
            for host in SERVERS:
                if host not in gone and not answers_ssh(lab, host):
                    gone[host] = time.time() - since
            time.sleep(0.5)
    finally:
        writer.stop.set()
        writer.thread.join(timeout=10)
        lab.set("ups-01", ["ups.status=OL", "battery.charge=100", "battery.runtime=1800"])  # the mains return
    print(f"gone after (s): {gone}; rows acknowledged: {len(writer.acknowledged)}, failed requests: {writer.failures}")
    assert set(gone) == set(SERVERS), f"still up: {set(SERVERS) - set(gone)}"
    assert gone["spse-app-01"] < gone["spse-db-01"] < gone["mgmt-01"], gone

    lab.up(progress=lambda *_: None)  # the servers boot again
    assert wait_until(lambda: all(answers_ssh(lab, h) for h in SERVERS), 120)
    ssh(lab, "spse-db-01", "systemctl is-active --wait postgresql@15-main.service || sleep 5", check=False)
    pg_log = (
        f"journalctl -u postgresql@15-main -o cat --since @{since}; "
        "tail -n 40 /var/log/postgresql/postgresql-15-main.log 2>/dev/null"
    )
    log = ssh(lab, "spse-db-01", pg_log).stdout
    assert "database system was shut down at" in log, log[-2000:]
    assert "was interrupted" not in log and "redo starts" not in log, log[-2000:]
    ids = ",".join(map(str, writer.acknowledged))
    found = ssh(
        lab,
        "spse-db-01",
        f"runuser -u postgres -- psql -d epns_prod -Atc 'SELECT count(*) FROM paket WHERE id IN ({ids})'",
    )
    assert int(found.stdout.strip()) == len(writer.acknowledged), "acknowledged rows were lost"
    for host in SERVERS:
        events = [json.loads(x) for x in ssh(lab, host, "cat /var/lib/lpse/power/events.jsonl").stdout.splitlines()]
        kinds = {e["event"] for e in events if e["epoch"] >= since}
        print(host, sorted(kinds))
        assert {"ONBATT", "POWEROFF"} <= kinds, (host, kinds)
    assert run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True).ok
