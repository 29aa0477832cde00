"""The attack-surface checks' parsing (compliance/checks/test_hardening.py): modprobe's effective
rules and the order pam_limits reads limits files in."""

from __future__ import annotations

from tests.conftest import load_checks


def checks():
    return load_checks("test_hardening.py")


def test_a_module_is_out_only_with_both_rules_and_dashes_match_underscores():
    rules = checks().modprobe_rules(
        "install usb_storage /bin/false\nblacklist usb_storage\nblacklist cramfs\n"
        "install sctp /sbin/modprobe --ignore-install sctp\nblacklist sctp\nalias net-pf-10 ipv6\n"
    )
    assert rules["usb_storage"] == {"install", "blacklist"}
    assert rules["cramfs"] == {"blacklist"}  # blacklist alone: a direct modprobe still loads it
    assert rules["sctp"] == {"blacklist"}  # an install line that loads the module is no rule


def test_the_last_hard_core_limit_for_everyone_wins_in_pam_limits_order():
    limits = checks().core_limits(
        {
            "/etc/security/limits.d/90-local.conf": "*  hard  core  unlimited\n",
            "/etc/security/limits.conf": "# comment\n*  hard  core  0\nbudi hard core 100\n",
            "/etc/security/limits.d/60-lpse-core.conf": "*  -  core  0  # both\n",
        }
    )
    assert limits == [
        ("/etc/security/limits.conf:2", "hard", "0"),
        ("/etc/security/limits.d/60-lpse-core.conf:1", "-", "0"),
        ("/etc/security/limits.d/90-local.conf:1", "hard", "unlimited"),
    ]
