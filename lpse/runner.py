"""Driving playbooks through ansible-runner: live progress, a per-host summary, kept artifacts.

Each run gets a private data dir under ``.lpse/runner/`` (AWX-compatible layout); its
``artifacts/<ident>/job_events`` hold every task result as JSON for CI and tests.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lpse.errors import InputError, LpseError
from lpse.i18n import t

HERE = Path(__file__).resolve().parent
KEEP_RUNS = 30
console = Console(stderr=True)


def project_root() -> Path:
    for base in [Path.cwd(), *Path.cwd().parents, HERE.parent]:
        if (base / "ansible.cfg").exists() and (base / "playbooks").is_dir():
            return base
    raise InputError("cannot find the lpse-dc project (a directory with ansible.cfg and playbooks/)")


@dataclass
class RunResult:
    playbook: str
    status: str
    rc: int
    seconds: float
    artifacts: Path
    hosts: dict[str, dict[str, float]] = field(default_factory=dict)
    check: bool = False
    events: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def drift(self) -> dict[str, list[str]]:
        """Per host, the tasks that changed (or, in check mode, would change), from the job events."""
        out: dict[str, list[str]] = {}
        for event in self.events:
            data = event.get("event_data", {})
            if event.get("event") == "runner_on_ok" and (data.get("res") or {}).get("changed"):
                name = f"{data['role']} : {data.get('task', '')}" if data.get("role") else data.get("task", "")
                tasks = out.setdefault(data.get("host", "?"), [])
                if name not in tasks:
                    tasks.append(name)
        return out

    @property
    def failures(self) -> list[str]:
        """``host: message`` for every failed task of the run (loop items included), from the job events."""
        return [
            f"{e['event_data'].get('host')}: {msg}"
            for e in self.events
            if e.get("event") == "runner_on_failed" and not e["event_data"].get("ignore_errors")
            for msg in failure_messages(e["event_data"].get("res") or {})
        ]

    def total(self, key: str) -> int:
        return sum(h.get(key, 0) for h in self.hosts.values())


def failure_messages(res: dict) -> list[str]:
    """What a failed task said: each failed loop item's message, else the task's."""
    items = [str(r.get("msg", "")) for r in res.get("results", []) if isinstance(r, dict) and r.get("failed")]
    return items or [str(res.get("msg", ""))]


def _created(event: dict) -> float | None:
    """An event's time (ansible-runner's ``created``, ISO 8601 UTC) as a Unix time."""
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(event["created"]).replace(tzinfo=dt.UTC).timestamp()
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class HostProgress:
    task: str = ""
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: int = 0
    first: float | None = None
    last: float | None = None

    @property
    def seconds(self) -> float:
        return round((self.last or 0) - (self.first or 0), 1) if self.first else 0.0


class Progress:
    """Live progress of a run from its job events: per host, the task it is on and its counts.

    On a terminal it is a table redrawn in place (rich Live); otherwise (CI, a pipe) one line per
    play, per task and per failure, so logs stay readable."""

    def __init__(self, quiet: bool = False, out: Console | None = None):
        self.quiet = quiet
        self.console = out or console
        self.hosts: dict[str, HostProgress] = {}
        self.play = ""
        self.live = None

    def __enter__(self) -> Progress:
        if not self.quiet and self.console.is_terminal:
            from rich.live import Live

            self.live = Live(self.render(), console=self.console, refresh_per_second=4, transient=True)
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def render(self) -> Table:
        table = Table(title=self.play or None, title_justify="left")
        table.add_column(t("host"))
        table.add_column(t("task"))
        for col in ("ok", "changed", "failed", "unreachable"):
            table.add_column(t(col), justify="right")
        table.add_column(t("time"), justify="right")
        for host in sorted(self.hosts):
            h = self.hosts[host]
            table.add_row(
                host, h.task[:60], str(h.ok), str(h.changed), str(h.failed), str(h.unreachable), f"{h.seconds:.0f}s"
            )
        return table

    def event(self, event: dict) -> None:
        name = event.get("event", "")
        data = event.get("event_data", {})
        host = data.get("host")
        if host and name.startswith("runner_on_"):
            h = self.hosts.setdefault(host, HostProgress())
            when = _created(event)
            if when is not None:
                h.first = h.first if h.first is not None else when
                h.last = when
            if name == "runner_on_start":
                h.task = data.get("task", "")
            elif name == "runner_on_ok":
                h.ok += 1
                h.changed += 1 if (data.get("res") or {}).get("changed") else 0
            elif name == "runner_on_failed" and not data.get("ignore_errors"):
                h.failed += 1
            elif name == "runner_on_unreachable":
                h.unreachable += 1
        if name == "playbook_on_play_start":
            self.play = data.get("play", "")
        if self.quiet:
            return
        if self.live is not None:
            self.live.update(self.render())
            if name in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors"):
                self.live.console.print(self._failure_line(name, data), highlight=False)
            return
        if name == "playbook_on_play_start":
            self.console.print(f"[bold]PLAY[/] {data.get('play', '')}", highlight=False)
        elif name == "playbook_on_task_start":
            self.console.print(f"  [dim]{data.get('task', '')}[/]", highlight=False)
        elif name in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors"):
            self.console.print(self._failure_line(name, data), highlight=False)

    @staticmethod
    def _failure_line(name: str, data: dict) -> str:
        msg = "; ".join(failure_messages(data.get("res") or {}))
        return f"  [red]{name.split('_')[-1]}[/] {data.get('host')}: {str(msg)[:300]}"


def vault_password_file(inventory: Path | None) -> Path | None:
    """``$ANSIBLE_VAULT_PASSWORD_FILE``, else ``vault-password`` beside the inventory (a lab's)."""
    if os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE"):
        return Path(os.environ["ANSIBLE_VAULT_PASSWORD_FILE"])
    # No inventory given: ansible.cfg's default, the lab's.
    inventory = inventory if inventory is not None else default_inventory(project_root())
    if inventory.exists():
        candidate = Path(inventory).resolve()
        candidate = (candidate if candidate.is_dir() else candidate.parent) / "vault-password"
        if candidate.exists():
            return candidate
    return None


def run_playbook(
    playbook: str,
    *,
    inventory: Path | None = None,
    limit: str | None = None,
    check: bool = False,
    tags: str | None = None,
    extravars: dict | None = None,
    quiet: bool = False,
    config: Path | None = None,
    env: dict[str, str] | None = None,
    passwords: dict[str, str] | None = None,
) -> RunResult:
    """Run a playbook through ansible-runner. passwords: {"ssh": ..., "become": ...}, answered to
    ansible-playbook's own prompts (--ask-pass, --ask-become-pass) from memory, never written to a
    file (ansible-runner's env/ files are suppressed for such a run)."""
    from lpse import runtime

    root = project_root()
    path = Path(playbook)
    path = path if path.is_absolute() else (Path.cwd() / path if (Path.cwd() / path).exists() else root / path)
    if not path.exists():
        raise InputError(f"playbook not found: {playbook}")
    if inventory is not None and not Path(inventory).exists():
        raise InputError(f"inventory not found: {inventory}")
    tools = runtime.require("ansible-playbook", "lpse-playbook-guard", purpose="to run playbooks")
    target = Path(inventory) if inventory is not None else default_inventory(root)
    if limit:
        check_limit(target, limit)
    with runtime.exclusive_run(root / ".lpse", target, f"lpse: {path.name}"):
        return _run(root, path, target if inventory is not None else None, limit, check, tags, extravars, quiet,
                    config, env, tools, passwords or {})  # fmt: skip


def default_inventory(root: Path) -> Path:
    """The inventory ansible.cfg names (the lab's), as a path."""
    return root / "inventory" / "lab" / "hosts.yml"


def check_limit(inventory: Path, limit: str) -> None:
    """A ``--limit`` pattern that matches no host of the inventory is bad input, before any run."""
    from lpse.comply.connect import load_inventory

    if not inventory.exists():
        raise InputError(f"inventory not found: {inventory}")
    inv, _ = load_inventory(str(inventory))
    if not inv.get_hosts(limit):
        raise InputError(f"--limit {limit!r} matches no host of {inventory}")


SPECIAL_TAGS = {"all", "always", "never", "tagged", "untagged"}


def check_tags(playbook: str, inventory: Path | None, tags: str) -> None:
    """``--tags`` naming a tag no task of the playbook has is bad input: the run would do nothing."""
    import re
    import subprocess

    from lpse import runtime

    root = project_root()
    path = Path(playbook) if Path(playbook).is_absolute() else root / playbook
    binary = runtime.require("ansible-playbook", purpose="to list a playbook's tags")["ansible-playbook"]
    argv = [binary, "--list-tags", str(path), "-i", str(inventory or default_inventory(root))]
    env = {**os.environ, "ANSIBLE_CONFIG": str(root / "ansible.cfg")}
    vault = vault_password_file(inventory)
    if vault:
        env["ANSIBLE_VAULT_PASSWORD_FILE"] = str(vault)
    listed = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=root, timeout=120)
    if listed.returncode != 0:
        raise LpseError(f"cannot list the tags of {path.name}: {listed.stderr.strip()[-300:]}")
    known = {t.strip() for line in re.findall(r"TAGS: \[(.*)\]", listed.stdout) for t in line.split(",") if t}
    unknown = [t for t in tags.split(",") if t.strip() and t.strip() not in known | SPECIAL_TAGS]
    if unknown:
        raise InputError(f"--tags {','.join(unknown)}: no task of {path.name} has this tag")


