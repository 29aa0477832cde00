"""What the hardening role leaves on a host, read from the host itself."""

import json


def sshd(host):
    out = {}
    for line in host.check_output("sshd -T").splitlines():
        key, _, value = line.partition(" ")
        out.setdefault(key, []).append(value)
    return out


def test_sshd_keys_only_for_listed_groups(host):
    cfg = sshd(host)
    assert cfg["passwordauthentication"] == ["no"]
    assert cfg["kbdinteractiveauthentication"] == ["no"]
    assert cfg["permitrootlogin"] == ["without-password"]  # sshd -T's name for prohibit-password
    assert sorted(g for line in cfg["allowgroups"] for g in line.split()) == ["lpse-ssh", "root"]
    assert "cbc" not in cfg["ciphers"][0] and "sha1" not in cfg["macs"][0]


def test_a_drop_in_cannot_weaken_it(host):
    host.run_expect([0], "echo 'PasswordAuthentication yes' > /etc/ssh/sshd_config.d/00-weaker.conf")
    try:
        assert sshd(host)["passwordauthentication"] == ["no"]
    finally:
        host.run_expect([0], "rm /etc/ssh/sshd_config.d/00-weaker.conf")


def test_no_rollback_left_armed(host):
    assert host.run("systemctl is-active lpse-sshd-rollback.timer").stdout.strip() != "active"


def test_network_sysctls_applied_and_persisted(host):
    assert host.file("/proc/sys/net/ipv4/conf/all/accept_redirects").content_string.strip() == "0"
    assert host.file("/proc/sys/net/ipv4/tcp_syncookies").content_string.strip() == "1"
    conf = host.file("/etc/sysctl.d/60-lpse-hardening.conf").content_string
    assert "net.ipv4.conf.all.accept_redirects = 0" in conf and "kernel.kptr_restrict = 2" in conf


def test_read_only_kernel_parameters_are_recorded(host):
    recorded = json.loads(host.file("/var/lib/lpse/hardening-sysctl-readonly.json").content_string)
    # A lab host shares the machine's kernel: whatever the machine has not set is read-only here
    # (kernel-wide parameters only; every net.* one of a network namespace can be set).
    for key in recorded["read_only"]:
        assert key.startswith(("kernel.", "fs.", "vm.", "dev.")), key
