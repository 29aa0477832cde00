"""Checks of staff and LKPP accounts (catalogue: compliance/catalogue/accounts.yml)."""

import re
import time
from pathlib import Path

import pytest
import yaml

from lpse.comply.hostrun import must

ROLE_DEFAULTS = Path(__file__).resolve().parents[2] / "roles" / "accounts" / "defaults" / "main.yml"
SUDO_GROUPS = ("sudo", "lpse-admin", "admin", "wheel")


def _defaults() -> dict:
    return yaml.safe_load(ROLE_DEFAULTS.read_text()) or {}


def sudo_rights(host) -> dict[str, list[str]]:
    """Every account on the host (system accounts too: a rule may name www-data) -> the sudo rules
    sudo itself lists for it, from /etc/sudoers and every file it includes, groups resolved."""
    script = (
        "getent passwd | cut -d: -f1 | grep -vx root | sort -u | "
        'while read u; do echo "== $u"; sudo -n -l -U "$u" 2>&1; done'
    )
    out = host.check_output(script)
    rights: dict[str, list[str]] = {}
    user = None
    for line in out.splitlines():
        if line.startswith("== "):
            user = line[3:].strip()
            rights[user] = []
        elif user and line.startswith("    ") and line.strip().startswith("("):
            rights[user].append(line.strip())
    return rights


def sudo_groups(policy) -> tuple[str, ...]:
    """The groups the accounts role keeps to the allowed accounts (the inventory's, else the role's)."""
    defaults = _defaults()
    privileged = policy.get("accounts_privileged_groups", defaults["accounts_privileged_groups"])
    return (*privileged, policy.get("accounts_sudo_group", defaults["accounts_sudo_group"]))


def group_members(host, groups=SUDO_GROUPS) -> dict[str, list[str]]:
    """Members of the groups that grant sudo on Debian and its kin (supplementary and primary)."""
    out = {}
    for group in groups:
        entry = host.run("getent group %s", group).stdout.strip().split(":")
        if len(entry) < 4:
            continue
        primary = host.run("getent passwd | awk -F: -v g=%s '$4==g {print $1}'", entry[2]).stdout.split()
        out[group] = sorted({m for m in entry[3].split(",") if m} | set(primary))
    return out


def granted_in(host, user: str) -> list[str]:
    """The sudoers lines (file:line: text) that name ``user`` or one of its groups."""
    groups = host.run("id -nG %s", user).stdout.split()
    names = "|".join(re.escape(n) for n in [user] + [f"%{g}" for g in groups])
    cmd = host.run(
        "grep -nHE %s /etc/sudoers /etc/sudoers.d/* 2>/dev/null",
        rf"^[[:space:]]*({names})([[:space:]]|,)",
    )
    return [line.strip() for line in cmd.stdout.splitlines()]


def full_sudo(rules: list[str]) -> bool:
    return any(re.search(r"(^|[\s:])ALL$", r.split(")", 1)[-1].strip()) for r in rules)


@pytest.mark.control("LPSE-21.1-ACC-01")
def test_only_admin_sistem_sudo(host, policy, evidence):
    staff = policy.get("accounts_staff") or []
    admins = {s["name"] for s in staff if s.get("role") == "admin_sistem" and s.get("state", "active") == "active"}
    automation = policy.get("accounts_automation_user") or ""
    allowed = admins | set(policy.get("accounts_sudo_allowed") or []) | ({automation} if automation else set())
    rights = sudo_rights(host)
    holders = sorted(u for u, rules in rights.items() if rules)
    evidence.add(
        f"active admin_sistem staff in the inventory: {', '.join(sorted(admins)) or 'none'}"
        + (f"; also allowed: {', '.join(sorted(allowed - admins))}" if allowed - admins else "")
    )
    for u in holders:
        evidence.add(f"{u}: {'; '.join(rights[u])}")
    lkpp = policy.get("accounts_lkpp_user", _defaults()["accounts_lkpp_user"])
    unexpected = [u for u in holders if u not in allowed and (u != lkpp or full_sudo(rights[u]))]
    for u in unexpected:
        evidence.add(f"{u} is given sudo by: {'; '.join(granted_in(host, u)) or '(no line names it or its groups)'}")
    members = group_members(host, sudo_groups(policy))
    strangers = {g: [m for m in ms if m not in allowed] for g, ms in members.items()}
    strangers = {g: ms for g, ms in strangers.items() if ms}
    evidence.add(
        "sudo groups: " + (", ".join(f"{g}: {' '.join(ms) or '-'}" for g, ms in members.items()) or "none present")
    )
    assert not unexpected, f"sudo is open to {', '.join(unexpected)}, who are not active admin_sistem staff"
    assert not strangers, "in a group that grants sudo without being active admin_sistem staff: " + "; ".join(
        f"{', '.join(ms)} ({g})" for g, ms in strangers.items()
    )


