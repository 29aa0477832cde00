"""playbooks/site.yml provisions every lab server, and a second run changes nothing."""

from lpse.runner import run_playbook


def test_site_converges_then_changes_nothing(lab):
    first = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    assert first.ok, first.hosts
    servers = {"spse-app-01", "spse-db-01", "mgmt-01", "edge-01"}
    assert set(first.hosts) == servers
    second = run_playbook("playbooks/site.yml", inventory=lab.inventory_path, quiet=True)
    assert second.ok
    changed = {h: s.get("changed", 0) for h, s in second.hosts.items()}
    assert changed == dict.fromkeys(servers, 0), f"second run changed something: {changed}"
    # Every task result is in the runner's job events, without parsing stdout.
    assert any(e.get("event") == "runner_on_ok" for e in second.events)
