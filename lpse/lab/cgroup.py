"""cgroup v2 subtrees that hold every process of a lab, so nothing can be left behind.

Layout: <root>/lpse-lab/<lab>/<member>/{supervisor,host} for hosts and <...>/<member> for device
and mirror processes. On a hybrid machine the v2 tree is /sys/fs/cgroup/unified; on a pure v2
machine it is /sys/fs/cgroup.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from lpse.errors import EnvironmentProblem


def root() -> Path:
    for candidate in (Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup")):
        if (candidate / "cgroup.procs").exists() and (candidate / "cgroup.max.depth").exists():
            return candidate / "lpse-lab"
    raise EnvironmentProblem(
        "no cgroup v2 hierarchy found (looked at /sys/fs/cgroup/unified and /sys/fs/cgroup): "
        "the lab needs one to boot systemd in its hosts"
    )


def lab_dir(lab: str) -> Path:
    return root() / lab


def create(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def procs(path: Path) -> list[int]:
    """Every PID in the subtree (empty if the cgroup does not exist)."""
    pids: list[int] = []
    if not path.exists():
        return pids
    for dirpath, _dirs, files in os.walk(path):
        if "cgroup.procs" in files:
            try:
                text = Path(dirpath, "cgroup.procs").read_text()
            except OSError:
                continue
            pids.extend(int(p) for p in text.split())
    return pids


def kill(path: Path, timeout: float = 10.0) -> None:
    """Kill every process in the subtree and remove it (retrying while the kernel says EBUSY)."""
    if not path.exists():
        return
    deadline = time.monotonic() + timeout
    while True:
        if (path / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                (path / "cgroup.kill").write_text("1")
        for pid in procs(path):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if _remove_tree(path):
            return
        if time.monotonic() > deadline:
            raise EnvironmentProblem(f"cannot remove cgroup {path}: processes {procs(path)} do not die")
        time.sleep(0.05)


def _remove_tree(path: Path) -> bool:
    for dirpath, _dirs, _files in sorted(os.walk(path), key=lambda e: -len(e[0])):
        try:
            os.rmdir(dirpath)
        except FileNotFoundError:
            pass
        except OSError:
            return False
    return True
