"""Both store backends for the tests, and raw SQL access to the store's own database.

The ``store`` fixture (``conftest.py`` here) is parametrised: ``[sqlite]`` a real SQLite file in ``tmp_path``, ``[postgresql]`` a
fresh database on the session's real PostgreSQL server (``tests/conftest.py``). ``raw`` reads or
writes the tables directly (``?`` placeholders on both), for checks independent of the store's
own code.
"""
from __future__ import annotations

import sqlite3

BACKENDS = ("sqlite", "postgresql")


def url_for(request, tmp_path, backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'runs' / 'parity.db'}"
    return request.getfixturevalue("postgres_url")


def _pg(store):
    import psycopg
    from psycopg.types.string import TextLoader

    conn = psycopg.connect(store._url)
    conn.adapters.register_loader("json", TextLoader)   # documents as the text stored
    return conn


def raw(store, sql: str, args=()) -> list[tuple]:
    """Rows of ``sql`` run directly on the store's database (committed)."""
    if store.backend == "sqlite":
        with sqlite3.connect(store.path) as conn:
            return conn.execute(sql, args).fetchall()
    with _pg(store) as conn:
        cur = conn.execute(sql.replace("?", "%s"), args)
        return cur.fetchall() if cur.description is not None else []


def raw_many(store, sql: str, rows) -> None:
    """``executemany`` directly on the store's database (committed)."""
    if store.backend == "sqlite":
        with sqlite3.connect(store.path) as conn:
            conn.executemany(sql, rows)
        return
    with _pg(store) as conn:
        conn.cursor().executemany(sql.replace("?", "%s"), rows)
