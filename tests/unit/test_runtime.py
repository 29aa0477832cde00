"""lpse finds its own tools, names a missing one, and runs one playbook at a time per inventory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from lpse import runtime
from lpse.errors import EnvironmentProblem


def test_the_interpreters_own_bin_comes_first(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    runtime.own_tools_first()
    assert os.environ["PATH"].split(os.pathsep)[0] == str(runtime.bin_dir())
    runtime.own_tools_first()  # idempotent
    assert os.environ["PATH"].split(os.pathsep).count(str(runtime.bin_dir())) == 1


def test_a_missing_tool_is_one_error_naming_it(monkeypatch):
    with pytest.raises(EnvironmentProblem, match=r"no-such-tool-xyz not found \(needed to run playbooks\)"):
        runtime.require("sh", "no-such-tool-xyz", purpose="to run playbooks")


def test_ansible_tools_are_found_without_an_activated_venv(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    found = runtime.require("ansible-playbook", "ansible-inventory", purpose="test")
    assert all(path.startswith(str(runtime.bin_dir())) for path in found.values())


def test_a_second_run_on_the_same_inventory_is_refused_naming_the_holder(tmp_path):
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all: {}\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, pathlib; from lpse import runtime\n"
            "with runtime.exclusive_run(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), 'lpse: site.yml'):\n"
            "    print('held', flush=True); time.sleep(30)",
            str(tmp_path / "state"),
            str(inventory),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(runtime.RunLocked, match=rf"in use by another run: pid {holder.pid} \(lpse: site.yml\)"),
            runtime.exclusive_run(tmp_path / "state", inventory, "second"),
        ):
            pass
    finally:
        holder.kill()
        holder.wait()
    # The holder was killed: its lock went with it.
    with runtime.exclusive_run(tmp_path / "state", inventory, "third"):
        lock = next((tmp_path / "state" / "locks").glob("*.lock"))
        assert json.loads(lock.read_text())["what"] == "third"


def test_another_inventory_is_not_held(tmp_path):
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text("all: {}\n")
    b.write_text("all: {}\n")
    with runtime.exclusive_run(tmp_path, a, "a"), runtime.exclusive_run(tmp_path, b, "b"):
        time.sleep(0)
