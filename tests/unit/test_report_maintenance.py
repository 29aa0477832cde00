"""The monthly report's maintenance section is built from the recorded steps."""

import datetime as dt

from lpse.report.build import maintenance_section

NOV = (dt.datetime(2026, 10, 31, 17, tzinfo=dt.UTC), dt.datetime(2026, 11, 30, 17, tzinfo=dt.UTC))


def step(action, at, wid="mnt-1", planned="2026-11-10T06:00+07:00"):
    return {"id": wid, "action": action, "at": at, "planned_end": planned, "reason": "Ganti disk", "by": "budi"}


def test_a_window_announced_started_and_ended_in_time():
    steps = {
        "spse-app-01": [
            step("announce", "2026-11-08T01:00:00Z"),
            step("start", "2026-11-09T20:00:00Z"),
            step("end", "2026-11-09T22:30:00Z"),
        ]
    }
    [row] = maintenance_section(steps, *NOV)
    assert row["announced"] and not row["overran"]
    assert row["minutes"] == 150 and row["start_local"] == "10-11-2026 03:00" and row["by"] == "budi"


def test_an_overrun_window_is_flagged_and_other_months_are_left_out():
    steps = {
        "spse-app-01": [
            step("start", "2026-11-09T20:00:00Z"),
            step("end", "2026-11-10T01:00:00Z"),  # planned end 2026-11-09T23:00Z
            step("start", "2026-12-02T01:00:00Z", wid="mnt-2", planned="2026-12-02T12:00+07:00"),
            step("end", "2026-11-20T01:00:00Z", wid="no-window", planned=""),
        ]
    }
    rows = maintenance_section(steps, *NOV)
    assert [r["id"] for r in rows] == ["mnt-1"]
    assert rows[0]["overran"] and not rows[0]["announced"]


def test_records_from_hosts_skip_lines_that_are_not_records():
    from lpse.report.collect import _parse, merge, parse_records

    text = '{"epoch": 2, "x": 1}\nnot json\n[1, 2]\n{"epoch": 1}\n{"id": "m", "action": "start", "at": "t"}\n'
    records = parse_records(text)
    assert [r["epoch"] for r in merge(records, [{"epoch": 2, "x": 9}])] == [1, 2]
    assert merge(records, [{"epoch": 2, "x": 9}])[1]["x"] == 9
    assert _parse(text, {"id", "action", "at"}) == [{"id": "m", "action": "start", "at": "t"}]
