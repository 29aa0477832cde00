"""The `lpse` command: one thin entry point that parses, calls and prints."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from lpse.access import cli as access_cli
from lpse.errors import InputError, LpseError
from lpse.i18n import lang, t

# Wide enough for the status table when output goes to a file or CI log.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)


class LpseGroup(click.Group):
    """Turns LpseError into a one-line message and its exit code; never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LpseError as exc:
            err_console.print(f"[bold red]{t('error')}:[/] {exc}", highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)


@click.group(cls=LpseGroup)
@click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default=None,
    help="Language of operator messages (default: id, or $LPSE_LANG).",
)
@click.version_option(package_name="lpse-dc")
def main(lang: str | None) -> None:
    """lpse-dc: provision and keep compliant an LPSE data centre (Perbup Bandung 4/2017)."""
    from lpse.runtime import own_tools_first

    # `.venv/bin/lpse` without an activated venv still runs the Ansible of its own venv.
    own_tools_first()
    if lang:
        os.environ["LPSE_LANG"] = lang


topology_option = click.option(
    "--topology",
    "-t",
    type=click.Path(path_type=Path),
    default=None,
    help="Lab topology file (default: inventory/lab/topology.yml, or $LPSE_TOPOLOGY).",
)


def _lab(topology: Path | None):
    from lpse.lab.manager import Lab

    return Lab(topology)


@main.group()
def lab() -> None:
    """The lab: a small SPSE data centre on this machine (needs root)."""


@lab.command("up")
@topology_option
@click.option("--fresh", is_flag=True, help="Wipe the lab's hosts first and boot them from the clean image.")
def lab_up(topology: Path | None, fresh: bool) -> None:
    """Build and start the lab (idempotent; repairs stale or half-built members)."""
    the_lab = _lab(topology)
    the_lab.up(progress=lambda m: console.print(m, highlight=False), fresh=fresh)


@lab.command("down")
@topology_option
@click.option("--purge", is_flag=True, help="Also wipe the hosts' disks, keys and generated secrets.")
def lab_down(topology: Path | None, purge: bool) -> None:
    """Stop the lab: no namespace, link, cgroup or process is left."""
    _lab(topology).down(progress=lambda m: console.print(m, highlight=False), purge=purge)


@lab.command("path")
@topology_option
def lab_path(topology: Path | None) -> None:
    """Print the lab's state directory (generated keys, secrets, the access log)."""
    click.echo(str(_lab(topology).state))


@lab.command("officials")
@topology_option
def lab_officials(topology: Path | None) -> None:
    """Initialise the lab's access log and give its officials and guards passwords of their own
    (the lab plays them: kept in the lab's state, never at a site); print where they are."""
    from lpse.lab.officials import settle

    the_lab = _lab(topology)
    click.echo(str(settle(the_lab.inventory_path, the_lab.state)))


@lab.command("copy")
@topology_option
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--name", required=True, help="The copy's lab name (1-6 lower-case letters/digits).")
@click.option(
    "--move",
    "moves",
    multiple=True,
    metavar="OLD=NEW",
    help="Move addresses starting OLD to start NEW instead (e.g. 10.213.=10.214.); repeatable.",
)
def lab_copy(topology: Path | None, dest: Path, name: str, moves: tuple[str, ...]) -> None:
    """Write a copy of the lab into DEST that runs beside it: another name, its addresses moved.
    `lpse lab up -t DEST/topology.yml` starts it."""
    from lpse.lab.copy import copy_lab, parse_move
    from lpse.lab.manager import default_topology

    click.echo(str(copy_lab(topology or default_topology(), dest, name, [parse_move(m) for m in moves])))


