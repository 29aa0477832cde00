"""The guard desk and approvers' web application (Flask; served by ``lpse access serve``).

Bahasa Indonesia by default, English from the language switch. Login with the accounts of
``lpse access init``; what a user may do comes from the inventory (guards check visitors in and
out, authorised officials approve or deny, everyone may file a request). Every form carries a
CSRF token (Flask-WTF). Logins, failed logins and refusals are recorded in the chain beside
the visits, so the trail of who did what is as tamper-evident as the visits themselves.
Bad input is a 4xx page with the reason, never a 500.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from functools import wraps
from pathlib import Path

from flask import Flask, abort, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from lpse import i18n
from lpse.access import rules
from lpse.access.errors import AccessRefused
from lpse.access.service import AccessLog
from lpse.errors import InputError, LpseError

# The texts are ``web.<key>`` in lpse/i18n.py; a visit's states are ``web.<status>``.
STATUS = ("pending", "approved", "denied", "inside", "closed", "expired", "lapsed")
FIELDS = ("name", "id_type", "id_number", "institution", "purpose", "start", "end", "escort", "equipment")


def local_target(value: str | None) -> str:
    r"""Where a ``next`` parameter may send the browser: a path on this site, else "/". Browsers
    drop tabs and newlines anywhere in a URL and read a backslash as a slash, so "/%09/evil.example"
    (a tab once decoded) and "/\evil.example" lead to another site: a value holding a control
    character, a space or a backslash is refused whole."""
    from urllib.parse import urlsplit

    if not value or any(c in value for c in "\\ ") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return "/"
    parts = urlsplit(value)
    if not value.startswith("/") or value.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    return value


class LoginThrottle:
    """Wrong passwords, counted per account and per address: after ``LIMIT`` within
    ``LOCK_MINUTES`` the account (or address) is refused for ``LOCK_MINUTES``, the right password
    too, and without a record for each refusal (only the lock is recorded). Kept in the process:
    a restart forgets it, and nginx's rate limit stands in front."""

    LIMIT = 5
    LOCK_MINUTES = 15

    def __init__(self, clock) -> None:
        self.clock = clock
        self.failures: dict[tuple[str, str], list] = {}
        self.until: dict[tuple[str, str], dt.datetime] = {}
        self.mutex = threading.Lock()

    def _keys(self, user: str, address: str) -> list[tuple[str, str]]:
        return [("user", user.lower()), ("address", address)]

    def locked(self, user: str, address: str) -> bool:
        now = self.clock()
        with self.mutex:
            return any(k in self.until and now < self.until[k] for k in self._keys(user, address))

    def failed(self, user: str, address: str) -> bool:
        """Counts a wrong password; True when it starts a lock."""
        now = self.clock()
        window = dt.timedelta(minutes=self.LOCK_MINUTES)
        started = False
        with self.mutex:
            for key in self._keys(user, address):
                recent = [t for t in self.failures.get(key, []) if now - t < window] + [now]
                self.failures[key] = recent
                if len(recent) >= self.LIMIT:
                    self.until[key], self.failures[key] = now + window, []
                    started = True
        return started

    def succeeded(self, user: str, address: str) -> None:
        with self.mutex:
            self.failures.pop(("user", user.lower()), None)


# A session ends after this long without a request, and this long after login in any case
# (a guard's shift); logout and a password change end it at once (server-side: lpse/access/store.py).
IDLE = dt.timedelta(hours=2)
LONGEST = dt.timedelta(hours=12)


