"""core.store SQLite backend: URLs, WAL, schema versions and migrations, and concurrent writers
(threads and separate processes) on one real database file."""
from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import sqlite3
import threading
from pathlib import Path

import pytest

from core.errors import DataError
from core.store import SCHEMA_VERSION, SqliteRunStore, StoreError, open_store, redact_url
from core.store.sqlite import MIGRATIONS, _migrate

N_PER_WRITER = 50


def _writer(url: str, tag: str, n: int, barrier) -> None:
    """Child process: open the store from its URL, wait for the other writer, insert ``n`` runs."""
    store = open_store(url)
    barrier.wait(60)
    for i in range(n):
        store.add_run("stress", tag, "fp", {"i": i, "tag": tag}, {"x": i / 7}, {}, 0.0)


def _raw(path, sql):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_file_url_creates_folders_wal_and_schema(tmp_path):
    path = tmp_path / "a" / "b" / "parity.db"
    store = open_store(f"sqlite:///{path}")
    assert path.is_file() and store.path == str(path)
    assert store.url == f"sqlite:///{path}" and store.url.startswith("sqlite:////")
    assert store.backend == "sqlite"
    assert store.journal_mode() == "wal"
    assert _raw(path, "PRAGMA journal_mode") == [("wal",)]         # persists in the file
    assert store.schema_version() == SCHEMA_VERSION == MIGRATIONS[-1][0] == 4
    assert _raw(path, "SELECT version, description FROM schema_version") == [
        (1, "runs registry"), (2, "workspaces and blobs"),
        (3, "users, workspace sharing, failed sign-ins"), (4, "report drafts")]
    tables = {r[0] for r in _raw(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"runs", "schema_version", "workspaces", "blobs", "users", "workspace_shares",
            "login_failures", "report_drafts"} <= tables


def test_reopening_keeps_runs_and_applies_no_migration_twice(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    rid = open_store(url).add_run("fit", "svi", "", {"a": 1.0}, {}, {}, 0.1)
    again = open_store(url)
    assert again.get_run(rid).params == {"a": 1.0}
    assert _raw(tmp_path / "p.db", "SELECT COUNT(*) FROM schema_version") == [(4,)]


def test_migrations_apply_in_order_once(tmp_path):
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    steps = (*MIGRATIONS, (5, "add notes", ("ALTER TABLE runs ADD COLUMN notes TEXT",)),
             (6, "notes index", ("CREATE INDEX runs_notes ON runs (notes)",)))
    assert _migrate(conn, MIGRATIONS[:1]) == 1
    assert _migrate(conn, steps) == 6
    assert _migrate(conn, steps) == 6
    assert conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall() == [
        (1,), (2,), (3,), (4,), (5,), (6,)]
    assert "notes" in [r[1] for r in conn.execute("PRAGMA table_info(runs)")]
    conn.close()
    # a database written by a newer Parity is refused, not silently used
    with pytest.raises(DataError, match="schema is version 6, newer than this Parity supports "
                                        r"\(4\)"):
        open_store(f"sqlite:///{tmp_path / 'm.db'}")


def test_failed_migration_rolls_back(tmp_path):
    conn = sqlite3.connect(tmp_path / "f.db", isolation_level=None)
    bad = (*MIGRATIONS, (5, "broken", ("ALTER TABLE nowhere ADD COLUMN x",)))
    with pytest.raises(sqlite3.OperationalError):
        _migrate(conn, bad)
    assert not conn.in_transaction
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'runs'").fetchall() == []
    conn.close()
    assert open_store(f"sqlite:///{tmp_path / 'f.db'}").schema_version() == 4


def test_two_processes_writing_concurrently_lose_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    open_store(url)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [ctx.Process(target=_writer, args=(url, tag, N_PER_WRITER, barrier)) for tag in "AB"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    store = open_store(url)
    assert store.count() == 2 * N_PER_WRITER
    for tag in "AB":
        runs = store.list_runs(model=tag, limit=None, order="created")
        assert sorted(r.params["i"] for r in runs) == list(range(N_PER_WRITER))
        assert all(r.metrics["x"] == r.params["i"] / 7 for r in runs)
    path = tmp_path / "shared.db"
    assert _raw(path, "SELECT COUNT(DISTINCT id) FROM runs") == [(2 * N_PER_WRITER,)]
    assert _raw(path, "PRAGMA integrity_check") == [("ok",)]


def test_threads_share_one_store_object(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 't.db'}")
    errors = []

    def work(tag):
        try:
            for i in range(25):
                store.add_run("stress", tag, "", {"i": i}, {}, {}, 0.0)
                store.list_runs(model=tag, limit=5)
        except Exception as exc:   # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"t{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.count() == 100


def test_store_holds_only_its_location_and_pickles(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}", busy_timeout=3)
    rid = store.add_run("fit", "svi", "", {}, {}, {}, 0.0)
    assert not hasattr(store, "__dict__")
    assert store._conn is None and store._lock is None
    clone = pickle.loads(pickle.dumps(store))
    assert clone.path == store.path and clone.get_run(rid).id == rid
    assert repr(clone) == f"SqliteRunStore('sqlite:///{tmp_path / 'p.db'}')"


def test_a_held_write_lock_gives_a_store_error_after_the_timeout(tmp_path):
    path = tmp_path / "busy.db"
    store = open_store(f"sqlite:///{path}", busy_timeout=0.2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        assert store.count() == 0                      # WAL: readers are not blocked
        with pytest.raises(StoreError, match="stayed locked by another writer for more than "
                                             "0.2 s"):
            store.add_run("fit", "svi", "", {}, {}, {}, 0.0)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    store.add_run("fit", "svi", "", {}, {}, {}, 0.0)
    assert store.count() == 1


def test_relative_url_resolves_against_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///var/parity.db")
    assert store.path == str(tmp_path / "var" / "parity.db")
    assert Path(store.path).is_file()


@pytest.mark.parametrize("url, message", [
    ("postgresql+asyncpg://u:s3cret@127.0.0.1/db", "unsupported PostgreSQL driver"),
    ("mysql://u:pw@h/db", "unsupported database URL scheme 'mysql'"),
    ("parity.db", "url must be a database URL"),
    ("", "url must be a database URL"),
    ("sqlite:///", "sqlite URL has no file path"),
    ("sqlite://host/file.db", "sqlite URL has no host part"),
    ("sqlite:///x.db?mode=ro", r"options \(\?\.\.\.\) are not supported"),
    ("sqlite+pysqlite:///x.db", "unsupported sqlite driver"),
])
def test_bad_urls_raise_data_error_without_leaking_passwords(url, message):
    with pytest.raises(DataError, match=message) as info:
        open_store(url)
    assert "s3cret" not in str(info.value) and "pw@" not in str(info.value)


def test_bad_arguments_and_paths(tmp_path):
    with pytest.raises(DataError, match="url must be a string"):
        open_store(tmp_path / "x.db")
    with pytest.raises(DataError, match="busy_timeout must be a number of seconds > 0"):
        open_store(f"sqlite:///{tmp_path / 'x.db'}", busy_timeout=0)
    with pytest.raises(DataError, match="is a folder; give a file name"):
        open_store(f"sqlite:///{tmp_path}")
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(64) + b"not sqlite" * 100)
    with pytest.raises(DataError, match="is not a readable SQLite database"):
        open_store(f"sqlite:///{junk}")
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(DataError, match="cannot create the database folder"):
        open_store(f"sqlite:///{blocked / 'sub' / 'p.db'}")


def test_redact_url():
    assert redact_url("postgresql://user:pa55@host:5432/db") == "postgresql://user:***@host:5432/db"
    assert redact_url("sqlite:////tmp/p.db") == "sqlite:////tmp/p.db"


def test_direct_construction_matches_open_store(tmp_path):
    store = SqliteRunStore(tmp_path / "d.db")
    assert store.schema_version() == 4 and store.journal_mode() == "wal"


@pytest.mark.parametrize("where", ["header", "pages"])
def test_a_file_corrupted_while_in_use_gives_a_clear_message(tmp_path, where):
    path = tmp_path / "c.db"
    store = open_store(f"sqlite:///{path}")
    for i in range(200):   # a few pages of runs and workspaces
        store.add_run("fit", "svi", "", {"i": i, "pad": "x" * 200}, {}, {}, 0.0)
    store.save_workspace("w", {"notes": "n" * 5000})
    with sqlite3.connect(path) as conn:  # fold the WAL into the main file first
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with open(path, "r+b") as f:
        if where == "header":
            f.write(os.urandom(100))
        else:  # keep the header and schema page, scramble the rest
            f.seek(4096)
            f.write(os.urandom(size - 4096))
    for call in (lambda: store.list_runs(limit=None), lambda: open_store(f"sqlite:///{path}")
                 .list_workspaces(), lambda: store.open_workspace("x")):
        with pytest.raises(DataError, match="is not a readable SQLite database") as info:
            call()
        assert "Restore it from a backup, or set DATABASE_URL to a new file" in str(info.value)
