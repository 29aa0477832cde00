"""Drift: realistic changes made by hand on a provisioned lab (at least one per control family),
all at once, as a night of incident work leaves them. Each must fail its control with evidence that
names the change; then ONE `lpse provision` must repair all of them and comply return to 100 %.

The table is the issue's examples and more. What a role removes is moved to
/var/lib/lpse/quarantine, never deleted: it is evidence of who changed what.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

import pytest

from lpse.runner import run_playbook
from tests.lab.conftest import ssh
from tests.lab.test_compliance import answering, comply, result_of

PG = "/etc/postgresql/15/main"


@dataclass(frozen=True)
class Drift:
    family: str
    host: str
    change: str  # what a person did, in words
    command: str
    control: str
    names: str  # what the failure's message or evidence must contain
    # False for the access log: its records are evidence, so no provision may rewrite them; the
    # control stays failing until a person restores the log (here: the test, from its copy).
    repaired_by_provision: bool = True


DRIFTS = [
    Drift(
        "firewall",
        "spse-db-01",
        "an accept rule for a port, from anywhere",
        "nft insert rule inet lpse input tcp dport 8443 accept",
        "LPSE-21.1-FW-04",
        "tcp dport 8443 accept",
    ),
    Drift(
        "firewall",
        "edge-01",
        "the router forwards the internet to the database",
        "nft insert rule inet lpse forward ip daddr 10.213.0.12 tcp dport 5432 accept",
        "LPSE-21.1-FW-04",
        "ip daddr 10.213.0.12 tcp dport 5432 accept",
    ),
    Drift(
        "accounts",
        "spse-app-01",
        "a file in /etc/sudoers.d giving www-data NOPASSWD: ALL",
        "printf 'www-data ALL=(ALL) NOPASSWD: ALL\\n' > /etc/sudoers.d/zz-helpdesk"
        " && chmod 0440 /etc/sudoers.d/zz-helpdesk",
        "LPSE-21.1-ACC-01",
        "/etc/sudoers.d/zz-helpdesk",
    ),
    Drift(
        "accounts",
        "spse-db-01",
        "a new account in the sudo group",
        "(id tamu >/dev/null 2>&1 || useradd -m -s /bin/bash tamu) && usermod -aG sudo tamu",
        "LPSE-21.1-ACC-01",
        "sudo is open to tamu",
    ),
    Drift(
        "accounts",
        "mgmt-01",
        "a rule appended to /etc/sudoers for a deactivated member of staff",
        "echo 'hendra ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers",
        "LPSE-21.1-ACC-01",
        "/etc/sudoers:",
    ),
    Drift(
        "base",
        "spse-db-01",
        "a journald drop-in sorting after the role's, making the journal volatile",
        "printf '[Journal]\\nStorage=volatile\\n' > /etc/systemd/journald.conf.d/zz-debug.conf"
        " && systemctl restart systemd-journald",
        "LPSE-21.5-LOG-01",
        "/etc/systemd/journald.conf.d/zz-debug.conf",
    ),
    Drift(
        "base",
        "edge-01",
        "an sshd drop-in read before the banner's, turning the banner off",
        "echo 'Banner none' > /etc/ssh/sshd_config.d/05-quiet.conf && systemctl reload ssh",
        "LPSE-21.1-BANNER-01",
        "05-quiet.conf",
    ),
    Drift(
        "base",
        "spse-app-01",
        "the time zone set to UTC",
        "ln -sf /usr/share/zoneinfo/UTC /etc/localtime",
        "LPSE-21.5-TIME-01",
        "timezone is Etc/UTC",
    ),
    Drift(
        "database",
        "spse-db-01",
        "listen_addresses = '*' appended to postgresql.conf, after the include of conf.d",
        f"echo \"listen_addresses = '*'\" >> {PG}/postgresql.conf && systemctl restart postgresql@15-main",
        "LPSE-21.1-DB-02",
        f"{PG}/postgresql.conf line",
    ),
    Drift(
        "database",
        "spse-db-01",
        "a conf.d file storing new passwords as md5, and a trust line in pg_hba.conf",
        f"echo \"password_encryption = 'md5'\" > {PG}/conf.d/99-local.conf"
        f" && echo 'host all all 10.213.0.0/24 trust' >> {PG}/pg_hba.conf && systemctl reload postgresql@15-main",
        "LPSE-21.1-DB-01",
        f"{PG}/conf.d/99-local.conf",
    ),
    Drift(
        "application",
        "spse-app-01",
        "a drop-in loosening the SPSE unit's sandbox",
        "mkdir -p /etc/systemd/system/spse.service.d && printf '[Service]\\nProtectSystem=no\\nNoNewPrivileges=no\\n'"
        " > /etc/systemd/system/spse.service.d/debug.conf && systemctl daemon-reload && systemctl restart spse",
        "LPSE-21.2-APP-01",
        "/etc/systemd/system/spse.service.d/debug.conf",
    ),
    Drift(
        "application",
        "spse-app-01",
        "the file store opened to every account",
        "chmod 0755 /home/file/file_prod",
        "LPSE-21.2-APP-03",
        "/home/file/file_prod is open to every account",
    ),
    Drift(
        "application",
        "spse-app-01",
        "nginx's security headers emptied",
        ": > /etc/nginx/snippets/lpse-security-headers.conf && systemctl reload nginx",
        "LPSE-21.1-WEB-02",
        "strict-transport-security",
    ),
    Drift(
        "backup",
        "mgmt-01",
        "the daily backup's timer disabled",
        "systemctl disable --now lpse-backup.timer",
        "LPSE-23-BAK-01",
        "lpse-backup.timer is disabled",
    ),
    Drift(
        "capacity",
        "spse-db-01",
        "the capacity recorder's timer stopped",
        "systemctl stop lpse-capacity.timer",
        "LPSE-22a-CAP-04",
        "lpse-capacity.timer is inactive",
    ),
    Drift(
        "environment",
        "mgmt-01",
        "the server-room recorder's timer disabled",
        "systemctl disable --now lpse-room.timer",
        "LPSE-21.3-ENV-03",
        "lpse-room.timer is disabled",
    ),
    Drift(
        "metrics",
        "spse-db-01",
        "the metrics writer's timer stopped",
        "systemctl stop lpse-metrics.timer",
        "LPSE-22e-MON-01",
        "lpse-metrics.timer is inactive",
    ),
    Drift(
        "hardening",
        "spse-db-01",
        "ICMP redirects accepted again (a runtime sysctl)",
        "sysctl -qw net.ipv4.conf.all.accept_redirects=1",
        "LPSE-21.1-NET-01",
        "net.ipv4.conf.all.accept_redirects=1",
    ),
    Drift(
        "hardening",
        "spse-db-01",
        "an sshd drop-in with a Match block letting one member of staff log in with a password",
        "printf 'Match User dewi\\n    PasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/50-helpdesk.conf"
        " && systemctl reload ssh",
        "LPSE-21.1-SSH-01",
        "/etc/ssh/sshd_config.d/50-helpdesk.conf:1",
    ),
    Drift(
        "hardening",
        "mgmt-01",
        "a line in /etc/sysctl.conf that undoes a hardened parameter at the next boot",
        "echo 'net.ipv4.conf.all.accept_source_route = 1' >> /etc/sysctl.conf",
        "LPSE-21.1-NET-01",
        "after a reboot (set by /etc/sysctl.d/99-sysctl.conf)",
    ),
    Drift(
        "network",
        "spse-app-01",
        "the shaping removed from the LAN interface",
        "tc qdisc del dev eth0 root",
        "LPSE-22b-BW-01",
        "eth0 is not shaped",
    ),
    Drift(
        "network",
        "edge-01",
        "the traffic recorder's timer stopped",
        "systemctl stop lpse-traffic.timer",
        "LPSE-22b-BW-02",
        "lpse-traffic.timer is inactive",
    ),
    Drift(
        "network",
        "mgmt-01",
        "the internet-connection probe's timer disabled",
        "systemctl disable --now lpse-netprobe.timer",
        "LPSE-22c-NET-01",
        "lpse-netprobe.timer is disabled",
    ),
    Drift(
        "power",
        "spse-app-01",
        "the UPS monitor stopped",
        "systemctl stop nut-monitor",
        "LPSE-21.3-UPS-03",
        "upsmon",
    ),
    Drift(
        "devices",
        "edge-01",
        "a static route deleted on the router",
        "ip route del 10.213.20.0/24",
        "LPSE-21.1-DEV-01",
        "10.213.20.0/24",
    ),
]


# The access log lives on the control node (applies_to: localhost); its "drift" is a hand edit.
TAMPER = Drift(
    "access",
    "localhost",
    "a check-in's badge number changed in the access-log database with sqlite3",
    # whatever the newest check-in's badge is (other tests add visits): one character more
    'UPDATE records SET body = replace(body, \'"badge":"\', \'"badge":"X\') '
    "WHERE seq = (SELECT max(seq) FROM records WHERE kind = 'checkin')",
    "LPSE-21.4-ACC-01",
    "record(s) altered",
    repaired_by_provision=False,
)
DRIFTS.append(TAMPER)


def apply(lab, d: Drift) -> None:
    if d is TAMPER:
        with sqlite3.connect(access_database(lab)) as db:
            assert db.execute(d.command).rowcount == 1
        db.close()
        return
    ssh(lab, d.host, d.command)
    answering(lab, d.host)


def access_database(lab):
    from lpse.access.config import load

    return load(lab.inventory_path).database


def copy_database(src, dst) -> None:
    """SQLite's own backup (the log is in WAL mode: a file copy could miss what is in the WAL)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def said(row: dict) -> str:
    return " | ".join([row.get("message") or "", *row.get("evidence", [])])


