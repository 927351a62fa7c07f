"""Sign-in for shared deployments (``PARITY_AUTH=1``): server glue, not Dash callbacks.

:func:`install_auth` (called once by ``create_app``) does nothing visible without
``PARITY_AUTH``: the single anonymous user of the embedded default keeps working as before.
With it on:

* **Every route needs a signed-in user** - Dash pages, ``/_dash-*`` (layout, dependencies,
  callbacks, component suites), ``/assets/*`` - except the sign-in page (``/login``), its own
  files (``/auth-static/*``) and the three public stylesheet/icon files it shows
  (:data:`PUBLIC_PATHS`). A page request (GET of HTML) is redirected (302) to
  ``/login?next=<path>``; anything else is answered 401.
* **Users live in the store** (:mod:`core.store.users`, SQLite or PostgreSQL); passwords are
  hashed with werkzeug's scrypt (:func:`hash_password`); ``python -m tools.users`` creates them.
  flask-login keeps the signed-in name in Flask's signed session cookie and reloads the user
  (and so their current role) from the store, at most :data:`USER_CACHE_S` seconds old: a
  deleted user or changed role takes effect within that (a page load fires a burst of callback
  POSTs; one store read per user per burst, not one per request).
* **CSRF** (flask-wtf ``CSRFProtect``, every POST): the sign-in and sign-out forms carry the
  token in a hidden field; Dash's own callback POSTs carry it in the ``X-CSRFToken`` header,
  which dash-renderer fills from the ``_csrf_token`` cookie (Dash's ``csrf_token_name``) that
  every page load sets here for a signed-in user. A POST without a valid token (bound to the
  session, valid as long as it) is refused with 400, as is a form POST whose ``Origin`` is
  another site. On top, the session cookie is ``SameSite=Lax`` (not sent on cross-site POSTs)
  and Dash reads callback bodies only as ``application/json``, which a cross-site form cannot
  send without a CORS preflight this server never grants.
* **Rate limit**: after ``PARITY_LOGIN_ATTEMPTS`` (default 5) failed sign-ins for one name from
  one address within :data:`WINDOW`, or 4x that many from one address for any names, further
  attempts are answered 429 with ``Retry-After`` - without checking the password, so guessing
  stops even for the right one. The failures are counted in the store, so every gunicorn worker
  (and every host on one PostgreSQL) enforces the same count; a per-process limiter with
  memory storage would give each worker its own allowance. A successful sign-in clears the
  count of that name and address.
* **Sessions** last 12 hours from sign-in (not sliding): the cookie is written only by answers
  that change the session (sign-in, sign-out, the first page's CSRF token), never refreshed by
  every callback - otherwise a callback still in flight when the user signs out answers with the
  signed-in cookie and signs the browser back in. Sessions are stateless signed cookies: signing
  out ends the session in that browser; a copy of the cookie taken before stays valid until it
  expires (rotate ``PARITY_SECRET_KEY`` to end every session at once).
* **Cookies**: the session cookie is ``HttpOnly`` and ``SameSite=Lax``; ``Secure`` with
  ``PARITY_SECURE_COOKIES=1``, and on any request that arrived over HTTPS (behind a reverse
  proxy, set ``PARITY_PROXIES`` to the number of proxies so ``X-Forwarded-Proto``/``-For`` are
  trusted: werkzeug's ``ProxyFix``; the client address the rate limit uses comes from it too).
* **Secret key**: ``PARITY_SECRET_KEY`` (at least 32 characters) signs the session cookie and the
  CSRF tokens. With auth on and no key the app refuses to start (:class:`AuthConfigError`):
  a key generated into the data folder would silently differ between the hosts or containers
  of one deployment (sessions valid on one worker only) and travel with every backup of the
  folder; a shared deployment is set up on purpose, and the message gives the one-line command
  that makes a key.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import (Blueprint, Flask, abort, current_app, redirect, render_template, request,
                   session)
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.security import check_password_hash, generate_password_hash

from callbacks import session as who
from core.errors import ParityError
from core.store import User, open_store

__all__ = ["install_auth", "hash_password", "AuthConfigError", "PUBLIC_PATHS", "WINDOW",
           "MIN_PASSWORD", "MIN_SECRET", "USER_CACHE_S"]

log = logging.getLogger("parity.auth")

#: Seconds a worker reuses a user (and role) read from the store before reading it again.
USER_CACHE_S = 2.0
#: Failed sign-ins are counted over this window.
WINDOW = timedelta(minutes=15)
#: Shortest password ``tools.users`` accepts, and shortest ``PARITY_SECRET_KEY``.
MIN_PASSWORD, MIN_SECRET = 10, 32
#: Static files the sign-in page shows, served without a session (public, no data).
PUBLIC_PATHS = frozenset({"/assets/vendor/bootstrap.min.css", "/assets/parity.css",
                          "/assets/favicon.svg"})
_OPEN_ENDPOINTS = frozenset({"parity_auth.login", "parity_auth.static"})
#: Cookie dash-renderer reads the CSRF token from (``dash.Dash(csrf_token_name=...)`` default).
_DASH_CSRF_COOKIE = "_csrf_token"
_HERE = Path(__file__).resolve().parent
# compared against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = generate_password_hash("parity-no-such-user", method="scrypt")


class AuthConfigError(ParityError, RuntimeError):
    """Login is on but the deployment is not configured for it (the message says what to set)."""


def hash_password(password: str) -> str:
    """werkzeug scrypt hash of ``password`` (``scrypt:32768:8:1$salt$hash``, memory-hard)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must be at least {MIN_PASSWORD} characters")
    return generate_password_hash(password, method="scrypt")


