"""What the accounts role leaves on a host, read from the host itself."""


def sudo_list(host, user):
    return host.run("sudo -n -l -U %s", user).stdout


def test_only_admin_sistem_has_sudo(host):
    assert "(ALL : ALL) NOPASSWD: ALL" in sudo_list(host, "budi")
    assert "not allowed to run sudo" in sudo_list(host, "dewi")
    assert "lpse-admin" in host.user("budi").groups and "lpse-admin" not in host.user("dewi").groups


def test_active_staff_have_exactly_their_keys(host):
    keys = host.file("/home/dewi/.ssh/authorized_keys")
    assert keys.mode == 0o600 and keys.user == "dewi"
    lines = [x for x in keys.content_string.splitlines() if x and not x.startswith("#")]
    assert lines == ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO1HhEGn8XZCetIbClVNmB4jMjAaqJtxnRwwcmOXUzYV dewi@lpse"]


def test_inactive_staff_are_locked_without_keys(host):
    shadow = host.check_output("getent shadow hendra").split(":")
    assert shadow[1].startswith("!") and shadow[7] in ("0", "1")
    assert host.user("hendra").shell == "/usr/sbin/nologin"
    assert not host.file("/home/hendra/.ssh/authorized_keys").exists
    assert "lpse-ssh" not in host.user("hendra").groups


def test_lkpp_account_is_restricted(host):
    keys = host.file("/home/lkpp-monitor/.ssh/authorized_keys").content_string
    assert 'from="198.51.100.20/32",no-port-forwarding' in keys
    listing = sudo_list(host, "lkpp-monitor")
    assert "(root) NOPASSWD: /usr/bin/df -h, /usr/bin/free -m" in listing
    assert "ALL\n" not in listing.split("may run the following commands")[-1]
