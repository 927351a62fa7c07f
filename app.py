"""Parity: the Dash application. ``python app.py`` serves it; ``server`` is the WSGI entry point.

Settings come from the environment (see :class:`Settings`), never from code edits:

- ``PARITY_DATA_DIR``: folder for the background-job cache, the file cache and the database
  (default ``./var``).
- ``REDIS_URL``: when set, background callbacks run on Celery workers through Redis and the cache
  is Redis; otherwise a local diskcache folder and a file-system cache.
- ``DATABASE_URL``: the runs/workspace store (default SQLite in the data folder).
- ``PARITY_HOST``, ``PARITY_PORT`` (default 127.0.0.1:8050), ``PARITY_DEBUG`` (0/1: Dash debug
  mode, only for development; never on by default).
- ``PARITY_MAX_UPLOAD_MB`` (default 50): largest request body the server reads, in MiB; larger
  requests are refused with HTTP 413 before anything is parsed, and the page says so.
- ``PARITY_AUTH`` (0/1): sign-in for shared deployments (``callbacks/auth.py``); then
  ``PARITY_SECRET_KEY`` is required. ``PARITY_SECURE_COOKIES`` (0/1), ``PARITY_PROXIES`` (trusted
  reverse proxies in front, for ``X-Forwarded-*``), ``PARITY_LOGIN_ATTEMPTS`` (default 5).

``make run`` serves it with gunicorn (``gunicorn.conf.py``: threaded workers, timeouts);
``python app.py`` is the development server.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import dash
import dash_bootstrap_components as dbc  # noqa: F401  (pages use it; import early for clarity)

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("parity")


@dataclass(frozen=True, slots=True)
class Settings:
    """Deployment settings; :meth:`from_env` reads them from the environment."""

    data_dir: str = str(ROOT / "var")
    redis_url: str | None = None
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    warm_numba: bool = True
    max_upload_mb: float = 50.0
    auth: bool = False
    secret_key: str | None = None
    secure_cookies: bool = False
    proxies: int = 0
    login_attempts: int = 5

    def __post_init__(self) -> None:
        if not self.database_url:  # the embedded default: a SQLite file in the data folder
            object.__setattr__(self, "database_url", f"sqlite:///{Path(self.data_dir).resolve() / 'parity.db'}")

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = env.get("PARITY_DATA_DIR") or str(ROOT / "var")
        return cls(
            data_dir=data_dir,
            redis_url=env.get("REDIS_URL") or None,
            database_url=env.get("DATABASE_URL") or None,
            host=env.get("PARITY_HOST", "127.0.0.1"),
            port=int(env.get("PARITY_PORT", "8050")),
            debug=env.get("PARITY_DEBUG", "0").strip().lower() in ("1", "true", "yes"),
            max_upload_mb=_positive(env, "PARITY_MAX_UPLOAD_MB", 50.0),
            auth=_flag(env, "PARITY_AUTH"),
            secret_key=env.get("PARITY_SECRET_KEY") or None,
            secure_cookies=_flag(env, "PARITY_SECURE_COOKIES"),
            proxies=_whole(env, "PARITY_PROXIES", 0, lowest=0),
            login_attempts=_whole(env, "PARITY_LOGIN_ATTEMPTS", 5, lowest=1),
        )


def _flag(env, name: str) -> bool:
    return env.get(name, "0").strip().lower() in ("1", "true", "yes")


def _whole(env, name: str, default: int, *, lowest: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if not raw.strip().isdigit() or int(raw) < lowest:
        raise ValueError(f"{name} must be a whole number >= {lowest}, got {raw!r}")
    return int(raw)


def _positive(env, name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{name} must be a positive number, got {raw!r}")
    return value


def background_manager(settings: Settings):
    """``CeleryManager`` over Redis when ``REDIS_URL`` is set, else a local ``DiskcacheManager``;
    both with the job watchdog of :mod:`callbacks.jobs` (a job whose process died is reported)."""
    from callbacks.jobs import WatchedCeleryManager, WatchedDiskcacheManager

    if settings.redis_url:
        from celery import Celery

        celery = Celery(__name__, broker=f"{settings.redis_url}/0", backend=f"{settings.redis_url}/1")
        celery.conf.broker_connection_retry_on_startup = True
        return WatchedCeleryManager(celery)
    import diskcache

    folder = Path(settings.data_dir) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return WatchedDiskcacheManager(diskcache.Cache(str(folder)), job_env={
        "PARITY_DATA_DIR": str(settings.data_dir), "DATABASE_URL": settings.database_url,
        "PARITY_MAX_UPLOAD_MB": f"{settings.max_upload_mb:g}"})


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the Parity app: pages, callbacks, local stylesheets, cache and background manager."""
    settings = settings or Settings.from_env()
    if str(ROOT) not in sys.path:
        # `celery -A app:celery_app` imports this module with the folder on sys.path only for the
        # import itself (then removes it), and builds the app later: pages import `components`
        sys.path.insert(0, str(ROOT))
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        background_callback_manager=background_manager(settings),
        suppress_callback_exceptions=False,
        title="Parity",
        update_title=None,
        serve_locally=True,
    )
    import callbacks
    from callbacks.cache import cache, cache_config
    from components.layout import shell

    callbacks.register(app)
    app.layout = shell
    cache.init_app(app.server, config=cache_config(settings.data_dir, settings.redis_url))
    app.server.config["PARITY_SETTINGS"] = settings
    harden(app, max_upload_mb=settings.max_upload_mb)
    from callbacks.auth import install_auth

    install_auth(app, settings)
    # Dash sets itself up on its first request, with an unguarded check-then-set: two first
    # requests at once in a threaded worker both ran the set-up, one iterating the callback map
    # while the other filled it ("dictionary changed size during iteration", a 500 on the page).
    # Set it up here, once, before any request can arrive.
    with app.server.test_request_context("/"):
        app._setup_server()
    if settings.warm_numba:
        threading.Thread(target=_warm, name="numba-warmup", daemon=True).start()
    return app


