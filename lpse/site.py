"""A site: what a real LPSE keeps in its own version control (``lpse site init``), checked on the
control node before anything touches a host (``lpse site check``).

A site directory holds ``inventory/hosts.yml`` (its servers, devices and every setting),
``inventory/waivers.yml``, ``ansible.cfg`` pointing at this project's roles, a CI file, and two
git-ignored secrets: ``inventory/vault-password`` (every generated secret in the inventory is
vault-encrypted with it) and ``keys/automation_ed25519`` (the automation account's private key).

The check reads the inventory the way Ansible will (vault, groups, templates) and holds every
host's settings against the argument specs of the roles ``playbooks/site.yml`` applies to it, the
automation account's settings against each other, and the waivers against the catalogue.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from lpse.errors import InputError

# The groups site.yml needs hosts in, and those it can use.
REQUIRED_GROUPS = ("spse_app", "spse_db", "mgmt")
OPTIONAL_GROUPS = ("routers", "switches", "ups", "env_sensors")


_PLUGINS_READY = False


@dataclass(frozen=True)
class Problem:
    host: str  # "-" for the site as a whole
    where: str  # the variable or file
    what: str


# --- check ------------------------------------------------------------------------------------


def _inventory(inventory: Path, vault_password_file: Path | None):
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import VaultSecret, VaultSecretsContext
    from ansible.plugins.loader import init_plugin_loader
    from ansible.vars.manager import VariableManager

    global _PLUGINS_READY
    if not _PLUGINS_READY:
        init_plugin_loader()  # lookups in the inventory's templates (file, env, ...)
        _PLUGINS_READY = True
    loader = DataLoader()
    if vault_password_file is not None:
        secret = [("default", VaultSecret(vault_password_file.read_text().strip().encode()))]
        loader.set_vault_secrets(secret)
        # Ansible keeps one process-wide context; a second site checked in the same process brings
        # its own password.
        context = VaultSecretsContext.current(optional=True)
        if context is None:
            VaultSecretsContext.initialize(VaultSecretsContext(secret))
        else:
            context.secrets = secret
    manager = InventoryManager(loader=loader, sources=[str(inventory)])
    return loader, manager, VariableManager(loader=loader, inventory=manager)


def _site_plays(root: Path) -> list[tuple[str, list[str]]]:
    """(hosts pattern, [roles]) of each play of playbooks/site.yml that applies roles."""
    plays = yaml.safe_load((root / "playbooks/site.yml").read_text())
    out = []
    for play in plays:
        roles = [r["role"] if isinstance(r, dict) else r for r in play.get("roles") or []]
        if roles:
            out.append((play["hosts"], roles))
    return out


def _role_spec(root: Path, role: str) -> dict[str, Any]:
    path = root / "roles" / role / "meta/argument_specs.yml"
    return yaml.safe_load(path.read_text())["argument_specs"]["main"].get("options") or {}


def _role_defaults(root: Path, role: str) -> dict[str, Any]:
    path = root / "roles" / role / "defaults/main.yml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def _is_fact_error(exc: Exception) -> bool:
    """A value that needs the host's facts (known only during a run) cannot be checked before it."""
    text = str(exc)
    return "ansible_facts" in text or ("ansible_" in text and "is undefined" in text)


def check_site(inventory: Path, root: Path, vault_password_file: Path | None = None) -> list[Problem]:
    """Every problem found in the site's inventory and waivers, without connecting to any host."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.template import Templar

    from lpse.comply import catalogue as cat
    from lpse.comply import waivers as wv

    if not inventory.exists():
        raise InputError(f"inventory not found: {inventory}")
    if vault_password_file is None and (inventory.parent / "vault-password").exists():
        vault_password_file = inventory.parent / "vault-password"
    problems: list[Problem] = []
    try:
        loader, manager, variables = _inventory(inventory, vault_password_file)
    except Exception as exc:  # Ansible's parsers raise many kinds: name the file and the reason
        return [Problem("-", str(inventory), f"the inventory cannot be read: {exc}")]
    groups = manager.groups
    for group in REQUIRED_GROUPS:
        if group not in groups or not groups[group].get_hosts():
            problems.append(Problem("-", f"group {group}", "has no host (site.yml needs at least one)"))
    if problems:
        return problems

    specs = {role: _role_spec(root, role) for _, roles in _site_plays(root) for role in roles}
    defaults = {role: _role_defaults(root, role) for role in specs}
    context = _context(manager, variables, root)
    for pattern, roles in _site_plays(root):
        for host in manager.get_hosts(pattern=pattern):
            hv = variables.get_vars(host=host, include_hostvars=False)
            for role in roles:
                templar = Templar(loader=loader, variables={**defaults[role], **hv, **context})
                params: dict[str, Any] = {}
                for name in specs[role]:
                    if name not in hv:
                        continue
                    try:
                        params[name] = templar.template(hv[name])
                    except Exception as exc:
                        if not _is_fact_error(exc):
                            problems.append(Problem(host.name, name, f"cannot be worked out: {exc}"))
                missing_ok = {n for n, o in specs[role].items() if o.get("required") and n not in params and n in hv}
                spec = {n: ({**o, "required": False} if n in missing_ok else o) for n, o in specs[role].items()}
                for message in ArgumentSpecValidator(spec).validate(params).error_messages:
                    problems.append(Problem(host.name, f"role {role}", message))
    problems += _check_logins(manager, variables, loader)
    problems = list(dict.fromkeys(problems))  # a host's role vars are checked once per play

    waivers = inventory.parent / "waivers.yml"
    if waivers.exists():
        catalogue = cat.load(root / "compliance/catalogue", root / "compliance/checks")
        try:
            wv.load(waivers, set(catalogue.controls))
        except InputError as exc:
            problems.append(Problem("-", str(waivers), str(exc)))
    return problems


def _context(manager, variables, root: Path) -> dict[str, Any]:
    """What a template in the inventory may name besides the host's own variables (as in a run)."""
    return {
        "hostvars": {h.name: variables.get_vars(host=h, include_hostvars=False) for h in manager.get_hosts()},
        "groups": manager.get_groups_dict(),
        "playbook_dir": str(root / "playbooks"),
    }


