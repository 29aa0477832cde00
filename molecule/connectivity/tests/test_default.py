"""What the connectivity role leaves on a host, read from the host itself."""

import json


def test_the_probe_runs_every_minute(host):
    timer = host.service("lpse-netprobe.timer")
    assert timer.is_enabled and timer.is_running
    assert "OnCalendar=*:*:00" in host.check_output("systemctl cat lpse-netprobe.timer")


def test_the_probe_reads_its_settings_and_the_shared_helper(host):
    settings = host.file("/etc/lpse/netprobe.json")
    assert settings.mode == 0o600 and settings.user == "root"  # the alert command may hold a secret
    assert json.loads(settings.content_string)["timeout_s"] >= 1
    assert host.file("/usr/local/lib/lpse/lpse_host.py").mode == 0o644


def test_a_round_checks_every_target(host):
    host.run_expect([0], "systemctl start lpse-netprobe.service")
    last = json.loads(host.check_output("tail -n 1 /var/lib/lpse/connectivity/records.jsonl"))
    assert last["up"] is True and last["interval_s"] == 60
    assert last["results"]["gateway"]["ok"] and last["results"]["mirror"]["ok"], last
    assert not last["results"]["gateway"]["internet"] and last["results"]["mirror"]["internet"]
