"""Workspaces through their callbacks: save the browser's state, list, rename, copy, delete, and
the round trip every page's figures make through a saved workspace and its /w/<id> link.

The independent truth for the round trip is the page opened directly from its own link (its
layout for that query, then its first-load callbacks over Dash's HTTP protocol); the workspace
path saves the same query through the store and rebuilds the page from ``/w/<id>``.
"""
from __future__ import annotations

import json
import sqlite3

import dash
import pytest

from app import Settings, create_app
from callbacks.workspace import open_shared, page_body, save
from components.layout import shell
from components.workspace_view import detach_storage
from components.workspace_state import (SESSION_STORES, query_dict, restore_payload,
                                        run_ids, state_from_snapshot, upload_keys)
from core.store import open_store
from tests.callbacks.dash_run import figures, first_load

KEY_A = "a" * 64
KEY_B = "0123456789abcdef" * 4
#: One non-default view of every desk page (what each page writes into its URL).
PAGES = {
    "/greeks": "?greek=vega&inst=put&view=heatmap&S=105&vol=30&r=3&q=1&xlo=0.6&xhi=1.4&dlo=7&dhi=365",
    "/surface": "?models=svi,sabr&beta=0.7&show=sabr",
    "/strategies": "?template=bull_call_spread&source=custom&S=100&vol=25&r=3&q=0&days=45&width=10",
    "/portfolio": "?obj=min_variance&universe=AAPL,XOM,JPM,MSFT&rf=1",
    "/risk": "?sticky=moneyness&set=span&bucket=moneyness",
    "/calibration": "?models=heston,merton&runs=RUNCAL123456",
    "/backtest": "?run=RUNBT654321",
}
#: Pages whose results come from background jobs (calibration, backtest, the portfolio
#: optimisation): compared by their layout (every input widget) here; their figures after the
#: job ran are compared with the link's in tests/callbacks/test_workspace_jobs.py.
BACKGROUND = ("/calibration", "/backtest", "/portfolio")


@pytest.fixture
def desk(tmp_path):
    app = create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False))
    return app


def _snapshot(pages=PAGES, **extra) -> dict:
    return {"mode": "new", "pages": dict(pages), "last": "/surface",
            "session": {"st-session": "?template=long_call", "risk-saved-book": [
                {"symbol": "SPX 2018-03-16 2700 C", "quantity": 2, "trade_price": 40.0}],
                "pf-data-key": {"prices": {"key": KEY_B, "name": "prices.csv", "size": 2048}},
                "report-items": [], "unrelated-store": {"big": "x"}},
            "report_items": [{"id": "i1", "title": "Vega of a put", "url": "/greeks" + PAGES["/greeks"],
                              "figures": [{"data": [{"type": "heatmap", "z": [[1, 2]]}], "layout": {}}]}],
            "report_meta": {"title": "Desk review", "notes": {"i1": "wings"}}, **extra}


# ---------------------------------------------------------------------------------------------
# the document a save builds
# ---------------------------------------------------------------------------------------------
def test_state_keeps_pages_uploads_runs_session_and_report():
    pages = {**PAGES, "/greeks": PAGES["/greeks"] + f"&data={KEY_A}", "/report": "?x=1",
             "/w/abc": "?y=2", "/nowhere": "?z=3"}
    state, report, left = state_from_snapshot(_snapshot(pages), notes="check wings",
                                              known=tuple(PAGES))
    assert set(state["pages"]) == set(PAGES)                      # /report, /w/..., unknown dropped
    assert state["pages"]["/surface"] == PAGES["/surface"]
    assert state["last"] == "/surface" and state["notes"] == "check wings"
    assert state["runs"] == ["RUNCAL123456", "RUNBT654321"]
    assert state["uploads"][KEY_A]["pages"] == ["/greeks"]         # by key, never bytes
    assert state["uploads"][KEY_B]["name"] == "prices.csv" and state["uploads"][KEY_B]["size"] == 2048
    assert set(state["session"]) == {"st-session", "risk-saved-book", "pf-data-key"}
    assert state["book"]["rows"][0]["symbol"] == "SPX 2018-03-16 2700 C"
    assert [i["id"] for i in report] == ["i1"] and state["report_meta"]["title"] == "Desk review"
    assert left == []


def test_oversized_session_store_is_named_not_kept():
    snap = _snapshot()
    snap["session"]["risk-saved-book"] = [{"symbol": "x" * 1000}] * 600
    state, _, left = state_from_snapshot(snap, known=tuple(PAGES))
    assert "risk-saved-book" not in state["session"] and left and "risk-saved-book" in left[0]


