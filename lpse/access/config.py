"""The access log's settings: ``access_log_*`` variables of the inventory (group ``all``).

The inventory is the authority on who may approve visits and who keeps the guard desk; the
database only holds what happened. Every problem names the variable and the item.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lpse.errors import InputError

DEFAULT_DATABASE = "/var/lib/lpse/access/access.db"
USER_RE = re.compile(r"^[a-z][a-z0-9._-]{1,31}$")
# An identity number (KTP, NIP, passport …): visitors' and approvers'.
ID_RE = re.compile(r"^[A-Za-z0-9./-]{3,40}$")


@dataclass(frozen=True)
class Person:
    user: str
    name: str
    title: str = ""
    id_number: str = ""
    public_key: str = ""  # base64 raw ed25519 public key; empty: read <keys_dir>/<user>.pub
    # The operating-system account that is this person at the terminal (the guard desk's PC):
    # `lpse access` run by it needs no password for this user. Empty: always the password.
    os_user: str = ""
    # A former approver's last day of authority (site time, YYYY-MM-DD); empty for current ones.
    until: str = ""


@dataclass(frozen=True)
class AccessConfig:
    database: str
    keys_dir: Path
    approvers: dict[str, Person]
    guards: dict[str, Person]
    # Officials who no longer approve: their decisions up to ``until`` still verify.
    former: dict[str, Person] = field(default_factory=dict)
    max_visit_hours: float = 12.0
    door_grace_minutes: float = 5.0
    # The most entries one approval may admit (an approval admits one unless it says more).
    max_entries: int = 31
    timezone: str = "Asia/Jakarta"
    doors: tuple[str, ...] = ()
    source: str = "inventory"
    # Where signed checkpoints are kept, outside the database (lpse/access/checkpoint.py), and the
    # log's public key pinned in the inventory (empty: <keys_dir>/log.pub).
    checkpoint_dirs: tuple[Path, ...] = ()
    checkpoint_key: str = ""
    # The guard desk's public key pinned in the inventory (empty: <keys_dir>/desk.pub).
    desk_key: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """SQLAlchemy URL: a plain path means SQLite."""
        if "://" in self.database:
            return self.database
        return f"sqlite:///{Path(self.database).resolve()}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def users(self) -> dict[str, Person]:
        return {**self.guards, **self.approvers}

    def officials(self) -> list[str]:
        """Every approver, current or former, by user name."""
        return sorted({*self.approvers, *self.former})

    def official(self, user: str) -> Person | None:
        """An approver, current or former."""
        return self.approvers.get(user) or self.former.get(user)

    def authorised(self, user: str, when: dt.datetime) -> bool:
        """Whether ``user`` could approve at ``when``: a current approver, or a former one up
        to the end of their last day (site time)."""
        if user in self.approvers:
            return True
        person = self.former.get(user)
        return bool(person) and when.astimezone(self.tz).date().isoformat() <= person.until


def _people(raw: Any, var: str, source: str, id_required: bool = False, former: bool = False) -> dict[str, Person]:
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise InputError(f"{source}: {var} must be a list of {{user, name, ...}}")
    out: dict[str, Person] = {}
    for i, item in enumerate(raw):
        where = f"{source}: {var}[{i}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} must be a mapping with user and name")
        known = {"user", "name", "title", "id_number", "public_key", "os_user", *(["until"] if former else [])}
        unknown = set(item) - known
        if unknown:
            raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        user = str(item.get("user", ""))
        if not USER_RE.match(user):
            raise InputError(f"{where}: user {user!r} must be 2-32 of a-z 0-9 . _ -, starting with a letter")
        if not str(item.get("name", "")).strip():
            raise InputError(f"{where}: name is missing")
        if user in out:
            raise InputError(f"{where}: user {user!r} is listed twice")
        if id_required and not ID_RE.match(str(item.get("id_number", ""))):
            # self-approval is refused by identity number: a name is written many ways
            raise InputError(f"{where}: id_number (NIP or KTP, 3-40 letters, digits, '.', '/' or '-') is missing")
        until = str(item.get("until") or "")
        if former and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", until):
            raise InputError(f"{where}: until (the last day of their authority, YYYY-MM-DD) is missing")
        os_user = str(item.get("os_user") or "")
        if os_user and (not USER_RE.match(os_user) or os_user == "root"):
            raise InputError(f"{where}: os_user {os_user!r} must be a personal login name (not root)")
        out[user] = Person(
            until=until,
            os_user=os_user,
            user=user,
            name=str(item["name"]).strip(),
            title=str(item.get("title", "")),
            id_number=str(item.get("id_number", "")),
            public_key=str(item.get("public_key", "")),
        )
    return out


def _number(raw: dict[str, Any], var: str, default: float, source: str, low: float, high: float) -> float:
    value = raw.get(var, default)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{source}: {var} must be a number, not {value!r}") from None
    if not low <= number <= high:
        raise InputError(f"{source}: {var} must be between {low:g} and {high:g}, not {number:g}")
    return number


def _whole(raw: dict[str, Any], var: str, default: int, source: str, low: int, high: int) -> int:
    number = _number(raw, var, default, source, low, high)
    if number != int(number):
        raise InputError(f"{source}: {var} must be a whole number, not {number:g}")
    return int(number)


def from_vars(raw: dict[str, Any], source: str = "inventory") -> AccessConfig:
    """Build and check the settings from ``access_log_*`` variables."""
    database = str(raw.get("access_log_database") or DEFAULT_DATABASE)
    if "://" in database and not database.startswith(("sqlite:", "postgresql")):
        raise InputError(f"{source}: access_log_database {database!r}: use a file path, sqlite:/// or postgresql://")
    keys_dir = Path(str(raw.get("access_log_keys_dir") or Path(DEFAULT_DATABASE).parent / "keys"))
    approvers = _people(raw.get("access_log_approvers"), "access_log_approvers", source, id_required=True)
    if not approvers:
        raise InputError(f"{source}: access_log_approvers lists nobody: who may approve server-room visits?")
    guards = _people(raw.get("access_log_guards"), "access_log_guards", source)
    former = _people(
        raw.get("access_log_former_approvers"), "access_log_former_approvers", source, id_required=True, former=True
    )
    both = sorted(set(former) & set(approvers))
    if both:
        raise InputError(f"{source}: {', '.join(both)} in both access_log_approvers and access_log_former_approvers")
    tz = str(raw.get("access_log_timezone", "Asia/Jakarta"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{source}: access_log_timezone {tz!r} is not a time zone (e.g. Asia/Jakarta)") from None
    doors = raw.get("access_log_doors") or []
    if not isinstance(doors, list) or not all(isinstance(d, str) and d for d in doors):
        raise InputError(f"{source}: access_log_doors must be a list of door names")
    dirs = raw.get("access_log_checkpoint_dirs") or [str(keys_dir.parent / "checkpoints")]
    if not isinstance(dirs, list) or not all(isinstance(d, str) and d.startswith("/") for d in dirs):
        raise InputError(f"{source}: access_log_checkpoint_dirs must be a list of absolute directory paths")
    pinned = str(raw.get("access_log_checkpoint_key") or "")
    if pinned and not re.fullmatch(r"[A-Za-z0-9+/]{43}=", pinned):
        raise InputError(f"{source}: access_log_checkpoint_key must be the log's public key (base64, 44 characters)")
    desk_key = str(raw.get("access_log_desk_key") or "")
    if desk_key and not re.fullmatch(r"[A-Za-z0-9+/]{43}=", desk_key):
        raise InputError(f"{source}: access_log_desk_key must be the guard desk's public key (base64, 44 characters)")
    return AccessConfig(
        checkpoint_dirs=tuple(Path(d) for d in dirs),
        checkpoint_key=pinned,
        desk_key=desk_key,
        database=database,
        keys_dir=keys_dir,
        approvers=approvers,
        guards=guards,
        former=former,
        max_visit_hours=_number(raw, "access_log_max_visit_hours", 12, source, 0.5, 24 * 31),
        door_grace_minutes=_number(raw, "access_log_door_grace_minutes", 5, source, 0, 120),
        max_entries=_whole(raw, "access_log_max_entries", 31, source, 1, 1000),
        timezone=tz,
        doors=tuple(doors),
        source=source,
    )


def load(inventory: Path) -> AccessConfig:
    """The settings as Ansible resolves them for the control node (group_vars/all, vault)."""
    from lpse.comply import connect

    if not inventory.exists():
        raise InputError(f"inventory {inventory} does not exist")
    inv, variables = connect.load_inventory(str(inventory.resolve()))
    host = inv.get_host("localhost")
    raw = variables.get_vars(host=host, include_hostvars=False)
    wanted = {k: raw[k] for k in raw if str(k).startswith("access_log_")}
    try:
        from ansible.template import Templar

        templar = Templar(loader=variables._loader, variables=raw)
        wanted = {k: connect.plain(templar.template(v)) for k, v in wanted.items()}
    except Exception as exc:  # a template that does not resolve names itself
        raise InputError(f"{inventory}: access_log_* variables do not resolve: {exc}") from None
    return from_vars(wanted, str(inventory))
