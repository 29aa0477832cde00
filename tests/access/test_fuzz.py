"""Fuzzed CLI arguments and form fields (hypothesis): a clear error or success, never a
traceback, a 500, or a half-written record."""

from __future__ import annotations

import re

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpse.access.cli import access
from lpse.access.web import create_app

from .conftest import VISITOR, write_inventory

junk = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
fields = st.fixed_dictionaries(
    {k: st.one_of(st.just(v if isinstance(v, str) else ",".join(v)), junk) for k, v in VISITOR.items()}
)
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW
@given(form=fields)
def test_request_form_fuzz(log, form):
    app = create_app(log, secret_key="fuzz")
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"user": "satpam", "password": log.pw["satpam"], "csrf_token": token})
    before = [r for r in log.store.records() if r.kind != "audit"]
    resp = client.post("/visits/new", data={**form, "csrf_token": token})
    assert resp.status_code in (302, 400), resp.status_code
    after = [r for r in log.store.records() if r.kind != "audit"]
    assert len(after) - len(before) == (1 if resp.status_code == 302 else 0)
    # A visit ID that is garbage (one path segment: a "/" in it would only make werkzeug redirect
    # the merged slashes, 308, before the app sees it).
    visit = re.sub(r"[/?#]", "x", form["name"][:10]) or "x"
    for kind in ("checkin", "checkout", "decide"):
        resp = client.post(f"/visits/{visit}/{kind}", data={**form, "csrf_token": token})
        assert 400 <= resp.status_code < 500 or resp.status_code == 302, (kind, resp.status_code)
    assert log.verify().ok


# A command line cannot hold a NUL byte (execve ends each argument at the first one).
argv_junk = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)


@SLOW
@given(
    args=st.lists(argv_junk, max_size=6),
    command=st.sampled_from(
        ["request", "approve", "deny", "checkin", "checkout", "show", "list", "export", "import", "audit"]
    ),
)
def test_cli_fuzz(log, tmp_path, args, command):
    inv = tmp_path / "hosts.yml"
    if not inv.exists():
        write_inventory(tmp_path)
    head = log.store.head()
    result = CliRunner().invoke(access, [command, *args, "-i", str(inv)], env={"LPSE_ACCESS_PASSWORD": "x" * 12})
    # click's usage errors exit 2; our refusals are InputError (exit 2) raised to the caller
    if result.exception and not isinstance(result.exception, SystemExit):
        from lpse.errors import LpseError

        assert isinstance(result.exception, LpseError), repr(result.exception)
    assert log.store.head() == head or log.verify().ok
