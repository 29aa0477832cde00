"""Commands on audited hosts, with three honest outcomes.

A check decides a control: it passes, or it fails because the host is not as the control asks.
When the check cannot even look (SSH refused or cut, a tool missing on the host, a record it
cannot read, a lock held by another operation, a timeout), the control is undecided: the check
raises :class:`CheckError`, which ``lpse comply`` reports as an **error** whose evidence is the
real cause (exit status and what the command said), never as a failure.

``connect.testinfra_host`` installs :func:`guard` on every host it builds, so a transport failure
or a missing tool becomes a ``CheckError`` in every check, and ``host.check_output`` raises one
instead of an ``AssertionError`` (which would read as a failed control).
"""

from __future__ import annotations

import re
from typing import Any

# What ssh itself says when it cannot carry a command (it then exits 255).
SSH_FAILURE = re.compile(
    r"ssh: |Connection (refused|closed|timed out|reset)|Permission denied \(|Host key verification failed|"
    r"kex_exchange_identification|Could not resolve hostname|No route to host|Timeout, server .* not responding|"
    r"mux_client_|Broken pipe|Network is unreachable|banner exchange",
    re.IGNORECASE,
)


class CheckError(Exception):
    """The check could not run; its message is the cause (shown as the result's evidence)."""


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else (value or "")


def said(result: Any, lines: int = 3) -> str:
    """The last lines a command wrote to stderr (else stdout), on one line: the cause, not a banner."""
    text = _text(getattr(result, "stderr", "")).strip() or _text(getattr(result, "stdout", "")).strip()
    kept = [line.strip() for line in text.splitlines() if line.strip() and set(line.strip()) != {"*"}]
    return " | ".join(kept[-lines:]) or "(nothing)"


def classify(command: str, rc: int, stderr: str) -> str | None:
    """Why a command's result cannot be used to decide anything (None: it can)."""
    if rc == 255 and SSH_FAILURE.search(_text(stderr)):
        return "SSH"
    if rc == 127:
        return "missing"
    return None


def guard(host: Any, name: str) -> Any:
    """Make ``host`` raise :class:`CheckError` when a command cannot be carried out on it."""
    backend = host.backend
    original = backend.run

    def run(command: str, *args: Any, **kwargs: Any):
        try:
            result = original(command, *args, **kwargs)
        except RuntimeError as exc:
            # testinfra's ssh backend raises its result when ssh exits 255 (ssh's own failure).
            result = exc.args[0] if exc.args and hasattr(exc.args[0], "rc") else None
            if result is None:
                raise
        kind = classify(command, result.rc, result.stderr)
        if kind == "SSH":
            raise CheckError(f"cannot reach {name} over SSH (exit 255): {said(result)}")
        if kind == "missing":
            raise CheckError(
                f"cannot run `{_short(result.command)}` on {name} (exit {result.rc}: {said(result)}): "
                "a tool the check needs is missing there"
            )
        return result

    def check_output(command: str, *args: Any, **kwargs: Any) -> str:
        result = host.run(command, *args, **kwargs)
        if result.rc != 0:
            raise CheckError(f"`{_short(result.command)}` failed on {name} (exit {result.rc}): {said(result)}")
        return result.stdout.rstrip("\r\n")

    backend.run = run
    host.check_output = check_output
    return host


def must(host: Any, command: str, *args: Any, what: str | None = None, ok: tuple[int, ...] = (0,)) -> Any:
    """Run a command whose failure means the check cannot look (not that the control fails)."""
    result = host.run(command, *args)
    if result.rc not in ok:
        raise CheckError(f"{what or '`' + _short(result.command) + '`'} failed (exit {result.rc}): {said(result)}")
    return result


def _short(command: Any, limit: int = 120) -> str:
    text = command.decode(errors="replace") if isinstance(command, bytes) else str(command)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def require_timer(host: Any, evidence: Any, timer: str, makes: str) -> None:
    """A recorder's, probe's or backup's timer must be enabled and waiting: one a person stopped or
    disabled fails its control at once, not when its newest record has grown too old."""
    out = host.run("systemctl show %s -p LoadState,UnitFileState,ActiveState", timer).stdout
    state = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    load, enabled, active = (state.get(k) or "?" for k in ("LoadState", "UnitFileState", "ActiveState"))
    evidence.add(f"{timer}: {enabled if load == 'loaded' else 'not installed'}, {active}")
    assert load == "loaded", f"{timer} is not installed: {makes} nothing"
    assert enabled == "enabled", f"{timer} is {enabled or 'not enabled'}: {makes} nothing after a reboot"
    assert active == "active", f"{timer} is {active} (stopped): {makes} nothing"
