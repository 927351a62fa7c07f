"""Sign-in (``PARITY_AUTH=1``) over HTTP through the whole app, and the session answers.

Each test builds the real app (``create_app``) with login on, users created by the
``tools.users`` command, and drives it with Flask's test client: the same WSGI stack gunicorn
serves (``tests/deploy/test_auth_deploy.py`` repeats the flow against gunicorn itself). The
expected answers come from the rules as stated (roles, sharing, N attempts), not from the code.
"""
from __future__ import annotations

import io
import re

import pytest
from werkzeug.security import check_password_hash

from app import Settings, create_app
from callbacks import session as who
from callbacks.auth import PUBLIC_PATHS, AuthConfigError
from core.store import open_store
from tools.users import main as users_cli

SECRET = "s" * 48
PASSWORDS = {"ann": "ann-password-1", "bob": "bob-password-1", "cat": "cat-password-1"}
ROLES = {"ann": "admin", "bob": "editor", "cat": "viewer"}
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
           "Referrer-Policy")


def _settings(tmp_path, **kw):
    return Settings(data_dir=str(tmp_path / "var"), warm_numba=False, auth=True,
                    secret_key=SECRET, **kw)


def _add_users(url):
    for name, role in ROLES.items():
        assert users_cli(["--database-url", url, "add", name, "--role", role],
                         stdin=io.StringIO(PASSWORDS[name] + "\n"), stdout=io.StringIO()) == 0


@pytest.fixture
def auth_app(tmp_path):
    settings = _settings(tmp_path, login_attempts=3)
    app = create_app(settings)
    _add_users(settings.database_url)
    return app


def _token(client, path="/login") -> str:
    page = client.get(path)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _login(client, name, password=None, *, next_="/"):
    return client.post("/login", data={"username": name, "password": password or PASSWORDS[name],
                                       "csrf_token": _token(client), "next": next_})


def _cookie(response, name: str) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert found, (name, response.headers.getlist("Set-Cookie"))
    return found[0]


def _has_headers(response):
    missing = [h for h in HEADERS if h not in response.headers]
    assert missing == [], (response.status_code, response.request.path, missing)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]


# -- the gate ------------------------------------------------------------------------------

def test_every_route_and_asset_needs_a_session_and_every_answer_has_the_headers(auth_app):
    c = auth_app.server.test_client()
    page = c.get("/risk?x=1", headers={"Accept": "text/html"})
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=/risk%3Fx%3D1"
    # the whole query comes back after sign-in, not only its first parameter
    page = c.get("/greeks?greek=vega&inst=put", headers={"Accept": "text/html"})
    assert page.headers["Location"] == "/login?next=/greeks%3Fgreek%3Dvega%26inst%3Dput"
    login = c.get(page.headers["Location"])
    assert 'name="next" value="/greeks?greek=vega&amp;inst=put"' in login.text
    _has_headers(page)
    for path in ("/_dash-layout", "/_dash-dependencies", "/assets/report.js",
                 "/_dash-component-suites/dash/deps/polyfill@7.v4_4_1m1.12.1.min.js",
                 "/no-such-page"):
        r = c.get(path)
        assert r.status_code == 401, path
        assert "Sign in first" in r.get_json()["message"]
        _has_headers(r)
    r = c.post("/_dash-update-component", json={"output": "x.children", "inputs": []})
    assert r.status_code == 401
    _has_headers(r)
    login = c.get("/login")
    assert login.status_code == 200 and "Sign in" in login.text
    _has_headers(login)
    for path in PUBLIC_PATHS:          # what the sign-in page itself shows
        assert c.get(path).status_code == 200, path
    assert c.get("/auth-static/login.js").status_code == 200


def test_sign_in_reaches_pages_and_sign_out_ends_the_session(auth_app):
    c = auth_app.server.test_client()
    r = _login(c, "bob", next_="/risk")
    assert r.status_code == 302 and r.headers["Location"] == "/risk"
    cookie = _cookie(r, "parity_session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    _has_headers(r)
    assert c.get("/_dash-layout").status_code == 200
    page = c.get("/risk", headers={"Accept": "text/html"})
    assert page.status_code == 200
    # the page hands dash-renderer its CSRF token (a cookie JS can read, for X-CSRFToken)
    assert "HttpOnly" not in _cookie(page, "_csrf_token")
    assert c.get("/login").status_code == 302                 # already signed in
    confirm = c.get("/logout")
    assert confirm.status_code == 200 and "signed in as <strong>bob</strong>" in confirm.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)
    out = c.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302 and out.headers["Location"] == "/login?signed_out=1"
    assert c.get("/_dash-layout").status_code == 401