@pytest.mark.control("LPSE-21.1-ACC-02")
def test_inactive_staff_locked(host, policy, evidence):
    inactive = [s["name"] for s in policy.get("accounts_staff") or [] if s.get("state") == "inactive"]
    if not inactive:
        evidence.add("no deactivated staff in the inventory")
    today = int(time.time() // 86400)
    problems = []
    for name in inactive:
        shadow = host.run("getent shadow %s", name).stdout.strip().split(":")
        if len(shadow) < 8:
            evidence.add(f"{name}: no account")
            continue
        password, expire = shadow[1], shadow[7]
        groups = host.run("id -nG %s", name).stdout.split()
        keys = host.run("grep -cvE '^(#|$)' /home/%s/.ssh/authorized_keys", name).stdout.strip() or "0"
        shell = host.run("getent passwd %s", name).stdout.strip().split(":")[-1]
        evidence.add(
            f"{name}: password {'locked' if password[:1] in '!*' else 'usable'}, expires "
            f"{'day ' + expire if expire else 'never'}, shell {shell}, groups {' '.join(groups)}, {keys} key(s)"
        )
        if password[:1] not in "!*":
            problems.append(f"{name}'s password is not locked")
        if not expire or int(expire) > today:
            problems.append(f"{name}'s account has not expired")
        if int(keys) > 0:
            problems.append(f"{name} still has {keys} SSH key(s)")
        bad_groups = set(groups) & {"lpse-ssh", *SUDO_GROUPS}
        if bad_groups:
            problems.append(f"{name} is still in {', '.join(sorted(bad_groups))}")
    assert not problems, "; ".join(problems)


@pytest.mark.control("LPSE-22f-LKPP-01")
def test_lkpp_account_restricted(host, policy, evidence):
    defaults = _defaults()
    user = policy.get("accounts_lkpp_user", defaults["accounts_lkpp_user"])
    allowed_cmds = set(policy.get("accounts_lkpp_commands", defaults["accounts_lkpp_commands"]))
    sources = set(policy.get("accounts_lkpp_sources") or [])
    passwd = host.run("getent passwd %s", user)
    evidence.add(f"account {user}: {passwd.stdout.strip() or 'absent'}")
    assert passwd.rc == 0, f"there is no LKPP monitoring account {user} (Pasal 22 huruf f asks for LKPP access)"
    groups = host.run("id -nG %s", user).stdout.split()
    rules = sudo_rights(host).get(user) or [
        r.strip() for r in host.run("sudo -n -l -U %s", user).stdout.splitlines() if r.strip().startswith("(")
    ]
    commands = [c.strip() for r in rules for c in r.split(")", 1)[-1].replace("NOPASSWD:", "").split(",")]
    evidence.add(f"{user}: groups {' '.join(groups)}; sudo: {'; '.join(rules) or 'none'}")
    keys = host.run("grep -vE '^(#|$)' /home/%s/.ssh/authorized_keys", user).stdout.splitlines()
    froms = [re.search(r'(?:^|,)from="([^"]*)"', k.split(" ssh-")[0]) for k in keys]
    evidence.add(
        f"{len(keys)} key(s); allowed from: {[m.group(1) if m else 'anywhere' for m in froms]}; "
        f"LKPP addresses: {sorted(sources) or '(not set)'}"
    )
    assert not set(groups) & set(SUDO_GROUPS), f"{user} is in an administrator group"
    extra = [c for c in commands if c not in allowed_cmds]
    assert not extra, f"{user} may run through sudo more than the monitoring list: {', '.join(extra)}"
    anywhere = [i + 1 for i, m in enumerate(froms) if not m]
    assert not anywhere, f"key(s) {anywhere} of {user} work from any address (no from= restriction)"
    outside = sorted({a for m in froms if m for a in m.group(1).split(",")} - sources) if sources else []
    assert not outside, f"{user}'s keys are accepted from {', '.join(outside)}, not LKPP's addresses"


@pytest.mark.control("LPSE-22f-LKPP-02")
def test_lkpp_cannot_read_spse_data(host, policy, evidence):
    user = policy.get("accounts_lkpp_user", _defaults()["accounts_lkpp_user"])
    paths = policy.get(
        "compliance_lkpp_denied_paths",
        ["/home/file/file_prod", "/home/appserv/spse/conf", "/var/lib/postgresql/15/main"],
    )
    if host.run("getent passwd %s", user).rc != 0:
        evidence.add(f"no account {user}: it reads nothing")
        return
    readable, checked = [], []
    for path in paths:
        if not host.file(path).exists:
            continue
        checked.append(path)
        probe = host.run(
            'runuser -u %s -- sh -c \'ls -A "$1" >/dev/null 2>&1 || cat "$1" >/dev/null 2>&1\' _ %s', user, path
        )
        if probe.rc == 0:
            readable.append(path)
    evidence.add(f"checked as {user}: {', '.join(checked) or 'none of ' + ', '.join(paths) + ' exists here'}")
    assert not readable, f"{user} can read {', '.join(readable)}"


KEY_TYPES = re.compile(
    r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)$"
)


