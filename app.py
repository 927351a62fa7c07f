"""Parity: the Dash application. ``python app.py`` serves it; ``server`` is the WSGI entry point.

Settings come from the environment (see :class:`Settings`), never from code edits:

- ``PARITY_DATA_DIR``: folder for the background-job cache, the file cache and the database
  (default ``./var``).
- ``REDIS_URL``: when set, background callbacks run on Celery workers through Redis and the cache
  is Redis; otherwise a local diskcache folder and a file-system cache.
- ``DATABASE_URL``: the runs/workspace store (default SQLite in the data folder).
- ``PARITY_HOST``, ``PARITY_PORT`` (default 127.0.0.1:8050), ``PARITY_DEBUG`` (0/1).
"""
from __future__ import annotations

import logging
import os
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
            debug=env.get("PARITY_DEBUG", "0").lower() in ("1", "true", "yes"),
        )


def background_manager(settings: Settings):
    """``CeleryManager`` over Redis when ``REDIS_URL`` is set, else a local ``DiskcacheManager``."""
    if settings.redis_url:
        from celery import Celery

        celery = Celery(__name__, broker=f"{settings.redis_url}/0", backend=f"{settings.redis_url}/1")
        return dash.CeleryManager(celery)
    import diskcache

    folder = Path(settings.data_dir) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return dash.DiskcacheManager(diskcache.Cache(str(folder)))


def create_app(settings: Settings | None = None) -> dash.Dash:
    """Build the Parity app: pages, callbacks, local stylesheets, cache and background manager."""
    settings = settings or Settings.from_env()
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
    if settings.warm_numba:
        threading.Thread(target=_warm, name="numba-warmup", daemon=True).start()
    return app


def _warm() -> None:
    from core.warmup import warm_kernels

    try:
        log.info("numba kernels ready in %.2f s", warm_kernels())
    except Exception:  # warm-up is an optimisation; a failure here must not stop the app
        log.exception("numba warm-up failed")


_default_app: dash.Dash | None = None


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
        return getattr(_default_app._background_manager, "handle", None)
    return _default_app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    create_app(settings).run(host=settings.host, port=settings.port, debug=settings.debug)
