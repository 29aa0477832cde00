"""The lab switch keeps a startup configuration: `write memory` saves it, a boot applies it."""

from __future__ import annotations

import logging

from fake_switches import switch_factory
from fake_switches.command_processing.piping_processor_base import NotPipingProcessor
from fake_switches.terminal import NoopTerminalController

from lpse.lab import switch


def _switch():
    core = switch_factory.SwitchFactory().get("cisco_generic", "sw-test", b"pw")
    proc = core.new_command_processor()
    proc.init(core.switch_configuration, NoopTerminalController(), logging.getLogger("t"), NotPipingProcessor())
    return core, proc


CONFIG = [
    "configure terminal",
    "vlan 10",
    "name SPSE",
    "exit",
    "interface FastEthernet0/2",
    "description uplink edge-01",
    "switchport mode access",
    "switchport access vlan 10",
    "exit",
    "interface vlan 10",
    "ip address 10.213.10.1 255.255.255.0",
    "exit",
    "ip route 0.0.0.0 0.0.0.0 10.213.0.254",
    "exit",
]


def test_write_memory_then_a_boot_gives_the_same_running_configuration(tmp_path):
    startup = tmp_path / "startup-config"
    switch.patch(startup)
    _core, proc = _switch()
    for command in CONFIG:
        proc.process_command(command)
    before = switch.running_config(proc)
    assert "ip route 0.0.0.0 0.0.0.0 10.213.0.254" in before
    proc.process_command("write memory")
    assert startup.read_text() == before
    # Power off, power on: a new switch boots from its startup configuration.
    core, proc = _switch()
    assert switch.boot(core, startup) > 0
    assert switch.running_config(proc) == before


def test_without_write_memory_a_boot_loses_the_change(tmp_path):
    startup = tmp_path / "startup-config"
    switch.patch(startup)
    core, proc = _switch()
    blank = switch.running_config(proc)
    for command in CONFIG:
        proc.process_command(command)
    core, proc = _switch()
    assert switch.boot(core, startup) == 0
    assert switch.running_config(proc) == blank