def parse_keys(text: str) -> dict[tuple[str, str], str]:
    """{(type, base64): comment} of an authorized_keys file; options before the type are skipped."""
    keys = {}
    for line in text.splitlines():
        words = line.strip().split()
        if not words or words[0].startswith("#"):
            continue
        at = next((i for i, w in enumerate(words) if KEY_TYPES.match(w)), None)
        if at is not None and at + 1 < len(words):
            keys[(words[at], words[at + 1])] = " ".join(words[at + 2 :])
    return keys


@pytest.mark.control("LPSE-21.1-ACC-03")
def test_root_equivalent_accounts_open_only_to_inventory_keys(host, policy, evidence):
    """The automation account and admin_sistem staff become root: a key added to one of them by
    hand (in any file sshd reads for it) is a way in that the inventory does not know."""
    wanted: dict[str, list[str]] = {}
    automation = policy.get("accounts_automation_user") or ""
    if automation:
        wanted[automation] = list(policy.get("accounts_automation_ssh_keys") or [])
    for s in policy.get("accounts_staff") or []:
        if s.get("role") == "admin_sistem" and s.get("state", "active") == "active":
            wanted[s["name"]] = list(s.get("ssh_keys") or [])
    if not wanted:
        evidence.add("no automation account and no active admin_sistem staff in the inventory")
        return
    files = must(host, "sshd -T", what="sshd -T (which files hold keys)").stdout
    names = next((line.split()[1:] for line in files.splitlines() if line.startswith("authorizedkeysfile ")), [])
    names = names or [".ssh/authorized_keys"]
    problems = []
    for user, keys in sorted(wanted.items()):
        allowed = set(parse_keys("\n".join(keys)))
        home = host.run("getent passwd %s", user).stdout.strip().split(":")
        if len(home) < 6:
            evidence.add(f"{user}: no account")
            continue
        found: dict[tuple[str, str], str] = {}
        for name in names:
            path = name.replace("%u", user).replace("%h", home[5])
            path = path if path.startswith("/") else f"{home[5]}/{path}"
            found.update(parse_keys(host.run("cat %s 2>/dev/null", path).stdout))
        extra = [k for k in found if k not in allowed]
        missing = [k for k in allowed if k not in found]
        evidence.add(f"{user}: {len(found)} key(s) in {', '.join(names)}, {len(allowed)} in the inventory")
        for k in extra:
            problems.append(f"{user}: a key the inventory does not list ({k[0]} …{k[1][-12:]} {found[k]})".rstrip())
        for k in missing:
            evidence.add(f"{user}: the inventory's key {k[0]} …{k[1][-12:]} is not installed")
    assert not problems, "; ".join(problems)
