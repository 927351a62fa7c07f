"""Report drafts in the store, on SQLite and the real PostgreSQL: per owner, partial updates,
an empty report kept as such, limits, and a database of the previous schema (version 3) opened
and migrated with its data intact.

Raw SQL reads the table directly to check what was stored, independently of the store's code.
"""
from __future__ import annotations

import json
import sqlite3

import pytest
from werkzeug.security import generate_password_hash

from core.errors import DataError
from core.store import MAX_DRAFT_CHARS, open_store
from tests.core.store.backends import raw

ITEMS = [{"id": "a1", "title": "Greeks: vega", "url": "/greeks?greek=vega",
          "figures": [{"data": [{"type": "heatmap", "z": [[0.1, -0.0], [1e-300, 2.5]]}],
                       "layout": {"title": {"text": "Vega"}}}], "tables": []}]
META = {"title": "Monday risk review", "author": "ann", "notes": {"a1": "skew is steep"}}


def test_drafts_are_kept_per_owner_and_follow_partial_updates(store):
    assert store.get_draft("ann") is None and store.get_draft("") is None
    first = store.put_draft("ann", items=ITEMS, meta=META, fingerprint={"items": "i1", "meta": "m1"})
    assert (first.owner, first.items, first.meta) == ("ann", ITEMS, META)
    # stored as written: the JSON text in the table reads back to the same values
    (items_text, meta_text), = raw(store, "SELECT items, meta FROM report_drafts WHERE owner = ?",
                                   ("ann",))
    assert json.loads(items_text) == ITEMS and json.loads(meta_text) == META
    # only the title changed: meta sent alone, the charts stay
    second = store.put_draft("ann", meta={**META, "title": "Tuesday"},
                             fingerprint={"items": "i1", "meta": "m2"})
    back = store.get_draft("ann")
    assert back.items == ITEMS and back.meta["title"] == "Tuesday"
    assert back.fingerprint == {"items": "i1", "meta": "m2"}
    assert second.updated > first.updated and back.updated == second.updated
    assert back.to_dict()["updated"] > first.to_dict()["updated"]       # sorts as text too
    # the single local user ("") and another user have their own
    store.put_draft("", items=[{"id": "x"}])
    assert store.get_draft("").items == [{"id": "x"}] and store.get_draft("").meta == {}
    assert store.get_draft("bob") is None
    assert raw(store, "SELECT owner FROM report_drafts ORDER BY owner") == [("",), ("ann",)]


def test_an_empty_report_is_kept_then_deleted_on_request(store):
    store.put_draft("ann", items=ITEMS, meta=META)
    cleared = store.put_draft("ann", items=[], meta={})
    assert cleared.is_empty and store.get_draft("ann").items == []
    assert not store.put_draft("ann", meta={"notes": {"a1": "x"}}).is_empty
    assert store.delete_draft("ann") is True and store.delete_draft("ann") is False
    assert store.get_draft("ann") is None


def test_bad_drafts_are_refused_with_the_reason(store):
    with pytest.raises(DataError, match="owner must be 1-64"):
        store.put_draft("no such!", items=[])
    with pytest.raises(DataError, match="items must be a list"):
        store.put_draft("ann", items={"a": 1})
    with pytest.raises(DataError, match="meta must be a dict"):
        store.put_draft("ann", meta=["x"])
    with pytest.raises(DataError, match="fingerprint"):
        store.put_draft("ann", items=[], fingerprint={"items": "x" * 500})
    big = [{"id": "b", "text": "x" * (MAX_DRAFT_CHARS + 10)}]
    with pytest.raises(DataError, match="too large to keep on the server"):
        store.put_draft("ann", items=big)
    assert store.get_draft("ann") is None          # nothing half-written


def _old_schema_sqlite(path):
    from core.store.sqlite import MIGRATIONS, _migrate

    conn = sqlite3.connect(path, isolation_level=None)
    assert _migrate(conn, MIGRATIONS[:3]) == 3
    conn.execute("INSERT INTO users (name, role, password_hash, created, updated) VALUES "
                 "('ann', 'admin', ?, '2026-01-01T00:00:00.000000+00:00', "
                 "'2026-01-01T00:00:00.000000+00:00')", (generate_password_hash("x" * 12),))
    conn.close()


def _old_schema_postgres(url):
    import psycopg

    from core.store.postgres import MIGRATIONS

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied "
                     "TIMESTAMPTZ NOT NULL DEFAULT now(), description TEXT NOT NULL DEFAULT '')")
        for number, description, statements in MIGRATIONS[:3]:
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version, description) VALUES (%s, %s)",
                         (number, description))
        conn.execute("INSERT INTO users (name, role, password_hash, created, updated) VALUES "
                     "('ann', 'admin', %s, '2026-01-01T00:00:00.000000+00:00', "
                     "'2026-01-01T00:00:00.000000+00:00')", (generate_password_hash("x" * 12),))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_database_of_the_previous_schema_opens_and_gains_drafts(backend, request, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "old.db"
        _old_schema_sqlite(path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        _old_schema_postgres(url)
    store = open_store(url)
    assert store.schema_version() == 4
    assert raw(store, "SELECT version, description FROM schema_version ORDER BY version")[-1] == \
        (4, "report drafts")
    assert store.get_user("ann").role == "admin"             # what was there is still there
    assert store.put_draft("ann", items=ITEMS).items == ITEMS
    assert open_store(url).get_draft("ann").items == ITEMS   # reopening migrates nothing twice
    assert raw(store, "SELECT COUNT(*) FROM schema_version") == [(4,)]
