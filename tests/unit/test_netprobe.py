"""roles/connectivity's probe (lpse-netprobe), run for real on loopback with settings rendered
from the role's template: TCP targets (a listening socket, a closed port), DNS targets against a
small DNS responder on a UDP port (the lab has no DNS server), the round's record, and the down/up
events with the alert command's environment."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import threading

import pytest

from tests.unit import onhost


def configure(tmp_path, targets: list[dict]):
    cfg = onhost.settings(
        "lpse-netprobe",
        connectivity_dir=str(tmp_path),
        connectivity_targets=targets,
        connectivity_timeout_s=1,
        connectivity_alert_command=f"env | grep ^LPSE_PROBE_ >> {tmp_path}/alert-env",
    )
    return onhost.write_settings(tmp_path, "lpse-netprobe", cfg)


def probe(config) -> subprocess.CompletedProcess:
    return onhost.run("lpse-netprobe", config)


@pytest.fixture
def resolver():
    """A DNS responder on 127.0.0.1: NOERROR for spse.lpse.lab, NXDOMAIN for anything else."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                query, peer = sock.recvfrom(512)
            except TimeoutError:
                continue
            labels, i = [], 12
            while query[i]:
                labels.append(query[i + 1 : i + 1 + query[i]].decode())
                i += 1 + query[i]
            rcode = 0 if ".".join(labels) == "spse.lpse.lab" else 3
            flags = 0x8180 | rcode
            sock.sendto(query[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + query[12:], peer)

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    yield sock.getsockname()[1]
    stop.set()
    worker.join()
    sock.close()


def test_a_round_records_every_target(tmp_path, resolver):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    config = configure(
        tmp_path,
        [
            {"name": "web", "kind": "tcp", "host": "127.0.0.1", "port": listener.getsockname()[1], "internet": True},
            {"name": "dns", "kind": "dns", "host": "127.0.0.1", "port": resolver, "query": "spse.lpse.lab"},
            {"name": "dns-nx", "kind": "dns", "host": "127.0.0.1", "port": resolver, "query": "tidak.ada"},
            {"name": "closed", "kind": "tcp", "host": "127.0.0.1", "port": closed_port},
        ],
    )
    probe(config)
    record = json.loads((tmp_path / "records.jsonl").read_text().splitlines()[-1])
    r = record["results"]
    assert r["web"]["ok"] and r["dns"]["ok"] and r["dns"]["ms"] is not None
    assert not r["dns-nx"]["ok"] and r["dns-nx"]["error"] == "tidak.ada: DNS answer code 3"
    assert not r["closed"]["ok"] and "refused" in r["closed"]["error"].lower()
    assert record["up"] is True  # only the internet targets count for the link, and web answered
    assert record["interval_s"] == 60  # the role's default: the minute this round stands for
    listener.close()


def test_the_first_failure_and_the_recovery_are_events(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = configure(tmp_path, [{"name": "isp", "kind": "tcp", "host": "127.0.0.1", "port": port, "internet": True}])
    proc = probe(config)  # bound but not listening: refused
    assert "<3>lpse-netprobe: isp DOWN" in proc.stdout  # the journal's error priority
    probe(config)  # still down: no second event
    listener.listen()
    proc = probe(config)
    assert "<5>lpse-netprobe: isp UP: back after" in proc.stdout
    events = [json.loads(x) for x in (tmp_path / "alerts.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["down", "up"]
    rounds = [json.loads(x)["up"] for x in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert rounds == [False, False, True]
    alert_env = (tmp_path / "alert-env").read_text()
    assert "LPSE_PROBE_EVENT=down" in alert_env and "LPSE_PROBE_TARGET=isp" in alert_env
    listener.close()


def test_a_dns_server_that_does_not_answer_is_a_failure(tmp_path):
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # receives, never answers
    config = configure(
        tmp_path,
        [{"name": "dns", "kind": "dns", "host": "127.0.0.1", "port": silent.getsockname()[1], "internet": True}],
    )
    probe(config)
    record = json.loads((tmp_path / "records.jsonl").read_text())
    assert record["up"] is False and record["results"]["dns"]["error"]
    silent.close()