def test_a_request_in_flight_during_sign_out_cannot_sign_the_browser_back_in(auth_app):
    """A callback that started before sign-out and answers after it must not re-issue the
    signed-in session cookie (seen under gunicorn: a slow figure callback's 200 re-set the cookie
    and the browser was signed in again). Only answers that change the session set the cookie."""
    c = auth_app.server.test_client()
    _login(c, "bob")
    page = c.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200
    signed_in = c.get_cookie("parity_session").value
    for path in ("/_dash-layout", "/_dash-dependencies"):     # what a page fires while open
        r = c.get(path)
        assert r.status_code == 200
        assert not [h for h in r.headers.getlist("Set-Cookie") if h.startswith("parity_session=")]
    deps = c.get("/_dash-dependencies").get_json()
    token = _cookie(page, "_csrf_token").split(";")[0].split("=", 1)[1]
    body = {"output": deps[0]["output"], "outputs": [], "inputs": [], "changedPropIds": [],
            "state": []}
    r = c.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
    assert not [h for h in r.headers.getlist("Set-Cookie") if h.startswith("parity_session=")]
    # sign out; the in-flight answer (no Set-Cookie) leaves the browser signed out
    confirm = c.get("/logout")
    out = c.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)})
    assert out.status_code == 302
    assert c.get_cookie("parity_session") is None or \
        c.get_cookie("parity_session").value != signed_in
    assert c.get("/_dash-layout").status_code == 401


