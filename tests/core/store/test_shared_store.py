"""shared_store: one store per (process, URL), opened once, thread-safe, re-opened after fork."""
from __future__ import annotations

import os
import threading
import time

import pytest

import core.store.factory as factory
from core.store import SqliteRunStore, open_store, shared_store


def test_same_url_gives_the_same_store_and_it_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = shared_store(url)
    assert shared_store(url) is first
    assert shared_store(f"sqlite:///{tmp_path / 'b.db'}") is not first
    rid = first.add_run("fit", "svi", "", {"a": 1.0}, {"rmse": 0.1}, {}, 0.5)
    assert open_store(url).get_run(rid).params == {"a": 1.0}


def test_open_runs_once_when_threads_ask_at_once(tmp_path, monkeypatch):
    calls = []
    real = factory.open_store

    def slow_open(url, **kw):
        calls.append(url)
        time.sleep(0.2)          # wide window for a race
        return real(url, **kw)

    monkeypatch.setattr(factory, "open_store", slow_open)
    url = f"sqlite:///{tmp_path / 'threads.db'}"
    got, barrier = [], threading.Barrier(8)

    def ask():
        barrier.wait()
        got.append(shared_store(url))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(got) == 8 and all(s is got[0] for s in got)


def test_a_forked_child_opens_its_own_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'fork.db'}"
    parent = shared_store(url)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: report whether it got the parent's object, and whether its own works
        try:
            mine = shared_store(url)
            ok = mine is not parent and shared_store(url) is mine and mine.count() == 0
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert shared_store(url) is parent


def test_memory_urls_are_not_shared():
    a, b = shared_store("sqlite:///:memory:"), shared_store("sqlite:///:memory:")
    assert isinstance(a, SqliteRunStore) and a is not b


def test_a_failed_open_is_not_cached(tmp_path):
    folder = tmp_path / "ro"
    url = f"sqlite:///{folder}"
    folder.mkdir()               # a folder where the file should be: open_store refuses
    with pytest.raises(Exception, match="is a folder"):
        shared_store(url)
    folder.rmdir()
    assert shared_store(url).count() == 0


def test_postgres_store_reuses_one_connection_per_thread(postgres_url, monkeypatch):
    from core.store.postgres import PostgresRunStore

    opened = []
    real = PostgresRunStore._connect

    def counting(self):
        conn = real(self)
        opened.append(threading.get_ident())
        return conn

    monkeypatch.setattr(PostgresRunStore, "_connect", counting)
    store = open_store(postgres_url)     # its schema check opens this thread's connection
    pids = {store._exec([("SELECT pg_backend_pid()", ())], "reading")[0][0] for _ in range(20)}
    store.count()
    store.list_runs(limit=3)
    assert len(opened) == 1 and len(pids) == 1          # open + 22 calls, one connection
    other = []
    t = threading.Thread(target=lambda: other.append(
        store._exec([("SELECT pg_backend_pid()", ())], "reading")[0][0]))
    t.start()
    t.join()
    assert len(opened) == 2 and other[0] not in pids     # another thread, its own session


def test_postgres_store_after_fork_uses_its_own_session_and_leaves_the_parents(postgres_url):
    store = shared_store(postgres_url)
    backend = store._exec([("SELECT pg_backend_pid()", ())], "reading")[0][0]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            mine = shared_store(postgres_url)
            child = mine._exec([("SELECT pg_backend_pid()", ())], "reading")[0][0]
            store.count()       # the parent's object, used in the child: a new session too
            os.write(write, b"1" if child != backend else b"0")
        finally:
            import gc

            store._local.__dict__.clear()   # an exiting child frees the inherited connection
            gc.collect()
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"
    # the parent's connection survived the child (which never closed it)
    assert store._exec([("SELECT pg_backend_pid()", ())], "reading")[0][0] == backend
