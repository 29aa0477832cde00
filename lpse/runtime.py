"""What ``lpse`` needs from the machine it runs on: its own tools, and one run at a time.

``lpse`` is often started as ``.venv/bin/lpse`` without activating the venv; the Ansible tools it
drives (``ansible-playbook``, ``ansible-inventory``) live beside its interpreter, not on the
caller's PATH. :func:`own_tools_first` puts that directory first, and :func:`require` turns a
tool that is still missing into one clear error naming it, before anything runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from lpse.errors import EnvironmentProblem, LpseError


def bin_dir() -> Path:
    """The directory of the interpreter running ``lpse`` (a venv's ``bin``), not resolved."""
    return Path(sys.executable).parent


def own_tools_first() -> None:
    """Put the interpreter's own ``bin`` first on PATH (for this process and what it starts)."""
    own = str(bin_dir())
    parts = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    if not parts or parts[0] != own:
        os.environ["PATH"] = os.pathsep.join([own, *[p for p in parts if p != own]])


def require(*tools: str, purpose: str) -> dict[str, str]:
    """{tool: path} for every tool, or one error naming each missing tool and where it was sought."""
    own_tools_first()
    found = {name: shutil.which(name) for name in tools}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise EnvironmentProblem(
            f"{', '.join(missing)} not found (needed {purpose}); looked in {bin_dir()} and on PATH. "
            "Install lpse-dc with its requirements (make venv, or pip install lpse-dc) and run that lpse."
        )
    return {name: str(path) for name, path in found.items()}


class RunLocked(LpseError):
    """Another run holds the inventory."""

    exit_code = 1


@contextlib.contextmanager
def exclusive_run(state_dir: Path, inventory: Path, what: str) -> Iterator[None]:
    """Hold the inventory for one run; a second run while one holds it is refused, naming the holder.

    A kernel lock (flock) on ``<state_dir>/locks/<hash of the inventory path>.lock``: it ends with
    the process that holds it, however that process ends, so a killed run never leaves it behind.
    """
    locks = state_dir / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(str(inventory.resolve()).encode()).hexdigest()[:16]
    path = locks / f"{key}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(f"{inventory} is in use by another run: {describe_holder(path)}") from None
        holder = {
            "pid": os.getpid(),
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "what": what,
            "inventory": str(inventory),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield
    finally:
        os.close(fd)


def describe_holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    if not holder.get("pid"):
        return "its holder did not say who it is"
    return f"pid {holder['pid']} ({holder.get('what', '?')}), started {holder.get('started', '?')}"