def test_dash_callback_posts_need_the_csrf_header(auth_app):
    """dash-renderer sends the ``_csrf_token`` cookie's value as ``X-CSRFToken``; without it a
    callback POST of a signed-in session is refused (a forged cross-site request has no token)."""
    c = auth_app.server.test_client()
    _login(c, "bob")
    page = c.get("/", headers={"Accept": "text/html"})
    token = _cookie(page, "_csrf_token").split(";")[0].split("=", 1)[1]
    deps = c.get("/_dash-dependencies").get_json()
    body = {"output": deps[0]["output"], "outputs": [], "inputs": [], "changedPropIds": [], "state": []}
    refused = c.post("/_dash-update-component", json=body)
    assert refused.status_code == 400 and "CSRF token is missing" in refused.text
    _has_headers(refused)
    wrong = c.post("/_dash-update-component", json=body, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400 and "CSRF token is invalid" in wrong.text
    passed = c.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
    assert "CSRF" not in passed.text           # past the CSRF check (Dash then judges the body)


def test_next_never_leaves_the_site(auth_app):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        r = _login(auth_app.server.test_client(), "bob", next_=target)
        assert r.status_code == 302 and r.headers["Location"] == "/", target


def test_csrf_token_missing_or_wrong_or_cross_origin_is_refused(auth_app):
    c = auth_app.server.test_client()
    c.get("/login")
    form = {"username": "bob", "password": PASSWORDS["bob"]}
    r = c.post("/login", data=form)
    assert r.status_code == 400 and "CSRF token is missing" in r.text
    _has_headers(r)
    r = c.post("/login", data={**form, "csrf_token": "forged"})
    assert r.status_code == 400 and "CSRF token is invalid" in r.text
    r = c.post("/login", data={**form, "csrf_token": _token(c)},
               headers={"Origin": "https://evil.example"})
    assert r.status_code == 400 and "another site" in r.text
    assert c.get("/_dash-layout").status_code == 401           # none of these signed in
    # a token from another browser's session is refused too
    other = auth_app.server.test_client()
    r = c.post("/login", data={**form, "csrf_token": _token(other)})
    assert r.status_code == 400
    assert c.post("/logout", data={}).status_code == 401       # signed out: the gate
    assert _login(c, "bob").status_code == 302
    r = c.post("/logout", data={})                              # signed in, no token
    assert r.status_code == 400 and "CSRF token is missing" in r.text
    assert c.get("/_dash-layout").status_code == 200            # still signed in


def test_wrong_passwords_are_rate_limited(auth_app):
    c = auth_app.server.test_client()
    for i in range(3):                               # login_attempts=3 failures are answered 401
        r = _login(c, "bob", "wrong-password")
        assert r.status_code == 401 and "Wrong user name or password" in r.text, i
    r = _login(c, "bob")                             # the 4th is refused, even with the right one
    assert r.status_code == 429 and int(r.headers["Retry-After"]) == 900
    assert "Too many failed sign-ins" in r.text
    _has_headers(r)
    assert c.get("/_dash-layout").status_code == 401
    # another user from the same address is not locked out by bob's failures ...
    assert _login(c, "cat").status_code == 302
    # ... and an unknown name counts like a wrong password
    c2 = auth_app.server.test_client()
    for _ in range(3):
        assert _login(c2, "nobody", "x" * 12).status_code == 401
    assert _login(c2, "nobody", "x" * 12).status_code == 429


def test_many_names_from_one_address_hit_the_address_limit(auth_app):
    c = auth_app.server.test_client()
    for i in range(12):                              # 4 x login_attempts, spread over names
        assert _login(c, f"guess{i}", "x" * 12).status_code == 401
    assert _login(c, "ann").status_code == 429


def test_a_successful_sign_in_clears_the_count(auth_app):
    c = auth_app.server.test_client()
    for _ in range(2):
        assert _login(c, "bob", "wrong-password").status_code == 401
    assert _login(c, "bob").status_code == 302
    c.post("/logout", data={"csrf_token": _token(c, "/logout")})
    for _ in range(2):
        assert _login(c, "bob", "wrong-password").status_code == 401
    assert _login(c, "bob").status_code == 302       # 2 + 2 failures, never 3 in a row


def test_secure_cookies_by_setting_and_behind_an_https_proxy(tmp_path):
    app = create_app(_settings(tmp_path, secure_cookies=True))
    _add_users(app.server.config["PARITY_SETTINGS"].database_url)
    c = app.server.test_client()
    assert "Secure" in _cookie(c.get("/login"), "parity_session")
    proxied = create_app(_settings(tmp_path / "p", proxies=1))
    c = proxied.server.test_client()
    https = c.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in _cookie(https, "parity_session")
    assert "Secure" not in _cookie(c.get("/login"), "parity_session")


def test_login_on_without_a_secret_refuses_to_start(tmp_path):
    with pytest.raises(AuthConfigError, match="PARITY_AUTH=1 needs PARITY_SECRET_KEY"):
        create_app(Settings(data_dir=str(tmp_path), warm_numba=False, auth=True))
    with pytest.raises(AuthConfigError, match="got 10 characters"):
        create_app(Settings(data_dir=str(tmp_path), warm_numba=False, auth=True,
                            secret_key="0123456789"))


def test_settings_from_the_environment():
    s = Settings.from_env({"PARITY_AUTH": "1", "PARITY_SECRET_KEY": SECRET,
                           "PARITY_SECURE_COOKIES": "1", "PARITY_PROXIES": "2",
                           "PARITY_LOGIN_ATTEMPTS": "7"})
    assert (s.auth, s.secret_key, s.secure_cookies, s.proxies, s.login_attempts) == (
        True, SECRET, True, 2, 7)
    assert Settings.from_env({}).auth is False
    with pytest.raises(ValueError, match="PARITY_LOGIN_ATTEMPTS must be a whole number >= 1"):
        Settings.from_env({"PARITY_LOGIN_ATTEMPTS": "0"})


def test_without_parity_auth_the_app_is_single_user_as_before(parity):
    c = parity.server.test_client()
    assert c.get("/_dash-layout").status_code == 200
    assert c.get("/", headers={"Accept": "text/html"}).status_code == 200
    assert "Set-Cookie" not in c.get("/").headers
    assert 'name="csrf_token"' not in c.get("/login").text   # Dash's own 404 page, no form
    with parity.server.test_request_context("/"):
        assert who.current_user() == "" and who.current_role() == "admin"
        assert who.may_edit() and who.may_read("someone", "private") and who.may_change("x")
        assert who.list_reader() is None


# -- roles and sharing, seen from a signed-in request -----------------------------------------

def _probe_route(app):
    """A route that answers what callbacks/session.py says for the request's user, and what
    the store lists for them: the path a workspace callback takes."""
    from flask import jsonify

    store = open_store(app.server.config["PARITY_SETTINGS"].database_url)

    def probe():
        ws = {w.name: w for w in store.list_workspaces(reader=who.list_reader())}
        every = store.list_workspaces()
        return jsonify(user=who.current_user(), edit=who.may_edit(), listed=sorted(ws),
                       readable=sorted(w.name for w in every if who.may_read(w.owner, w.sharing)),
                       changeable=sorted(w.name for w in every if who.may_change(w.owner)))

    app.server.add_url_rule("/_probe", "probe", probe)
    return store


def test_a_viewer_cannot_edit_or_see_private_workspaces(auth_app):
    store = _probe_route(auth_app)
    store.save_workspace("bob private", {}, owner="bob")
    store.share_workspace(store.save_workspace("bob to cat", {}, owner="bob").id, "users", ["cat"])
    store.share_workspace(store.save_workspace("bob to all", {}, owner="bob").id, "all")
    store.save_workspace("cat own", {}, owner="cat")
    answers = {}
    for name in ROLES:
        c = auth_app.server.test_client()
        assert c.get("/_probe").status_code == 401          # signed out: nothing
        assert _login(c, name).status_code == 302
        answers[name] = c.get("/_probe").get_json()
    cat, bob, ann = answers["cat"], answers["bob"], answers["ann"]
    assert cat == {"user": "cat", "edit": False, "listed": ["bob to all", "bob to cat", "cat own"],
                   "readable": ["bob to all", "bob to cat", "cat own"], "changeable": []}
    assert bob == {"user": "bob", "edit": True,
                   "listed": ["bob private", "bob to all", "bob to cat"],
                   "readable": ["bob private", "bob to all", "bob to cat"],
                   "changeable": ["bob private", "bob to all", "bob to cat"]}
    everything = ["bob private", "bob to all", "bob to cat", "cat own"]
    assert ann == {"user": "ann", "edit": True, "listed": everything, "readable": everything,
                   "changeable": everything}


def test_a_changed_role_or_deleted_user_takes_effect_within_the_cache_time(auth_app):
    import time

    from callbacks.auth import USER_CACHE_S

    store = _probe_route(auth_app)
    c = auth_app.server.test_client()
    _login(c, "bob")
    assert c.get("/_probe").get_json()["edit"] is True
    store.set_role("bob", "viewer")
    time.sleep(USER_CACHE_S + 0.1)
    assert c.get("/_probe").get_json()["edit"] is False
    store.delete_user("bob")
    time.sleep(USER_CACHE_S + 0.1)
    assert c.get("/_probe").status_code == 401


def test_session_answers_outside_a_request_deny_with_login_on(auth_app):
    with auth_app.server.app_context():
        assert who.current_user() == "" and not who.may_edit()
        assert not who.may_read("bob", "all") and not who.may_change("")


def test_may_read_rules(auth_app):
    from flask_login import login_user

    from callbacks.auth import _Account

    store = open_store(auth_app.server.config["PARITY_SETTINGS"].database_url)
    with auth_app.server.test_request_context("/"):
        login_user(_Account(store.get_user("cat")))
        assert who.current_user() == "cat" and who.current_role() == "viewer"
        assert not who.may_edit()
        assert who.may_read("cat") and not who.may_read("bob") and not who.may_read("bob", None)
        assert who.may_read("bob", "all") and who.may_read("bob", {"mode": "all"})
        assert who.may_read("bob", {"mode": "users", "users": ["cat", "ann"]})
        assert not who.may_read("bob", {"mode": "users", "users": ["ann"]})
        assert not who.may_read("bob", {"mode": "public"}) and not who.may_read("bob", 42)


def test_users_command(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert users_cli(["--database-url", url, "add", "dan", "--role", "editor"],
                     stdin=io.StringIO("dan-password-1\n")) == 0
    user = open_store(url).get_user("dan")
    assert user.role == "editor" and check_password_hash(user.password_hash, "dan-password-1")
    assert user.password_hash.startswith("scrypt:")
    assert users_cli(["--database-url", url, "add", "dan"], stdin=io.StringIO("x" * 12)) == 2
    assert "exists already" in capsys.readouterr().err
    assert users_cli(["--database-url", url, "add", "eve"], stdin=io.StringIO("short\n")) == 2
    assert "at least 10 characters" in capsys.readouterr().err
    assert users_cli(["--database-url", url, "passwd", "dan"],
                     stdin=io.StringIO("new-password-2\n")) == 0
    assert check_password_hash(open_store(url).get_user("dan").password_hash, "new-password-2")
    assert users_cli(["--database-url", url, "role", "dan", "admin"]) == 0
    assert users_cli(["--database-url", url, "list"]) == 0
    assert "dan\tadmin" in capsys.readouterr().out
    assert users_cli(["--database-url", url, "delete", "dan"]) == 0
    assert open_store(url).get_user("dan") is None


def test_sign_in_against_the_postgresql_store(tmp_path, postgres_url):
    app = create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False, auth=True,
                              secret_key=SECRET, database_url=postgres_url, login_attempts=2))
    _add_users(postgres_url)
    c = app.server.test_client()
    for _ in range(2):
        assert _login(c, "cat", "wrong-password").status_code == 401
    assert _login(c, "cat").status_code == 429
    c = app.server.test_client()
    assert _login(c, "bob").status_code == 302 and c.get("/_dash-layout").status_code == 200
