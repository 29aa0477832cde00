"""playbooks/site.yml provisions every lab server, and a second run changes nothing (the first is
the session's `converged` fixture; every test before this one put back what it broke)."""

import pytest

from lpse.runner import run_playbook


@pytest.mark.smoke
def test_site_converges_then_changes_nothing(converged):
    lab = converged
    second = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    assert second.ok, second.failures
    # the servers and the router; the switch through the network_device role (from the control node)
    servers = {"spse-app-01", "spse-db-01", "mgmt-01", "edge-01", "sw-core-01"}
    assert set(second.hosts) == servers
    changed = {h: s.get("changed", 0) for h, s in second.hosts.items()}
    assert changed == dict.fromkeys(servers, 0), f"second run changed something: {changed}"
    # Every task result is in the runner's job events, without parsing stdout.
    assert any(e.get("event") == "runner_on_ok" for e in second.events)


def test_a_check_run_never_leaks_into_the_next_run(converged):
    lab = converged
    """ansible-runner persists its command line in its data dir; a --check must not stick."""
    from tests.lab.conftest import ssh

    ssh(lab, "mgmt-01", "echo 'edited by hand' > /etc/motd")
    checked = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, limit="mgmt-01", check=True, quiet=True)
    assert checked.drift == {"mgmt-01": ["base : LPSE-21.1-BANNER-01 | Write the message of the day"]}
    applied = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, limit="mgmt-01", quiet=True)
    assert applied.total("changed") == 1
    assert "edited by hand" not in ssh(lab, "mgmt-01", "cat /etc/motd").stdout


UBUNTU = (
    'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\n'
    "VERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n"
)


def test_another_system_is_refused_before_anything_changes(converged):
    """A host whose /etc/os-release names a system the roles are not tested on stops site.yml in
    its first play, naming what is supported; no file under /etc or /usr/local changes on it or on
    any other host (the base role's preflight; any_errors_fatal)."""
    from tests.lab.conftest import ssh

    lab = converged
    hosts = ("spse-db-01", "spse-app-01")
    ssh(lab, "spse-db-01", f"mv /etc/os-release /root/os-release.keep && printf '{UBUNTU}' > /etc/os-release")
    try:
        for host in hosts:  # a hand-made change that the run would otherwise repair
            ssh(lab, host, "echo 'edited by hand' > /etc/motd && touch -d '-1 min' /etc/motd && touch /root/marker")
        result = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
        assert not result.ok
        assert any(
            "spse-db-01 runs Ubuntu 24.04" in f and "the roles support Debian 12" in f for f in result.failures
        ), result.failures
        assert result.total("changed") == 0, result.drift
        for host in hosts:
            changed = ssh(lab, host, "find /etc /usr/local -newer /root/marker -print").stdout.split()
            assert changed == [], (host, changed)
            assert ssh(lab, host, "cat /etc/motd").stdout == "edited by hand\n"
    finally:
        ssh(lab, "spse-db-01", "rm /etc/os-release && mv /root/os-release.keep /etc/os-release")
        fixed = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, tags="LPSE-21.1-BANNER-01", quiet=True)
        assert fixed.ok, fixed.failures
