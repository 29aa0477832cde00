"""How a record becomes the bytes that are hashed, and how decisions are signed.

A record's body is canonical JSON whose first fields are fixed and in a fixed order::

    {"seq":7,"kind":"checkin","visit":"V-000003","at":"2026-11-26T02:00:00Z","actor":"satpam","data":{...}}

(``data`` with sorted keys). Its hash is SHA-256 of the previous record's hash followed by the
body; the first record follows 32 zero bytes. Because ``seq``, ``kind`` and ``visit`` open the
body, ``verify`` can check the table's index columns against the hashed bytes with one prefix
comparison, without parsing JSON.

A decision carries an ed25519 signature by the approver over the visit, the decision, its
validity and the hash of the request it decides, so it cannot be moved to another visit or
altered, even by someone who rewrites the chain.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

GENESIS = bytes(32)
KINDS = ("request", "decision", "checkin", "checkout", "door", "note", "audit", "key")


def utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def prefix(seq: int, kind: str, visit: str | None) -> bytes:
    return f'{{"seq":{seq},"kind":"{kind}","visit":{json.dumps(visit)},'.encode()


def body(seq: int, kind: str, visit: str | None, at: str, actor: str, data: dict[str, Any]) -> bytes:
    rest = (
        f'"at":"{at}","actor":{json.dumps(actor, ensure_ascii=False)},"data":'
        f"{json.dumps(data, sort_keys=True, separators=(',', ':'), ensure_ascii=False)}}}"
    )
    return prefix(seq, kind, visit) + rest.encode()


def link(prev: bytes, raw: bytes) -> bytes:
    return hashlib.sha256(prev + raw).digest()


@dataclass(frozen=True)
class Record:
    seq: int
    kind: str
    visit: str | None
    at: str
    actor: str
    data: dict[str, Any]
    hash: bytes

    @classmethod
    def from_body(cls, raw: bytes, digest: bytes) -> Record:
        obj = json.loads(raw)
        return cls(obj["seq"], obj["kind"], obj["visit"], obj["at"], obj["actor"], obj["data"], digest)

    @property
    def when(self) -> dt.datetime:
        return parse_utc(self.at)


# --- signatures --------------------------------------------------------------------------


# What an import adds to a record's data; never part of what was signed.
IMPORT_KEYS = ("imported", "imported_by", "source")


def decision_message(visit: str, request_hash: str, approver: str, data: dict[str, Any]) -> bytes:
    """The first scheme: the decision bound to its request's place in this chain (its hash).
    Still verified for the decisions made with it; it cannot survive an export and import."""
    signed = {k: v for k, v in data.items() if k not in ("signature", "key")}
    payload = {"visit": visit, "request_hash": request_hash, "approver": approver, "decision": signed}
    return b"lpse-access-decision-v1\0" + json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def request_digest(visit: str, at: str, requester: str, data: dict[str, Any]) -> str:
    """The request as its approver saw it (who asked, when, for whom, what), wherever it stands in
    a chain: a decision signed over it verifies in this log and in any log it is imported into."""
    content = {k: v for k, v in data.items() if k not in IMPORT_KEYS}
    payload = {"visit": visit, "at": at, "actor": requester, "request": content}
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(b"lpse-access-request-v2\0" + raw).hexdigest()


def decision_message_v2(visit: str, request: str, approver: str, data: dict[str, Any]) -> bytes:
    """The decision bound to its request's content (``request_digest``); ``data["scheme"]`` is
    "v2" and signed with the rest, so it cannot be stripped to fall back to the first scheme."""
    signed = {k: v for k, v in data.items() if k not in ("signature", "key", *IMPORT_KEYS)}
    payload = {"visit": visit, "request": request, "approver": approver, "decision": signed}
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return b"lpse-access-decision-v2\0" + raw


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))


def new_private_pem(password: str) -> tuple[bytes, str]:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )
    return pem, public_text(key.public_key())


def load_private(pem: bytes, password: str) -> Ed25519PrivateKey:
    """Raises ValueError for a wrong password."""
    key = serialization.load_pem_private_key(pem, password=password.encode())
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an ed25519 key")
    return key


def reencrypt(pem: bytes, old: str, new: str) -> bytes:
    return load_private(pem, old).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(new.encode()),
    )


def sign(key: Ed25519PrivateKey, message: bytes) -> str:
    return base64.b64encode(key.sign(message)).decode()


def signature_ok(public: Ed25519PublicKey, message: bytes, signature: str) -> bool:
    try:
        public.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
