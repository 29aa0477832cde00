"""module_utils/lpse_netdev.py: the wanted state's validation, reading IOS and Linux state, and
planning (with purge, and the way back for a rollback)."""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "module_utils"))
import lpse_netdev
from lpse_netdev import ConfigError, load_wanted, parse_ios, parse_linux, plan

# As fake-switches printed it after the lab inventory's push (show running-config).
RUNNING = """Building configuration...

Current configuration : 900 bytes
version 12.1
!
hostname sw-core-01
!
vlan 1
!
vlan 10
 name SPSE
!
vlan 20
 name MGMT
!
interface FastEthernet0/1
 description spse-app-01
 switchport access vlan 10
 switchport mode access
!
interface FastEthernet0/2
!
interface FastEthernet0/12
 description uplink edge-01
 switchport trunk allowed vlan 1,10,20
 switchport mode trunk
!
interface Vlan10
 ip address 10.213.10.1 255.255.255.0
!
ip route 0.0.0.0 0.0.0.0 10.213.0.254
end
"""

WANTED = {
    "vlans": [{"id": 10, "name": "SPSE"}, {"id": 20, "name": "MGMT"}],
    "interfaces": [
        {"name": "FastEthernet0/1", "description": "spse-app-01", "mode": "access", "access_vlan": 10},
        {"name": "FastEthernet0/12", "description": "uplink edge-01", "mode": "trunk", "trunk_vlans": [20, 1, 10]},
    ],
    "svis": [{"vlan": 10, "address": "10.213.10.1/24"}],
    "static_routes": [{"prefix": "0.0.0.0/0", "next_hop": "10.213.0.254"}],
}


def test_the_running_config_read_back_matches_and_nothing_is_sent():
    live = parse_ios(RUNNING)
    assert live.vlans == {1: None, 10: "SPSE", 20: "MGMT"}
    assert live.interfaces["FastEthernet0/12"].trunk_vlans == (1, 10, 20)
    assert live.svis == {10: "10.213.10.1/24"} and live.routes == {("0.0.0.0/0", "10.213.0.254")}
    assert plan("cisco_ios", load_wanted("cisco_ios", WANTED), live) == []


def test_only_what_differs_is_sent_and_purge_removes_the_rest():
    wanted = json.loads(json.dumps(WANTED))
    wanted["vlans"] = [{"id": 10, "name": "SPSE-LAN"}]
    wanted["interfaces"] = [
        {"name": "FastEthernet0/2", "description": "spse-db-01", "mode": "access", "access_vlan": 10}
    ]
    wanted["static_routes"] = []
    live = parse_ios(RUNNING)
    assert plan("cisco_ios", load_wanted("cisco_ios", wanted), live) == [
        "vlan 10",
        "name SPSE-LAN",
        "exit",
        "interface FastEthernet0/2",
        "description spse-db-01",
        "switchport mode access",
        "switchport access vlan 10",
        "exit",
    ]
    purged = plan("cisco_ios", load_wanted("cisco_ios", wanted), live, purge=True)
    assert purged[-2:] == ["no ip route 0.0.0.0 0.0.0.0 10.213.0.254", "no vlan 20"]


def test_the_way_back_undoes_a_partial_push():
    before = parse_ios(RUNNING)
    partial = parse_ios(RUNNING.replace("vlan 20\n name MGMT\n", "vlan 20\n name MGMT\n!\nvlan 100\n name V100\n"))
    assert lpse_netdev.back_to("cisco_ios", before, partial) == ["no vlan 100"]


def test_linux_routes_and_descriptions():
    links = json.dumps([{"ifname": "lo"}, {"ifname": "eth0", "ifalias": "LAN"}, {"ifname": "eth1"}])
    routes = json.dumps(
        [
            {"dst": "default", "gateway": "198.51.100.1", "protocol": "boot"},
            {"dst": "10.213.0.0/24", "protocol": "kernel"},
            {"dst": "10.213.10.0/24", "gateway": "10.213.0.23", "protocol": "static"},
        ]
    )
    live = parse_linux(links, routes)
    assert set(live.interfaces) == {"eth0", "eth1"}
    assert live.routes == {("0.0.0.0/0", "198.51.100.1"), ("10.213.10.0/24", "10.213.0.23")}
    wanted = load_wanted(
        "linux",
        {
            "interfaces": [{"name": "eth1", "description": "Internet (ISP)"}],
            "static_routes": [{"prefix": "10.213.20.0/24", "next_hop": "10.213.0.23"}],
        },
    )
    assert plan("linux", wanted, live) == [
        "ip link set dev eth1 alias 'Internet (ISP)'",
        "ip route replace 10.213.20.0/24 via 10.213.0.23 proto static",
    ]


