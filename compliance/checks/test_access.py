"""Checks of the server-room access log (catalogue: compliance/catalogue/access.yml).

They run on the control node, which keeps the log: ``policy`` carries the inventory's
``access_log_*`` settings. The period is the last ``compliance_access_period_days`` (31).
"""

import datetime as dt

import pytest


def access_log(policy):
    from lpse.access.config import from_vars
    from lpse.access.service import AccessLog
    from lpse.access.store import SchemaOutdated
    from lpse.comply.hostrun import CheckError
    from lpse.errors import LpseError

    settings = {k: v for k, v in policy.items() if k.startswith("access_log_")}
    if "access_log_approvers" not in settings:
        pytest.fail("the inventory has no access_log_approvers: nobody is authorised to approve visits")
    log = AccessLog(from_vars(settings, "inventory"))
    try:
        log.store.ensure()
    except SchemaOutdated as exc:  # the log is there but unread: nothing is known of it, pass or fail
        raise CheckError(str(exc)) from None
    except LpseError as exc:  # no log at all: no visit can have been approved
        pytest.fail(str(exc))
    return log


# One audit serves ACC-02..05: they run one after the other in the same process (the checks of
# one host share a worker), and each reads only its own rule's findings.
_AUDITS: dict[tuple, tuple[str, int, list]] = {}


def findings(policy, evidence, rule: str) -> list:
    days = float(policy.get("compliance_access_period_days", 31))
    key = (repr(sorted((k, repr(v)) for k, v in policy.items() if k.startswith("access_log_"))), days)
    if key not in _AUDITS:
        log = access_log(policy)
        now = dt.datetime.now(dt.UTC)
        _AUDITS[key] = (log.config.database, len(log.visits()), log.audit(now - dt.timedelta(days=days), now))
    database, visits, audit = _AUDITS[key]
    found = [f for f in audit if f.rule == rule]
    evidence.add(f"access log {database}: {visits} visit(s); last {days:g} days checked")
    for f in found[:20]:
        evidence.add(f"#{f.seq}: {f.message}")
    return found


@pytest.mark.control("LPSE-21.4-ACC-01")
def test_chain_intact(policy, evidence):
    result = access_log(policy).verify()
    evidence.add(
        f"{result.records} records, {result.decisions} signed decisions, head #{result.head_seq} "
        f"{result.head_hash}, verified in {result.seconds:.2f} s"
    )
    for p in result.problems[:20]:
        evidence.add(str(p))
    assert result.ok, f"{len(result.problems)} record(s) altered; first: {result.problems[0]}"
    malformed = findings(policy, evidence, "record")
    assert not malformed, f"{len(malformed)} malformed record(s); first: {malformed[0].message}"


@pytest.mark.control("LPSE-21.4-ACC-02")
def test_entries_approved(policy, evidence):
    found = findings(policy, evidence, "approval")
    assert not found, f"{len(found)} entr(y/ies) without a valid approval; first: {found[0].message}"


@pytest.mark.control("LPSE-21.4-ACC-03")
def test_door_openings_matched(policy, evidence):
    found = findings(policy, evidence, "door")
    assert not found, f"{len(found)} door opening(s) match no visit; first: {found[0].message}"


@pytest.mark.control("LPSE-21.4-ACC-04")
def test_no_visit_left_open(policy, evidence):
    found = findings(policy, evidence, "open")
    assert not found, f"{len(found)} visit(s) open too long; first: {found[0].message}"


@pytest.mark.control("LPSE-21.4-ACC-05")
def test_equipment_accounted(policy, evidence):
    found = findings(policy, evidence, "equipment")
    assert not found, f"{len(found)} exit(s) with unexplained equipment differences; first: {found[0].message}"
