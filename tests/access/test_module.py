"""library/server_room_visit.py: its decision on the log, and a real play through ansible-runner
that goes on with an approved, checked-in visit and stops with the reason otherwise."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from lpse.runner import run_playbook

from .conftest import PEOPLE, VISITOR, approved_visit, write_inventory

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("server_room_visit", ROOT / "library/server_room_visit.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)


def params(log, visit: str, **extra) -> dict:
    settings = {**PEOPLE, "access_log_database": log.config.database, "access_log_keys_dir": str(log.config.keys_dir)}
    return {"visit": visit, "settings": settings, "within_hours": 12, "inside": False, **extra}


def test_covered_visit_returns_its_facts(log):
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    facts = module.check(params(log, visit), log.clock())
    assert facts["approved_by"] == "kepala" and facts["inside"] is True


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("pending", "belum disetujui"),
        ("denied", "ditolak"),
        ("no entry", "never checked in"),
        ("left", "has left"),
        ("later", "does not cover now"),
    ],
)
def test_uncovered_visit_is_refused_with_the_reason(log, setup, words):
    if setup == "pending":
        visit = log.request("satpam", VISITOR).visit
    elif setup == "denied":
        visit = log.request("satpam", VISITOR).visit
        log.decide(visit, "kepala", False, log.pw["kepala"], "tidak terjadwal")
    else:
        visit = approved_visit(log)
        if setup == "left":
            log.checkin(visit, "satpam", "T-07")
            log.checkout(visit, "satpam", VISITOR["equipment"])
    now = log.clock() + (dt.timedelta(hours=4) if setup == "later" else dt.timedelta())
    with pytest.raises(ValueError, match=words):
        module.check(params(log, visit, inside=setup == "left"), now)


def test_a_play_goes_on_only_with_an_approved_visit(log, tmp_path):
    inventory = write_inventory(tmp_path)
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    ok = run_playbook(
        str(ROOT / "tests/access/playbooks/visit.yml"), inventory=inventory, extravars={"visit_id": visit}, quiet=True
    )
    assert ok.ok, ok.hosts
    pending = log.request("satpam", VISITOR).visit
    stopped = run_playbook(
        str(ROOT / "tests/access/playbooks/visit.yml"), inventory=inventory, extravars={"visit_id": pending}, quiet=True
    )
    assert not stopped.ok
    failures = [e["event_data"]["res"]["msg"] for e in stopped.events if e.get("event") == "runner_on_failed"]
    assert failures and f"{pending}: kunjungan {pending} belum disetujui" in failures[0]
    check = run_playbook(
        str(ROOT / "tests/access/playbooks/visit.yml"),
        inventory=inventory,
        extravars={"visit_id": visit},
        quiet=True,
        check=True,
    )
    assert check.ok
