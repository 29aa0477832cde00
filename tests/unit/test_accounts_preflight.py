"""The accounts role refuses, before any change, a run that would take sudo away from the
account Ansible logs in with (it would lose its own rights half-way through the run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - ansible.builtin.import_role:
        name: accounts
        tasks_from: preflight
"""


def preflight(tmp_path: Path, **extra) -> subprocess.CompletedProcess:
    (tmp_path / "play.yml").write_text(PLAY)
    env = {**os.environ, "ANSIBLE_ROLES_PATH": str(ROOT / "roles"), "ANSIBLE_NOCOLOR": "1"}
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    binary = Path(sys.executable).parent / "ansible-playbook"
    return subprocess.run(
        [str(binary), "-i", "localhost,", str(tmp_path / "play.yml"), "-e", json.dumps(extra)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )


STAFF = [{"name": "budi", "role": "admin_sistem"}, {"name": "sari", "role": "layanan_dukungan"}]


@pytest.mark.parametrize("user", ["budi", "deploy"])
def test_the_login_account_keeps_its_sudo(tmp_path, user):
    extra = {"ansible_user": user, "accounts_staff": STAFF}
    if user == "deploy":
        extra["accounts_sudo_allowed"] = ["deploy"]
    result = preflight(tmp_path, **extra)
    assert result.returncode == 0, result.stdout[-2000:]


@pytest.mark.parametrize("user", ["sari"])
def test_a_run_that_would_take_sudo_from_its_own_login_is_refused(tmp_path, user):
    result = preflight(tmp_path, ansible_user=user, accounts_staff=STAFF)
    assert result.returncode != 0
    assert f"Ansible logs in to localhost as {user}" in result.stdout
    assert "accounts_sudo_allowed" in result.stdout


def test_a_sudo_allowed_entry_that_is_not_a_user_name_is_refused(tmp_path):
    result = preflight(tmp_path, ansible_user="root", accounts_sudo_allowed=["ALL ALL=(ALL) NOPASSWD: ALL #"])
    assert result.returncode != 0
    assert "accounts_sudo_allowed must list Linux user names" in result.stdout


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBD9ZAkCVnR9GGP8F7Pg/djllVX52Tz9KcUS5jPe6YEa ops@control"


def test_the_automation_account_keeps_its_sudo(tmp_path):
    result = preflight(
        tmp_path,
        ansible_user="lpse-automation",
        accounts_staff=STAFF,
        accounts_automation_user="lpse-automation",
        accounts_automation_ssh_keys=[KEY],
    )
    assert result.returncode == 0, result.stdout[-2000:]


BAD_AUTOMATION = {
    "root": ("root", [KEY], "other than root"),
    "staff": ("budi", [KEY], "staff names"),
    "lkpp": ("lkpp-monitor", [KEY], "accounts_lkpp_user"),
    "spaces": ("Ops Team", [KEY], "a Linux user name"),
    "nokey": ("lpse-automation", [], "must hold its public key"),
}


def test_a_bad_automation_account_is_refused_before_any_change(tmp_path):
    # One ansible-playbook run, one local host per case: each fails on its own.
    inventory = {
        "all": {
            "hosts": {
                case: {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": sys.executable,
                    "accounts_automation_user": user,
                    "accounts_automation_ssh_keys": keys,
                }
                for case, (user, keys, _why) in BAD_AUTOMATION.items()
            }
        }
    }
    (tmp_path / "inventory.json").write_text(json.dumps(inventory))
    (tmp_path / "play.yml").write_text(PLAY.replace("hosts: localhost", "hosts: all"))
    env = {**os.environ, "ANSIBLE_ROLES_PATH": str(ROOT / "roles"), "ANSIBLE_NOCOLOR": "1"}
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(tmp_path / "inventory.json"),
            str(tmp_path / "play.yml"),
            "-e",
            json.dumps({"accounts_staff": STAFF}),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode != 0
    for case, (_user, _keys, why) in BAD_AUTOMATION.items():
        failure = next((line for line in result.stdout.splitlines() if line.startswith(f"fatal: [{case}]")), "")
        said = result.stdout[result.stdout.find(f"fatal: [{case}]") :].split("\nfatal: [")[0]
        assert failure and "accounts_automation_user" in said and why in said, (case, said)


def test_an_automation_key_that_does_not_parse_is_named(tmp_path):
    result = preflight(
        tmp_path,
        accounts_staff=STAFF,
        accounts_automation_user="lpse-automation",
        accounts_automation_ssh_keys=["ssh-ed25519 not-base64!"],
    )
    assert result.returncode != 0
    assert "lpse-automation: key" in result.stdout
