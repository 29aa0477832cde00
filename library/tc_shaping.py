#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: tc_shaping
short_description: Declarative HTB bandwidth shaping on one interface (Pasal 22 huruf b)
description:
  - Shapes what leaves an interface with an HTB tree built from a policy; a root class at the
    link rate, one class per policy class (guaranteed C(rate), borrowing up to C(ceil), served
    by C(priority)), and u32 filters sending matching IPv4 packets to their class. Unmatched
    traffic goes to the one C(default) class.
  - Reads the live state (C(tc -j qdisc), C(tc -d class), C(tc -j filter)), changes only what
    differs, and applies every change in one C(tc -batch). If a command fails, the state read
    before is rebuilt, so the interface is never left half-shaped.
  - The whole policy is validated before anything is changed; bad rates, a ceil below its rate,
    overlapping matches, ports outside 1-65535 or an unknown interface fail naming the item.
  - With C(persist), also writes the commands that build the policy from nothing, for a boot
    unit to run with C(tc -batch).
version_added: "0.1.0"
options:
  interface:
    description: The interface to shape (egress).
    type: str
    required: true
  rate:
    description: The link rate this interface may send at, e.g. C(100mbit). Units bit, kbit, mbit, gbit.
    type: str
  classes:
    description:
      - Classes in order of their filters. Each has C(name), C(rate), optional C(ceil) (default
        the link rate), C(priority) 0-7 (default 4; 0 is served first), C(default) (exactly one
        class is true) and C(match), a list of mappings of C(protocol) (tcp, udp, icmp or a
        number), C(sport), C(dport) (a port or a list of ports), C(src), C(dst) (IPv4 address or
        network).
    type: list
    elements: dict
  state:
    description: C(present) shapes; C(absent) removes the root qdisc (the kernel's default comes back).
    type: str
    choices: [present, absent]
    default: present
  purge:
    description: Remove classes under the root qdisc that the policy does not name.
    type: bool
    default: true
  persist:
    description: A file to write the commands that build the policy from nothing (C(tc -batch) format).
    type: path
author:
  - lpse-dc
notes:
  - Supports check mode and diff mode. Idempotent.
  - IPv4 only; port matches assume an IPv4 header without options (as tc's own C(ip sport)).
"""

EXAMPLES = r"""
- name: Keep SPSE's HTTPS answers ahead of everything else on the LAN link
  tc_shaping:
    interface: eth0
    rate: 100mbit
    classes:
      - {name: admin, rate: 5mbit, priority: 0, match: [{protocol: tcp, sport: 22}]}
      - {name: spse, rate: 70mbit, priority: 1, match: [{protocol: tcp, sport: [80, 443]}]}
      - {name: other, rate: 10mbit, ceil: 30mbit, priority: 7, default: true}
    persist: /etc/lpse/tc/eth0.tc
"""

RETURN = r"""
commands:
  description: The tc batch commands run (or, in check mode, that would run).
  returned: always
  type: list
  elements: str
classes:
  description: The policy's classes as applied, with rates in bits/s and their tc class IDs.
  returned: when state is present
  type: list
  elements: dict
  sample: [{"name": "spse", "classid": "1:20", "rate": 70000000, "ceil": 100000000, "priority": 1}]
persist_changed:
  description: Whether the persist file was (or would be) rewritten.
  returned: always
  type: bool
rolled_back:
  description: Set when applying failed and the earlier state was rebuilt.
  returned: on failure
  type: bool
"""

import os  # noqa: E402
import tempfile  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.lpse_tc import (  # noqa: E402
    PolicyError,
    State,
    build,
    describe,
    expected_state,
    load_policy,
    parse_classes,
    parse_filters,
    parse_qdiscs,
    plan,
    rebuild,
    show_rate,
)


def read_state(module, tc, interface):
    rc, out, err = module.run_command([tc, "-j", "qdisc", "show", "dev", interface])
    if rc != 0:
        module.fail_json(msg=f"tc cannot read interface {interface}: {err.strip() or out.strip()}")
    kind, handle, default = parse_qdiscs(out)
    state = State(kind, handle, default)
    if not state.ours:
        return state
    _rc, out, _err = module.run_command([tc, "-d", "class", "show", "dev", interface], check_rc=True)
    state.classes = parse_classes(out)
    _rc, out, _err = module.run_command([tc, "-j", "filter", "show", "dev", interface, "parent", "1:"], check_rc=True)
    state.filters, state.foreign_filters = parse_filters(out)
    return state


def batch(module, tc, commands, force=False):
    argv = [tc, "-force", "-batch", "-"] if force else [tc, "-batch", "-"]
    return module.run_command(argv, data="\n".join(commands) + "\n", binary_data=False)


def write_persist(module, path, content):
    before = ""
    if os.path.exists(path):
        with open(path) as fh:
            before = fh.read()
    if before == content:
        return False, before
    if not module.check_mode:
        directory = os.path.dirname(path) or "."
        os.makedirs(directory, mode=0o755, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tc-")
        with os.fdopen(fd, "w") as fh:
            fh.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    return True, before


def interfaces(module):
    rc, out, _err = module.run_command(["ip", "-o", "link", "show"])
    if rc != 0:
        return None
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if ":" in line]


def run(module):
    p = module.params
    iface = p["interface"]
    tc = module.get_bin_path("tc", required=True)
    policy = None
    if p["state"] == "present":
        if p["rate"] is None or not p["classes"]:
            module.fail_json(msg=f"{iface}: state=present needs rate and classes")
        try:
            policy = load_policy(iface, p["rate"], p["classes"])
        except PolicyError as exc:
            module.fail_json(msg=str(exc))
    known = interfaces(module)
    if known is not None and iface not in known:
        module.fail_json(msg=f"interface {iface!r} does not exist on this host; it has: {', '.join(known)}")

    state = read_state(module, tc, iface)
    if policy is None:
        commands = [f"qdisc del dev {iface} root"] if state.qdisc_kind else []
        after = "(no root qdisc: the kernel's default)\n"
    else:
        try:
            commands = plan(policy, state, p["purge"])
        except PolicyError as exc:
            module.fail_json(msg=str(exc))
        after = describe(expected_state(policy))

    result = {"changed": bool(commands), "commands": commands, "persist_changed": False}
    if commands and not module.check_mode:
        rc, out, err = batch(module, tc, commands)
        if rc != 0:
            batch(module, tc, rebuild(state, iface), force=True)
            back = describe(read_state(module, tc, iface)) == describe(state)
            outcome = "the earlier state was rebuilt" if back else "REBUILDING THE EARLIER STATE FAILED"
            module.fail_json(
                msg=f"tc failed on {iface}: {(err or out).strip()}; {outcome}", commands=commands, rolled_back=back
            )
        now = read_state(module, tc, iface)
        if policy is not None and plan(policy, now, p["purge"]):
            module.fail_json(
                msg=f"{iface}: after applying, tc still differs from the policy:\n{describe(now)}", commands=commands
            )
    if policy is not None:
        result["classes"] = [
            {
                "name": c.name,
                "classid": c.classid,
                "rate": c.rate,
                "ceil": c.ceil,
                "priority": c.prio,
                "default": c.default,
            }
            for c in policy.classes
        ]
        if p["persist"]:
            names = [
                f"# class {c.classid} {c.name} rate {show_rate(c.rate)} ceil {show_rate(c.ceil)}"
                for c in policy.classes
            ]
            header = ["# Written by lpse-dc (tc_shaping). Built at boot by tc -batch.", *names]
            content = "\n".join([*header, *build(policy)]) + "\n"
            result["persist_changed"], _before = write_persist(module, p["persist"], content)
            result["changed"] = result["changed"] or result["persist_changed"]
    elif p["persist"] and os.path.exists(p["persist"]):
        if not module.check_mode:
            os.unlink(p["persist"])
        result["persist_changed"] = result["changed"] = True
    if module._diff:
        result["diff"] = {"before": describe(state), "after": after, "before_header": iface, "after_header": iface}
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "interface": {"type": "str", "required": True},
            "rate": {"type": "str"},
            "classes": {"type": "list", "elements": "dict"},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "purge": {"type": "bool", "default": True},
            "persist": {"type": "path"},
        },
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
