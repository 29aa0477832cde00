"""``lpse access``: the server-room access log from the terminal (registered in lpse/cli.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lpse.errors import InputError
from lpse.i18n import t
from lpse.period import month_bounds, parse_month, this_month

console = Console(width=None if sys.stdout.isatty() else 160)

inventory_option = click.option(
    "--inventory",
    "-i",
    type=click.Path(path_type=Path),
    default=None,
    help="Inventory with the access_log_* settings (default: the lab's, inventory/lab/hosts.yml).",
)
as_option = click.option("--as", "actor", required=True, help="Who records this (a user of the inventory).")
password_file_option = click.option(
    "--password-file",
    type=click.Path(path_type=Path),
    help="File holding the --as user's password (else $LPSE_ACCESS_PASSWORD, else asked; "
    "not needed when run by the user's os_user).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def open_log(inventory: Path | None):
    from lpse.access.config import load
    from lpse.access.service import AccessLog
    from lpse.runner import default_inventory, project_root

    inv = inventory or default_inventory(project_root())
    return AccessLog(load(inv))


def _password(actor: str, password_file: Path | None) -> str:
    if password_file:
        try:
            return password_file.read_text().strip()
        except OSError as exc:
            raise InputError(f"--password-file {password_file}: {exc.strerror}") from None
    if os.environ.get("LPSE_ACCESS_PASSWORD"):
        return os.environ["LPSE_ACCESS_PASSWORD"]
    if not sys.stdin.isatty():
        raise InputError("no password: give --password-file, $LPSE_ACCESS_PASSWORD, or run on a terminal")
    return click.prompt(t("access.password_of", user=actor), hide_input=True)


def _identify(log, actor: str, password_file: Path | None) -> None:
    """``--as`` names who the record will name: that person proves it with their password, or by
    being their operating-system account (``os_user`` in the inventory) running this command."""
    import pwd

    from lpse.access.errors import AccessRefused

    person = log.config.users().get(actor)
    if person is None:
        raise InputError(f"--as {actor!r} is not in access_log_approvers or access_log_guards ({log.config.source})")
    if person.os_user and person.os_user == pwd.getpwuid(os.getuid()).pw_name:
        return
    if not log.authenticate(actor, _password(actor, password_file)):
        raise AccessRefused("not_you", user=actor)
    if log.initial_password_kept(actor):
        raise AccessRefused("initial_password", user=actor)


@click.group()
def access() -> None:
    """Server-room access log: requests, signed approvals, entry and exit (Pasal 21 ayat (4))."""


@access.command("init")
@inventory_option
def init(inventory: Path | None) -> None:
    """Create or upgrade the database; accounts and signing keys for new users of the inventory."""
    log = open_log(inventory)
    made = log.init()
    console.print(t("access.log_at", url=log.config.url), highlight=False)
    for m in made:
        key = "access.new_account_key" if m.key else "access.new_account"
        console.print(t(key, user=m.user, path=m.password_file), highlight=False)


@access.command("passwd")
@click.argument("user")
@click.option("--password-file", type=click.Path(path_type=Path), help="File holding the current password.")
@click.option("--new-password-file", type=click.Path(path_type=Path), help="File holding the new password.")
@inventory_option
def passwd(user: str, password_file: Path | None, new_password_file: Path | None, inventory: Path | None) -> None:
    """Change a user's password (an approver's signing key is re-encrypted with it)."""
    log = open_log(inventory)
    old = _password(user, password_file)
    if not log.authenticate(user, old):
        from lpse.access.errors import AccessRefused

        raise AccessRefused("bad_password", user=user)
    new = (
        new_password_file.read_text().strip()
        if new_password_file
        else click.prompt(t("access.new_password"), hide_input=True, confirmation_prompt=True)
    )
    log.set_password(user, new, old)
    console.print(t("access.password_changed", user=user))


@access.command("rotate-key")
@click.argument("user")
@click.option("--reason", default="", help="Why (a key possibly seen by others, a routine change).")
@click.option("--password-file", type=click.Path(path_type=Path), help="File holding the approver's password.")
@inventory_option
def rotate_key(user: str, reason: str, password_file: Path | None, inventory: Path | None) -> None:
    """Replace an approver's signing key: a record signed by the key it retires, which signs
    nothing after it. Then pin the new key in the inventory (public_key)."""
    log = open_log(inventory)
    record = log.rotate_key(user, _password(user, password_file), reason)
    console.print(t("access.key_rotated", user=user, seq=record.seq, key=record.data["key"]), highlight=False)


@access.command("request")
@as_option
@click.option("--name", required=True, help="Visitor's full name.")
@click.option("--id-type", required=True, help="ktp, sim, paspor, nip, kartu-pegawai or lainnya.")
@click.option("--id-number", required=True, help="Number of that identity document.")
@click.option("--institution", required=True, help="Visitor's institution or company.")
@click.option("--purpose", required=True, help="Why the visitor enters the server room.")
@click.option("--start", required=True, help="Planned start: '2026-11-26 09:00' (site time), now, +1h.")
@click.option("--end", required=True, help="Planned end (same forms).")
@click.option("--escort", required=True, help="LPSE staff member who escorts the visitor.")
@click.option("--equipment", multiple=True, help="Equipment brought in, 'item:serial' (repeatable).")
@password_file_option
@json_option
@inventory_option
def request(
    actor,
    name,
    id_type,
    id_number,
    institution,
    purpose,
    start,
    end,
    escort,
    equipment,
    password_file,
    as_json,
    inventory,
):
    """File a visit request; it waits for an authorised official's decision."""
    log = open_log(inventory)
    _identify(log, actor, password_file)
    rec = log.request(
        actor,
        {
            "name": name,
            "id_type": id_type,
            "id_number": id_number,
            "institution": institution,
            "purpose": purpose,
            "start": start,
            "end": end,
            "escort": escort,
            "equipment": list(equipment),
        },
    )
    _done(rec, as_json, t("access.requested", visit=rec.visit))


