"""An approver's signing keys over time (issue #19): a key is valid from its rotation to the next.

An approver starts with the key ``lpse access init`` made (``<keys_dir>/<user>.pub``, or pinned
in the inventory as ``public_key``). ``lpse access rotate-key`` replaces it with an explicit
record in the chain, kind ``key``: the new key, the one it replaces, signed by the replaced key
(only its holder can retire it) and by the new one (proof it is held). A decision is checked
against the key it names, which must have been the approver's at the decision's time: a key
retired (lost, or its holder gone) signs nothing after its retirement. Officials who leave are
moved to ``access_log_former_approvers`` with the date their authority ended, so their past
decisions keep verifying.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from lpse.access import chain

PREFIX = b"lpse-access-key-rotation-v1\0"


@dataclass(frozen=True)
class Period:
    key: str  # base64 public key
    since: str | None  # UTC text of the rotation that made it current (None: from the start)
    until: str | None  # UTC text of the rotation that retired it (None: current)
    since_seq: int = 0

    def covers(self, when: str) -> bool:
        return (self.since is None or self.since <= when) and (self.until is None or when < self.until)


def message(user: str, key: str, previous: str) -> bytes:
    payload = {"user": user, "key": key, "previous": previous}
    return PREFIX + json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def history(user: str, first: str | None, rotations: list[chain.Record]) -> tuple[list[Period], list[tuple[int, str]]]:
    """The user's key periods from their first key and their rotation records (chain order), and
    the problems of rotations that do not hold (not signed by the key they retire, or retiring a
    key that was not current): such a rotation changes nothing."""
    mine = [r for r in rotations if r.data.get("user") == user]
    current = str(mine[0].data.get("previous", "")) if mine else first
    if not current:
        return [], []
    periods, problems = [Period(current, None, None)], []
    for r in mine:
        new, previous = str(r.data.get("key", "")), str(r.data.get("previous", ""))
        body = message(user, new, previous)
        if previous != current:
            problems.append((r.seq, f"key rotation of {user} retires a key that was not theirs then (forged)"))
            continue
        try:
            signed = chain.signature_ok(chain.public_from_text(previous), body, str(r.data.get("signature", "")))
            proved = chain.signature_ok(chain.public_from_text(new), body, str(r.data.get("proof", "")))
        except ValueError:
            signed = proved = False
        if not (signed and proved):
            problems.append((r.seq, f"key rotation of {user} is not signed by the key it retires and the new one"))
            continue
        last = periods[-1]
        periods[-1] = Period(last.key, last.since, r.at, last.since_seq)
        periods.append(Period(new, r.at, None, r.seq))
        current = new
    return periods, problems
