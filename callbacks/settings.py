"""The running app's deployment settings, for every callback (and background job) that needs one.

Inside a request :func:`current_settings` is the :class:`app.Settings` that ``create_app`` put
in the Flask config (``PARITY_SETTINGS``). A background job may run where there is no Flask app
context (a Celery worker, a job process of the ``DiskcacheManager``); there it reads the
environment as :meth:`app.Settings.from_env` does, for the settings a job needs: ``data_dir``,
``redis_url``, ``database_url`` and ``max_upload_mb`` (``tests/callbacks/test_settings.py`` holds the two readings
equal). Callbacks cannot import ``app`` (it imports them), hence the small reading here.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["current_settings", "JobSettings"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class JobSettings:
    """The settings a background job reads, outside an app context.

    Parameters
    ----------
    data_dir : str
        Folder of the app's files (uploads, caches, the SQLite registry); ``PARITY_DATA_DIR``,
        default ``<repo>/var``.
    redis_url : str or None
        ``REDIS_URL``: Celery broker and shared cache, ``None`` for the embedded default.
    database_url : str
        ``DATABASE_URL``, default ``sqlite:///<data_dir>/parity.db`` (absolute path).
    max_upload_mb : float
        ``PARITY_MAX_UPLOAD_MB``, the upload limit in MiB (default 50).
    """

    data_dir: str
    redis_url: str | None
    database_url: str
    max_upload_mb: float = 50.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> JobSettings:
        """Read the environment with the defaults of :meth:`app.Settings.from_env`.

        Parameters
        ----------
        env : mapping, optional
            Environment variables (default ``os.environ``).

        Returns
        -------
        JobSettings
        """
        env = os.environ if env is None else env
        data_dir = env.get("PARITY_DATA_DIR") or str(ROOT / "var")
        database_url = (env.get("DATABASE_URL")
                        or f"sqlite:///{Path(data_dir).resolve() / 'parity.db'}")
        try:
            mb = float(env.get("PARITY_MAX_UPLOAD_MB") or 50.0)
        except ValueError:
            mb = 50.0
        return cls(data_dir, env.get("REDIS_URL") or None, database_url,
                   mb if 0 < mb < float("inf") else 50.0)


def current_settings() -> Any:
    """The running app's settings, or the environment's when there is no app context.

    Returns
    -------
    app.Settings or JobSettings
        ``flask.current_app.config["PARITY_SETTINGS"]`` inside a request (or an app context);
        else :meth:`JobSettings.from_env`. Both have ``data_dir``, ``redis_url`` and
        ``database_url``.
    """
    from flask import current_app

    try:
        return current_app.config["PARITY_SETTINGS"]
    except (RuntimeError, KeyError):    # no app context (a job process), or an app not built by create_app
        return JobSettings.from_env()