def _decide(
    approve: bool, visit, actor, reason, valid_from, valid_until, password_file, as_json, inventory, entries=None
):
    log = open_log(inventory)
    password = _password(actor, password_file)
    rec = log.decide(visit, actor, approve, password, reason or "", valid_from, valid_until, entries)
    _done(rec, as_json, t("access.approved_signed" if approve else "access.denied_signed", visit=visit, actor=actor))


@access.command("approve")
@click.argument("visit")
@as_option
@click.option("--reason", default="", help="Note with the approval.")
@click.option("--valid-from", default=None, help="Approval valid from (default: the planned start).")
@click.option("--valid-until", default=None, help="Approval valid until (default: the planned end).")
@click.option(
    "--entries",
    default=1,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="How many entries the approval admits (at most access_log_max_entries).",
)
@click.option("--password-file", type=click.Path(path_type=Path), help="File holding the approver's password.")
@json_option
@inventory_option
def approve(visit, actor, reason, valid_from, valid_until, entries, password_file, as_json, inventory):
    """Approve a visit, signed with the approver's key (unlocked by their password)."""
    _decide(True, visit, actor, reason, valid_from, valid_until, password_file, as_json, inventory, entries)


@access.command("deny")
@click.argument("visit")
@as_option
@click.option("--reason", required=True, help="Why the visit is denied.")
@click.option("--password-file", type=click.Path(path_type=Path), help="File holding the approver's password.")
@json_option
@inventory_option
def deny(visit, actor, reason, password_file, as_json, inventory):
    """Deny a visit (signed, with the reason)."""
    _decide(False, visit, actor, reason, None, None, password_file, as_json, inventory)


@access.command("checkin")
@click.argument("visit")
@as_option
@click.option("--badge", required=True, help="Visitor badge number handed out.")
@click.option("--escort", default="", help="Escort, when not the one in the request.")
@password_file_option
@json_option
@inventory_option
def checkin(visit, actor, badge, escort, password_file, as_json, inventory):
    """Record entry: refused without an approval valid now."""
    log = open_log(inventory)
    _identify(log, actor, password_file)
    rec = log.checkin(visit, actor, badge, escort)
    _done(rec, as_json, t("access.checked_in", visit=visit, badge=badge))


@access.command("checkout")
@click.argument("visit")
@as_option
@click.option("--equipment", multiple=True, help="Equipment taken out, 'item:serial' (repeatable).")
@click.option("--note", default="", help="Explanation when equipment out differs from equipment in.")
@password_file_option
@json_option
@inventory_option
def checkout(visit, actor, equipment, note, password_file, as_json, inventory):
    """Record exit and the equipment taken out."""
    log = open_log(inventory)
    _identify(log, actor, password_file)
    rec = log.checkout(visit, actor, list(equipment), note)
    _done(rec, as_json, t("access.checked_out", visit=visit))


