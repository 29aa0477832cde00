"""The guard desk and approvers' web application, in a real browser (Playwright driving Debian's
chromium) and through Flask's test client for what a browser would not send."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest

from lpse.access.web import create_app

from .conftest import VISITOR, approved_visit

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".lpse" / "screenshots" / "access"


@pytest.fixture
def server(log):
    from waitress.server import create_server

    srv = create_server(create_app(log, secret_key="test-secret"), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()


def login(page, base: str, user: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#user", user)
    page.fill("#password", password)
    page.click("button[type=submit]")


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_request_approve_checkin_checkout_in_a_browser(server, browser, log):
    errors: list[str] = []
    guard = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    guard.on("pageerror", lambda e: errors.append(str(e)))
    guard.goto(f"{server}/")
    assert "/login" in guard.url
    shot(guard, "01-login")
    login(guard, server, "satpam", log.pw["satpam"])
    guard.click("text=Permohonan baru")
    for field in ("name", "id_number", "institution", "purpose", "escort"):
        guard.fill(f"#{field}", VISITOR[field])
    guard.fill("#start", "now")
    guard.fill("#end", "+3h")
    guard.fill("#equipment", "laptop:LN-4471\ndisk:WD-99812")
    shot(guard, "02-request-form")
    guard.click("button[type=submit]")
    visit = re.search(r"/visits/(V-\d+)", guard.url).group(1)
    assert guard.locator("#status").inner_text() == "menunggu persetujuan"
    # the guard has no approve form, and entry before approval is refused with the reason
    assert guard.locator("#approve").count() == 0
    guard.fill("#badge", "T-07")
    guard.click("#checkin")
    assert "belum disetujui" in guard.locator(".error").inner_text()
    shot(guard, "03-checkin-refused")

    boss = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    boss.on("pageerror", lambda e: errors.append(str(e)))
    login(boss, server, "kepala", log.pw["kepala"])
    assert visit in boss.locator("table").inner_text()
    shot(boss, "04-visits-pending")
    boss.click(f"text={visit}")
    boss.fill("#reason", "Penggantian disk terjadwal")
    boss.fill("#sign_password", log.pw["kepala"])
    boss.click("#approve")
    assert boss.locator("#status").inner_text() == "disetujui"
    shot(boss, "05-approved")

    guard.goto(f"{server}/visits/{visit}")
    guard.fill("#badge", "T-07")
    guard.click("#checkin")
    assert guard.locator("#status").inner_text() == "di ruang server"
    shot(guard, "06-inside")
    guard.click("#checkout")
    assert guard.locator("#status").inner_text() == "disetujui"
    guard.click("#lang")
    assert guard.locator("#status").inner_text() == "approved"
    shot(guard, "07-after-checkout-en")
    guard.click("text=Audit trail")
    assert guard.locator("#chain").count() == 0  # the page itself reads only the newest records
    guard.click("#verify")
    assert "Record chain intact" in guard.locator("#chain").inner_text()
    shot(guard, "08-audit-trail")
    assert errors == []
    assert log.verify().ok
    kinds = [r.kind for r in log.store.records(visit=visit)]
    assert kinds == ["request", "decision", "checkin", "checkout"]
    actions = [r.data["action"] for r in log.store.records(kinds=("audit",))]
    assert actions.count("login") == 2 and "refused" in actions


@pytest.fixture
def client(log):
    app = create_app(log, secret_key="test-secret")
    return app.test_client()


def csrf(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def signed_in(client, log, user: str) -> str:
    token = csrf(client)
    resp = client.post("/login", data={"user": user, "password": log.pw[user], "csrf_token": token})
    assert resp.status_code == 302
    return csrf(client, "/visits/new")


def test_a_guard_cannot_approve(client, log):
    visit = log.request("satpam", VISITOR).visit
    token = signed_in(client, log, "satpam")
    resp = client.post(
        f"/visits/{visit}/decide", data={"decision": "approve", "password": log.pw["satpam"], "csrf_token": token}
    )
    assert resp.status_code == 403
    assert log.show(visit)[0].decision is None


def test_an_approver_cannot_self_approve_from_the_page(client, log):
    visit = log.request("satpam", {**VISITOR, "name": "Dra. Siti Rahayu"}).visit
    token = signed_in(client, log, "kepala")
    resp = client.post(
        f"/visits/{visit}/decide", data={"decision": "approve", "password": log.pw["kepala"], "csrf_token": token}
    )
    assert resp.status_code == 409
    assert "tidak boleh menyetujui kunjungannya sendiri" in resp.get_data(as_text=True)


def test_forms_without_a_csrf_token_are_refused(client, log):
    visit = approved_visit(log)
    signed_in(client, log, "satpam")
    resp = client.post(f"/visits/{visit}/checkin", data={"badge": "T-07"})
    assert resp.status_code == 400
    assert log.show(visit)[0].entries == []


def test_bad_requests_are_4xx(client, log):
    assert client.get("/visits/V-000001").status_code == 302  # not logged in: to the login page
    token = signed_in(client, log, "satpam")
    assert client.get("/visits/V-999999").status_code == 404
    assert client.get("/visits/not-a-visit").status_code == 404
    assert client.get("/?status=bogus").status_code == 400
    assert client.post("/visits/V-000001/decide", data={"decision": "maybe", "csrf_token": token}).status_code == 400
    resp = client.post("/visits/new", data={**VISITOR, "equipment": "laptop", "csrf_token": token})
    assert resp.status_code == 400 and "item:serial" in resp.get_data(as_text=True)
    assert log.store.head()[0] == 0 or all(r.kind == "audit" for r in log.store.records())
    bad = client.post("/login", data={"user": "satpam", "password": "salah", "csrf_token": csrf(client)})
    assert bad.status_code in (302, 401)


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/phish",  # a tab: browsers drop it and read //evil.example
        "/%0a/evil.example",
        "//evil.example/phish",
        "/%5Cevil.example",  # a backslash: browsers read it as a slash
        "%5C%5Cevil.example",
        "https://evil.example/",
        "%20//evil.example",
        "javascript:alert(1)",
    ],
)
def test_next_never_leads_off_the_site(client, log, target):
    """An open redirect (Pasal 21 ayat (4)'s log must not lend its address to phishing): the
    language switch and the login both send a foreign `next` home."""
    assert client.get(f"/lang/en?next={target}").headers["Location"] == "/"
    token = csrf(client)
    resp = client.post(
        f"/login?next={target}", data={"user": "satpam", "password": log.pw["satpam"], "csrf_token": token}
    )
    assert resp.status_code == 302 and resp.headers["Location"] == "/", resp.headers["Location"]


def test_next_keeps_a_path_on_the_site(client, log):
    assert client.get("/lang/en?next=/visits/new%3Fx%3D1").headers["Location"] == "/visits/new?x=1"


def test_every_page_carries_the_security_headers(client, log):
    for path in ("/login", "/lang/en?next=/"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP here
    assert client.get("/login", base_url="https://spse.lab").headers["Strict-Transport-Security"]
    assert client.get("/static/app.css").status_code == 200  # the style the CSP allows


def test_a_password_guessed_a_hundred_times_locks_the_account_and_bloats_nothing(client, log, clock):
    """Brute force: after 5 wrong passwords the account is locked for 15 minutes, the right
    password included; the chain records the failures and the lock, not every attempt."""
    head = log.store.head()[0]
    codes = []
    for n in range(100):
        token = csrf(client)
        resp = client.post("/login", data={"user": "kepala", "password": f"tebak-{n}", "csrf_token": token})
        codes.append(resp.status_code)
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes[:8]
    assert log.store.head()[0] - head == 5  # four failures and the lock
    token = csrf(client)
    right = {"user": "kepala", "password": log.pw["kepala"], "csrf_token": token}
    assert client.post("/login", data=right).status_code == 429
    clock.advance(minutes=16)
    assert client.post("/login", data={**right, "csrf_token": csrf(client)}).status_code == 302


def test_a_guess_at_many_accounts_from_one_address_is_locked_too(client, log):
    codes = []
    for user in ["satpam", "jaga2", "kepala", "sekretaris", "budi", "tamu", "admin"]:
        resp = client.post("/login", data={"user": user, "password": "x" * 12, "csrf_token": csrf(client)})
        codes.append(resp.status_code)
    assert codes == [401] * 5 + [429] * 2


def cookie_of(client) -> str:
    return client.get_cookie("lpse-session").value


def test_a_session_cookie_replayed_after_logout_opens_nothing(client, log):
    """Flask's cookie alone would stay valid after logout (it is only signed); the session is
    the server's, and logout ends it there."""
    token = signed_in(client, log, "satpam")
    stolen = cookie_of(client)
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": token})
    thief = log_client(log)
    thief.set_cookie("lpse-session", stolen)
    resp = thief.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def log_client(log):
    return create_app(log, secret_key="test-secret").test_client()


def test_a_password_change_ends_every_session_of_that_user(client, log):
    signed_in(client, log, "satpam")
    elsewhere = log_client(log)
    signed_in(elsewhere, log, "satpam")
    other = log_client(log)
    signed_in(other, log, "kepala")
    token = csrf(client, "/password")
    wrong = client.post("/password", data={"old": "salah", "new": "b" * 12, "again": "b" * 12, "csrf_token": token})
    assert wrong.status_code == 400
    differ = client.post(
        "/password", data={"old": log.pw["satpam"], "new": "b" * 12, "again": "c" * 12, "csrf_token": token}
    )
    assert differ.status_code == 400 and "tidak sama" in differ.get_data(as_text=True)
    done = client.post(
        "/password", data={"old": log.pw["satpam"], "new": "b" * 12, "again": "b" * 12, "csrf_token": token}
    )
    assert done.status_code == 302 and "done=password" in done.headers["Location"]
    for each in (client, elsewhere):
        assert each.get("/").status_code == 302  # both of satpam's sessions are gone
    assert other.get("/").status_code == 200  # kepala's is not
    assert log.authenticate("satpam", "b" * 12)
    assert [r.data["action"] for r in log.store.records(kinds=("audit",))][-1] == "password_changed"


def test_the_initial_password_opens_only_the_password_page(tmp_path, clock):
    """The generated first password is kept in plain text until its owner chooses one: with it,
    nothing but choosing one is possible; then the plain-text file is gone."""
    from lpse.access.service import AccessLog

    from .conftest import make_config, passwords

    fresh = AccessLog(make_config(tmp_path), clock=clock)
    fresh.init()
    initial = passwords(fresh.config)["satpam"]
    client = log_client(fresh)
    resp = client.post("/login", data={"user": "satpam", "password": initial, "csrf_token": csrf(client)})
    assert resp.headers["Location"].endswith("/password")
    for path in ("/", "/visits/new", "/log"):
        assert client.get(path).headers["Location"].endswith("/password"), path
    token = csrf(client, "/password")
    assert "kata sandi awal" in client.get("/password").get_data(as_text=True)
    client.post("/password", data={"old": initial, "new": "d" * 12, "again": "d" * 12, "csrf_token": token})
    assert not (fresh.config.keys_dir / "initial-passwords" / "satpam").exists()
    resp = client.post("/login", data={"user": "satpam", "password": "d" * 12, "csrf_token": csrf(client)})
    assert resp.headers["Location"] == "/" and client.get("/").status_code == 200
    fresh.store.close()


def test_an_idle_session_ends(client, log, clock):
    signed_in(client, log, "satpam")
    clock.advance(hours=1, minutes=59)
    assert client.get("/").status_code == 200
    clock.advance(hours=2, minutes=1)
    assert client.get("/").status_code == 302


def test_behind_tls_the_cookies_are_secure_host_cookies(log):
    app = create_app(log, secret_key="test-secret", secure=True)
    client = app.test_client()
    page = client.get("/login", base_url="https://spse.lab").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post(
        "/login",
        data={"user": "satpam", "password": log.pw["satpam"], "csrf_token": token},
        base_url="https://spse.lab",
        headers={"Referer": "https://spse.lab/login"},  # over HTTPS the CSRF check wants the same origin
    )
    assert resp.status_code == 302
    cookie = next(c for c in resp.headers.getlist("Set-Cookie") if c.startswith("__Host-lpse-session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    lang = client.get("/lang/en", base_url="https://spse.lab").headers["Set-Cookie"]
    assert "Secure" in lang


def test_chain_checks_asked_at_once_leave_the_login_page_answering(server, log, monkeypatch):
    """The review's stall: four "verify the whole chain" requests took every worker thread and
    /login went unanswered for 30 s. One check runs at a time; the others are told to wait."""
    import time
    import urllib.request

    from lpse.access.service import AccessLog

    real = AccessLog.verify
    monkeypatch.setattr(AccessLog, "verify", lambda self, **kw: (time.sleep(3), real(self, **kw))[1])
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{server}/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = f"user=satpam&password={log.pw['satpam']}&csrf_token={token}".encode()
    opener.open(urllib.request.Request(f"{server}/login", data=body))
    answers: list[str] = []
    askers = [
        threading.Thread(target=lambda: answers.append(opener.open(f"{server}/log?verify=1").read().decode()))
        for _ in range(4)
    ]
    for a in askers:
        a.start()
    time.sleep(0.5)
    assert urllib.request.urlopen(f"{server}/login", timeout=10).status == 200
    assert askers[0].is_alive() or any(a.is_alive() for a in askers)  # answered while a check still ran
    for a in askers:
        a.join()
    assert sum("Rantai catatan utuh" in a for a in answers) == 1
    assert sum("sedang berjalan" in a for a in answers) == 3