def test_query_parsing_matches_dash():
    from dash._pages import _parse_query_string  # the parser Dash uses for layout(**query)

    for q in PAGES.values():
        assert query_dict(q) == _parse_query_string(q)
    assert upload_keys({"/a": f"?data={KEY_A},{KEY_B.upper()}&other=1"}) == {KEY_A: ["/a"], KEY_B: ["/a"]}
    assert run_ids({"/c": "?runs=a,b", "/b": "?run=c", "/g": "?x=1"}) == ["a", "b", "c"]


def test_restore_payload_writes_pages_session_report_and_current():
    state, report, _ = state_from_snapshot(_snapshot(), notes="n", known=tuple(PAGES))
    ws = {"id": "W" * 32, "name": "Desk", "description": "d", "owner": "", "state": state,
          "report": report}
    p = restore_payload(ws, report_items="report-items", report_meta="report-meta", current="ws-current")
    assert p["to"] == "/surface" + PAGES["/surface"] and p["pages"] == state["pages"]
    assert p["session"]["report-items"] == report and p["session"]["report-meta"]["title"] == "Desk review"
    assert p["session"]["st-session"] == "?template=long_call"
    assert set(p["clear"]) == set(SESSION_STORES) - set(state["session"])
    assert p["local"]["ws-current"] == {"id": "W" * 32, "name": "Desk", "description": "d",
                                        "notes": "n", "owner": ""}


# ---------------------------------------------------------------------------------------------
# save, save over, failures
# ---------------------------------------------------------------------------------------------
def test_save_then_save_over_keeps_id_and_report(desk):
    with desk.server.test_request_context("/"):
        out = save(_snapshot(), None, "Desk review", "Monday", "watch wings")
        cur = out["current"]
        assert out["toast_open"] and out["dialog"] is False and "/w/" + cur["id"] in out["toast"]
        assert len(cur["id"]) == 32
        ws = open_store(desk.server.config["PARITY_SETTINGS"].database_url).open_workspace(cur["id"])
        assert ws.name == "Desk review" and ws.description == "Monday"
        assert ws.state["notes"] == "watch wings" and ws.report[0]["title"] == "Vega of a put"
        assert ws.state["pages"] == PAGES
        # Save (over): same id, new pages, the name/notes of the workspace in use
        snap = _snapshot({"/greeks": "?greek=gamma"}, mode="save")
        again = save(snap, cur, "ignored", "ignored", "ignored")
        assert again["current"]["id"] == cur["id"]
        ws2 = open_store(desk.server.config["PARITY_SETTINGS"].database_url).open_workspace(cur["id"])
        assert ws2.state["pages"] == {"/greeks": "?greek=gamma"} and ws2.name == "Desk review"
        assert ws2.created == ws.created and ws2.updated >= ws.updated


def test_save_without_name_asks_for_one(desk):
    with desk.server.test_request_context("/"):
        out = save(_snapshot(), None, "  ", "", "")
    assert out["alert_open"] and "name must not be empty" in out["alert"].lower()
    assert out["current"] is dash.no_update          # the workspace in use is unchanged


def test_save_over_a_deleted_workspace_says_save_as(desk):
    with desk.server.test_request_context("/"):
        cur = save(_snapshot(), None, "Desk", "", "")["current"]
        open_store(desk.server.config["PARITY_SETTINGS"].database_url).delete_workspace(cur["id"])
        out = save(_snapshot(mode="save"), cur, None, None, None)
    assert out["toast_open"] and "save as" in out["toast"].lower() and out["current"] is dash.no_update


def test_database_gone_mid_session_is_a_message_and_nothing_is_lost(desk, tmp_path):
    from pathlib import Path

    url = desk.server.config["PARITY_SETTINGS"].database_url
    with desk.server.test_request_context("/"):
        cur = save(_snapshot(), None, "Desk", "", "")["current"]
        db = Path(url.replace("sqlite:///", ""))
        db.unlink()                                         # deleted while the app runs
        db.mkdir()                                          # ... and its path is now unusable
        out = save(_snapshot(mode="save"), cur, None, None, None)
        view = open_shared(cur["id"])
    assert out["toast_open"] and "nothing is lost" in out["toast"].lower()
    assert out["current"] is dash.no_update
    assert view["error"] and "Traceback" not in view["error"]


