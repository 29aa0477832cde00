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
