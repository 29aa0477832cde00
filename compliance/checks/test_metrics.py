"""Checks of performance monitoring (catalogue: compliance/catalogue/metrics.yml): node_exporter's
answer on the host itself, and the firewall rules that decide who else may ask it."""

import ipaddress
import re
import time

import pytest

from lpse.comply.hostrun import require_timer


@pytest.mark.control("LPSE-22e-MON-01")
def test_exporter_serves_current_metrics(host, policy, evidence):
    port = int(policy.get("compliance_metrics_port", 9100))
    out = host.run(f"curl -fsS --max-time 5 http://127.0.0.1:{port}/metrics")
    service = host.run("systemctl is-active prometheus-node-exporter.service").stdout.strip() or "unknown"
    evidence.add(f"prometheus-node-exporter.service: {service}")
    if out.rc != 0:
        evidence.add(f"curl http://127.0.0.1:{port}/metrics: {out.stderr.strip() or f'exit {out.rc}'}")
    assert out.rc == 0, f"node_exporter does not answer on port {port}: {out.stderr.strip()}"
    lines = out.stdout.splitlines()
    ours = [x for x in lines if x.startswith("lpse_")]
    names = sorted({x.split("{")[0].split()[0] for x in ours})
    evidence.add(f"{len(lines)} lines, {len(ours)} LPSE metric(s): {', '.join(names)}")
    stamp = next((x for x in ours if x.startswith("lpse_metrics_timestamp_seconds")), None)
    require_timer(host, evidence, "lpse-metrics.timer", "the metrics writer writes")
    assert stamp, "no LPSE metrics in node_exporter's answer (the textfile collector or lpse-metrics.timer)"
    age = time.time() - float(stamp.split()[-1])
    evidence.add(f"LPSE metrics written {age:.0f} s ago")
    max_age = float(policy.get("compliance_metrics_max_age_s", 300))
    assert age <= max_age, f"the LPSE metrics are {age:.0f} s old (> {max_age:g} s): lpse-metrics.timer stopped?"
    down = [x.split()[0] for x in ours if re.match(r"lpse_(postgres|spse_health)_up ", x) and x.split()[-1] == "0"]
    assert not down, f"monitored service(s) not answering: {', '.join(down)} = 0"


@pytest.mark.control("LPSE-22f-MON-02")
def test_metrics_only_for_lkpp(host, policy, evidence):
    port = int(policy.get("compliance_metrics_port", 9100))
    allowed = {ipaddress.ip_network(a, strict=False) for a in policy.get("compliance_metrics_scrapers") or []}
    rules = host.check_output("nft list chain inet lpse input")
    opening = [x.strip() for x in rules.splitlines() if re.search(rf"dport {port}\b", x) and "accept" in x]
    for rule in opening:
        evidence.add(f"rule: {rule}")
    evidence.add(f"allowed scrapers: {', '.join(sorted(map(str, allowed))) or 'none'}")
    assert opening, f"nothing may scrape port {port}: LKPP cannot monitor this server"
    for rule in opening:
        m = re.search(r"ip saddr (\{[^}]*\}|\S+)", rule)
        assert m, f"port {port} is accepted from anywhere: {rule}"
        sources = {ipaddress.ip_network(s.strip(), strict=False) for s in m.group(1).strip("{}").split(",")}
        extra = sorted(str(s) for s in sources if not any(s.subnet_of(a) for a in allowed))
        assert not extra, f"port {port} is accepted from {', '.join(extra)}, not only LKPP's addresses"
