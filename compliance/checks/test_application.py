"""Checks of the SPSE application server and its site (catalogue: compliance/catalogue/application.yml)."""

import json
import re
import time

import pytest

ACTIVE = "/var/lib/lpse/maintenance/active.json"
WINDOWS = "/var/lib/lpse/maintenance/windows.jsonl"
SWITCH = "/etc/nginx/snippets/lpse-maintenance.conf"


def unit(host, policy) -> dict[str, str]:
    name = policy.get("compliance_spse_service", "spse")
    props = (
        "ActiveState,User,NoNewPrivileges,ProtectSystem,ProtectHome,PrivateTmp,PrivateDevices,"
        "CapabilityBoundingSet,MainPID,DropInPaths"
    )
    out = host.run("systemctl show %s -p %s", name, props).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line) | {"name": name}


def nginx_config(host) -> str:
    cmd = host.run("nginx -T 2>/dev/null")
    assert cmd.rc == 0, "nginx -T fails: nginx is missing or its configuration is broken"
    return cmd.stdout


def https(host, path: str = "/", extra: str = "") -> str:
    """Headers (and status line) of an HTTPS request to the site on this host, certificate not checked here."""
    return host.run(f"curl -sk -m 10 -o /dev/null -D - {extra} https://127.0.0.1{path}").stdout


@pytest.mark.control("LPSE-21.2-APP-01")
def test_service_unprivileged_and_healthy(host, policy, evidence):
    u = unit(host, policy)
    evidence.add(", ".join(f"{k}={v or '(empty)'}" for k, v in u.items()))
    assert u.get("ActiveState") == "active", f"{u['name']}.service is {u.get('ActiveState') or 'not installed'}"
    problems = []
    if u.get("User") in ("", "root"):
        problems.append("runs as root")
    if u.get("NoNewPrivileges") != "yes":
        problems.append("may gain privileges (NoNewPrivileges is not set)")
    if u.get("ProtectSystem") not in ("strict", "full"):
        problems.append(f"can write the system (ProtectSystem={u.get('ProtectSystem')})")
    if u.get("PrivateTmp") != "yes":
        problems.append("shares /tmp")
    if u.get("CapabilityBoundingSet"):
        problems.append("keeps capabilities")
    dropins = [d for d in (u.get("DropInPaths") or "").split() if not d.startswith(("/usr/", "/lib/"))]
    assert not problems, (
        f"{u['name']}.service " + "; ".join(problems) + (f" (overridden by {', '.join(dropins)})" if dropins else "")
    )
    port = policy.get("compliance_spse_port", 8080)
    health = host.run("curl -s -m 10 http://127.0.0.1:%s/health", str(port)).stdout.strip()
    evidence.add(f"health: {health or '(no answer)'}")
    assert '"status":"ok"' in health, f"the application does not report healthy: {health or 'no answer'}"


@pytest.mark.control("LPSE-21.2-APP-02")
def test_artifact_matches_release(host, policy, evidence):
    base = policy.get("compliance_spse_dir", "/home/appserv/spse")
    record = host.file(f"{base}/release.json")
    evidence.add(f"{base}/release.json {'present' if record.exists else 'absent'}")
    assert record.exists, f"no {base}/release.json: nothing was deployed by the spse_app role"
    release = json.loads(record.content_string)
    current = host.run("readlink -f %s/current.jar", base).stdout.strip()
    actual = host.run("sha256sum %s", current).stdout.split()[:1]
    evidence.add(f"recorded: {release.get('release')} sha256 {release.get('sha256')}")
    evidence.add(f"current.jar -> {current or '(missing)'} sha256 {actual[0] if actual else '(unreadable)'}")
    assert current == release.get("release"), f"current.jar points at {current}, not the deployed release"
    assert actual and actual[0] == release.get("sha256"), f"{current} has changed since it was deployed"


@pytest.mark.control("LPSE-21.2-APP-03")
def test_filestore_private(host, policy, evidence):
    path = policy.get("compliance_spse_filestore", "/home/file/file_prod")
    user = unit(host, policy).get("User") or "appserv"
    f = host.file(path)
    evidence.add(f"{path}: {'a directory' if f.is_directory else 'missing'}")
    assert f.is_directory, f"the file store {path} does not exist"
    evidence.add(f"{path}: owner {f.user}:{f.group} mode {oct(f.mode)}; service user {user}")
    assert f.user == user, f"{path} belongs to {f.user}, not the service user {user}"
    assert f.mode & 0o007 == 0, f"{path} is open to every account (mode {oct(f.mode)})"


@pytest.mark.control("LPSE-21.1-WEB-01")
def test_tls(host, policy, evidence):
    conf = nginx_config(host)
    protocols = re.findall(r"^\s*ssl_protocols\s+([^;]+);", conf, re.M)
    evidence.add(f"ssl_protocols: {protocols or 'nginx default'}")
    assert protocols, "ssl_protocols is not set: nginx's default allows TLS 1.0 and 1.1"
    old = sorted({p for line in protocols for p in line.split() if p in ("SSLv3", "TLSv1", "TLSv1.1")})
    assert not old, f"outdated protocols allowed: {', '.join(old)}"
    min_days = int(policy.get("compliance_tls_min_days", 30))
    cert = host.run(
        "echo | openssl s_client -connect 127.0.0.1:443 2>/dev/null | openssl x509 -noout -enddate -subject "
        "-checkend %s",
        str(min_days * 86400),
    )
    evidence.add(" ".join(cert.stdout.split()) or "no certificate served on 443")
    assert "notAfter" in cert.stdout, "nothing serves TLS on port 443"
    assert cert.rc == 0, f"the certificate expires within {min_days} days"


