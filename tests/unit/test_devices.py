"""Device state: parsing `lab set` words and the SNMP records a state produces."""

import pytest

from lpse.errors import InputError
from lpse.lab import devices


def test_parse_ups_assignments():
    changes = devices.parse_assignments("ups", "ups-01", ["ups.status=OB LB", "battery.charge=18"])
    assert changes == {"ups.status": "OB LB", "battery.charge": 18}


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["colour=red"], "unknown key 'colour' for ups-01"),
        (["battery.charge=140"], "battery.charge: 140 is outside 0..100"),
        (["battery.charge=lots"], "'lots' is not a whole number"),
        (["ups.status=OL OB"], "cannot be on line"),
        (["ups.status=ONFIRE"], "status flags must be among"),
        (["battery.charge"], "is not KEY=VALUE"),
        ([], "nothing to set"),
    ],
)
def test_bad_assignments_are_refused(words, message):
    with pytest.raises(InputError, match=message):
        devices.parse_assignments("ups", "ups-01", words)


def test_switch_has_nothing_to_set():
    with pytest.raises(InputError, match="no settable values"):
        devices.parse_assignments("switch", "sw-core-01", ["x=1"])


def records(kind, **changes):
    state = {**devices.DEFAULTS[kind], **changes}
    return {oid: value for oid, _tag, value in devices.RECORDS[kind]("dev", state)}


def test_ups_status_maps_to_ups_mib():
    online = records("ups")
    assert online["1.3.6.1.2.1.33.1.4.1.0"] == "3"  # upsOutputSource normal
    assert online["1.3.6.1.2.1.33.1.2.1.0"] == "2"  # upsBatteryStatus normal
    cut = records("ups", **{"ups.status": "OB LB", "battery.charge": 18, "battery.runtime": 300})
    assert cut["1.3.6.1.2.1.33.1.4.1.0"] == "5"  # battery
    assert cut["1.3.6.1.2.1.33.1.2.1.0"] == "3"  # batteryLow
    assert cut["1.3.6.1.2.1.33.1.2.4.0"] == "18"
    assert cut["1.3.6.1.2.1.33.1.2.3.0"] == "5"  # minutes


def test_env_sensor_values_in_tenths():
    rec = records("env_sensor", temperature=31, humidity=55.5)
    assert rec["1.3.6.1.2.1.99.1.1.1.1.1"] == "8"  # celsius
    assert rec["1.3.6.1.2.1.99.1.1.1.4.1"] == "310"
    assert rec["1.3.6.1.2.1.99.1.1.1.1.2"] == "9"  # percentRH
    assert rec["1.3.6.1.2.1.99.1.1.1.4.2"] == "555"


def test_snmprec_is_sorted_numerically(tmp_path):
    text = devices.render_snmprec("ups", "ups-01", devices.DEFAULTS["ups"])
    oids = [tuple(int(p) for p in line.split("|")[0].split(".")) for line in text.splitlines()]
    assert oids == sorted(oids)
    state = devices.DeviceState(tmp_path, "ups", "ups-01", "secret")
    state.update({"battery.charge": 42})
    assert "1.3.6.1.2.1.33.1.2.4.0|2|42" in (tmp_path / "data/secret.snmprec").read_text()
    assert state.load()["battery.charge"] == 42
