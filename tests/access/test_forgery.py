"""Attacks on the approvals (Pasal 21 ayat (4)): a forged or replayed decision never lets a
visitor in, whether it comes through an import or is written into the database directly."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lpse.access import chain
from lpse.access.errors import AccessRefused
from lpse.access.store import Draft
from lpse.errors import InputError

from .conftest import VISITOR, approved_visit, signed_decision

NOW = "2026-11-26T01:00:00+00:00"


def history(visit: str = "V-900001") -> list[dict]:
    start = dt.datetime.fromisoformat(NOW)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return [
        {
            "kind": "request",
            "visit": visit,
            "at": NOW,
            "actor": "buku-tamu",
            "data": {
                "visitor": {"name": "Tamu Lama", "id_type": "ktp", "id_number": "3204-77", "institution": "CV Kabel"},
                "purpose": "tarik kabel",
                "start": start.strftime(stamp),
                "end": (start + dt.timedelta(hours=4)).strftime(stamp),
                "escort": "Asep",
                "equipment": [],
            },
        }
    ]


def decision(data: dict, visit: str = "V-900001") -> dict:
    return {"kind": "decision", "visit": visit, "at": NOW, "actor": "kepala", "data": data}


APPROVE = {"decision": "approve", "valid_from": "2026-11-26T01:00:00Z", "valid_until": "2026-11-26T05:00:00Z"}


def write(tmp_path, lines) -> object:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    return path


def test_an_imported_decision_without_a_signature_is_refused_and_nothing_is_written(log, tmp_path):
    """The attack of the review: one JSON line, a 'decision' by kepala, no signature."""
    head = log.store.head()
    with pytest.raises(InputError, match=r"history.jsonl:2: the decision by kepala on V-900001 carries no signature"):
        log.import_records(write(tmp_path, [*history(), decision(APPROVE)]), "satpam")
    assert log.store.head() == head


def test_a_signature_replayed_from_another_visit_is_refused(log, tmp_path):
    real = approved_visit(log)
    stolen = next(r for r in log.store.records(visit=real) if r.kind == "decision").data
    with pytest.raises(InputError, match="is not valid"):
        log.import_records(write(tmp_path, [*history(), decision(dict(stolen))]), "satpam")


def test_a_signed_decision_whose_window_was_stretched_is_refused(log, tmp_path):
    lines = history()
    data = signed_decision(log, lines[0], APPROVE)
    data["valid_until"] = "2027-11-26T05:00:00Z"
    with pytest.raises(InputError, match="is not valid"):
        log.import_records(write(tmp_path, [*lines, decision(data)]), "satpam")


def test_history_with_its_original_signatures_imports_and_verifies(log, tmp_path):
    lines = history()
    lines.append(decision(signed_decision(log, lines[0], APPROVE)))
    assert log.import_records(write(tmp_path, lines), "satpam") == 2
    result = log.verify()
    assert result.ok and result.decisions == 1, result.problems
    visit = log.show("V-900001")[0]
    assert visit.imported and log.approval_trouble(visit) is None


def test_a_decision_written_into_the_database_admits_nobody(log):
    """An attacker with the database: an unsigned 'imported' approval appended (as the old import
    let in). verify names it, check-in is refused."""
    visit = log.request("satpam", VISITOR).visit
    request = log.show(visit)[0].request
    window = {**APPROVE, "valid_from": request["start"], "valid_until": request["end"]}
    forged = log.store.append(
        lambda tx: Draft("decision", visit, "kepala", {**window, "imported": True, "imported_by": "satpam"})
    )[0]
    assert [(p.seq, p.what) for p in log.verify().problems] == [
        (forged.seq, f"the decision by kepala on {visit} carries no signature")
    ]
    assert log.show(visit)[0].approved  # it reads as an approval …
    with pytest.raises(AccessRefused) as refused:  # … and lets nobody in
        log.checkin(visit, "satpam", "T-01")
    assert refused.value.code == "unverified"


def test_an_entry_on_an_unverifiable_approval_is_an_audit_finding(log, tmp_path):
    """History whose approval was written in by hand, then an entry on it: audit names the entry
    (LPSE-21.4-ACC-02 fails on it)."""
    lines = history()
    log.import_records(write(tmp_path, lines), "satpam")
    log.store.append(lambda tx: Draft("decision", "V-900001", "kepala", {**APPROVE, "imported": True}))
    entry = {"kind": "checkin", "visit": "V-900001", "at": NOW, "actor": "buku-tamu", "data": {"badge": "T-11"}}
    log.import_records(write(tmp_path, [entry]), "satpam")
    now = dt.datetime.fromisoformat(NOW)
    found = [f for f in log.audit(now - dt.timedelta(days=1), now + dt.timedelta(days=1)) if f.rule == "approval"]
    assert len(found) == 1, found
    assert "on an approval that does not verify: the decision by kepala on V-900001 carries no signature" in (
        found[0].message
    )


def test_a_decision_made_with_the_first_scheme_still_verifies_and_admits(log):
    """Decisions signed before scheme v2 (bound to the request's hash in this chain) keep working."""
    visit = log.request("satpam", VISITOR).visit
    request = next(r for r in log.store.records(visit=visit))
    data = {**APPROVE, "reason": "", "approver_title": "Kepala LPSE"}
    data["valid_from"], data["valid_until"] = request.data["start"], request.data["end"]
    key = chain.load_private((log.config.keys_dir / "kepala.key").read_bytes(), log.pw["kepala"])
    data["signature"] = chain.sign(key, chain.decision_message(visit, request.hash.hex(), "kepala", data))
    log.store.append(lambda tx: Draft("decision", visit, "kepala", data))
    assert log.verify().ok
    log.checkin(visit, "satpam", "T-02")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"valid_until": "+400d"}, "valid_until"), ({"valid_from": "2020-01-01 08:00"}, "valid_from")],
)
def test_an_approval_cannot_outlast_or_predate_its_request(log, changes, field):
    """A one-hour request approved for 400 days (accepted before): refused, nothing written."""
    visit = log.request("satpam", {**VISITOR, "end": "+1h"}).visit
    head = log.store.head()
    with pytest.raises(AccessRefused, match=f"{field}.*must lie within the request"):
        log.decide(visit, "kepala", True, log.pw["kepala"], **changes)
    assert log.store.head() == head