@lab.command("status")
@topology_option
def lab_status(topology: Path | None) -> None:
    """A table of every host and device, its address and whether it answers."""
    the_lab = _lab(topology)
    rows = the_lab.status()
    up = sum(r.answers for r in rows)
    table = Table(title=t("lab_status_title", lab=the_lab.topo.name, up=up, total=len(rows)))
    for col in ("host", "kind", "groups", "address", "running", "answers", "detail"):
        table.add_column(t(col))
    for r in rows:

        def mark(ok):
            return f"[green]{t('yes')}[/]" if ok else f"[red]{t('no')}[/]"

        table.add_row(r.name, r.kind, r.groups, r.address, mark(r.running), mark(r.answers), r.detail)
    console.print(table)
    sys.exit(0 if up == len(rows) else 1)


@lab.command("ssh", context_settings={"ignore_unknown_options": True})
@topology_option
@click.argument("host")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def lab_ssh(topology: Path | None, host: str, command: tuple[str, ...]) -> None:
    """Open a shell (or run COMMAND) on a lab host as root."""
    argv = _lab(topology).ssh_argv(host, list(command))
    os.execvp(argv[0], argv)


@lab.command("set")
@topology_option
@click.argument("device")
@click.argument("assignments", nargs=-1, required=True)
def lab_set(topology: Path | None, device: str, assignments: tuple[str, ...]) -> None:
    """Change what a device reports, e.g. `lpse lab set ups-01 ups.status="OB LB" battery.charge=18`.

    UPS keys follow Network UPS Tools names (ups.status, battery.charge, battery.runtime, ups.load,
    input.voltage, ...); the probe has temperature and humidity.
    """
    state = _lab(topology).set(device, list(assignments))
    shown = ", ".join(f"{k}={state[k]}" for k in (a.split("=", 1)[0].strip() for a in assignments))
    console.print(t("set_done", device=device, values=shown), highlight=False)


@lab.command("instances")
@topology_option
def lab_instances(topology: Path | None) -> None:
    """Print the lab's hosts as Molecule instance config (YAML), for molecule's create playbook."""
    import yaml

    the_lab = _lab(topology)
    rows = [
        {"instance": h.name, "address": str(h.address), "user": "root", "port": 22, "identity_file": str(the_lab.key)}
        for h in the_lab.topo.hosts.values()
    ]
    click.echo(yaml.safe_dump(rows, sort_keys=False), nl=False)


# The options every command that runs a playbook on the inventory's hosts takes.
_run_inventory_option = click.option(
    "--inventory",
    "-i",
    type=click.Path(path_type=Path),
    default=None,
    help="Inventory (default: the lab's, from ansible.cfg).",
)
_limit_option = click.option("--limit", "-l", default=None, help="Only these hosts/groups (Ansible pattern).")


@main.command("provision")
@_run_inventory_option
@_limit_option
@click.option("--check", is_flag=True, help="Check mode with diff: report drift, change nothing.")
@click.option("--tags", default=None, help="Only tasks with these tags.")
@click.option("--extra-vars", "-e", "extra", multiple=True, help="KEY=VALUE passed to the playbook (repeatable).")
@click.argument("playbook", default="playbooks/site.yml")
def provision(
    inventory: Path | None, limit: str | None, check: bool, tags: str | None, extra: tuple[str, ...], playbook: str
) -> None:
    """Run a playbook (default playbooks/site.yml) through ansible-runner and summarise per host."""
    if tags:
        from lpse.runner import check_tags

        check_tags(playbook, inventory, tags)
    _run_and_report(playbook, inventory=inventory, limit=limit, check=check, tags=tags, extravars=_pairs(extra))


