"""lpse-metrics (role metrics, LPSE-22e-MON-01) against records in a temporary directory: the
textfile collector's lpse.prom written atomically from the other roles' records, and the
thresholds passed to lpse-alert."""

from __future__ import annotations

import datetime as dt
import json

from tests.unit import onhost


def test_the_records_become_metrics_and_a_full_filesystem_an_alert(tmp_path):
    textfile = tmp_path / "node-exporter"
    textfile.mkdir()
    filesystems = [{"mount": "/", "used_pct": 95.0}, {"mount": "/srv", "used_pct": 10.0}]
    capacity = [{"epoch": 1, "filesystems": []}, {"epoch": 1800000000, "filesystems": filesystems}]
    (tmp_path / "capacity.jsonl").write_text("".join(json.dumps(r) + "\n" for r in capacity))
    (tmp_path / "backups.jsonl").write_text(json.dumps({"time": "2026-11-30T01:00:03Z", "ok": True}) + "\n")
    (tmp_path / "probe.jsonl").write_text(
        json.dumps({"up": True, "results": {"isp": {"ok": True}, "gateway": {"ok": False}}}) + "\n"
    )
    alert = onhost.fake_command(tmp_path / "bin", "lpse-alert", f'echo "$@" > {tmp_path}/argv\ncat > {tmp_path}/states')
    cfg = onhost.settings("lpse-metrics", metrics_textfile_dir=str(textfile)) | {
        "capacity_records": str(tmp_path / "capacity.jsonl"),
        "backup_records": str(tmp_path / "backups.jsonl"),
        "probe_records": str(tmp_path / "probe.jsonl"),
        "lpse_alert": str(alert),
    }
    onhost.run("lpse-metrics", onhost.write_settings(tmp_path, "lpse-metrics", cfg))
    assert [p.name for p in textfile.iterdir()] == ["lpse.prom"]  # no temporary file left
    prom = (textfile / "lpse.prom").read_text().splitlines()
    backup_ts = dt.datetime(2026, 11, 30, 1, 0, 3, tzinfo=dt.UTC).timestamp()
    assert prom[:-1] == [
        "# HELP lpse_filesystem_used_ratio Used share of a data filesystem",
        "# TYPE lpse_filesystem_used_ratio gauge",
        'lpse_filesystem_used_ratio{mount="/"} 0.95',
        'lpse_filesystem_used_ratio{mount="/srv"} 0.1',
        "# HELP lpse_capacity_record_timestamp_seconds Time of the newest capacity record",
        "# TYPE lpse_capacity_record_timestamp_seconds gauge",
        "lpse_capacity_record_timestamp_seconds 1800000000",
        "# HELP lpse_backup_last_ok Whether the newest backup completed",
        "# TYPE lpse_backup_last_ok gauge",
        "lpse_backup_last_ok 1",
        "# HELP lpse_backup_last_timestamp_seconds Time of the newest backup",
        "# TYPE lpse_backup_last_timestamp_seconds gauge",
        f"lpse_backup_last_timestamp_seconds {backup_ts}",
        "# HELP lpse_connectivity_up Whether the internet connection answered",
        "# TYPE lpse_connectivity_up gauge",
        "lpse_connectivity_up 1",
        "# HELP lpse_connectivity_target_up Whether a probe target answered",
        "# TYPE lpse_connectivity_target_up gauge",
        'lpse_connectivity_target_up{target="gateway"} 0',
        'lpse_connectivity_target_up{target="isp"} 1',
        "# HELP lpse_metrics_timestamp_seconds When these metrics were written",
        "# TYPE lpse_metrics_timestamp_seconds gauge",
    ]
    assert prom[-1].startswith("lpse_metrics_timestamp_seconds ")
    assert (tmp_path / "argv").read_text() == "metrics\n"
    assert json.loads((tmp_path / "states").read_text()) == [
        {"key": "filesystem:/", "firing": True, "value": 95.0, "message": "/ is 95.0 % full (alert at 90 %)"},
        {"key": "filesystem:/srv", "firing": False, "value": 10.0, "message": "/srv is 10.0 % full (alert at 90 %)"},
    ]


def test_without_records_or_lpse_alert_only_the_timestamp_is_written(tmp_path):
    cfg = onhost.settings("lpse-metrics", metrics_textfile_dir=str(tmp_path)) | {
        "capacity_records": str(tmp_path / "absent"),
        "backup_records": str(tmp_path / "absent"),
        "probe_records": str(tmp_path / "absent"),
        "lpse_alert": str(tmp_path / "no-lpse-alert"),
    }
    onhost.run("lpse-metrics", onhost.write_settings(tmp_path, "lpse-metrics", cfg))
    prom = (tmp_path / "lpse.prom").read_text().splitlines()
    assert [line.split()[0] for line in prom] == ["#", "#", "lpse_metrics_timestamp_seconds"]
