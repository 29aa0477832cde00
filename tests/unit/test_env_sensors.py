"""module_utils/lpse_envsensor.py and library/env_sensors.py against a real SNMP agent: snmpsim on
loopback, answering the lab probe's ENTITY-SENSOR-MIB (lpse.lab.devices renders it)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lpse.lab.devices import DeviceState
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "module_utils"))
import lpse_envsensor
from lpse_envsensor import SensorError

RESPONDER = Path(sys.executable).parent / "snmpsim-command-responder"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def probe(tmp_path):
    # The lab's own device state: it moves the data file's mtime on by more than a second on every
    # write, so snmpsim never answers a change from a stale index.
    device = DeviceState(tmp_path / "envmon-uji", "env_sensor", "envmon-uji", "rahasia")
    data = device.data_dir

    def set_values(temperature: float, humidity: float) -> None:
        device.update({"temperature": temperature, "humidity": humidity})

    set_values(23.5, 45.0)
    port = free_udp_port()
    argv = [str(RESPONDER), f"--data-dir={data}", f"--cache-dir={tmp_path / 'cache'}"]
    argv.append(f"--agent-udpv4-endpoint=127.0.0.1:{port}")
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            lpse_envsensor.read("127.0.0.1", "rahasia", [1], port, timeout=0.5)
            break
        except SensorError:
            time.sleep(0.3)
    yield port, set_values
    proc.terminate()
    proc.wait(timeout=10)


def test_readings_are_scaled_named_and_follow_the_probe(probe):
    port, set_values = probe
    temp, hum = lpse_envsensor.read("127.0.0.1", "rahasia", [1, 2], port)
    assert (temp.kind, temp.value, temp.name, temp.status) == ("temperature", 23.5, "Suhu ruang server", "ok")
    assert (hum.kind, hum.value) == ("humidity", 45.0)
    limits = lpse_envsensor.thresholds({})
    assert lpse_envsensor.out_of_range([temp, hum], limits) == []
    set_values(31.0, 72.5)  # snmpsim re-reads the file on the next request
    readings = lpse_envsensor.read("127.0.0.1", "rahasia", [1, 2], port)
    assert lpse_envsensor.out_of_range(readings, limits) == [
        "Suhu ruang server 31 °C is outside 18-27 °C",
        "Kelembapan ruang server 72.5 %RH is outside 0-60 %RH",
    ]


def test_a_missing_sensor_and_a_wrong_community_are_named(probe):
    port, _ = probe
    with pytest.raises(
        SensorError, match=r"sensor 3 at 127.0.0.1: .* answered NoSuch\w+: the probe has no such sensor"
    ):
        lpse_envsensor.read("127.0.0.1", "rahasia", [3], port)
    with pytest.raises(SensorError, match=r"did not answer .*address or community wrong\?"):
        lpse_envsensor.read("127.0.0.1", "salah", [1], port, timeout=0.5)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"temperature": {"min": 30, "max": 20}}, "thresholds.temperature: min 30 is not below max 20"),
        ({"suhu": {"max": 27}}, "thresholds.suhu: unknown; known: temperature, humidity"),
        ({"humidity": {"max": "enam puluh"}}, "thresholds.humidity.max: 'enam puluh' is not a number"),
        ({"humidity": {"maks": 60}}, "thresholds.humidity: must be {min: N, max: N}"),
    ],
)
def test_bad_thresholds_are_named(given, message):
    with pytest.raises(SensorError) as err:
        lpse_envsensor.thresholds(given)
    assert str(err.value) == message


def _record(epoch: int, ok: bool = True) -> str:
    if ok:
        return json.dumps(
            {"epoch": epoch, "time": f"t{epoch}", "sensors_ok": True, "temperature": 24.0, "humidity": 45.0}
        )
    return json.dumps({"epoch": epoch, "time": f"t{epoch}", "sensors_ok": False, "errors": ["probe: Timeout"]})


NOW = 1_800_000_000


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        ([_record(NOW - 120), _record(NOW - 60)], None),
        # one lost answer is evidence, not a failure: a reading with values is 2 min old
        ([_record(NOW - 120), _record(NOW - 60, ok=False)], None),
        # a damaged older line does not hide the newest ones
        (["{half", _record(NOW - 60)], None),
        ([_record(NOW - 3600)], "the newest room reading is 60 min old (at most 5): the recorder stopped"),
        (
            [_record(NOW - 600), *(_record(NOW - 60 * m, ok=False) for m in (4, 3, 2, 1))],
            "no room reading with sensor values for 10 min (at most 5): probe: Timeout",
        ),
        (
            [_record(NOW - 60 * m, ok=False) for m in (3, 2, 1)],
            "no room reading with sensor values in the last 3 records (at most 5): probe: Timeout",
        ),
        ([_record(NOW - 60), "{half"], "the last line is not a room record: '{half'"),
        ([], "no room record: the file is missing or empty"),
    ],
)
def test_the_room_record_is_judged_on_its_newest_reading_with_values(lines, problem):
    evidence, got = lpse_envsensor.judge_record(lines, NOW, 5)
    assert got == problem
    if problem is None:
        assert any("temperature 24.0" in e for e in evidence), evidence
