#!/usr/bin/python
# lpse-dc — Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: server_room_visit
short_description: Stop a play that needs hands in the server room unless an approved visit covers it
description:
  - Reads the server-room access log (C(lpse access); Pasal 21 ayat (4)) on the control node and
    checks that the visit named is approved by an authorised official with a valid signature,
    that its approval covers the time of the work, and that the visitor was checked in within
    O(within_hours) (or is inside now when O(inside) is true).
  - Fails with the reason (Bahasa Indonesia and English) otherwise; changes nothing.
  - Runs where the log is kept, so use it with C(delegate_to: localhost) (C(run_once)); it needs
    the lpse-dc Python package there (the interpreter running C(ansible-playbook)).
version_added: "0.1.0"
options:
  visit:
    description: The visit number (C(V-000042)) that covers the work.
    type: str
    required: true
  purpose:
    description: What the work is, recorded in the result (e.g. "taking backup media out").
    type: str
    default: ""
  settings:
    description: The inventory's C(access_log_*) variables (database, approvers, guards, ...).
    type: dict
    required: true
  within_hours:
    description: The visitor's latest check-in must be at most this many hours old.
    type: float
    default: 12
  inside:
    description: The visitor must be in the server room now (checked in, not yet out).
    type: bool
    default: false
author:
  - lpse-dc
notes:
  - Supports check mode (it only reads). No diff: nothing is changed.
"""

EXAMPLES = r"""
- name: Backup | The medium leaves the server room only on an approved visit
  server_room_visit:
    visit: "{{ backup_visit }}"
    purpose: taking the backup medium out of the server room (Pasal 23 ayat (2))
    settings:
      access_log_database: "{{ access_log_database }}"
      access_log_keys_dir: "{{ access_log_keys_dir }}"
      access_log_approvers: "{{ access_log_approvers }}"
      access_log_guards: "{{ access_log_guards | default([]) }}"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
visit:
  description: The visit, as the log has it.
  returned: success
  type: dict
  sample:
    id: V-000042
    visitor: Budi Santoso
    institution: LPSE Kabupaten Bandung
    approved_by: kepala
    valid_from: "2026-11-26T02:00:00Z"
    valid_until: "2026-11-26T05:00:00Z"
    last_entry: "2026-11-26T02:10:00Z"
    inside: false
"""

import datetime as dt  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402


def check(params: dict, now: dt.datetime) -> dict:
    """The visit's facts, or raises ValueError with the reason (Indonesian / English)."""
    from lpse.access import chain
    from lpse.access.config import from_vars
    from lpse.access.rules import local
    from lpse.access.service import AccessLog

    log = AccessLog(from_vars(params["settings"], "settings"), clock=lambda: now)
    visit, _records = log.show(params["visit"])
    cfg = log.config
    if not visit.approved:
        state = "ditolak / denied" if visit.decision else "belum disetujui / not approved"
        raise ValueError(f"kunjungan {visit.id} {state}: pekerjaan di ruang server tidak boleh dilakukan")
    if visit.decided_at is None or not cfg.authorised(visit.decided_by, visit.decided_at):
        raise ValueError(
            f"{visit.id} disetujui oleh {visit.decided_by}, bukan pejabat berwenang / not an authorised official"
        )
    trouble = log.approval_trouble(visit)
    if trouble:
        raise ValueError(
            f"tanda tangan persetujuan {visit.id} tidak sah / the approval's signature is not valid: {trouble}"
        )
    if not visit.valid_from <= now <= visit.valid_until:
        raise ValueError(
            f"persetujuan {visit.id} berlaku {local(visit.valid_from, cfg)} – {local(visit.valid_until, cfg)}, "
            f"bukan sekarang / the approval does not cover now"
        )
    if not visit.entries:
        raise ValueError(f"pengunjung {visit.id} belum tercatat masuk / the visitor never checked in")
    last = visit.entries[-1]
    if params["inside"] and last.out_at is not None:
        raise ValueError(f"pengunjung {visit.id} sudah keluar / the visitor has left the server room")
    if now - last.at > dt.timedelta(hours=params["within_hours"]):
        raise ValueError(
            f"pengunjung {visit.id} terakhir masuk {local(last.at, cfg)}, lebih dari "
            f"{params['within_hours']:g} jam lalu / the last entry is older than {params['within_hours']:g} h"
        )
    return {
        "id": visit.id,
        "visitor": visit.request["visitor"]["name"],
        "institution": visit.request["visitor"]["institution"],
        "purpose": visit.request["purpose"],
        "approved_by": visit.decided_by,
        "valid_from": chain.utc_text(visit.valid_from),
        "valid_until": chain.utc_text(visit.valid_until),
        "last_entry": chain.utc_text(last.at),
        "inside": last.out_at is None,
    }


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "visit": {"type": "str", "required": True},
            "purpose": {"type": "str", "default": ""},
            "settings": {"type": "dict", "required": True},
            "within_hours": {"type": "float", "default": 12},
            "inside": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    try:
        import lpse.access  # noqa: F401
    except ImportError:
        module.fail_json(msg="server_room_visit needs the lpse-dc package where it runs (delegate_to: localhost)")
    from lpse.errors import LpseError

    try:
        facts = check(module.params, dt.datetime.now(dt.UTC))
    except (ValueError, LpseError) as exc:
        module.fail_json(msg=f"{module.params['visit']}: {exc}", visit=module.params["visit"])
    module.exit_json(changed=False, visit=facts, purpose=module.params["purpose"])


if __name__ == "__main__":
    main()
