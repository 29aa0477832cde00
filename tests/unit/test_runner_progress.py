"""Live progress and the per-host summary of a playbook run, from ansible-runner job events
shaped as ansible-runner writes them (lpse/runner.py)."""

import io

from rich.console import Console

from lpse.i18n import t
from lpse.runner import Progress, RunResult, summary_table


def ev(name: str, host: str | None = None, second: int = 0, **data) -> dict:
    event_data = {"host": host, **data} if host else dict(data)
    return {"event": name, "created": f"2026-11-26T07:00:{second:02d}.000000", "event_data": event_data}


EVENTS = [
    ev("playbook_on_play_start", play="Base configuration"),
    ev("playbook_on_task_start", task="Set the timezone"),
    ev("runner_on_start", "app-01", 0, task="Set the timezone"),
    ev("runner_on_start", "db-01", 1, task="Set the timezone"),
    ev("runner_on_ok", "app-01", 3, task="Set the timezone", res={"changed": True}),
    ev("runner_on_unreachable", "db-01", 9, task="Set the timezone", res={"msg": "ssh: connect to host: No route"}),
    ev("playbook_on_task_start", task="Write the banner"),
    ev("runner_on_start", "app-01", 10, task="Write the banner"),
    ev("runner_on_failed", "app-01", 12, task="Write the banner", res={"msg": "disk full"}),
]


def test_counts_and_time_per_host_from_the_events():
    progress = Progress(quiet=True)
    for e in EVENTS:
        progress.event(e)
    app, db = progress.hosts["app-01"], progress.hosts["db-01"]
    assert (app.ok, app.changed, app.failed, app.unreachable, app.seconds) == (1, 1, 1, 0, 12.0)
    assert (db.ok, db.unreachable, db.seconds, db.task) == (0, 1, 8.0, "Set the timezone")
    assert progress.play == "Base configuration"


def test_without_a_terminal_each_play_task_and_failure_is_a_line():
    out = io.StringIO()
    with Progress(out=Console(file=out, force_terminal=False, width=200)) as progress:
        for e in EVENTS:
            progress.event(e)
    lines = out.getvalue().splitlines()
    assert lines == [
        "PLAY Base configuration",
        "  Set the timezone",
        "  unreachable db-01: ssh: connect to host: No route",
        "  Write the banner",
        "  failed app-01: disk full",
    ]


def test_on_a_terminal_a_live_table_shows_each_host_and_its_task():
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=120)
    with Progress(out=terminal) as progress:
        for e in EVENTS[:4]:
            progress.event(e)
        table = progress.render()
    keys = ("host", "task", "ok", "changed", "failed", "unreachable", "time")
    assert [c.header for c in table.columns] == [t(k) for k in keys]  # in the operator's language
    assert table.row_count == 2
    assert "app-01" in out.getvalue() and "Set the timezone" in out.getvalue()


def test_the_summary_has_a_row_and_a_time_per_host():
    result = RunResult(
        "playbooks/site.yml",
        "failed",
        2,
        12.0,
        artifacts=__import__("pathlib").Path("/tmp"),
        hosts={"app-01": {"ok": 1, "changed": 1, "failed": 1, "seconds": 12.0}, "db-01": {"unreachable": 1}},
    )
    out = io.StringIO()
    Console(file=out, width=160).print(summary_table(result))
    text = out.getvalue()
    assert "app-01" in text and "12.0 s" in text and "db-01" in text
    assert result.total("unreachable") == 1 and result.total("failed") == 1
