"""The report draft kept in the store through its callbacks: the signed-in user's (never a name
the browser sends), only the parts sent, a resend asked for when the store's copy is not the
one the browser took it for, and which copy a tab's first page takes."""
from __future__ import annotations

import pytest

import callbacks.workspace as cw
from app import Settings, create_app
from core.store import open_store

ITEMS = [{"id": "i1", "title": "Vega of a put", "url": "/greeks?greek=vega",
          "figures": [{"data": [{"type": "heatmap", "z": [[1, 2]]}], "layout": {}}]}]
META = {"title": "Desk review", "notes": {"i1": "wings"}}


@pytest.fixture(params=["sqlite", "postgresql"])
def desk(request, tmp_path):
    url = None if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    return create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False, database_url=url))


def _store(desk):
    return open_store(desk.server.config["PARITY_SETTINGS"].database_url)


def test_changes_are_kept_for_the_signed_in_user_part_by_part(desk, monkeypatch):
    monkeypatch.setattr(cw, "current_user", lambda: "ann")
    with desk.server.test_request_context("/"):
        first = cw.push_draft({"fp": {"items": "i1", "meta": "m1"}, "items": ITEMS, "meta": META,
                               "owner": "mallory"})["pushed"]          # a name sent is ignored
        assert set(first) == {"updated", "fp"} and first["fp"] == {"items": "i1", "meta": "m1"}
        # the title typed: meta alone, while the store holds the items the browser took it for
        second = cw.push_draft({"fp": {"items": "i1", "meta": "m2"},
                                "meta": {**META, "title": "Tuesday"}})["pushed"]
        assert second["updated"] > first["updated"]
        # the store's items are another browser's: the parts alone are not enough, send all
        assert cw.push_draft({"fp": {"items": "OTHER", "meta": "m3"}, "meta": META})["pushed"] == \
            {"resend": True}
        assert "not readable" in cw.push_draft(None)["pushed"]["error"]
    held = _store(desk).get_draft("ann")
    assert held.items == ITEMS and held.meta["title"] == "Tuesday"
    assert _store(desk).get_draft("mallory") is None and _store(desk).get_draft("") is None


def test_without_sign_in_the_draft_is_the_local_users(desk):
    with desk.server.test_request_context("/"):
        cw.push_draft({"fp": {"items": "a", "meta": "b"}, "items": ITEMS, "meta": META})
    assert _store(desk).get_draft("").items == ITEMS


def test_a_tab_takes_the_stores_copy_only_when_it_should(desk, monkeypatch):
    monkeypatch.setattr(cw, "current_user", lambda: "ann")
    with desk.server.test_request_context("/"):
        nothing = cw.fetch_draft({"since": "", "local": False})
        assert nothing["items"] is cw.no_update                      # no draft kept yet
        assert nothing["pushed"] == {"updated": "", "fp": {}}         # and the browser is told so
        kept = cw.push_draft({"fp": {"items": "i", "meta": "m"}, "items": ITEMS, "meta": META})["pushed"]
        fresh = cw.fetch_draft({"since": "", "local": False})         # a browser with none
        assert fresh["items"] == ITEMS and fresh["meta"] == META and fresh["show"] is True
        assert "back (1 item, kept on the server" in fresh["toast"]
        assert fresh["pushed"] == kept                               # the browser learns what is stored
        # this browser saw that copy: nothing to take; its own copy, never synced: it stands
        same = cw.fetch_draft({"since": kept["updated"], "local": True})
        assert same["items"] is cw.no_update and same["pushed"] == kept
        assert cw.fetch_draft({"since": "", "local": True})["items"] is cw.no_update
        # a browser holding that very copy (same fingerprints): nothing to send, whatever it saw
        assert cw.fetch_draft({"since": "", "local": False, "fp": {"items": "i", "meta": "m"}}
                              )["items"] is cw.no_update
        # another browser cleared it since: this one follows
        cw.push_draft({"fp": {"items": "e", "meta": "e"}, "items": [], "meta": {}})
        cleared = cw.fetch_draft({"since": kept["updated"], "local": True})
        assert cleared["items"] == [] and "cleared in another browser" in cleared["toast"]
        # an empty copy is not offered to a browser that has none
        assert cw.fetch_draft({"since": "", "local": False})["items"] is cw.no_update


def test_a_store_that_fails_says_the_browser_keeps_it(desk, monkeypatch):
    def broken():
        raise cw.StoreError("the database cannot be opened (gone)")

    monkeypatch.setattr(cw, "_store", broken)
    with desk.server.test_request_context("/"):
        out = cw.push_draft({"fp": {"items": "a", "meta": "b"}, "items": ITEMS})["pushed"]
        assert "kept in this browser only" in out["error"]
        asked = cw.fetch_draft({"since": "", "local": False})
        assert asked["items"] is cw.no_update and "kept in this browser only" in asked["pushed"]["error"]
