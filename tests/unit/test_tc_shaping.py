"""module_utils/lpse_tc.py: policy validation, parsing what tc prints, and planning."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "module_utils"))
import lpse_tc
from lpse_tc import PolicyError, load_policy, parse_classes, parse_filters, parse_qdiscs, plan

CLASSES = [
    {"name": "admin", "rate": "5mbit", "priority": 0, "match": [{"protocol": "tcp", "sport": 22}]},
    {"name": "spse", "rate": "70mbit", "priority": 1, "match": [{"protocol": "tcp", "sport": [80, 443]}]},
    {"name": "other", "rate": "10mbit", "ceil": "30mbit", "priority": 7, "default": True},
]

# What iproute2 6.1 printed for this policy on a veth (captured in a network namespace).
QDISCS = '[{"kind":"htb","handle":"1:","root":true,"refcnt":3,"options":{"r2q":10,"default":"0x30"}}]'
CLASS_TEXT = """\
class htb 1:10 parent 1:1 prio 0 quantum 60000 rate 5Mbit ceil 100Mbit linklayer ethernet burst 1600b/1 mpu 0b
class htb 1:1 root rate 100Mbit ceil 100Mbit linklayer ethernet burst 1600b/1 mpu 0b cburst 1600b/1 mpu 0b level 7
class htb 1:20 parent 1:1 prio 1 quantum 60000 rate 70Mbit ceil 100Mbit linklayer ethernet burst 1600b/1 mpu 0b
class htb 1:30 parent 1:1 prio 7 quantum 60000 rate 10Mbit ceil 30Mbit linklayer ethernet burst 1600b/1 mpu 0b
"""


def filter_json(entries: list[tuple[int, str, list[tuple[str, str, int]]]]) -> str:
    """tc -j filter output, with its repeated "match" keys."""
    parts = []
    for pref, flowid, keys in entries:
        parts.append(f'{{"parent":"1:","protocol":"ip","pref":{pref},"kind":"u32","chain":0}}')
        parts.append(
            f'{{"parent":"1:","protocol":"ip","pref":{pref},"kind":"u32","chain":0,'
            f'"options":{{"fh":"800:","ht_divisor":1}}}}'
        )
        matches = ",".join(f'"match":{{"value":"{v}","mask":"{m}","offmask":"","off":{o}}}' for v, m, o in keys)
        parts.append(
            f'{{"parent":"1:","protocol":"ip","pref":{pref},"kind":"u32","chain":0,'
            f'"options":{{"fh":"800::800","order":2048,"flowid":"{flowid}",{matches}}}}}'
        )
    return "[" + ",".join(parts) + "]"


FILTERS = filter_json(
    [
        (1, "1:10", [("60000", "ff0000", 8), ("160000", "ffff0000", 20)]),
        (2, "1:20", [("60000", "ff0000", 8), ("500000", "ffff0000", 20)]),
        (3, "1:20", [("60000", "ff0000", 8), ("1bb0000", "ffff0000", 20)]),
    ]
)


def live_state() -> lpse_tc.State:
    kind, handle, default = parse_qdiscs(QDISCS)
    filters, foreign = parse_filters(FILTERS)
    return lpse_tc.State(kind, handle, default, parse_classes(CLASS_TEXT), filters, foreign)


def test_rates_parse_in_bits():
    assert lpse_tc.parse_rate("10mbit", "x") == 10_000_000
    assert lpse_tc.parse_rate("1.5Mbit", "x") == 1_500_000
    assert lpse_tc.tc_rate("1500Kbit") == 1_500_000
    assert lpse_tc.show_rate(30_000_000) == "30mbit"


def test_the_live_state_read_back_matches_the_policy():
    policy = load_policy("eth0", "100mbit", CLASSES)
    assert plan(policy, live_state()) == []


def test_a_policy_on_a_fresh_interface_is_built_over_the_default_qdisc():
    policy = load_policy("eth0", "100mbit", CLASSES)
    fresh = lpse_tc.State(*parse_qdiscs('[{"kind":"noqueue","handle":"0:","root":true,"refcnt":2,"options":{}}]'))
    cmds = plan(policy, fresh)
    assert cmds[0] == "qdisc replace dev eth0 root handle 1: htb default 30"
    assert sum(c.startswith("class add") for c in cmds) == 4 and sum(c.startswith("filter add") for c in cmds) == 3


def test_a_changed_rate_changes_one_class_and_touches_no_filter():
    changed = [dict(c) for c in CLASSES]
    changed[1]["rate"] = "60mbit"
    cmds = plan(load_policy("eth0", "100mbit", changed), live_state())
    assert cmds == [
        "class change dev eth0 parent 1:1 classid 1:20 htb rate 60000000bit ceil 100000000bit prio 1 quantum 60000"
    ]


def test_a_class_it_does_not_manage_is_removed_with_its_filter_first():
    state = live_state()
    state.classes["1:99"] = lpse_tc.LiveClass("1:99", "1:1", 1_000_000, 1_000_000, 0, 1600)
    state.filters.append(lpse_tc.Filter(9, "1:99", {20: (9999, 0xFFFF)}))
    cmds = plan(load_policy("eth0", "100mbit", CLASSES), state)
    assert cmds.index("filter del dev eth0 parent 1:") < cmds.index("class del dev eth0 classid 1:99")
    assert sum(c.startswith("filter add") for c in cmds) == 3
    assert plan(load_policy("eth0", "100mbit", CLASSES), state, purge=False)[0] == "filter del dev eth0 parent 1:"


def test_two_unmanaged_classes_with_filters_delete_the_filters_once():
    state = live_state()
    for n in (98, 99):
        state.classes[f"1:{n}"] = lpse_tc.LiveClass(f"1:{n}", "1:1", 1_000_000, 1_000_000, 0, 1600)
        state.filters.append(lpse_tc.Filter(n, f"1:{n}", {20: (n, 0xFFFF)}))
    cmds = plan(load_policy("eth0", "100mbit", CLASSES), state)
    assert cmds.count("filter del dev eth0 parent 1:") == 1


def test_a_class_moved_to_another_parent_is_refused_with_the_fix_spelled_out():
    state = live_state()
    live = state.classes["1:20"]
    state.classes["1:20"] = lpse_tc.LiveClass("1:20", "1:10", live.rate, live.ceil, live.prio, live.quantum)
    with pytest.raises(PolicyError, match=r"tc qdisc del dev eth0 root"):
        plan(load_policy("eth0", "100mbit", CLASSES), state)


def test_keys_at_one_offset_are_merged_as_tc_does():
    [m] = lpse_tc._matches([{"protocol": "udp", "sport": 443, "dport": 53, "src": "10.1.2.3"}], "x")
    assert m.keys() == {8: (0x110000, 0xFF0000), 12: (0x0A010203, 0xFFFFFFFF), 20: (0x01BB0035, 0xFFFFFFFF)}


def test_rebuild_restores_a_state_read_earlier():
    cmds = lpse_tc.rebuild(live_state(), "eth0")
    assert cmds[:2] == ["qdisc del dev eth0 root", "qdisc add dev eth0 root handle 1: htb default 30"]
    assert (
        cmds.index("class add dev eth0 parent 1: classid 1:1 htb rate 100000000bit ceil 100000000bit quantum 60000") < 3
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rate": "10 megabits"}, "eth0.classes[1] (spse).rate: '10 megabits' is not a rate like"),
        ({"rate": "10mbps"}, "tc reads 'bps' as bytes per second"),
        ({"ceil": "50mbit"}, "eth0.classes[1] (spse): ceil 50mbit is below rate 70mbit"),
        ({"ceil": "1gbit"}, "ceil 1gbit is above the interface's rate 100mbit"),
        ({"priority": 9}, "eth0.classes[1] (spse).priority: 9 is not 0-7"),
        ({"match": [{"protocol": "tcp", "sport": 70000}]}, "eth0.classes[1] (spse).match[0].sport: port 70000"),
        ({"match": [{"protocol": "icmp", "sport": 80}]}, "ports only mean something with protocol tcp or udp"),
        ({"match": [{"dst": "10.0.0.300"}]}, "match[0].dst: '10.0.0.300' is not an IPv4 address"),
        ({"match": [{"vlan": 10}]}, "match[0]: unknown key(s) vlan"),
        (
            {"match": [{"protocol": "tcp", "sport": 22}]},
            "a match of admin (protocol tcp, sport 22) overlaps one of spse",
        ),
        ({"match": [{"protocol": "tcp", "sport": 22, "dst": "10.0.0.0/8"}]}, "covers one of the later class spse"),
        ({"rate": "90mbit"}, "the guaranteed rates add up to 105mbit, more than the interface's 100mbit"),
        ({"default": True}, "exactly one class must be the default (unmatched traffic); found 2: spse, other"),
        ({"name": "admin"}, "the name admin is used twice"),
        ({"match": []}, "matches nothing"),
    ],
)
def test_bad_policies_are_refused_naming_the_item(change, message):
    classes = [dict(c) for c in CLASSES]
    classes[1] = {**classes[1], **change}
    with pytest.raises(PolicyError, match=None) as err:
        load_policy("eth0", "100mbit", classes)
    assert message in str(err.value)


def test_a_bad_interface_or_link_rate_is_named():
    with pytest.raises(PolicyError, match="interface: 'eth 0' is not an interface name"):
        load_policy("eth 0", "100mbit", CLASSES)
    with pytest.raises(PolicyError, match=r"eth0.rate: 'fast' is not a rate"):
        load_policy("eth0", "fast", CLASSES)


def test_matches_that_cannot_meet_do_not_overlap():
    a, b = lpse_tc._matches([{"protocol": "tcp", "sport": 443}, {"dst": "10.0.0.0/8", "sport": 443}], "x")
    (c,) = lpse_tc._matches([{"dst": "192.168.0.0/16", "sport": 443}], "x")
    assert a.overlaps(b) and not b.overlaps(c)


def test_matches_on_different_fields_may_meet_the_earlier_wins():
    classes = [dict(c) for c in CLASSES]
    classes.insert(
        2, {"name": "db", "rate": "5mbit", "match": [{"protocol": "tcp", "dport": 5432, "dst": "10.0.0.12"}]}
    )
    assert [c.name for c in load_policy("eth0", "100mbit", classes).classes] == ["admin", "spse", "db", "other"]