@main.command("bootstrap")
@_run_inventory_option
@_limit_option
@click.option(
    "--login",
    default="root",
    show_default=True,
    help="The account a fresh server lets in (root, or the installer's admin with sudo).",
)
@click.option("--ask-pass", "-k", is_flag=True, help="Ask for that account's SSH password.")
@click.option("--ask-become-pass", "-K", is_flag=True, help="Ask for its sudo password (default: the SSH password).")
def bootstrap(inventory: Path | None, limit: str | None, login: str, ask_pass: bool, ask_become_pass: bool) -> None:
    """First contact with fresh servers: create the automation account (playbooks/bootstrap.yml).

    Logs in once as LOGIN, creates the account the inventory names (accounts_automation_user, the
    same as ansible_user) with its key and a NOPASSWD sudo rule, then checks that it logs in and
    becomes root. Servers it already reaches are left alone. Every later run uses that account."""
    passwords: dict[str, str] = {}
    if ask_pass:
        passwords["ssh"] = click.prompt(t("bootstrap_ssh_password", user=login), hide_input=True)
    if ask_become_pass:
        passwords["become"] = click.prompt(t("bootstrap_become_password", user=login), hide_input=True)
    elif ask_pass and login != "root":
        passwords["become"] = passwords["ssh"]
    _run_and_report(
        "playbooks/bootstrap.yml",
        inventory=inventory,
        limit=limit,
        extravars={"bootstrap_login": login},
        passwords=passwords or None,
    )


