"""Reaching an inventory host from Python: a testinfra host built from its Ansible variables.

Direct SSH with the inventory's address, user, key and ssh args (fast: no Ansible process per
command); Ansible's own connection only when the variables are templated or not SSH.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=4)
def load_inventory(path: str):
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.manager import VariableManager

    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[path])
    return inventory, VariableManager(loader=loader, inventory=inventory)


def plain(value: Any) -> Any:
    """Ansible 2.19 wraps inventory values in tagged types; callers want plain Python values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


# The inventory variables the checks may read (connection settings and what the roles were told).
PREFIXES = (
    "ansible_",
    "compliance_",
    "lab_",
    "accounts_",
    "access_log_",
    "bandwidth_",
    "connectivity_",
    "firewall_",
    "network_device_",
    "device_",
    "ups_name",
    "room_",
    "snmp_",
    "hardening_modprobe_",
    "hardening_su_",
)


def hostvars(inventory_path: str, name: str) -> dict[str, Any]:
    inventory, variables = load_inventory(inventory_path)
    raw = variables.get_vars(host=inventory.get_host(name), include_hostvars=False)
    return {k: plain(v) for k, v in raw.items() if k.startswith(PREFIXES)}


def hosts_matching(inventory, patterns) -> list[str]:
    """Hosts of the groups/hosts named, ignoring names the inventory does not have."""
    known = [p for p in patterns if p in inventory.groups or inventory.get_host(p) is not None]
    return [h.name for h in inventory.get_hosts(":".join(known))] if known else []


def without_options(args: list[str], names: tuple[str, ...]) -> list[str]:
    """ssh arguments without the ``-o Name=value`` / ``-oName=value`` options named (lower case)."""
    out: list[str] = []
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "-o" and i + 1 < len(args) and args[i + 1].lower().startswith(names):
            skip = True
            continue
        if arg.startswith("-o") and arg[2:].lower().startswith(names):
            continue
        out.append(arg)
    return out


def testinfra_host(inventory_path: str, name: str):
    import testinfra

    from lpse.comply.hostrun import guard

    return guard(_testinfra_host(testinfra, inventory_path, name), name)


# The variables that say how to reach a host: only when one of them is templated (or the
# connection is not SSH) does the host need Ansible's own connection.
CONNECTION_VARS = (
    "ansible_connection",
    "ansible_host",
    "ansible_user",
    "ansible_port",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
    "ansible_ssh_private_key_file",
    "ansible_become",
    "ansible_become_user",
)


def becomes(hv: dict) -> bool:
    """The inventory says Ansible runs this host's tasks through sudo (ansible_become): a site's
    automation account. The checks then run through sudo too, so they see what root sees."""
    from ansible.module_utils.parsing.convert_bool import boolean

    return boolean(hv.get("ansible_become", False), strict=False)


def _testinfra_host(testinfra, inventory_path: str, name: str):
    hv = hostvars(inventory_path, name)
    connection = hv.get("ansible_connection", "ssh")
    if connection == "local":
        return testinfra.get_host("local://")
    if connection != "ssh" or any("{{" in str(hv.get(k, "")) for k in CONNECTION_VARS):
        return testinfra.get_host(f"ansible://{name}", ansible_inventory=inventory_path)
    address, user, port = hv.get("ansible_host", name), hv.get("ansible_user", "root"), hv.get("ansible_port", 22)
    extra = shlex.split(str(hv.get("ansible_ssh_common_args", "")))
    # LogLevel=ERROR keeps a host's login banner out of every command's stderr (evidence).
    # ServerAlive*: a host that stops answering (or a multiplexed master whose connection died)
    # fails its checks within ~15 s instead of hanging the run.
    extra += [
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ServerAliveInterval=5",
        "-o",
        "ServerAliveCountMax=2",
    ]
    # One multiplexed SSH connection per host for all its checks (a handshake per command costs
    # more than most checks). testinfra adds the ControlPath; the master lingers 30 s.
    extra = without_options(extra, ("controlmaster", "controlpersist", "controlpath"))
    control_dir = Path(tempfile.gettempdir()) / f"lpse-ssh-{os.getuid()}"
    control_dir.mkdir(mode=0o700, exist_ok=True)
    kwargs: dict[str, Any] = {
        "ssh_extra_args": " ".join(shlex.quote(a) for a in extra),
        # testinfra %-formats the ssh command line: %%C reaches ssh as %C.
        "controlpath": str(control_dir / "%%C"),
        "controlpersist": 30,
    }
    if hv.get("ansible_ssh_private_key_file"):
        kwargs["ssh_identity_file"] = str(hv["ansible_ssh_private_key_file"])
    if becomes(hv):
        kwargs["sudo"] = True
        if hv.get("ansible_become_user") and hv["ansible_become_user"] != "root":
            kwargs["sudo_user"] = str(hv["ansible_become_user"])
    return testinfra.get_host(f"ssh://{user}@{address}:{port}", **kwargs)
