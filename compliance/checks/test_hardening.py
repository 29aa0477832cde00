"""Checks of server hardening (catalogue: compliance/catalogue/hardening.yml)."""

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "module_utils"))
import lpse_sysctl

from lpse.comply import facts
from lpse.comply.hostrun import must

NETWORK = {
    "net.ipv4.conf.all.rp_filter": "1",
    "net.ipv4.conf.all.accept_redirects": "0",
    "net.ipv4.conf.all.secure_redirects": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.conf.all.accept_source_route": "0",
    "net.ipv4.conf.all.log_martians": "1",
    "net.ipv4.icmp_echo_ignore_broadcasts": "1",
    "net.ipv4.tcp_syncookies": "1",
    "net.ipv6.conf.all.accept_redirects": "0",
}
KERNEL = {
    "kernel.kptr_restrict": "2",
    "kernel.dmesg_restrict": "1",
    "kernel.randomize_va_space": "2",
    "fs.protected_hardlinks": "1",
    "fs.protected_symlinks": "1",
    "fs.suid_dumpable": "0",
}


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
        for key, value in zip(words[::2], words[1::2], strict=False):
            first = value.split(",")[0].lstrip("!").replace("*", "x").replace("?", "x").split("/")[0]
            key = key.lower()
            if key == "group":
                members = host.run("getent group %s", first).stdout.strip().split(":")
                first = (members[3].split(",")[0] if len(members) > 3 and members[3] else "") or "root"
            if key in CRITERIA:
                spec[CRITERIA[key]] = first
            elif key in CRITERIA_PORT:
                spec[CRITERIA_PORT[key]] = first
        out.append((f"{where} ({text.strip()})", ",".join(f"{k}={v}" for k, v in spec.items())))
    return out


@pytest.mark.control("LPSE-21.1-SSH-01")
def test_ssh_keys_only(host, evidence):
    cfg = sshd(host)
    wanted = {
        "passwordauthentication": "no",
        "kbdinteractiveauthentication": "no",
        "permitemptypasswords": "no",
        "pubkeyauthentication": "yes",
    }
    actual = {k: cfg.get(k, ["?"])[0] for k in wanted}
    evidence.add("sshd -T: " + ", ".join(f"{k} {v}" for k, v in actual.items()))
    wrong = [f"{k} is {actual[k]}" for k, v in wanted.items() if actual[k] != v]
    assert not wrong, "sshd accepts more than keys: " + "; ".join(wrong)
    for where, connection in match_connections(host):
        scoped = facts.parse_sshd_t(must(host, "sshd -T -C %s", connection, what=f"sshd -T -C {connection}").stdout)
        got = {k: scoped.get(k, ["?"])[0] for k in wanted}
        loose = [f"{k} is {got[k]}" for k, v in wanted.items() if got[k] != v]
        evidence.add(f"Match block {where}, for {connection}: " + (", ".join(loose) or "keys only"))
        assert not loose, f"sshd accepts more than keys for a Match block at {where}: " + "; ".join(loose)


@pytest.mark.control("LPSE-21.1-SSH-02")
def test_no_root_password_login(host, evidence):
    value = sshd(host).get("permitrootlogin", ["yes"])[0]
    evidence.add(f"sshd -T: permitrootlogin {value}")
    assert value in ("no", "prohibit-password", "without-password", "forced-commands-only"), (
        f"root may log in with a password (permitrootlogin {value})"
    )


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
    """Live values, and the values the next boot will set (a file read after the role's undoes it)."""
    paths = " ".join("/proc/sys/" + k.replace(".", "/") for k in wanted)
    values = host.check_output(f"cat {paths}").split("\n")
    boot = boot_values(host)
    wrong = []
    for (key, want), got in zip(wanted.items(), values, strict=True):
        got = " ".join(got.split())
        evidence.add(f"{key} = {got}" + ("" if got == want else f" (want {want})"))
        if got != want:
            wrong.append(f"{key}={got}")
        at_boot, source = boot.get(key, (None, ""))
        if at_boot is not None and at_boot != want:
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
