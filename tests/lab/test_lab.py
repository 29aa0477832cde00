"""The lab data centre answers as real hosts and devices do."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import ansible_runner
import pytest

from lpse.lab import cgroup, probe
from tests.conftest import ROOT
from tests.lab.conftest import ssh

UPS = "1.3.6.1.2.1.33.1"


def test_every_lab_host_answers_ansible(lab, tmp_path):
    result = ansible_runner.run(
        private_data_dir=str(tmp_path),
        host_pattern="linux",
        module="ansible.builtin.ping",
        inventory=str(lab.inventory_path),
        envvars={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
        quiet=True,
    )
    assert result.rc == 0, result.stdout.read()
    assert set(result.stats["ok"]) == set(lab.topo.hosts)


@pytest.mark.parametrize("host", ["spse-app-01", "spse-db-01", "mgmt-01", "edge-01", "outside-01", "lkpp-mon-01"])
def test_host_boots_systemd_to_running(lab, host):
    assert ssh(lab, host, "systemctl is-system-running").stdout.strip() == "running"
    assert ssh(lab, host, "hostname").stdout.strip() == host
    assert ssh(lab, host, "cat /proc/1/comm").stdout.strip() == "systemd"


def test_hosts_have_their_own_identity(lab):
    keys = {h: ssh(lab, h, "cat /etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1] for h in lab.topo.hosts}
    ids = {h: ssh(lab, h, "cat /etc/machine-id").stdout.strip() for h in lab.topo.hosts}
    assert len(set(keys.values())) == len(keys)
    assert len(set(ids.values())) == len(ids)


def test_hosts_use_only_the_offline_mirror(lab):
    sources = ssh(lab, "spse-app-01", "cat /etc/apt/sources.list /etc/apt/sources.list.d/*").stdout
    assert re.findall(r"^deb .*", sources, re.M) == ["deb [trusted=yes] http://10.213.0.1:3142/ ./"]
    out = ssh(lab, "outside-01", "apt-get update && apt-cache policy iperf3").stdout
    assert "198.51.100.1:3142" in out


def test_outside_reaches_the_app_server_only_through_edge(lab):
    assert Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() == "0", "the control node must not route"
    trace = ssh(lab, "outside-01", "traceroute -I -n -q 1 -w 1 10.213.0.11").stdout
    print(trace)
    hops = re.findall(r"^\s*(\d+)\s+(\S+)", trace, re.M)
    assert hops == [("1", "198.51.100.254"), ("2", "10.213.0.11")]
    # The app server sees the packet after one router: TTL 64 - 1.
    ping = ssh(lab, "outside-01", "ping -c 1 -W 2 10.213.0.11").stdout
    assert "ttl=63" in ping

    edge_ns = lab.topo.netns("edge-01")
    subprocess.run(["ip", "-n", edge_ns, "link", "set", "eth0", "down"], check=True)
    try:
        cut = ssh(lab, "outside-01", "ping -c 2 -W 1 10.213.0.11", check=False)
        assert cut.returncode != 0, "outside-01 still reaches spse-app-01 with edge-01's LAN link down"
        assert ssh(lab, "outside-01", "nc -z -w 2 10.213.0.11 22", check=False).returncode != 0
    finally:
        subprocess.run(["ip", "-n", edge_ns, "link", "set", "eth0", "up"], check=True)
    assert ssh(lab, "outside-01", "ping -c 1 -W 3 10.213.0.11", check=False).returncode == 0


def test_lan_and_internet_hosts_reach_each_other_through_edge(lab):
    assert "ttl=63" in ssh(lab, "spse-app-01", "ping -c 1 -W 2 198.51.100.20").stdout


@pytest.fixture
def ups_reset(lab):
    yield
    lab.set("ups-01", ["ups.status=OL", "battery.charge=100", "battery.runtime=1800"])
    lab.set("envmon-01", ["temperature=23.5", "humidity=45"])


def snmp(lab, device: str, *oids: str) -> dict[str, str]:
    addr = str(lab.topo.devices[device].address)
    values = probe.snmp_get(addr, lab.secrets()["snmp_community"], list(oids))
    return {oid: str(v) for oid, v in values.items()}


# Never a low battery (LB) here: with the ups role on the servers, a low battery powers them off.
# tests/lab/test_power.py's drill does that on purpose, after every other test.


def test_snmp_returns_the_values_last_set(lab, ups_reset):
    lab.set("ups-01", ["ups.status=OB DISCHRG", "battery.charge=18", "battery.runtime=420"])
    got = snmp(lab, "ups-01", f"{UPS}.4.1.0", f"{UPS}.2.1.0", f"{UPS}.2.4.0", f"{UPS}.2.3.0")
    assert got == {f"{UPS}.4.1.0": "5", f"{UPS}.2.1.0": "2", f"{UPS}.2.4.0": "18", f"{UPS}.2.3.0": "7"}
    subprocess.run(
        [sys.executable, "-m", "lpse.cli", "lab", "set", "envmon-01", "temperature=31", "humidity=58"],
        check=True,
        capture_output=True,
    )
    got = snmp(lab, "envmon-01", "1.3.6.1.2.1.99.1.1.1.4.1", "1.3.6.1.2.1.99.1.1.1.4.2")
    assert got == {"1.3.6.1.2.1.99.1.1.1.4.1": "310", "1.3.6.1.2.1.99.1.1.1.4.2": "580"}


def test_snmp_refuses_a_wrong_community(lab):
    with pytest.raises(OSError):
        probe.snmp_get(str(lab.topo.devices["ups-01"].address), "public", ["1.3.6.1.2.1.1.5.0"], timeout=0.5)


def nut_read(tmp_path: Path, lab) -> dict[str, str]:
    """One poll of ups-01 by NUT's real snmp-ups driver (`-d 1`: dump the variables and exit),
    from a fresh state directory each time (a driver finds an earlier one's files)."""
    import tempfile

    tmp_path = Path(tempfile.mkdtemp(dir=tmp_path))
    (tmp_path / "ups.conf").write_text(
        "[ups01]\n  driver = snmp-ups\n  port = {}\n  community = {}\n  mibs = ietf\n".format(
            lab.topo.devices["ups-01"].address, lab.secrets()["snmp_community"]
        )
    )
    env = {"NUT_CONFPATH": str(tmp_path), "NUT_STATEPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        ["/lib/nut/snmp-ups", "-a", "ups01", "-u", "root", "-d", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return dict(re.findall(r"^([a-z][\w.]+): (.*)$", out, re.M))


def test_nut_snmp_ups_driver_sees_a_power_cut(lab, tmp_path, ups_reset):
    def read_until(wanted: dict[str, str]) -> dict[str, str]:
        deadline = time.monotonic() + 20
        while True:  # snmpsim re-reads its data file on a later request
            got = nut_read(tmp_path, lab)
            if all(got.get(k) == v for k, v in wanted.items()) or time.monotonic() > deadline:
                return got
            time.sleep(1)

    before = read_until({"ups.status": "OL", "battery.charge": "100"})
    assert (before["ups.status"], before["battery.charge"]) == ("OL", "100")
    lab.set("ups-01", ["ups.status=OB DISCHRG", "battery.charge=18"])
    after = read_until({"ups.status": "OB", "battery.charge": "18"})
    assert (after["ups.status"], after["battery.charge"]) == ("OB", "18")


def test_netmiko_runs_show_version_on_the_switch(lab):
    from netmiko import ConnectHandler

    sec = lab.secrets()
    conn = ConnectHandler(
        device_type="cisco_ios",
        host=str(lab.topo.devices["sw-core-01"].address),
        username=sec["switch_username"],
        password=sec["switch_password"],
        secret="",
    )
    try:
        conn.enable()
        version = conn.send_command("show version")
    finally:
        conn.disconnect()
    assert "Cisco IOS Software" in version
    assert "sw-core-01 uptime" in version


def test_status_table_lists_every_member(lab):
    proc = subprocess.run(
        [sys.executable, "-m", "lpse.cli", "--lang", "en", "lab", "status"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in [*lab.topo.hosts, *lab.topo.devices]:
        assert name in proc.stdout
    assert "9 of 9 members answer" in proc.stdout
    assert proc.stdout.count("systemd: running") == 6


def test_lab_up_again_keeps_running_members(lab):
    before = {h: lab._systemd_pid(h) for h in lab.topo.hosts}
    lab.up(progress=print)
    assert {h: lab._systemd_pid(h) for h in lab.topo.hosts} == before


def test_lab_up_repairs_stale_members(lab):
    # A host whose processes died (its namespace and veth remain) ...
    cgroup.kill(lab.cg("lkpp-mon-01"))
    # ... and a device whose namespace was removed under it.
    subprocess.run(["ip", "netns", "del", lab.topo.netns("envmon-01")], check=True)
    assert not lab._host_healthy(lab.topo.hosts["lkpp-mon-01"])
    lab.up(progress=print)
    assert ssh(lab, "lkpp-mon-01", "systemctl is-system-running --wait").stdout.strip() == "running"
    assert probe.snmp_answers(str(lab.topo.devices["envmon-01"].address), lab.secrets()["snmp_community"])


def test_only_network_parameters_are_writable_in_a_host(lab):
    """Per-namespace /proc/sys/net is the host's own; kernel-wide knobs belong to the machine."""
    out = ssh(
        lab,
        "spse-db-01",
        "cat /proc/sys/net/ipv4/conf/all/log_martians > /proc/sys/net/ipv4/conf/all/log_martians"
        " && echo net-ok; echo 1 > /proc/sys/kernel/dmesg_restrict || echo kernel-ro",
        check=False,
    )
    assert "net-ok" in out.stdout
    assert "kernel-ro" in out.stdout
