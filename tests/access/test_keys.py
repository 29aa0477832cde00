"""Approvers' keys over time (lpse/access/keys.py): officials who leave, keys rotated, and what
an attacker holding an old key can no longer do."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from lpse.access.errors import AccessRefused
from lpse.access.service import AccessLog

from .conftest import VISITOR, approved_visit


def moved_to_former(log, user: str, until: str) -> AccessLog:
    approvers = dict(log.config.approvers)
    person = dataclasses.replace(approvers.pop(user), until=until)
    config = dataclasses.replace(log.config, approvers=approvers, former={user: person})
    return AccessLog(config, clock=log.clock)


def test_an_official_who_left_keeps_their_past_decisions_valid(log, clock):
    """The review: removing kepala from the inventory turned their decisions into "tampered"
    errors. Moved to access_log_former_approvers with their last day, nothing is wrong."""
    visits = [approved_visit(log) for _ in range(3)]
    for v in visits:
        log.checkin(v, "satpam", "T-07")
    today = clock().astimezone(log.config.tz).date().isoformat()
    after = moved_to_former(log, "kepala", today)
    assert after.verify().ok
    assert after.audit(clock() - dt.timedelta(days=1), clock() + dt.timedelta(days=1)) == []
    with pytest.raises(AccessRefused) as info:  # and approves nothing any more
        after.decide(after.request("satpam", VISITOR).visit, "kepala", True, log.pw["kepala"])
    assert info.value.code == "not_approver"


def test_an_official_removed_outright_is_one_finding_not_one_per_decision(log):
    for _ in range(4):
        approved_visit(log)
    approvers = {k: v for k, v in log.config.approvers.items() if k != "kepala"}
    removed = AccessLog(dataclasses.replace(log.config, approvers=approvers), clock=log.clock)
    problems = [p.what for p in removed.verify().problems]
    assert len(problems) == 1, problems
    assert problems[0].startswith("4 decisions by kepala (#2 to #8), who is in neither access_log_approvers")
    assert "list them there with `until`" in problems[0]


def test_a_former_official_s_decision_after_their_last_day_is_a_finding(log, clock):
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    yesterday = (clock() - dt.timedelta(days=1)).astimezone(log.config.tz).date().isoformat()
    after = moved_to_former(log, "kepala", yesterday)
    findings = after.audit(clock() - dt.timedelta(days=1), clock() + dt.timedelta(days=1))
    assert [f.message for f in findings] == [f"visit {visit} was approved by kepala, who is not an authorised approver"]


def test_a_rotated_key_signs_on_and_the_old_one_signs_nothing_after(log, clock):
    before = approved_visit(log)
    old_key = (log.config.keys_dir / "kepala.key").read_bytes()
    clock.advance(minutes=1)
    rotation = log.rotate_key("kepala", log.pw["kepala"], "rutin")
    assert rotation.kind == "key" and (log.config.keys_dir / f"retired/kepala-{rotation.seq}.pub").exists()
    clock.advance(minutes=1)
    after = approved_visit(log)  # signed with the new key
    assert log.verify().ok
    assert log.show(before)[0].decision["key"] != log.show(after)[0].decision["key"]
    # whoever kept the old private key signs a decision after the rotation: named
    from lpse.access import chain

    stolen = chain.load_private(old_key, log.pw["kepala"])
    (log.config.keys_dir / "kepala.key").write_bytes(old_key)
    (log.config.keys_dir / "kepala.pub").write_text(chain.public_text(stolen.public_key()) + "\n")
    forged = log.request("satpam", VISITOR).visit
    with pytest.raises(AccessRefused) as info:  # the log itself refuses to sign with it
        log.decide(forged, "kepala", True, log.pw["kepala"])
    assert info.value.code == "key_mismatch"


def test_a_decision_signed_with_a_retired_key_is_named_by_verify(log, clock):
    """The attacker bypasses the log: a decision record signed with the retired key, written
    into the database after the rotation."""
    from lpse.access import chain
    from lpse.access.store import Draft

    visit = log.request("satpam", VISITOR).visit
    old = chain.load_private((log.config.keys_dir / "kepala.key").read_bytes(), log.pw["kepala"])
    clock.advance(minutes=1)
    log.rotate_key("kepala", log.pw["kepala"])
    clock.advance(minutes=1)
    request = log.store.records(visit=visit, kinds=("request",))[0]
    data = {
        "decision": "approve",
        "reason": "",
        "valid_from": request.data["start"],
        "valid_until": request.data["end"],
        "approver_title": "Kepala LPSE",
        "scheme": "v2",
        "entries": 1,
    }
    digest = chain.request_digest(visit, request.at, request.actor, request.data)
    data["signature"] = chain.sign(old, chain.decision_message_v2(visit, digest, "kepala", data))
    data["key"] = chain.public_text(old.public_key())
    log.store.append(lambda tx: Draft("decision", visit, "kepala", data), now=clock())
    problems = [p.what for p in log.verify().problems]
    assert len(problems) == 1 and "is signed with a key retired at" in problems[0], problems
    with pytest.raises(AccessRefused) as info:
        log.checkin(visit, "satpam", "T-07")
    assert info.value.code == "unverified"


def test_a_forged_rotation_is_named_and_changes_nothing(log, clock):
    """Someone with the database but not kepala's key writes a rotation to a key of their own."""
    from lpse.access import chain
    from lpse.access import keys as approver_keys
    from lpse.access.store import Draft

    approved_visit(log)
    mine = chain.Ed25519PrivateKey.generate()
    new = chain.public_text(mine.public_key())
    previous = log.public_key("kepala")
    body = approver_keys.message("kepala", new, previous)
    forged = {"user": "kepala", "key": new, "previous": previous, "signature": chain.sign(mine, body)}
    forged["proof"] = forged["signature"]
    seq = log.store.append(lambda tx: Draft("key", None, "kepala", forged), now=clock())[0].seq
    assert log.public_key("kepala") == previous  # the forged rotation changes nothing
    problems = [(p.seq, p.what) for p in log.verify().problems]
    assert problems == [(seq, "key rotation of kepala is not signed by the key it retires and the new one")]