def test_database_file_deleted_mid_session_is_said_not_silently_recreated(desk):
    from pathlib import Path

    url = desk.server.config["PARITY_SETTINGS"].database_url
    with desk.server.test_request_context("/"):
        cur = save(_snapshot(), None, "Desk", "", "")["current"]
        Path(url.replace("sqlite:///", "")).unlink()        # deleted while the app runs
        over = save(_snapshot(mode="save"), cur, None, None, None)
        new = save(_snapshot(), cur, "Desk again", "", "")
        listed = manage_rows(desk)
    for text in (over["toast"], new["alert"], listed["alert"]):
        assert "deleted while Parity was using it" in text and "nothing is lost" in text.lower()
    assert over["current"] is dash.no_update and new["current"] is dash.no_update


def manage_rows(desk) -> dict:
    from callbacks.workspace import manage_action

    return manage_action(None, None, None)


def test_postgres_unreachable_is_a_message(tmp_path):
    from tests.conftest import free_port

    app = create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False,
                              database_url=f"postgresql://parity@127.0.0.1:{free_port()}/parity"))
    with app.server.test_request_context("/"):
        out = save(_snapshot(), None, "Desk", "", "")
        view = open_shared("A" * 32)
    assert out["alert_open"] and "could not be reached" in out["alert"] and "nothing is lost" in out["alert"].lower()
    assert "could not be reached" in view["error"]


# ---------------------------------------------------------------------------------------------
# /w/<id>: unknown, garbled, older versions, empty report
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wid", [None, "", "abc", "x" * 500, "../../etc/passwd", "A" * 32,
                                 "'; DROP TABLE workspaces; --"])
def test_unknown_or_garbled_link_is_a_plain_message(desk, wid):
    with desk.server.test_request_context("/"):
        out = open_shared(wid)
    assert out["error"].startswith("No saved workspace has this link")


def test_workspace_from_a_newer_version_names_both_versions(desk):
    url = desk.server.config["PARITY_SETTINGS"].database_url
    with desk.server.test_request_context("/"):
        cur = save(_snapshot(), None, "Desk", "", "")["current"]
    con = sqlite3.connect(url.replace("sqlite:///", ""))
    con.execute("UPDATE workspaces SET version = 7 WHERE id = ?", (cur["id"],))
    con.commit()
    con.close()
    with desk.server.test_request_context("/"):
        out = open_shared(cur["id"])
    assert "newer Parity" in out["error"] and "7" in out["error"] and "1" in out["error"]


def test_empty_report_and_missing_upload_are_said(desk):
    snap = _snapshot({"/greeks": f"?greek=gamma&data={KEY_A}"})
    snap["report_items"] = []
    with desk.server.test_request_context("/"):
        cur = save(snap, None, "Desk", "", "")["current"]
        out = open_shared(cur["id"])
        body = page_body(out["doc"], "report")
    text = json.dumps(body.to_plotly_json(), default=lambda c: c.to_plotly_json())
    assert "no report items" in text
    head = json.dumps(out["head"].to_plotly_json(), default=lambda c: c.to_plotly_json())
    assert "no longer stored on this server" in head and "prices.csv" in head  # KEY_B: named, missing


# ---------------------------------------------------------------------------------------------
# the round trip: every page opened from its link == the same page opened from /w/<id>
# ---------------------------------------------------------------------------------------------
def _tree(component) -> str:
    return json.dumps(component, default=lambda c: c.to_plotly_json(), sort_keys=True)


def _as_in_a_tab(layout, session: dict):
    """The page as a browser tab holding ``session`` in its sessionStorage shows it: a
    ``dcc.Store(storage_type="session")`` takes its stored value on mount."""
    stack = [layout]
    while stack:
        c = stack.pop()
        if getattr(c, "storage_type", None) == "session" and getattr(c, "id", None) in session:
            c.data = session[c.id]
        kids = getattr(c, "children", None)
        stack.extend(k for k in (kids if isinstance(kids, (list, tuple)) else [kids])
                     if hasattr(k, "to_plotly_json"))
    return layout