@pytest.mark.parametrize(
    ("platform", "config", "message"),
    [
        ("cisco_ios", {"vlans": [{"id": 0}]}, "config.vlans[0].id: VLAN ID 0 is outside 1-4094"),
        ("cisco_ios", {"vlans": [{"id": 4095}]}, "VLAN ID 4095 is outside 1-4094"),
        ("cisco_ios", {"vlans": [{"id": "sepuluh"}]}, "'sepuluh' is not a VLAN ID"),
        ("cisco_ios", {"vlans": [{"id": 10}, {"id": 10}]}, "config.vlans[1]: VLAN 10 is listed twice"),
        ("cisco_ios", {"vlans": [{"id": 10, "name": "a b"}]}, "config.vlans[0].name: 'a b' must be"),
        ("cisco_ios", {"interfaces": [{"name": "eth0"}]}, "'eth0' is not a cisco_ios interface name"),
        (
            "cisco_ios",
            {"interfaces": [{"name": "FastEthernet0/1", "mode": "trunk", "trunk_vlans": [5000]}]},
            "config.interfaces[0].trunk_vlans[0]: VLAN ID 5000 is outside 1-4094",
        ),
        (
            "cisco_ios",
            {"interfaces": [{"name": "FastEthernet0/1", "access_vlan": 1}]},
            "access_vlan needs mode: access",
        ),
        ("cisco_ios", {"svis": [{"vlan": 10, "address": "10.0.0.1/24"}]}, "config.svis[0]: VLAN 10 is not in"),
        ("cisco_ios", {"svis": [{"vlan": 1, "address": "10.0.0.0/24"}]}, "is not a host address in its network"),
        ("cisco_ios", {"static_routes": [{"prefix": "10.0.0.1/8", "next_hop": "10.0.0.1"}]}, "is not a network like"),
        ("cisco_ios", {"static_routes": [{"prefix": "10.0.0.0/8", "next_hop": "x"}]}, "is not an IPv4 address"),
        ("linux", {"vlans": [{"id": 10}]}, "VLANs are configured on a switch (cisco_ios), not on linux"),
        ("linux", {"interfaces": [{"name": "eth0", "mode": "access"}]}, "must be access or trunk (switch ports only)"),
        ("cisco_ios", {"acl": []}, "config: unknown key(s) acl"),
        ("junos", {}, "platform: 'junos' is not one of cisco_ios, linux"),
    ],
)
def test_bad_input_names_the_item(platform, config, message):
    with pytest.raises(ConfigError) as err:
        load_wanted(platform, config)
    assert message in str(err.value)


def test_an_interface_the_device_lacks_is_named():
    wanted = load_wanted("cisco_ios", {"interfaces": [{"name": "FastEthernet0/48", "description": "x"}]})
    with pytest.raises(ConfigError, match="interface FastEthernet0/48 does not exist on this device"):
        plan("cisco_ios", wanted, parse_ios(RUNNING))


def test_a_linux_routers_startup_script_reads_back_as_the_state_it_saves():
    links = json.dumps([{"ifname": "eth0", "ifalias": "LAN LPSE"}, {"ifname": "eth1", "ifalias": "ISP's link"}])
    routes = json.dumps([{"dst": "10.213.10.0/24", "gateway": "10.213.0.23", "protocol": "static"}])
    live = parse_linux(links, routes)
    script = lpse_netdev.linux_startup_script(live)
    assert "ip link set dev eth1 alias 'ISP'\\''s link'" in script
    saved = lpse_netdev.parse_linux_startup(script)
    assert lpse_netdev.startup_differs("linux", saved, live) == []
    # A route added by hand and not saved is lost at the next restart; so is a description.
    live.routes.add(("10.213.99.0/24", "10.213.0.23"))
    live.interfaces["eth0"].description = "diubah tangan"
    assert lpse_netdev.startup_differs("linux", saved, live) == [
        "eth0: description 'diubah tangan' now, 'LAN LPSE' after a restart",
        "route 10.213.99.0/24 via 10.213.0.23 is lost at a restart",
    ]
    assert lpse_netdev.startup_differs("linux", None, live)[0].startswith("eth0: description")


def test_a_switch_without_a_saved_configuration_differs_in_everything_it_manages():
    live = parse_ios(RUNNING)
    assert lpse_netdev.startup_differs("cisco_ios", live, live) == []
    lost = lpse_netdev.startup_differs("cisco_ios", None, live)
    assert lost and all(line.startswith("after a restart: ") for line in lost)
    assert any("no vlan 10" in line for line in lost)