@pytest.mark.parametrize("name", ["Siti Rahayu", "SITI RAHAYU, S.E.", "Dra. Siti Rahayu, M.Si."])
def test_an_approver_cannot_approve_her_own_visit_under_another_spelling(log, name):
    """Kepala is "Dra. Siti Rahayu" in the inventory; "Siti Rahayu" asked to enter."""
    visit = log.request("satpam", {**VISITOR, "name": name}).visit
    with pytest.raises(AccessRefused) as refused:
        log.decide(visit, "kepala", True, log.pw["kepala"])
    assert refused.value.code == "self_approval"


def test_an_approver_cannot_approve_her_own_visit_by_identity_number(log):
    visit = log.request("satpam", {**VISITOR, "name": "S. Rahayu", "id_number": "197103121996032004"}).visit
    with pytest.raises(AccessRefused) as refused:
        log.decide(visit, "kepala", True, log.pw["kepala"])
    assert refused.value.code == "self_approval"


def test_an_approver_without_an_identity_number_is_a_clear_inventory_error(tmp_path):
    from lpse.access.config import from_vars

    people = {"access_log_approvers": [{"user": "kepala", "name": "Dra. Siti Rahayu"}], "access_log_guards": []}
    with pytest.raises(InputError, match=r"access_log_approvers\[0\]: id_number .* is missing"):
        from_vars({**people, "access_log_database": str(tmp_path / "a.db")}, "inventory")


def test_init_never_replaces_an_approvers_key_after_its_account_is_deleted(log):
    """The review's key swap: delete kepala's account row, run init, and a new key would verify
    every new approval. init refuses and changes nothing."""
    import sqlite3

    from lpse.errors import LpseError

    key = (log.config.keys_dir / "kepala.key").read_bytes()
    with sqlite3.connect(log.config.database) as conn:
        conn.execute("DELETE FROM accounts WHERE username = 'kepala'")
    with pytest.raises(LpseError, match=r"kepala: a signing key .* but no account"):
        log.init()
    assert (log.config.keys_dir / "kepala.key").read_bytes() == key
    assert log.store.account("kepala") is None
