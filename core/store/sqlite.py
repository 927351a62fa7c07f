"""SQLite backend of the runs registry: one database file in WAL mode, the embedded default.

Concurrency pattern
-------------------
* **No connection outlives a call.** Every operation opens its own connection, runs one short
  transaction and closes it, so a :class:`SqliteRunStore` holds only the file path and a
  timeout: it may be shared by threads, pickled to another process, or rebuilt from the URL
  in every web worker. Opening a SQLite connection costs tens of microseconds.
* **WAL journal** (set once when the file is created; it persists in the file): readers never
  block the writer and the writer never blocks readers.
* **Writes take the lock up front** with ``BEGIN IMMEDIATE``, and every connection sets
  ``busy_timeout``: a second writer - thread or process - waits for the first (transactions
  last well under a millisecond) instead of failing, up to the timeout, after which
  :class:`~core.store.runs.StoreError` says the store stayed locked.
* ``synchronous=NORMAL``: in WAL mode this cannot corrupt the file; a power cut may lose the
  last few commits (not an application crash).
* Schema migrations run in ``BEGIN IMMEDIATE`` too, re-reading the version under the lock, so
  processes that open a fresh file at the same moment apply each migration exactly once.

Faults
------
* **A database deleted while the app runs is reported, never silently recreated empty.** When
  the file is created, a marker ``<file>.created`` is written beside it; later connections open
  the file in ``mode=rw`` (SQLite cannot create it behind our back), and opening a store whose
  file is missing while its marker exists raises :class:`~core.store.runs.StoreError` saying the
  database was deleted (restore it, or delete the marker to start an empty registry). A file
  deleted *with its folder* takes the marker along, so the process also remembers every file it
  opened: such a file whose folder has vanished is reported the same way (restore the folder,
  or restart Parity to start empty).
* **Locks are retried with backoff**: each attempt to take a write lock waits at most
  ``_ATTEMPT_S`` inside SQLite, then the store sleeps (10 ms doubling to 0.5 s) and tries again
  until ``busy_timeout`` is spent; the error then says how long and how many attempts.
* Every other failure becomes a ``StoreError``/``DataError`` whose message carries SQLite's reason
  (disk full, read-only file, I/O error), so a failed save can say why.

The WAL file needs a local filesystem (not NFS/SMB); on a filesystem that refuses WAL the
store keeps SQLite's rollback journal (see :meth:`SqliteRunStore.journal_mode`), which is
still safe with ``busy_timeout``, only less concurrent.

``":memory:"`` (URL ``sqlite:///:memory:``) gives a private database for tests: it lives in
one connection held by the store object (guarded by a lock), so it is not shared with other
store objects or processes and cannot be pickled.
"""
from __future__ import annotations

import logging
import math
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from core.errors import DataError
from core.store.runs import (COLUMNS, ORDER_FIELDS, RunQuery, RunStore, StoreError,
                             where_clause)
from core.store.drafts import DraftStore
from core.store.users import UserStore
from core.store.workspaces import WorkspaceStore

__all__ = ["SqliteRunStore", "SCHEMA_VERSION", "MIGRATIONS", "MEMORY"]

MEMORY = ":memory:"
#: Seconds one attempt waits for a lock inside SQLite before the store backs off and retries.
_ATTEMPT_S = 0.1
log = logging.getLogger(__name__)


def _marker(path: str) -> Path:
    """The file written beside a database when it is created (its absence = never created)."""
    return Path(f"{path}.created")


#: Database files this process (or the parent it was forked from) has opened. A file of this
#: set that is missing together with its folder - so its marker went too - was deleted while the
#: app ran, not a first start. Only ever grows; read and written under ``_OPENED_LOCK``.
_OPENED: set[str] = set()
_OPENED_LOCK = threading.Lock()


def _was_deleted(path: str) -> bool:
    """The database at ``path`` existed and is gone: its marker is still there, or this process
    opened it and its whole folder has disappeared (the marker with it)."""
    if path == MEMORY or os.path.exists(path):
        return False
    if _marker(path).exists():
        return True
    with _OPENED_LOCK:
        known = path in _OPENED
    return known and not os.path.isdir(os.path.dirname(path))


