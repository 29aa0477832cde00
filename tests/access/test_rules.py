"""The server-room rules: the happy path and each refusal, with the reason it gives."""

from __future__ import annotations

import pytest

from lpse.access.errors import AccessRefused
from lpse.errors import InputError

from .conftest import VISITOR, approved_visit


def refused(code: str, call, *args, **kwargs) -> AccessRefused:
    with pytest.raises(AccessRefused) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def test_happy_path_is_one_verified_chain(log):
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    v, recs = log.show(visit)
    assert [r.kind for r in recs] == ["request", "decision", "checkin", "checkout"]
    assert v.status(log.clock()) == "approved" and v.entries[0].out_at is not None
    result = log.verify()
    assert result.ok and result.records == 4 and result.decisions == 1


def test_checkin_without_approval_is_refused_and_writes_nothing(log):
    visit = log.request("satpam", VISITOR).visit
    exc = refused("not_approved", log.checkin, visit, "satpam", "T-07")
    assert "belum disetujui" in exc.message("id") and "has not been approved" in exc.message("en")
    assert log.store.head()[0] == 1


def test_self_approval_is_refused(log):
    visit = log.request("satpam", {**VISITOR, "name": "DRA.  siti rahayu"}).visit
    exc = refused("self_approval", log.decide, visit, "kepala", True, log.pw["kepala"])
    assert "own visit" in exc.message("en")
    # and by identity number, whatever the name
    visit = log.request("satpam", {**VISITOR, "id_number": "197103121996032004"}).visit
    refused("self_approval", log.decide, visit, "kepala", True, log.pw["kepala"])


def test_approval_by_someone_not_authorised_is_refused(log):
    visit = log.request("satpam", VISITOR).visit
    exc = refused("not_approver", log.decide, visit, "satpam", True, log.pw["satpam"])
    assert "not an official authorised" in exc.message("en")


def test_checkin_after_the_approval_expired_is_refused(log, clock):
    visit = approved_visit(log, end="+2h")
    clock.advance(hours=2, minutes=1)
    exc = refused("expired", log.checkin, visit, "satpam", "T-07")
    assert "expired at" in exc.message("en")


def test_checkin_before_the_approval_starts_is_refused(log):
    visit = approved_visit(log, start="+2h", end="+4h")
    refused("not_yet_valid", log.checkin, visit, "satpam", "T-07")


def test_denied_visit_cannot_enter_and_cannot_be_decided_again(log):
    visit = log.request("satpam", VISITOR).visit
    log.decide(visit, "kepala", False, log.pw["kepala"], "tidak ada pekerjaan terjadwal")
    refused("denied", log.checkin, visit, "satpam", "T-07")
    refused("already_decided", log.decide, visit, "sekretaris", True, log.pw["sekretaris"])


def test_wrong_password_signs_nothing(log):
    visit = log.request("satpam", VISITOR).visit
    refused("bad_password", log.decide, visit, "kepala", True, "not-the-password")
    assert log.store.head()[0] == 1


def test_double_checkin_and_checkout_when_not_inside(log):
    visit = approved_visit(log)
    refused("not_in", log.checkout, visit, "satpam")
    log.checkin(visit, "satpam", "T-07")
    refused("already_in", log.checkin, visit, "satpam", "T-08")


def test_equipment_out_differs_needs_a_note(log):
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    exc = refused("equipment_differs", log.checkout, visit, "satpam", ["laptop:LN-4471"])
    assert "disk:wd-99812" in exc.message("en")
    log.checkout(visit, "satpam", ["laptop:LN-4471"], note="disk lama diserahkan ke LPSE untuk dimusnahkan")
    assert log.show(visit)[0].entries[0].note


def test_only_guards_record_entry(log):
    visit = approved_visit(log)
    refused("not_guard", log.checkin, visit, "kepala", "T-07")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("end", "-1", "not a time"),
        ("id_type", "kartu-ajaib", "is not one of"),
        ("start", "+5h", "must be after start"),
        ("equipment", ["laptop"], "item:serial"),
        ("name", "  ", "required"),
        ("end", "+40d", "31 days"),
    ],
)
def test_bad_request_fields_name_the_field(log, field, value, words):
    with pytest.raises(InputError) as info:
        log.request("satpam", {**VISITOR, field: value})
    assert field in str(info.value) and words in str(info.value)
    assert log.store.head()[0] == 0


