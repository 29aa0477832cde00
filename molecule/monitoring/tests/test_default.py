"""What the monitoring role leaves on a host, read from the host itself."""

import json


def test_timer_enabled_and_active(host):
    timer = host.service("lpse-capacity.timer")
    assert timer.is_enabled
    assert timer.is_running


def test_a_record_exists_and_names_the_data_disk(host):
    last = json.loads(host.check_output("tail -n 1 /var/lib/lpse/capacity/records.jsonl"))
    mounts = {fs["mount"]: fs for fs in last["filesystems"]}
    assert set(mounts) == {"/", "/var/lib/postgresql"}, "each filesystem once, no bind mounts"
    assert mounts["/var/lib/postgresql"]["fstype"] == "ext4"
    assert last["paths"] == {"/var/lib/postgresql": "/var/lib/postgresql"}
    assert 0 < last["memory"]["used_pct"] < 100


def test_recorder_runs_hardened_and_appends(host):
    before = int(host.check_output("wc -l < /var/lib/lpse/capacity/records.jsonl"))
    host.run_expect([0], "systemctl start lpse-capacity.service")
    after = int(host.check_output("wc -l < /var/lib/lpse/capacity/records.jsonl"))
    assert after == before + 1
    show = host.check_output("systemctl show lpse-capacity.service -p ProtectSystem -p NoNewPrivileges")
    assert "ProtectSystem=strict" in show and "NoNewPrivileges=yes" in show
