"""Checks of server hardening (catalogue: compliance/catalogue/hardening.yml)."""

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "module_utils"))
import lpse_sysctl

from lpse.comply import facts
from lpse.comply.hostrun import CheckError, must

ROLE_DEFAULTS = Path(__file__).resolve().parents[2] / "roles" / "hardening" / "defaults" / "main.yml"


def _role_settings(name: str) -> dict[str, str]:
    """The parameters the hardening role sets (one list for the role and its check)."""
    return {k: str(v) for k, v in (yaml.safe_load(ROLE_DEFAULTS.read_text()) or {})[name].items()}


NETWORK = _role_settings("hardening_sysctl_network")
KERNEL = _role_settings("hardening_sysctl_kernel")
OPTIONAL = set((yaml.safe_load(ROLE_DEFAULTS.read_text()) or {}).get("hardening_sysctl_optional") or [])


def sshd(host) -> dict[str, list[str]]:
    cmd = must(host, "sshd -T", what="sshd -T (the effective sshd configuration)")
    return facts.parse_sshd_t(cmd.stdout)


# What `sshd -T -C` needs to evaluate a connection, and the Match criteria that set each part.
CRITERIA = {"user": "user", "group": "user", "host": "host", "address": "addr", "localaddress": "laddr"}
CRITERIA_PORT = {"localport": "lport"}


def match_connections(host) -> list[tuple[str, str]]:
    """For every Match block in sshd's files: (where it is, a `sshd -T -C` connection it applies
    to). A Match block can loosen settings for some connections that plain `sshd -T` never shows."""
    found = host.run(
        "grep -nHiE '^[[:space:]]*Match[[:space:]]' /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf"
    ).stdout
    out = []
    for line in found.splitlines():
        parts = line.split(":", 2)
        if len(parts) < 3:
            continue
        where, text = f"{parts[0]}:{parts[1]}", parts[2]
        spec = {"user": "root", "host": "localhost", "addr": "127.0.0.1", "laddr": "127.0.0.1", "lport": "22"}
        words = text.split()[1:]
        usable = True
        for key, value in zip(words[::2], words[1::2], strict=False):
            positive = [v for v in value.split(",") if v and not v.startswith("!")]
            key = key.lower()
            if not positive:  # "everyone but ...": the defaults above are such a connection
                continue
            # A concrete value the pattern matches: * and ? stand for 1 (a valid address octet and name).
            first = positive[0].replace("*", "1").replace("?", "1").split("/")[0]
            if key in ("address", "localaddress") and all(x.isdigit() for x in first.split(".")):
                first = ".".join([*first.split("."), "1", "1", "1"][:4])  # 10.* -> 10.1.1.1
            if key == "group":
                members = host.run("getent group %s", first).stdout.strip().split(":")
                gid = members[2] if len(members) > 2 else "-"
                primary = host.run("getent passwd | awk -F: -v g=%s '$4==g {print $1; exit}'", gid).stdout.strip()
                first = (members[3].split(",")[0] if len(members) > 3 and members[3] else "") or primary
                usable = usable and bool(first)
            if key in CRITERIA:
                spec[CRITERIA[key]] = first
            elif key in CRITERIA_PORT:
                spec[CRITERIA_PORT[key]] = first
        if usable:
            out.append((f"{where} ({text.strip()})", ",".join(f"{k}={v}" for k, v in spec.items())))
        else:
            out.append((f"{where} ({text.strip()})", ""))
    return out


def match_problems(host, evidence, judge) -> list[str]:
    """What ``judge`` (a function of an `sshd -T` answer) finds wrong for the connections each
    Match block applies to: a block can loosen a setting for some logins only."""
    out = []
    for where, connection in match_connections(host):
        if not connection:
            evidence.add(f"Match block {where}: its group has no member, so no login matches it")
            continue
        scoped = facts.parse_sshd_t(must(host, "sshd -T -C %s", connection, what=f"sshd -T -C {connection}").stdout)
        found = judge(scoped)
        evidence.add(f"Match block {where}, for {connection}: " + ("; ".join(found) or "as for every login"))
        out += [f"{problem} for a Match block at {where}" for problem in found]
    return out


KEYS_ONLY = {
    "passwordauthentication": "no",
    "kbdinteractiveauthentication": "no",
    "permitemptypasswords": "no",
    "pubkeyauthentication": "yes",
}


def _keys_only(cfg) -> list[str]:
    return [f"{k} is {cfg.get(k, ['?'])[0]}" for k, v in KEYS_ONLY.items() if cfg.get(k, ["?"])[0] != v]