def test_every_page_round_trips_through_a_saved_workspace(desk):
    client = desk.server.test_client()
    base = {}
    _walk_shell = shell()
    from tests.callbacks.dash_run import _walk

    _walk(_walk_shell, base)
    with desk.server.test_request_context("/"):
        wid = save(_snapshot(), None, "Round trip", "", "")["current"]["id"]
        view = open_shared(wid)
    assert view["error"] is None
    assert [t.tab_id for t in view["tabs"]][:-1] == [p for p in [
        pg["path"] for pg in sorted(dash.page_registry.values(), key=lambda p: p.get("order", 99))]
        if p in PAGES]
    compared = []
    for path, query in PAGES.items():
        page = next(p for p in dash.page_registry.values() if p["path"] == path)
        direct = page["layout"](**query_dict(query))
        with desk.server.test_request_context(f"/w/{wid}"):
            linked, held = page_body(view["doc"], path).children
        # the same inputs, every widget; its browser-backed stores hold the saved session
        # values instead (the view writes nothing into the viewer's storage)
        expected = page["layout"](**query_dict(query))
        kept = detach_storage(expected, view["doc"]["session"])
        assert _tree(linked) == _tree(expected), path
        assert held.id == "ws-view-held" and held.data == kept, path
        if path in BACKGROUND:
            continue
        a = figures(first_load(client, _as_in_a_tab(direct, _snapshot()["session"]), base))
        b = figures(first_load(client, linked, base))
        assert a, f"{path}: no figure was drawn"
        assert a.keys() == b.keys() and all(a[k] == b[k] for k in a), path
        if path == "/risk":      # the saved book is drawn (not the page's example book)
            example = figures(first_load(client, page["layout"](**query_dict(query)), base))
            assert example != a
        compared.append(path)
    assert compared == ["/greeks", "/surface", "/strategies", "/risk"]
    # not vacuous: the saved inputs change the figures (defaults draw something else)
    greeks = next(p for p in dash.page_registry.values() if p["path"] == "/greeks")
    default = figures(first_load(client, greeks["layout"](), base))
    saved = figures(first_load(client, greeks["layout"](**query_dict(PAGES["/greeks"])), base))
    assert any(default[k] != saved[k] for k in default)


# ---------------------------------------------------------------------------------------------
# permissions come from callbacks.session only
# ---------------------------------------------------------------------------------------------
def test_private_workspace_is_refused_and_viewers_cannot_save_or_copy(desk, monkeypatch):
    import callbacks.workspace as cw
    from callbacks.workspace import select

    with desk.server.test_request_context("/"):
        wid = save(_snapshot(), None, "Desk", "", "")["current"]["id"]
    monkeypatch.setattr(cw, "may_read", lambda owner, sharing=None: False)
    with desk.server.test_request_context("/"):
        assert open_shared(wid)["error"].startswith("This workspace is private")
        assert cw.manage_action(None, None, None)["rows"] == []         # not listed either
    monkeypatch.setattr(cw, "may_read", lambda owner, sharing=None: True)
    monkeypatch.setattr(cw, "may_edit", lambda: False)
    with desk.server.test_request_context("/"):
        out = save(_snapshot(), None, "Other", "", "")
        assert out["alert_open"] and "viewer" in out["alert"] and out["current"] is dash.no_update
        assert open_shared(wid)["can_copy"] is False
        sel = select([{"id": wid, "name": "Desk"}])
        assert sel["delete_off"] and sel["copy_off"] and sel["delete_style"] == {"display": "none"}
        assert sel["link"].endswith(f"/w/{wid}") and not sel["open_off"]
        renamed = cw.manage_action(cw.ids.GRID, [{"data": {"id": wid}, "value": "New"}], None)
    assert "viewer" in renamed["alert"]
    assert open_store(desk.server.config["PARITY_SETTINGS"].database_url).open_workspace(wid).name == "Desk"


def test_owner_is_the_current_user(desk, monkeypatch):
    import callbacks.workspace as cw

    monkeypatch.setattr(cw, "current_user", lambda: "ana")
    with desk.server.test_request_context("/"):
        wid = save(_snapshot(), None, "Desk", "", "")["current"]["id"]
        rows = cw.manage_action(None, None, None)["rows"]
    assert rows[0]["owner"] == "ana" and rows[0]["id"] == wid


def test_save_list_open_on_postgres(tmp_path, postgres_url):
    from callbacks.workspace import manage_action

    app = create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False, database_url=postgres_url))
    with app.server.test_request_context("/"):
        cur = save(_snapshot(), None, "Desk on PostgreSQL", "pg", "n")["current"]
        rows = manage_action(None, None, None)["rows"]
        view = open_shared(cur["id"])
    assert [r["name"] for r in rows] == ["Desk on PostgreSQL"]
    assert view["error"] is None and view["doc"]["pages"] == PAGES
    assert view["doc"]["report"][0]["title"] == "Vega of a put"
