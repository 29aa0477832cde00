"""`lpse site init` and `lpse site check` (issue #20): a site directory a real LPSE keeps in its own
version control, and a check of it on the control node that names each problem before any host is
touched (bad types, a login the first provision would lock out, an automation account that does
not match, a wrong vault password, a waiver for no control)."""

from __future__ import annotations

import stat

import pytest
import yaml

from lpse.errors import InputError
from lpse.site import check_site, init_site
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("site") / "lpse-contoh"
    init_site(directory, ROOT, "LPSE Kabupaten Contoh")
    return directory


def copy_of(site, tmp_path, edit=None):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(site, copy)
    if edit:
        path = copy / "inventory/hosts.yml"
        path.write_text(edit(path.read_text()))
    return copy


def test_a_new_site_holds_every_file_and_keeps_its_secrets_out_of_the_text(site):
    for rel in ("inventory/hosts.yml", "inventory/waivers.yml", "ansible.cfg", ".gitignore", "ci/compliance.yml"):
        assert (site / rel).is_file(), rel
    assert stat.S_IMODE((site / "inventory/vault-password").stat().st_mode) == 0o600
    ignored = (site / ".gitignore").read_text().split()
    assert "inventory/vault-password" in ignored and "keys/" in ignored
    text = (site / "inventory/hosts.yml").read_text()
    assert text.count("$ANSIBLE_VAULT;1.1;AES256") == 4
    assert (site / "keys/automation_ed25519.pub").read_text().split()[1] in text
    inventory = yaml.load(text, Loader=yaml.BaseLoader)  # BaseLoader reads !vault as text
    assert set(inventory["all"]["children"]["linux"]["children"]["lpse_servers"]["children"]) == {
        "spse_app",
        "spse_db",
        "mgmt",
    }


def test_a_new_site_passes_its_check(site):
    assert check_site(site / "inventory/hosts.yml", ROOT) == []


def test_init_refuses_a_directory_that_holds_a_site_and_writes_nothing(site):
    before = sorted(p.name for p in site.rglob("*"))
    with pytest.raises(InputError, match=r"already holds inventory/hosts\.yml"):
        init_site(site, ROOT, "LPSE Lain")
    assert sorted(p.name for p in site.rglob("*")) == before


KEYS = "    accounts_automation_ssh_keys:\n      - "
OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBD9ZAkCVnR9GGP8F7Pg/djllVX52Tz9KcUS5jPe6YEa other"
DB_GROUP = (
    "            spse_db:\n              hosts:\n                spse-db-01:\n"
    "                  ansible_host: 192.0.2.12\n"
)


@pytest.mark.parametrize(
    ("edit", "host", "where", "says"),
    [
        (
            lambda s: s.replace(
                "ansible_host: 192.0.2.12\n", "ansible_host: 192.0.2.12\n                  spse_db_memory_mb: lots\n"
            ),
            "spse-db-01",
            "role spse_db",
            "spse_db_memory_mb",
        ),
        (
            lambda s: s.replace(
                "        ansible_user: lpse-automation\n        ansible_become: true\n", "        ansible_user: root\n"
            ),
            "spse-app-01",
            "ansible_user",
            "would lock it out",
        ),
        (
            lambda s: s.replace("        ansible_become: true\n", ""),
            "mgmt-01",
            "ansible_become",
            "without become",
        ),
        (
            lambda s: s.replace("accounts_automation_user: lpse-automation", "accounts_automation_user: ops"),
            "spse-db-01",
            "accounts_automation_user",
            "is ops, but Ansible logs in as lpse-automation",
        ),
        (
            lambda s: s.replace(KEYS, KEYS + OTHER_KEY + "\n      # "),
            "edge-01",
            "accounts_automation_ssh_keys",
            "does not hold automation_ed25519.pub",
        ),
        (
            lambda s: s.replace(DB_GROUP, "            spse_db: {}\n"),
            "-",
            "group spse_db",
            "has no host",
        ),
    ],
    ids=["bad-type", "root-lockout", "no-become", "other-account", "key-not-installed", "no-database"],
)
def test_check_names_each_problem_with_its_host_and_place(site, tmp_path, edit, host, where, says):
    copy = copy_of(site, tmp_path, edit)
    problems = check_site(copy / "inventory/hosts.yml", ROOT)
    assert any(p.host == host and p.where == where and says in p.what for p in problems), problems


def test_a_wrong_vault_password_is_named_on_each_secret(site, tmp_path):
    copy = copy_of(site, tmp_path)
    (copy / "inventory/vault-password").write_text("not-the-password\n")
    problems = check_site(copy / "inventory/hosts.yml", ROOT)
    secrets = {p.where for p in problems if "undecryptable" in p.what or "Decryption failed" in p.what}
    assert {"spse_db_password", "backup_encryption_passphrase", "ups_primary_password"} <= secrets, problems


def test_a_waiver_for_no_control_and_an_unreadable_inventory_are_problems_not_tracebacks(site, tmp_path):
    copy = copy_of(site, tmp_path)
    (copy / "inventory/waivers.yml").write_text(
        "waivers:\n  - {control: LPSE-99-NOPE, hosts: [all], justification: x, approved_by: y, expires: 2027-01-01}\n"
    )
    assert any("unknown control 'LPSE-99-NOPE'" in p.what for p in check_site(copy / "inventory/hosts.yml", ROOT))
    (copy / "inventory/hosts.yml").write_text("all:\n  children: [unclosed\n")
    problems = check_site(copy / "inventory/hosts.yml", ROOT)
    assert problems and problems[0].host == "-"


def test_the_cli_prints_a_table_and_exits_1(site, tmp_path):
    from click.testing import CliRunner

    from lpse.cli import main

    ok = CliRunner().invoke(main, ["--lang", "en", "site", "check", str(site)])
    assert ok.exit_code == 0 and "passes" in ok.output
    copy = copy_of(site, tmp_path, lambda s: s.replace("        ansible_become: true\n", ""))
    bad = CliRunner().invoke(main, ["--lang", "en", "site", "check", str(copy)])
    assert bad.exit_code == 1 and "without become" in bad.output and "Traceback" not in bad.output
