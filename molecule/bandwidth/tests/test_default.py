"""What the bandwidth role leaves on a host, read from the host itself."""

import json


def test_the_policy_is_live(host):
    classes = host.check_output("tc class show dev eth0")
    assert "class htb 1:10 parent 1:1 prio 1 rate 30Mbit ceil 50Mbit" in classes
    assert "class htb 1:20 parent 1:1 prio 7 rate 10Mbit ceil 20Mbit" in classes
    assert "htb 1: root" in host.check_output("tc qdisc show dev eth0")


def test_the_boot_unit_rebuilds_it(host):
    assert host.service("lpse-tc@eth0.service").is_enabled
    host.run_expect([0], "tc qdisc del dev eth0 root && systemctl restart lpse-tc@eth0.service")
    assert "rate 30Mbit ceil 50Mbit" in host.check_output("tc class show dev eth0")


def test_traffic_records_name_the_classes(host):
    host.run_expect([0], "systemctl start lpse-traffic.service")
    last = json.loads(host.check_output("tail -n 1 /var/lib/lpse/traffic/records.jsonl"))
    assert {c["name"] for c in last["classes"]["eth0"].values()} == {"spse", "other"}
    assert host.service("lpse-traffic.timer").is_running
