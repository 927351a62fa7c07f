"""PostgreSQL backend of the store (``DATABASE_URL=postgresql://...``), for shared deployments.

Same interface and semantics as :class:`~core.store.sqlite.SqliteRunStore`: the store object
holds the URL and timeouts, and **each call runs one short transaction**. Opening a
connection costs tens of milliseconds (measured 30 ms on loopback), so a store object keeps one
connection per thread and reuses it (psycopg 3, autocommit between transactions; checked with
a ``SELECT 1`` before reuse, reopened when the server dropped it). A connection belongs to the
process that opened it: after a fork the child opens its own and never touches (or closes) the
parent's, so any worker process may answer any request.

Schema
------
Same tables and version numbers as SQLite (:data:`core.store.sqlite.MIGRATIONS` and this
module's :data:`MIGRATIONS` are kept in step), with PostgreSQL types: ``timestamptz`` for
times (microseconds, as SQLite's fixed-width ISO text), ``bigserial`` insertion order,
``double precision``, ``bytea`` for blobs, and ``json`` - **not** ``jsonb`` - for documents:
``json`` keeps the text as written, so key order, ``-0.0`` and the exact float digits come
back identical on both backends (``jsonb`` would reorder keys and drop the zero's sign).
Migrations run on open in one transaction holding a transaction-level advisory lock, so
workers starting at once apply each version exactly once.

Faults
------
* ``connect_timeout`` (seconds, default 5) bounds every connection attempt and
  ``statement_timeout`` (``busy_timeout``) every statement: an unreachable or stalled server
  gives :class:`~core.store.runs.StoreError` quickly, never a hang.
* Server down at start or mid-session: ``StoreError`` naming the server (password masked),
  the reason and what to do; nothing is written half (each call is one transaction).
"""
from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.errors import DataError
from core.store.runs import (COLUMNS, ORDER_FIELDS, RunQuery, RunStore, StoreError,
                             where_clause)
from core.store.drafts import DraftStore
from core.store.users import UserStore
from core.store.workspaces import WorkspaceStore

__all__ = ["PostgresRunStore", "MIGRATIONS"]

