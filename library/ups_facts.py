#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ups_facts
short_description: Read a UPS through Network UPS Tools (upsd, TCP 3493) as facts (Pasal 21 ayat (3))
description:
  - Asks upsd for one UPS's variables and returns status, charge, runtime, load, input voltage
    and the last self-test as C(ansible_facts.lpse_ups), with the number of upsmon logins and,
    when logged in, the addresses of the upsmon clients.
  - An unknown UPS name, a refused login, a driver without data or a server that does not answer
    fail with a message naming it. Only reads: safe in check mode.
version_added: "0.1.0"
options:
  host:
    description: The NUT server (upsd).
    type: str
    default: localhost
  port:
    description: upsd's port.
    type: int
    default: 3493
  ups:
    description: The UPS's name in upsd (ups.conf section).
    type: str
    required: true
  username:
    description: A upsd user (upsd.users); needed for the list of upsmon clients.
    type: str
  password:
    description: That user's password (from vault).
    type: str
  timeout:
    description: Seconds to wait for upsd.
    type: int
    default: 5
author:
  - lpse-dc
notes:
  - Supports check mode (it only reads).
"""

EXAMPLES = r"""
- name: Read the server room's UPS
  ups_facts:
    host: mgmt-01
    ups: ups-01
    username: upsmon-primary
    password: "{{ vault_ups_primary_password }}"

- name: Stop when the UPS cannot carry a shutdown
  ansible.builtin.assert:
    that: lpse_ups.runtime_s >= 600
    fail_msg: "UPS runtime {{ lpse_ups.runtime_s }} s"
"""

RETURN = r"""
ansible_facts:
  description: Facts about the UPS.
  returned: always
  type: dict
  contains:
    lpse_ups:
      description: >-
        status (NUT flags), online, on_battery, low_battery, charge_pct, runtime_s, load_pct,
        input_voltage, self_test_result, self_test_date, logins, clients, vars (every variable).
      type: dict
      sample: {"status": "OL", "online": true, "charge_pct": 100.0, "runtime_s": 1800, "logins": 3}
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.lpse_nut import NutError, read  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "default": "localhost"},
            "port": {"type": "int", "default": 3493},
            "ups": {"type": "str", "required": True},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "timeout": {"type": "int", "default": 5},
        },
        required_together=[("username", "password")],
        supports_check_mode=True,
    )
    p = module.params
    try:
        ups = read(p["host"], p["ups"], p["port"], p["username"], p["password"], p["timeout"])
    except NutError as exc:
        module.fail_json(msg=f"{p['ups']}@{p['host']}: {exc}")
    module.exit_json(changed=False, ansible_facts={"lpse_ups": ups})


if __name__ == "__main__":
    main()
