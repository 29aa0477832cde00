"""Checks of the SPSE database server (catalogue: compliance/catalogue/database.yml)."""

import ipaddress

import pytest

from lpse.comply.hostrun import must

WEAK_METHODS = {"trust", "password", "md5"}


def psql(host, sql: str) -> list[list[str]]:
    cmd = must(host, "cd / && runuser -u postgres -- psql -XAt -F '|' -c %s", sql, what="querying PostgreSQL")
    return [line.split("|") for line in cmd.stdout.splitlines() if line]


def setting(host, name: str) -> tuple[str, str]:
    """A setting's running value and where it was set (file:line, or its source such as default)."""
    rows = psql(
        host,
        "SELECT setting, source, coalesce(sourcefile, ''), coalesce(sourceline::text, '') "
        f"FROM pg_settings WHERE name = '{name}'",
    )
    value, source, path, line = rows[0] if rows else ("", "", "", "")
    return value, (f"{path} line {line}" if path else source or "?")


def in_files(host, name: str) -> tuple[str, str] | None:
    """The value a setting has in the configuration files now (the last assignment, which a reload
    or restart would use) and where, or None when no file sets it."""
    rows = psql(
        host,
        "SELECT setting, sourcefile, sourceline FROM pg_file_settings "
        f"WHERE name = '{name}' AND (error IS NULL OR error = 'setting could not be applied') "
        "ORDER BY seqno DESC LIMIT 1",
    )
    return (rows[0][0], f"{rows[0][1]} line {rows[0][2]}") if rows else None


def hba_rules(host) -> list[dict]:
    rows = psql(
        host,
        "SELECT line_number, type, array_to_string(database, ','), array_to_string(user_name, ','), "
        "coalesce(address, ''), coalesce(netmask, ''), coalesce(auth_method, ''), coalesce(error, '') "
        "FROM pg_hba_file_rules ORDER BY line_number",
    )
    keys = ("line", "type", "database", "user", "address", "netmask", "method", "error")
    return [dict(zip(keys, r, strict=False)) for r in rows]


@pytest.mark.control("LPSE-21.1-DB-01")
def test_scram_only(host, evidence):
    rules = hba_rules(host)
    encryption, encryption_from = setting(host, "password_encryption")
    weak_roles = [
        r[0]
        for r in psql(
            host,
            "SELECT rolname FROM pg_authid WHERE rolpassword IS NOT NULL AND rolpassword NOT LIKE 'SCRAM-SHA-256$%'",
        )
    ]
    evidence.add(f"password_encryption = {encryption} (set in {encryption_from})")
    evidence.add(
        "pg_hba: "
        + "; ".join(
            f"line {r['line']}: {r['type']} {r['database']} {r['user']} {r['address'] or '-'} {r['method']}"
            for r in rules
        )
    )
    weak = [r for r in rules if r["method"] in WEAK_METHODS]
    assert not weak, "pg_hba allows " + ", ".join(f"{r['method']} (line {r['line']})" for r in weak)
    broken = [r for r in rules if r["error"]]
    assert not broken, "pg_hba has errors: " + ", ".join(f"line {r['line']}: {r['error']}" for r in broken)
    assert encryption == "scram-sha-256", (
        f"new passwords are stored as {encryption}, not scram-sha-256 (set in {encryption_from})"
    )
    assert not weak_roles, f"roles with non-SCRAM passwords: {', '.join(weak_roles)}"


@pytest.mark.control("LPSE-21.1-DB-02")
def test_network_clients_limited(host, policy, evidence):
    listen, listen_from = setting(host, "listen_addresses")
    pending = in_files(host, "listen_addresses")
    clients = [ipaddress.ip_network(c) for c in policy.get("compliance_db_clients", [])]
    remote = [r for r in hba_rules(host) if r["type"].startswith("host")]
    evidence.add(
        f"listen_addresses = {listen} (set in {listen_from})"
        + (f"; after a restart: {pending[0]} (set in {pending[1]})" if pending and pending[0] != listen else "")
        + f"; allowed clients (policy): {[str(c) for c in clients] or '(not set)'}"
    )
    for r in remote:
        evidence.add(f"line {r['line']}: {r['database']} {r['user']} from {r['address']}/{r['netmask']} {r['method']}")
    for value, where, when in ((listen, listen_from, "listens"), *([(*pending, "will listen")] if pending else [])):
        assert "*" not in value and "0.0.0.0" not in value, (
            f"PostgreSQL {when} on every address ({value}, set in {where})"
        )
    problems = []
    for r in remote:
        if r["address"] in ("all", "samenet", "samehost", "") or r["address"].endswith("/0"):
            problems.append(f"line {r['line']} admits {r['address'] or 'any address'}")
            continue
        try:
            net = ipaddress.ip_network(f"{r['address']}/{r['netmask']}" if r["netmask"] else r["address"], strict=False)
        except ValueError:
            problems.append(f"line {r['line']} admits host name {r['address']}")
            continue
        if net.is_loopback:
            continue
        if clients and not any(net.subnet_of(c) for c in clients if c.version == net.version):
            problems.append(f"line {r['line']} admits {net}, not an SPSE application server")
        if r["database"] == "all" or r["user"] == "all":
            problems.append(f"line {r['line']} admits every database or user from {net}")
    assert not problems, "; ".join(problems)


@pytest.mark.control("LPSE-21.2-DB-03")
def test_database_owner_and_disk(host, policy, evidence):
    name = policy.get("compliance_db_name", "epns_prod")
    owner = policy.get("compliance_db_owner", "epns")
    rows = psql(
        host,
        "SELECT pg_get_userbyid(d.datdba), r.rolsuper, r.rolcreaterole FROM pg_database d "
        f"JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = '{name}'",
    )
    datadir = psql(host, "SHOW data_directory")[0][0]
    mount = host.run("findmnt -n -o TARGET,SOURCE --target %s", datadir).stdout.strip()
    evidence.add(f"data directory {datadir} on {mount}")
    assert rows, f"there is no database {name}"
    got_owner, superuser, createrole = rows[0]
    evidence.add(f"{name} is owned by {got_owner} (superuser: {superuser}, createrole: {createrole})")
    assert got_owner == owner, f"{name} is owned by {got_owner}, not {owner}"
    assert superuser != "t" and createrole != "t", f"{got_owner} is a superuser or can create roles"
    if policy.get("compliance_db_own_disk", True):
        assert mount and not mount.startswith("/ "), f"{datadir} is on the system disk, not a data disk of its own"
