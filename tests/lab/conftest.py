"""Lab tests run against the real lab: root, namespaces, systemd hosts, SNMP agents, a switch.

The session fixture brings the lab up (reusing it if it already runs) and leaves it running, so
a developer can look at what a failing test saw. `lpse lab down` takes it away.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from lpse.lab.manager import Lab
from tests.conftest import ROOT

TOPOLOGY = ROOT / "inventory/lab/topology.yml"


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.lab)


@pytest.fixture(scope="session")
def lab() -> Lab:
    if os.geteuid() != 0:
        pytest.skip("lab tests need root (namespaces, bridges, cgroups)")
    the_lab = Lab(TOPOLOGY)
    the_lab.up(progress=print)
    return the_lab


def ssh(lab: Lab, host: str, command: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a shell command on a lab host as root, from the control node."""
    proc = subprocess.run(lab.ssh_argv(host, [command]), capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"{host}: `{command}` exited {proc.returncode}: {proc.stderr.strip()}")
    return proc
