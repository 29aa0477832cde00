"""Bandwidth shaping measured, not assumed (Pasal 22 huruf b): iperf3 between lab hosts through
the policies of inventory/lab/group_vars (spse_app.yml: the app server's eth0; routers.yml:
edge-01's internet link eth1). The receiver's figure is the one read; each test prints it.

- SPSE's answers (sport 443 from the app server) to the internet: the edge's spse class, ceil 80mbit;
- the app server's other traffic to the internet: its default class, ceil 30mbit;
- the office LAN's traffic to the internet: the edge's default class, ceil 40mbit;
- both at once: SPSE keeps at least its guaranteed 60mbit, the office gets no more than 40mbit;
- an unshaped path (two hosts on the internet segment) is not held back.
"""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from tests.lab.conftest import ssh

APP, OUTSIDE, LKPP = "10.213.0.11", "198.51.100.10", "198.51.100.20"
TOLERANCE = 0.10
# Hosts outside lpse_servers have never run apt-get update (the base role does it on servers).
INSTALL_IPERF3 = "command -v iperf3 >/dev/null || (apt-get update -q && apt-get install -y -q iperf3)"


@pytest.fixture(scope="module")
def shaped(converged):
    lab = converged
    for host in ("spse-app-01", "mgmt-01", "outside-01", "lkpp-mon-01"):
        ssh(lab, host, INSTALL_IPERF3, timeout=300)
    return lab


def server(lab, host: str, port: int, bind: str | None = None) -> None:
    """One iperf3 server for one test, as a transient unit that ends by itself."""
    unit = f"lpse-iperf-{port}"
    ssh(lab, host, f"systemctl stop {unit} 2>/dev/null; systemctl reset-failed {unit} 2>/dev/null; true")
    bind_opt = f"-B {bind}" if bind else ""
    ssh(lab, host, f"systemd-run --unit={unit} -p RuntimeMaxSec=60 iperf3 -s -1 -p {port} {bind_opt}")
    for _ in range(50):
        if ssh(lab, host, f"ss -ltn 'sport = :{port}' | grep -q LISTEN", check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"iperf3 on {host}:{port} did not start")


def client_argv(lab, host: str, address: str, port: int, reverse: bool = False) -> list[str]:
    return lab.ssh_argv(host, [f"iperf3 -c {address} -p {port} -t 3 -O 1 -J {'-R' if reverse else ''}"])


def mbits(proc_stdout: str) -> float:
    doc = json.loads(proc_stdout)
    assert "error" not in doc, doc["error"]
    return doc["end"]["sum_received"]["bits_per_second"] / 1e6


def measure(lab, client: str, server_host: str, address: str, port: int, reverse: bool = False) -> float:
    server(lab, server_host, port)
    proc = subprocess.run(client_argv(lab, client, address, port, reverse), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout[-500:] + proc.stderr
    return mbits(proc.stdout)


def within(measured: float, rate: float) -> bool:
    return abs(measured - rate) <= TOLERANCE * rate


@pytest.fixture
def spse_port_free(shaped):
    """iperf3 stands in for SPSE on the app server's port 443 (what the policy matches): nginx
    steps aside for the measurement and comes back after it."""
    ssh(shaped, "spse-app-01", "systemctl stop nginx")
    try:
        yield shaped
    finally:
        ssh(shaped, "spse-app-01", "systemctl start nginx")


def test_spse_answers_to_the_internet_get_the_spse_class_ceil(spse_port_free):
    rate = measure(spse_port_free, "outside-01", "spse-app-01", APP, 443, reverse=True)
    print(f"SPSE (app:443 -> outside-01, through edge-01): {rate:.1f} Mbit/s; policy: ceil 80mbit")
    assert within(rate, 80), rate


def test_other_traffic_of_the_app_server_gets_its_default_class_ceil(shaped):
    rate = measure(shaped, "spse-app-01", "outside-01", OUTSIDE, 5201)
    print(f"app server, other traffic (-> outside-01:5201): {rate:.1f} Mbit/s; policy: ceil 30mbit")
    assert within(rate, 30), rate


def test_office_traffic_to_the_internet_gets_the_edge_default_class_ceil(shaped):
    rate = measure(shaped, "mgmt-01", "outside-01", OUTSIDE, 5202)
    print(f"office LAN (mgmt-01 -> outside-01:5202, through edge-01): {rate:.1f} Mbit/s; policy: ceil 40mbit")
    assert within(rate, 40), rate


def test_spse_keeps_its_guarantee_while_the_office_saturates_the_link(spse_port_free):
    lab = spse_port_free
    server(lab, "spse-app-01", 443)
    server(lab, "outside-01", 5203)
    office = subprocess.Popen(
        lab.ssh_argv("mgmt-01", ["iperf3 -c 198.51.100.10 -p 5203 -t 5 -O 1 -J"]), stdout=subprocess.PIPE, text=True
    )
    time.sleep(1)  # the office flow is running before SPSE's starts
    spse = subprocess.run(client_argv(lab, "outside-01", APP, 443, reverse=True), capture_output=True, text=True)
    office_out, _ = office.communicate(timeout=60)
    spse_rate, office_rate = mbits(spse.stdout), mbits(office_out)
    print(f"at once: SPSE {spse_rate:.1f} Mbit/s (guaranteed 60mbit), office {office_rate:.1f} Mbit/s (ceil 40mbit)")
    assert spse_rate >= 60 * (1 - TOLERANCE), spse_rate
    assert office_rate <= 40 * (1 + TOLERANCE), office_rate


def test_an_unshaped_path_is_not_held_back(shaped):
    rate = measure(shaped, "outside-01", "lkpp-mon-01", LKPP, 5204)
    print(f"unshaped (outside-01 -> lkpp-mon-01, one segment): {rate:.1f} Mbit/s")
    assert rate > 200, rate


def test_the_policy_comes_back_after_a_reboot(shaped):
    lab = shaped
    before = ssh(lab, "edge-01", "tc class show dev eth1").stdout
    assert "rate 60Mbit ceil 80Mbit" in before
    ssh(lab, "edge-01", "systemctl reboot", check=False)
    time.sleep(2)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        up = ssh(lab, "edge-01", "systemctl is-system-running --wait", check=False, timeout=30)
        if up.stdout.strip() in ("running", "degraded"):
            break
        time.sleep(1)
    after = ssh(lab, "edge-01", "tc class show dev eth1").stdout
    assert sorted(after.splitlines()) == sorted(before.splitlines()), after
    assert ssh(lab, "edge-01", "systemctl is-active lpse-tc@eth1.service").stdout.strip() == "active"


def test_traffic_records_carry_interface_and_class_counters(shaped):
    lab = shaped
    ssh(lab, "spse-app-01", "systemctl start lpse-traffic.service")
    last = json.loads(ssh(lab, "spse-app-01", "tail -n 1 /var/lib/lpse/traffic/records.jsonl").stdout)
    classes = last["classes"]["eth0"]
    assert {c["name"] for c in classes.values()} == {"admin", "spse", "database", "other"}
    assert classes["1:40"]["bytes"] > 10_000_000, classes  # the default class carried the iperf3 runs
    assert last["interfaces"]["eth0"]["tx_bytes"] >= classes["1:40"]["bytes"]
