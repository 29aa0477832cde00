"""Backups of the lab's SPSE stack to the portable medium on mgmt-01 (Pasal 23): a backup and a
restore drill with matching counts and checksums, a killed backup that never counts, a flipped
byte caught by verify, a full medium, and bad input stopped before anything is written."""

from __future__ import annotations

import json
import time

import pytest

from lpse.runner import run_playbook
from tests.lab.conftest import inventory_without, ssh

MGMT = "mgmt-01"
LABEL = "LPSE-BAK-01"
MEDIUM = "d=$(blkid -L LPSE-BAK-01) && mkdir -p /mnt/medium && mount $d /mnt/medium"
SETS = "/mnt/medium/lpse-backups"


@pytest.fixture(scope="module")
def stack(converged):
    lab = converged
    # Data worth keeping: rows through the application, and documents in the file store.
    for n in range(3):
        ssh(lab, "spse-app-01", f"curl -sf -X POST -d nama=Paket+cadangan+{n} http://127.0.0.1:8080/api/paket")
    ssh(
        lab,
        "spse-app-01",
        "runuser -u appserv -- sh -c 'mkdir -p /home/file/file_prod/2026/paket-7 && "
        "head -c 2000000 /dev/urandom > /home/file/file_prod/2026/paket-7/penawaran.pdf && "
        "echo kontrak > /home/file/file_prod/2026/paket-7/kontrak.txt'",
    )
    return lab


