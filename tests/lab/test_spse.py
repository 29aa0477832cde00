"""The SPSE stack on the lab: HTTPS from the internet to the stand-in reading the database,
LKPP's monitoring account, maintenance windows, deactivating staff, and bad input stopped in
preflight before any host changes."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
import yaml

from lpse.runner import run_playbook
from tests.lab.conftest import inventory_without, ssh

APP = "10.213.0.11"
SERVERS = ("spse-app-01", "spse-db-01", "mgmt-01")


@pytest.fixture(scope="module")
def stack(converged):
    lab = converged
    ca = (lab.state / "tls" / "ca.pem").read_text()
    subprocess.run(lab.ssh_argv("outside-01", ["cat > /tmp/lab-ca.pem"]), input=ca, text=True, check=True)
    return lab


def curl_from_outside(lab, path: str = "/", options: str = "") -> subprocess.CompletedProcess:
    site = f"spse.{lab.topo.name}.lab"
    return ssh(
        lab,
        "outside-01",
        f"curl -sS -m 10 --cacert /tmp/lab-ca.pem --resolve {site}:443:{APP} {options} https://{site}{path}",
        check=False,
    )


@pytest.mark.smoke
def test_https_from_the_internet_reaches_the_stand_in_reading_the_database(stack):
    page = curl_from_outside(stack)
    assert page.returncode == 0, page.stderr
    assert "SPSE STAND-IN" in page.stdout
    before = int(page.stdout.split('id="paket-count">')[1].split("<")[0])
    # A row written through the application shows on the page served to the internet.
    ssh(stack, "spse-app-01", "curl -sf -X POST -d nama=Uji+lab http://127.0.0.1:8080/api/paket")
    after = curl_from_outside(stack).stdout
    assert f'id="paket-count">{before + 1}<' in after
    redirect = ssh(stack, "outside-01", f"curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}' http://{APP}/")
    assert redirect.stdout.startswith("301 https://")


def test_the_lkpp_account_monitors_but_cannot_sudo_or_read_the_file_store(stack):
    key = stack.lkpp_key.read_text()
    subprocess.run(stack.ssh_argv("lkpp-mon-01", ["umask 077; cat > /root/lkpp_key"]), input=key, text=True, check=True)
    kh = ssh(stack, "spse-app-01", "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()
    ssh(stack, "lkpp-mon-01", f"echo '{APP} {kh[0]} {kh[1]}' > /root/known_hosts")
    as_lkpp = "ssh -i /root/lkpp_key -o UserKnownHostsFile=/root/known_hosts -o BatchMode=yes lkpp-monitor@" + APP

    assert "Filesystem" in ssh(stack, "lkpp-mon-01", f"{as_lkpp} sudo -n /usr/bin/df -h").stdout
    denied = ssh(stack, "lkpp-mon-01", f"{as_lkpp} sudo -n /bin/cat /etc/shadow", check=False)
    assert denied.returncode != 0
    store = ssh(stack, "lkpp-mon-01", f"{as_lkpp} ls /home/file/file_prod", check=False)
    assert store.returncode != 0 and "Permission denied" in store.stderr
    # The same key from the admin network (not LKPP's address) is refused by sshd (from=).
    subprocess.run(stack.ssh_argv("mgmt-01", ["umask 077; cat > /root/lkpp_key"]), input=key, text=True, check=True)
    ssh(stack, "mgmt-01", f"echo '{APP} {kh[0]} {kh[1]}' > /root/known_hosts")
    try:
        elsewhere = ssh(stack, "mgmt-01", as_lkpp + " true", check=False)
        assert elsewhere.returncode == 255 and "Permission denied" in elsewhere.stderr
    finally:
        ssh(stack, "mgmt-01", "rm -f /root/lkpp_key /root/known_hosts")


def maintenance(stack, action: str, **extra):
    result = run_playbook(
        "playbooks/maintenance.yml",
        inventory=stack.inventory_path,
        extravars={"maintenance_action": action, **extra},
        quiet=True,
    )
    assert result.ok, result.failures


def test_maintenance_start_serves_503_with_retry_after_then_end_restores_service(stack):
    until = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M+00:00")
    maintenance(stack, "announce", maintenance_until=until, maintenance_reason="Uji lab")
    banner = curl_from_outside(stack).stdout
    assert "Pemeliharaan terjadwal hingga" in banner and "Uji lab" in banner and "SPSE STAND-IN" in banner
    maintenance(stack, "start", maintenance_until=until, maintenance_reason="Uji lab")
    try:
        during = curl_from_outside(stack, options="-D -")
        assert during.stdout.startswith("HTTP/2 503"), during.stdout[:200]
        assert "retry-after:" in during.stdout.lower()
        assert "sedang dalam pemeliharaan" in during.stdout and "under maintenance" in during.stdout
        assert "PEMELIHARAAN" in ssh(stack, "spse-db-01", "cat /etc/motd.d/50-lpse-maintenance").stdout
    finally:
        maintenance(stack, "end")
    after = curl_from_outside(stack, options="-D -")
    assert after.stdout.startswith("HTTP/2 200") and "Pemeliharaan terjadwal" not in after.stdout
    steps = [
        json.loads(line)
        for line in ssh(stack, "spse-app-01", "cat /var/lib/lpse/maintenance/windows.jsonl").stdout.splitlines()
    ]
    window = [s for s in steps if s["planned_end"] == until]
    assert [s["action"] for s in window] == ["announce", "start", "end"]
    assert len({s["id"] for s in window}) == 1
    assert ssh(stack, "mgmt-01", "test -e /etc/motd.d/50-lpse-maintenance", check=False).returncode == 1


def test_deactivating_a_staff_member_locks_the_account_on_every_server_in_one_run(stack, tmp_path):
    key = tmp_path / "uji"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    staff = yaml.safe_load((stack.topology_path.parent / "group_vars" / "all.yml").read_text())["accounts_staff"]
    member = {
        "name": "uji",
        "full_name": "Staf Uji",
        "role": "layanan_dukungan",
        "ssh_keys": [key.with_suffix(".pub").read_text().strip()],
    }

    def apply(state: str):
        result = run_playbook(
            "playbooks/site.yml",
            inventory=stack.inventory_path,
            tags="accounts",
            extravars={"accounts_staff": [*staff, {**member, "state": state}]},
            quiet=True,
        )
        assert result.ok, result.failures
        return result

    def login(host: str) -> int:
        address = stack.topo.hosts[host].address
        return subprocess.run(
            [
                "ssh",
                "-i",
                str(key),
                "-o",
                "BatchMode=yes",
                "-o",
                f"UserKnownHostsFile={stack.known_hosts}",
                "-o",
                "ConnectTimeout=5",
                f"uji@{address}",
                "true",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        ).returncode

    apply("active")
    assert [login(h) for h in SERVERS] == [0, 0, 0]
    for h in SERVERS:
        ssh(stack, h, "echo laporan > /home/uji/laporan.txt && chown uji /home/uji/laporan.txt")
    result = apply("inactive")
    assert set(result.hosts) >= set(SERVERS)
    assert [login(h) for h in SERVERS] == [255, 255, 255]
    for h in SERVERS:
        shadow = ssh(stack, h, "getent shadow uji").stdout.split(":")
        assert shadow[1].startswith("!") and shadow[7] in ("0", "1"), shadow  # expired since 1970
        assert ssh(stack, h, "test -e /home/uji/.ssh/authorized_keys", check=False).returncode == 1
        assert ssh(stack, h, "cat /home/uji/laporan.txt").stdout.strip() == "laporan"  # files kept


GOOD_CLASS = {"name": "spse", "rate": "60mbit", "default": True}
BAD_CEIL = {**GOOD_CLASS, "ceil": "50mbit"}
OVERLAPPING = [
    {"name": "a", "rate": "10mbit", "match": [{"protocol": "tcp", "sport": 443}]},
    {"name": "b", "rate": "10mbit", "match": [{"protocol": "tcp", "sport": [80, 443]}], "default": True},
]


@pytest.mark.parametrize(
    ("name", "extravars", "expected"),
    [
        (
            "unknown staff role",
            {"accounts_staff": [{"name": "siti", "role": "bendahara", "ssh_keys": []}]},
            "role bendahara must be one of",
        ),
        (
            "SSH key that does not parse",
            {
                "accounts_staff": [
                    {"name": "siti", "role": "sekretaris", "ssh_keys": ["ssh-ed25519 AAAAbukankunci siti"]}
                ]
            },
            "SSH keys that do not parse: siti",
        ),
        (
            "port outside 1-65535",
            {"firewall_allow": [{"name": "web", "port": 70000, "proto": "tcp", "sources": ["any"]}]},
            "port 70000 must be 1-65535",
        ),
        (
            "artifact checksum differs",
            {"spse_app_artifact_sha256": "0" * 64},
            "but spse_app_artifact_sha256 is 0000000000000000000000000000000000000000000000000000000000000000",
        ),
        (
            "bandwidth ceil below rate",
            {"bandwidth_interfaces": [{"interface": "eth0", "rate": "100mbit", "classes": [BAD_CEIL]}]},
            "eth0.classes[0] (spse): ceil 50mbit is below rate 60mbit",
        ),
        (
            "bandwidth rate that does not parse",
            {"bandwidth_interfaces": [{"interface": "eth0", "rate": "100 megabit", "classes": [GOOD_CLASS]}]},
            "eth0.rate: '100 megabit' is not a rate like 500kbit, 10mbit or 1gbit",
        ),
        (
            "bandwidth on an unknown interface",
            {"bandwidth_interfaces": [{"interface": "eth7", "rate": "100mbit", "classes": [GOOD_CLASS]}]},
            "interface 'eth7' does not exist on this host",
        ),
        (
            "bandwidth overlapping matches",
            {"bandwidth_interfaces": [{"interface": "eth0", "rate": "100mbit", "classes": OVERLAPPING}]},
            "a match of a (protocol tcp, sport 443) overlaps one of b (protocol tcp, sport 443)",
        ),
        (
            "probe port outside 1-65535",
            {"connectivity_targets": [{"name": "isp", "kind": "tcp", "host": "198.51.100.10", "port": 70000}]},
            "tcp a port in 1-65535",
        ),
        (
            "room threshold with min above max",
            {"room_thresholds": {"temperature": {"min": 30, "max": 20}, "humidity": {"min": 0, "max": 60}}},
            'room_thresholds.temperature: {"min": 30, "max": 20} must be {min: N, max: N} with min below max',
        ),
        (
            "room threshold of an unknown kind",
            {"room_thresholds": {"dust": {"min": 0, "max": 5}}},
            "room_thresholds.dust:",
        ),
        (
            "room UPS that upsc cannot name",
            {"room_ups": "ups 01"},
            "room_ups=ups 01 must be empty or NAME@HOST",
        ),
        ("missing vault secret", None, "db_password is missing or shorter than 12 characters: it must come from"),
    ],
    ids=lambda v: v if isinstance(v, str) and " " in v else "",
)
def test_bad_input_stops_in_preflight_before_any_host_changes(stack, tmp_path, name, extravars, expected):
    inventory = stack.inventory_path if extravars else inventory_without(stack, tmp_path, "vault_spse_db_password")
    result = run_playbook("playbooks/site.yml", inventory=inventory, extravars=extravars or {}, quiet=True)
    assert not result.ok
    messages = result.failures
    assert any(expected in m for m in messages), messages
    assert result.total("changed") == 0, result.hosts
    tasks_run = {e["event_data"].get("play") for e in result.events if e.get("event") == "runner_on_ok"}
    assert tasks_run <= {"Check the inventory before changing anything"}, tasks_run
