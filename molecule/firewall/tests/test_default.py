"""What the firewall role leaves on a host, read from the host itself."""

import json


def ruleset(host):
    return json.loads(host.check_output("nft -j list ruleset"))["nftables"]


def test_default_deny_and_counted_drops(host):
    items = ruleset(host)
    chains = {i["chain"]["name"]: i["chain"] for i in items if "chain" in i}
    assert chains["input"]["policy"] == "drop"
    assert chains["forward"]["policy"] == "drop"
    assert {i["counter"]["name"] for i in items if "counter" in i} == {"dropped_input", "dropped_forward"}


def test_rules_come_from_the_inventory(host):
    listing = host.check_output("nft list chain inet lpse input")
    assert 'ip saddr 10.213.53.20 tcp dport 5432 accept comment "postgresql"' in listing
    assert "tcp dport 22 ip saddr @admin_v4 accept" in listing


def test_loaded_at_boot_and_nothing_left_armed(host):
    assert host.service("nftables").is_enabled
    assert host.run("systemctl is-active lpse-firewall-rollback.timer").stdout.strip() != "active"
    fingerprint = host.file("/var/lib/lpse/firewall.sha256").content_string.strip()
    assert fingerprint == host.check_output("nft -s list table inet lpse | sha256sum | cut -d' ' -f1")
