"""What the reverse_proxy role leaves on a host, read from the host itself."""

SITE = "--resolve spse.molrp.lab:443:127.0.0.1 https://spse.molrp.lab"


def test_https_proxies_to_the_upstream_with_a_verified_certificate(host):
    page = host.run(f"curl -s -k {SITE}/")  # the CA is on the control node; the name is checked below
    assert "upstream" in page.stdout
    subject = host.check_output(
        "echo | openssl s_client -connect 127.0.0.1:443 2>/dev/null | openssl x509 -noout -ext subjectAltName"
    )
    assert "spse.molrp.lab" in subject


def test_http_redirects_and_headers(host):
    assert host.check_output("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/") == "301"
    headers = host.check_output(f"curl -sk -D - -o /dev/null {SITE}/").lower()
    for header in ("strict-transport-security", "x-content-type-options: nosniff", "x-frame-options: deny"):
        assert header in headers


def test_login_is_rate_limited(host):
    codes = host.check_output(
        f"for i in $(seq 1 12); do curl -sk -o /dev/null -w '%{{http_code}} ' -X POST {SITE}/login; done"
    ).split()
    assert "429" in codes


def test_only_modern_tls(host):
    old = host.run("echo | openssl s_client -tls1_1 -cipher DEFAULT@SECLEVEL=0 -connect 127.0.0.1:443")
    assert old.rc != 0
    assert host.run("echo | openssl s_client -tls1_2 -connect 127.0.0.1:443").rc == 0


def test_logs_rotated_daily(host):
    rotate = host.file("/etc/logrotate.d/nginx").content_string
    assert "daily" in rotate and "rotate 90" in rotate
