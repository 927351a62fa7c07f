"""Users, workspace sharing and failed sign-ins in the store, on SQLite and the real PostgreSQL.

The expected answers are written out from the sharing rules (owner, everyone, named users),
and raw SQL reads the tables directly to check what was stored.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import DataError
from core.store import Sharing, open_store
from tests.core.store.backends import raw

HASH = generate_password_hash("correct horse", method="scrypt")


def _users(store):
    store.add_user("ann", HASH, "admin")
    store.add_user("bob", HASH, "editor")
    store.add_user("cat", HASH, "viewer")


def test_users_round_trip_and_roles(store):
    _users(store)
    ann = store.get_user("ann")
    assert (ann.name, ann.role, ann.is_admin, ann.may_edit) == ("ann", "admin", True, True)
    assert store.get_user("cat").may_edit is False
    assert check_password_hash(store.get_user("bob").password_hash, "correct horse")
    assert [u.name for u in store.list_users()] == ["ann", "bob", "cat"]
    assert raw(store, "SELECT role FROM users WHERE name = ?", ("bob",)) == [("editor",)]
    assert "password_hash" not in ann.to_dict()
    assert store.get_user("nobody") is None and store.get_user("no such!") is None
    with pytest.raises(DataError, match="exists already"):
        store.add_user("ann", HASH, "viewer")
    with pytest.raises(DataError, match="role must be one of viewer, editor, admin"):
        store.add_user("dan", HASH, "root")
    with pytest.raises(DataError, match="not a password"):
        store.add_user("dan", "hunter2", "viewer")
    with pytest.raises(DataError, match="name must be 1-64"):
        store.add_user("a b", HASH)
    assert store.set_role("cat", "editor").role == "editor"
    new = generate_password_hash("other", method="pbkdf2")
    assert store.set_password("cat", new).password_hash == new
    store.delete_user("cat")
    assert store.get_user("cat") is None
    with pytest.raises(DataError, match="no user named 'cat'"):
        store.set_role("cat", "viewer")


def test_sharing_decides_who_lists_a_workspace(store):
    _users(store)
    mine = store.save_workspace("bob private", {}, owner="bob")
    every = store.save_workspace("bob to all", {}, owner="bob")
    named = store.save_workspace("bob to cat", {}, owner="bob")
    assert mine.sharing == Sharing("private")
    assert store.share_workspace(every.id, "all") == Sharing("all")
    assert store.share_workspace(named.id, "users", ["cat"]) == Sharing("users", ("cat",))

    def names(**kw):
        return sorted(w.name for w in store.list_workspaces(**kw))

    assert names(reader="bob") == ["bob private", "bob to all", "bob to cat"]
    assert names(reader="cat") == ["bob to all", "bob to cat"]
    assert names(reader="ann") == ["bob to all"]           # an admin's own view (the UI lists all)
    assert names() == ["bob private", "bob to all", "bob to cat"]
    assert names(reader="cat", owner="bob") == ["bob to all", "bob to cat"]
    assert store.open_workspace(named.id).sharing == Sharing("users", ("cat",))
    listed = {w.name: w.sharing for w in store.list_workspaces()}
    assert listed["bob to cat"].users == ("cat",) and listed["bob private"].mode == "private"
    assert raw(store, "SELECT sharing FROM workspaces WHERE id = ?", (named.id,)) == [("users",)]

    # saving over it, renaming it keep its sharing; a copy is private
    assert store.save_workspace("renamed", {}, owner="bob", workspace_id=named.id).sharing.users == ("cat",)
    assert store.rename_workspace(named.id, "again").sharing == Sharing("users", ("cat",))
    assert store.copy_workspace(named.id, owner="cat").sharing == Sharing("private")
    # back to private: cat no longer sees it, and no share rows remain
    store.share_workspace(named.id, "private")
    assert "again" not in names(reader="cat")
    assert raw(store, "SELECT COUNT(*) FROM workspace_shares WHERE workspace_id = ?",
               (named.id,)) == [(0,)]
    # deleting a workspace deletes its shares
    store.share_workspace(every.id, {"mode": "users", "users": ["cat", "ann"]})
    store.delete_workspace(every.id)
    assert raw(store, "SELECT COUNT(*) FROM workspace_shares", ()) == [(0,)]


def test_bad_sharing_is_refused_and_changes_nothing(store):
    _users(store)
    ws = store.save_workspace("w", {}, owner="bob")
    store.share_workspace(ws.id, "users", ["cat"])
    with pytest.raises(DataError, match="no user named 'zed'"):
        store.share_workspace(ws.id, "users", ["cat", "zed"])
    with pytest.raises(DataError, match="sharing mode must be one of private, users, all"):
        store.share_workspace(ws.id, "public")
    with pytest.raises(DataError, match="needs at least one user"):
        store.share_workspace(ws.id, "users", [])
    with pytest.raises(DataError, match="no workspace with id"):
        store.share_workspace("nope", "users", ["cat"])
    assert raw(store, "SELECT COUNT(*) FROM workspace_shares WHERE workspace_id = ?",
               ("nope",)) == [(0,)]
    assert store.open_workspace(ws.id).sharing == Sharing("users", ("cat",))


def test_login_failures_count_per_name_and_address(store):
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    for _ in range(3):
        store.record_login_failure("Bob", "10.0.0.1")
    store.record_login_failure("cat", "10.0.0.1")
    store.record_login_failure("bob", "10.0.0.2")
    assert store.login_failures("bob", "10.0.0.1", start) == (3, 4)   # names are case-blind
    assert store.login_failures("bob", "10.0.0.2", start) == (1, 1)
    assert store.login_failures("bob", "10.0.0.1", datetime.now(timezone.utc)) == (0, 0)
    store.clear_login_failures("bob", "10.0.0.1")
    assert store.login_failures("bob", "10.0.0.1", start) == (0, 1)
    # rows older than a day are pruned by the next failure
    old = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat(timespec="microseconds")
    raw(store, "INSERT INTO login_failures (name, address, at) VALUES (?, ?, ?)", ("x", "y", old))
    store.record_login_failure("cat", "10.0.0.3")
    assert raw(store, "SELECT COUNT(*) FROM login_failures WHERE name = ?", ("x",)) == [(0,)]


def test_a_version_2_database_is_migrated_with_its_workspaces_private(tmp_path):
    """A database written before users existed opens, keeps its workspaces, all private."""
    import sqlite3

    from core.store.sqlite import MIGRATIONS, _migrate

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    _migrate(conn, MIGRATIONS[:2])
    conn.execute("INSERT INTO workspaces (id, name, owner, description, created, updated, version,"
                 " state, report) VALUES ('w1', 'old', 'bob', '', '2026-01-01T00:00:00.000000+00:00',"
                 " '2026-01-01T00:00:00.000000+00:00', 1, '{}', '[]')")
    conn.close()
    store = open_store(f"sqlite:///{path}")
    assert store.schema_version() == 4
    ws = store.open_workspace("w1")
    assert (ws.name, ws.owner, ws.sharing) == ("old", "bob", Sharing("private"))
    assert [w.id for w in store.list_workspaces(reader="cat")] == []
