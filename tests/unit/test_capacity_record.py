"""lpse-capacity-record (role monitoring, LPSE-22a-CAP-05) run against a temporary record
directory: one record per run, in the layout the checks and the monthly report read, and the
records past the retention dropped."""

from __future__ import annotations

import json
import time

from tests.unit import onhost


def test_a_run_appends_one_record_with_every_part_and_drops_the_expired_ones(tmp_path):
    records = tmp_path / "records.jsonl"
    expired = {"epoch": int(time.time()) - 401 * 86400, "filesystems": []}
    records.write_text(json.dumps(expired) + "\n")
    cfg = onhost.settings(
        "lpse-capacity-record",
        monitoring_capacity_dir=str(tmp_path),
        monitoring_capacity_paths=[str(tmp_path), str(tmp_path / "absent")],
    )
    proc = onhost.run("lpse-capacity-record", onhost.write_settings(tmp_path, "lpse-capacity-record", cfg))
    lines = records.read_text().splitlines()
    assert len(lines) == 1  # the expired record is gone, the new one is there
    record = json.loads(lines[0])
    assert list(record) == ["epoch", "time", "host", "filesystems", "paths", "memory", "swap"]
    assert lines[0] == json.dumps(record, separators=(",", ":"))  # compact, in that order
    assert list(record["paths"]) == [str(tmp_path)]  # a path that does not exist is not named
    assert 0 < record["memory"]["used_pct"] < 100
    assert proc.stderr.startswith("capacity recorded: ") and "RAM" in proc.stderr


def test_each_run_adds_a_line_and_keeps_the_earlier_ones(tmp_path):
    cfg = onhost.settings("lpse-capacity-record", monitoring_capacity_dir=str(tmp_path))
    config = onhost.write_settings(tmp_path, "lpse-capacity-record", cfg)
    onhost.run("lpse-capacity-record", config)
    onhost.run("lpse-capacity-record", config)
    assert len((tmp_path / "records.jsonl").read_text().splitlines()) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capacity-record.json", "records.jsonl"]
