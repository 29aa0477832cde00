"""``lpse-playbook-guard``: runs ``ansible-playbook`` so that it never outlives ``lpse``.

ansible-runner starts the binary it is given in a pseudo-terminal; ``lpse`` gives it this guard.
The guard asks the kernel to signal it when its parent (the ``lpse`` process) dies, even by
SIGKILL (``PR_SET_PDEATHSIG``), starts ansible-playbook as its child and, on that signal or on
SIGTERM/SIGINT/SIGHUP, stops ansible-playbook's whole process tree: SIGINT first (Ansible then
stops its workers and closes its connections, so the hosts' Mitogen children see their stream
end and exit), SIGTERM after a grace period, SIGKILL last. Its exit status is ansible-playbook's.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
GRACE_SECONDS = float(os.environ.get("LPSE_GUARD_GRACE", "10"))


def descendants(pid: int) -> list[int]:
    """Every live process under ``pid``, parents before children (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: the ppid follows the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(0), []):
            out.append(child)
            todo.append(child)
    return out


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def stop_tree(child: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """Stop ``child`` and everything it started: SIGINT, then SIGTERM, then SIGKILL."""
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, grace / 2), (signal.SIGKILL, 2.0)):
        tree = descendants(os.getpid())  # the guard is a subreaper: orphans of the tree stay under it
        if not tree:
            return
        _signal_all(tree, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            child.poll()
            _reap()
            if not descendants(os.getpid()):
                return
            time.sleep(0.1)


def _reap() -> None:
    """Collect exited orphans that were reparented to the guard."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the parent's own handlers must do
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        return 143
    binary = os.environ.get("LPSE_GUARD_BINARY", "ansible-playbook")
    try:
        child = subprocess.Popen([binary, *argv])
    except FileNotFoundError:
        print(f"lpse-playbook-guard: {binary} not found on PATH", file=sys.stderr)
        return 127
    stopping: list[int] = []

    def on_signal(signum, _frame) -> None:
        stopping.append(signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    while child.poll() is None and not stopping:
        time.sleep(0.2)
    if stopping:
        stop_tree(child)
        return 128 + stopping[0]
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
