"""lpse-room-record (role room, LPSE-21.3-ENV-03, LPSE-21.3-UPS-04) with fake ``snmpget`` and
``upsc`` on PATH and a fake lpse-alert: the reading, its limits, the UPS's state and self-tests,
the alert states and node_exporter's lpse-room.prom."""

from __future__ import annotations

import json

from tests.unit import onhost

SENSOR = ".1.3.6.1.2.1.99.1.1.1"
# ENTITY-SENSOR-MIB columns 1-5 (type, scale, precision, value, status) of sensors 1 and 2:
# 23.5 degrees Celsius, 45 % relative humidity.
SNMPGET = "\n".join(
    f"{SENSOR}.{col}.{i} {value}"
    for i, values in ((1, (8, 9, 1, 235, 1)), (2, (9, 9, 0, 45, 1)))
    for col, value in zip((1, 2, 3, 4, 5), values, strict=True)
)
UPSC = """\
ups.status: OB LB
battery.charge: 50
battery.runtime: 300
ups.load: 20
input.voltage: 0
ups.test.result: done and passed
ups.test.date: 11/30/2026
"""


def configure(tmp_path, **overrides):
    (tmp_path / "room").mkdir()
    (tmp_path / "textfile").mkdir()
    bin_dir = tmp_path / "bin"
    onhost.fake_command(bin_dir, "snmpget", f"echo \"$@\" > {tmp_path}/snmpget-args\ncat <<'OUT'\n{SNMPGET}\nOUT")
    onhost.fake_command(bin_dir, "upsc", f"cat <<'OUT'\n{UPSC}OUT")
    alert = onhost.fake_command(bin_dir, "lpse-alert", f"cat >> {tmp_path}/states\necho >> {tmp_path}/states")
    cfg = onhost.settings(
        "lpse-room-record",
        room_dir=str(tmp_path / "room"),
        room_textfile_dir=str(tmp_path / "textfile"),
        room_sensor_address="10.0.0.9",
        **overrides,
    ) | {"lpse_alert": str(alert)}
    return onhost.write_settings(tmp_path, "lpse-room-record", cfg), bin_dir


def states(tmp_path) -> list[list[dict]]:
    return [json.loads(line) for line in (tmp_path / "states").read_text().splitlines()]


def test_a_reading_records_the_probe_and_its_limits_and_feeds_node_exporter(tmp_path):
    config, bin_dir = configure(tmp_path)
    onhost.run("lpse-room-record", config, path_first=bin_dir)
    assert "10.0.0.9:161" in (tmp_path / "snmpget-args").read_text().split()
    line = (tmp_path / "room/readings.jsonl").read_text().splitlines()[-1]
    reading = json.loads(line)
    assert line == json.dumps(reading, sort_keys=True)
    assert reading["temperature"] == 23.5 and reading["humidity"] == 45.0 and reading["sensors_ok"]
    assert reading["errors"] == [] and reading["temperature_out_of_range"] is False
    assert "ups" not in reading  # room_ups is empty
    assert [s["key"] for s in states(tmp_path)[0]] == ["probe", "humidity", "temperature"]
    prom = (tmp_path / "textfile/lpse-room.prom").read_text()
    assert "lpse_room_temperature_celsius 23.5\n" in prom
    assert 'lpse_room_limit{kind="humidity",edge="min"} 0\n' in prom
    assert sorted(p.name for p in (tmp_path / "textfile").iterdir()) == ["lpse-room.prom"]


def test_a_weak_ups_on_battery_is_an_alert_and_its_self_test_is_noted_once(tmp_path):
    config, bin_dir = configure(tmp_path, room_ups="ups@mgmt-01")
    onhost.run("lpse-room-record", config, path_first=bin_dir)
    onhost.run("lpse-room-record", config, path_first=bin_dir)
    first = {s["key"]: s for s in states(tmp_path)[0]}
    assert first["ups-on-battery"] == {"key": "ups-on-battery", "firing": True, "message": "ups@mgmt-01 status OB LB"}
    assert first["ups-battery"]["message"] == "charge 50 % < 80 %; runtime 5.0 min < 10 min; battery low (LB)"
    selftests = (tmp_path / "room/selftests.jsonl").read_text().splitlines()
    assert len(selftests) == 1  # the same result again is not a new self-test
    assert json.loads(selftests[0])["ups_date"] == "11/30/2026"


def test_a_probe_that_does_not_answer_is_an_error_in_the_record_and_an_alert(tmp_path):
    config, bin_dir = configure(tmp_path)
    onhost.fake_command(bin_dir, "snmpget", 'echo "Timeout: No Response from $8." >&2\nexit 1')
    onhost.run("lpse-room-record", config, path_first=bin_dir)
    reading = json.loads((tmp_path / "room/readings.jsonl").read_text())
    assert reading["sensors_ok"] is False
    assert reading["errors"] == ["probe 10.0.0.9:161: Timeout: No Response from 10.0.0.9:161."]
    assert states(tmp_path)[0] == [{"key": "probe", "firing": True, "message": reading["errors"][0]}]