class _Account(UserMixin):
    """flask-login's view of a :class:`core.store.User`."""

    def __init__(self, user: User):
        self.user = user
        self.name, self.role = user.name, user.role

    def get_id(self) -> str:
        return self.user.name


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, ``Secure`` also whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _same_origin() -> bool:
    """A form POST whose ``Origin`` (sent by every current browser) is this site, or none."""
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return origin is None
    return origin.rstrip("/") == request.host_url.rstrip("/")


def _check_form() -> None:
    """A form POST from another site is refused (the token was checked by CSRFProtect)."""
    if not _same_origin():
        abort(400, description="The form was sent from another site. Open this site's sign-in "
                               "page and try again.")


def _page(status: int = 200, **context):
    context.setdefault("error", None)
    context.setdefault("user", None)
    return render_template("login.html", csrf_token=generate_csrf(), **context), status


def _blueprint(store, attempts: int, users: dict) -> Blueprint:
    bp = Blueprint("parity_auth", __name__, template_folder=str(_HERE / "auth_templates"),
                   static_folder=str(_HERE / "auth_static"), static_url_path="/auth-static")

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        target = _safe_next(request.values.get("next"))
        if request.method == "GET":
            if current_user.is_authenticated:
                return redirect(target)
            return _page(next=target, signed_out=request.args.get("signed_out") == "1")
        _check_form()
        name = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        address = request.remote_addr or "unknown"
        pair, from_address = store.login_failures(name, address,
                                                  datetime.now(timezone.utc) - WINDOW)
        if pair >= attempts or from_address >= 4 * attempts:
            log.warning("sign-in refused (rate limit): %r from %s", name[:64], address)
            minutes = int(WINDOW.total_seconds() // 60)
            body, _ = _page(next=target, name=name,
                            error=f"Too many failed sign-ins. Wait {minutes} minutes and try "
                                  "again, or ask an administrator to reset your password.")
            return body, 429, {"Retry-After": str(int(WINDOW.total_seconds()))}
        user = store.get_user(name)
        valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not valid:
            store.record_login_failure(name, address)
            log.info("failed sign-in: %r from %s", name[:64], address)
            return _page(401, next=target, name=name, error="Wrong user name or password.")
        store.clear_login_failures(name, address)
        users.pop(user.name, None)            # the next request reads the user afresh
        session.clear()                       # no session fixation: a fresh session per sign-in
        login_user(_Account(user))
        session.permanent = True
        log.info("signed in: %s (%s) from %s", user.name, user.role, address)
        return redirect(target)

    @bp.route("/logout", methods=["GET", "POST"])
    def logout():
        if request.method == "GET":           # a link shows a confirm button (POST + token)
            if not current_user.is_authenticated:
                return redirect("/login")
            return _page(user=current_user.name, role=current_user.role, next="/")
        _check_form()
        logout_user()
        session.clear()
        return redirect("/login?signed_out=1")

    return bp


def _require_login():
    """Before every request: let signed-in users and the sign-in page through, else 302/401."""
    if request.endpoint in _OPEN_ENDPOINTS or request.path in PUBLIC_PATHS:
        return None
    if current_user.is_authenticated:
        return None
    page = (request.method == "GET" and not request.path.startswith(("/_", "/assets/"))
            and "text/html" in request.headers.get("Accept", ""))
    if page:
        # quoted: the page's own query must come back whole, not end at its first "&"
        return redirect("/login?next=" + quote(request.full_path.rstrip("?"), safe="/"))
    return current_app.response_class(
        '{"message": "Sign in first: your session has ended or you are not signed in. '
        'Reload the page."}', status=401, mimetype="application/json",
        headers={"Cache-Control": "no-store"})


def _csrf_refused(exc: CSRFError):
    text = (f"{exc.description} Reload the page and try again (a form or page open since "
            "before your last sign-in has an expired token).")
    return current_app.response_class(text, status=400, mimetype="text/plain",
                                      headers={"Cache-Control": "no-store"})


def _csrf_cookie(response):
    """On a signed-in page load, hand dash-renderer the CSRF token for its callback POSTs."""
    if response.mimetype == "text/html" and current_user.is_authenticated:
        response.set_cookie(_DASH_CSRF_COOKIE, generate_csrf(), httponly=False, samesite="Lax",
                            secure=current_app.session_interface.get_cookie_secure(current_app),
                            path="/")
    return response


def install_auth(app, settings) -> None:
    """Cookie settings always; with ``settings.auth`` the sign-in layer (module docstring).

    Parameters
    ----------
    app : dash.Dash
    settings : app.Settings
        Reads ``auth``, ``secret_key``, ``secure_cookies``, ``proxies``, ``login_attempts``,
        ``database_url``.

    Raises
    ------
    AuthConfigError
        ``auth`` is on and ``secret_key`` is missing or shorter than :data:`MIN_SECRET`.
    """
    server: Flask = app.server
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                         SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
                         SESSION_COOKIE_NAME="parity_session",
                         REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax",
                         REMEMBER_COOKIE_SECURE=bool(settings.secure_cookies),
                         PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
                         # only answers that change the session set its cookie: a callback in
                         # flight during sign-out must not re-issue the signed-in cookie (which
                         # signed the browser back in); a session so lasts 12 h from sign-in
                         SESSION_REFRESH_EACH_REQUEST=False,
                         WTF_CSRF_TIME_LIMIT=None,      # a token lives as long as its session
                         PARITY_AUTH=bool(settings.auth))
    if settings.proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    if not settings.auth:
        return
    secret = settings.secret_key or ""
    if len(secret) < MIN_SECRET:
        raise AuthConfigError(
            "PARITY_AUTH=1 needs PARITY_SECRET_KEY: a random secret of at least "
            f"{MIN_SECRET} characters, the same for every worker and host of the deployment "
            f"(got {'none' if not secret else f'{len(secret)} characters'}). Make one with\n"
            "  python -c \"import secrets; print(secrets.token_urlsafe(48))\"\n"
            "and keep it out of the repository (environment or secrets manager).")
    server.secret_key = secret
    server.session_interface = _SessionInterface()
    store = open_store(settings.database_url)
    manager = LoginManager()
    manager.init_app(server)
    manager.session_protection = "basic"

    users: dict[str, tuple[float, User | None]] = {}   # name -> (read at, user); this app's

    @manager.user_loader
    def load(name: str):
        now = time.monotonic()
        hit = users.get(name)
        if hit is None or now - hit[0] > USER_CACHE_S:
            if len(users) > 10_000:            # names come from signed cookies only; still bound it
                users.clear()
            hit = users[name] = (now, store.get_user(name))
        return _Account(hit[1]) if hit[1] is not None else None

    server.register_blueprint(_blueprint(store, int(settings.login_attempts), users))
    server.before_request(_require_login)      # first: a stranger's POST is 401, not 400
    CSRFProtect(server)
    server.register_error_handler(CSRFError, _csrf_refused)
    server.after_request(_csrf_cookie)
    who.enable_login()
    log.info("sign-in required (PARITY_AUTH=1): %d users in the store",
             len(store.list_users()))