def _pairs(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise click.BadParameter(t("bad_pair", item=item), param_hint="-e/--extra-vars")
        out[key] = value
    return out


def _run_and_report(playbook: str, *, check: bool = False, **kwargs) -> None:
    from lpse.runner import run_playbook, summary_table

    result = run_playbook(playbook, check=check, **kwargs)
    console.print(summary_table(result))
    if check:
        drift = result.drift
        if not drift:
            console.print(t("no_drift"), highlight=False)
        for host, tasks in sorted(drift.items()):
            console.print(t("drift_host", host=host, n=len(tasks)), highlight=False)
            for task in tasks:
                console.print(f"  • {task}", highlight=False)
    console.print(t("artifacts", path=result.artifacts), highlight=False)
    sys.exit(0 if result.ok else 1)


@main.group("site")
def site() -> None:
    """A site directory: what a real LPSE keeps in version control (init), checked before any run (check)."""


@site.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--name", required=True, help="The LPSE's name, e.g. 'LPSE Kabupaten Bandung'.")
def site_init(directory: Path, name: str) -> None:
    """Write a new site directory: inventory with every group, vaulted secrets, waivers, CI."""
    from lpse.runner import project_root
    from lpse.site import init_site

    written = init_site(directory, project_root(), name)
    console.print(t("site_written_files", n=len(written), path=directory), highlight=False)
    for path in written:
        console.print(f"  • {path}", highlight=False)
    console.print(t("site_next_steps", path=directory), highlight=False)


@site.command("check")
@click.argument("where", type=click.Path(path_type=Path))
def site_check(where: Path) -> None:
    """Check a site's inventory and waivers on this machine, before anything touches a host.

    WHERE is a site directory (its inventory/hosts.yml) or an inventory file."""
    from lpse.runner import project_root
    from lpse.site import check_site

    inventory = where / "inventory" / "hosts.yml" if where.is_dir() else where
    problems = check_site(inventory, project_root())
    if not problems:
        console.print(t("site_check_ok", path=inventory), highlight=False)
        return
    table = Table(title=t("site_check_title", n=len(problems), path=inventory))
    for col in ("host", "site_where", "site_what"):
        table.add_column(t(col))
    for p in problems:
        table.add_row(p.host, p.where, p.what)
    console.print(table)
    sys.exit(1)


@main.command("maintenance")
@click.argument("action", type=click.Choice(["announce", "start", "end"]))
@click.option("--until", "until", default=None, help="Planned end, e.g. 2026-12-01T06:00+07:00 (announce, start).")
@click.option("--reason", default=None, help="Why (shown to users; announce, start).")
@click.option(
    "--inventory", "-i", type=click.Path(path_type=Path), default=None, help="Inventory (default: the lab's)."
)
def maintenance(action: str, until: str | None, reason: str | None, inventory: Path | None) -> None:
    """Announce, start or end a maintenance window (Pasal 22 huruf d): playbooks/maintenance.yml."""
    import getpass

    extra = {"maintenance_action": action, "maintenance_by": os.environ.get("SUDO_USER") or getpass.getuser()}
    if action != "end":
        if not until or not reason:
            raise click.UsageError(t("maintenance_needs"))
        extra.update(maintenance_until=until, maintenance_reason=reason)
    _run_and_report("playbooks/maintenance.yml", inventory=inventory, extravars=extra)


@main.group("backup")
def backup() -> None:
    """Backups to the portable medium (Pasal 23): run, list, verify, drill, custody."""


def _backup(action: str, inventory: Path | None, **extra: str) -> None:
    """Run playbooks/backup.yml (or restore_drill.yml) and print lpse-backup's answer."""
    import getpass

    from lpse.runner import run_playbook, summary_table

    playbook = "playbooks/restore_drill.yml" if action == "drill" else "playbooks/backup.yml"
    extravars = {"backup_action": action, "backup_by": os.environ.get("SUDO_USER") or getpass.getuser()}
    extravars |= {k: v for k, v in extra.items() if v}
    result = run_playbook(playbook, inventory=inventory, extravars=extravars, quiet=True)
    for event in result.events:
        data = event.get("event_data", {})
        if event.get("event") == "runner_on_ok" and data.get("task", "").endswith("Backup | Result"):
            console.print_json(data=data.get("res", {}).get("msg", {}))
    console.print(summary_table(result))
    for failure in result.failures:
        console.print(f"[red]{failure}[/red]", highlight=False)
    console.print(t("artifacts", path=result.artifacts), highlight=False)
    sys.exit(0 if result.ok else 1)


_inventory_option = click.option(
    "--inventory", "-i", type=click.Path(path_type=Path), default=None, help="Inventory (default: the lab's)."
)


@backup.command("run")
@_inventory_option
def backup_run(inventory: Path | None) -> None:
    """Back up the SPSE database, file store and configuration to the medium now."""
    _backup("run", inventory)


@backup.command("list")
@_inventory_option
def backup_list(inventory: Path | None) -> None:
    """The backup sets on the medium (complete and incomplete)."""
    _backup("list", inventory)


@backup.command("verify")
@click.option("--set", "set_name", default=None, help="Only this set, e.g. 20261126T013000Z.")
@_inventory_option
def backup_verify(set_name: str | None, inventory: Path | None) -> None:
    """Re-read every file of the sets on the medium against their SHA-256 manifests."""
    _backup("verify", inventory, backup_set=set_name or "")


@backup.command("drill")
@_inventory_option
def backup_drill(inventory: Path | None) -> None:
    """Restore drill: restore the newest set into scratch copies and compare with the sources."""
    _backup("drill", inventory)


@backup.command("custody")
@click.option("--location", required=True, help="Where the medium is kept now (not the server room).")
@click.option("--carrier", required=True, help="Who carried it.")
@click.option("--visit", default=None, help="The server-room visit that took it out.")
@_inventory_option
def backup_custody(location: str, carrier: str, visit: str | None, inventory: Path | None) -> None:
    """Record where the backup medium is kept and who carried it (Pasal 23 ayat (2))."""
    _backup("custody", inventory, backup_location=location, backup_carrier=carrier, backup_visit=visit or "")


@main.command("comply")
@click.option(
    "--inventory",
    "-i",
    type=click.Path(path_type=Path),
    default=None,
    help="Inventory to audit (default: the lab's, inventory/lab/hosts.yml).",
)
@click.option("--limit", "-l", default=None, help="Only these hosts/groups (Ansible pattern).")
@click.option("--control", "controls", multiple=True, help="Only this control ID (repeatable).")
@click.option("--area", "areas", multiple=True, help="Only controls of this area (repeatable).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["json", "junit", "html"]),
    help="Outputs to write (repeatable; default all three).",
)
@click.option(
    "--results-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where runs are stored (default: results/, or $LPSE_RESULTS).",
)
@click.option(
    "--waivers", type=click.Path(path_type=Path), default=None, help="Waiver file (default: compliance/waivers.yml)."
)
@click.option(
    "--fail-on",
    default="low",
    show_default=True,
    help="Exit 1 when a control of this severity or above fails (low, medium, high, critical).",
)
@click.option(
    "--workers", type=int, default=None, help="Parallel workers (default: one per CPU core, at most one per host)."
)
@click.option(
    "--sites",
    type=click.Path(path_type=Path),
    default=None,
    help="A tree of site inventories (<site>/hosts.yml): audit each; results in <results>/sites/<site>/.",
)
def comply(inventory, limit, controls, areas, formats, results_dir, waivers, fail_on, workers, sites) -> None:
    """Audit hosts against the control catalogue. Never changes a host."""
    from lpse.comply.run import ComplyRequest, project_root
    from lpse.comply.run import run as run_comply
    from lpse.runner import default_inventory

    if sites is not None and (inventory is not None or waivers is not None):
        raise click.UsageError(t("sites_exclusive"))
    request = ComplyRequest(
        inventory=inventory or default_inventory(project_root()),
        limit=limit,
        controls=tuple(controls),
        areas=tuple(areas),
        formats=tuple(formats) or ("json", "junit", "html"),
        results_dir=results_dir,
        waivers=waivers,
        fail_on=fail_on,
        workers=workers,
    )
    if sites is not None:
        _comply_sites(sites, request, results_dir)
    outcome = run_comply(request, console=err_console)
    doc = outcome.doc
    table = Table(
        title=t("comply_title", score=doc["summary"]["score"], run=doc["run"]["id"], secs=doc["run"]["seconds"])
    )
    for col in ("area", "pass", "fail", "error", "waived", "score"):
        table.add_column(t(col))
    for area, s in doc["summary"]["by_area"].items():
        n = s["counts"]
        table.add_row(
            doc["areas"][area]["title"][lang()],
            str(n.get("pass", 0)),
            f"[red]{n['fail']}[/]" if n.get("fail") else "0",
            f"[red]{n['error']}[/]" if n.get("error") else "0",
            str(n.get("waived", 0)),
            f"{s['score']}%",
        )
    console.print(table)
    for r in doc["results"]:
        if r["status"] in ("fail", "error"):
            sev = doc["controls"][r["control"]]["severity"]
            console.print(
                f"[red]{t(r['status'])}[/] [bold]{r['control']}[/] ({sev}) {r['host']}: {r['message']}", highlight=False
            )
    console.print(t("comply_written", path=outcome.run_dir), highlight=False)
    sys.exit(outcome.exit_code)


def _comply_sites(tree: Path, request, results_dir: Path | None) -> None:
    from lpse.comply.run import project_root
    from lpse.comply.sites import comply_sites

    results = results_dir or Path(os.environ.get("LPSE_RESULTS", project_root() / "results"))
    outcomes = comply_sites(tree, request, results, console=err_console)
    table = Table(title=t("sites_title", n=len(outcomes)))
    for col in ("site", "hosts", "score", "pass", "fail", "error", "waived"):
        table.add_column(t(col))
    for site, outcome in outcomes:
        doc = outcome.doc
        n = doc["summary"]["counts"]
        table.add_row(
            site,
            str(len(doc["run"]["hosts"])),
            f"{doc['summary']['score']}%",
            str(n.get("pass", 0)),
            f"[red]{n['fail']}[/]" if n.get("fail") else "0",
            f"[red]{n['error']}[/]" if n.get("error") else "0",
            str(n.get("waived", 0)),
        )
    console.print(table)
    for site, outcome in outcomes:
        console.print(t("site_written", site=site, path=outcome.run_dir), highlight=False)
    sys.exit(max(o.exit_code for _, o in outcomes))


@main.group()
def report() -> None:
    """Reports to the Bupati (monthly, Pasal 24 ayat (2)) and for the yearly evaluation (ayat (1))."""


def _report(
    kind: str, period: str, inventory: Path | None, results_dir: Path | None, formats: tuple[str, ...], collect: bool
) -> None:
    from lpse.comply.connect import hostvars, load_inventory
    from lpse.comply.run import project_root
    from lpse.i18n import lang
    from lpse.report import build
    from lpse.report.collect import collect_all
    from lpse.runner import default_inventory

    # Validate the period before touching anything.
    build.parse_month(period) if kind == "monthly" else build.parse_year(period)
    root = project_root()
    results = results_dir or Path(os.environ.get("LPSE_RESULTS", root / "results"))
    inventory = inventory or default_inventory(root)
    settings: dict = {}
    if inventory.exists():
        inv, _ = load_inventory(str(inventory))
        first = next(iter(inv.get_hosts("lpse_servers") or inv.get_hosts("all")), None)
        settings = hostvars(str(inventory), first.name) if first else {}
        if collect:
            # What could not be read is kept beside the store; the report states it.
            results.mkdir(parents=True, exist_ok=True)
            lines, _ = collect_all(inventory, results)
            for host, status in lines.items():
                line = escape(t("collected", host=host, status=status))
                console.print(f"[red]{line}[/]" if status.startswith("could not be read") else line, highlight=False)
    elif collect:
        raise InputError(f"inventory not found: {inventory} (use --no-collect to report from the store only)")
    base = load_inventory(str(inventory))[1].get_vars().get("base_lpse_name") if inventory.exists() else None
    args = dict(
        results=results,
        lang=lang(),
        lpse_name=str(base or "LPSE Kabupaten Bandung"),
        warn=float(settings.get("compliance_capacity_disk_warn_pct", 80)),
        crit=float(settings.get("compliance_capacity_disk_crit_pct", 90)),
    )
    if kind == "monthly":
        limits = build.env_limits(settings.get("compliance_env_thresholds"))
        context = build.monthly(month=period, env_limits=limits, **args)
    else:
        context = build.yearly(year_text=period, **args)
    out_dir = results / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / f"{kind}-{period}.{lang()}.html"
    html_path.write_text(build.render_html(context), encoding="utf-8")
    written = [html_path]
    if "pdf" in formats:
        pdf_path = out_dir / f"{kind}-{period}.{lang()}.pdf"
        build.html_to_pdf(html_path, pdf_path)
        written.append(pdf_path)
    for path in written:
        console.print(t("report_written", path=path), highlight=False)


report_options = [
    click.option(
        "--inventory",
        "-i",
        type=click.Path(path_type=Path),
        default=None,
        help="Inventory to collect capacity records from (default: the lab's).",
    ),
    click.option(
        "--results-dir",
        type=click.Path(path_type=Path),
        default=None,
        help="The results store (default: results/, or $LPSE_RESULTS).",
    ),
    click.option(
        "--format",
        "formats",
        multiple=True,
        type=click.Choice(["html", "pdf"]),
        default=("html", "pdf"),
        show_default=True,
    ),
    click.option(
        "--collect/--no-collect",
        default=True,
        show_default=True,
        help="Fetch the hosts' capacity records into the store first.",
    ),
]


def _with_report_options(fn):
    for option in reversed(report_options):
        fn = option(fn)
    return fn


@report.command("monthly")
@click.option("--month", required=True, help="YYYY-MM")
@_with_report_options
def report_monthly(month, inventory, results_dir, formats, collect) -> None:
    """The monthly report to the Bupati through the Sekretaris Daerah (Bahasa Indonesia; --lang en)."""
    _report("monthly", month, inventory, results_dir, formats, collect)


@report.command("yearly")
@click.option("--year", required=True, help="YYYY")
@_with_report_options
def report_yearly(year, inventory, results_dir, formats, collect) -> None:
    """Twelve months summarised for the Sekretaris Daerah's yearly evaluation."""
    _report("yearly", year, inventory, results_dir, formats, collect)


main.add_command(access_cli.access)

if __name__ == "__main__":
    main()