def backup(lab, *args: str, check: bool = True) -> tuple[int, dict | None, str]:
    proc = ssh(lab, MGMT, "lpse-backup " + " ".join(args) + " --json", check=False, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    return proc.returncode, (json.loads(out) if out.startswith("{") else None), proc.stderr.strip()


def on_medium(lab, command: str) -> str:
    """Run a shell command with the medium mounted at /mnt/medium (as an operator would by hand)."""
    return ssh(lab, MGMT, f"{MEDIUM} && trap 'umount /mnt/medium' EXIT && {command}").stdout


@pytest.mark.smoke
def test_backup_then_restore_drill_matches_the_source(stack):
    rows = int(
        ssh(
            stack, "spse-db-01", "runuser -u postgres -- psql -XAtq -d epns_prod -c 'SELECT count(*) FROM paket'"
        ).stdout.strip()
    )
    _, result, _ = backup(stack, "run")
    assert result["ok"] and result["verified"], result
    assert result["rows"]["epns_prod"] >= rows >= 3
    assert result["files"]["file_prod"] >= 2
    # The medium is mounted only while a command runs.
    assert ssh(stack, MGMT, "findmnt /run/lpse-backup/medium", check=False).returncode != 0
    # Everything on the medium is encrypted: no plain SQL dump or tar header is readable.
    listing = on_medium(
        stack, f"ls {SETS}/{result['set']}; head -c 4 {SETS}/{result['set']}/epns_prod.dump.gpg | od -c"
    )
    assert "MANIFEST.json" in listing and "COMPLETE" in listing
    assert "P   G   D   M" not in listing

    # The drill, through the playbook (as `lpse backup drill` runs it).
    drill = run_playbook("playbooks/restore_drill.yml", inventory=stack.inventory_path, quiet=True)
    assert drill.ok, drill.failures
    _, status, _ = backup(stack, "status")
    last = status["drills"][-1]
    print("drill:", json.dumps(last["checks"], sort_keys=True))
    assert last["ok"] and last["set"] == result["set"], last
    assert last["checks"]["epns_prod"]["rows"] == result["rows"]["epns_prod"]
    assert last["checks"]["epns_prod"]["differences"] == {}
    assert last["checks"]["file_prod"]["files"] >= 2 and last["checks"]["file_prod"]["differences"] == []
    # The scratch database and directory are gone again.
    dbs = ssh(stack, "spse-db-01", "runuser -u postgres -- psql -XAtq -c 'SELECT datname FROM pg_database'").stdout
    assert "lpse_drill" not in dbs
    assert ssh(stack, MGMT, "test -e /var/tmp/lpse-drill", check=False).returncode != 0


def test_a_backup_killed_halfway_never_counts(stack):
    _, good, _ = backup(stack, "run")
    # A larger file store so the run is still busy when it is killed.
    ssh(stack, "spse-app-01", "runuser -u appserv -- head -c 120000000 /dev/urandom > /home/file/file_prod/big.bin")
    try:
        ssh(stack, MGMT, "nohup lpse-backup run > /tmp/killed.log 2>&1 &")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            partial = ssh(stack, MGMT, "ls -d /run/lpse-backup/medium/lpse-backups/.partial-*/epns_prod.dump.gpg",
                          check=False)  # fmt: skip
            if partial.returncode == 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the backup never started writing")
        # [l]: the pattern must not match the command line of the sudo that runs pkill itself.
        ssh(stack, MGMT, "pkill -KILL -f '[l]pse-backup run'")
        _, listing, _ = backup(stack, "list")
        complete = [s["set"] for s in listing["sets"] if s["complete"]]
        incomplete = [s["set"] for s in listing["sets"] if not s["complete"]]
        assert complete[-1] == good["set"], listing
        assert any(n.startswith(".partial-") for n in incomplete), listing
        _, verified, _ = backup(stack, "verify", "--set", good["set"])
        assert verified["ok"], verified
    finally:
        ssh(stack, "spse-app-01", "rm -f /home/file/file_prod/big.bin")
    # The next run clears the leftover and counts only complete sets.
    _, again, _ = backup(stack, "run")
    _, listing, _ = backup(stack, "list")
    assert [s for s in listing["sets"] if not s["complete"]] == []
    assert listing["sets"][-1]["set"] == again["set"]


def test_a_flipped_byte_is_caught_by_verify_naming_the_file(stack):
    _, made, _ = backup(stack, "run")
    name = made["set"]
    target = f"{SETS}/{name}/file_prod.tar.gpg"
    flip = f"python3 -c \"f=open('{target}','r+b'); f.seek(200); b=f.read(1); f.seek(200); f.write(bytes([b[0]^1]))\""
    on_medium(stack, flip)
    rc, result, _ = backup(stack, "verify", check=False)
    assert rc == 1
    problems = result["sets"][name]
    assert problems and "file_prod.tar.gpg" in problems[0] and "differs from the manifest" in problems[0], problems
    # The other sets still verify; a new run makes a good newest set again.
    assert all(not p for n, p in result["sets"].items() if n != name)
    backup(stack, "run")


def test_a_full_medium_stops_the_backup_and_keeps_earlier_sets(stack):
    _, before, _ = backup(stack, "list")
    on_medium(stack, "dd if=/dev/zero of=/mnt/medium/filler bs=1M status=none || true")
    try:
        rc, _, err = backup(stack, "run", check=False)
        assert rc == 1
        assert f"medium {LABEL} is full" in err, err
        _, after, _ = backup(stack, "list")
        assert [s["set"] for s in after["sets"]] == [s["set"] for s in before["sets"]]
        _, verified, _ = backup(stack, "verify")
        assert verified["ok"]
    finally:
        on_medium(stack, "rm -f /mnt/medium/filler")


def test_an_unknown_medium_label_stops_with_a_clear_message(stack):
    config = ssh(stack, MGMT, "cat /etc/lpse/backup.json").stdout
    result = run_playbook(
        "playbooks/site.yml",
        inventory=stack.inventory_path,
        tags="backup",
        extravars={"backup_medium_label": "LPSE-BAK-99"},
        quiet=True,
    )
    assert not result.ok
    assert any("no filesystem labelled LPSE-BAK-99" in f for f in result.failures), result.failures
    assert ssh(stack, MGMT, "cat /etc/lpse/backup.json").stdout == config


@pytest.mark.parametrize(
    ("extravars", "message"),
    [
        ({"backup_retention": {"daily": 0, "weekly": 4, "monthly": 12}}, "backup_retention must map"),
        ({"backup_encryption_passphrase": "short"}, "at least 20 characters"),
    ],
    ids=["retention-zero", "weak-key"],
)
def test_bad_input_stops_in_preflight(stack, extravars, message):
    config = ssh(stack, MGMT, "cat /etc/lpse/backup.json").stdout
    result = run_playbook(
        "playbooks/site.yml", inventory=stack.inventory_path, tags="backup", extravars=extravars, quiet=True
    )
    assert not result.ok
    assert any(message in f for f in result.failures), result.failures
    assert ssh(stack, MGMT, "cat /etc/lpse/backup.json").stdout == config


def test_a_missing_encryption_key_writes_nothing(stack):
    _, before, _ = backup(stack, "list")
    ssh(stack, MGMT, "mv /etc/lpse/backup.key /etc/lpse/backup.key.away")
    try:
        rc, _, err = backup(stack, "run", check=False)
        assert rc == 2 and "encryption key /etc/lpse/backup.key is missing" in err, err
    finally:
        ssh(stack, MGMT, "mv /etc/lpse/backup.key.away /etc/lpse/backup.key")
    _, after, _ = backup(stack, "list")
    assert after["sets"] == before["sets"]


def test_a_missing_vault_passphrase_stops_in_preflight(stack, tmp_path):
    config = ssh(stack, MGMT, "cat /etc/lpse/backup.json").stdout
    inventory = inventory_without(stack, tmp_path, "vault_backup_passphrase")
    result = run_playbook("playbooks/site.yml", inventory=inventory, tags="backup", quiet=True)
    assert not result.ok
    assert any("backup_encryption_passphrase is missing" in f for f in result.failures), result.failures
    assert result.total("changed") == 0
    assert ssh(stack, MGMT, "cat /etc/lpse/backup.json").stdout == config
