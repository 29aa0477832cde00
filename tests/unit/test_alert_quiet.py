"""lpse-alert (role alerting): alerts are incidents only after commissioning and outside an
announced maintenance window; a condition that outlasts the quiet time is raised when it ends."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import jinja2

from tests.conftest import ROOT

TEMPLATE = ROOT / "roles/alerting/templates/usr/local/sbin/lpse-alert.j2"


def render(tmp_path):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["to_json"] = json.dumps
    script = env.from_string(TEMPLATE.read_text()).render(
        ansible_managed="test",
        alerting_dir=str(tmp_path / "alerts"),
        alerting_command="",
        alerting_retention_days=400,
        alerting_maintenance_file=str(tmp_path / "active.json"),
    )
    path = tmp_path / "lpse-alert"
    path.write_text(script)
    return path


def alert(script, firing: bool) -> dict:
    states = [{"key": "postgres", "firing": firing, "message": "PostgreSQL does not answer"}]
    proc = subprocess.run([sys.executable, str(script), "metrics"], input=json.dumps(states), capture_output=True,
                          text=True, check=True)  # fmt: skip
    return json.loads(proc.stdout)


def test_nothing_is_raised_before_commissioning_and_a_lasting_condition_is_raised_after(tmp_path):
    script = render(tmp_path)
    assert alert(script, True) == {"alerts": 0, "quiet": "commissioning"}
    assert not (tmp_path / "alerts" / "alerts.jsonl").exists()
    (tmp_path / "alerts" / "commissioned").write_text("")
    assert alert(script, True) == {"alerts": 1}  # still firing after commissioning: raised now
    assert alert(script, True) == {"alerts": 0}  # only a change is an alert


def test_an_announced_window_is_quiet_until_its_planned_end(tmp_path):
    script = render(tmp_path)
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "commissioned").write_text("")
    window = {"id": "mnt-1", "planned_end_ts": time.time() + 600}
    (tmp_path / "active.json").write_text(json.dumps(window))
    assert alert(script, True) == {"alerts": 0, "quiet": "maintenance mnt-1"}
    # The window overran its announced end: the condition is an incident again.
    (tmp_path / "active.json").write_text(json.dumps(window | {"planned_end_ts": time.time() - 1}))
    assert alert(script, True) == {"alerts": 1}
    lines = (tmp_path / "alerts" / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(line)["state"] for line in lines] == ["firing"]
