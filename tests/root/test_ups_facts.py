"""module_utils/lpse_nut.py and library/ups_facts.py against the real Network UPS Tools: upsd and
the dummy-ups driver, started on loopback in a scratch directory (root, as CI is)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "module_utils"))
import lpse_nut

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/lib/nut/upsd"), reason="needs root and nut-server"
)

DEV = "ups.status: OL\nbattery.charge: 100\nbattery.runtime: 1800\nups.load: 35\ninput.voltage: 220\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def upsd(tmp_path):
    conf = tmp_path / "nut"
    conf.mkdir()
    port = free_port()
    (conf / "ups.conf").write_text('[lab-ups]\n  driver = dummy-ups\n  port = lab-ups.dev\n  desc = "lab"\n')
    (conf / "lab-ups.dev").write_text(DEV)
    (conf / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    (conf / "upsd.users").write_text("[monitor]\n  password = rahasia-uji\n  upsmon primary\n")
    for name in ("upsd.conf", "upsd.users"):
        (conf / name).chmod(0o600)
    env = {**os.environ, "NUT_CONFPATH": str(conf), "NUT_STATEPATH": str(conf), "NUT_ALTPIDPATH": str(conf)}
    driver = subprocess.Popen(["/lib/nut/dummy-ups", "-a", "lab-ups", "-u", "root", "-F"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(0.5)
    server = subprocess.Popen(["/lib/nut/upsd", "-u", "root", "-F"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if lpse_nut.read("127.0.0.1", "lab-ups", port)["charge_pct"] is not None:
                break  # the driver's first data is in (upsd says WAIT until then)
            time.sleep(0.2)
        except lpse_nut.NutError:
            time.sleep(0.2)
    yield port, conf
    for proc in (server, driver):
        proc.terminate()
        proc.wait(timeout=10)


def test_facts_are_typed_and_follow_the_ups(upsd):
    port, conf = upsd
    ups = lpse_nut.read("127.0.0.1", "lab-ups", port, "monitor", "rahasia-uji")
    assert (ups["online"], ups["charge_pct"], ups["runtime_s"], ups["load_pct"]) == (True, 100.0, 1800, 35.0)
    assert ups["logins"] == 0 and ups["clients"] == []  # no upsmon yet; this reader is not counted
    (conf / "lab-ups.dev").write_text(DEV.replace("OL", "OB LB").replace("100", "18"))
    deadline = time.monotonic() + 15  # dummy-ups re-reads its file every few seconds
    while time.monotonic() < deadline and not lpse_nut.read("127.0.0.1", "lab-ups", port)["low_battery"]:
        time.sleep(0.5)
    ups = lpse_nut.read("127.0.0.1", "lab-ups", port)
    assert ups["on_battery"] and ups["low_battery"] and not ups["online"] and ups["charge_pct"] == 18.0


def test_an_unknown_ups_a_refused_login_and_no_server_are_named(upsd):
    port, _ = upsd
    with pytest.raises(lpse_nut.NutError, match=r"knows no UPS named 'ups-99'; it has: lab-ups"):
        lpse_nut.read("127.0.0.1", "ups-99", port)
    with pytest.raises(lpse_nut.NutError, match=r"user monitor on lab-ups: the login was refused .*ACCESS-DENIED"):
        lpse_nut.read("127.0.0.1", "lab-ups", port, "monitor", "salah")
    with pytest.raises(lpse_nut.NutError, match=r"cannot reach the NUT server at 127.0.0.1:\d+"):
        lpse_nut.read("127.0.0.1", "lab-ups", free_port())


def module(args: dict) -> tuple[str, dict]:
    env = {**os.environ, "ANSIBLE_STRATEGY": "linear"}
    python = shutil.which("python3", path=os.environ["PATH"])
    argv = [
        "ansible",
        "localhost",
        "-i",
        "localhost,",
        "-c",
        "local",
        "-o",
        "-e",
        f"ansible_python_interpreter={python}",
    ]
    argv += ["-m", "ups_facts", "-a", json.dumps(args), "--check"]
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("localhost | "))
    status, _, doc = line[len("localhost | ") :].partition(" => ")
    return status.split()[0].rstrip("!"), json.loads(doc)


def test_the_module_returns_facts_and_fails_clearly(upsd):
    port, _ = upsd
    status, out = module({"host": "127.0.0.1", "port": port, "ups": "lab-ups"})
    assert status == "SUCCESS" and out["ansible_facts"]["lpse_ups"]["status"] == "OL"
    status, out = module({"host": "127.0.0.1", "port": port, "ups": "ups-01"})
    assert status == "FAILED" and "knows no UPS named 'ups-01'; it has: lab-ups" in out["msg"]
