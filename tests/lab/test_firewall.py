"""Access through the firewalls, tested from the hosts themselves, and the safe apply.

The real services answer (nginx on 80/443, PostgreSQL on 5432, sshd); a listener on the app
server's 8080 on every address stands in for a service that is running but not offered. A port
"answers" when a TCP connection to it succeeds.
"""

from __future__ import annotations

import time

import pytest

from lpse.runner import run_playbook
from tests.lab.conftest import apply_and_expect_rollback, ssh

APP, DB = "10.213.0.11", "10.213.0.12"


@pytest.fixture(scope="module")
def firewalled(converged):
    lab = converged
    ssh(lab, "spse-app-01", "systemd-run --unit=listen-18080 -p RuntimeMaxSec=300 nc -lk -p 18080")
    time.sleep(0.5)
    yield lab
    ssh(lab, "spse-app-01", "systemctl stop listen-18080", check=False)


def answers(lab, source: str, address: str, port: int) -> bool:
    return ssh(lab, source, f"nc -z -w 2 {address} {port}", check=False).returncode == 0


@pytest.mark.parametrize(
    ("source", "address", "port", "expected"),
    [
        ("outside-01", APP, 443, True),
        ("outside-01", APP, 80, True),
        ("outside-01", APP, 18080, False),  # listening on every address, but not offered
        ("spse-app-01", APP, 18080, True),
        ("outside-01", APP, 22, False),
        ("outside-01", DB, 5432, False),
        ("lkpp-mon-01", APP, 22, True),  # Pasal 22 huruf f
        ("lkpp-mon-01", APP, 9100, True),  # LKPP scrapes the SPSE server's metrics (Pasal 22 huruf f) ...
        ("outside-01", APP, 9100, False),  # ... nobody else does
        ("mgmt-01", DB, 9100, False),
        ("lkpp-mon-01", DB, 22, False),
        ("spse-app-01", DB, 5432, True),
        ("mgmt-01", DB, 5432, False),
        ("mgmt-01", DB, 22, True),  # the admin network
    ],
)
def test_access(firewalled, source, address, port, expected):
    assert answers(firewalled, source, address, port) is expected


def test_drops_are_counted(firewalled):
    lab = firewalled
    before = int(ssh(lab, "spse-db-01", "nft list counter inet lpse dropped_input | awk '/packets/ {print $2}'").stdout)
    answers(lab, "mgmt-01", DB, 5432)
    after = int(ssh(lab, "spse-db-01", "nft list counter inet lpse dropped_input | awk '/packets/ {print $2}'").stdout)
    assert after > before


def test_dropped_packets_between_runs_change_nothing(firewalled):
    """The drop counters move with traffic; the firewall role's drift check looks at the rules only
    (a bench at 10 app servers saw every second run reload edge-01's ruleset before this)."""
    lab = firewalled
    for port in (5432, 5433, 5434):
        answers(lab, "mgmt-01", DB, port)  # dropped: dropped_input moves on the database server
    again = run_playbook(
        "playbooks/site.yml", inventory=lab.inventory_path, limit="spse-db-01", tags="firewall", quiet=True
    )
    assert again.ok and again.total("changed") == 0, again.drift


def test_a_ruleset_that_cuts_the_control_node_rolls_itself_back(firewalled):
    cutting = {
        "firewall_admin_sources": ["192.0.2.0/24"],
        "firewall_confirm_timeout": 5,
        "firewall_rollback_seconds": 15,
    }
    apply_and_expect_rollback(firewalled, "spse-db-01", "firewall", cutting)
    assert "10.213.0.0/24" in ssh(firewalled, "spse-db-01", "nft list set inet lpse admin_v4").stdout
