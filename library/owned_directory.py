#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: owned_directory
short_description: Keep only the files a role wrote in a drop-in directory it owns
description:
  - Drop-in directories (C(sudoers.d), C(journald.conf.d), a service's C(.service.d), PostgreSQL's
    C(conf.d)) are read in order, so a file a person adds there by hand can override what the
    role set and survive every later run of the role.
  - This module moves every file in O(path) that matches O(patterns) and is not in O(keep) into
    O(quarantine), where it stays as evidence of the change; nothing is deleted.
  - A missing directory is not an error (nothing to remove).
version_added: "0.1.0"
options:
  path:
    description: The directory the role owns. One of O(path) and O(unit) is required.
    type: path
  unit:
    description:
      - A systemd unit whose drop-in directories the role owns (in C(/etc/systemd/system),
        C(system.control) and their C(/run) twins; for an instance such as C(postgresql@15-main.service)
        its template's too). O(patterns) defaults to C(*.conf) and systemd is reloaded when
        something was moved, so a restart of the unit (the role's handler) runs without them.
    type: str
  keep:
    description: Names of the files the role (or the package that owns the directory) writes there.
    type: list
    elements: str
    default: []
  patterns:
    description:
      - Shell patterns of the names the directory's reader loads; other names are left alone.
      - Default C(*), or C(*.conf) with O(unit).
    type: list
    elements: str
  quarantine:
    description: Where removed files are kept, under a folder named after O(path) and with the time appended.
    type: path
    default: /var/lib/lpse/quarantine
author:
  - lpse-dc
notes:
  - Supports check mode and diff mode. Idempotent.
"""

EXAMPLES = r"""
- name: Keep only the role's sudo rules
  owned_directory:
    path: /etc/sudoers.d
    keep: [README, lpse-admin, lpse-lkpp]
  register: accounts_sudoers_strangers

- name: No hand-made override of the nginx unit
  owned_directory:
    unit: nginx.service
  notify: Restart nginx
"""

RETURN = r"""
removed:
  description: Files moved out of O(path) (or, in check mode, that would be).
  returned: always
  type: list
  elements: str
  sample: ["/etc/sudoers.d/zz-helpdesk"]
moved_to:
  description: Each removed file's place in the quarantine (empty in check mode).
  returned: always
  type: dict
  sample: {"/etc/sudoers.d/zz-helpdesk": "/var/lib/lpse/quarantine/etc_sudoers.d/zz-helpdesk.20261130T101500Z"}
"""

import os  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.lpse_owned import move_aside, strangers, unit_dropin_dirs  # noqa: E402


def run(module, unit_roots=None):
    p = module.params
    if p["unit"]:
        paths = unit_dropin_dirs(p["unit"], *([unit_roots] if unit_roots else []))
        patterns = p["patterns"] or ["*.conf"]
    else:
        paths, patterns = [p["path"]], p["patterns"] or ["*"]
    removed, moved, before, after = [], {}, [], []
    for path in paths:
        names = strangers(path, set(p["keep"]), patterns)
        if not names:
            continue
        present = sorted(os.listdir(path))
        before += [f"{path}/{n}\n" for n in present]
        after += [f"{path}/{n}\n" for n in present if n not in names]
        for name in names:
            removed.append(os.path.join(path, name))
            if not module.check_mode:
                moved[os.path.join(path, name)] = move_aside(path, name, p["quarantine"])
    if removed and p["unit"] and not module.check_mode:
        module.run_command(["systemctl", "daemon-reload"], check_rc=True)
    result = {"changed": bool(removed), "removed": removed, "moved_to": moved}
    if module._diff and removed:
        result["diff"] = {"before": "".join(before), "after": "".join(after)}
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path"},
            "unit": {"type": "str"},
            "keep": {"type": "list", "elements": "str", "default": []},
            "patterns": {"type": "list", "elements": "str"},
            "quarantine": {"type": "path", "default": "/var/lib/lpse/quarantine"},
        },
        required_one_of=[("path", "unit")],
        mutually_exclusive=[("path", "unit")],
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