def create_app(log: AccessLog, secret_key: str | None = None, secure: bool = False) -> Flask:
    """``secure``: the app is reached over HTTPS only (behind nginx with TLS): its cookies are
    ``Secure`` and the session's is a ``__Host-`` cookie (this host, path /, never over HTTP)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or _secret(log.config.keys_dir),
        SESSION_COOKIE_NAME="__Host-lpse-session" if secure else "lpse-session",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    CSRFProtect(app)
    config = log.config
    throttle = LoginThrottle(log.clock)

    @app.after_request
    def _headers(resp):
        # Nothing from elsewhere, no framing, no inline code; HSTS where the page came over TLS
        # (behind nginx, which sets X-Forwarded-Proto: see ProxyFix in `lpse access serve`).
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        if request.is_secure:
            resp.headers["Strict-Transport-Security"] = "max-age=31536000"
        return resp

    def lang() -> str:
        return "en" if request.cookies.get("lang") == "en" else "id"

    def t(key: str) -> str:
        return i18n.t(f"web.{key}", lang=lang()) if f"web.{key}" in i18n.MESSAGES else key

    def roles(user: str) -> list[str]:
        out = []
        if user in config.guards:
            out.append("guard")
        if user in config.approvers:
            out.append("approver")
        return out

    @app.context_processor
    def _words():
        return {
            "t": t,
            "lang": lang(),
            "user": g.get("user"),
            "roles": g.get("roles", []),
            "local": lambda when: rules.local(when, config),
            "people": config.users(),
            "max_entries": config.max_entries,
        }

    @app.before_request
    def _who():
        # The cookie holds only a session token; whose it is, and whether it still stands
        # (logout, a password change, idle or too old), is the server's to say.
        token = session.get("sid")
        g.user = log.store.session_user(token, log.clock(), IDLE, LONGEST) if isinstance(token, str) else None
        if g.user and g.user not in config.users():  # removed from the inventory since login
            log.store.sessions_close(g.user)
            g.user = None
        if token and not g.user:
            session.clear()
        g.roles = roles(g.user) if g.user else []
        g.must_change = bool(g.user) and log.initial_password_kept(g.user)

    def login_required(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not g.user:
                return redirect(url_for("login", next=request.path))
            if g.must_change and request.endpoint != "password":
                return redirect(url_for("password"))
            return view(*args, **kwargs)

        return wrapped

    def refuse(exc: InputError, status: int = 400, template: str = "error.html", **ctx):
        message = exc.message(lang()) if isinstance(exc, AccessRefused) else str(exc)
        if g.get("user"):
            log.audit_event(g.user, "refused", path=request.path, reason=message)
        return render_template(template, error=message, **ctx), status

    @app.get("/lang/<code>")
    def set_lang(code: str):
        if code not in ("id", "en"):
            abort(404)
        resp = redirect(local_target(request.args.get("next")))
        resp.set_cookie("lang", code, samesite="Strict", max_age=365 * 86400, secure=secure, httponly=True)
        return resp

    @app.route("/login", methods=["GET", "POST"])
    def login():
        error = None
        if request.method == "POST":
            user = (request.form.get("user") or "").strip()[:32]
            password = request.form.get("password") or ""
            address = request.remote_addr or "-"
            if throttle.locked(user, address):  # not even the right password, and no record each time
                return render_template("login.html", error=t("locked")), 429
            if log.authenticate(user, password[:200]):
                throttle.succeeded(user, address)
                session.clear()
                session["sid"] = log.store.session_open(user, log.clock())
                log.audit_event(user, "login", address=address)
                if log.initial_password_kept(user):
                    return redirect(url_for("password"))
                return redirect(local_target(request.args.get("next")))
            if throttle.failed(user, address):
                log.audit_event(user or "-", "login_locked", address=address, minutes=LoginThrottle.LOCK_MINUTES)
            else:
                log.audit_event(user or "-", "login_failed", address=address)
            error = t("bad_login")
        notice = t("password_changed") if request.args.get("done") == "password" else None
        return render_template("login.html", error=error, notice=notice), (401 if error else 200)

    @app.post("/logout")
    def logout():
        if g.user:
            log.audit_event(g.user, "logout")
            log.store.session_close(session["sid"])
        session.clear()
        return redirect(url_for("login"))

    @app.route("/password", methods=["GET", "POST"])
    @login_required
    def password():
        """Choose a password (the generated first one must be replaced before anything else);
        every session of the user ends with the change, this one too."""
        error = None
        if request.method == "POST":
            old = (request.form.get("old") or "")[:200]
            new = (request.form.get("new") or "")[:200]
            if new != (request.form.get("again") or "")[:200]:
                error = t("passwords_differ")
            elif not log.authenticate(g.user, old):
                if throttle.failed(g.user, request.remote_addr or "-"):
                    log.audit_event(g.user, "login_locked", address=request.remote_addr or "-")
                error = t("bad_login")
            else:
                try:
                    log.set_password(g.user, new, old)
                except InputError as exc:
                    error = exc.message(lang()) if isinstance(exc, AccessRefused) else str(exc)
                else:
                    log.audit_event(g.user, "password_changed")
                    session.clear()
                    return redirect(url_for("login", done="password"))
        page = render_template("password.html", error=error, must=g.must_change)
        return page, (400 if error else 200)

    @app.get("/")
    @login_required
    def index():
        now = log.clock()
        want = request.args.get("status", "")
        if want and want not in STATUS:
            abort(400)
        visits = sorted(log.visits().values(), key=lambda v: v.seq, reverse=True)
        if want:
            visits = [v for v in visits if v.status(now) == want]
        return render_template("visits.html", visits=visits, now=now, want=want, statuses=STATUS)

    @app.route("/visits/new", methods=["GET", "POST"])
    @login_required
    def new_visit():
        form = {k: request.form.get(k, "") for k in FIELDS}
        if request.method == "POST":
            try:
                rec = log.request(g.user, form)
            except InputError as exc:
                return refuse(exc, 400, "new.html", form=form)
            return redirect(url_for("show_visit", visit_id=rec.visit, done="request"))
        return render_template("new.html", form=form, error=None)

    def visit_page(visit_id: str, error: str | None = None, status: int = 200):
        try:
            visit, recs = log.show(visit_id)
        except InputError:  # no such visit, or not a visit number
            abort(404)
        page = render_template(
            "visit.html", v=visit, recs=recs, now=log.clock(), error=error, done=request.args.get("done")
        )
        return page, status

    @app.get("/visits/<visit_id>")
    @login_required
    def show_visit(visit_id: str):
        return visit_page(visit_id)

    def act(visit_id: str, role: str, do):
        if role not in g.roles:
            log.audit_event(g.user, "forbidden", path=request.path)
            return render_template("error.html", error=t("forbidden")), 403
        try:
            do()
        except AccessRefused as exc:
            if exc.code == "no_visit":
                abort(404)
            message = exc.message(lang())
            log.audit_event(g.user, "refused", path=request.path, reason=message)
            return visit_page(visit_id, message, 409 if exc.code != "field" else 400)
        except InputError as exc:
            log.audit_event(g.user, "refused", path=request.path, reason=str(exc))
            return visit_page(visit_id, str(exc), 400)
        return redirect(url_for("show_visit", visit_id=visit_id, done=request.path.rsplit("/", 1)[-1]))

    @app.post("/visits/<visit_id>/decide")
    @login_required
    def decide(visit_id: str):
        choice = request.form.get("decision")
        if choice not in ("approve", "deny"):
            abort(400)
        return act(
            visit_id,
            "approver",
            lambda: log.decide(
                visit_id,
                g.user,
                choice == "approve",
                (request.form.get("password") or "")[:200],
                request.form.get("reason", ""),
                request.form.get("valid_from") or None,
                request.form.get("valid_until") or None,
                request.form.get("entries") or None,
            ),
        )

    @app.post("/visits/<visit_id>/checkin")
    @login_required
    def checkin(visit_id: str):
        form = request.form
        return act(
            visit_id, "guard", lambda: log.checkin(visit_id, g.user, form.get("badge", ""), form.get("escort", ""))
        )

    @app.post("/visits/<visit_id>/checkout")
    @login_required
    def checkout(visit_id: str):
        form = request.form
        return act(
            visit_id,
            "guard",
            lambda: log.checkout(visit_id, g.user, form.get("equipment_out", ""), form.get("note", "")),
        )

    verifying = threading.Lock()

    @app.get("/log")
    @login_required
    def trail():
        # The newest 300 records, and the whole chain checked only when asked (it re-hashes every
        # record: about 2.6 s for a million; signatures only after the last attested verify). In
        # one process, this server being threaded, and one at a time: more would take every
        # worker thread and leave /login unanswered, so a second asker is told to wait.
        recs = log.store.records(last=300)
        result, busy = None, False
        if request.args.get("verify"):
            if verifying.acquire(blocking=False):
                try:
                    result = log.verify(processes=1, attest=True)
                finally:
                    verifying.release()
            else:
                busy = True
        return render_template("log.html", recs=recs[::-1], result=result, busy=busy, head=log.store.head())

    @app.errorhandler(LpseError)
    def _unavailable(exc: LpseError):
        # The database refused a write (a full disk) or is gone: say so; nothing was recorded.
        return render_template("error.html", error=str(exc)), 400 if isinstance(exc, InputError) else 503

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_template("error.html", error=t("csrf")), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        key = {404: "not_found", 403: "forbidden"}.get(exc.code or 400, "bad_request")
        return render_template("error.html", error=t(key)), exc.code or 400

    return app


def _secret(keys_dir: Path) -> str:
    """The session-signing secret: generated on first start, kept 0600 beside the keys."""
    path = keys_dir / "web-secret"
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