def test_open_visit_and_unmatched_door_are_audit_findings(log, clock, tmp_path):
    import datetime as dt

    visit = approved_visit(log, end="+20h")
    log.checkin(visit, "satpam", "T-07")
    doors = tmp_path / "doors.csv"
    t0 = clock().astimezone(dt.timezone(dt.timedelta(hours=7)))
    doors.write_text(
        "time,door,badge,event\n"
        f"{(t0 + dt.timedelta(minutes=1)).isoformat()},ruang-server,T-07,open\n"
        f"{(t0 + dt.timedelta(minutes=2)).isoformat()},ruang-server,X-99,open\n"
    )
    assert log.import_doors(doors, "satpam") == (2, 0)
    assert log.import_doors(doors, "satpam") == (0, 2)
    clock.advance(hours=13)
    found = log.audit(clock() - dt.timedelta(days=1), clock() + dt.timedelta(days=1))
    assert {f.rule for f in found} == {"door", "open"}, found
    door = next(f for f in found if f.rule == "door")
    assert "X-99" in door.message


def test_imported_entry_without_approval_is_found(log, tmp_path):
    import datetime as dt
    import json

    now = log.clock()
    lines = [
        {
            "kind": "request",
            "visit": "V-900001",
            "at": now.isoformat(),
            "actor": "paper",
            "data": {
                "visitor": {"name": "Tamu", "id_type": "ktp", "id_number": "123", "institution": "X"},
                "purpose": "cek",
                "start": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "end": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "escort": "A",
                "equipment": [],
            },
        },
        {"kind": "checkin", "visit": "V-900001", "at": now.isoformat(), "actor": "paper", "data": {"badge": "T-1"}},
    ]
    path = tmp_path / "paper.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    assert log.import_records(path, "satpam") == 2
    found = log.audit(now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    assert [f.rule for f in found] == ["approval"] and "without an approval" in found[0].message
    assert log.verify().ok


def test_bad_door_export_names_the_line_and_adds_nothing(log, tmp_path):
    doors = tmp_path / "doors.csv"
    doors.write_text("time,door,badge,event\n2026-11-26 09:00,ruang-server,T-1,open\nkemarin,ruang-server,T-2,open\n")
    with pytest.raises(InputError, match=r"doors.csv: line 3: time: 'kemarin' is not a time"):
        log.import_doors(doors, "satpam")
    assert log.store.head()[0] == 0


def test_one_approval_admits_one_entry_unless_it_says_more(log, clock):
    """The review's "one approval, one visit": an approval is not a pass for its whole window."""
    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    exc = refused("entries_used", log.checkin, visit, "satpam", "T-07")
    assert "admits 1 entr" in exc.message("en") and "1 kali masuk" in exc.message("id")
    # an approval for two entries admits exactly two
    rec = log.request("satpam", VISITOR)
    log.decide(rec.visit, "kepala", True, log.pw["kepala"], entries=2)
    for _ in range(2):
        log.checkin(rec.visit, "satpam", "T-08")
        log.checkout(rec.visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    refused("entries_used", log.checkin, rec.visit, "satpam", "T-08")
    assert log.verify().ok


@pytest.mark.parametrize("entries", [0, 1001, "dua"])
def test_entries_beyond_the_site_limit_are_refused(log, entries):
    visit = log.request("satpam", VISITOR).visit
    exc = refused("field", log.decide, visit, "kepala", True, log.pw["kepala"], entries=entries)
    assert "entries" in str(exc)
    assert log.store.head()[0] == 1


def test_an_entry_beyond_its_approval_is_an_audit_finding(log, clock):
    """Entries that came in without the rule (an import, a hand-made record) are found again."""
    import datetime as dt

    from lpse.access.store import Draft

    visit = approved_visit(log)
    log.checkin(visit, "satpam", "T-07")
    log.checkout(visit, "satpam", ["laptop:LN-4471", "disk:WD-99812"])
    log.store.append(lambda tx: Draft("checkin", visit, "satpam", {"badge": "T-07"}), now=clock())
    findings = log.audit(clock() - dt.timedelta(days=1), clock() + dt.timedelta(days=1))
    assert [f.message for f in findings if f.rule == "approval"] == [
        f"visit {visit} entered at {__import__('lpse.access.rules', fromlist=['local']).local(clock(), log.config)}"
        " for the 2nd time on an approval for 1"
    ]
