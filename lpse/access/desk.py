"""The guard desk's signature on entry, exit and door records (issue #19).

Decisions are signed by their approver; the records the guard desk makes (check-in, check-out,
door events it imports) are signed by the desk's own key, ``<keys_dir>/desk.key`` (unencrypted,
0600: the desk signs whoever is on duty; made once by ``lpse access init``, never replaced, and
pinnable as ``access_log_desk_key``). The signature covers the record's place (``seq``) and all
its content, so it can neither be forged by someone who can only write the database nor be
copied to another place or visit.

``init`` appends a note ``{"action": "desk_key", "key": ...}`` when it makes the key: every
guard record after it must carry a valid signature; those before it (a log from before desk
signatures) are accepted as they were made.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lpse.access import chain

KINDS = ("checkin", "checkout", "door")
FIELD = "desk_signature"
PREFIX = b"lpse-access-desk-v1\0"


def message(seq: int, kind: str, visit: str | None, at: str, actor: str, data: dict[str, Any]) -> bytes:
    signed = {k: v for k, v in data.items() if k != FIELD}
    payload = {"seq": seq, "kind": kind, "visit": visit, "at": at, "actor": actor, "data": signed}
    return PREFIX + json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(key: Ed25519PrivateKey, seq: int, kind: str, visit: str | None, at: str, actor: str, data: dict) -> str:
    return chain.sign(key, message(seq, kind, visit, at, actor, data))


def trouble(public: Ed25519PublicKey | None, record: chain.Record) -> str | None:
    """Why ``record`` (a guard record made after the desk key) is not signed by the desk (None: it is)."""
    what = f"{record.kind} #{record.seq}" + (f" of {record.visit}" if record.visit else "")
    if public is None:
        return f"{what}: the guard desk's public key is missing (desk.pub or access_log_desk_key)"
    signature = record.data.get(FIELD)
    if not signature:
        return f"{what} carries no guard-desk signature: not made by the desk (written into the database)"
    body = message(record.seq, record.kind, record.visit, record.at, record.actor, record.data)
    if not chain.signature_ok(public, body, str(signature)):
        return f"{what}: its guard-desk signature is not valid (edited, or copied from another record)"
    return None
