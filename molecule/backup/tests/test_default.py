"""What the backup role leaves: a backup host that makes a real, verified backup of the database
server onto its medium, and restores it in a drill."""

import json

testinfra_hosts = ["mol-bak-mgmt"]


def test_timer_enabled(host):
    assert host.service("lpse-backup.timer").is_enabled
    assert host.file("/etc/lpse/backup.key").mode == 0o400


def test_backup_and_drill(host):
    made = json.loads(host.check_output("lpse-backup run --json"))
    assert made["ok"] and made["verified"] and made["rows"]["epns_prod"] >= 0
    drill = json.loads(host.check_output("lpse-backup drill --json"))
    assert drill["ok"], drill["problems"]
    assert drill["set"] == made["set"]
    # The medium is not left mounted.
    assert host.run("findmnt /run/lpse-backup/medium").rc != 0


def test_the_source_account_runs_only_its_forced_command(host):
    key = "/var/lib/lpse/backup/id_ed25519"
    kh = "/var/lib/lpse/backup/known_hosts"
    shell = host.run(f"ssh -i {key} -o UserKnownHostsFile={kh} -o BatchMode=yes lpse-backup@10.213.58.12 id")
    assert shell.rc != 0 and "unknown request 'id'" in shell.stderr
