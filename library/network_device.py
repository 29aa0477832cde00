#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: network_device
short_description: Push a switch's or router's configuration from inventory over netmiko (Pasal 21 ayat (1), (5))
description:
  - Connects with netmiko (C(cisco_ios) for a switch, C(linux) for a Linux router), reads the
    running state, and changes only what differs from C(config) (VLANs, port descriptions,
    access and trunk ports, SVIs, static routes; on Linux, descriptions and static routes).
  - Before every change the running configuration is saved under C(backup_dir) with a
    timestamp (the documentation Pasal 21 ayat (5) asks for). Check mode shows the diff and
    the commands and changes nothing.
  - After pushing, the device is read again. If the push fails halfway (a broken session, a
    refused command) or the device does not match afterwards, the module reconnects and
    returns the device to the state it read before, then fails saying so.
  - After a successful change, and whenever the startup configuration differs from the running
    one, the running configuration is saved as the startup configuration (C(write memory) on a
    switch; on a Linux router a boot script run by C(lpse-netdev-startup.service)), so a power
    cut does not undo it.
  - Runs on the control node (C(delegate_to: localhost) or a local connection).
version_added: "0.1.0"
options:
  host:
    description: The device's address.
    type: str
    required: true
  platform:
    description: netmiko device type.
    type: str
    choices: [cisco_ios, linux]
    required: true
  username:
    description: Login name.
    type: str
    required: true
  password:
    description: Login password (from vault); not needed with C(key_file).
    type: str
    no_log: true
  key_file:
    description: SSH private key (Linux routers).
    type: path
  sudo:
    description:
      - Linux routers reached with the site's automation account (C(ansible_become)) run their changes
        through C(sudo -n); reading the running configuration needs no privilege.
    type: bool
    default: false
  port:
    description: SSH port.
    type: int
    default: 22
  config:
    description: >-
      The wanted configuration: C(vlans) [{id, name}], C(interfaces) [{name, description, mode
      (access|trunk), access_vlan, trunk_vlans}], C(svis) [{vlan, address}], C(static_routes)
      [{prefix, next_hop}].
    type: dict
    required: true
  purge:
    description: Remove VLANs (not 1), SVIs and static routes that C(config) does not list.
    type: bool
    default: false
  backup_dir:
    description: Directory of the timestamped running-configuration backups (one folder per device).
    type: path
    required: true
  name:
    description: The device's name, for its backup folder.
    type: str
    required: true
  timeout:
    description: Seconds to wait for a connection or a command.
    type: int
    default: 20
author:
  - lpse-dc
notes:
  - Supports check mode and diff mode. Idempotent: a device that matches is only read.
requirements:
  - netmiko
"""

EXAMPLES = r"""
- name: The core switch as the inventory describes it
  network_device:
    name: "{{ inventory_hostname }}"
    host: "{{ ansible_host }}"
    platform: cisco_ios
    username: "{{ device_username }}"
    password: "{{ device_password }}"
    backup_dir: "{{ playbook_dir }}/../results/device-backups"
    config:
      vlans: [{id: 10, name: SPSE}]
      interfaces:
        - {name: FastEthernet0/1, description: spse-app-01, mode: access, access_vlan: 10}
  delegate_to: localhost
"""

RETURN = r"""
commands:
  description: The commands sent (or, in check mode, that would be sent).
  returned: always
  type: list
  elements: str
backup:
  description: The file the running configuration was saved to before the change.
  returned: when changed (not in check mode)
  type: str
archived:
  description: >-
    The file the configuration now running was saved to (after a change, or when the newest
    saved copy differs from it); null when the newest copy already holds it.
  returned: when not in check mode
  type: str
startup_unsaved:
  description: >-
    What a power cut would change: the differences between the startup configuration (a
    switch's NVRAM, a Linux router's boot script) and the running one before this run saved it.
  returned: always
  type: list
  elements: str
startup_saved:
  description: The running configuration was saved as the startup configuration (write memory).
  returned: always
  type: bool
rolled_back:
  description: Set when the push failed and the device was returned to its earlier state.
  returned: on failure after a push
  type: bool
rollback_commands:
  description: How many commands the rollback sent to undo the partial push.
  returned: on failure after a push
  type: int
seconds:
  description: Time connected to the device.
  returned: always
  type: float
