#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: env_sensors
short_description: Read server-room temperature and humidity over SNMP (ENTITY-SENSOR-MIB) (Pasal 21 ayat (3))
description:
  - Reads the listed sensors of a probe's ENTITY-SENSOR-MIB (RFC 3433) with pysnmp (SNMP v2c),
    scales them, and compares them with thresholds (defaults from ASHRAE's recommended envelope,
    18-27 °C and relative humidity at most 60 %).
  - Returns C(ansible_facts.lpse_env) with the readings and what is out of range; with
    C(fail_out_of_range) a reading out of range fails the task.
  - Thresholds with min not below max, a sensor index the probe does not have (noSuchObject), a
    wrong community or a probe that does not answer fail with a message naming it. Only reads.
  - Runs where pysnmp is (the control node: C(delegate_to: localhost)).
version_added: "0.1.0"
options:
  host:
    description: The probe's address.
    type: str
    required: true
  port:
    description: Its SNMP port.
    type: int
    default: 161
  community:
    description: SNMP v2c community (from vault or the device inventory).
    type: str
    required: true
  sensors:
    description: entPhysicalIndex of each sensor to read.
    type: list
    elements: int
    default: [1, 2]
  thresholds:
    description: "{temperature: {min, max}, humidity: {min, max}}; what is not given keeps its default."
    type: dict
    default: {}
  fail_out_of_range:
    description: Fail the task when a reading is out of range.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for an answer (one retry).
    type: int
    default: 2
author:
  - lpse-dc
notes:
  - Supports check mode (it only reads).
requirements:
  - pysnmp >= 7
"""

EXAMPLES = r"""
- name: Read the server room's probe
  env_sensors:
    host: "{{ hostvars['envmon-01'].ansible_host }}"
    community: "{{ hostvars['envmon-01'].snmp_community }}"
    thresholds: {temperature: {max: 27}}
  delegate_to: localhost
"""

RETURN = r"""
ansible_facts:
  description: The readings.
  returned: always
  type: dict
  contains:
    lpse_env:
      description: readings [{index, kind, name, value, status}], thresholds, out_of_range (messages).
      type: dict
      sample: {"readings": [{"index": 1, "kind": "temperature", "name": "Suhu ruang server", "value": 23.5,
               "status": "ok"}], "out_of_range": []}
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.lpse_envsensor import SensorError, out_of_range, read, thresholds  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec={
            "host": {"type": "str", "required": True},
            "port": {"type": "int", "default": 161},
            "community": {"type": "str", "required": True, "no_log": True},
            "sensors": {"type": "list", "elements": "int", "default": [1, 2]},
            "thresholds": {"type": "dict", "default": {}},
            "fail_out_of_range": {"type": "bool", "default": False},
            "timeout": {"type": "int", "default": 2},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        limits = thresholds(p["thresholds"])
        readings = read(p["host"], p["community"], p["sensors"], p["port"], p["timeout"])
    except SensorError as exc:
        module.fail_json(msg=str(exc))
    except ImportError:
        module.fail_json(msg="env_sensors needs pysnmp 7 where it runs (delegate_to: localhost)")
    problems = out_of_range(readings, limits)
    facts = {
        "readings": [r.__dict__ for r in readings],
        "thresholds": limits,
        "out_of_range": problems,
    }
    if problems and p["fail_out_of_range"]:
        module.fail_json(msg="; ".join(problems), ansible_facts={"lpse_env": facts})
    module.exit_json(changed=False, ansible_facts={"lpse_env": facts})


if __name__ == "__main__":
    main()
