"""Checks of the switches and routers (catalogue: compliance/catalogue/devices.yml). They log in
to the device from the control node with netmiko, as the network_device role does, and compare
with the same code it plans with (module_utils/lpse_netdev.py)."""

import os
import sys
from pathlib import Path

import pytest

from lpse.comply.hostrun import CheckError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "module_utils"))
import lpse_netdev  # noqa: E402

from lpse.comply.connect import becomes  # noqa: E402


def _device(policy):
    if not policy.get("network_device_config"):
        pytest.fail("the inventory sets no network_device_config for this device: nothing says what it should hold")
    params = {
        "platform": policy.get("network_device_platform", "cisco_ios"),
        "host": policy["ansible_host"],
        "port": 22,
        "username": policy.get("device_username") or policy.get("ansible_user"),
        "password": policy.get("device_password"),
        "key_file": None if policy.get("device_password") else policy.get("ansible_ssh_private_key_file"),
        "timeout": int(policy.get("network_device_timeout", 20)),
    }
    # A Linux router reached with the automation account reads its root-only startup file through sudo.
    params["sudo"] = becomes(policy) and params["username"] != "root"
    try:
        return params, lpse_netdev.Device(params)
    except Exception as exc:  # netmiko raises many kinds: the check cannot look (an error, not a fail)
        raise CheckError(f"cannot log in to {params['host']} ({type(exc).__name__}: {exc})") from exc


def _running(policy):
    params, dev = _device(policy)
    try:
        return params, *dev.running()
    finally:
        dev.close()


@pytest.mark.control("LPSE-21.1-DEV-01")
def test_configuration_matches_inventory(policy, evidence):
    params, _text, live = _running(policy)
    wanted = lpse_netdev.load_wanted(params["platform"], policy["network_device_config"])
    steps = lpse_netdev.plan(params["platform"], wanted, live, bool(policy.get("network_device_purge", False)))
    evidence.add(
        f"{params['platform']} at {params['host']}: {len(live.vlans)} VLAN(s), {len(live.routes)} static route(s)"
    )
    for line in steps[:20]:
        evidence.add(f"needed: {line}")
    assert not steps, f"{len(steps)} command(s) needed to match the inventory; first: {steps[0]}"


@pytest.mark.control("LPSE-21.5-DEV-02")
def test_configuration_backed_up(lpse_host, policy, evidence):
    results = Path(os.environ.get("LPSE_RESULTS") or ROOT / "results")
    folder = Path(policy.get("compliance_device_backup_dir") or results / "device-backups") / lpse_host
    saved = sorted(folder.glob("*.cfg"))
    assert saved, f"no saved configuration in {folder}"
    newest = saved[-1]
    evidence.add(f"{len(saved)} saved configuration(s) in {folder}; newest {newest.name}")
    params, _text, live = _running(policy)
    kept = lpse_netdev.parse_backup(params["platform"], newest.read_text())
    if kept != live:
        differ = lpse_netdev.back_to(params["platform"], kept, live)
        for line in differ[:10]:
            evidence.add(f"running differs from the copy: {line}")
        raise AssertionError(f"the device changed after its newest saved configuration ({newest.name})")


@pytest.mark.control("LPSE-21.5-DEV-03")
def test_startup_is_running(policy, evidence):
    params, dev = _device(policy)
    try:
        _text, running = dev.running()
        _stext, startup = dev.startup()
    finally:
        dev.close()
    differs = lpse_netdev.startup_differs(params["platform"], startup, running)
    evidence.add(
        f"{params['platform']} at {params['host']}: "
        + ("no startup configuration" if startup is None else "startup configuration read")
    )
    for line in differs[:10]:
        evidence.add(line)
    assert startup is not None, "the device has no startup configuration: a restart loses everything"
    assert not differs, f"the running configuration is not saved: {len(differs)} difference(s), first: {differs[0]}"
