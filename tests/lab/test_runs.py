"""How a run is driven and reported at scale (issue 9): a host that stops in the middle of a run is
reported unreachable in the per-host summary while the others finish, and ansible-runner's
artifacts give every task result of the run without reading its output."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from lpse.lab import cgroup
from lpse.lab.manager import Lab
from tests.conftest import ROOT
from tests.lab.conftest import ssh

TOPOLOGY = Path(__file__).parent / "topologies/runs/topology.yml"
STEPS = ["Step 1 | Answer", "Step 2 | Work for a while", "Step 3 | Answer again", "Step 4 | Write a file"]


@pytest.fixture(scope="module")
def trio():
    if os.geteuid() != 0:
        pytest.skip("lab tests need root")
    lab = Lab(TOPOLOGY)
    lab.up(progress=print, fresh=True)
    lab.bootstrap(progress=print)
    yield lab
    lab.down(progress=print, purge=True)


def provision_argv(lab: Lab) -> list[str]:
    return [
        sys.executable,
        "-m",
        "lpse.cli",
        "provision",
        "-i",
        str(lab.inventory_path),
        "tests/lab/playbooks/steps.yml",
    ]


def summary_rows(output: str, first: str = "run-") -> dict[str, list[str]]:
    """{name: [the other cells]} for the rows of a table lpse prints whose first cell starts with
    ``first`` (hosts of the run summary: ok, changed, failed, unreachable, time; or sites)."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if cells and cells[0].startswith(first):
            rows[cells[0]] = cells[1:]
    return rows


def test_a_host_stopped_mid_run_is_unreachable_while_the_others_finish(trio):
    env = {**os.environ, "COLUMNS": "200", "LPSE_LANG": "en"}
    argv = [
        sys.executable,
        "-m",
        "lpse.cli",
        "provision",
        "-i",
        str(trio.inventory_path),
        "tests/lab/playbooks/steps.yml",
    ]
    run = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # run-02 is inside step 2
            if ssh(trio, "run-02", "pgrep -x sleep", check=False).returncode == 0:
                break
            time.sleep(0.3)
        else:
            pytest.fail("run-02 never reached step 2")
        cgroup.kill(trio.cg("run-02"))  # its power is cut
        output, _ = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
    print(output)
    assert run.returncode == 1, output
    rows = summary_rows(output)
    assert rows["run-02"][2:4] == ["0", "1"], rows  # failed 0, unreachable 1
    for host in ("run-01", "run-03"):
        assert rows[host][:4] == ["4", "1", "0", "0"], rows  # all four steps; step 4 changed
    assert "unreachable run-02" in output  # said live, when it happened

    # Every task result, from the artifacts alone.
    artifacts = Path(re.search(r"ansible-runner artifacts: (\S+)", output).group(1))
    events = [json.loads(p.read_text()) for p in sorted((artifacts / "job_events").glob("*.json"))]
    results = {
        (e["event_data"]["host"], e["event_data"]["task"]): e["event"].removeprefix("runner_on_")
        for e in events
        if e["event"] in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable", "runner_on_skipped")
    }
    expected = {(h, step): "ok" for h in ("run-01", "run-03") for step in STEPS}
    expected |= {("run-02", STEPS[0]): "ok", ("run-02", STEPS[1]): "unreachable"}
    assert results == expected
    assert (artifacts / "status").read_text() == "failed" and (artifacts / "rc").read_text() != "0"


def test_the_stopped_host_comes_back_and_the_run_completes(trio):
    trio.up(progress=print)  # repairs the stopped member
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lpse.cli",
            "provision",
            "-i",
            str(trio.inventory_path),
            "tests/lab/playbooks/steps.yml",
        ],
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200", "LPSE_LANG": "en"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = summary_rows(proc.stdout + proc.stderr)
    assert {h: r[:4] for h, r in rows.items()} == {h: ["4", "0", "0", "0"] for h in ("run-01", "run-03")} | {
        "run-02": ["4", "1", "0", "0"]
    }


def split_inventory(lab: Lab, tree: Path, sites: dict[str, list[str]]) -> None:
    """One inventory per site, each holding only its hosts (with the lab's connection settings)."""
    from lpse.lab.inventory import Vaulted, _Dumper

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!vault", lambda loader, node: Vaulted(loader.construct_scalar(node)))
    whole = yaml.load(lab.inventory_path.read_text(), Loader=Loader)
    for site, hosts in sites.items():
        doc = copy.deepcopy(whole)
        for group in doc["all"]["children"].values():
            if "hosts" in group:
                group["hosts"] = {h: v for h, v in group["hosts"].items() if h in hosts}
        (tree / site).mkdir(parents=True)
        (tree / site / "hosts.yml").write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False))


def test_many_sites_are_audited_each_with_its_own_results(trio, tmp_path):
    tree, results = tmp_path / "sites", tmp_path / "results"
    split_inventory(trio, tree, {"kab-a": ["run-01"], "kab-b": ["run-02", "run-03"]})
    argv = [sys.executable, "-m", "lpse.cli", "comply", "--sites", str(tree), "--results-dir", str(results)]
    env = {**os.environ, "COLUMNS": "200", "LPSE_LANG": "en"}
    proc = subprocess.run([*argv, "--control", "LPSE-21.5-TIME-01"], cwd=ROOT, env=env, capture_output=True, text=True)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 1, proc.stderr  # the hosts keep Etc/UTC: the control fails on each
    rows = summary_rows(proc.stdout, "kab-")
    assert rows == {"kab-a": ["1", "0.0%", "0", "1", "0", "0"], "kab-b": ["2", "0.0%", "0", "2", "0", "0"]}, rows
    for site, hosts in (("kab-a", ["run-01"]), ("kab-b", ["run-02", "run-03"])):
        (run_dir,) = (results / "sites" / site / "compliance").iterdir()
        doc = json.loads((run_dir / "results.json").read_text())
        assert sorted(r["host"] for r in doc["results"]) == hosts
        assert (run_dir / "junit.xml").exists()

    # A site whose waivers do not parse stops the whole run before any host is audited.
    (tree / "kab-c").mkdir()
    (tree / "kab-c" / "hosts.yml").write_text((tree / "kab-a" / "hosts.yml").read_text())
    (tree / "kab-c" / "waivers.yml").write_text("waivers: [{control: LPSE-99-NOPE-01}]\n")
    again = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "site kab-c:" in again.stderr, again.stderr
    assert len(list((results / "sites" / "kab-a" / "compliance").iterdir())) == 1  # nothing new anywhere