@pytest.fixture(scope="module")
def drift(provisioned, tmp_path_factory):
    """Comply on the provisioned lab, every drift at once, comply, ONE provision, comply."""
    lab = provisioned
    results = tmp_path_factory.mktemp("drift")
    waivers = lab.inventory_path.parent / "waivers.yml"
    out = {"lab": lab, "before": comply(lab, results, waivers=waivers), "results": results, "waivers": waivers}
    database = access_database(lab)
    copy_database(database, results / "access.db.before")
    try:
        for d in DRIFTS:
            apply(lab, d)
        out["drifted"] = comply(lab, results, waivers=waivers)
    finally:  # even when a drift could not be applied, the provision repairs what was
        started = time.monotonic()
        out["provision"] = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
        out["provision_s"] = time.monotonic() - started
    started = time.monotonic()
    out["after"] = comply(lab, results, waivers=waivers)
    out["comply_s"] = time.monotonic() - started
    yield out
    copy_database(results / "access.db.before", database)  # whatever a failed test left


@pytest.mark.parametrize("d", DRIFTS, ids=[f"{d.family}-{d.control}-{d.host}" for d in DRIFTS])
def test_each_drift_fails_its_control_naming_the_change(drift, d):
    assert result_of(drift["before"].doc, d.control, d.host)["status"] == "pass"
    row = result_of(drift["drifted"].doc, d.control, d.host)
    print(d.control, d.host, said(row))
    assert row["status"] == "fail", row
    assert d.names in said(row), row