"""

import datetime  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule, missing_required_lib  # noqa: E402
from ansible.module_utils.lpse_netdev import (  # noqa: E402
    ConfigError,
    Device,
    back_to,
    load_wanted,
    parse_backup,
    plan,
    startup_differs,
)

try:
    from netmiko.exceptions import NetmikoBaseException

    HAS_NETMIKO = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_NETMIKO = False


def archive(p, text, state):
    """Save the running configuration unless the newest saved copy already holds it."""
    folder = os.path.join(p["backup_dir"], p["name"])
    saved = sorted(f for f in os.listdir(folder) if f.endswith(".cfg")) if os.path.isdir(folder) else []
    if saved:
        with open(os.path.join(folder, saved[-1])) as fh:
            try:
                if parse_backup(p["platform"], fh.read()) == state:
                    return None
            except (ValueError, KeyError):
                pass  # an unreadable copy: save a good one
    return save_backup(p["backup_dir"], p["name"], text)


def save_backup(directory, name, text):
    folder = os.path.join(directory, name)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = os.path.join(folder, f"{stamp}.cfg")
    with open(path + ".tmp", "w") as fh:
        fh.write(text)
    os.replace(path + ".tmp", path)
    return path


def run(module):
    p = module.params
    if p["platform"] == "cisco_ios" and not p["password"]:
        module.fail_json(msg=f"{p['name']}: a cisco_ios device needs a password")
    if not p["password"] and not p["key_file"]:
        module.fail_json(msg=f"{p['name']}: give a password or a key_file")
    try:
        wanted = load_wanted(p["platform"], p["config"])
    except ConfigError as exc:
        module.fail_json(msg=f"{p['name']}: {exc}")
    started = time.monotonic()
    try:
        dev = Device(p)
    except Exception as exc:
        module.fail_json(msg=f"{p['name']}: cannot log in to {p['host']}:{p['port']} ({type(exc).__name__}: {exc})")
    try:
        before_text, before = dev.running()
        try:
            commands = plan(p["platform"], wanted, before, p["purge"])
        except ConfigError as exc:
            module.fail_json(msg=f"{p['name']}: {exc}")
        # A change that is not saved is lost at the next power cut: the startup configuration must
        # hold what runs (LPSE-21.5-DEV-03).
        _startup_text, startup = dev.startup()
        unsaved = startup_differs(p["platform"], startup, before)
        result = {
            "changed": bool(commands or unsaved),
            "commands": commands,
            "startup_unsaved": unsaved,
            "startup_saved": False,
        }
        if module._diff:
            after = before if not commands else None
            result["diff"] = {
                "before": before.as_text(),
                "after": (after or _predicted(p["platform"], wanted, before, p["purge"])).as_text(),
                "before_header": p["name"],
                "after_header": p["name"],
            }
        if module.check_mode:
            result["seconds"] = round(time.monotonic() - started, 3)
            return result
        if not commands:
            # Nothing to change; the archive still gets the configuration if its newest copy is
            # not it (a first run, or a change made by hand since): LPSE-21.5-DEV-02.
            result["archived"] = archive(p, before_text, before)
            if unsaved:
                dev.save(before)
                result["startup_saved"] = True
            result["seconds"] = round(time.monotonic() - started, 3)
            return result
        result["backup"] = save_backup(p["backup_dir"], p["name"], before_text)
        problem = None
        try:
            dev.push(commands)
            now_text, now = dev.running()
            left = plan(p["platform"], wanted, now, p["purge"])
            if not left:
                result["archived"] = archive(p, now_text, now)
                dev.save(now)
                result["startup_saved"] = True
            if left:
                problem = f"the device still differs after the push: {left[:3]}"
        except (NetmikoBaseException, OSError, EOFError, RuntimeError) as exc:
            problem = f"the push broke off ({type(exc).__name__}: {str(exc).strip()[:200]})"
        if problem:
            rolled, undone = _roll_back(p, before)
            outcome = (
                f"the device was returned to its earlier configuration ({undone} command(s) undid the partial push)"
                if rolled is True
                else f"ROLLBACK FAILED: {rolled}"
            )
            module.fail_json(
                msg=f"{p['name']}: {problem}; {outcome}",
                commands=commands,
                backup=result["backup"],
                rolled_back=rolled is True,
                rollback_commands=undone,
            )
        result["seconds"] = round(time.monotonic() - started, 3)
        return result
    finally:
        dev.close()


def _predicted(platform, wanted, before, purge):
    """What the device will hold after the plan (for diff mode): the wanted items over the live ones."""
    import copy

    after = copy.deepcopy(before)
    after.vlans.update({v: (n if n is not None else after.vlans.get(v)) for v, n in wanted.vlans.items()})
    for name, w in wanted.interfaces.items():
        have = after.interfaces.setdefault(name, copy.deepcopy(w))
        for attr in ("description", "mode", "access_vlan", "trunk_vlans"):
            if getattr(w, attr) is not None or purge:
                setattr(have, attr, getattr(w, attr))
    after.svis.update(wanted.svis)
    after.routes |= wanted.routes
    if purge:
        after.vlans = {v: n for v, n in after.vlans.items() if v in wanted.vlans or v == 1}
        after.svis = dict(wanted.svis)
        after.routes = set(wanted.routes)
    return after


def _roll_back(p, before):
    """Reconnect (the old session may be dead) and return the device to ``before``."""
    try:
        dev = Device(p)
    except Exception as exc:
        return f"cannot log in again ({exc})", 0
    steps = []
    try:
        _text, now = dev.running()
        steps = back_to(p["platform"], before, now)
        if steps:
            dev.push(steps)
        _text, now = dev.running()
        left = back_to(p["platform"], before, now)
        return (True if not left else f"still differs: {left[:3]}"), len(steps)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}", len(steps)
    finally:
        dev.close()


def main():
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "required": True},
            "platform": {"type": "str", "required": True, "choices": ["cisco_ios", "linux"]},
            "username": {"type": "str", "required": True},
            "password": {"type": "str", "no_log": True},
            "key_file": {"type": "path"},
            "sudo": {"type": "bool", "default": False},
            "port": {"type": "int", "default": 22},
            "config": {"type": "dict", "required": True},
            "purge": {"type": "bool", "default": False},
            "backup_dir": {"type": "path", "required": True},
            "name": {"type": "str", "required": True},
            "timeout": {"type": "int", "default": 20},
        },
        supports_check_mode=True,
    )
    if not HAS_NETMIKO:
        module.fail_json(msg=missing_required_lib("netmiko"))
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
