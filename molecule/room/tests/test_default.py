"""What the room role leaves on the management server, read from the host itself."""

import json
import subprocess
import time
from pathlib import Path

TOPOLOGY = str(Path(__file__).resolve().parents[1] / "topology.yml")


def last_reading(host) -> dict:
    return json.loads(host.check_output("tail -n 1 /var/lib/lpse/room/readings.jsonl"))


def test_the_recorder_reads_the_probe_every_minute(host):
    assert host.service("lpse-room.timer").is_enabled
    assert host.service("lpse-room.timer").is_running
    reading = last_reading(host)
    assert reading["sensors_ok"] and reading["temperature"] == 23.5 and reading["humidity"] == 45.0, reading
    assert "ups" not in reading  # room_ups is empty in this scenario


def test_the_community_stays_off_command_lines(host):
    conf = host.file("/etc/lpse/room/snmp.conf")
    assert conf.mode == 0o600 and conf.user == "root"
    assert "defCommunity" in conf.content_string
    assert "defCommunity" not in host.file("/usr/local/sbin/lpse-room-record").content_string
    community = next(line.split()[1] for line in conf.content_string.splitlines() if line.startswith("defCommunity"))
    settings = host.file("/etc/lpse/room-record.json")
    assert settings.mode == 0o644 and community not in settings.content_string


def test_the_alert_hook_is_readable_by_root_alone(host):
    settings = host.file("/etc/lpse/alert.json")
    assert settings.mode == 0o600 and settings.user == "root"
    assert "hook.log" in settings.content_string  # alerting_command of this scenario


def test_node_exporter_gets_the_readings(host):
    prom = host.file("/var/lib/prometheus/node-exporter/lpse-room.prom").content_string
    assert "lpse_room_temperature_celsius 23.5" in prom
    assert 'lpse_room_limit{kind="humidity",edge="min"} 20' in prom


def test_a_hot_room_raises_an_alert_and_its_end_clears_it(host):
    since = int(time.time())
    subprocess.run(
        ["lpse", "lab", "set", "-t", TOPOLOGY, "mol-room-probe", "temperature=29"], check=True, capture_output=True
    )
    try:
        host.run("systemctl start lpse-room.service")
    finally:
        subprocess.run(
            ["lpse", "lab", "set", "-t", TOPOLOGY, "mol-room-probe", "temperature=23.5"],
            check=True,
            capture_output=True,
        )
    host.run("systemctl start lpse-room.service")
    lines = host.check_output("cat /var/lib/lpse/alerts/alerts.jsonl").splitlines()
    mine = [a for a in map(json.loads, lines) if a["epoch"] >= since and a["key"] == "temperature"]
    assert [a["state"] for a in mine] == ["firing", "resolved"], mine
    assert mine[0]["value"] == 29.0
    hook = host.check_output("cat /var/lib/lpse/alerts/hook.log").splitlines()
    assert hook[-2:] == ["room/temperature firing mol-room-mgmt", "room/temperature resolved mol-room-mgmt"]
    journal = host.check_output("journalctl -t lpse-alert -o cat")
    assert "room/temperature FIRING: temperature 29 (outside 18-27)" in journal