#: ``(version, description, statements)``, the PostgreSQL form of the SQLite migrations.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "runs registry", (
        """CREATE TABLE runs (
            seq BIGSERIAL PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            created TIMESTAMPTZ NOT NULL,
            kind TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            fingerprint TEXT NOT NULL DEFAULT '',
            label TEXT NOT NULL DEFAULT '',
            params JSON NOT NULL,
            metrics JSON NOT NULL,
            settings JSON NOT NULL,
            elapsed DOUBLE PRECISION NOT NULL,
            result JSON
        )""",
        "CREATE INDEX runs_created ON runs (created)",
        "CREATE INDEX runs_kind_created ON runs (kind, created)",
        "CREATE INDEX runs_model_created ON runs (model, created)",
        "CREATE INDEX runs_fingerprint ON runs (fingerprint)",
    )),
    (2, "workspaces and blobs", (
        """CREATE TABLE workspaces (
            seq BIGSERIAL PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            owner TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            version INTEGER NOT NULL,
            state TEXT NOT NULL,
            report TEXT NOT NULL
        )""",
        "CREATE INDEX workspaces_owner_updated ON workspaces (owner, updated)",
        "CREATE INDEX workspaces_updated ON workspaces (updated)",
        """CREATE TABLE blobs (
            key TEXT PRIMARY KEY,
            name TEXT NOT NULL DEFAULT '',
            size BIGINT NOT NULL,
            created TEXT NOT NULL,
            data BYTEA NOT NULL
        )""",
    )),    (3, "users, workspace sharing, failed sign-ins", (
        """CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL
        )""",
        "ALTER TABLE workspaces ADD COLUMN sharing TEXT NOT NULL DEFAULT 'private'",
        """CREATE TABLE workspace_shares (
            workspace_id TEXT NOT NULL,
            user_name TEXT NOT NULL,
            PRIMARY KEY (workspace_id, user_name)
        )""",
        "CREATE INDEX workspace_shares_user ON workspace_shares (user_name)",
        """CREATE TABLE login_failures (
            seq BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL,
            address TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX login_failures_address_at ON login_failures (address, at)",
        "CREATE INDEX login_failures_at ON login_failures (at)",
    )),
    (4, "report drafts", (
        """CREATE TABLE report_drafts (
            owner TEXT PRIMARY KEY,
            items TEXT NOT NULL,
            meta TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            updated TEXT NOT NULL
        )""",
    )),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
#: Advisory lock key taken while migrating ("parity" as a number).
_LOCK_KEY = 0x706172697479
_DOCS = ("params", "metrics", "settings", "result")
_SELECT = ("SELECT " + ", ".join(f"{c}::text" if c in _DOCS else c for c in COLUMNS)
           + " FROM runs")
_SCHEMES = re.compile(r"^(postgresql|postgres|pgsql)(\+[A-Za-z0-9_]+)?://", re.IGNORECASE)


def _psycopg():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is in requirements.txt
        raise DataError("DATABASE_URL names PostgreSQL but psycopg is not installed: "
                        "pip install 'psycopg[binary]' (it is in requirements.txt)") from None
    return psycopg


def _libpq_url(url: str) -> str:
    """The URL as libpq reads it: ``postgresql://`` (drivers such as ``+psycopg`` dropped)."""
    return _SCHEMES.sub("postgresql://", url.strip(), count=1)


def _where(query: RunQuery) -> tuple[str, list]:
    return where_clause(query, lambda column, values: (f"{column} = ANY(%s)", [list(values)]),
                        never="FALSE", since="created >= %s::timestamptz")


def _seconds(value: Any, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        x = math.nan
    if not math.isfinite(x) or x <= 0:
        raise DataError(f"{name} must be a number of seconds > 0, got {value!r}")
    return x


class PostgresRunStore(RunStore, WorkspaceStore, UserStore, DraftStore):
    """Runs registry and workspaces in a PostgreSQL database.

    Parameters
    ----------
    url : str
        ``postgresql://user:password@host:port/dbname`` (``postgres://`` and
        ``postgresql+psycopg://`` are accepted too); libpq options such as ``?sslmode=require``
        pass through.
    busy_timeout : float
        Seconds one statement may run or wait for a lock (``statement_timeout``).
    connect_timeout : float
        Seconds one connection attempt may take (rounded up to whole seconds, libpq's unit).

    Raises
    ------
    StoreError
        The server cannot be reached or refuses the login (the message says which and what to
        do), or the schema cannot be created.
    DataError
        A bad timeout, or a schema written by a newer Parity.
    """

    __slots__ = ("_url", "_timeout", "_connect_timeout", "_local")
    backend = "postgresql"

    def __init__(self, url: str, *, busy_timeout: float = 10.0, connect_timeout: float = 5.0):
        self._timeout = _seconds(busy_timeout, "busy_timeout")
        self._connect_timeout = _seconds(connect_timeout, "connect_timeout")
        self._url = _libpq_url(url)
        self._local = threading.local()
        _psycopg()
        self._migrate()

    # -- connections ---------------------------------------------------------------------

    def _error(self, exc: Exception, doing: str) -> StoreError:
        """A readable StoreError for a psycopg exception raised while ``doing``."""
        from core.store.factory import redact_url

        psycopg = _psycopg()
        where = redact_url(self._url)
        text = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, psycopg.errors.QueryCanceled):
            return StoreError(f"the PostgreSQL store {where} did not answer within "
                              f"{self._timeout:g} s while {doing} (statement timeout); the "
                              "server may be overloaded or a lock is held: try again")
        if isinstance(exc, psycopg.OperationalError):
            return StoreError(f"cannot reach the PostgreSQL store {where} while {doing}: {text}. "
                              "Check that the server is running and accepts connections, and "
                              "that DATABASE_URL is right; nothing was saved by this request")
        return StoreError(f"PostgreSQL store error in {where} while {doing}: {text}")

    def _connect(self):
        psycopg = _psycopg()
        ms = int(self._timeout * 1000)
        try:
            return psycopg.connect(self._url, connect_timeout=max(1, math.ceil(self._connect_timeout)),
                                   options=f"-c statement_timeout={ms} -c lock_timeout={ms}",
                                   application_name="parity")
        except psycopg.Error as exc:
            raise self._error(exc, "connecting") from None

    def _connection(self):
        """This thread's connection (opened on first use, reopened when broken or inherited)."""
        psycopg = _psycopg()
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and local.pid != os.getpid():
            # the parent's session: never use or close it here (psycopg's own finaliser leaves
            # a connection alone in a process other than the one that opened it)
            conn = local.conn = None
        if conn is not None:
            try:
                if conn.closed:
                    raise psycopg.OperationalError("connection closed")
                conn.execute("SELECT 1")
                return conn
            except psycopg.Error:      # the server restarted or dropped it: a fresh one
                self._drop()
        conn = self._connect()
        conn.autocommit = True         # transactions are explicit (conn.transaction())
        local.conn, local.pid = conn, os.getpid()
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            try:
                conn.close()
            except Exception:  # pragma: no cover - closing a broken connection
                pass

    @contextmanager
    def _transaction(self, doing: str = "reading") -> Iterator[Any]:
        """One transaction on this thread's connection (committed on success, rolled back on
        error; a connection left broken is dropped)."""
        psycopg = _psycopg()
        conn = self._connection()
        try:
            with conn.transaction():
                yield conn
        except psycopg.Error as exc:
            if conn.closed or isinstance(exc, psycopg.OperationalError):
                self._drop()
            raise self._error(exc, doing) from None

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        self._drop()

    def _migrate(self) -> int:
        with self._transaction("creating the schema") as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY "
                         "KEY, applied TIMESTAMPTZ NOT NULL DEFAULT now(), description TEXT NOT "
                         "NULL DEFAULT '')")
            version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version"
                                   ).fetchone()[0]
            if version > SCHEMA_VERSION:
                raise DataError(f"the database schema is version {version}, newer than this "
                                f"Parity supports ({SCHEMA_VERSION}); upgrade Parity or use "
                                "another database")
            for number, description, statements in MIGRATIONS:
                if number <= version:
                    continue
                for statement in statements:
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                             (number, description))
        return SCHEMA_VERSION

    # -- pickling: the URL is all the store is -------------------------------------------

    def __getstate__(self) -> dict:
        return {"url": self._url, "timeout": self._timeout, "connect": self._connect_timeout}

    def __setstate__(self, state: dict) -> None:
        self._url, self._timeout = state["url"], state["timeout"]
        self._connect_timeout = state["connect"]
        self._local = threading.local()

    # -- information ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The database URL with the password masked."""
        from core.store.factory import redact_url

        return redact_url(self._url)

    def schema_version(self) -> int:
        """Version of the last migration applied to the database.

        Returns
        -------
        int
        """
        with self._transaction() as conn:
            return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version"
                                    ).fetchone()[0])

    # -- backend primitives ----------------------------------------------------------------

    def _insert(self, row: tuple) -> None:
        with self._transaction("saving a run") as conn:
            conn.execute(f"INSERT INTO runs ({', '.join(COLUMNS)}) "
                         f"VALUES ({', '.join(['%s'] * len(COLUMNS))})", row)

    def _fetch(self, run_id: str) -> tuple | None:
        with self._transaction() as conn:
            return conn.execute(f"{_SELECT} WHERE id = %s", (run_id,)).fetchone()

    def _select(self, query: RunQuery) -> list[tuple]:
        if query.order not in ORDER_FIELDS:
            raise DataError(f"order must be one of {', '.join(ORDER_FIELDS)}, got {query.order!r}")
        where, args = _where(query)
        direction = "DESC" if query.descending else "ASC"
        # COLLATE "C": byte order, as SQLite compares text
        key = f'{query.order} COLLATE "C"' if query.order not in ("created", "elapsed") \
            else query.order
        sql = f"{_SELECT}{where} ORDER BY {key} {direction}, seq {direction}"
        if query.limit is not None:
            sql += " LIMIT %s"
            args.append(query.limit)
        if query.offset:
            sql += " OFFSET %s"
            args.append(query.offset)
        with self._transaction() as conn:
            return conn.execute(sql, args).fetchall()

    def _count(self, query: RunQuery) -> int:
        where, args = _where(query)
        with self._transaction() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0])

    def _remove(self, run_id: str) -> bool:
        with self._transaction("deleting a run") as conn:
            return conn.execute("DELETE FROM runs WHERE id = %s", (run_id,)).rowcount > 0

    def _exec(self, statements: list[tuple[str, tuple]], doing: str) -> list:
        """Run ``(sql, args)`` pairs (``?`` placeholders) in one transaction; the last one's
        rows (or its rowcount when it returns none)."""
        out: Any = None
        with self._transaction(doing) as conn:
            for sql, args in statements:
                cur = conn.execute(sql.replace("?", "%s"), args)
                out = cur.fetchall() if cur.description is not None else cur.rowcount
        return out