def _done(rec, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps({"seq": rec.seq, "visit": rec.visit, "kind": rec.kind, "hash": rec.hash.hex()}))
    else:
        console.print(f"{text} (#{rec.seq})", highlight=False)


STATUS_WORDS = ("pending", "approved", "denied", "inside", "closed", "expired", "lapsed")


def status_word(status: str) -> str:
    return t(f"access.status.{status}")


@access.command("list")
@click.option("--status", type=click.Choice(sorted(STATUS_WORDS)), default=None, help="Only visits in this state.")
@json_option
@inventory_option
def list_visits(status, as_json, inventory):
    """Visits, newest first."""
    from lpse.access.rules import local

    log = open_log(inventory)
    now = log.clock()
    visits = [v for v in log.visits().values() if status is None or v.status(now) == status]
    visits.sort(key=lambda v: v.seq, reverse=True)
    if as_json:
        click.echo(json.dumps([_visit_json(v, now) for v in visits], indent=1))
        return
    table = Table(title=t("access.list_title"))
    for col in ("visit", "visitor", "institution", "planned", "status", "decided_by"):
        table.add_column(t(f"access.col_{col}"))
    for v in visits:
        table.add_row(
            v.id,
            v.request["visitor"]["name"],
            v.request["visitor"]["institution"],
            f"{local(v.start, log.config)} – {local(v.end, log.config)}",
            status_word(v.status(now)),
            v.decided_by or "-",
        )
    console.print(table)


def _visit_json(v, now: dt.datetime) -> dict:
    return {
        "visit": v.id,
        "status": v.status(now),
        "requested_by": v.requested_by,
        "request": v.request,
        "decision": v.decision and {k: x for k, x in v.decision.items() if k != "signature"},
        "decided_by": v.decided_by or None,
        "entries": [
            {
                "in": e.at.isoformat(),
                "out": e.out_at.isoformat() if e.out_at else None,
                "badge": e.badge,
                "escort": e.escort,
                "equipment_out": e.equipment_out,
                "note": e.note,
            }
            for e in v.entries
        ],
    }


@access.command("show")
@click.argument("visit")
@json_option
@inventory_option
def show(visit, as_json, inventory):
    """A visit and every record of it."""
    log = open_log(inventory)
    v, recs = log.show(visit)
    if as_json:
        out = _visit_json(v, log.clock())
        out["records"] = [
            {"seq": r.seq, "kind": r.kind, "at": r.at, "actor": r.actor, "hash": r.hash.hex()} for r in recs
        ]
        click.echo(json.dumps(out, indent=1))
        return
    from lpse.access.rules import local

    req = v.request
    console.print(f"[bold]{v.id}[/] — {status_word(v.status(log.clock()))}", highlight=False)
    console.print(
        f"  {req['visitor']['name']} ({req['visitor']['id_type'].upper()} {req['visitor']['id_number']}), "
        f"{req['visitor']['institution']}",
        highlight=False,
    )
    console.print(
        f"  {t('access.purpose')}: {req['purpose']}; {t('access.escort')}: {req['escort']}",
        highlight=False,
    )
    console.print(f"  {t('access.equipment')}: {', '.join(req['equipment']) or '-'}", highlight=False)
    for r in recs:
        console.print(f"  #{r.seq} {local(r.when, log.config)} {r.kind} {r.actor} {r.hash.hex()[:16]}", highlight=False)


@access.command("verify")
@click.option(
    "--full",
    is_flag=True,
    help="Check every signature again (else only those after the last verify that found all good).",
)
@json_option
@inventory_option
def verify(full, as_json, inventory):
    """Check the whole chain and every signature; name each record that was altered.

    Every record is re-hashed each time; signatures already checked by an earlier verify (which
    then signed a checkpoint saying so) are not checked again unless --full."""
    log = open_log(inventory)
    result = log.verify(full=full, attest=True)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=1))
    elif result.ok:
        console.print(
            t(
                "access.chain_intact",
                records=result.records,
                decisions=result.decisions,
                seq=result.head_seq,
                hash=result.head_hash,
            ),
            highlight=False,
        )
        console.print(t("access.checkpoints_checked", n=result.checkpoints), highlight=False)
        if result.trusted_through:
            console.print(t("access.signatures_trusted", seq=result.trusted_through), highlight=False)
    else:
        for p in result.problems:
            console.print(f"[red]{p}[/]", highlight=False)
    if not result.ok:
        sys.exit(1)