def test_a_pinned_key_the_chain_has_rotated_away_is_named_until_updated(log, clock):
    pinned = log.public_key("kepala")
    approvers = dict(log.config.approvers)
    approvers["kepala"] = dataclasses.replace(approvers["kepala"], public_key=pinned)
    log.config = dataclasses.replace(log.config, approvers=approvers)
    clock.advance(minutes=1)
    rotation = log.rotate_key("kepala", log.pw["kepala"])
    problems = [p.what for p in log.verify().problems]
    assert problems == [
        f"the inventory pins a key of kepala that is not their current one (rotated at #{rotation.seq}): "
        "pin the new key as public_key once the rotation is confirmed"
    ]
    approvers["kepala"] = dataclasses.replace(approvers["kepala"], public_key=rotation.data["key"])
    log.config = dataclasses.replace(log.config, approvers=approvers)
    assert log.verify().ok


def test_a_key_is_not_rotated_under_the_initial_password(tmp_path, clock):
    """The generated first password is kept in plain text: a new key sealed with it would be open
    to whoever reads that file. Rotation waits for the official's own password."""
    from .conftest import make_config, passwords

    fresh = AccessLog(make_config(tmp_path), clock=clock)
    fresh.init()
    key = (fresh.config.keys_dir / "kepala.key").read_bytes()
    with pytest.raises(AccessRefused) as info:
        fresh.rotate_key("kepala", passwords(fresh.config)["kepala"])
    assert info.value.code == "initial_password"
    assert (fresh.config.keys_dir / "kepala.key").read_bytes() == key
    assert fresh.verify().ok and not list(fresh.config.keys_dir.glob("retired/*"))
    fresh.store.close()
