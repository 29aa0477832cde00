"""Network devices configured from inventory over netmiko (library/network_device.py): the core
switch (fake-switches' Cisco IOS simulator) and edge-01 (netmiko's linux device type over its
real sshd). A second run only reads; check mode shows a diff and changes nothing; every change is
preceded by a timestamped backup; a push whose session is broken halfway is rolled back; bad
input is refused before anything is sent."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from lpse.runner import run_playbook
from tests.lab.conftest import ssh

PLAYBOOK = "playbooks/network_devices.yml"


def module_results(result) -> dict[str, dict]:
    return {
        e["event_data"]["host"]: e["event_data"]["res"]
        for e in result.events
        if e.get("event") in ("runner_on_ok", "runner_on_failed")
        and e["event_data"].get("task_action") == "network_device"
    }


def switch(lab):
    """A netmiko session to the core switch, as an operator at the console."""
    import yaml
    from netmiko import ConnectHandler

    hosts = yaml.safe_load(lab.inventory_path.read_text().replace("!vault", ""))["all"]["children"]
    sw = hosts["switches"]["hosts"]["sw-core-01"]
    conn = ConnectHandler(
        device_type="cisco_ios", host=sw["ansible_host"], username=sw["device_username"], password=sw["device_password"]
    )
    conn.enable()
    return conn


def running_config(lab) -> str:
    conn = switch(lab)
    try:
        return conn.send_command("show running-config")
    finally:
        conn.disconnect()


@pytest.fixture(scope="module")
def devices(lab, tmp_path_factory):
    backups = tmp_path_factory.mktemp("device-backups")
    result = run_playbook(PLAYBOOK, inventory=lab.inventory_path, extravars={"network_device_backup_dir": str(backups)})
    assert result.ok, result.failures
    return lab, backups


def test_the_devices_match_the_inventory_and_a_second_run_only_reads(devices):
    lab, backups = devices
    config = running_config(lab)
    for line in ("vlan 10\n name SPSE", "interface FastEthernet0/12\n description uplink edge-01",
                 "switchport trunk allowed vlan 1,10,20", "interface Vlan10\n ip address 10.213.10.1 255.255.255.0",
                 "ip route 0.0.0.0 0.0.0.0 10.213.0.254"):  # fmt: skip
        assert line in config, line
    routes = ssh(lab, "edge-01", "ip route show 10.213.10.0/24").stdout
    assert "via 10.213.0.23" in routes
    assert "LAN LPSE" in ssh(lab, "edge-01", "ip -o link show eth0").stdout
    again = run_playbook(PLAYBOOK, inventory=lab.inventory_path, extravars={"network_device_backup_dir": str(backups)})
    assert again.ok and again.total("changed") == 0, again.hosts
    seconds = {h: r["seconds"] for h, r in module_results(again).items()}
    print(f"nothing to change, seconds connected per device: {seconds}")
    assert all(r["commands"] == [] for r in module_results(again).values())


def test_check_mode_shows_the_diff_and_changes_nothing(devices):
    lab, backups = devices
    wanted = {
        "vlans": [{"id": 10, "name": "SPSE"}, {"id": 20, "name": "MGMT"}, {"id": 30, "name": "CCTV"}],
        "interfaces": [{"name": "FastEthernet0/5", "description": "kamera-01", "mode": "access", "access_vlan": 30}],
    }
    before = running_config(lab)
    result = run_playbook(
        PLAYBOOK,
        inventory=lab.inventory_path,
        limit="sw-core-01",
        check=True,
        extravars={"network_device_config": wanted, "network_device_backup_dir": str(backups)},
    )
    assert result.ok and result.total("changed") == 1
    res = module_results(result)["sw-core-01"]
    assert "vlan 30" in res["commands"] and "+vlan 30 name CCTV" in res["diff"]["after"].replace("\n", "\n+")
    assert running_config(lab) == before


def test_every_change_is_preceded_by_a_backup(devices, tmp_path):
    lab, _ = devices
    wanted = {"static_routes": [{"prefix": "10.213.10.0/24", "next_hop": "10.213.0.23"}]}
    result = run_playbook(
        PLAYBOOK,
        inventory=lab.inventory_path,
        limit="edge-01",
        extravars={
            "network_device_config": wanted,
            "network_device_purge": True,
            "network_device_backup_dir": str(tmp_path),
        },
    )
    assert result.ok and result.total("changed") == 1
    before, after = sorted((tmp_path / "edge-01").glob("*.cfg"))  # saved before and after the change
    assert "10.213.20.0/24 via 10.213.0.23" in before.read_text()  # the route the change removed
    assert "10.213.20.0/24" not in after.read_text()
    assert "10.213.20.0/24" not in ssh(lab, "edge-01", "ip route").stdout
    restored = run_playbook(
        PLAYBOOK, inventory=lab.inventory_path, limit="edge-01", extravars={"network_device_backup_dir": str(tmp_path)}
    )
    assert restored.ok and "10.213.20.0/24 via 10.213.0.23" in ssh(lab, "edge-01", "ip route").stdout


def test_a_push_broken_halfway_leaves_the_previous_configuration(devices, tmp_path):
    lab, _ = devices
    before = running_config(lab)
    many = [{"id": 10, "name": "SPSE"}, {"id": 20, "name": "MGMT"}] + [
        {"id": v, "name": f"V{v}"} for v in range(100, 300)
    ]
    config = {"vlans": many}
    outcome: dict = {}

    def push():
        outcome["result"] = run_playbook(
            PLAYBOOK,
            inventory=lab.inventory_path,
            limit="sw-core-01",
            extravars={"network_device_config": config, "network_device_backup_dir": str(tmp_path)},
            quiet=True,
        )

    worker = threading.Thread(target=push)
    worker.start()
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("sw-core-01/*.cfg")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the backup is written just before the push starts
    time.sleep(0.5)
    # Break the session: reset every SSH connection the switch has (the module's push).
    subprocess.run(["ip", "netns", "exec", "lpse-sw-core-01", "ss", "-K", "sport = :22"], capture_output=True)
    worker.join(timeout=180)
    result = outcome["result"]
    assert not result.ok
    res = module_results(result)["sw-core-01"]
    print(res["msg"])
    assert "the push broke off" in res["msg"] and "returned to its earlier configuration" in res["msg"]
    assert res["rolled_back"] is True and res["rollback_commands"] > 0  # it did break off halfway
    assert running_config(lab) == before


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"vlans": [{"id": 5000, "name": "X"}]}, "config.vlans[0].id: VLAN ID 5000 is outside 1-4094"),
        (
            {"interfaces": [{"name": "FastEthernet0/99", "description": "x"}]},
            "interface FastEthernet0/99 does not exist",
        ),
        ({"interfaces": [{"name": "Fa0/1", "mode": "access", "access_vlan": 77}]}, "is not a cisco_ios interface name"),
        (
            {"interfaces": [{"name": "FastEthernet0/1", "mode": "access", "access_vlan": 77}]},
            "config.interfaces[0]: VLAN 77 is not in config.vlans",
        ),
        ({"static_routes": [{"prefix": "10.0.0.0/33", "next_hop": "10.213.0.254"}]}, "is not a network like"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(devices, config, expected):
    lab, backups = devices
    before = running_config(lab)
    result = run_playbook(
        PLAYBOOK,
        inventory=lab.inventory_path,
        limit="sw-core-01",
        extravars={"network_device_config": config, "network_device_backup_dir": str(backups)},
        quiet=True,
    )
    assert not result.ok
    assert any(expected in m for m in result.failures), result.failures
    assert running_config(lab) == before


def test_a_hand_made_switch_change_fails_the_device_controls_until_the_role_runs(devices, tmp_path):
    from tests.lab.test_compliance import comply, result_of

    lab, _ = devices
    run_playbook(PLAYBOOK, inventory=lab.inventory_path, limit="sw-core-01")  # the default archive is current
    controls = ("LPSE-21.1-DEV-01", "LPSE-21.5-DEV-02")
    ok = comply(lab, tmp_path, *controls, limit="sw-core-01").doc
    assert {result_of(ok, c, "sw-core-01")["status"] for c in controls} == {"pass"}
    switch_config(lab, ["vlan 10", "name DIUBAH", "exit"])
    broken = comply(lab, tmp_path, *controls, limit="sw-core-01").doc
    dev01, dev02 = (result_of(broken, c, "sw-core-01") for c in controls)
    print(dev01["message"], dev02["message"])
    assert dev01["status"] == "fail" and "first: vlan 10" in dev01["message"]
    assert dev02["status"] == "fail" and "changed after its newest saved configuration" in dev02["message"]
    fixed = run_playbook(PLAYBOOK, inventory=lab.inventory_path, limit="sw-core-01")
    assert fixed.ok and fixed.total("changed") == 1
    after = comply(lab, tmp_path, *controls, limit="sw-core-01").doc
    assert {result_of(after, c, "sw-core-01")["status"] for c in controls} == {"pass"}


def switch_config(lab, commands: list[str]) -> None:
    """A change made by hand on the switch, outside the inventory."""
    conn = switch(lab)
    try:
        conn.send_config_set(commands, exit_config_mode=False)
        conn.send_command("exit", expect_string=r"#")  # the simulator has no `end`
    finally:
        conn.disconnect()
