"""The automation account (issue #20): the lab's inventory logs in to the servers and routers it
manages as a site's does (a named account with sudo), its ssh helper follows the host's state,
comply's checks and the router module run through sudo, and `lpse bootstrap` answers
ansible-playbook's password prompts without writing them anywhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lpse.lab import inventory
from lpse.lab.manager import Lab
from tests.conftest import ROOT

LAB = ROOT / "inventory/lab/topology.yml"


@pytest.fixture
def lab(tmp_path, monkeypatch) -> Lab:
    the_lab = Lab(LAB)
    monkeypatch.setattr(the_lab, "state", tmp_path / "state")
    (tmp_path / "state/ssh").mkdir(parents=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(the_lab.key)], check=True)
    return the_lab


SECRETS = {
    k: "x"
    for k in (
        "snmp_community",
        "switch_username",
        "switch_password",
        "vault_password",
        "spse_db_password",
        "backup_passphrase",
        "ups_primary_password",
        "ups_secondary_password",
    )
}


def test_servers_and_routers_are_reached_with_the_automation_account_and_sudo(lab):
    inv = inventory.build(lab, SECRETS)
    children = inv["all"]["children"]
    for group in inventory.MANAGED_GROUPS:
        assert children[group]["vars"] == {"ansible_user": inventory.AUTOMATION_USER, "ansible_become": True}
    # The lab's outside hosts (internet clients, LKPP's monitor) are not LPSE servers: root, as before.
    assert children["linux"]["vars"]["ansible_user"] == "root"
    assert "vars" not in children["lab_external"]
    lab_vars = inv["all"]["vars"]
    assert lab_vars["accounts_automation_user"] == inventory.AUTOMATION_USER
    assert lab_vars["accounts_automation_ssh_keys"] == [lab.key.with_suffix(".pub").read_text().strip()]


def test_ssh_goes_through_sudo_once_the_host_is_bootstrapped(lab):
    argv = lab.ssh_argv("spse-db-01", ["echo 'a b' > /root/x"])
    assert argv[-2].startswith("root@") and argv[-1] == "echo 'a b' > /root/x"
    keys = lab.host_dir("spse-db-01") / "upper/home" / inventory.AUTOMATION_USER / ".ssh/authorized_keys"
    keys.parent.mkdir(parents=True)
    keys.write_text("")
    argv = lab.ssh_argv("spse-db-01", ["echo 'a b' > /root/x"])
    at = argv.index(f"{inventory.AUTOMATION_USER}@10.213.0.12")
    assert argv[at + 1 :] == ["sudo", "-n", "--", "sh", "-c", "'echo '\"'\"'a b'\"'\"' > /root/x'"]
    # A shell is a root login shell, on a terminal.
    shell = lab.ssh_argv("spse-db-01")
    assert shell[1] == "-t" and shell[-2:] == ["sudo", "-i"]


def test_an_outside_host_keeps_root(lab):
    argv = lab.ssh_argv("outside-01", ["true"])
    assert argv[-2] == "root@198.51.100.10"


def test_checks_run_through_sudo_when_the_inventory_says_become(monkeypatch):
    from lpse.comply import connect

    seen = {}

    class FakeTestinfra:
        @staticmethod
        def get_host(spec, **kwargs):
            seen.update(spec=spec, **kwargs)
            return spec

    hv = {"ansible_host": "10.0.0.5", "ansible_user": "ops", "ansible_become": True}
    monkeypatch.setattr(connect, "hostvars", lambda _inv, _name: hv)
    connect._testinfra_host(FakeTestinfra, "inv", "app")
    assert seen["spec"] == "ssh://ops@10.0.0.5:22" and seen["sudo"] is True and "sudo_user" not in seen
    seen.clear()
    hv["ansible_become"] = "false"
    connect._testinfra_host(FakeTestinfra, "inv", "app")
    assert "sudo" not in seen


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), ("yes", True), ("True", True), ("no", False), (0, False)]
)
def test_become_is_read_as_ansible_reads_it(value, expected):
    from lpse.comply.connect import becomes

    assert becomes({"ansible_become": value}) is expected
    assert becomes({}) is False


def test_a_router_changes_as_root_through_sudo_only_when_told():
    import sys

    sys.path.insert(0, str(ROOT / "module_utils"))
    import lpse_netdev

    dev = lpse_netdev.Device.__new__(lpse_netdev.Device)
    dev.p = {"sudo": True}
    assert dev._as_root("ip route replace 10.0.0.0/24 via 10.0.0.1") == (
        "sudo -n sh -c 'ip route replace 10.0.0.0/24 via 10.0.0.1'"
    )
    dev.p = {"sudo": False}
    assert dev._as_root("true") == "true"


def test_bootstrap_answers_the_password_prompts_in_memory(monkeypatch, tmp_path):
    import ansible_runner

    from lpse import runner

    seen = {}

    class Result:
        rc, status, stats, config = 0, "successful", {"ok": {"spse-db-01": 3}}, None

    def fake_run(**kwargs):
        seen.update(kwargs)
        result = Result()
        result.config = type("C", (), {"artifact_dir": str(tmp_path)})()
        return result

    monkeypatch.setattr(ansible_runner, "run", fake_run)
    runner.run_playbook(
        "playbooks/bootstrap.yml",
        inventory=ROOT / "inventory/lab/topology.yml",
        extravars={"bootstrap_login": "admin"},
        passwords={"ssh": "s3cret", "become": "s3cret2"},
        quiet=True,
    )
    assert "--ask-pass" in seen["cmdline"] and "--ask-become-pass" in seen["cmdline"]
    assert "s3cret" not in seen["cmdline"] and "s3cret" not in str(seen["extravars"])
    assert sorted(seen["passwords"].values()) == ["s3cret", "s3cret2"]
    assert seen["suppress_env_files"] is True  # else ansible-runner writes env/passwords
    assert any("SSH password" in p for p in seen["passwords"])
    assert not any(
        "s3cret" in p.read_text(errors="replace") for p in Path(seen["private_data_dir"]).rglob("*") if p.is_file()
    )


def test_authorized_keys_are_read_as_sshd_reads_them():
    from tests.conftest import load_checks

    keys = load_checks("test_accounts.py").parse_keys(
        "# Managed by lpse-dc\n\n"
        'from="10.0.0.0/8",no-pty ssh-ed25519 AAAAkey1 ops@control\n'
        "ssh-rsa AAAAkey2\n"
        'command="/bin/false" ecdsa-sha2-nistp256 AAAAkey3 with a long comment\n'
        "not a key line\n"
    )
    assert keys == {
        ("ssh-ed25519", "AAAAkey1"): "ops@control",
        ("ssh-rsa", "AAAAkey2"): "",
        ("ecdsa-sha2-nistp256", "AAAAkey3"): "with a long comment",
    }
