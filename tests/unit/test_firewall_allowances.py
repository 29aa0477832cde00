"""LPSE-21.1-FW-04's reading of a live ruleset (lpse/comply/facts.py) against the inventory's
allowances (compliance/checks/test_firewall.py), on rulesets nft itself printed (tests/unit/data/nft:
the firewall role's output for a database server and the router, and a database server drifted by hand)."""

from __future__ import annotations

import importlib.util

import pytest

from lpse.comply import facts
from tests.conftest import ROOT

DATA = ROOT / "tests/unit/data/nft"
ADMIN = {"firewall_admin_sources": ["10.213.0.0/24"], "firewall_lkpp_sources": ["198.51.100.20/32"]}
DB = ADMIN | {"firewall_allow": [{"name": "postgresql-from-app", "port": 5432, "sources": ["10.213.0.11/32"]}]}
EDGE = ADMIN | {
    "firewall_forward_enabled": True,
    "firewall_forward_allow": [
        {"name": "spse-http", "to": "10.213.0.11/32", "port": 80, "proto": "tcp", "sources": ["any"]},
        {"name": "spse-https", "to": "10.213.0.11/32", "port": 443, "proto": "tcp", "sources": ["any"]},
        {"name": "lkpp-ssh", "to": "10.213.0.11/32", "port": 22, "proto": "tcp", "sources": ["198.51.100.20/32"]},
    ],
    "firewall_forward_outbound_from": ["10.213.0.0/24"],
}


def checks():
    spec = importlib.util.spec_from_file_location("fw_checks", ROOT / "compliance/checks/test_firewall.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unexpected(name: str, policy: dict) -> list[str]:
    texts = facts.rule_texts((DATA / f"{name}.txt").read_text())
    allow = checks().allowances(policy)
    rules = facts.accepts((DATA / f"{name}.json").read_text())
    return [texts[(r.where, r.handle)] for r in rules if not facts.allowed(r, allow)]


@pytest.mark.parametrize(("name", "policy"), [("db", DB), ("edge", EDGE)])
def test_what_the_role_writes_is_exactly_what_the_inventory_allows(name, policy):
    assert unexpected(name, policy) == []


def test_every_rule_added_by_hand_is_named_as_nft_prints_it():
    assert unexpected("db-drifted", DB) == [
        "tcp dport 8443 accept",
        "ip saddr 192.0.2.0/24 accept",
        "udp dport 1000-1010 accept",
    ]


def test_a_service_the_inventory_drops_is_named():
    without_pg = DB | {"firewall_allow": []}
    assert unexpected("db", without_pg) == ['ip saddr 10.213.0.11 tcp dport 5432 accept comment "postgresql-from-app"']


def test_a_source_wider_than_the_inventorys_is_named():
    narrower = ADMIN | {"firewall_admin_sources": ["10.213.0.0/25"]}
    found = unexpected("edge", narrower | {k: v for k, v in EDGE.items() if k.startswith("firewall_forward")})
    assert found == ['tcp dport 22 ip saddr @admin_v4 accept comment "ssh-admin"']


def test_forwarding_the_inventory_no_longer_allows_is_named():
    policy = EDGE | {"firewall_forward_outbound_from": [], "firewall_forward_allow": EDGE["firewall_forward_allow"][:2]}
    assert unexpected("edge", policy) == [
        'ip saddr 198.51.100.20 ip daddr 10.213.0.11 tcp dport 22 accept comment "lkpp-ssh"',
        'ip saddr 10.213.0.0/24 accept comment "outbound"',
    ]


def test_rules_that_hide_what_they_open_are_named():
    """A verdict map, a port set filled with every port, and a source set filled at run time
    (port knocking) open more than the inventory allows; `ct state { ... }` as a set still reads
    as established traffic."""
    assert unexpected("db-evasive", DB) == [
        "tcp dport vmap { 23 : drop, 4444 : accept }",
        "ip saddr @dyn tcp dport 22 accept",
        "tcp dport @knock accept",
    ]


def test_ssh_sources_are_read_through_the_same_address_reader():
    """FW-02's reading: named sets expanded; an empty (dynamic) set admits nobody listed."""
    assert facts.ssh_accept_sources((DATA / "db.json").read_text()) == [["10.213.0.0/24"], ["198.51.100.20"]]
    assert [] in facts.ssh_accept_sources((DATA / "db-evasive.json").read_text())
