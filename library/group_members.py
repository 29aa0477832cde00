#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: group_members
short_description: Remove everyone a role did not put in a privileged group
description:
  - For each group in O(groups) that exists on the host, removes (with C(gpasswd -d)) every
    supplementary member not in O(allowed). Groups that do not exist are skipped.
  - An account whose B(primary) group is one of O(groups) cannot be removed this way without
    changing the account itself; the module then fails, naming the account and the group, and
    changes nothing.
version_added: "0.1.0"
options:
  groups:
    description: Groups that grant privileges (for example the groups sudo rules name).
    type: list
    elements: str
    required: true
  allowed:
    description: Accounts that may be members of these groups.
    type: list
    elements: str
    default: []
author:
  - lpse-dc
notes:
  - Supports check mode and diff mode. Idempotent.
"""

EXAMPLES = r"""
- name: Only active admin_sistem staff in the groups sudo honours
  group_members:
    groups: [sudo, lpse-admin, admin, wheel]
    allowed: [budi, sari]
"""

RETURN = r"""
removed:
  description: Group to the members removed from it (or, in check mode, that would be).
  returned: always
  type: dict
  sample: {"sudo": ["helpdesk"]}
"""

import grp  # noqa: E402
import pwd  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.lpse_owned import outsiders  # noqa: E402


def run(module, getgrnam=grp.getgrnam, getpwall=pwd.getpwall):
    p = module.params
    allowed = set(p["allowed"])
    plan, members, primary = {}, {}, []
    for name in p["groups"]:
        try:
            group = getgrnam(name)
        except KeyError:
            continue
        extra = outsiders(group.gr_mem, allowed)
        if extra:
            plan[name] = extra
            members[name] = sorted(group.gr_mem)
        primary += [
            f"{u.pw_name} (group {name})" for u in getpwall() if u.pw_gid == group.gr_gid and u.pw_name not in allowed
        ]
    if primary:
        module.fail_json(
            msg="these accounts have a privileged group as their primary group; change them by hand "
            f"(usermod -g), nothing was changed: {', '.join(primary)}",
            primary=primary,
        )
    if plan and not module.check_mode:
        for name, users in plan.items():
            for user in users:
                module.run_command(["gpasswd", "-d", user, name], check_rc=True)
    result = {"changed": bool(plan), "removed": plan}
    if module._diff and plan:
        result["diff"] = {
            "before": "".join(f"{g}: {', '.join(members[g])}\n" for g in plan),
            "after": "".join(f"{g}: {', '.join(m for m in members[g] if m not in plan[g])}\n" for g in plan),
        }
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "groups": {"type": "list", "elements": "str", "required": True},
            "allowed": {"type": "list", "elements": "str", "default": []},
        },
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
