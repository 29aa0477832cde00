"""A visit's state, replayed from its records, and the rules of the server room.

The same rules refuse a command (``check_*`` raise ``AccessRefused``) and, for records that
came in without them (imports), are found again by ``audit`` for compliance and the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lpse.access import schema
from lpse.access.chain import Record, parse_utc
from lpse.access.config import AccessConfig
from lpse.access.errors import AccessRefused


def norm(text: str) -> str:
    return " ".join(str(text).lower().split())


@dataclass
class Entry:
    seq: int
    at: dt.datetime
    badge: str
    escort: str
    guard: str
    out_seq: int | None = None
    out_at: dt.datetime | None = None
    equipment_out: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Visit:
    id: str
    seq: int
    requested_at: dt.datetime
    requested_by: str
    request: dict[str, Any]
    request_hash: str
    decision: dict[str, Any] | None = None
    decision_seq: int | None = None
    decided_at: dt.datetime | None = None
    decided_by: str = ""
    entries: list[Entry] = field(default_factory=list)
    imported: bool = False

    @property
    def start(self) -> dt.datetime:
        return parse_utc(self.request["start"])

    @property
    def end(self) -> dt.datetime:
        return parse_utc(self.request["end"])

    @property
    def approved(self) -> bool:
        return bool(self.decision and self.decision.get("decision") == "approve")

    @property
    def valid_from(self) -> dt.datetime:
        return parse_utc(self.decision["valid_from"]) if self.decision else self.start

    @property
    def valid_until(self) -> dt.datetime:
        return parse_utc(self.decision["valid_until"]) if self.decision else self.end

    @property
    def allowed_entries(self) -> int | None:
        """How many entries the approval admits; None for a decision made before approvals
        said so (it admits any number within its validity, as it was given)."""
        value = (self.decision or {}).get("entries")
        return int(value) if isinstance(value, int) else None

    @property
    def inside(self) -> Entry | None:
        return self.entries[-1] if self.entries and self.entries[-1].out_at is None else None

    @property
    def equipment_in(self) -> list[str]:
        return list(self.request.get("equipment", []))

    def status(self, now: dt.datetime) -> str:
        if self.inside:
            return "inside"
        if self.decision is None:
            return "pending" if now <= self.end else "lapsed"
        if not self.approved:
            return "denied"
        if self.entries and now > self.valid_until:
            return "closed"
        if now > self.valid_until:
            return "expired"
        return "approved"


def replay(records: Iterable[Record], malformed: list[tuple[Record, str]] | None = None) -> dict[str, Visit]:
    """Visits from their records. A record whose data is not what its kind holds (one that
    entered before appends were checked, or by hand) is set aside, in ``malformed`` if given:
    readers never trip over it, and ``audit`` names it."""
    visits: dict[str, Visit] = {}
    for r in records:
        trouble = schema.problem(r.kind, r.data)
        if trouble:
            if malformed is not None:
                malformed.append((r, trouble))
            continue
        if r.kind == "request":
            visits[r.visit] = Visit(
                r.visit, r.seq, r.when, r.actor, r.data, r.hash.hex(), imported=bool(r.data.get("imported"))
            )
            continue
        v = visits.get(r.visit or "")
        if v is None:
            continue
        if r.kind == "decision" and v.decision is None:
            v.decision, v.decision_seq, v.decided_at, v.decided_by = r.data, r.seq, r.when, r.actor
        elif r.kind == "checkin":
            v.entries.append(Entry(r.seq, r.when, r.data.get("badge", ""), r.data.get("escort", ""), r.actor))
        elif r.kind == "checkout" and v.inside:
            e = v.inside
            e.out_seq, e.out_at = r.seq, r.when
            e.equipment_out = list(r.data.get("equipment_out", []))
            e.note = r.data.get("note", "")
    return visits


def local(when: dt.datetime, config: AccessConfig) -> str:
    return when.astimezone(config.tz).strftime("%Y-%m-%d %H:%M %Z")


# --- the rules, as refusals ----------------------------------------------------------------


def bare_name(name: str) -> str:
    """A name without its titles, as people write them in Indonesia: "Dra. Siti Rahayu, M.Si."
    and "Siti Rahayu" are the same person (a degree after a comma; a word with a dot in it)."""
    words = str(name).split(",")[0].split()
    return " ".join(w for w in words if "." not in w).lower()


def is_self(visit: Visit, approver: str, config: AccessConfig) -> bool:
    """Whether the approver is the visitor: by identity number (approvers carry one), and by name
    with titles set aside."""
    person = config.official(approver)
    visitor = visit.request.get("visitor", {})
    if person is None:
        return False
    same_id = bool(person.id_number) and norm(visitor.get("id_number", "")) == norm(person.id_number)
    same_name = bool(bare_name(person.name)) and bare_name(visitor.get("name", "")) == bare_name(person.name)
    return same_id or same_name or visit.request.get("visitor_user") == approver


def check_decide(visit: Visit, approver: str, config: AccessConfig) -> None:
    if approver not in config.approvers:
        raise AccessRefused("not_approver", user=approver)
    if is_self(visit, approver, config):
        raise AccessRefused("self_approval", user=approver, visit=visit.id)
    if visit.decision is not None:
        word = "disetujui" if visit.approved else "ditolak"
        raise AccessRefused("already_decided", visit=visit.id, decision=word, by=visit.decided_by)


def check_checkin(visit: Visit, now: dt.datetime, config: AccessConfig, entries_made: int = 0) -> None:
    """``entries_made``: the visit's check-ins so far (the store counts them; ``visit`` holds only
    its latest entry)."""
    if visit.decision is None:
        raise AccessRefused("not_approved", visit=visit.id)
    if not visit.approved:
        raise AccessRefused("denied", visit=visit.id, by=visit.decided_by)
    if now < visit.valid_from:
        raise AccessRefused("not_yet_valid", visit=visit.id, start=local(visit.valid_from, config))
    if now > visit.valid_until:
        raise AccessRefused("expired", visit=visit.id, end=local(visit.valid_until, config))
    if visit.inside:
        raise AccessRefused("already_in", visit=visit.id, since=local(visit.inside.at, config))
    allowed = visit.allowed_entries
    if allowed is not None and entries_made >= allowed:
        raise AccessRefused("entries_used", visit=visit.id, n=allowed)


def equipment_difference(brought: list[str], taken: list[str]) -> str:
    a, b = sorted(map(norm, brought)), sorted(map(norm, taken))
    if a == b:
        return ""
    missing = [x for x in a if x not in b]
    extra = [x for x in b if x not in a]
    parts = []
    if missing:
        parts.append("tidak dibawa keluar / not taken out: " + ", ".join(missing))
    if extra:
        parts.append("tambahan / extra: " + ", ".join(extra))
    return "; ".join(parts)


def check_checkout(visit: Visit, equipment_out: list[str], note: str) -> None:
    if not visit.inside:
        raise AccessRefused("not_in", visit=visit.id)
    diff = equipment_difference(visit.equipment_in, equipment_out)
    if diff and not note.strip():
        raise AccessRefused("equipment_differs", detail=diff)


# --- the rules, as findings over a period ---------------------------------------------------


@dataclass
class Finding:
    rule: str  # approval | door | open | equipment | record
    visit: str | None
    seq: int
    message: str
    at: dt.datetime  # when the record that breaks the rule happened

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "visit": self.visit,
            "seq": self.seq,
            "message": self.message,
            "time": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def audit(
    records: list[Record],
    config: AccessConfig,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    approval_trouble: Callable[[Visit], str | None] | None = None,
) -> list[Finding]:
    """Every breach of the rules by records whose time falls in [start, end), and every
    malformed record of that time (rule ``record``)."""
    malformed: list[tuple[Record, str]] = []
    visits = replay(records, malformed)
    found: list[Finding] = [
        Finding("record", r.visit, r.seq, f"record #{r.seq} is not a valid {trouble}", r.when)
        for r, trouble in malformed
        if start <= r.when < end
    ]
    grace = dt.timedelta(minutes=config.door_grace_minutes)
    limit = dt.timedelta(hours=config.max_visit_hours)

    def in_period(when: dt.datetime) -> bool:
        return start <= when < end

    for v in visits.values():
        for e in v.entries:
            if not in_period(e.at):
                continue
            problem = _entry_problem(v, e, config, approval_trouble)
            if problem:
                found.append(Finding("approval", v.id, e.seq, problem, e.at))
            stay_end = e.out_at or min(now, end)
            if stay_end - e.at > limit:
                state = "still open" if e.out_at is None else "lasted"
                found.append(
                    Finding(
                        "open",
                        v.id,
                        e.seq,
                        f"visit {v.id} entry at {local(e.at, config)} {state} "
                        f"{(stay_end - e.at).total_seconds() / 3600:.1f} h (limit {config.max_visit_hours:g} h)",
                        e.at,
                    )
                )
            if e.out_at is not None:
                diff = equipment_difference(v.equipment_in, e.equipment_out)
                if diff and not e.note.strip():
                    found.append(Finding("equipment", v.id, e.out_seq or e.seq, f"visit {v.id}: {diff}", e.out_at))
    entries = [(v, e) for v in visits.values() for e in v.entries]
    bad = {r.seq for r, _ in malformed}
    for r in records:
        if r.kind != "door" or not in_period(r.when) or r.seq in bad:
            continue
        if r.data.get("event", "open") not in ("open", "granted", "forced"):
            continue
        if config.doors and r.data.get("door") not in config.doors:
            continue
        badge = str(r.data.get("badge", ""))
        match = [
            v.id
            for v, e in entries
            if badge
            and norm(e.badge) == norm(badge)
            and e.at - grace <= r.when <= (e.out_at or now) + grace
            and _entry_problem(v, e, config, approval_trouble) is None
        ]
        if not match or r.data.get("event") == "forced":
            found.append(
                Finding(
                    "door",
                    None,
                    r.seq,
                    f"door {r.data.get('door')} opened at {local(r.when, config)} with badge {badge or '-'} "
                    f"({r.data.get('event', 'open')}) matches no approved, checked-in visit",
                    r.when,
                )
            )
    return sorted(found, key=lambda f: f.seq)


def _entry_problem(
    v: Visit, e: Entry, config: AccessConfig, approval_trouble: Callable[[Visit], str | None] | None = None
) -> str | None:
    if v.decision is None or (v.decision_seq or 0) > e.seq:
        return f"visit {v.id} entered at {local(e.at, config)} without an approval before entry"
    if not v.approved:
        return f"visit {v.id} entered at {local(e.at, config)} although it was denied by {v.decided_by}"
    if v.decided_at is None or not config.authorised(v.decided_by, v.decided_at):
        return f"visit {v.id} was approved by {v.decided_by}, who is not an authorised approver"
    if is_self(v, v.decided_by, config):
        return f"visit {v.id} was approved by the visitor ({v.decided_by})"
    trouble = approval_trouble(v) if approval_trouble else None
    if trouble:
        return f"visit {v.id} entered at {local(e.at, config)} on an approval that does not verify: {trouble}"
    allowed = v.allowed_entries
    number = next((i for i, x in enumerate(v.entries, 1) if x is e), 0)
    if allowed is not None and number > allowed:
        when = local(e.at, config)
        return f"visit {v.id} entered at {when} for the {_ordinal(number)} time on an approval for {allowed}"
    if not v.valid_from <= e.at <= v.valid_until:
        return (
            f"visit {v.id} entered at {local(e.at, config)} outside its approval "
            f"({local(v.valid_from, config)} - {local(v.valid_until, config)})"
        )
    return None


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
