"""lpse-alert (role alerting): alerts are incidents only after commissioning and outside an
announced maintenance window; a condition that outlasts the quiet time is raised when it ends."""

from __future__ import annotations

import json
import time

from tests.unit import onhost


def configure(tmp_path):
    cfg = onhost.settings(
        "lpse-alert", alerting_dir=str(tmp_path / "alerts"), alerting_maintenance_file=str(tmp_path / "active.json")
    )
    return onhost.write_settings(tmp_path, "lpse-alert", cfg)


def alert(config, firing: bool) -> dict:
    states = [{"key": "postgres", "firing": firing, "message": "PostgreSQL does not answer"}]
    return json.loads(onhost.run("lpse-alert", config, "metrics", stdin=json.dumps(states)).stdout)


def test_nothing_is_raised_before_commissioning_and_a_lasting_condition_is_raised_after(tmp_path):
    config = configure(tmp_path)
    assert alert(config, True) == {"alerts": 0, "quiet": "commissioning"}
    assert not (tmp_path / "alerts" / "alerts.jsonl").exists()
    (tmp_path / "alerts" / "commissioned").write_text("")
    assert alert(config, True) == {"alerts": 1}  # still firing after commissioning: raised now
    assert alert(config, True) == {"alerts": 0}  # only a change is an alert


def test_an_announced_window_is_quiet_until_its_planned_end(tmp_path):
    config = configure(tmp_path)
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "commissioned").write_text("")
    window = {"id": "mnt-1", "planned_end_ts": time.time() + 600}
    (tmp_path / "active.json").write_text(json.dumps(window))
    assert alert(config, True) == {"alerts": 0, "quiet": "maintenance mnt-1"}
    # The window overran its announced end: the condition is an incident again.
    (tmp_path / "active.json").write_text(json.dumps(window | {"planned_end_ts": time.time() - 1}))
    assert alert(config, True) == {"alerts": 1}
    lines = (tmp_path / "alerts" / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["state"] for line in lines] == ["firing"]