def _deleted_message(path: str) -> str:
    marker = _marker(path)
    if marker.exists():
        return (f"the runs database {path} was deleted while Parity was using it (it was "
                f"created {marker.read_text().strip() or 'earlier'}); its runs are gone and "
                f"links to them are broken. Restore the file from a backup, or delete {marker} "
                "to start a new, empty registry")
    return (f"the runs database {path} was deleted while Parity was using it, together with its "
            f"folder {os.path.dirname(path)}; its runs are gone and links to them are broken. "
            "Restore the folder from a backup, or restart Parity to start a new, empty registry")

#: Migrations as ``(version, description, statements)``, applied in order, each exactly once.
#: Append new versions here; never edit an applied one.
MIGRATIONS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (1, "runs registry", (
        """CREATE TABLE runs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            created TEXT NOT NULL,
            kind TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            fingerprint TEXT NOT NULL DEFAULT '',
            label TEXT NOT NULL DEFAULT '',
            params TEXT NOT NULL,
            metrics TEXT NOT NULL,
            settings TEXT NOT NULL,
            elapsed REAL NOT NULL,
            result TEXT
        )""",
        "CREATE INDEX runs_created ON runs (created)",
        "CREATE INDEX runs_kind_created ON runs (kind, created)",
        "CREATE INDEX runs_model_created ON runs (model, created)",
        "CREATE INDEX runs_fingerprint ON runs (fingerprint)",
    )),
    (2, "workspaces and blobs", (
        """CREATE TABLE workspaces (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
            size INTEGER NOT NULL,
            created TEXT NOT NULL,
            data BLOB NOT NULL
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
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
#: Schema version this code writes and reads.
SCHEMA_VERSION = MIGRATIONS[-1][0]

_SELECT = f"SELECT {', '.join(COLUMNS)} FROM runs"


def _current_version(conn: sqlite3.Connection) -> int:
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                         "AND name = 'schema_version'").fetchone()
    if not found:
        return 0
    return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
               .fetchone()[0])


def _migrate(conn: sqlite3.Connection, migrations=MIGRATIONS, begin=None) -> int:
    """Apply the migrations newer than the database's version; return the new version.

    ``conn`` must be in autocommit mode (``isolation_level=None``). All pending migrations run
    in one ``BEGIN IMMEDIATE`` transaction: concurrent openers wait, then find nothing to do.
    """
    latest = migrations[-1][0] if migrations else 0

    def check(version: int) -> int:
        if version > latest:
            raise DataError(f"the database schema is version {version}, newer than this Parity "
                            f"supports ({latest}); upgrade Parity or use another database")
        return version

    if check(_current_version(conn)) == latest:
        return latest
    (begin or conn.execute)("BEGIN IMMEDIATE")
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                     "applied TEXT NOT NULL, description TEXT NOT NULL DEFAULT '')")
        version = check(_current_version(conn))
        applied = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        for number, description, statements in migrations:
            if number <= version:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, applied, description) "
                         "VALUES (?, ?, ?)", (number, applied, description))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return latest


def _is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def _where(query: RunQuery) -> tuple[str, list]:
    """SQL ``WHERE`` clause (or ``""``) and its arguments for a :class:`RunQuery`."""
    return where_clause(query, lambda column, values: (
        f"{column} IN ({', '.join('?' * len(values))})", list(values)),
        never="0 = 1", since="created >= ?")


class SqliteRunStore(RunStore, WorkspaceStore, UserStore, DraftStore):
    """Runs registry in a SQLite file (WAL), or in memory for tests.

    Parameters
    ----------
    path : str or Path
        Database file; folders are created as needed. ``":memory:"`` for a private
        in-memory database.
    busy_timeout : float
        Seconds a call waits for another writer's lock before raising
        :class:`~core.store.runs.StoreError`.

    Raises
    ------
    DataError
        The file cannot be created or opened, is not a SQLite database, or has a newer schema.
    """

    __slots__ = ("_path", "_timeout", "_conn", "_lock")
    backend = "sqlite"

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0):
        try:
            timeout = float(busy_timeout)
        except (TypeError, ValueError):
            timeout = math.nan
        if not math.isfinite(timeout) or timeout <= 0:
            raise DataError(f"busy_timeout must be a number of seconds > 0, got {busy_timeout!r}")
        self._timeout = timeout
        self._conn = self._lock = None
        if str(path) == MEMORY:
            self._path = MEMORY
            self._conn = self._connect()
            self._lock = threading.Lock()
        else:
            target = Path(path).expanduser().resolve()
            if target.is_dir():
                raise DataError(f"the database path {target} is a folder; give a file name, "
                                f"e.g. {target / 'parity.db'}")
            if _was_deleted(str(target)):  # before mkdir: a vanished folder is the evidence
                raise StoreError(_deleted_message(str(target)))
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DataError(f"cannot create the database folder {target.parent}: "
                                f"{exc.strerror or exc}") from None
            self._path = str(target)
            self._create_if_new()
        with self._connection() as conn:
            self._set_wal(conn)
            try:
                _migrate(conn, begin=lambda statement: self._begin(conn, statement))
            except sqlite3.Error as exc:
                raise self._error(exc) from None
        if self._path != MEMORY:
            with _OPENED_LOCK:
                _OPENED.add(self._path)

    # -- connections ---------------------------------------------------------------------

    def _create_if_new(self) -> None:
        """Create the file (and its marker) on first use; refuse to recreate a deleted one."""
        path = self._path
        if os.path.exists(path):
            if not _marker(path).exists():  # a database from before markers, or copied in
                self._write_marker()
            return
        if _was_deleted(path):
            raise StoreError(_deleted_message(path))
        try:
            sqlite3.connect(self._uri("rwc"), uri=True).close()
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        self._write_marker()

    def _write_marker(self) -> None:
        try:
            _marker(self._path).write_text(datetime.now(timezone.utc).isoformat(timespec="seconds"))
        except OSError as exc:  # a read-only folder: the store still works, without the check
            log.warning("cannot write %s (%s): a deleted database would not be detected",
                        _marker(self._path), exc.strerror or exc)

    def _uri(self, mode: str) -> str:
        return f"file:{urllib.parse.quote(self._path)}?mode={mode}"

    def _connect(self) -> sqlite3.Connection:
        try:
            if self._path == MEMORY:
                conn = sqlite3.connect(MEMORY, isolation_level=None, check_same_thread=False)
            else:  # mode=rw: never create (an empty file) if the database has gone
                conn = sqlite3.connect(self._uri("rw"), uri=True, timeout=_ATTEMPT_S,
                                       isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(min(self._timeout, _ATTEMPT_S) * 1000)}")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        return conn

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection for one operation: a fresh one, or the locked in-memory one."""
        if self._conn is not None:
            with self._lock:
                yield self._conn
            return
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One short transaction (``BEGIN IMMEDIATE`` for writes); sqlite errors translated."""
        try:
            with self._connection() as conn:
                self._begin(conn, "BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _begin(self, conn: sqlite3.Connection, statement: str) -> None:
        """Start a transaction, retrying a locked database with exponential backoff until
        ``busy_timeout`` is spent."""
        start = time.monotonic()
        delay, attempts = 0.01, 0
        while True:
            attempts += 1
            try:
                conn.execute(statement)
                if attempts > 1:
                    log.info("run store %s: lock taken after %d attempts (%.2f s)", self._path,
                             attempts, time.monotonic() - start)
                return
            except sqlite3.OperationalError as exc:
                waited = time.monotonic() - start
                if not _is_locked(exc) or waited + delay > self._timeout:
                    if _is_locked(exc):
                        raise StoreError(
                            f"the run store {self._path} stayed locked by another writer for "
                            f"more than {self._timeout:g} s ({attempts} attempts with backoff); "
                            "try again") from None
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def _set_wal(self, conn: sqlite3.Connection) -> None:
        if self._path == MEMORY:
            return
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
                if mode.lower() != "wal":
                    conn.execute("PRAGMA journal_mode = WAL").fetchone()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise self._error(exc) from None
                time.sleep(0.01)
            except sqlite3.Error as exc:
                raise self._error(exc) from None

    def _error(self, exc: sqlite3.Error) -> Exception:
        """A readable Parity error for a sqlite3 exception."""
        text = str(exc)
        if _was_deleted(self._path):
            return StoreError(_deleted_message(self._path))
        if "locked" in text or "busy" in text:
            return StoreError(f"the run store {self._path} stayed locked by another writer for "
                              f"more than {self._timeout:g} s; try again")
        if "not a database" in text or "malformed" in text:
            return DataError(f"{self._path} is not a readable SQLite database ({text}): the "
                             "file is damaged or is not Parity's database. Restore it from a "
                             "backup, or set DATABASE_URL to a new file to start an empty store")
        if "unable to open" in text or "readonly" in text:
            return DataError(f"cannot open the SQLite database {self._path} for writing ({text})")
        if "disk is full" in text or "disk I/O" in text:
            return StoreError(f"the run store {self._path} could not write: {text} (free disk "
                              "space or check the volume)")
        return StoreError(f"run store error in {self._path}: {text}")

    # -- pickling: the path is all a file store is -----------------------------------------

    def __getstate__(self) -> dict:
        if self._path == MEMORY:
            raise DataError("an in-memory run store cannot be shared with another process; "
                            "use a sqlite:/// file URL")
        return {"path": self._path, "timeout": self._timeout}

    def __setstate__(self, state: dict) -> None:
        self._path, self._timeout = state["path"], state["timeout"]
        self._conn = self._lock = None

    # -- information ---------------------------------------------------------------------

    @property
    def path(self) -> str:
        """Absolute path of the database file, or ``":memory:"``."""
        return self._path

    @property
    def url(self) -> str:
        """``sqlite:///`` + path (four slashes before an absolute POSIX path)."""
        return f"sqlite:///{self._path}"

    def schema_version(self) -> int:
        """Version of the last migration applied to the database.

        Returns
        -------
        int
        """
        with self._transaction(write=False) as conn:
            return _current_version(conn)

    def journal_mode(self) -> str:
        """SQLite journal mode of the database: ``"wal"`` for files, ``"memory"`` in memory.

        Returns
        -------
        str
        """
        with self._transaction(write=False) as conn:
            return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def close(self) -> None:
        """Close the in-memory database (its runs are gone); nothing to do for a file."""
        if self._conn is not None:
            with self._lock:
                self._conn.close()

    # -- backend primitives ----------------------------------------------------------------

    def _insert(self, row: tuple) -> None:
        with self._transaction(write=True) as conn:
            conn.execute(f"INSERT INTO runs ({', '.join(COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(COLUMNS))})", row)

    def _fetch(self, run_id: str) -> tuple | None:
        with self._transaction(write=False) as conn:
            return conn.execute(f"{_SELECT} WHERE id = ?", (run_id,)).fetchone()

    def _select(self, query: RunQuery) -> list[tuple]:
        if query.order not in ORDER_FIELDS:
            raise DataError(f"order must be one of {', '.join(ORDER_FIELDS)}, got {query.order!r}")
        where, args = _where(query)
        direction = "DESC" if query.descending else "ASC"
        sql = f"{_SELECT}{where} ORDER BY {query.order} {direction}, seq {direction}"
        if query.limit is not None or query.offset:
            sql += " LIMIT ? OFFSET ?"
            args += [-1 if query.limit is None else query.limit, query.offset]
        with self._transaction(write=False) as conn:
            return conn.execute(sql, args).fetchall()

    def _count(self, query: RunQuery) -> int:
        where, args = _where(query)
        with self._transaction(write=False) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0])

    def _remove(self, run_id: str) -> bool:
        with self._transaction(write=True) as conn:
            return conn.execute("DELETE FROM runs WHERE id = ?", (run_id,)).rowcount > 0

    def _exec(self, statements: list[tuple[str, tuple]], doing: str):
        """Run ``(sql, args)`` pairs in one transaction (a write one unless all are SELECTs); the last one's rows (or its
        rowcount when it returns none)."""
        out = None
        write = any(not sql.lstrip().upper().startswith("SELECT") for sql, _ in statements)
        with self._transaction(write=write) as conn:
            for sql, args in statements:
                cur = conn.execute(sql, args)
                out = cur.fetchall() if cur.description is not None else cur.rowcount
        return out
