"""PostgreSQL backend on a real server: schema and migrations, concurrency, pickling, and faults
(server unreachable at start, a server that never answers, stopped mid-session, restarted)."""
from __future__ import annotations

import pickle
import socket
import threading
import time

import psycopg
import pytest

from core.errors import DataError, ParityError
from core.store import StoreError, open_store
from core.store.postgres import MIGRATIONS, SCHEMA_VERSION, PostgresRunStore
from core.store.sqlite import MIGRATIONS as SQLITE_MIGRATIONS
from tests.conftest import free_port, postgres_folder, start_postgres


def _add(store, i=0):
    return store.add_run("fit", "svi", "fp", {"i": i}, {"rmse": 0.1}, {}, 0.5)


def test_schema_is_created_once_with_a_version_table(postgres_url):
    store = open_store(postgres_url)
    assert isinstance(store, PostgresRunStore) and store.backend == "postgresql"
    assert store.schema_version() == SCHEMA_VERSION == 4
    # the same versions and descriptions as the SQLite backend
    assert [m[:2] for m in MIGRATIONS] == [m[:2] for m in SQLITE_MIGRATIONS]
    open_store(postgres_url.replace("postgresql://", "postgres://"))
    open_store(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT version, description FROM schema_version ORDER BY version"
                            ).fetchall()
        assert rows == [(1, "runs registry"), (2, "workspaces and blobs"),
                        (3, "users, workspace sharing, failed sign-ins"), (4, "report drafts")]
        tables = {r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert tables == {"runs", "workspaces", "blobs", "schema_version", "users",
                          "workspace_shares", "login_failures", "report_drafts"}
        types = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns"
                                  " WHERE table_name = 'runs'").fetchall())
        assert types["params"] == "json" and types["created"] == "timestamp with time zone"


def test_concurrent_openers_apply_each_migration_once(postgres_url):
    errors = []

    def opener():
        try:
            _add(open_store(postgres_url))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 4
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 6


def test_newer_schema_is_refused(postgres_url):
    open_store(postgres_url)
    with psycopg.connect(postgres_url) as conn:
        conn.execute("INSERT INTO schema_version (version, description) VALUES (9, 'future')")
    with pytest.raises(DataError, match="schema is version 9, newer than this Parity supports"):
        open_store(postgres_url)


def test_store_pickles_and_shares_across_threads(postgres_url):
    store = open_store(postgres_url, busy_timeout=3)
    rid = _add(store)
    assert not hasattr(store, "__dict__")
    clone = pickle.loads(pickle.dumps(store))
    assert clone.get_run(rid).id == rid and clone.url == store.url
    errors = []

    def work(k):
        try:
            for i in range(10):
                _add(store, i)
                store.list_runs(limit=3)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and store.count() == 41


def test_password_is_masked(postgres_server):
    url = f"postgresql://parity:s3cret@127.0.0.1:{postgres_server.port}/parity"
    store = open_store(url)
    assert "s3cret" not in store.url and "***" in store.url and "s3cret" not in repr(store)


def test_unreachable_at_start_is_a_clear_store_error_quickly():
    port = free_port()                                   # nothing listens there
    url = f"postgresql://parity:s3cret@127.0.0.1:{port}/parity"
    start = time.monotonic()
    with pytest.raises(StoreError, match="cannot reach the PostgreSQL store") as info:
        open_store(url, connect_timeout=2)
    assert time.monotonic() - start < 5
    text = str(info.value)
    assert f"127.0.0.1:{port}" in text and "s3cret" not in text
    assert "Check that the server is running" in text and "DATABASE_URL" in text
    assert isinstance(info.value, ParityError)


def test_a_server_that_never_answers_times_out_instead_of_hanging():
    with socket.socket() as silent:                      # accepts TCP, never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        start = time.monotonic()
        with pytest.raises(StoreError, match="cannot reach the PostgreSQL store"):
            open_store(f"postgresql://parity@127.0.0.1:{port}/parity", connect_timeout=1)
        waited = time.monotonic() - start
    assert waited < 6, f"connect_timeout=1 but the store waited {waited:.1f} s"


def test_server_stopped_mid_session_then_restarted():
    folder = postgres_folder()
    server = start_postgres(folder)
    try:
        store = open_store(server.url, connect_timeout=2)
        rid = _add(store)
        ws = store.save_workspace("desk", {"notes": "before the outage"})
        server.stop()
        for call in (lambda: _add(store), store.list_runs, lambda: store.get_run(rid),
                     lambda: store.save_workspace("desk", {"notes": "during"},
                                                  workspace_id=ws.id),
                     lambda: open_store(server.url, connect_timeout=2)):
            start = time.monotonic()
            with pytest.raises(StoreError, match="cannot reach the PostgreSQL store") as info:
                call()
            assert time.monotonic() - start < 5
            assert "nothing was saved by this request" in str(info.value)
        server.start()
        # the same store object works again; nothing was half-written during the outage
        assert [r.id for r in store.list_runs()] == [rid]
        assert store.open_workspace(ws.id).state["notes"] == "before the outage"
    finally:
        server.stop()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def test_statement_timeout_bounds_a_held_lock(postgres_url):
    store = open_store(postgres_url, busy_timeout=0.5)
    ws = store.save_workspace("desk", {"notes": "v1"})
    blocker = psycopg.connect(postgres_url)
    try:
        blocker.execute("LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE")
        start = time.monotonic()
        with pytest.raises(StoreError, match="did not answer within 0.5 s"):
            store.save_workspace("desk", {"notes": "v2"}, workspace_id=ws.id)
        assert time.monotonic() - start < 3
    finally:
        blocker.rollback()
        blocker.close()
    assert store.open_workspace(ws.id).state["notes"] == "v1"


def test_bad_timeouts():
    with pytest.raises(DataError, match="connect_timeout must be a number of seconds > 0"):
        open_store("postgresql://parity@127.0.0.1:1/parity", connect_timeout=0)
