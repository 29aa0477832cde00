"""Topology validation: every bad input names the file, the line and the item at fault."""

from pathlib import Path

import pytest

from lpse.errors import InputError
from lpse.lab.topology import load_topology
from tests.conftest import ROOT

GOOD = """\
name: tst
networks:
  lan: {subnet: 10.99.0.0/24, control_address: 10.99.0.1}
hosts:
  app-01:
    groups: [spse_app]
    interfaces: [{network: lan, address: 10.99.0.11}]
    gateway: 10.99.0.254
  db-01:
    groups: [spse_db]
    interfaces: [{network: lan, address: 10.99.0.12}]
devices:
  ups-01: {kind: ups, network: lan, address: 10.99.0.21}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topology.yml"
    path.write_text(text)
    return path


def test_the_shipped_topology_is_valid():
    topo = load_topology(ROOT / "inventory/lab/topology.yml")
    assert set(topo.hosts) == {"spse-app-01", "spse-db-01", "mgmt-01", "edge-01", "outside-01", "lkpp-mon-01"}
    assert set(topo.devices) == {"ups-01", "envmon-01", "sw-core-01"}
    assert topo.hosts["edge-01"].forwarding
    assert len(topo.hosts["edge-01"].interfaces) == 2


def test_good_topology_loads(tmp_path):
    topo = load_topology(write(tmp_path, GOOD))
    assert topo.hosts["app-01"].address.compressed == "10.99.0.11"
    assert topo.devices["ups-01"].groups == ("ups",)
    assert len({topo.veth(m.name, 0) for m in topo.members()}) == 3
    assert all(len(topo.veth(m.name, 0)) <= 15 for m in topo.members())


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "address: 10.99.0.12}",
            "address: 10.99.0.11}",
            r"topology.yml:11: hosts.db-01.interfaces\[0\].address: "
            r"duplicate address 10.99.0.11: already used by hosts.app-01",
        ),
        (
            "groups: [spse_db]",
            "groups: [spse_dbs]",
            r"topology.yml:10: hosts.db-01.groups\[0\]: unknown group 'spse_dbs'",
        ),
        (
            "{network: lan, address: 10.99.0.12}",
            "{network: wan, address: 10.99.0.12}",
            r":11: hosts.db-01.interfaces\[0\].network: unknown network 'wan'",
        ),
        ("address: 10.99.0.12}", "address: 10.98.0.12}", r":11: .*10.98.0.12 is not a usable address of network 'lan'"),
        ("address: 10.99.0.12}", "address: 10.99.0.300}", r":11: .*'10.99.0.300' is not an IPv4 address"),
        ("gateway: 10.99.0.254", "gateway: 10.1.1.1", r":8: hosts.app-01.gateway: 10.1.1.1 is on none"),
        ("name: tst", "name: Test_Lab", r":1: name: 'Test_Lab' must be 1-6 lower-case"),
        ("kind: ups", "kind: toaster", r":13: devices.ups-01.kind: unknown device kind 'toaster'"),
        ("  db-01:\n", "  app-01:\n", r":9: duplicate key 'app-01' \(first defined on line 5\)"),
        (
            "    gateway: 10.99.0.254\n",
            "    gateway: 10.99.0.254\n    colour: blue\n",
            r":9: hosts.app-01.colour: unknown key",
        ),
        (
            "interfaces: [{network: lan, address: 10.99.0.11}]",
            "interfaces: [{network: lan, address: 10.99.0.11}",
            r"topology.yml:\d+:\d+: YAML error",
        ),
        ("address: 10.99.0.21}", "address: 10.99.0.1}", r"duplicate address 10.99.0.1: already used by networks.lan"),
    ],
)
def test_bad_topology_names_the_problem_and_where(tmp_path, old, new, expected):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(InputError, match=expected) as info:
        load_topology(path)
    assert info.value.exit_code == 2


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_topology(tmp_path / "nope.yml")
    with pytest.raises(InputError, match="must be a mapping"):
        load_topology(write(tmp_path, ""))


def test_lab_up_raises_the_inotify_limit_only_when_too_low(tmp_path, monkeypatch):
    from lpse.lab import manager

    knob = tmp_path / "max_user_instances"
    monkeypatch.setattr(manager, "INOTIFY", knob)
    lab = manager.Lab(ROOT / "inventory/lab/topology.yml")
    said: list[str] = []
    knob.write_text("128\n")
    lab._raise_inotify_limit(said.append)
    assert knob.read_text() == "1024\n" and "128 -> 1024" in said[0]
    knob.write_text("8192\n")
    lab._raise_inotify_limit(said.append)
    assert knob.read_text() == "8192\n" and len(said) == 1  # never lowered, nothing said

    class ReadOnly:  # /proc/sys mounted read-only (as root, a chmod would not stop the write)
        def read_text(self):
            return "128\n"

        def write_text(self, _text):
            raise PermissionError("read-only file system")

    monkeypatch.setattr(manager, "INOTIFY", ReadOnly())
    lab._raise_inotify_limit(said.append)
    assert said[-1].startswith("warning: fs.inotify.max_user_instances is 128")
