"""``AccessLog``: the operations the CLI and the web application call.

Every operation validates its input first (``field_error`` names the field), then appends
through ``Store.append`` with the rules evaluated under the chain lock, so a refused or invalid
request writes nothing.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lpse.access import chain, checkpoint, desk, rules, schema
from lpse.access import keys as approver_keys
from lpse.access.config import ID_RE, AccessConfig
from lpse.access.errors import AccessRefused, field_error
from lpse.access.store import Checks, Draft, Problem, Store, Tx, Verification
from lpse.errors import InputError, LpseError

ID_TYPES = ("ktp", "sim", "paspor", "nip", "kartu-pegawai", "lainnya")
TEXT_RE = re.compile(r"^[^\x00-\x1f\x7f]*$")
BADGE_RE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
VISIT_RE = re.compile(r"^V-\d{6,}$")
REL_RE = re.compile(r"^\+(\d{1,4})([mhd])$")
MAX_SPAN = dt.timedelta(days=31)
NOT_OFFICIAL = "who is in neither access_log_approvers nor access_log_former_approvers"


def text(value: Any, name: str, *, required: bool = True, limit: int = 200) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise field_error(name, "must be text")
    value = value.strip()
    if required and not value:
        raise field_error(name, "is required / wajib diisi")
    if len(value) > limit:
        raise field_error(name, f"is longer than {limit} characters")
    if not TEXT_RE.match(value):
        raise field_error(name, "contains control characters")
    return value


def when(value: Any, name: str, tz: dt.tzinfo, now: dt.datetime) -> dt.datetime:
    """'2026-11-26 09:00' (site time), ISO with offset, 'now', or '+2h' / '+30m' / '+1d'."""
    raw = text(value, name, limit=40)
    if raw == "now":
        return now.replace(microsecond=0)
    rel = REL_RE.match(raw)
    if rel:
        n, unit = int(rel.group(1)), rel.group(2)
        return (now + dt.timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: n})).replace(microsecond=0)
    try:
        parsed = dt.datetime.fromisoformat(raw.replace(" ", "T", 1) if " " in raw else raw)
    except ValueError:
        raise field_error(name, f"{raw!r} is not a time like 2026-11-26 09:00, now or +2h") from None
    if not 2000 <= parsed.year <= 2100:  # a clock never set, or a typo: no record of this log is then
        raise field_error(name, f"{raw!r} is not a time between the years 2000 and 2100")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(dt.UTC).replace(microsecond=0)


def equipment_list(value: Any, name: str = "equipment") -> list[str]:
    """Items as 'name:serial' (text lines, commas or a list)."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else re.split(r"[\n,]", str(value))
    out = []
    for i, item in enumerate(items):
        item = text(item, f"{name}[{i}]", required=False, limit=120)
        if not item:
            continue
        if ":" not in item or not item.split(":", 1)[0].strip() or not item.split(":", 1)[1].strip():
            raise field_error(f"{name}[{i}]", f"{item!r} is not 'item:serial number'")
        what, serial = item.split(":", 1)
        out.append(f"{what.strip()}:{serial.strip()}")
    if len(out) > 50:
        raise field_error(name, "more than 50 items")
    return out


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt$16384$8$1${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def password_ok(password: str, stored: str | None) -> bool:
    if not stored:
        hash_password(password)  # same time whether or not the account exists
        return False
    _, n, r, p, salt, digest = stored.split("$")
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(got, base64.b64decode(digest))


@dataclass
class Created:
    user: str
    password_file: Path | None
    key: bool


class AccessLog:
    def __init__(
        self, config: AccessConfig, store: Store | None = None, clock: Callable[[], dt.datetime] | None = None
    ) -> None:
        self.config = config
        self.store = store or Store(config.url)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    # --- set-up -------------------------------------------------------------------------

    def init(self) -> list[Created]:
        """Create or upgrade the schema; give every configured user without an account one,
        with a generated password (written once, 0600) and, for approvers, a signing key."""
        self.store.migrate()
        keys = self.config.keys_dir
        keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(keys, 0o700)
        # A signing key without its account: the account row was lost or deleted. A new key would
        # let whoever deleted it sign as that approver from now on: refuse, before any change.
        orphans = [u for u in self.config.approvers if not self.store.account(u) and (keys / f"{u}.key").exists()]
        if orphans:
            raise LpseError(
                f"{', '.join(orphans)}: a signing key in {keys} but no account in the database. "
                "init never replaces a key: restore the database from its backup (or move the key "
                "away on purpose, recorded, before init)"
            )
        made = []
        for user in self.config.users():
            if self.store.account(user):
                continue
            password = secrets.token_urlsafe(12)
            self.set_password(user, password, new_account=True)
            initial = keys / "initial-passwords"
            initial.mkdir(mode=0o700, exist_ok=True)
            path = initial / user
            _write_private(path, password.encode() + b"\n")
            made.append(Created(user, path, user in self.config.approvers))
        checkpoint.log_key(keys, create=True)  # made once, never replaced
        if checkpoint.machine_key(keys, "desk") is None:
            # From the log's head now on, every guard record carries the desk's signature
            # (lpse/access/desk.py); those before were made without one.
            since = self.store.head()[0]
            checkpoint.machine_key(keys, "desk", create=True)
            (keys / "desk.since").write_text(f"{since}\n")
        self.checkpoint()
        return made

    # --- the guard desk's signature (lpse/access/desk.py) -----------------------------------

    def desk_since(self) -> int | None:
        """The log's head when the desk's key was made: guard records after it must be signed
        (None: this log has no desk key, it predates desk signatures and was not upgraded)."""
        keys = self.config.keys_dir
        if not (keys / "desk.pub").exists() and not self.config.desk_key:
            return None
        try:
            return int((keys / "desk.since").read_text().strip())
        except (OSError, ValueError):
            return 0  # unknown: every guard record must be signed

    def desk_public(self) -> str | None:
        return self.pinned_or_file(self.config.desk_key, "desk")

    def append_signed(self, build: Callable[[Tx], Draft | list[Draft]], now: dt.datetime) -> list[chain.Record]:
        """Append records the guard desk makes, each signed by the desk's key over its place and
        content. Once the log has a desk key, no guard record is written without its signature."""
        key = checkpoint.machine_key(self.config.keys_dir, "desk")
        if key is None and self.desk_since() is not None:
            raise LpseError(
                f"{self.config.keys_dir}/desk.key is missing: the guard desk cannot sign. Restore it from "
                "the backup of the keys (a new key is never made for a log that has one)"
            )

        def signed(tx: Tx) -> Draft | list[Draft]:
            drafts = build(tx)
            for i, d in enumerate(drafts if isinstance(drafts, list) else [drafts]):
                if key is not None and d.kind in desk.KINDS:
                    d.at = d.at or now
                    at = chain.utc_text(d.at)
                    d.data[desk.FIELD] = desk.sign(key, tx.next_seq + i, d.kind, d.visit, at, d.actor, d.data)
            return drafts

        return self.store.append(signed, now=now)

    # --- checkpoints (lpse/access/checkpoint.py) ------------------------------------------

    def checkpoint(self) -> tuple[checkpoint.Checkpoint, list[Path]]:
        """Sign the log's head and write it to every checkpoint directory."""
        key = checkpoint.log_key(self.config.keys_dir)
        if key is None:
            raise LpseError(f"{self.config.keys_dir}/log.key is missing: run `lpse access init`")
        seq, head = self.store.head()
        cp = checkpoint.make(key, seq, head, chain.utc_text(self.clock()))
        return cp, checkpoint.write(cp, list(self.config.checkpoint_dirs))

    def log_public_key(self) -> str | None:
        return self.pinned_or_file(self.config.checkpoint_key, "log")

    def pinned_or_file(self, pinned: str, name: str) -> str | None:
        """A public key as the inventory pins it, else as ``<keys_dir>/<name>.pub`` holds it."""
        if pinned:
            return pinned
        path = self.config.keys_dir / f"{name}.pub"
        return path.read_text().strip() if path.exists() else None

    def _check_checkpoints(self, result: Verification) -> None:
        """The log against every signed checkpoint found (each copy counted once): a checkpoint
        beyond the head means records were cut off the end; one whose record hash differs means
        the log was rewritten at or before it."""
        public = self.log_public_key()
        seen: set[tuple[int, str]] = set()
        latest: tuple[checkpoint.Checkpoint, Path] | None = None
        for found in checkpoint.read_all(list(self.config.checkpoint_dirs)):
            cp = found.checkpoint
            if cp is None:
                result.problems.append(Problem(result.head_seq, f"checkpoint {found.path} {found.trouble}"))
                continue
            if public is None or not checkpoint.signed_by(cp, public):
                result.problems.append(
                    Problem(cp.seq, f"checkpoint {found.path} is not signed by this log's key: forged or edited")
                )
                continue
            if (cp.seq, cp.head) in seen:
                continue
            seen.add((cp.seq, cp.head))
            result.checkpoints += 1
            if cp.seq > result.head_seq:
                if latest is None or cp.seq > latest[0].seq:
                    latest = (cp, found.path)
                continue
            stored = self.store.hash_at(cp.seq) if cp.seq else chain.GENESIS.hex()
            if stored is not None and stored != cp.head:  # (a record deleted inside: the chain names it)
                result.problems.append(
                    Problem(
                        cp.seq,
                        f"record #{cp.seq} is not the one the checkpoint of {cp.time} saw: the log was "
                        f"rewritten at or before it ({found.path.name})",
                    )
                )
        if latest:
            cp, path = latest
            result.problems.append(
                Problem(
                    result.head_seq + 1,
                    f"records after #{result.head_seq} are missing: the checkpoint of {cp.time} saw #{cp.seq} "
                    f"({path.name})",
                )
            )

    def set_password(self, user: str, password: str, old: str | None = None, *, new_account: bool = False) -> None:
        if user not in self.config.users():
            raise InputError(f"{user!r} is not in access_log_approvers or access_log_guards ({self.config.source})")
        if len(password) < 10:
            raise field_error("password", "needs at least 10 characters")
        if user in self.config.approvers:
            key_path = self.config.keys_dir / f"{user}.key"
            if key_path.exists() and not new_account:
                if old is None or not password_ok(old, self.store.account(user)):
                    raise AccessRefused("bad_password", user=user)
                _write_private(key_path, chain.reencrypt(key_path.read_bytes(), old, password))
            else:
                pem, pub = chain.new_private_pem(password)
                _write_private(key_path, pem)
                (self.config.keys_dir / f"{user}.pub").write_text(pub + "\n")
        self.store.set_account(user, hash_password(password))
        if not new_account:
            self.store.sessions_close(user)  # every browser signed in with the old password is out
            # the generated first password is not kept in plain text once its owner has chosen one
            (self.config.keys_dir / "initial-passwords" / user).unlink(missing_ok=True)

    def initial_password_kept(self, user: str) -> bool:
        """Whether ``user`` still has the generated first password (kept in plain text in
        ``initial-passwords/`` until its owner chooses one): nothing is signed or recorded with it."""
        return (self.config.keys_dir / "initial-passwords" / user).exists()

    def authenticate(self, user: str, password: str) -> bool:
        if user not in self.config.users():
            password_ok(password, None)
            return False
        return password_ok(password, self.store.account(user))

    def public_key(self, user: str) -> str | None:
        """The approver's current key (after any rotation), None for nobody's."""
        periods = self.key_history(user)
        return periods[-1].key if periods else None

    def key_history(self, user: str, cache: dict[Any, Any] | None = None) -> list[approver_keys.Period]:
        """The official's keys over time (lpse/access/keys.py): the first one (pinned in the
        inventory, or ``<keys_dir>/<user>.pub``) and each rotation in the chain. ``cache`` keeps
        them, and the rotations read, over one pass (a verify, an audit)."""
        cache = {} if cache is None else cache
        if user not in cache:
            person = self.config.official(user)
            if person is None:
                cache[user] = ([], [])
            else:
                if None not in cache:
                    cache[None] = self.store.records(kinds=("key",))
                first = self.pinned_or_file(person.public_key, user)
                periods, problems = approver_keys.history(user, first, cache[None])
                if person.public_key and periods and person.public_key != periods[-1].key:
                    problems.append(
                        (
                            periods[-1].since_seq,
                            f"the inventory pins a key of {user} that is not their current one (rotated at "
                            f"#{periods[-1].since_seq}): pin the new key as public_key once the rotation is confirmed",
                        )
                    )
                cache[user] = (periods, problems)
        return cache[user][0]

    def _unlock(self, approver: str, password: str) -> tuple[Any, str]:
        """The approver's private signing key, opened with their password, and its public key,
        which must be their current one (the inventory's, after any rotation)."""
        if approver not in self.config.approvers:
            raise AccessRefused("not_approver", user=approver)
        key_path = self.config.keys_dir / f"{approver}.key"
        if not key_path.exists():
            raise AccessRefused("no_key", user=approver, path=key_path)
        try:
            key = chain.load_private(key_path.read_bytes(), password or "")
        except (ValueError, TypeError):
            raise AccessRefused("bad_password", user=approver) from None
        public = chain.public_text(key.public_key())
        if public != self.public_key(approver):
            raise AccessRefused("key_mismatch", user=approver)
        return key, public

    def rotate_key(self, user: str, password: str, reason: str = "") -> chain.Record:
        """Replace an approver's signing key, as an explicit record signed by the key it retires
        (and by the new one). From its time on, the old key signs nothing that verifies."""
        old, previous = self._unlock(user, password)
        if self.initial_password_kept(user):  # the new key would be sealed with a password kept in plain text
            raise AccessRefused("initial_password", user=user)
        key_path = self.config.keys_dir / f"{user}.key"
        pem, new = chain.new_private_pem(password)
        fresh = chain.load_private(pem, password)
        body = approver_keys.message(user, new, previous)
        data = {
            "user": user,
            "key": new,
            "previous": previous,
            "signature": chain.sign(old, body),
            "proof": chain.sign(fresh, body),
            "reason": text(reason, "reason", required=False, limit=300),
        }
        staged = key_path.with_name(f".{user}.key.new")
        _write_private(staged, pem)  # kept beside the key until the rotation is recorded
        record = self.store.append(lambda tx: Draft("key", None, user, data), now=self.clock())[0]
        retired = self.config.keys_dir / "retired"
        retired.mkdir(mode=0o700, exist_ok=True)
        (retired / f"{user}-{record.seq}.pub").write_text(previous + "\n")
        os.replace(staged, key_path)
        (self.config.keys_dir / f"{user}.pub").write_text(new + "\n")
        return record

    # --- the visit's life ---------------------------------------------------------------

    def _visit(self, tx: Tx, visit_id: str) -> rules.Visit:
        visit_id = text(visit_id, "visit", limit=20)
        if not VISIT_RE.match(visit_id):
            raise field_error("visit", f"{visit_id!r} is not a visit number like V-000042")
        visits = rules.replay(tx.visit_records(visit_id))
        if visit_id not in visits:
            raise AccessRefused("no_visit", visit=visit_id)
        return visits[visit_id]

    def request(self, actor: str, form: dict[str, Any]) -> chain.Record:
        now = self.clock()
        tz = self.config.tz
        visitor = {
            "name": text(form.get("name"), "name", limit=120),
            "id_type": text(form.get("id_type"), "id_type", limit=20).lower(),
            "id_number": text(form.get("id_number"), "id_number", limit=40),
            "institution": text(form.get("institution"), "institution", limit=120),
        }
        if visitor["id_type"] not in ID_TYPES:
            raise field_error("id_type", f"{visitor['id_type']!r} is not one of {', '.join(ID_TYPES)}")
        if not ID_RE.match(visitor["id_number"]):
            raise field_error("id_number", "must be 3-40 letters, digits, '.', '/' or '-'")
        start = when(form.get("start"), "start", tz, now)
        end = when(form.get("end"), "end", tz, now)
        if end <= start:
            raise field_error("end", "must be after start")
        if end <= now:
            raise field_error("end", "is already past")
        if end - start > MAX_SPAN:
            raise field_error("end", "a visit may span at most 31 days")
        data = {
            "visitor": visitor,
            "purpose": text(form.get("purpose"), "purpose", limit=300),
            "start": chain.utc_text(start),
            "end": chain.utc_text(end),
            "escort": text(form.get("escort"), "escort", limit=120),
            "equipment": equipment_list(form.get("equipment")),
        }
        actor = text(actor, "actor", limit=32)

        def build(tx: Tx) -> Draft:
            return Draft("request", f"V-{tx.next_seq:06d}", actor, data)

        return self.store.append(build, now=now)[0]

    def decide(
        self,
        visit_id: str,
        approver: str,
        approve: bool,
        password: str,
        reason: str = "",
        valid_from: str | None = None,
        valid_until: str | None = None,
        entries: int | str | None = None,
    ) -> chain.Record:
        now = self.clock()
        reason = text(reason, "reason", required=not approve, limit=300)
        admits = _entries(entries, self.config.max_entries)
        key, current = self._unlock(approver, password)
        if self.initial_password_kept(approver):
            raise AccessRefused("initial_password", user=approver)
        tz = self.config.tz
        start = when(valid_from, "valid_from", tz, now) if valid_from else None
        end = when(valid_until, "valid_until", tz, now) if valid_until else None

        def build(tx: Tx) -> Draft:
            visit = self._visit(tx, visit_id)
            rules.check_decide(visit, approver, self.config)
            lo, hi = start or visit.start, end or visit.end
            if hi <= lo:
                raise field_error("valid_until", "must be after valid_from")
            # An approval covers at most what was asked for (which is at most 31 days).
            if lo < visit.start or hi > visit.end:
                window = f"{rules.local(visit.start, self.config)} - {rules.local(visit.end, self.config)}"
                raise field_error(
                    "valid_until" if hi > visit.end else "valid_from", f"must lie within the request ({window})"
                )
            data = {
                "decision": "approve" if approve else "deny",
                "reason": reason,
                "valid_from": chain.utc_text(lo),
                "valid_until": chain.utc_text(hi),
                "approver_title": self.config.approvers[approver].title,
                "scheme": "v2",
            }
            if approve:
                data["entries"] = admits
            message = chain.decision_message_v2(visit.id, _digest_of(visit), approver, data)
            data["signature"] = chain.sign(key, message)
            data["key"] = current
            return Draft("decision", visit.id, approver, data)

        record = self.store.append(build, now=now)[0]
        if checkpoint.log_key(self.config.keys_dir) is not None:  # a log from before checkpoints: none yet
            try:
                self.checkpoint()
            except LpseError as exc:
                raise LpseError(
                    f"visit {record.visit}: the decision is recorded and signed (#{record.seq}), but {exc}; "
                    "run `lpse access checkpoint` once that is mended"
                ) from None
        return record

    def checkin(self, visit_id: str, guard: str, badge: str, escort: str = "") -> chain.Record:
        now = self.clock()
        self._guard(guard)
        badge = text(badge, "badge", limit=20)
        if not BADGE_RE.match(badge):
            raise field_error("badge", "must be 1-20 letters, digits or '-'")
        escort = text(escort, "escort", required=False, limit=120)

        def build(tx: Tx) -> Draft:
            visit = self._visit(tx, visit_id)
            rules.check_checkin(visit, now, self.config, tx.count(visit.id, "checkin"))
            trouble = self.approval_trouble(visit)
            if trouble:
                raise AccessRefused("unverified", visit=visit.id, reason=trouble)
            return Draft("checkin", visit.id, guard, {"badge": badge, "escort": escort or visit.request["escort"]})

        return self.append_signed(build, now)[0]

    def checkout(self, visit_id: str, guard: str, equipment_out: Any = None, note: str = "") -> chain.Record:
        now = self.clock()
        self._guard(guard)
        items = equipment_list(equipment_out, "equipment_out")
        note = text(note, "note", required=False, limit=300)

        def build(tx: Tx) -> Draft:
            visit = self._visit(tx, visit_id)
            rules.check_checkout(visit, items, note)
            data: dict[str, Any] = {"equipment_out": items}
            diff = rules.equipment_difference(visit.equipment_in, items)
            if diff:
                data.update(note=note, equipment_difference=diff)
            return Draft("checkout", visit.id, guard, data)

        return self.append_signed(build, now)[0]

    def _guard(self, user: str) -> None:
        if user not in self.config.guards:
            raise AccessRefused("not_guard", user=user)

    def audit_event(self, actor: str, action: str, **detail: Any) -> None:
        """The web application's trail: logins, refusals (not part of any visit)."""
        data = {"action": action, **{k: str(v)[:200] for k, v in detail.items()}}
        self.store.append(lambda tx: Draft("audit", None, str(actor)[:32], data), now=self.clock())

    # --- imports ------------------------------------------------------------------------

    def import_doors(self, path: Path, actor: str) -> tuple[int, int]:
        """A door controller's export (CSV with time,door,badge,event or a JSON list).
        Returns (added, already present). Nothing is added if any line is bad."""
        events = parse_door_export(path, self.config.tz)

        def build(tx: Tx) -> list[Draft]:
            have = {(r.at, r.data.get("door"), r.data.get("badge"), r.data.get("event")) for r in self._doors(tx)}
            new = []
            for ev in events:
                key = (chain.utc_text(ev["time"]), ev["door"], ev["badge"], ev["event"])
                if key in have:
                    continue
                have.add(key)
                new.append(
                    Draft(
                        "door",
                        None,
                        actor,
                        {"door": ev["door"], "badge": ev["badge"], "event": ev["event"], "source": path.name},
                        at=ev["time"],
                    )
                )
            return new

        added = self.append_signed(build, self.clock())
        return len(added), len(events) - len(added)

    @staticmethod
    def _doors(tx: Tx) -> list[chain.Record]:
        import sqlalchemy as sa

        from lpse.access.store import records

        rows = tx.conn.execute(sa.select(records.c.body, records.c.hash).where(records.c.kind == "door"))
        return [chain.Record.from_body(bytes(b), bytes(h)) for b, h in rows]

    def import_records(self, path: Path, actor: str) -> int:
        """Visits from another log (JSON lines: kind, visit, at, actor, data), appended as they
        were, marked imported; the rules are not applied here but found by ``audit``."""
        drafts: list[Draft] = []
        requests: dict[str, chain.Record] = {}
        tz = self.config.tz
        for n, line in enumerate(_read_text(path).splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{where}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict) or item.get("kind") not in ("request", "decision", "checkin", "checkout"):
                raise InputError(f"{where}: kind must be request, decision, checkin or checkout")
            visit = str(item.get("visit", ""))
            if not VISIT_RE.match(visit):
                raise InputError(f"{where}: visit {visit!r} is not like V-000042")
            if not isinstance(item.get("data"), dict):
                raise InputError(f"{where}: data must be a mapping")
            try:
                at = when(item.get("at"), "at", tz, self.clock())
                who = text(item.get("actor"), "actor", limit=32)
            except AccessRefused as exc:
                raise InputError(f"{where}: {exc}") from None
            data = {**item["data"], "imported": True, "imported_by": actor}
            trouble = schema.problem(item["kind"], data)
            if trouble:
                raise InputError(f"{where}: not a valid {trouble}")
            drafts.append(Draft(item["kind"], visit, who, data, at))
            if item["kind"] == "request":
                requests[visit] = chain.Record(0, "request", visit, chain.utc_text(at), who, data, b"")
            elif item["kind"] == "decision":
                request = requests.get(visit) or next(iter(self.store.records(visit=visit, kinds=("request",))), None)
                trouble = (
                    self.signature_trouble(request, who, data, when=chain.utc_text(at))
                    if request
                    else f"decision on {visit}, which has no request"
                )
                if trouble:
                    raise InputError(f"{where}: {trouble}: an imported decision keeps its approver's signature")
        self.append_signed(lambda tx: drafts, self.clock())
        return len(drafts)

    # --- reading ------------------------------------------------------------------------

    def visits(self) -> dict[str, rules.Visit]:
        return rules.replay(self.store.records(kinds=("request", "decision", "checkin", "checkout")))

    def show(self, visit_id: str) -> tuple[rules.Visit, list[chain.Record]]:
        if not VISIT_RE.match(str(visit_id)):
            raise field_error("visit", f"{visit_id!r} is not a visit number like V-000042")
        recs = self.store.records(visit=visit_id)
        visits = rules.replay(recs)
        if visit_id not in visits:
            raise AccessRefused("no_visit", visit=visit_id)
        return visits[visit_id], recs

    # --- signatures -----------------------------------------------------------------------

    def signature_trouble(
        self,
        request: chain.Record,
        approver: str,
        data: dict[str, Any],
        keys: dict[str, Any] | None = None,
        when: str | None = None,
    ) -> str | None:
        """Why a decision by ``approver`` (its ``data``) on ``request``, made at ``when``, is not
        signed by the key that was that approver's then, over that very request (None: it is).
        Imported or not: no exception. ``keys`` caches the key histories over one pass."""
        if self.config.official(approver) is None:
            return f"decision on {request.visit} by {approver}, {NOT_OFFICIAL}"
        periods = self.key_history(approver, keys)
        if not periods:
            return f"decision on {request.visit} by {approver}, who has no public key in the inventory"
        named = data.get("key")
        period = next((p for p in periods if p.key == named), None) if named else None
        if named and period is None:
            return f"the decision by {approver} on {request.visit} names a key that was never {approver}'s"
        if period is None:  # a decision that does not name its key: the one current then
            period = next((p for p in periods if when is None or p.covers(when)), periods[-1])
        if when and not period.covers(when):
            return (
                f"the decision by {approver} on {request.visit} at {when} is signed with a key "
                f"{'retired at ' + period.until if period.until else 'not yet theirs then'}"
            )
        public = chain.public_from_text(period.key)
        if not data.get("signature"):
            return f"the decision by {approver} on {request.visit} carries no signature"
        if data.get("scheme") == "v2":
            digest = chain.request_digest(request.visit or "", request.at, request.actor, request.data)
            message = chain.decision_message_v2(request.visit or "", digest, approver, data)
        else:
            message = chain.decision_message(request.visit or "", request.hash.hex(), approver, data)
        if not chain.signature_ok(public, message, data["signature"]):
            return f"the signature of {approver}'s decision on {request.visit} is not valid (edited)"
        return None

    def approval_trouble(self, visit: rules.Visit, keys: dict[str, Any] | None = None) -> str | None:
        """Why the visit's decision does not verify (None: it does, or there is none)."""
        if visit.decision is None:
            return None
        request = chain.Record(
            visit.seq,
            "request",
            visit.id,
            chain.utc_text(visit.requested_at),
            visit.requested_by,
            visit.request,
            bytes.fromhex(visit.request_hash),
        )
        when = chain.utc_text(visit.decided_at) if visit.decided_at else None
        return self.signature_trouble(request, visit.decided_by, visit.decision, keys, when)

    def keys_fingerprint(self, cache: dict[Any, Any] | None = None) -> str:
        """The approvers' public keys as this log checks signatures against them: an attested
        checkpoint is trusted only while they are the same. ``cache``: a pass's key histories."""
        pairs = []
        for user in self.config.officials():
            periods = self.key_history(user, cache)
            pairs.append(f"{user}={periods[-1].key if periods else ''}")
        pairs.append(f"desk={self.desk_public() or ''}")
        return hashlib.sha256("\n".join(pairs).encode()).hexdigest()

    def trusted_through(self, fingerprint: str) -> int:
        """The newest record through which an earlier verify checked every signature: an
        attested checkpoint signed by this log's key, made against today's approver keys, whose
        record this chain still holds (the walk re-hashes every record up to it, so none of
        them changed since)."""
        public = self.log_public_key()
        if not public:
            return 0
        best = 0
        for found in checkpoint.read_all(list(self.config.checkpoint_dirs)):
            cp = found.checkpoint
            if cp is None or cp.verified <= best or cp.verified != cp.seq or cp.keys != fingerprint:
                continue
            if checkpoint.signed_by(cp, public) and self.store.hash_at(cp.seq) == cp.head:
                best = cp.verified
        return best

    def verify(self, processes: int | None = None, full: bool = False, attest: bool = False) -> Verification:
        """The whole chain, every checkpoint, and every decision's signature after the ones an
        earlier verify attested (``full``: every signature again). ``attest``: when all is well,
        sign a checkpoint saying so, which the next verify starts its signature checks from."""
        keys: dict[str, Any] = {}
        fingerprint = self.keys_fingerprint(keys)
        through = 0 if full else self.trusted_through(fingerprint)

        def check(record: chain.Record, request: chain.Record | None) -> str | None:
            if request is None:
                request = next(iter(self.store.records(visit=record.visit, kinds=("request",))), None)
            if request is None:
                return f"decision on {record.visit}, which has no request"
            return self.signature_trouble(request, record.actor, record.data, keys, record.at)

        since = self.desk_since()
        guard, guards_after = None, 0
        if since is not None:
            public = _public_or_none(self.desk_public())
            guards_after = max(since, through)

            def guard(record: chain.Record) -> str | None:
                return desk.trouble(public, record)

        result = self.store.verify(Checks(check, guard, through, guards_after), processes)
        result.trusted_through = through
        _one_problem_per_stranger(result)
        for user in self.config.officials():
            self.key_history(user, keys)
            for seq, what in keys[user][1]:
                result.problems.append(Problem(seq, what))
        self._check_checkpoints(result)
        key = checkpoint.log_key(self.config.keys_dir) if attest and result.ok else None
        if key is not None and result.head_seq:
            cp = checkpoint.make(
                key,
                result.head_seq,
                result.head_hash,
                chain.utc_text(self.clock()),
                verified=result.head_seq,
                keys=fingerprint,
            )
            checkpoint.write(cp, list(self.config.checkpoint_dirs))
        return result

    def audit(self, start: dt.datetime, end: dt.datetime) -> list[rules.Finding]:
        keys: dict[str, Any] = {}
        return rules.audit(
            self.store.records(), self.config, start, end, self.clock(), lambda v: self.approval_trouble(v, keys)
        )


def _one_problem_per_stranger(result: Verification) -> None:
    """Decisions by someone the inventory no longer names (an official removed instead of moved
    to access_log_former_approvers) are one finding per person, not one per decision: the
    decisions are not tampered with; the inventory lacks their author."""
    strangers: dict[str, list[int]] = {}
    kept = []
    for p in result.problems:
        if p.what.endswith(NOT_OFFICIAL):
            strangers.setdefault(p.what.split(" by ", 1)[1].split(",", 1)[0], []).append(p.seq)
        else:
            kept.append(p)
    for user, seqs in sorted(strangers.items()):
        kept.append(
            Problem(
                seqs[0],
                f"{len(seqs)} decisions by {user} (#{seqs[0]} to #{seqs[-1]}), {NOT_OFFICIAL}: list them there "
                "with `until`, the last day of their authority, and their signatures are checked again",
            )
        )
    result.problems = sorted(kept, key=lambda p: p.seq)


def _public_or_none(text: str | None):
    try:
        return chain.public_from_text(text) if text else None
    except ValueError:
        return None


def _entries(value: int | str | None, most: int) -> int:
    """How many entries an approval admits: one unless the approver says more, at most ``most``
    (access_log_max_entries)."""
    if value is None or value == "":
        return 1
    try:
        n = int(str(value).strip())
    except ValueError:
        raise field_error("entries", f"{value!r} is not a whole number") from None
    if not 1 <= n <= most:
        raise field_error("entries", f"must be 1 to {most} (access_log_max_entries)")
    return n


def _digest_of(visit: rules.Visit) -> str:
    return chain.request_digest(visit.id, chain.utc_text(visit.requested_at), visit.requested_by, visit.request)


def parse_door_export(path: Path, tz: dt.tzinfo) -> list[dict[str, Any]]:
    raw = _read_text(path)
    now = dt.datetime.now(dt.UTC)
    if path.suffix.lower() == ".json":
        try:
            items = json.loads(raw)
        except ValueError as exc:
            raise InputError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(items, list):
            raise InputError(f"{path}: expected a JSON list of events")
        rows = [(i + 1, item) for i, item in enumerate(items)]
        label = "event"
    else:
        reader = csv.DictReader(io.StringIO(raw))
        missing = {"time", "door", "badge", "event"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(f"{path}: line 1: the header lacks {', '.join(sorted(missing))}")
        rows = [(i + 2, item) for i, item in enumerate(reader)]
        label = "line"
    out = []
    for n, item in rows:
        where = f"{path}: {label} {n}"
        if not isinstance(item, dict):
            raise InputError(f"{where}: not an object with time, door, badge, event")
        try:
            event = {
                "time": when(item.get("time"), "time", tz, now),
                "door": text(item.get("door"), "door", limit=60),
                "badge": text(item.get("badge"), "badge", required=False, limit=20),
                "event": text(item.get("event"), "event", limit=20).lower(),
            }
        except AccessRefused as exc:
            raise InputError(f"{where}: {exc}") from None
        if event["event"] not in ("open", "granted", "denied", "forced", "close", "held"):
            raise InputError(f"{where}: event {event['event']!r} is not open, granted, denied, forced, close or held")
        out.append(event)
    return out


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # a file saved by Excel starts with a BOM
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror}") from None
    except ValueError:  # a NUL in the name: no file can have it
        raise InputError(f"{str(path)!r} is not a file name (it holds a NUL byte)") from None


def _write_private(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
