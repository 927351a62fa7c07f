"""Workspaces and content-addressed uploads, on SQLite and on the real PostgreSQL server.

Values read back are compared with what was written, and with the raw tables read through the
database's own driver; hashes are checked with hashlib, ids decoded with base64.
"""
from __future__ import annotations

import base64
import hashlib
import json
import time
from datetime import timedelta

import pytest

import core.store.workspace_docs as docmod
import core.store.workspaces as wsmod
from core.errors import DataError
from core.store import StoreError, Workspace, WorkspaceInfo
from tests.core.store.backends import raw

#: A desk as the pages would save it: every page's URL inputs, a book, runs, notes, an upload.
DESK = {
    "pages": {"surface": {"model": "svi", "expiry": "2018-02-16"},
              "calibration": {"model": "heston", "weights": "vega"},
              "strategies": {"strategy": "iron condor", "width": 50.0},
              "risk": {"days": 5, "spot_shock": -0.1},
              "backtest": {"rules": {"delta": 0.16, "dte": 45}}},
    "book": {"csv": "symbol,quantity,trade_price\nSPXW 180216P02600000,-10,12.5\n"},
    "runs": ["0" * 32, "f" * 32],
    "notes": "Skew steepened after 5 Feb — σ-smile ✓",
}
REPORT = [{"kind": "figure", "page": "surface", "title": "SVI smile", "notes": "",
           "inputs": {"model": "svi"}, "figure": {"data": [{"x": [1.0, 2.0], "y": [0.1, 1 / 3]}]}}]


def test_save_open_round_trip_and_list(store):
    ws = store.save_workspace("  Feb review  ", DESK, report=REPORT, owner="ana",
                              description="5 Feb 2018 shock")
    assert isinstance(ws, Workspace) and ws.name == "Feb review" and ws.version == 1
    assert ws.state == {**DESK, "uploads": {}} and ws.report == REPORT
    assert ws.created == ws.updated and ws.created.utcoffset() == timedelta(0)
    opened = store.open_workspace(ws.id)
    assert opened == ws
    assert opened.report[0]["figure"]["data"][0]["y"][1].hex() == (1 / 3).hex()
    assert Workspace.from_dict(json.loads(json.dumps(ws.to_dict()))) == ws
    other = store.save_workspace("scratch", {}, owner="ben")
    infos = store.list_workspaces()
    assert [i.id for i in infos] == [other.id, ws.id]             # most recently updated first
    assert infos[1] == ws.info and isinstance(infos[1], WorkspaceInfo)
    assert infos[1].owner == "ana" and infos[1].description == "5 Feb 2018 shock"
    assert [i.id for i in store.list_workspaces(owner="ana")] == [ws.id]
    assert store.list_workspaces(owner="nobody") == []
    assert len(store.list_workspaces(limit=1)) == 1
    # the stored documents are strict JSON text equal to what was saved
    (state, report), = raw(store, "SELECT state, report FROM workspaces WHERE id = ?", (ws.id,))
    assert json.loads(state) == ws.state and json.loads(report) == REPORT


def test_ids_are_unguessable(store):
    ids = {store.save_workspace(f"w{i}", {}).id for i in range(40)}
    assert len(ids) == 40
    for wid in ids:
        assert len(wid) == 32 and len(base64.urlsafe_b64decode(wid)) * 8 >= 128


def test_save_over_keeps_id_and_created_save_as_makes_a_copy(store):
    first = store.save_workspace("desk", DESK, owner="ana")
    time.sleep(0.002)
    state = {**DESK, "notes": "second thoughts"}
    again = store.save_workspace("desk v2", state, report=REPORT, owner="ana",
                                 workspace_id=first.id)
    assert again.id == first.id and again.created == first.created
    assert again.updated > first.updated
    assert store.open_workspace(first.id) == again and again.state["notes"] == "second thoughts"
    copy = store.copy_workspace(first.id, owner="ben")
    assert copy.id != first.id and copy.name == "desk v2 (copy)" and copy.owner == "ben"
    assert copy.state == again.state and copy.report == REPORT
    assert len(store.list_workspaces()) == 2
    with pytest.raises(DataError, match="no workspace with id 'gone'"):
        store.save_workspace("x", {}, workspace_id="gone")


def test_rename_and_delete(store):
    ws = store.save_workspace("old", DESK)
    info = store.rename_workspace(ws.id, "  new name ")
    assert info.name == "new name" and info.updated >= ws.updated and info.created == ws.created
    assert store.open_workspace(ws.id).name == "new name"
    assert store.open_workspace(ws.id).state == ws.state
    store.delete_workspace(ws.id)
    assert store.list_workspaces() == []
    assert raw(store, "SELECT COUNT(*) FROM workspaces") == [(0,)]
    for call in (store.open_workspace, store.delete_workspace):
        with pytest.raises(DataError, match=f"no workspace with id '{ws.id}'"):
            call(ws.id)
    with pytest.raises(DataError, match="no workspace with id"):
        store.rename_workspace(ws.id, "x")