@pytest.mark.control("LPSE-21.1-SSH-01")
def test_ssh_keys_only(host, evidence):
    cfg = sshd(host)
    evidence.add("sshd -T: " + ", ".join(f"{k} {cfg.get(k, ['?'])[0]}" for k in KEYS_ONLY))
    wrong = _keys_only(cfg)
    assert not wrong, "sshd accepts more than keys: " + "; ".join(wrong)
    loose = match_problems(host, evidence, _keys_only)
    assert not loose, "sshd accepts more than keys: " + "; ".join(loose)


@pytest.mark.control("LPSE-21.1-SSH-02")
def test_no_root_password_login(host, evidence):
    def judge(cfg) -> list[str]:
        value = cfg.get("permitrootlogin", ["yes"])[0]
        safe = ("no", "prohibit-password", "without-password", "forced-commands-only")
        return [] if value in safe else [f"root may log in with a password (permitrootlogin {value})"]

    cfg = sshd(host)
    evidence.add(f"sshd -T: permitrootlogin {cfg.get('permitrootlogin', ['yes'])[0]}")
    wrong = judge(cfg) + match_problems(host, evidence, judge)
    assert not wrong, "; ".join(wrong)


@pytest.mark.control("LPSE-21.1-SSH-03")
def test_ssh_allowed_groups(host, policy, evidence):
    groups = sorted(g for line in sshd(host).get("allowgroups", []) for g in line.split())
    evidence.add(f"sshd -T: allowgroups {' '.join(groups) or '(none: every account may log in)'}")
    assert groups, "sshd lets every account log in (no AllowGroups)"
    expected = policy.get("compliance_ssh_allow_groups")
    if expected:
        assert groups == sorted(expected), f"AllowGroups is {groups}, policy says {sorted(expected)}"


@pytest.mark.control("LPSE-21.1-SSH-04")
def test_ssh_modern_algorithms(host, evidence):
    cfg = sshd(host)
    weak = []
    for key, markers in (("ciphers", facts.WEAK_CIPHERS), ("macs", facts.WEAK_MACS), ("kexalgorithms", facts.WEAK_KEX)):
        offered = cfg.get(key, [""])[0]
        evidence.add(f"{key}: {offered}")
        weak += facts.weak_algorithms(offered, markers)
    assert not weak, f"sshd offers weak algorithms: {', '.join(weak)}"


def boot_values(host) -> dict[str, tuple[str, str]]:
    """What systemd-sysctl will set at the next boot: key -> (value, the file that sets it last)."""
    text = must(host, "systemd-analyze cat-config sysctl.d", what="systemd-analyze cat-config sysctl.d").stdout
    out, source = {}, "?"
    for line in text.splitlines():
        if re.match(r"^# /\S+$", line.strip()):
            source = line.strip()[2:]
            continue
        parsed = lpse_sysctl.parse_line(line)
        if parsed:
            out[parsed[0]] = (parsed[1], source)
    return out


def _sysctls(host, wanted: dict[str, str], evidence) -> list[str]:
    """Live values, and the values the next boot will set (a file read after the role's undoes it).
    A parameter this kernel was built without (Yama, SysRq, kexec) is named, not failed."""
    script = "; ".join(f"cat /proc/sys/{k.replace('.', '/')} 2>/dev/null || echo '<absent>'" for k in wanted)
    values = host.check_output(script).split("\n")
    boot = boot_values(host)
    wrong = []
    for (key, want), got in zip(wanted.items(), values, strict=True):
        got = " ".join(got.split())
        if got == "<absent>":
            evidence.add(f"{key}: not in this kernel" + (" (optional)" if key in OPTIONAL else ""))
            if key not in OPTIONAL:
                wrong.append(f"{key} is missing")
            continue
        evidence.add(f"{key} = {got}" + ("" if got == want else f" (want {want})"))
        if not lpse_sysctl.strict_enough(key, got, want):
            wrong.append(f"{key}={got}")
        at_boot, source = boot.get(key, (None, ""))
        if at_boot is not None and not lpse_sysctl.strict_enough(key, at_boot, want):
            evidence.add(f"{key} = {at_boot} at the next boot, set by {source}")
            wrong.append(f"{key}={at_boot} after a reboot (set by {source})")
    return wrong


@pytest.mark.control("LPSE-21.1-NET-01")
def test_network_sysctls(host, evidence):
    wrong = _sysctls(host, NETWORK, evidence)
    assert not wrong, "network parameters not hardened: " + ", ".join(wrong)


