"""A lab comes and goes without a trace; bad topologies build nothing; hosts survive reboot."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from lpse.errors import InputError
from lpse.lab import cgroup, network
from lpse.lab.manager import Lab
from tests.conftest import ROOT
from tests.lab.conftest import ssh

HERE = os.path.dirname(__file__)


@pytest.fixture(scope="module")
def mini():
    if os.geteuid() != 0:
        pytest.skip("lab tests need root")
    the_lab = Lab(os.path.join(HERE, "topologies/mini.yml"))
    the_lab.up(progress=print, fresh=True)
    yield the_lab
    the_lab.down(progress=print, purge=True)


def boot_time(lab, host: str) -> str:
    # Field 22 of /proc/1/stat: when the host's init started (what Ansible's reboot module reads).
    return ssh(lab, host, "cut -d' ' -f22 /proc/1/stat").stdout.strip()


def test_reboot_inside_a_host_boots_it_again(mini):
    before = boot_time(mini, "cyc-01")
    ssh(mini, "cyc-01", "systemctl reboot", check=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        proc = ssh(mini, "cyc-01", "systemctl is-system-running --wait", check=False, timeout=20)
        if proc.stdout.strip() == "running" and boot_time(mini, "cyc-01") != before:
            break
        time.sleep(0.5)
    else:
        pytest.fail("cyc-01 did not come back from reboot within 60 s")
    # The portable medium is still plugged in (the same loop device, found by its label).
    assert ssh(mini, "cyc-01", "blkid -L CYC-MEDIUM").stdout.startswith("/dev/loop")


INSTALLER_PASSWORD = "Pasang-Server-2026!"


def test_bootstrap_from_the_installers_admin_with_passwords(mini):
    """A fresh Debian whose installer made an admin with a password and sudo: `lpse bootstrap
    --login installer -k` asks for that password once (sudo takes the same), makes the automation
    account, and from then on the lab reaches the host only through it. A second bootstrap leaves
    the host alone. The password is written nowhere."""
    from lpse.lab.inventory import AUTOMATION_USER

    ssh(mini, "cyc-01", "command -v sudo >/dev/null || (apt-get update -q && apt-get install -y -q sudo)", timeout=180)
    ssh(
        mini, "cyc-01", f"useradd -m -s /bin/bash -G sudo installer && echo 'installer:{INSTALLER_PASSWORD}' | chpasswd"
    )
    assert not mini.bootstrapped("cyc-01")
    argv = [sys.executable, "-m", "lpse.cli", "--lang", "en", "bootstrap", "-i", str(mini.inventory_path)]
    first = subprocess.run(
        [*argv, "--login", "installer", "--ask-pass"],
        input=INSTALLER_PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    assert mini.bootstrapped("cyc-01")
    # The lab's ssh now goes as the automation account, through sudo.
    assert ssh(mini, "cyc-01", "id -un; sudo -l -U " + AUTOMATION_USER).stdout.startswith("root\n")
    rule = ssh(mini, "cyc-01", "cat /etc/sudoers.d/lpse-allowed").stdout
    assert f"{AUTOMATION_USER} ALL=(ALL:ALL) NOPASSWD: ALL" in rule
    keys = ssh(mini, "cyc-01", f"cat /home/{AUTOMATION_USER}/.ssh/authorized_keys").stdout
    assert mini.key.with_suffix(".pub").read_text().split()[1] in keys
    again = subprocess.run([*argv, "--login", "root"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert again.returncode == 0, again.stdout[-3000:]
    cells = [c.strip() for c in again.stdout.split("cyc-01", 1)[1].splitlines()[0].split("│") if c.strip()]
    assert cells[1] == "0", again.stdout[-2000:]  # changed
    runs = sorted((ROOT / ".lpse/runner").iterdir())[-2:]
    leaked = [
        p for run in runs for p in run.rglob("*") if p.is_file() and INSTALLER_PASSWORD in p.read_text(errors="replace")
    ]
    assert not leaked


def test_down_leaves_nothing_behind(mini):
    assert "/dev/loop" in ssh(mini, "cyc-01", "findmnt -n -o SOURCE /srv/data").stdout
    running = mini.leftovers()
    attached = [item for item in running if item.startswith("loop device still attached")]
    assert any("CYC-MEDIUM" in item for item in attached) and len(attached) == 2, running
    assert any(item.startswith("network namespace") for item in running), running
    mini.down(progress=print)
    assert mini.leftovers() == []
    assert not cgroup.lab_dir("lcyc").exists()
    assert "lcyc" not in subprocess.run(["ip", "link"], capture_output=True, text=True).stdout
    mini.down(progress=print)  # twice is fine
    mini.up(progress=print)
    assert ssh(mini, "cyc-01", "systemctl is-system-running --wait").stdout.strip() == "running"


def test_bad_topology_builds_nothing(tmp_path):
    bad = tmp_path / "topology.yml"
    bad.write_text(
        "name: badlab\nnetworks: {lan: {subnet: 10.213.61.0/24, control_address: 10.213.61.1}}\n"
        "hosts:\n"
        "  b-01: {groups: [mgmt], interfaces: [{network: lan, address: 10.213.61.11}]}\n"
        "  b-02: {groups: [mgmt], interfaces: [{network: lan, address: 10.213.61.11}]}\n"
    )
    with pytest.raises(InputError, match=r":5: hosts.b-02.interfaces\[0\].address: duplicate address"):
        Lab(bad).up(progress=print)
    assert network.netns_list("badlab-") == []
    assert not network.link_exists("badlab-lan")
    assert not cgroup.lab_dir("badlab").exists()


def test_a_lab_network_over_the_machines_own_network_is_refused(tmp_path):
    import ipaddress
    import json

    routes = json.loads(subprocess.run(["ip", "-j", "route"], capture_output=True, text=True).stdout)
    own = [r["dst"] for r in routes if "/" in r.get("dst", "") and not r.get("dev", "").startswith(("lpse-", "lcyc"))]
    if not own:
        pytest.skip("this machine has no network route of its own to collide with")
    net = ipaddress.ip_network(own[0])
    hosts = list(net.hosts())
    clash = tmp_path / "clash.yml"
    clash.write_text(
        f"name: clash\nnetworks: {{lan: {{subnet: {net}, control_address: {hosts[-2]}}}}}\n"
        f"hosts:\n  c-01: {{groups: [mgmt], interfaces: [{{network: lan, address: {hosts[-3]}}}]}}\n"
    )
    with pytest.raises(InputError, match=rf"network lan \({net}\) overlaps"):
        Lab(clash).up(progress=print)
    assert not network.link_exists("clash-lan")
    assert network.netns_list("clash-") == []
