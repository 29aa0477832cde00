"""lpse-playbook-guard: ansible-playbook never outlives the lpse process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lpse import guard


def _with_marker(marker: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if marker.encode() in cmdline and state != "Z":
                pids.append(int(entry))
    return pids


def _wait_gone(marker: str, seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = _with_marker(marker)
        if not left:
            return []
        time.sleep(0.2)
    return _with_marker(marker)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_however_the_parent_dies_the_whole_tree_stops(tmp_path, sig):
    marker = f"lpse-guard-test-{uuid.uuid4().hex}"
    # A stand-in for ansible-playbook that starts a worker in its own session (as ssh masters do)
    # and a plain child, then waits.
    fake = tmp_path / "fake-playbook"
    nap = f"{sys.executable} -c 'import time; time.sleep(300)'"
    fake.write_text(f"#!/bin/sh\nsetsid {nap} {marker}-worker &\n{nap} {marker}-child &\nexec {nap} {marker}-main\n")
    fake.chmod(0o755)
    # The parent plays lpse: it starts the guard, then is SIGKILLed.
    parent = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys, time; subprocess.Popen(sys.argv[1:]); time.sleep(300)",
         sys.executable, "-m", "lpse.guard", marker],
        env={**os.environ, "LPSE_GUARD_BINARY": str(fake), "LPSE_GUARD_GRACE": "1"},
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while len(_with_marker(marker)) < 4 and time.monotonic() < deadline:  # guard + 3 stand-ins
        time.sleep(0.1)
    assert len(_with_marker(marker)) >= 4, "the stand-in did not start"
    parent.send_signal(sig)
    parent.wait()
    assert _wait_gone(marker) == [], "processes outlived the killed parent"


def test_the_guard_passes_on_the_exit_status(tmp_path):
    fake = tmp_path / "fake"
    fake.write_text("#!/bin/sh\nexit 4\n")
    fake.chmod(0o755)
    rc = subprocess.run(
        [sys.executable, "-m", "lpse.guard", "x"], env={**os.environ, "LPSE_GUARD_BINARY": str(fake)}
    ).returncode
    assert rc == 4


def test_a_missing_binary_is_named(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LPSE_GUARD_BINARY", str(tmp_path / "nowhere"))
    assert guard.main(["x"]) == 127
    assert "nowhere not found" in capsys.readouterr().err


def test_descendants_lists_children_and_grandchildren():
    child = subprocess.Popen(["sh", "-c", "sleep 30 & sleep 30"])
    try:
        time.sleep(0.3)
        tree = guard.descendants(os.getpid())
        assert child.pid in tree
        assert len([p for p in tree if p != child.pid]) >= 1
    finally:
        for pid in guard.descendants(child.pid):
            os.kill(pid, signal.SIGKILL)
        child.kill()
        child.wait()