@pytest.mark.control("LPSE-21.1-KERN-01")
def test_kernel_sysctls(host, evidence):
    wrong = _sysctls(host, KERNEL, evidence)
    recorded = host.file("/var/lib/lpse/hardening-sysctl-readonly.json")
    if wrong and recorded.exists:
        read_only = json.loads(recorded.content_string).get("read_only", [])
        evidence.add(f"the hardening role found read-only here: {', '.join(read_only) or 'none'}")
    assert not wrong, "kernel parameters not hardened: " + ", ".join(wrong)


SESSION_KEYS = (
    "loglevel",
    "maxsessions",
    "maxstartups",
    "maxauthtries",
    "logingracetime",
    "clientaliveinterval",
    "clientalivecountmax",
    "allowtcpforwarding",
    "allowstreamlocalforwarding",
    "x11forwarding",
    "allowagentforwarding",
    "permittunnel",
    "hostbasedauthentication",
    "ignorerhosts",
    "permituserenvironment",
)


def _session_problems(cfg, max_sessions: int) -> list[str]:
    got = {k: cfg.get(k, ["?"])[0] for k in SESSION_KEYS}
    wrong = []
    if got["loglevel"].upper() not in ("VERBOSE", "INFO"):
        wrong.append(f"log level {got['loglevel']} (INFO or VERBOSE needed)")
    if not got["maxsessions"].isdigit() or int(got["maxsessions"]) > max_sessions:
        wrong.append(f"MaxSessions {got['maxsessions']} (at most {max_sessions})")
    start = got["maxstartups"].split(":", 1)[0]
    if not start.isdigit() or int(start) > 10:
        wrong.append(f"MaxStartups {got['maxstartups']} (at most 10 unauthenticated connections before refusing)")
    if not got["maxauthtries"].isdigit() or int(got["maxauthtries"]) > 4:
        wrong.append(f"MaxAuthTries {got['maxauthtries']} (at most 4)")
    if not got["logingracetime"].isdigit() or not 0 < int(got["logingracetime"]) <= 60:
        wrong.append(f"LoginGraceTime {got['logingracetime']} (1-60 s)")
    if got["clientaliveinterval"] in ("0", "?") or got["clientalivecountmax"] in ("0", "?"):
        wrong.append("idle sessions are never closed (ClientAliveInterval/CountMax)")
    forwarding = ("allowtcpforwarding", "allowstreamlocalforwarding", "x11forwarding", "allowagentforwarding")
    wrong += [f"{k} {got[k]}" for k in forwarding if got[k] != "no"]
    if got["permittunnel"] != "no":
        wrong.append(f"permittunnel {got['permittunnel']}")
    if got["hostbasedauthentication"] != "no":
        wrong.append("host-based authentication on")
    if got["ignorerhosts"] != "yes":
        wrong.append(".rhosts files honoured")
    if got["permituserenvironment"] != "no":
        wrong.append("users may set sshd's environment (PermitUserEnvironment)")
    return wrong


@pytest.mark.control("LPSE-21.1-SSH-05")
def test_ssh_sessions_limited_and_logged(host, policy, evidence):
    cfg = sshd(host)
    max_sessions = int(policy.get("compliance_ssh_max_sessions", 10))
    evidence.add("sshd -T: " + ", ".join(f"{k} {cfg.get(k, ['?'])[0]}" for k in SESSION_KEYS))
    config = host.file("/etc/ssh/sshd_config")
    evidence.add(f"/etc/ssh/sshd_config: {config.user}:{config.group} {oct(config.mode)}")
    wrong = _session_problems(cfg, max_sessions)
    if config.user != "root" or config.mode & 0o077:
        wrong.append(f"/etc/ssh/sshd_config is {config.user}:{config.group} {oct(config.mode)} (root-only 0600 needed)")
    wrong += match_problems(host, evidence, lambda scoped: _session_problems(scoped, max_sessions))
    assert not wrong, "sshd: " + "; ".join(wrong)