@access.command("checkpoint")
@json_option
@inventory_option
def checkpoint_(as_json, inventory):
    """Sign the log's head and keep it outside the database (every access_log_checkpoint_dirs);
    run it from a timer, and copy the directory to a second host."""
    log = open_log(inventory)
    cp, paths = log.checkpoint()
    if as_json:
        click.echo(json.dumps({"seq": cp.seq, "head": cp.head, "time": cp.time, "files": [str(p) for p in paths]}))
    else:
        console.print(t("access.checkpoint_written", seq=cp.seq, hash=cp.head[:16], n=len(paths)), highlight=False)


def _period(month: str | None, tz) -> tuple[dt.datetime, dt.datetime]:
    """The month (default: this one) in the site's time zone, as UTC bounds for the log's queries."""
    start, end = month_bounds(*parse_month(month or this_month(tz)), tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@access.command("audit")
@click.option("--month", default=None, help="YYYY-MM (default: this month).")
@json_option
@inventory_option
def audit(month, as_json, inventory):
    """Breaches of the rules in a month: entry without approval, unmatched door openings, open visits."""
    log = open_log(inventory)
    start, end = _period(month, log.config.tz)
    findings = log.audit(start, end)
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in findings], indent=1))
    elif not findings:
        console.print(t("access.no_breaches"))
    for f in [] if as_json else findings:
        console.print(f"[red]#{f.seq} {f.rule}[/]: {f.message}", highlight=False)
    if findings:
        sys.exit(1)


def spreadsheet_safe(cell: object) -> object:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage
    return before one) is a formula to Excel and LibreOffice; it gets a leading apostrophe (OWASP's
    advice), which they show as text. Numbers pass as they are."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


@access.command("export")
@click.option("--month", default=None, help="YYYY-MM (default: this month).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="File (default: stdout).")
@inventory_option
def export(month, fmt, output, inventory):
    """The month's visits (for the archive or another system)."""
    import csv
    import io

    log = open_log(inventory)
    start, end = _period(month, log.config.tz)
    now = log.clock()
    rows = [v for v in log.visits().values() if v.start < end and v.end >= start]
    if fmt == "json":
        text = json.dumps([_visit_json(v, now) for v in rows], indent=1, ensure_ascii=False)
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(
            [
                "visit",
                "visitor",
                "id_type",
                "id_number",
                "institution",
                "purpose",
                "start",
                "end",
                "status",
                "decided_by",
                "entries",
            ]
        )
        for v in rows:
            vis = v.request["visitor"]
            w.writerow(
                spreadsheet_safe(c)
                for c in [
                    v.id,
                    vis["name"],
                    vis["id_type"],
                    vis["id_number"],
                    vis["institution"],
                    v.request["purpose"],
                    v.request["start"],
                    v.request["end"],
                    v.status(now),
                    v.decided_by,
                    len(v.entries),
                ]
            )
        text = buf.getvalue()
    if output:
        output.write_text(text)
    else:
        click.echo(text)


@access.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--doors", is_flag=True, help="PATH is a door controller export (CSV time,door,badge,event or JSON).")
@as_option
@password_file_option
@inventory_option
def import_(path, doors, actor, password_file, inventory):
    """Import door-controller events, or visits kept elsewhere (JSON lines); all or nothing."""
    log = open_log(inventory)
    _identify(log, actor, password_file)
    if doors:
        added, present = log.import_doors(path, actor)
        console.print(t("access.doors_imported", added=added, present=present))
    else:
        n = log.import_records(path, actor)
        console.print(t("access.records_imported", n=n))


@access.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8470, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="A reverse proxy (nginx with TLS) in front: trust its X-Forwarded-For and -Proto (one hop); "
    "cookies are then Secure (HTTPS only).",
)
@inventory_option
def serve(host, port, behind_proxy, inventory):
    """The web application for the guard desk and approvers (waitress)."""
    import waitress

    from lpse.access.web import create_app

    log = open_log(inventory)
    log.store.ensure()
    app = create_app(log, secure=behind_proxy)
    if behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]
    console.print(f"http://{host}:{port}/", highlight=False)
    waitress.serve(app, host=host, port=port, threads=4)