def test_one_provision_repairs_every_drift(drift):
    assert drift["provision"].ok, drift["provision"].failures
    doc = drift["after"].doc
    kept = {(d.control, d.host) for d in DRIFTS if not d.repaired_by_provision}
    still = [
        (r["control"], r["host"], r["message"])
        for r in doc["results"]
        if r["status"] not in ("pass", "waived") and (r["control"], r["host"]) not in kept
    ]
    assert not still, still
    caught = [d for d in DRIFTS if result_of(drift["drifted"].doc, d.control, d.host)["status"] == "fail"]
    fixable = [d for d in caught if d.repaired_by_provision]
    repaired = [d for d in fixable if result_of(doc, d.control, d.host)["status"] == "pass"]
    print(
        f"{len(DRIFTS)} drifts in {len({d.family for d in DRIFTS})} families: caught {len(caught)}/{len(DRIFTS)}, "
        f"repaired by one provision {len(repaired)}/{len(fixable)} (and {len(caught) - len(fixable)} tampered "
        f"access-log record kept failing by design); provision {drift['provision_s']:.0f} s, "
        f"comply after it {drift['comply_s']:.0f} s"
    )
    assert len(repaired) == len(fixable) == len(DRIFTS) - len(kept)
    assert len(caught) == len(DRIFTS)


def test_a_tampered_access_log_is_not_repaired_but_named_until_restored(drift):
    lab = drift["lab"]
    row = result_of(drift["after"].doc, TAMPER.control, TAMPER.host)
    assert row["status"] == "fail" and TAMPER.names in said(row)
    copy_database(drift["results"] / "access.db.before", access_database(lab))
    again = comply(lab, drift["results"], TAMPER.control, waivers=drift["waivers"])
    assert result_of(again.doc, TAMPER.control, TAMPER.host)["status"] == "pass"


def test_what_the_roles_removed_is_kept_in_the_quarantine(drift):
    lab = drift["lab"]
    kept = ssh(lab, "spse-app-01", "ls /var/lib/lpse/quarantine/etc_sudoers.d/").stdout
    assert "zz-helpdesk." in kept
    pg = ssh(lab, "spse-db-01", f"grep -c '^# lpse-dc: ' {PG}/postgresql.conf; ls /var/lib/lpse/quarantine")
    assert pg.stdout.split()[0] != "0" and "etc_postgresql_15_main_conf.d" in pg.stdout
    groups = ssh(lab, "spse-db-01", "id -nG tamu").stdout.split()
    assert "sudo" not in groups  # the account stays, without sudo
    ssh(lab, "spse-db-01", "userdel -r tamu")