@pytest.mark.control("LPSE-21.1-SUDO-01")
def test_sudo_logged_on_a_pty(host, evidence):
    text = must(host, "cvtsudoers -f json /etc/sudoers", what="cvtsudoers (sudo's policy, includes read)").stdout
    try:
        policy = json.loads(text)
    except ValueError as exc:
        raise CheckError(f"cvtsudoers answered something that is not JSON: {exc}") from exc
    options: dict[str, object] = {}
    scoped: list[str] = []
    for entry in policy.get("Defaults", []):
        if "Binding" in entry:  # Defaults:user, Defaults>runas, Defaults@host: some, not all
            who = ", ".join(str(v) for b in entry["Binding"] for v in b.values())
            for option in entry.get("Options", []):
                for key, value in option.items():
                    if key in ("use_pty", "logfile", "authenticate") and value is False:
                        scoped.append(f"!{key} for {who}")
            continue
        for option in entry.get("Options", []):
            options.update(option)
    evidence.add("global sudo Defaults: " + ", ".join(f"{k}={v}" for k, v in options.items()))
    wrong = [f"{s} (a Defaults line scoped to them turns it off)" for s in scoped]
    if options.get("use_pty") is not True:
        wrong.append("commands do not run on a pseudo-terminal (no use_pty)")
    if not options.get("logfile"):
        wrong.append("no log file of its own (no logfile)")
    if options.get("authenticate") is False:
        wrong.append("nobody is asked for a password (!authenticate)")
    timeout = options.get("timestamp_timeout")
    if timeout is not None and (float(timeout) < 0 or float(timeout) > 15):
        wrong.append(f"a password holds for {timeout} minutes (at most 15)")
    assert not wrong, "sudo: " + "; ".join(wrong)


@pytest.mark.control("LPSE-21.1-LOGIN-01")
def test_login_defaults(host, policy, evidence):
    defs = {}
    for line in host.file("/etc/login.defs").content_string.splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#") and len(parts) >= 2:
            defs[parts[0]] = parts[1]
    wanted_keys = ("ENCRYPT_METHOD", "PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_WARN_AGE", "UMASK")
    evidence.add("/etc/login.defs: " + ", ".join(f"{k} {defs.get(k, '(unset)')}" for k in wanted_keys))
    # What a login shell really gets (profile.d is read by login shells only).
    shell = must(host, "runuser -l root -s /bin/bash -c 'umask; echo \"TMOUT=${TMOUT:-}\"'", what="a login shell")
    lines = shell.stdout.split()
    umask = next((x for x in lines if x.isdigit()), "?")
    tmout = next((x.split("=", 1)[1] for x in lines if x.startswith("TMOUT=")), "")
    evidence.add(f"a login shell: umask {umask}, TMOUT {tmout or '(unset)'}")
    max_tmout = int(policy.get("compliance_login_max_tmout", 900))
    wrong = []
    if defs.get("ENCRYPT_METHOD", "").upper() not in ("YESCRYPT", "SHA512"):
        wrong.append(f"new passwords hashed with {defs.get('ENCRYPT_METHOD', 'the default')} (YESCRYPT or SHA512)")
    if not defs.get("PASS_MAX_DAYS", "").isdigit() or int(defs["PASS_MAX_DAYS"]) > 365:
        wrong.append(f"PASS_MAX_DAYS {defs.get('PASS_MAX_DAYS', '(unset)')} (at most 365)")
    if not defs.get("PASS_MIN_DAYS", "").isdigit() or int(defs["PASS_MIN_DAYS"]) < 1:
        wrong.append(f"PASS_MIN_DAYS {defs.get('PASS_MIN_DAYS', '(unset)')} (at least 1)")
    if not defs.get("PASS_WARN_AGE", "").isdigit() or int(defs["PASS_WARN_AGE"]) < 7:
        wrong.append(f"PASS_WARN_AGE {defs.get('PASS_WARN_AGE', '(unset)')} (at least 7)")
    for where, value in (("UMASK in /etc/login.defs", defs.get("UMASK", "")), ("a login shell's umask", umask)):
        if not re.fullmatch(r"0?[0-7]{3}", value) or int(value, 8) & 0o027 != 0o027:
            wrong.append(f"{where} is {value or '(unset)'} (027 or stricter)")
    if not tmout.isdigit() or not 0 < int(tmout) <= max_tmout:
        wrong.append(f"an idle login shell never closes (TMOUT {tmout or 'unset'}, at most {max_tmout} s)")
    assert not wrong, "login: " + "; ".join(wrong)


DEFAULTS = yaml.safe_load(ROLE_DEFAULTS.read_text()) or {}


def modprobe_rules(showconfig: str) -> dict[str, set[str]]:
    """{module: {'install', 'blacklist'}} of what `modprobe --showconfig` says keeps it out
    (module names as modprobe spells them: '-' and '_' are the same)."""
    out: dict[str, set[str]] = {}
    for line in showconfig.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "blacklist":
            out.setdefault(parts[1].replace("-", "_"), set()).add("blacklist")
        elif len(parts) >= 3 and parts[0] == "install" and parts[2] in ("/bin/false", "/bin/true", "/usr/bin/false"):
            out.setdefault(parts[1].replace("-", "_"), set()).add("install")
    return out