# --------------------------------------------------------------------------------------------
# serving: request limits, security headers, readable errors
# --------------------------------------------------------------------------------------------
#: Content-Security-Policy directives; ``script-src`` gets the hashes of Dash's inline scripts.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",      # React and plotly set inline styles
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}


def request_limit_bytes(max_upload_mb: float) -> int:
    """Largest request body for uploads of ``max_upload_mb`` MiB: a file travels base64-encoded
    (4/3 of its size) inside a JSON callback body, plus room for the rest of the request."""
    return int(max_upload_mb * 1024 * 1024 * 4 / 3) + 2 * 1024 * 1024


def harden(app: dash.Dash, *, max_upload_mb: float) -> None:
    """Request-body limit (HTTP 413 with a readable message, before any parsing), security
    headers on every response, and 404 (not 500) for unknown component-suite paths."""
    from dash.exceptions import DependencyException
    from flask import request

    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = request_limit_bytes(max_upload_mb)
    csp: dict = {}

    def too_large(_exc):
        text = (f"The request is larger than this server accepts ({max_upload_mb:g} MB per uploaded "
                "file, PARITY_MAX_UPLOAD_MB). Upload a smaller file: one quote date, fewer rows, "
                "or ask the administrator to raise the limit.")
        return server.response_class(text, status=413, mimetype="text/plain")

    def not_found(_exc):
        return server.response_class("Not found", status=404, mimetype="text/plain")

    def headers(response):
        # the inline scripts (renderer start, clientside callbacks) are only all known once Dash
        # has set up its server on a first page request: hash them per response (microseconds)
        hashes = tuple(dict.fromkeys(app.csp_hashes()))
        if csp.get("hashes") != hashes:
            policy = dict(CSP, **{"script-src": " ".join(["'self'", *hashes])})
            csp.update(hashes=hashes, value="; ".join(f"{k} {v}" for k, v in policy.items()))
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "SAMEORIGIN")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Content-Security-Policy", csp["value"])
        if request.path.startswith("/_dash-update-component") and response.status_code == 413:
            h["Cache-Control"] = "no-store"
        return response

    server.register_error_handler(413, too_large)
    server.register_error_handler(DependencyException, not_found)
    server.after_request(headers)


def quiet_dev_server() -> None:
    """The development server names no Python version in its ``Server`` header."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.version_string = lambda self: "Parity"


def _warm() -> None:
    from core.warmup import warm_kernels

    try:
        log.info("numba kernels ready in %.2f s", warm_kernels())
    except Exception:  # warm-up is an optimisation; a failure here must not stop the app
        log.exception("numba warm-up failed")
    try:  # the embedded data every page starts from (the chain takes 1-3 s to build): not on a first request
        from core.data import sample_chain, sample_prices

        sample_chain(), sample_prices()
        from callbacks.portfolio import warm_default

        warm_default()  # /portfolio's first load shows the default allocation from memory
    except Exception:
        log.exception("embedded data warm-up failed")


_default_app: dash.Dash | None = None


def _warm_before_fork() -> None:
    """A Celery worker forks its pool children after loading ``celery_app``: load the kernels
    now, in the parent, so every child starts with them (and never compiles, or waits on numba's
    compiler lock, in its first job)."""
    from core.warmup import warm_kernels

    try:
        log.info("numba kernels ready in %.2f s (before forking workers)", warm_kernels())
    except Exception:  # an optimisation: children would load the kernels themselves
        log.exception("numba warm-up failed")


def __getattr__(name: str):
    """``app``, ``server`` and ``celery_app`` are built on first access (``gunicorn app:server``,
    ``celery -A app:celery_app worker``), so importing this module for ``create_app`` is cheap."""
    global _default_app
    if name not in ("app", "server", "celery_app"):
        raise AttributeError(f"module 'app' has no attribute {name!r}")
    if _default_app is None:
        _default_app = create_app()
    if name == "server":
        return _default_app.server
    if name == "celery_app":
        _warm_before_fork()
        return getattr(_default_app._background_manager, "handle", None)
    return _default_app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    quiet_dev_server()
    # no version check: debug mode would call plotly's server (no network here; the CSP blocks it)
    create_app(settings).run(host=settings.host, port=settings.port, debug=settings.debug,
                             dev_tools_disable_version_check=True)
