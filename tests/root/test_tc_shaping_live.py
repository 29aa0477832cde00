"""library/tc_shaping.py run by Ansible against the real tc, on a veth in a throwaway network
namespace (root, as CI is): idempotence, check mode, purge, bad input, and the rollback when a
command fails halfway (a wrapper in front of tc slips a bad command into the batch)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("tc"), reason="needs root and tc")

POLICY = {
    "interface": "eth0",
    "rate": "100mbit",
    "classes": [
        {"name": "admin", "rate": "5mbit", "priority": 0, "match": [{"protocol": "tcp", "sport": 22}]},
        {"name": "spse", "rate": "70mbit", "priority": 1, "match": [{"protocol": "tcp", "sport": [80, 443]}]},
        {"name": "other", "rate": "10mbit", "ceil": "30mbit", "priority": 7, "default": True},
    ],
}

BREAKER = """#!/bin/sh
# tc, except that a batch gets a bad command after its third line (applying fails halfway)
case " $* " in *" -batch "*) case " $* " in *" -force "*) exec {tc} "$@";; esac
  awk 'NR==4 {{print "class add dev eth0 parent 1:1 classid 1:77 htb rate nonsense"}} {{print}}' | {tc} "$@"
  exit $?;;
esac
exec {tc} "$@"
"""


@pytest.fixture
def netns():
    name = f"lpse-tc-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"], check=True)
        subprocess.run(["ip", "-n", name, "link", "set", "eth0", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


def module(netns: str, args: dict, *flags: str, path_prefix: str | None = None) -> tuple[str, dict]:
    env = {**os.environ, "ANSIBLE_STRATEGY": "linear"}
    if path_prefix:
        env["PATH"] = f"{path_prefix}:{env['PATH']}"
    argv = ["ip", "netns", "exec", netns, "ansible", "localhost", "-i", "localhost,", "-c", "local", "-o"]
    argv += ["-e", f"ansible_python_interpreter={shutil.which('python3', path=os.environ['PATH'])}"]
    argv += ["-m", "tc_shaping", "-a", json.dumps(args), *flags]
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    line = next((x for x in proc.stdout.splitlines() if x.startswith("localhost | ")), None)
    assert line, proc.stdout + proc.stderr
    status, _, doc = line[len("localhost | ") :].partition(" => ")
    return status.split()[0].rstrip("!"), json.loads(doc)


def tc(netns: str, *args: str) -> str:
    return subprocess.run(["ip", "netns", "exec", netns, "tc", *args], capture_output=True, text=True).stdout


def test_check_mode_changes_nothing_then_apply_then_nothing_to_do(netns):
    status, out = module(netns, POLICY, "--check", "--diff")
    assert status == "CHANGED" and "htb" not in tc(netns, "qdisc", "show", "dev", "eth0")
    status, out = module(netns, POLICY)
    assert status == "CHANGED", out
    assert "class htb 1:20 parent 1:1 prio 1 rate 70Mbit ceil 100Mbit" in tc(netns, "class", "show", "dev", "eth0")
    status, out = module(netns, POLICY)
    assert (status, out["commands"]) == ("SUCCESS", []), out


def test_a_hand_made_class_is_removed_and_a_rate_change_is_one_command(netns):
    module(netns, POLICY)
    subprocess.run(["ip", "netns", "exec", netns, "tc", "class", "add", "dev", "eth0", "parent", "1:1",
                    "classid", "1:99", "htb", "rate", "1mbit"], check=True)  # fmt: skip
    changed = json.loads(json.dumps(POLICY))
    changed["classes"][1]["rate"] = "60mbit"
    status, out = module(netns, changed)
    assert status == "CHANGED" and "class del dev eth0 classid 1:99" in out["commands"], out
    assert "1:99" not in tc(netns, "class", "show", "dev", "eth0")
    assert module(netns, changed)[0] == "SUCCESS"


def test_a_failure_halfway_rebuilds_the_earlier_state(netns, tmp_path):
    module(netns, POLICY)
    before = tc(netns, "-d", "class", "show", "dev", "eth0") + tc(netns, "filter", "show", "dev", "eth0")
    wrapper = tmp_path / "bin"
    wrapper.mkdir()
    (wrapper / "tc").write_text(BREAKER.format(tc=shutil.which("tc")))
    (wrapper / "tc").chmod(0o755)
    changed = json.loads(json.dumps(POLICY))
    changed["classes"][0]["match"] = [{"protocol": "tcp", "sport": 2222}]  # filters are rewritten
    changed["classes"][1]["rate"] = "50mbit"
    status, out = module(netns, changed, path_prefix=str(wrapper))
    assert status == "FAILED" and out["rolled_back"] is True, out
    assert "the earlier state was rebuilt" in out["msg"]
    after = tc(netns, "-d", "class", "show", "dev", "eth0") + tc(netns, "filter", "show", "dev", "eth0")
    assert _stable(after) == _stable(before)


def _stable(text: str) -> list[str]:
    """tc's class and filter listing without what changes on every build (handles, counters)."""
    keep = []
    for line in text.splitlines():
        words = [w for w in line.split() if not w.startswith(("fh", "800", "801", "802", "803", "804"))]
        keep.append(" ".join(words))
    return sorted(keep)


def test_bad_input_and_an_unknown_interface_change_nothing(netns):
    status, out = module(netns, {**POLICY, "interface": "eth9"})
    assert status == "FAILED" and "interface 'eth9' does not exist on this host; it has: lo, " in out["msg"]
    assert "eth0" in out["msg"].split("it has:")[1]
    bad = json.loads(json.dumps(POLICY))
    bad["classes"][2]["ceil"] = "5mbit"
    status, out = module(netns, bad)
    assert status == "FAILED" and out["msg"] == "eth0.classes[2] (other): ceil 5mbit is below rate 10mbit"
    assert "htb" not in tc(netns, "qdisc", "show", "dev", "eth0")


def test_absent_gives_the_interface_back_to_the_kernel_default(netns):
    module(netns, POLICY)
    status, _out = module(netns, {"interface": "eth0", "state": "absent"})
    assert status == "CHANGED" and "htb" not in tc(netns, "qdisc", "show", "dev", "eth0")
    assert module(netns, {"interface": "eth0", "state": "absent"})[0] == "SUCCESS"