# ansible-playbook's prompts for --ask-pass and --ask-become-pass.
PASSWORD_PROMPTS = {
    "ssh": (r"SSH password:\s*$", "--ask-pass"),
    "become": (r"BECOME password.*:\s*$", "--ask-become-pass"),
}


def _run(root, path, inventory, limit, check, tags, extravars, quiet, config, env, tools, passwords) -> RunResult:
    import ansible_runner

    # A fresh private data dir per run: ansible-runner writes its arguments (env/cmdline,
    # env/extravars, ...) into it and reads them back next time, so a shared dir would make a
    # normal run inherit an earlier --check.
    runs = root / ".lpse" / "runner"
    runs.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%dT%H%M%S-"), dir=runs))
    for old in sorted(p for p in runs.iterdir() if p.is_dir())[:-KEEP_RUNS]:
        shutil.rmtree(old, ignore_errors=True)
    # The guard stands in for ansible-playbook (ansible-runner's "binary"), so the playbook is an
    # argument like the others.
    asks = [PASSWORD_PROMPTS[kind][1] for kind in sorted(passwords)]
    cmdline = shlex.join([*(["--check", "--diff"] if check else []), *asks, str(path)])
    events: list[dict] = []
    progress = Progress(quiet)

    def on_event(event: dict) -> bool:
        events.append(event)
        progress.event(event)
        return True

    started = time.monotonic()
    # config: another ansible.cfg (bench/scale.py compares the project's with Ansible's defaults).
    # env: ANSIBLE_* settings over it (bench/scale.py turns the tuned settings off one at a time).
    env = {"ANSIBLE_CONFIG": str(config or root / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0", **(env or {})}
    vault_file = vault_password_file(Path(inventory) if inventory else None)
    if vault_file:
        env["ANSIBLE_VAULT_PASSWORD_FILE"] = str(vault_file)
    with progress:
        runner = ansible_runner.run(
            private_data_dir=str(data_dir),
            project_dir=str(root),
            playbook=str(path),
            inventory=str(Path(inventory).resolve()) if inventory else None,
            limit=limit,
            tags=tags,
            cmdline=cmdline,
            extravars=extravars or {},
            envvars={**env, "PATH": os.environ.get("PATH", ""), "LPSE_GUARD_BINARY": tools["ansible-playbook"]},
            binary=tools["lpse-playbook-guard"],
            quiet=True,
            event_handler=on_event,
            passwords={PASSWORD_PROMPTS[kind][0]: value for kind, value in passwords.items()},
            # Otherwise ansible-runner writes its arguments, passwords included, to env/ in the run's
            # directory (found by the lab test of lpse bootstrap); kept in memory instead.
            suppress_env_files=bool(passwords),
        )
    seconds = time.monotonic() - started
    stats = runner.stats or {}
    hosts: dict[str, dict[str, float]] = {}
    for key, label in (
        ("ok", "ok"),
        ("changed", "changed"),
        ("failures", "failed"),
        ("dark", "unreachable"),
        ("skipped", "skipped"),
    ):
        for host, n in (stats.get(key) or {}).items():
            hosts.setdefault(host, {})[label] = n
    for host, h in progress.hosts.items():
        hosts.setdefault(host, {})["seconds"] = h.seconds
    if not hosts:
        # ansible-playbook ran no task on any host: it could not start, or nothing matched.
        said = _stdout_tail(runner)
        if runner.rc == 0 or "no hosts matched" in said:
            raise InputError(f"{path.name} ran on no host (no host of its plays matched{_limit_text(limit)}): {said}")
        raise LpseError(f"ansible-playbook {path.name} failed before any task (exit {runner.rc}): {said}")
    return RunResult(
        str(path.relative_to(root)) if path.is_relative_to(root) else str(path),
        runner.status,
        runner.rc,
        seconds,
        Path(runner.config.artifact_dir),
        hosts,
        check,
        events,
    )


def _limit_text(limit: str | None) -> str:
    return f" --limit {limit!r}" if limit else ""


def _stdout_tail(runner, lines: int = 6) -> str:
    """The last lines ansible-playbook printed (warnings and errors), on one line."""
    try:
        text = runner.stdout.read()
    except (AttributeError, OSError, ValueError):
        return "(no output)"
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "(no output)"


def summary_table(result: RunResult) -> Table:
    title_key = "check_title" if result.check else "provision_title"
    table = Table(title=t(title_key, playbook=result.playbook, hosts=len(result.hosts), secs=result.seconds))
    table.add_column(t("host"))
    for col in ("ok", "changed", "failed", "unreachable", "time"):
        table.add_column(t(col), justify="right")
    for host in sorted(result.hosts):
        h = result.hosts[host]
        table.add_row(
            host,
            str(h.get("ok", 0)),
            f"[yellow]{h.get('changed', 0)}[/]" if h.get("changed") else "0",
            f"[red]{h.get('failed', 0)}[/]" if h.get("failed") else "0",
            f"[red]{h.get('unreachable', 0)}[/]" if h.get("unreachable") else "0",
            f"{h.get('seconds', 0):.1f} s",
        )
    return table
