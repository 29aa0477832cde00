"""Checks of host firewalls (catalogue: compliance/catalogue/firewall.yml)."""

import ipaddress

import pytest

from lpse.comply import facts
from lpse.comply.hostrun import CheckError, must


def ruleset(host) -> str:
    cmd = must(host, "nft -j list ruleset", what="nft list ruleset")
    return cmd.stdout


def _base_chains(rs: str, hook: str) -> list[dict]:
    return [c for c in facts.nft_objects(rs, "chain") if c.get("hook") == hook]


@pytest.mark.control("LPSE-21.1-FW-01")
def test_input_default_deny(host, evidence):
    rs = ruleset(host)
    chains = _base_chains(rs, "input")
    evidence.add(
        "input chains: "
        + (", ".join(f"{c['family']} {c['table']} {c['name']} policy {c.get('policy')}" for c in chains) or "none")
    )
    assert chains, "no input chain: the firewall is off and every packet is accepted"
    assert any(c.get("policy") == "drop" for c in chains), "no input chain drops by default"
    assert facts.unconditional_accepts(rs, "input") == 0, "an input rule accepts everything"
    counters = {c["name"]: c.get("packets", 0) for c in facts.nft_objects(rs, "counter")}
    evidence.add(f"drop counters: {counters}")
    assert "dropped_input" in counters, "dropped packets are not counted (no dropped_input counter)"


@pytest.mark.control("LPSE-21.1-FW-02")
def test_ssh_sources_restricted(host, policy, evidence):
    rs = ruleset(host)
    allowed = [ipaddress.ip_network(n) for n in policy.get("compliance_firewall_ssh_sources", [])]
    rules = facts.ssh_accept_sources(rs)
    evidence.add(f"SSH accept rules: {rules or 'none'}; policy: {[str(n) for n in allowed] or '(not set)'}")
    assert _base_chains(rs, "input"), "no input chain: SSH is open to every address"
    assert None not in rules, "SSH is accepted from any address"
    if allowed:
        outside = [
            a
            for addrs in rules
            for a in addrs
            if not any(ipaddress.ip_network(a, strict=False).subnet_of(n) for n in allowed)
        ]
        assert not outside, f"SSH is accepted from {', '.join(outside)}, outside the admin/LKPP networks"


@pytest.mark.control("LPSE-21.1-FW-03")
def test_forward_default_deny(host, evidence):
    rs = ruleset(host)
    chains = _base_chains(rs, "forward")
    forwarding = host.file("/proc/sys/net/ipv4/ip_forward").content_string.strip()
    evidence.add(
        f"ip_forward={forwarding}; forward chains: "
        + (", ".join(f"{c['table']} {c['name']} policy {c.get('policy')}" for c in chains) or "none")
    )
    assert chains and any(c.get("policy") == "drop" for c in chains), "forwarded traffic is not denied by default"
    assert facts.unconditional_accepts(rs, "forward") == 0, "a forward rule accepts everything"


def _plain(policy, name: str):
    """An inventory variable FW-04 compares with; a Jinja template it cannot render makes the
    check undecided (an error naming the variable), never a false failure."""
    value = policy.get(name)
    if "{{" in repr(value) or "{%" in repr(value):
        raise CheckError(f"{name} is a template ({value!r}): FW-04 compares only plain lists of addresses and ports")
    return value


def allowances(policy) -> list[facts.Allowance]:
    """What the inventory lets in and through (the firewall role's own variables)."""
    policy = {k: _plain(policy, k) for k in policy if k.startswith("firewall_")}
    ssh = list(policy.get("firewall_admin_sources") or []) + list(policy.get("firewall_lkpp_sources") or [])
    out = [facts.Allowance("input", "ssh", "tcp", 22, ssh)]

    def sources(rule):
        return None if "any" in (rule.get("sources") or ["any"]) else list(rule["sources"])

    for rule in policy.get("firewall_allow") or []:
        out.append(facts.Allowance("input", rule["name"], rule.get("proto", "tcp"), int(rule["port"]), sources(rule)))
    if policy.get("firewall_forward_enabled"):
        for rule in policy.get("firewall_forward_allow") or []:
            out.append(
                facts.Allowance(
                    "forward", rule["name"], rule.get("proto", "tcp"), int(rule["port"]), sources(rule), [rule["to"]]
                )
            )
        if policy.get("firewall_forward_outbound_from"):
            out.append(facts.Allowance("forward", "outbound", sources=list(policy["firewall_forward_outbound_from"])))
    return out


@pytest.mark.control("LPSE-21.1-FW-04")
def test_only_what_the_inventory_allows(host, policy, evidence):
    rs = ruleset(host)
    texts = facts.rule_texts(must(host, "nft -a list ruleset", what="nft -a list ruleset").stdout)
    allow = allowances(policy)
    rules = facts.accepts(rs)
    evidence.add(
        f"{len(rules)} accepting rule(s) in input, forward and jump chains; the inventory allows: "
        + ", ".join(
            f"{w.name} ({w.hook} {w.protocol or 'any'}/{w.port or 'any'} from {', '.join(w.sources or ['any'])}"
            + (f" to {', '.join(w.dests)}" if w.dests else "")
            + ")"
            for w in allow
        )
    )
    extra = [r for r in rules if not facts.allowed(r, allow)]
    for r in extra:
        text = texts.get((r.where, r.handle), "(rule text not found)")
        evidence.add(f"not in the inventory: {r.where} handle {r.handle}: {text}")
    assert not extra, "the firewall accepts what the inventory does not allow: " + "; ".join(
        f"{texts.get((r.where, r.handle), r.where)} ({r.where})" for r in extra
    )
