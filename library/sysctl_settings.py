#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: sysctl_settings
short_description: Persist and apply kernel parameters, reporting those that are read-only here
description:
  - Writes the given kernel parameters to one C(sysctl.d) file and sets the live values that
    differ, through C(/proc/sys).
  - Keys the kernel will not let this host change (read-only C(/proc/sys) in a container or lab
    host, where kernel-wide parameters belong to the machine) are reported in C(read_only) and
    do not fail the task, so a role can record them and a compliance waiver can cite them.
  - A key that does not exist on this kernel fails the task, naming it.
version_added: "0.1.0"
options:
  settings:
    description: Kernel parameters, dotted names to values (e.g. C(net.ipv4.tcp_syncookies: 1)).
    type: dict
    required: true
  file:
    description: The C(sysctl.d) file that keeps the settings across reboots.
    type: path
    default: /etc/sysctl.d/60-lpse.conf
  header:
    description: Comment written at the top of the file.
    type: str
    default: Managed by lpse-dc (Ansible). Do not edit.
  apply:
    description: Set the live values as well as writing the file.
    type: bool
    default: true
author:
  - lpse-dc
notes:
  - Supports check mode and diff mode. Idempotent; read-only keys are not changes.
"""

EXAMPLES = r"""
- name: Harden network parameters
  sysctl_settings:
    file: /etc/sysctl.d/60-lpse-hardening.conf
    settings:
      net.ipv4.conf.all.accept_redirects: 0
      net.ipv4.tcp_syncookies: 1
  register: hardening_sysctl

- name: Say which parameters this host cannot change
  ansible.builtin.debug:
    msg: "read-only here: {{ hardening_sysctl.read_only }}"
  when: hardening_sysctl.read_only | length > 0
"""

RETURN = r"""
file_changed:
  description: Whether the sysctl.d file was (or, in check mode, would be) rewritten.
  returned: always
  type: bool
applied:
  description: Live values changed, key to before/after.
  returned: always
  type: dict
  sample: {"net.ipv4.conf.all.accept_redirects": {"before": "1", "after": "0"}}
read_only:
  description: Keys whose live value differs but cannot be changed on this host.
  returned: always
  type: list
  elements: str
  sample: ["kernel.kptr_restrict"]
"""

import os  # noqa: E402
import tempfile  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.lpse_sysctl import plan, render, write  # noqa: E402


def run(module, proc_root="/proc/sys"):
    params = module.params
    settings = {str(k): v for k, v in params["settings"].items()}
    steps = plan(settings, proc_root)
    missing = [k for k, (_cur, _want, state) in steps.items() if state == "missing"]
    if missing:
        module.fail_json(msg=f"unknown kernel parameter(s) on this host: {', '.join(missing)}", missing=missing)

    content = render(settings, params["header"])
    path = params["file"]
    before = ""
    if os.path.exists(path):
        with open(path) as fh:
            before = fh.read()
    file_changed = before != content
    if file_changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".sysctl-")
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)

    applied, read_only = {}, []
    for key, (current, wanted, state) in steps.items():
        if state == "read_only" or (state == "change" and not params["apply"]):
            if state == "read_only":
                read_only.append(key)
            continue
        if state == "change":
            if module.check_mode or write(key, wanted, proc_root):
                applied[key] = {"before": current, "after": wanted}
            else:
                read_only.append(key)

    result = {
        "changed": file_changed or bool(applied),
        "file_changed": file_changed,
        "applied": applied,
        "read_only": sorted(read_only),
    }
    if module._diff:
        result["diff"] = {"before": before, "after": content, "before_header": path, "after_header": path}
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "settings": {"type": "dict", "required": True},
            "file": {"type": "path", "default": "/etc/sysctl.d/60-lpse.conf"},
            "header": {"type": "str", "default": "Managed by lpse-dc (Ansible). Do not edit."},
            "apply": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