@pytest.mark.control("LPSE-21.1-WEB-02")
def test_redirect_and_headers(host, evidence):
    plain = host.run("curl -s -m 10 -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1/").stdout.strip()
    evidence.add(f"http://127.0.0.1/ -> {plain or 'no answer'}")
    code, _, target = plain.partition(" ")
    assert code in ("301", "308") and target.startswith("https://"), f"HTTP does not redirect to HTTPS ({plain})"
    headers = https(host).lower()
    wanted = {
        "strict-transport-security": "strict-transport-security: max-age=",
        "x-content-type-options": "x-content-type-options: nosniff",
        "x-frame-options or frame-ancestors": ("x-frame-options:", "frame-ancestors"),
    }
    missing = []
    for name, needle in wanted.items():
        needles = needle if isinstance(needle, tuple) else (needle,)
        if not any(n in headers for n in needles):
            missing.append(name)
    evidence.add("security headers missing: " + (", ".join(missing) or "none"))
    assert not missing, f"HTTPS responses lack {', '.join(missing)}"


@pytest.mark.control("LPSE-21.1-WEB-03")
def test_login_rate_and_size_limited(host, policy, evidence):
    conf = nginx_config(host)
    login = policy.get("compliance_login_path", "/login")
    sizes = re.findall(r"^\s*client_max_body_size\s+([^;]+);", conf, re.M)
    evidence.add(f"client_max_body_size: {sizes or 'nginx default (1m)'}")
    assert "0" not in [s.strip() for s in sizes], "client_max_body_size 0 removes the request size limit"
    codes = host.run(
        "for i in $(seq 1 25); do curl -sk -m 5 -o /dev/null -w '%%{http_code} ' -X POST https://127.0.0.1%s; done",
        login,
    ).stdout.split()
    evidence.add(f"25 quick POSTs to {login}: {' '.join(codes)}")
    assert "429" in codes, f"25 login attempts in a row were never limited (no 429 from {login})"


@pytest.mark.control("LPSE-21.5-WEB-04")
def test_logs_rotated(host, policy, evidence):
    keep = int(policy.get("compliance_log_retention_days", 90))
    conf = host.file("/etc/logrotate.d/nginx")
    evidence.add(f"/etc/logrotate.d/nginx {'present' if conf.exists else 'absent'}")
    assert conf.exists, "no /etc/logrotate.d/nginx: the site's logs are never rotated"
    text = conf.content_string
    rotate = [int(n) for n in re.findall(r"^\s*rotate\s+(\d+)", text, re.M)]
    daily = bool(re.search(r"^\s*daily\b", text, re.M))
    evidence.add(f"/etc/logrotate.d/nginx: {'daily' if daily else 'not daily'}, rotate {rotate or 'unset'}")
    assert "/var/log/nginx/" in text, "/etc/logrotate.d/nginx does not cover /var/log/nginx"
    assert daily and rotate and rotate[0] >= keep, f"logs are not kept {keep} days (daily, rotate >= {keep})"
    logs = host.run("ls /var/log/nginx/ | grep -E 'access.log$'").stdout.split()
    evidence.add(f"access logs: {', '.join(logs) or 'none'}")
    assert logs, "nginx writes no access log"


@pytest.mark.control("LPSE-22d-MNT-01")
def test_maintenance_announced(host, evidence):
    switch = host.file(SWITCH)
    on = switch.exists and bool(re.search(r"^\s*set\s+\$lpse_maintenance\s+1\s*;", switch.content_string, re.M))
    active = host.file(ACTIVE)
    record = host.file(WINDOWS).content_string if host.file(WINDOWS).exists else ""
    windows = [json.loads(line) for line in record.splitlines() if line.strip()]
    evidence.add(f"maintenance switch {'on' if on else 'off'}; {len(windows)} recorded step(s)")
    if not on:
        assert not active.exists, f"{ACTIVE} says a window is open but the site is not in maintenance"
        return
    assert active.exists, "the site is in maintenance mode without a recorded window (not announced)"
    window = json.loads(active.content_string)
    evidence.add(f"window {window.get('id')}: {window.get('reason')}, planned end {window.get('planned_end')}")
    assert any(w.get("id") == window.get("id") and w.get("action") == "start" for w in windows), (
        f"window {window.get('id')} is not in {WINDOWS}"
    )
    headers = https(host)
    evidence.add(" ".join(headers.split()[:2]) + (" with Retry-After" if "retry-after:" in headers.lower() else ""))
    assert " 503" in headers.splitlines()[0] if headers else False, "users are not shown the 503 maintenance page"
    assert "retry-after:" in headers.lower(), "the 503 page does not say when to come back (Retry-After)"
    assert time.time() < int(window.get("planned_end_ts", 0)), (
        f"maintenance overran its announced end ({window.get('planned_end')}) and is still on"
    )
