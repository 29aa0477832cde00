"""The monthly report's power and environment section, from records shaped as the room recorder,
upsmon's event script and lpse-alert write them (lpse/report/room.py)."""

import datetime as dt

from lpse.report.build import ENV_LIMITS, env_limits, monthly, render_html
from lpse.report.collect import merge_unique
from lpse.report.room import month_room

WIB = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2026, 11, 1, tzinfo=WIB)
END = dt.datetime(2026, 12, 1, tzinfo=WIB)
T0 = int(dt.datetime(2026, 11, 10, 12, 0, tzinfo=WIB).timestamp())


def reading(minute: int, temperature: float, humidity: float = 45.0, status: str = "OL", runtime: int = 1800) -> dict:
    return {
        "epoch": T0 + 60 * minute,
        "temperature": temperature,
        "humidity": humidity,
        "sensors_ok": True,
        "ups": {"status": status, "charge": 100.0 if status == "OL" else 90.0, "runtime_s": runtime},
    }


def test_time_out_of_range_counts_each_hot_reading_until_the_next():
    rows = [reading(m, 24.0) for m in range(10)] + [reading(m, 31.0) for m in range(10, 15)]
    rows += [reading(m, 24.0) for m in range(15, 20)]
    room = month_room({"mgmt-01": rows}, {}, {}, {}, START, END, ENV_LIMITS)
    temperature = next(e for e in room["environment"] if e["kind"] == "temperature")
    assert temperature["out_minutes"] == 5 and temperature["max"] == 31.0 and temperature["min"] == 24.0
    assert next(e for e in room["environment"] if e["kind"] == "humidity")["out_minutes"] == 0
    assert room["readings"] == 20 and room["unrecorded_minutes"] == 0
    assert room["chart"].startswith("data:image/png;base64,")


def test_a_gap_in_the_record_is_unrecorded_time_not_time_in_range():
    rows = [reading(0, 31.0), reading(60, 31.0)]  # an hour without readings, both hot
    room = month_room({"mgmt-01": rows}, {}, {}, {}, START, END, ENV_LIMITS)
    assert room["unrecorded_minutes"] == 59
    assert next(e for e in room["environment"] if e["kind"] == "temperature")["out_minutes"] == 6  # 5 + 1


def test_power_time_on_battery_lowest_runtime_and_grouped_events():
    rows = [reading(0, 24.0), reading(1, 24.0, status="OB DISCHRG", runtime=900), reading(2, 24.0, status="OB")]
    rows.append(reading(3, 24.0))
    events = {
        host: [
            {"epoch": T0 + 61, "event": "ONBATT", "message": "UPS ups-01 on battery"},
            {"epoch": T0 + 185, "event": "ONLINE", "message": "UPS ups-01 on line power"},
        ]
        for host in ("mgmt-01", "spse-app-01")
    }
    room = month_room({"mgmt-01": rows}, events, {}, {}, START, END, ENV_LIMITS)
    assert room["ups"] == {"min_runtime_min": 15.0, "min_charge": 90.0, "on_battery_minutes": 2, "onbatt_events": 1}
    assert [(e["event"], e["hosts"]) for e in room["events"]] == [
        ("ONBATT", ["mgmt-01", "spse-app-01"]),
        ("ONLINE", ["mgmt-01", "spse-app-01"]),
    ]


def test_only_the_month_counts():
    before = {"epoch": int(START.timestamp()) - 60, "temperature": 40.0, "humidity": 45.0}
    alerts = {"mgmt-01": [{"epoch": T0, "source": "room", "key": "temperature", "state": "firing", "message": "31"}]}
    room = month_room({"mgmt-01": [before, reading(0, 24.0)]}, {}, alerts, {}, START, END, ENV_LIMITS)
    assert next(e for e in room["environment"] if e["kind"] == "temperature")["max"] == 24.0
    assert [a["key"] for a in room["alerts"]] == ["temperature"]
    empty = month_room({}, {}, {}, {}, START, END, ENV_LIMITS)
    assert not empty["any"] and empty["chart"] is None


def test_the_inventory_limits_overlay_the_defaults():
    assert env_limits({"temperature": {"max": 25}}) == {
        "temperature": {"min": 18.0, "max": 25.0},
        "humidity": {"min": 0.0, "max": 60.0},
    }
    assert env_limits(None) == ENV_LIMITS


def test_collection_keeps_records_that_share_a_second():
    a = {"epoch": 5, "event": "ONBATT"}
    b = {"epoch": 5, "event": "LOWBATT"}
    assert merge_unique([a], [a, b]) == [a, b]


def test_the_section_renders_in_both_languages(tmp_path):
    store = tmp_path / "room"
    store.mkdir()
    lines = [reading(m, 31.0 if m == 3 else 24.0) for m in range(6)]
    (store / "mgmt-01.jsonl").write_text("".join(__import__("json").dumps(r) + "\n" for r in lines))
    for lang, heading in (("id", "Daya listrik (UPS) dan lingkungan ruang server"), ("en", "Power (UPS) and server")):
        html = render_html(monthly(tmp_path, "2026-11", lang, "LPSE Kabupaten Bandung"))
        assert heading in html and 'id="environment"' in html
