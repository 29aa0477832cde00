"""Verify in linear time: every record is re-hashed on every verify, and a decision's signature
is checked once. A verify that finds nothing wrong signs a checkpoint attesting "every signature
through #N was checked against these approver keys"; the next verify checks only newer ones.
Skipping them hides nothing: any change to an attested record breaks its hash or the checkpoint."""

from __future__ import annotations

import dataclasses
import json
import sqlite3

from lpse.access import chain
from lpse.access.service import AccessLog

from .conftest import approved_visit


def counting(log, monkeypatch) -> list[int]:
    seen: list[int] = []
    real = AccessLog.signature_trouble

    def counted(self, request, approver, data, keys=None, when=None):
        seen.append(request.seq)
        return real(self, request, approver, data, keys, when)

    monkeypatch.setattr(AccessLog, "signature_trouble", counted)
    return seen


def test_signatures_checked_once_are_not_checked_again(log, monkeypatch):
    for _ in range(5):
        approved_visit(log)
    seen = counting(log, monkeypatch)
    first = log.verify(attest=True)
    assert first.ok and first.trusted_through == 0 and len(seen) == 5
    approved_visit(log)
    seen.clear()
    second = log.verify(attest=True)
    assert second.ok and second.trusted_through == 10 and len(seen) == 1  # only the new decision
    seen.clear()
    full = log.verify(full=True)
    assert full.ok and full.trusted_through == 0 and len(seen) == 6
    assert second.as_dict()["signatures_trusted_through"] == 10


def test_a_signature_edited_after_its_attestation_is_still_named(log):
    """The attacker edits an attested decision and re-links the chain from there: the record the
    attested checkpoint saw is not there any more."""
    visit = approved_visit(log)
    log.verify(attest=True)
    with sqlite3.connect(log.config.database, isolation_level=None) as conn:
        rows = conn.execute("SELECT seq, body FROM records ORDER BY seq").fetchall()
        prev = chain.GENESIS
        for seq, body in rows:
            obj = json.loads(body)
            if obj["kind"] == "decision":
                obj["data"]["valid_until"] = "2030-01-01T00:00:00Z"  # a pass for years
            raw = chain.body(seq, obj["kind"], obj["visit"], obj["at"], obj["actor"], obj["data"])
            prev = chain.link(prev, raw)
            conn.execute("UPDATE records SET body = ?, hash = ? WHERE seq = ?", (raw, prev, seq))
        conn.execute("UPDATE chain_head SET hash = ?", (prev,))
    result = log.verify()
    assert result.trusted_through == 0  # the attestation no longer matches this chain
    found = [p.what for p in result.problems]
    assert any(f"the signature of kepala's decision on {visit} is not valid" in f for f in found), found
    assert any("is not the one the checkpoint" in f for f in found), found


def test_new_approver_keys_check_every_signature_again(log, monkeypatch):
    approved_visit(log)
    log.verify(attest=True)
    seen = counting(log, monkeypatch)
    other = (log.config.keys_dir / "sekretaris.pub").read_text().strip()
    approvers = {**log.config.approvers}
    approvers["kepala"] = dataclasses.replace(approvers["kepala"], public_key=other)
    swapped = AccessLog(dataclasses.replace(log.config, approvers=approvers), clock=log.clock)
    result = swapped.verify()
    assert result.trusted_through == 0 and len(seen) == 1
    assert not result.ok  # kepala's decision does not verify against the swapped key


def test_a_forged_attestation_is_not_trusted(log, monkeypatch):
    approved_visit(log)
    approved_visit(log)
    log.verify(attest=True)
    for path in log.config.checkpoint_dirs[0].glob("*-verified.json"):
        forged = json.loads(path.read_text())
        forged["verified"] = forged["seq"] = forged["seq"] + 1  # "checked further than it was"
        path.write_text(json.dumps(forged))
    seen = counting(log, monkeypatch)
    result = log.verify()
    assert result.trusted_through == 0 and len(seen) == 2
    assert any("is not signed by this log's key" in p.what for p in result.problems)