@pytest.mark.control("LPSE-21.1-MOD-01")
def test_unneeded_kernel_modules_cannot_load(host, policy, evidence):
    kept = {m.replace("-", "_") for m in policy.get("hardening_modprobe_keep") or []}
    wanted = [m for m in DEFAULTS["hardening_modprobe_disabled"] if m.replace("-", "_") not in kept]
    rules = modprobe_rules(must(host, "modprobe --showconfig", what="modprobe --showconfig").stdout)
    open_ = [m for m in wanted if rules.get(m.replace("-", "_"), set()) != {"install", "blacklist"}]
    evidence.add(f"kept out (install /bin/false and blacklist): {len(wanted) - len(open_)} of {len(wanted)}")
    if kept:
        evidence.add(f"kept on this host (hardening_modprobe_keep): {', '.join(sorted(kept))}")
    for m in open_:
        have = sorted(rules.get(m.replace("-", "_"), set()))
        evidence.add(f"{m}: {' and '.join(have) + ' only' if have else 'no rule'}")
    assert not open_, "kernel modules that can still be loaded: " + ", ".join(open_)


def core_limits(files: dict[str, str]) -> list[tuple[str, str, str]]:
    """(file:line, type, value) of every `core` limit for everyone ('*') in limits.conf files, in
    the order pam_limits reads them (limits.conf, then limits.d/*.conf by name)."""
    out = []
    for name in sorted(files, key=lambda n: (not n.endswith("limits.conf"), n)):
        for number, line in enumerate(files[name].splitlines(), 1):
            parts = line.split("#", 1)[0].split()
            if len(parts) == 4 and parts[0] == "*" and parts[2] == "core":
                out.append((f"{name}:{number}", parts[1], parts[3]))
    return out


@pytest.mark.control("LPSE-21.1-CORE-01")
def test_no_core_dumps(host, evidence):
    listing = must(
        host,
        'for f in /etc/security/limits.conf /etc/security/limits.d/*.conf; do [ -f "$f" ] && '
        'printf \'== %s\\n\' "$f" && cat "$f"; done; true',
        what="reading /etc/security/limits.conf and limits.d",
    ).stdout
    files: dict[str, str] = {}
    current = None
    for line in listing.splitlines():
        if line.startswith("== "):
            current = line[3:]
            files[current] = ""
        elif current:
            files[current] += line + "\n"
    hard = [(where, value) for where, kind, value in core_limits(files) if kind in ("hard", "-")]
    effective = hard[-1] if hard else None
    evidence.add(
        f"hard core limit for every login: {effective[1] + ' (' + effective[0] + ')' if effective else 'none'}"
    )
    coredump = must(host, "systemd-analyze cat-config systemd/coredump.conf", what="systemd's coredump.conf").stdout
    storage = [line.split("=", 1)[1].strip() for line in coredump.splitlines() if line.startswith("Storage=")]
    evidence.add(f"systemd-coredump Storage={storage[-1] if storage else '(default: external)'}")
    wrong = []
    if effective is None or effective[1] != "0":
        wrong.append("logins may write core dumps (no `* hard core 0`)")
    if not storage or storage[-1] != "none":
        wrong.append("systemd-coredump keeps core dumps (Storage is not none)")
    assert not wrong, "; ".join(wrong)


@pytest.mark.control("LPSE-21.1-SU-01")
def test_su_is_restricted(host, policy, evidence):
    group = policy.get("hardening_su_group") or DEFAULTS["hardening_su_group"]
    pam = must(host, "cat /etc/pam.d/su", what="reading /etc/pam.d/su").stdout
    rule = [
        line.strip()
        for line in pam.splitlines()
        if re.match(r"^\s*auth\s+(required|requisite)\s+pam_wheel\.so\b", line) and "deny" not in line.split()
    ]
    evidence.add(f"/etc/pam.d/su: {rule[0] if rule else 'no active pam_wheel rule'}")
    named = next((w.split("=", 1)[1] for w in (rule[0].split() if rule else []) if w.startswith("group=")), "root")
    members = host.run("getent group %s", named).stdout.strip().split(":")
    users = [u for u in (members[3].split(",") if len(members) > 3 else []) if u]
    evidence.add(f"group {named}: {', '.join(users) or 'no member'}" if len(members) > 3 else f"group {named}: absent")
    assert rule, "su is open to every account (no pam_wheel rule in /etc/pam.d/su)"
    assert not users, f"su is open to {', '.join(users)} (members of {named})"
    if named != group:
        evidence.add(f"(the inventory names {group})")
