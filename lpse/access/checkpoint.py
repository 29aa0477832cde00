"""Signed checkpoints of the access log: what the chain alone cannot show.

A hash chain shows an edit inside it, but not records cut off its end, nor a tail rewritten
after the last signature. As Certificate Transparency's signed tree heads do, a checkpoint
states "the log had ``seq`` records ending in ``head``" at ``time``, signed by the log's own key
(``<keys_dir>/log.key``, made once by ``lpse access init`` and never replaced), and is kept
**outside** the database: one JSON file per checkpoint in every directory of
``access_log_checkpoint_dirs`` (the site repository, a second host's mount, …). One is written
on every decision and by ``lpse access checkpoint`` (a timer); ``verify`` checks the log against
every checkpoint it finds and names truncation and rewrites.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lpse.access import chain
from lpse.errors import LpseError

PREFIX = b"lpse-access-checkpoint-v1\0"
# A checkpoint that also attests "every signature through #verified was checked against the
# approvers' keys whose fingerprint is ``keys``" (written by a verify that found nothing wrong).
PREFIX_ATTESTED = b"lpse-access-checkpoint-v2\0"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str  # hex SHA-256 of record ``seq`` (the genesis hash for an empty log)
    time: str  # UTC, as records' ``at``
    key: str  # the log's public key (base64), which signed it
    signature: str = ""
    verified: int = 0  # every signature through this record was checked (0: not attested)
    keys: str = ""  # fingerprint of the approvers' public keys they were checked against

    def message(self) -> bytes:
        body: dict[str, Any] = {"seq": self.seq, "head": self.head, "time": self.time, "key": self.key}
        if not self.verified:
            return PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        body.update(verified=self.verified, keys=self.keys)
        return PREFIX_ATTESTED + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Found:
    """A checkpoint file as read: the checkpoint, or why it could not be read."""

    path: Path
    checkpoint: Checkpoint | None
    trouble: str = ""


def log_key(keys_dir: Path, create: bool = False) -> Ed25519PrivateKey | None:
    """The log's signing key (unencrypted, 0600: a checkpoint is written with nobody at the keyboard)."""
    return machine_key(keys_dir, "log", create)


def machine_key(keys_dir: Path, name: str, create: bool = False) -> Ed25519PrivateKey | None:
    """``<keys_dir>/<name>.key`` (unencrypted, 0600, with ``<name>.pub`` beside it): a key that
    signs with nobody at the keyboard (the log's checkpoints, the guard desk's records). Made
    once when ``create``, never replaced."""
    path = keys_dir / f"{name}.key"
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        return key if isinstance(key, Ed25519PrivateKey) else None
    if not create:
        return None
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    (keys_dir / f"{name}.pub").write_text(chain.public_text(key.public_key()) + "\n")
    return key


def make(key: Ed25519PrivateKey, seq: int, head: str, time: str, verified: int = 0, keys: str = "") -> Checkpoint:
    unsigned = Checkpoint(seq, head, time, chain.public_text(key.public_key()), verified=verified, keys=keys)
    return Checkpoint(**{**asdict(unsigned), "signature": base64.b64encode(key.sign(unsigned.message())).decode()})


def write(checkpoint: Checkpoint, dirs: list[Path]) -> list[Path]:
    """One file per checkpoint in each directory (made if needed); an existing one is kept."""
    text = json.dumps(asdict(checkpoint), indent=1, sort_keys=True) + "\n"
    written = []
    for d in dirs:
        mark = "-verified" if checkpoint.verified else ""
        path = d / f"{checkpoint.seq:012d}-{checkpoint.head[:16]}{mark}.json"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            d.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                tmp.write_text(text)
                tmp.replace(path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise LpseError(f"checkpoint #{checkpoint.seq} could not be written to {d}: {exc.strerror}") from None
        written.append(path)
    return written


def read_all(dirs: list[Path]) -> list[Found]:
    found = []
    for d in dirs:
        for path in sorted(d.glob("*.json")) if d.is_dir() else []:
            try:
                raw: Any = json.loads(path.read_text())
                cp = Checkpoint(
                    int(raw["seq"]),
                    str(raw["head"]),
                    str(raw["time"]),
                    str(raw["key"]),
                    str(raw["signature"]),
                    int(raw.get("verified", 0)),
                    str(raw.get("keys", "")),
                )
            except (OSError, ValueError, KeyError, TypeError) as exc:
                found.append(Found(path, None, f"cannot be read ({exc.__class__.__name__}: {exc})"))
                continue
            found.append(Found(path, cp))
    return found


def signed_by(checkpoint: Checkpoint, public: str) -> bool:
    return checkpoint.key == public and chain.signature_ok(
        chain.public_from_text(public), checkpoint.message(), checkpoint.signature
    )
