"""Open the store named by a database URL (``DATABASE_URL``): the one place backends are chosen.

URL forms (SQLAlchemy's conventions, so the same setting can serve other tools):

=====================================  ==========================================================
``sqlite:////abs/path/parity.db``      file at ``/abs/path/parity.db`` (``sqlite:///`` followed by
                                       an absolute path: what ``f"sqlite:///{path}"`` gives)
``sqlite:///var/parity.db``            file relative to the current directory, resolved once
                                       when the store is opened
``sqlite:///:memory:``, ``sqlite://``  private in-memory database (tests)
``postgresql://user:pw@host:port/db``  PostgreSQL (psycopg 3): :mod:`core.store.postgres`;
                                       ``postgres://`` and ``postgresql+psycopg://`` too
=====================================  ==========================================================

Both backends implement the same primitives below :class:`~core.store.runs.RunStore` and
:class:`~core.store.workspaces.WorkspaceStore`; everything above them - validation, JSON
rules, :class:`~core.store.runs.Run`, :class:`~core.store.workspaces.Workspace` - is shared,
so callers do not change.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from core.errors import DataError
from core.store.runs import RunStore
from core.store.sqlite import MEMORY, SqliteRunStore

__all__ = ["open_store", "shared_store", "redact_url"]

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<rest>.*)$", re.DOTALL)
_POSTGRES = ("postgresql", "postgres", "pgsql")
_HINT = "e.g. sqlite:////abs/path/parity.db"


def redact_url(url: str) -> str:
    """``url`` with the password of any ``user:password@`` part replaced by ``***``.

    Parameters
    ----------
    url : str
        A database URL (e.g. ``postgresql://user:secret@host/db``); any other object is
        converted with ``str``.

    Returns
    -------
    str
        The URL with each ``scheme://user:password@`` written ``scheme://user:***@``; a URL
        without a password is returned unchanged. Safe to log or show in messages.
    """
    return re.sub(r"(://[^/@:]*):[^/@]*@", r"\1:***@", str(url))


def _sqlite_target(rest: str) -> str:
    """Database path (or ``":memory:"``) from the part of a sqlite URL after ``://``."""
    if rest == "/":
        raise DataError(f"the sqlite URL has no file path; {_HINT}")
    if rest in ("", f"/{MEMORY}", MEMORY):
        return MEMORY
    if not rest.startswith("/"):
        raise DataError(f"a sqlite URL has no host part: write sqlite:/// then the path "
                        f"(four slashes before an absolute path), {_HINT}")
    path = rest[1:]
    if "?" in path or "#" in path:
        raise DataError("sqlite URL options (?...) are not supported; give only the file path, "
                        f"{_HINT}")
    if "\x00" in path:
        raise DataError("the sqlite URL path contains a NUL character")
    return str(Path(path).expanduser().resolve())


def open_store(url: str, *, busy_timeout: float = 10.0, connect_timeout: float = 5.0) -> RunStore:
    """Open (creating if needed) the runs registry at a database URL.

    For SQLite this creates missing folders and the file, switches it to WAL and applies any
    pending schema migrations. The returned store holds only the location: call it from any
    thread, or open the same URL in every worker process (module :mod:`core.store.sqlite`
    describes the concurrency pattern).

    Parameters
    ----------
    url : str
        ``sqlite:////abs/path/parity.db`` (the embedded default), ``sqlite:///:memory:`` for
        tests, or ``postgresql://user:password@host:port/db``. Module docstring lists the
        forms.
    busy_timeout : float
        Seconds an operation waits for another writer (PostgreSQL: may run) before raising
        ``StoreError``.
    connect_timeout : float
        PostgreSQL only: seconds a connection attempt may take before ``StoreError``.

    Returns
    -------
    RunStore

    Raises
    ------
    DataError
        Not a URL, an unsupported scheme, a path that cannot be created or is not a SQLite
        database, a schema newer than this code.
    StoreError
        The database cannot be reached (PostgreSQL down, wrong password) or was deleted.

    Examples
    --------
    >>> store = open_store("sqlite:///:memory:")
    >>> store.count()
    0
    """
    if not isinstance(url, str):
        raise DataError(f"url must be a string such as 'sqlite:////abs/path/parity.db', got "
                        f"{type(url).__name__}")
    match = _URL.match(url.strip())
    if match is None:
        raise DataError(f"url must be a database URL, {_HINT} or postgresql://host/db, got "
                        f"{redact_url(url)!r}")
    scheme = match["scheme"].lower()
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        if scheme != "sqlite":
            raise DataError(f"unsupported sqlite driver {scheme!r}; use plain sqlite:///")
        return SqliteRunStore(_sqlite_target(match["rest"]), busy_timeout=busy_timeout)
    if base in _POSTGRES:
        if scheme not in _POSTGRES and scheme != "postgresql+psycopg":
            raise DataError(f"unsupported PostgreSQL driver {scheme!r}; use postgresql:// "
                            "(psycopg 3)")
        from core.store.postgres import PostgresRunStore

        return PostgresRunStore(url, busy_timeout=busy_timeout, connect_timeout=connect_timeout)
    raise DataError(f"unsupported database URL scheme {scheme!r}: use sqlite:/// ({_HINT}) or "
                    "postgresql://")


# One store per (process, URL, timeouts), for :func:`shared_store`. The pid in the key makes a
# forked child (a gunicorn worker, a background job) open its own instead of using the parent's.
_SHARED: dict[tuple, RunStore] = {}
_SHARED_LOCK = threading.Lock()


def shared_store(url: str, *, busy_timeout: float = 10.0,
                 connect_timeout: float = 5.0) -> RunStore:
    """The store at ``url`` opened once per process and reused: what request handlers call.

    :func:`open_store` checks (and migrates) the schema on every call - about 30 ms against
    PostgreSQL; a web worker answering many requests pays that once here. Thread-safe (gunicorn
    ``gthread`` workers: two threads asking at once get the same store, opened once) and
    fork-safe: the cache is keyed by :func:`os.getpid`, so a forked child opens its own. A failed
    open is not cached (the next call tries again). In-memory URLs are not shared (each call
    gives a new private database, as :func:`open_store`).

    Parameters
    ----------
    url : str
        The store URL, as for :func:`open_store` (``sqlite:///...`` or ``postgresql://...``).
    busy_timeout : float, default 10
        Seconds an operation waits for another writer before raising ``StoreError``.
    connect_timeout : float, default 5
        PostgreSQL only: seconds a connection attempt may take before ``StoreError``.

    Returns
    -------
    RunStore
        The process's store for this ``(url, busy_timeout, connect_timeout)``.

    Raises
    ------
    DataError, StoreError
        As :func:`open_store` (a failed open is not cached).
    """
    key = (os.getpid(), url, float(busy_timeout), float(connect_timeout))
    store = _SHARED.get(key)
    if store is not None:
        return store
    with _SHARED_LOCK:
        store = _SHARED.get(key)
        if store is None:
            store = open_store(url, busy_timeout=busy_timeout, connect_timeout=connect_timeout)
            if getattr(store, "path", None) == MEMORY:
                return store
            pid = os.getpid()
            for stale in [k for k in _SHARED if k[0] != pid]:  # inherited from the parent
                del _SHARED[stale]
            _SHARED[key] = store
        return store
