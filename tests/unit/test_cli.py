"""The `lpse` command's answers to bad input: a clear message and exit code 2, never a traceback."""

import pytest
from click.testing import CliRunner

from lpse.cli import main
from tests.conftest import ROOT

TOPOLOGY = str(ROOT / "inventory/lab/topology.yml")


@pytest.fixture
def run(monkeypatch, tmp_path):
    # A state dir of its own, so these tests never touch a real lab.
    monkeypatch.setattr("lpse.lab.manager.STATE_ROOT", tmp_path / "state")
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, ["--lang", "en", *args], catch_exceptions=False)

    return invoke


def test_lab_set_unknown_device(run):
    result = run("lab", "set", "-t", TOPOLOGY, "ups-99", "battery.charge=10")
    assert result.exit_code == 2
    assert "unknown host or device 'ups-99'" in result.output
    assert "ups-01" in result.output


def test_lab_set_unknown_key(run):
    result = run("lab", "set", "-t", TOPOLOGY, "envmon-01", "pressure=3")
    assert result.exit_code == 2
    assert "unknown key 'pressure' for envmon-01" in result.output
    assert "temperature" in result.output


def test_lab_set_on_a_host(run):
    result = run("lab", "set", "-t", TOPOLOGY, "spse-app-01", "x=1")
    assert result.exit_code == 2
    assert "is a host" in result.output


def test_malformed_topology(run, tmp_path):
    bad = tmp_path / "topology.yml"
    bad.write_text(
        "name: bad\nnetworks: {lan: {subnet: 10.0.0.0/24, control_address: 10.0.0.1}}\n"
        "hosts:\n  a-01: {groups: [nope], interfaces: [{network: lan, address: 10.0.0.2}]}\n"
    )
    result = run("lab", "status", "-t", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:4: hosts.a-01.groups[0]: unknown group 'nope'" in result.output


def test_not_root(run, monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    result = run("lab", "up", "-t", TOPOLOGY)
    assert result.exit_code == 1
    assert "the lab needs root" in result.output


def test_missing_tool(run, monkeypatch):
    monkeypatch.setattr("os.geteuid", lambda: 0)
    real_which = __import__("shutil").which
    monkeypatch.setattr("shutil.which", lambda name: None if name == "unshare" else real_which(name))
    result = run("lab", "up", "-t", TOPOLOGY)
    assert result.exit_code == 1
    assert "required tool(s) not found: unshare" in result.output
    assert "apt-get install util-linux" in result.output


def test_provision_missing_playbook(run):
    result = run("provision", "playbooks/nope.yml")
    assert result.exit_code == 2
    assert "playbook not found: playbooks/nope.yml" in result.output


def test_comply_unknown_control(run):
    result = run("comply", "--control", "LPSE-99-NOPE-01", "-i", str(ROOT / "inventory/lab/topology.yml"))
    assert result.exit_code == 2
    assert "unknown control ID 'LPSE-99-NOPE-01'" in result.output


def test_comply_unknown_area(run):
    result = run("comply", "--area", "weather")
    assert result.exit_code == 2
    assert "unknown area 'weather'" in result.output


def test_comply_inventory_without_hosts(run, tmp_path):
    empty = tmp_path / "hosts.yml"
    empty.write_text("all:\n  children: {}\n")
    result = run("comply", "-i", str(empty))
    assert result.exit_code == 2
    assert f"inventory {empty} names no hosts" in result.output


def test_comply_malformed_waiver(run, tmp_path):
    inv = tmp_path / "hosts.yml"
    inv.write_text("all:\n  hosts:\n    a-01: {}\n")
    bad = tmp_path / "waivers.yml"
    bad.write_text(
        "waivers:\n  - control: LPSE-21.5-TIME-01\n    hosts: [a-01]\n    approved_by: Kepala\n"
        "    expires: 2027-01-01\n"
    )
    result = run("comply", "-i", str(inv), "--waivers", str(bad), "--results-dir", str(tmp_path / "r"))
    assert result.exit_code == 2
    assert f"{bad}:2: LPSE-21.5-TIME-01: justification is missing" in result.output


def test_comply_bad_severity(run):
    result = run("comply", "--fail-on", "sometimes")
    assert result.exit_code == 2
    assert "--fail-on 'sometimes'" in result.output


def test_failure_messages_name_each_failed_loop_item():
    from lpse.runner import failure_messages

    assert failure_messages(
        {
            "msg": "One or more items failed",
            "results": [{"failed": True, "msg": "role bendahara"}, {"failed": False, "msg": "ok"}],
        }
    ) == ["role bendahara"]
    assert failure_messages({"msg": "plain"}) == ["plain"]