@pytest.mark.parametrize("kwargs, message", [
    (dict(name=""), "name must not be empty"),
    (dict(name="n" * 201), "name must be at most 200 characters"),
    (dict(state=[1]), "state must be a dict, got list"),
    (dict(state={"pages": []}), r"state\['pages'\] must be a dict"),
    (dict(state={"notes": 3}), r"state\['notes'\] must be a str"),
    (dict(state={"x": {1, 2}}), r"state\['x'\] is not JSON-serialisable: set"),
    (dict(report="item"), "report must be a list of items, got str"),
    (dict(owner=None), "owner must be a string"),
    (dict(description="d" * 2001), "description must be at most 2000 characters"),
])
def test_save_validates(store, kwargs, message):
    args = dict(name="w", state={})
    args.update(kwargs)
    with pytest.raises(DataError, match=message):
        store.save_workspace(args.pop("name"), args.pop("state"), **args)
    assert store.list_workspaces() == []


def test_blobs_are_stored_once_by_content_hash(store):
    data = b"expiry,strike,type,bid,ask\n2018-02-16,2600,P,12.1,12.9\n" * 50
    key = store.put_blob(data, "chain.csv")
    assert key == hashlib.sha256(data).hexdigest()
    assert store.put_blob(bytearray(data), "renamed.csv") == key     # same bytes, same key
    assert store.get_blob(key) == data and store.get_blob(key.upper()) == data
    assert store.blob_name(key) == ("chain.csv", len(data))
    assert raw(store, "SELECT COUNT(*), SUM(size) FROM blobs") == [(1, len(data))]
    empty = store.put_blob(b"")
    assert empty == hashlib.sha256(b"").hexdigest() and store.get_blob(empty) == b""
    ws = store.save_workspace("with upload", {"uploads": {"chain.csv": key}})
    assert store.get_blob(store.open_workspace(ws.id).state["uploads"]["chain.csv"]) == data
    with pytest.raises(DataError, match="no stored upload with key"):
        store.get_blob("0" * 64)
    with pytest.raises(DataError, match="data must be bytes, got str"):
        store.put_blob("text")


def test_damaged_blob_is_reported(store):
    key = store.put_blob(b"good bytes", "a.csv")
    raw(store, "UPDATE blobs SET data = ? WHERE key = ?", (b"bad bytes!", key))
    with pytest.raises(StoreError, match="is damaged"):
        store.get_blob(key)


def _fail_updates(store):
    """A database trigger that makes every workspace UPDATE fail, as a full disk would."""
    if store.backend == "sqlite":
        raw(store, "CREATE TRIGGER no_save BEFORE UPDATE ON workspaces BEGIN "
                   "SELECT RAISE(ABORT, 'simulated write failure'); END")
    else:
        raw(store, "CREATE FUNCTION no_save() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
                   "'simulated write failure'; END $$ LANGUAGE plpgsql")
        raw(store, "CREATE TRIGGER no_save BEFORE UPDATE ON workspaces FOR EACH ROW "
                   "EXECUTE FUNCTION no_save()")


def test_a_failed_save_keeps_the_previous_version(store):
    ws = store.save_workspace("desk", DESK, report=REPORT)
    _fail_updates(store)
    with pytest.raises(StoreError, match="simulated write failure"):
        store.save_workspace("desk", {"notes": "lost?"}, workspace_id=ws.id)
    with pytest.raises(StoreError, match="simulated write failure"):
        store.rename_workspace(ws.id, "renamed")
    assert store.open_workspace(ws.id) == ws


def test_document_versions(store, monkeypatch):
    ws = store.save_workspace("v1", {"notes": "old layout", "pages": {"surface": {"m": "svi"}}})
    raw(store, "UPDATE workspaces SET version = 7 WHERE id = ?", (ws.id,))
    with pytest.raises(DataError, match="saved by a newer Parity \\(document version 7; this "
                                        "one reads up to 1\\)"):
        store.open_workspace(ws.id)
    raw(store, "UPDATE workspaces SET version = 0 WHERE id = ?", (ws.id,))
    with pytest.raises(DataError, match="has no valid 'version' \\(got 0\\)"):
        store.open_workspace(ws.id)
    raw(store, "UPDATE workspaces SET version = 1 WHERE id = ?", (ws.id,))
    # a later Parity with document version 2 (pages renamed to views) opens the v1 document
    monkeypatch.setattr(wsmod, "WORKSPACE_VERSION", 2)
    monkeypatch.setattr(docmod, "WORKSPACE_VERSION", 2)     # where migrate_document reads it
    with pytest.raises(DataError, match="no migration from version 1 to 2"):
        store.open_workspace(ws.id)

    def v1_to_v2(doc):
        state = dict(doc["state"])
        state["views"] = state.pop("pages")
        return {**doc, "state": state, "version": 2}

    monkeypatch.setitem(wsmod.DOCUMENT_MIGRATIONS, 1, v1_to_v2)
    opened = store.open_workspace(ws.id)
    assert opened.version == 2 and opened.state["views"] == {"surface": {"m": "svi"}}
    assert opened.state["notes"] == "old layout"
    with pytest.raises(DataError, match="is missing 'state'"):
        Workspace.from_dict({"version": 2, "id": "x", "name": "n"})
    with pytest.raises(DataError, match="must be a dict, got list"):
        Workspace.from_dict([])
