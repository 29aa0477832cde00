"""Honest verdicts: a check that could not run is an error with its real cause, never a fail;
a report never states a fact from data it could not read; one run at a time, nothing left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from lpse.runner import run_playbook
from tests.conftest import ROOT
from tests.lab.conftest import ssh
from tests.lab.test_compliance import comply, result_of

LPSE = [sys.executable, "-m", "lpse.cli"]


def nsenter(lab, host: str, command: str) -> subprocess.CompletedProcess:
    """A command on a lab host from the control side, without SSH (for hosts SSH cannot reach)."""
    pid = lab._systemd_pid(host)
    assert pid, f"{host} is not running"
    return subprocess.run(
        ["nsenter", "-t", str(pid), "-a", "sh", "-c", command], capture_output=True, text=True, timeout=30
    )


def _proc(pid: int) -> tuple[str, str, int] | None:
    """(command line, state, parent pid) of a live process, or None."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return argv, fields[0], int(fields[1])


def processes(pattern: str, under: int | None = None, lab=None) -> list[str]:
    """Live processes containing ``pattern`` that this test started: descendants of ``under``, or
    inside ``lab``'s hosts (its cgroup). Other test streams run Ansible and Mitogen on this
    machine at the same time (make test), so nothing machine-wide is counted."""
    table = {int(e): info for e in os.listdir("/proc") if e.isdigit() and (info := _proc(int(e)))}
    mine: set[int] = set()
    if under is not None:
        mine.add(under)
        grown = True
        while grown:
            more = {pid for pid, info in table.items() if info[2] in mine} - mine
            mine |= more
            grown = bool(more)
    if lab is not None:
        marker = f"/lpse-lab/{lab.topo.name}/"  # lpse.lab.cgroup: <root>/lpse-lab/<lab>/<member>
        for pid in table:
            try:
                if marker in Path(f"/proc/{pid}/cgroup").read_text():
                    mine.add(pid)
            except OSError:
                continue
    return [
        f"{pid}: {table[pid][0][:160]}"
        for pid in sorted(mine & table.keys())
        if pattern in table[pid][0] and table[pid][1] != "Z" and pid != os.getpid()
    ]


def still_alive(found: list[str]) -> list[str]:
    """Those of ``found`` (from processes()) still running: the same pid and command, not a zombie."""
    alive = []
    for entry in found:
        pid, argv = entry.split(": ", 1)
        info = _proc(int(pid))
        if info and info[1] != "Z" and info[0][:160] == argv:
            alive.append(entry)
    return alive


