"""lpse-traffic-record (role bandwidth, LPSE-22b-BW-02) with a fake ``tc`` on PATH: the counters
of each class of a persisted policy, named as the policy names them, in one compact record."""

from __future__ import annotations

import json
import time

from tests.unit import onhost

TC_OUTPUT = """\
class htb 1:1 root rate 100Mbit ceil 100Mbit burst 1600b cburst 1600b
 Sent 9000 bytes 90 pkt (dropped 0, overlimits 0 requeues 0)
class htb 1:10 parent 1:1 prio 0 rate 30Mbit ceil 50Mbit burst 1600b cburst 1600b
 Sent 5000 bytes 50 pkt (dropped 2, overlimits 3 requeues 0)
class htb 1:20 parent 1:1 prio 1 rate 10Mbit ceil 100Mbit burst 1600b cburst 1600b
 Sent 4000 bytes 40 pkt (dropped 0, overlimits 1 requeues 0)
"""


def test_a_record_has_the_counters_of_every_named_class_and_of_the_interfaces(tmp_path):
    policies, records = tmp_path / "tc", tmp_path / "traffic"
    policies.mkdir()
    records.mkdir()
    (policies / "eth9.tc").write_text(
        "# class 1:10 spse rate 30Mbit ceil 50Mbit\n# class 1:20 other rate 10Mbit ceil 100Mbit\nqdisc add dev eth9\n"
    )
    bin_dir = tmp_path / "bin"
    onhost.fake_command(bin_dir, "tc", f'[ "$*" = "-s class show dev eth9" ] || exit 1\ncat <<\'OUT\'\n{TC_OUTPUT}OUT')
    expired = {"epoch": int(time.time()) - 401 * 86400}
    (records / "records.jsonl").write_text(json.dumps(expired) + "\n")
    cfg = onhost.settings(
        "lpse-traffic-record", bandwidth_traffic_dir=str(records), bandwidth_persist_dir=str(policies)
    )
    onhost.run("lpse-traffic-record", onhost.write_settings(tmp_path, "lpse-traffic-record", cfg), path_first=bin_dir)
    lines = (records / "records.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert lines[0] == json.dumps(record, sort_keys=True, separators=(",", ":"))
    assert record["classes"] == {
        "eth9": {
            "1:10": {"name": "spse", "bytes": 5000, "packets": 50, "dropped": 2, "overlimits": 3},
            "1:20": {"name": "other", "bytes": 4000, "packets": 40, "dropped": 0, "overlimits": 1},
        }
    }
    assert "lo" not in record["interfaces"]
    assert set(record) == {"epoch", "time", "interfaces", "classes"}
