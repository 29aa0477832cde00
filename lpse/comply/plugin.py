"""pytest plugin that runs compliance checks against the hosts of an Ansible inventory.

Loaded by ``lpse comply`` (``-p lpse.comply.plugin``). For every check marked
``@pytest.mark.control("ID")`` it asks the catalogue which groups the control applies to, resolves
them in the inventory (intersected with ``--lpse-limit``) and parametrizes the test once per host.
Tests get ``host`` (a testinfra host over SSH), ``policy`` (the host's ``compliance_*`` inventory
variables: thresholds, never a role's settings) and ``evidence`` (what decided the result).
pytest-xdist spreads the checks over its workers by load; checks of one host may run side by side
(they share one multiplexed SSH connection per host), so a check never takes a host-wide lock for
reading (``lpse-backup status`` shares its lock with other readers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lpse.comply import connect
from lpse.comply.catalogue import Catalogue
from lpse.comply.catalogue import load as load_catalogue
from lpse.comply.hostrun import CheckError


class Evidence(list):
    """Lines of evidence a check records; they appear in every report format."""

    def add(self, line: object) -> None:
        self.append(str(line))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("lpse", "lpse-dc compliance")
    group.addoption("--lpse-inventory", required=True, help="Ansible inventory file")
    group.addoption("--lpse-catalogue", required=True, help="catalogue directory")
    group.addoption("--lpse-limit", default=None, help="Ansible host pattern to limit to")
    group.addoption("--lpse-controls", default="", help="comma-separated control IDs")
    group.addoption("--lpse-areas", default="", help="comma-separated areas")
    group.addoption("--lpse-raw-out", default=None, help="where the controller writes raw results (JSON)")


class _State:
    def __init__(self, config: pytest.Config):
        self.inventory_path = str(Path(config.getoption("lpse_inventory")).resolve())
        self.catalogue: Catalogue = load_catalogue(Path(config.getoption("lpse_catalogue")))
        ids = [c for c in config.getoption("lpse_controls").split(",") if c]
        areas = [a for a in config.getoption("lpse_areas").split(",") if a]
        self.selected = {c.id for c in self.catalogue.select(ids, areas)}
        self.inventory, self.variables = connect.load_inventory(self.inventory_path)
        self.limit = config.getoption("lpse_limit")
        self._hostvars: dict[str, dict[str, Any]] = {}

    def hosts_for(self, control_id: str) -> list[str]:
        control = self.catalogue.controls[control_id]
        hosts = set(connect.hosts_matching(self.inventory, control.applies_to))
        if self.limit:
            hosts &= {h.name for h in self.inventory.get_hosts(self.limit)}
        return sorted(hosts)

    def hostvars(self, name: str) -> dict[str, Any]:
        if name not in self._hostvars:
            self._hostvars[name] = connect.hostvars(self.inventory_path, name)
        return self._hostvars[name]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "control(id): the catalogue control this check decides")
    config.stash[_KEY] = _State(config)


_KEY = pytest.StashKey[_State]()


def _control_of(item_or_def) -> str | None:
    marker = item_or_def.get_closest_marker("control")
    return marker.args[0] if marker and marker.args else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "lpse_host" not in metafunc.fixturenames:
        return
    state = metafunc.config.stash[_KEY]
    control_id = _control_of(metafunc.definition)
    hosts = state.hosts_for(control_id) if control_id in state.selected else []
    metafunc.parametrize("lpse_host", hosts, ids=hosts)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash[_KEY]
    keep, drop = [], []
    for item in items:
        control_id = _control_of(item)
        host = item.callspec.params.get("lpse_host") if hasattr(item, "callspec") else None
        # A control that applies to no selected host is parametrized with pytest's NOTSET: drop it.
        if control_id in state.selected and isinstance(host, str):
            keep.append(item)
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


@pytest.fixture
def policy(request, lpse_host: str) -> dict[str, Any]:
    """The host's compliance_* inventory variables (thresholds and expectations), the
    accounts_* ones that say who should have which access, the access log's settings, and the
    bandwidth, connectivity, device and UPS settings the checks compare the hosts with
    (``connect.PREFIXES``), and the login settings the device checks use themselves."""
    state = request.config.stash[_KEY]
    wanted = tuple(p for p in connect.PREFIXES if p not in ("ansible_", "lab_"))
    # The device checks log in themselves (a Linux router through sudo when the inventory says become).
    login = ("ansible_host", "ansible_user", "ansible_ssh_private_key_file", "ansible_become")
    return {k: v for k, v in state.hostvars(lpse_host).items() if k.startswith(wanted) or k in login}


_HOSTS: dict[str, Any] = {}


@pytest.fixture
def host(request, lpse_host: str):
    """A testinfra host for ``lpse_host``, connected with the inventory's settings."""
    if lpse_host not in _HOSTS:
        _HOSTS[lpse_host] = connect.testinfra_host(request.config.stash[_KEY].inventory_path, lpse_host)
    return _HOSTS[lpse_host]


@pytest.fixture
def evidence(request) -> Evidence:
    ev = Evidence()
    request.node.stash[_EVIDENCE] = ev
    return ev


_EVIDENCE = pytest.StashKey[Evidence]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when in ("setup", "call"):
        ev = item.stash.get(_EVIDENCE, Evidence())
        host = item.callspec.params.get("lpse_host") if hasattr(item, "callspec") else None
        # A check that raised something other than an assertion (or pytest.fail) crashed: the
        # control is undecided (error), not failed.
        crashed = bool(call.excinfo) and not call.excinfo.errisinstance((AssertionError, pytest.fail.Exception))
        evidence = list(ev)
        if crashed:
            # The real cause is the evidence: what could not be done, and what the tool said.
            cause = call.excinfo.value
            name = "" if isinstance(cause, CheckError) else f"{type(cause).__name__}: "
            evidence.append(f"could not check: {name}{cause}")
        meta = {"control": _control_of(item), "host": host, "evidence": evidence, "crashed": crashed}
        report.user_properties.append(("lpse", json.dumps(meta)))


def _message(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash else str(report.longrepr or "")
    first = text.strip().splitlines()[0] if text.strip() else ""
    for prefix in ("AssertionError: ", "Failed: ", "lpse.comply.hostrun.CheckError: ", "CheckError: "):
        if first.startswith(prefix):
            first = first[len(prefix) :]
    return first


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    meta = dict(report.user_properties).get("lpse")
    if not meta:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        data = json.loads(meta)
        crashed = data.pop("crashed", False)
        if report.when == "setup" or (crashed and report.failed):
            outcome = "error"  # the check could not run or crashed: unreachable host, bad output, ...
        else:
            outcome = {"passed": "pass", "failed": "fail", "skipped": "skip"}[report.outcome]
        _RESULTS.append(
            {
                **data,
                "outcome": outcome,
                "message": "" if report.passed else _message(report),
                "seconds": round(report.duration, 3),
            }
        )


_RESULTS: list[dict[str, Any]] = []


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return  # xdist workers: the controller gathers every report
    out = session.config.getoption("lpse_raw_out")
    if out:
        Path(out).write_text(json.dumps(_RESULTS, indent=1))