def monthly_report(lab, results: Path) -> subprocess.CompletedProcess:
    """This month's report (HTML) from the lab, collected into ``results``."""
    return subprocess.run(
        [*LPSE, "report", "monthly", "--month", time.strftime("%Y-%m"), "--format", "html",
         "-i", str(lab.inventory_path), "--results-dir", str(results)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip


def wait_until(predicate, seconds: float, step: float = 0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def test_sigkill_of_lpse_provision_leaves_no_ansible_and_no_mitogen_behind(provisioned, tmp_path):
    lab = provisioned
    log = tmp_path / "provision.log"
    with log.open("w") as out:
        proc = subprocess.Popen([*LPSE, "provision", "-i", str(lab.inventory_path)], stdout=out, stderr=out, cwd=ROOT)
    try:
        # Mid-run: ansible-playbook is working and Mitogen's interpreters run on the hosts.
        assert wait_until(lambda: len(processes("(mitogen:", lab=lab)) >= 4, 120), log.read_text()[-2000:]
        ansible = processes("ansible-playbook", under=proc.pid)
        assert ansible
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        left = wait_until(lambda: not (still_alive(ansible) + processes("(mitogen:", lab=lab)), 30)
        assert left, f"left behind: {still_alive(ansible) + processes('(mitogen:', lab=lab)}"
    finally:
        if proc.poll() is None:
            proc.kill()
    # The inventory is free again, and the next run converges.
    again = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    assert again.ok, again.failures


def test_a_second_run_on_the_same_inventory_is_refused_naming_the_holder(provisioned, tmp_path):
    """The first run holds the inventory until the test releases it: the second is refused
    however long it takes to start on a loaded machine (a `--tags base` run could end first)."""
    lab = provisioned
    release = tmp_path / "release"
    first = subprocess.Popen(
        [
            *LPSE,
            "provision",
            "-i",
            str(lab.inventory_path),
            "-e",
            f"hold_release_file={release}",
            "tests/lab/playbooks/hold.yml",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        assert wait_until(lambda: processes("lpse-playbook-guard", under=first.pid), 120)  # it holds the inventory
        second = subprocess.run(
            [*LPSE, "--lang", "en", "provision", "-i", str(lab.inventory_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert second.returncode == 1, second.stderr
        assert f"is in use by another run: pid {first.pid} (lpse: hold.yml), started 20" in second.stderr
    finally:
        release.touch()
        first.wait(timeout=300)
    assert first.returncode == 0


def test_a_limit_that_matches_no_host_is_bad_input(provisioned):
    for argv in (["provision", "--limit", "no-such-host"], ["comply", "--limit", "no-such-host"]):
        proc = subprocess.run(
            [*LPSE, "--lang", "en", *argv, "-i", str(provisioned.inventory_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert proc.returncode == 2, (argv, proc.stdout, proc.stderr)
        assert "--limit 'no-such-host' matches no host of" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_lpse_outside_an_activated_venv_scores_what_the_activated_one_does(provisioned, tmp_path):
    """`.venv/bin/lpse comply` with a PATH that has no venv finds its own Ansible."""
    lab = provisioned
    system = "/usr/sbin:/usr/bin:/sbin:/bin"
    bare = {**os.environ, "PATH": system, "LPSE_RESULTS": str(tmp_path / "bare")}
    active = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{system}", "LPSE_RESULTS": str(tmp_path / "act")}
    docs = []
    for env in (bare, active):
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "lpse"), "comply", "-i", str(lab.inventory_path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=600,
        )
        assert "not found" not in proc.stderr, proc.stderr
        run_dir = sorted(Path(env["LPSE_RESULTS"], "compliance").iterdir())[-1]
        docs.append(json.loads((run_dir / "results.json").read_text()))
    statuses = [{(r["control"], r["host"]): r["status"] for r in d["results"]} for d in docs]
    assert statuses[0] == statuses[1]
    assert docs[0]["summary"]["score"] == docs[1]["summary"]["score"]


def test_a_missing_tool_on_a_host_is_an_error_with_its_cause(provisioned, tmp_path):
    lab = provisioned
    ssh(lab, "spse-db-01", "mv /usr/sbin/nft /usr/sbin/nft.away")
    try:
        outcome = comply(lab, tmp_path, "LPSE-21.1-FW-01", "LPSE-21.1-FW-02", limit="spse-db-01")
    finally:
        ssh(lab, "spse-db-01", "mv /usr/sbin/nft.away /usr/sbin/nft")
    for control in ("LPSE-21.1-FW-01", "LPSE-21.1-FW-02"):
        r = result_of(outcome.doc, control, "spse-db-01")
        assert r["status"] == "error", r
        assert "exit 127" in r["message"] and "nft" in r["message"], r
        assert any(line.startswith("could not check: ") and "nft" in line for line in r["evidence"]), r


def test_ssh_refused_is_an_error_and_the_report_says_it_could_not_read(provisioned, tmp_path):
    lab = provisioned
    results = tmp_path / "results"
    results.mkdir()
    cut = "nft insert rule inet lpse input tcp dport 22 reject with tcp reset comment lpse-test-refuse"
    assert nsenter(lab, "spse-db-01", cut).returncode == 0
    try:
        outcome = comply(lab, results, "LPSE-21.5-TIME-01", limit="spse-db-01:spse-app-01")
        report = monthly_report(lab, results)
    finally:
        handle = nsenter(lab, "spse-db-01", "nft -a list chain inet lpse input | grep lpse-test-refuse")
        rule = handle.stdout.strip().rsplit("handle", 1)[-1].strip()
        nsenter(lab, "spse-db-01", f"nft delete rule inet lpse input handle {rule}")
    r = result_of(outcome.doc, "LPSE-21.5-TIME-01", "spse-db-01")
    assert r["status"] == "error", r
    assert "over SSH" in r["message"] and "refused" in r["message"], r
    assert "****" not in r["message"]
    assert result_of(outcome.doc, "LPSE-21.5-TIME-01", "spse-app-01")["status"] == "pass"
    assert report.returncode == 0, report.stderr
    collection = json.loads((results / "collection.json").read_text())
    assert "refused" in collection["unread"]["capacity"]["spse-db-01"]
    html = (results / "reports" / f"monthly-{time.strftime('%Y-%m')}.id.html").read_text()
    assert "tidak dapat dibaca" in html and "spse-db-01" in html


def test_an_unreadable_backup_record_is_an_error_and_never_no_backups(provisioned, tmp_path):
    lab = provisioned
    results = tmp_path / "results"
    results.mkdir()
    records = "/var/lib/lpse/backup/backups.jsonl"
    ssh(lab, "mgmt-01", f"mv {records} {records}.away && mkdir {records}")
    try:
        outcome = comply(lab, results, "LPSE-23-BAK-01", "LPSE-23-BAK-04", limit="mgmt-01")
        report = monthly_report(lab, results)
    finally:
        ssh(lab, "mgmt-01", f"rmdir {records} && mv {records}.away {records}")
    for control in ("LPSE-23-BAK-01", "LPSE-23-BAK-04"):
        r = result_of(outcome.doc, control, "mgmt-01")
        assert r["status"] == "error", r
        assert "lpse-backup status failed (exit 1)" in r["message"] and "Is a directory" in r["message"], r
    assert report.returncode == 0, report.stderr
    collection = json.loads((results / "collection.json").read_text())
    assert "Is a directory" in collection["unread"]["backup"]["mgmt-01"]
    html = (results / "reports" / f"monthly-{time.strftime('%Y-%m')}.id.html").read_text()
    assert "tidak dapat dibaca" in html


def test_a_held_medium_is_an_error_naming_the_holder(provisioned, tmp_path):
    lab = provisioned
    inventory = tmp_path / "inventory"
    shutil.copytree(lab.inventory_path.parent, inventory, symlinks=True)
    (inventory / "host_vars").mkdir(exist_ok=True)
    (inventory / "host_vars" / "mgmt-01.yml").write_text("compliance_backup_status_wait_s: 2\n")
    holder = subprocess.Popen(
        lab.ssh_argv("mgmt-01", ["flock /run/lock/lpse-backup.lock sh -c 'echo held; sleep 61'"]),
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        outcome = comply(lab, tmp_path, "LPSE-23-BAK-03", limit="mgmt-01", inventory=inventory / "hosts.yml")
    finally:
        ssh(lab, "mgmt-01", "pkill -f '^sleep 61$' || true")
        holder.wait(timeout=30)
    r = result_of(outcome.doc, "LPSE-23-BAK-03", "mgmt-01")
    assert r["status"] == "error", r
    assert "the medium is busy after 2 s: held exclusively by pid" in r["message"], r
    assert "flock" in r["message"], r
    # Readers share the lock with each other: two at once never collide.
    both = ssh(
        lab,
        "mgmt-01",
        "lpse-backup status --json > /tmp/a & lpse-backup status --json > /tmp/b; wait; "
        'python3 -c \'import json; [json.load(open(p)) for p in ("/tmp/a", "/tmp/b")]\'',
    )
    assert both.returncode == 0


def test_after_a_power_cut_the_lab_is_compliant_without_provisioning(provisioned, tmp_path):
    """`lpse lab down` and `up` is a power cut: the router's boot script and the switch's startup
    configuration bring the network back as it was saved (LPSE-21.5-DEV-03); nothing is provisioned."""
    lab = provisioned
    lab.down(progress=print)
    lab.up(progress=print)
    assert wait_until(lambda: all(row.answers for row in lab.status()), 60)
    outcome = comply(lab, tmp_path, waivers=lab.inventory_path.parent / "waivers.yml")
    bad = [(r["control"], r["host"], r["message"]) for r in outcome.doc["results"] if r["status"] in ("fail", "error")]
    assert not bad
    assert outcome.doc["summary"]["score"] == 100.0


def test_comply_limit_alone_runs_every_control_of_that_host(provisioned, tmp_path):
    """`--limit` without `--area` ran no check and said 'score None%' with exit 0: controls that
    apply to no host of the limit were parametrized with pytest's NOTSET and crashed the run."""
    outcome = comply(provisioned, tmp_path, limit="spse-app-01")
    hosts = {r["host"] for r in outcome.doc["results"]}
    assert hosts == {"spse-app-01"}
    assert len(outcome.doc["results"]) >= 30
    assert outcome.doc["summary"]["score"] is not None
    assert outcome.doc["run"]["official"] is False
