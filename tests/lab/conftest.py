"""Lab tests run against the real lab: root, namespaces, systemd hosts, SNMP agents, a switch.

The session fixture brings the lab up (reusing it if it already runs) and leaves it running, so
a developer can look at what a failing test saw. `lpse lab down` takes it away.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from lpse.lab.manager import Lab
from tests.conftest import ROOT

# $LPSE_TOPOLOGY runs the tests against another lab (e.g. a copy on other subnets beside a running
# one); the SPSE and firewall tests expect the default lab's addresses.
TOPOLOGY = Path(os.environ.get("LPSE_TOPOLOGY") or ROOT / "inventory/lab/topology.yml")


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.lab)
    # The power-cut drill powers the servers off and boots them again: after everything else.
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


@pytest.fixture(scope="session")
def lab() -> Lab:
    if os.geteuid() != 0:
        pytest.skip("lab tests need root (namespaces, bridges, cgroups)")
    the_lab = Lab(TOPOLOGY)
    the_lab.up(progress=print)
    # As at a site: first contact logs in as root once and makes the automation account.
    the_lab.bootstrap(progress=print)
    access_routine(the_lab)
    return the_lab


def access_routine(lab: Lab) -> None:
    """The lab's server-room access log (kept on this control node): initialised, with one
    visit approved, entered and left — what the access controls expect to see."""
    from lpse.access.config import load
    from lpse.access.service import AccessLog
    from lpse.lab.officials import settle

    chosen = settle(lab.inventory_path, lab.state)
    log = AccessLog(load(lab.inventory_path))
    visit = log.request(
        "satpam",
        {
            "name": "Budi Santoso",
            "id_type": "nip",
            "id_number": "198805172015031002",
            "institution": "LPSE Kabupaten Bandung",
            "purpose": "Memeriksa UPS dan membawa media cadangan keluar",
            "start": "now",
            "end": "+2h",
            "escort": "Asep Saepudin",
            "equipment": [],
        },
    ).visit
    log.decide(visit, "kepala", True, (chosen / "kepala").read_text().strip())
    log.checkin(visit, "satpam", "T-01")
    log.checkout(visit, "satpam", [])
    log.store.close()


def ssh(lab: Lab, host: str, command: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a shell command on a lab host as root, from the control node."""
    proc = subprocess.run(lab.ssh_argv(host, [command]), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{host}: `{command}` exited {proc.returncode}: {proc.stderr.strip()}")
    return proc


BACKUP_ROUTINE = (
    "lpse-backup run --json && lpse-backup drill --json && "
    "lpse-backup custody --location 'Brankas arsip, Kantor Sekretariat Daerah' --carrier budi --json"
)


def backup_routine(lab) -> None:
    """The day's backup routine on the provisioned lab (Pasal 23): a backup, a restore drill, and
    the medium recorded outside the server room — what the backup controls expect to see."""
    ssh(lab, "mgmt-01", BACKUP_ROUTINE, timeout=300)


def ups_selftest(lab, result: str = "passed") -> None:
    """The UPS's own periodic self-test (a real UPS runs one every two weeks or so), as the lab's
    UPS card reports it, seen by the room recorder on mgmt-01 — what LPSE-21.3-UPS-04 expects."""
    nut = {"in-progress": "in progress", "passed": "done and passed", "error": "done and error"}
    for step in ("in-progress", result):
        lab.set("ups-01", [f"ups.test.result={step}"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            seen = ssh(lab, "mgmt-01", "upsc ups-01@localhost ups.test.result 2>/dev/null", check=False).stdout
            if seen.strip() == nut[step]:
                break
            time.sleep(1)
        ssh(lab, "mgmt-01", "systemctl start lpse-room.service")


@pytest.fixture(scope="session")
def converged(lab):
    """The lab converged by site.yml, once per test session. A test that breaks something puts
    it back (a tagged site.yml or its own fix); test_compliance's drift test and test_site's
    second run show that nothing was left behind."""
    from lpse.runner import run_playbook

    result = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    assert result.ok, result.failures
    return lab


@pytest.fixture(scope="module")
def provisioned(converged):
    """The converged lab with the day's backup routine and a UPS self-test (once per test
    module): what every control expects to see."""
    backup_routine(converged)
    ups_selftest(converged)
    return converged


def inventory_without(stack, tmp_path, var: str):
    """A copy of the lab inventory (group_vars included) without one of its vaulted secrets."""
    copy = tmp_path / "inventory"
    shutil.copytree(stack.topology_path.parent, copy, symlinks=True)
    kept, skipping = [], False
    for line in (copy / "hosts.yml").read_text().splitlines():
        if line.startswith(f"    {var}:"):
            skipping = True
            continue
        if skipping and line.startswith("      "):
            continue
        skipping = False
        kept.append(line)
    assert len(kept) < len((copy / "hosts.yml").read_text().splitlines())
    (copy / "hosts.yml").write_text("\n".join(kept) + "\n")
    return copy / "hosts.yml"


def host_diagnostics(lab, host: str) -> str:
    """What a host's systemd and nftables say, read from the control side through its namespaces
    (for a host that no longer lets us in over SSH)."""
    pid = lab._systemd_pid(host)
    if pid is None:
        return f"{host}: not running"
    commands = [
        "systemctl list-timers --all --no-pager",
        "journalctl -n 25 --no-pager",
        "nft list ruleset | head -40",
        "tail -3 /etc/ssh/sshd_config",
    ]
    out = []
    for command in commands:
        proc = subprocess.run(
            ["nsenter", "-t", str(pid), "-a", "sh", "-c", command], capture_output=True, text=True, timeout=20
        )
        out.append(f"$ {command}\n{proc.stdout}{proc.stderr}")
    return "\n".join(out)


def apply_and_expect_rollback(lab, host: str, tags: str, extravars: dict, within: float = 90) -> float:
    """Apply a change that cuts Ansible off ``host``; assert the run fails, the host restores its
    previous configuration by itself within ``within`` seconds of that run's end, and a normal run
    then changes nothing. Returns the seconds from the run's end until access came back."""
    import time

    from lpse.runner import run_playbook

    result = run_playbook(
        "playbooks/site.yml", inventory=lab.inventory_path, limit=host, tags=tags, extravars=extravars, quiet=True
    )
    assert not result.ok, f"Ansible should have lost access to {host}"
    ended = time.monotonic()
    while ssh(lab, host, "true", check=False, timeout=10).returncode != 0:
        if time.monotonic() - ended > within:
            pytest.fail(
                f"{host} did not roll its change back within {within:.0f} s of the run's end; "
                f"failed tasks: {result.drift}\n{host_diagnostics(lab, host)}"
            )
        time.sleep(2)
    back = time.monotonic() - ended
    print(f"{host}: access back {back:.0f} s after the run ended")
    again = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, limit=host, quiet=True)
    assert again.ok and again.total("changed") == 0, again.drift
    return back