def _check_logins(manager, variables, loader) -> list[Problem]:
    """How Ansible reaches each server and router: the automation account, consistently."""
    from ansible.template import Templar

    from lpse.comply.connect import becomes

    problems = []
    for host in manager.get_hosts(pattern="lpse_servers:routers:spse_app:spse_db:mgmt"):
        hv = variables.get_vars(host=host)
        templar = Templar(loader=loader, variables=hv)

        def value(name: str, default: Any = None, hv=hv, templar=templar) -> Any:
            return templar.template(hv[name]) if name in hv else default

        user = str(value("ansible_user", "root"))
        automation = str(value("accounts_automation_user", "") or "")
        root_login = str(value("hardening_ssh_permit_root_login", "no"))
        if user == "root":
            if root_login == "no":
                problems.append(
                    Problem(
                        host.name,
                        "ansible_user",
                        "Ansible logs in as root, but hardening turns root's SSH login off: the first provision "
                        "would lock it out. Name the automation account (accounts_automation_user, ansible_user, "
                        "ansible_become: true) and run `lpse bootstrap` first",
                    )
                )
            continue
        if not becomes({"ansible_become": value("ansible_become", False)}):
            problems.append(
                Problem(host.name, "ansible_become", f"Ansible logs in as {user} without become: set it true")
            )
        if automation and automation != user:
            problems.append(
                Problem(host.name, "accounts_automation_user", f"is {automation}, but Ansible logs in as {user}")
            )
        keyfile = value("ansible_ssh_private_key_file")
        if keyfile:
            key = Path(os.path.expanduser(str(keyfile)))
            pub = key.with_name(key.name + ".pub")
            if not key.exists():
                problems.append(Problem(host.name, "ansible_ssh_private_key_file", f"{key} does not exist"))
            elif automation == user and pub.exists():
                wanted = pub.read_text().split()[:2]
                keys = [str(k).split()[:2] for k in value("accounts_automation_ssh_keys", []) or []]
                if wanted not in keys:
                    problems.append(
                        Problem(
                            host.name,
                            "accounts_automation_ssh_keys",
                            f"does not hold {pub.name}: the account would not let Ansible in with its own key",
                        )
                    )
    return problems


# --- init -------------------------------------------------------------------------------------

SITE_FILES = ("inventory/hosts.yml", "inventory/waivers.yml", "ansible.cfg", ".gitignore", "ci/compliance.yml")


def _vault(plaintext: str, password: str) -> str:
    from lpse.lab.inventory import vault_encrypt

    return str(vault_encrypt(plaintext, password))


def init_site(directory: Path, root: Path, name: str) -> list[Path]:
    """Write a new site directory; refuse one that already holds any of its files."""
    clash = [
        f for f in (*SITE_FILES, "inventory/vault-password", "keys/automation_ed25519") if (directory / f).exists()
    ]
    if clash:
        raise InputError(f"{directory} already holds {', '.join(clash)}: nothing was written")
    if not name.strip():
        raise InputError("--name: the LPSE's name (for example 'LPSE Kabupaten Bandung') is needed")
    (directory / "inventory").mkdir(parents=True, exist_ok=True)
    (directory / "keys").mkdir(mode=0o700, exist_ok=True)
    vault_password = secrets.token_urlsafe(32)
    vault_file = directory / "inventory/vault-password"
    fd = os.open(vault_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(vault_password + "\n")
    key = directory / "keys/automation_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "lpse-automation@control", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    templates = Path(__file__).parent / "templates/site"
    text = (templates / "hosts.yml").read_text()
    values = {
        "lpse_name": name.replace('"', "'"),
        "automation_key": key.with_suffix(".pub").read_text().strip(),
        "key_file": str(key.resolve()),
        "db_password": _vault(secrets.token_urlsafe(18), vault_password),
        "backup_passphrase": _vault(secrets.token_urlsafe(32), vault_password),
        "ups_primary_password": _vault(secrets.token_urlsafe(18), vault_password),
        "ups_secondary_password": _vault(secrets.token_urlsafe(18), vault_password),
    }
    for k, v in values.items():
        if k in ("db_password", "backup_passphrase", "ups_primary_password", "ups_secondary_password"):
            v = "!vault |\n" + "\n".join("      " + line for line in v.splitlines())
        text = text.replace("{{ site." + k + " }}", v)
    written = []
    for rel, content in (
        ("inventory/hosts.yml", text),
        ("inventory/waivers.yml", (templates / "waivers.yml").read_text()),
        (
            "ansible.cfg",
            (root / "lpse/templates/site/ansible.cfg").read_text().replace("{{ site.project }}", str(root)),
        ),
        (".gitignore", "# Secrets: never in version control.\ninventory/vault-password\nkeys/\nresults/\n"),
        ("ci/compliance.yml", (templates / "compliance-ci.yml").read_text()),
    ):
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        written.append(path)
    return [*written, vault_file, key]
