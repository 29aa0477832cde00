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
  optional:
    description:
      - Keys that exist only on kernels built with their feature (Yama's C(kernel.yama.ptrace_scope),
        C(kernel.sysrq), C(kernel.kexec_load_disabled)). Where the kernel lacks one it is reported in
        RV(absent) instead of failing the task, and the file marks it with systemd-sysctl's C(-) prefix.
    type: list
    elements: str
    default: []
  apply:
    description: Set the live values as well as writing the file.
    type: bool
    default: true
  overrides:
    description:
      - What to do with lines in files that systemd-sysctl applies after O(file) at boot (by file
        name, C(/etc/sysctl.conf) through Debian's C(99-sysctl.conf)) and that set one of
        O(settings) to another value. Left alone, they would undo the settings at the next boot.
      - V(comment) turns such lines into comments in C(/etc) and C(/run); a package's file
        (C(/usr/lib/sysctl.d)) is never edited: a file of the same name in the first of O(dirs)
        hides it (systemd's own mechanism), with the package's other lines kept.
      - V(fail) fails the task naming every such line, before anything is written; V(ignore) leaves them.
    type: str
    choices: [comment, fail, ignore]
    default: comment
  dirs:
    description: systemd-sysctl's directories, most important first (for tests).
    type: list
    elements: path
    default: [/etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d]
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
overridden:
  description:
    - Lines that overrode the settings at boot, as C(path:line: key = value).
    - They are commented out (not in check mode).
  returned: always
  type: list
  elements: str
  sample: ["/etc/sysctl.d/99-sysctl.conf:70: net.ipv4.conf.all.accept_redirects = 1"]
absent:
  description: Optional keys this kernel does not have.
  returned: always
  type: list
  elements: str
  sample: ["kernel.yama.ptrace_scope"]
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
from ansible.module_utils.lpse_sysctl import (  # noqa: E402
    comment_out,
    mask_package_file,
    overrides,
    packaged,
    plan,
    render,
    write,
)


def run(module, proc_root="/proc/sys"):
    params = module.params
    settings = {str(k): v for k, v in params["settings"].items()}
    steps = plan(settings, proc_root)
    optional = set(params["optional"])
    absent = sorted(k for k, (_c, _w, state) in steps.items() if state == "missing" and k in optional)
    missing = [k for k, (_cur, _want, state) in steps.items() if state == "missing" and k not in optional]
    if missing:
        module.fail_json(msg=f"unknown kernel parameter(s) on this host: {', '.join(missing)}", missing=missing)

    later = [] if params["overrides"] == "ignore" else overrides(settings, params["file"], params["dirs"])
    overridden = [f"{f}:{n}: {k} = {v}" for f, n, k, v in later]
    if later and params["overrides"] == "fail":
        module.fail_json(
            msg=f"these lines set the same kernel parameters after {params['file']} at boot and would undo them: "
            + "; ".join(overridden),
            overridden=overridden,
        )

    content = render(settings, params["header"], optional)
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

    if later and not module.check_mode:
        by_file = {}
        for f, n, _k, _v in later:
            by_file.setdefault(f, []).append(n)
        for f, numbers in by_file.items():
            if packaged(f):
                mask_package_file(f, numbers, os.path.basename(path), params["dirs"][0])
            else:
                comment_out(f, numbers, os.path.basename(path))

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
        "changed": file_changed or bool(applied) or bool(later),
        "file_changed": file_changed,
        "applied": applied,
        "overridden": overridden,
        "absent": absent,
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
            "optional": {"type": "list", "elements": "str", "default": []},
            "overrides": {"type": "str", "choices": ["comment", "fail", "ignore"], "default": "comment"},
            "dirs": {
                "type": "list",
                "elements": "path",
                "default": ["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d"],
            },
        },
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
