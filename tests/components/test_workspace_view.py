"""The read-only view's tree rewrite: no browser-backed store or persisted control survives it,
and the stores hold the workspace's saved values (checked on hand-built trees and on every real
page layout of the app)."""
from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
import pytest
from dash import dcc, html

from app import Settings, create_app
from callbacks.workspace import page_body
from components.ids import WorkspaceView
from components.workspace_view import detach_storage, held_store


def _tree():
    return html.Div([
        dcc.Store(id="s-session", storage_type="session", data={"mine": 1}),
        dcc.Store(id="s-local", storage_type="local"),
        dcc.Store(id="s-memory", data=[1, 2]),
        dbc.Input(id="in", value=3, persistence=True, persistence_type="session"),
        # components inside a non-children property and deep down
        dbc.Tabs([dbc.Tab(html.Div(dcc.Store(id={"type": "deep", "n": 1},
                                              storage_type="session")), label="t")]),
        dcc.Loading(html.Div(), custom_spinner=html.Span(dcc.Input(id="lab", persistence="k"))),
    ])


def _all(node):
    out, stack = [], [node]
    while stack:
        c = stack.pop()
        out.append(c)
        for name in c._prop_names:
            v = getattr(c, name, None)
            if isinstance(v, dash.development.base_component.Component):
                stack.append(v)
            elif isinstance(v, (list, tuple)):
                stack.extend(x for x in v if isinstance(x, dash.development.base_component.Component))
    return out


def test_stores_become_memory_seeded_from_the_saved_values():
    tree = _tree()
    held = detach_storage(tree, {"s-local": ["saved"], "other": 5})
    by_id = {json.dumps(getattr(c, "id", None), sort_keys=True): c for c in _all(tree)}
    assert by_id['"s-session"'].storage_type == "memory"
    assert by_id['"s-session"'].data == {"mine": 1}          # nothing saved: the page's own
    assert by_id['"s-local"'].storage_type == "memory" and by_id['"s-local"'].data == ["saved"]
    assert getattr(by_id['"s-memory"'], "storage_type", "memory") == "memory"
    assert by_id['"s-memory"'].data == [1, 2]
    assert by_id['{"n": 1, "type": "deep"}'].storage_type == "memory"
    assert by_id['"in"'].persistence is False and by_id['"lab"'].persistence is False
    assert held == {"s-session": None, "s-local": ["saved"], '{"n":1,"type":"deep"}': None}
    store = held_store(held)
    assert store.id == WorkspaceView.HELD and store.data == held
    assert getattr(store, "storage_type", "memory") == "memory"


def test_saved_none_and_junk_leave_the_page_data():
    tree = html.Div(dcc.Store(id="a", storage_type="session", data=7))
    assert detach_storage(tree, None) == {"a": None}
    assert tree.children.data == 7 and tree.children.storage_type == "memory"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(data_dir=str(tmp_path_factory.mktemp("var")), warm_numba=False))


def test_every_page_drawn_in_the_view_keeps_off_the_browser_storage(app):
    """Each desk page as the view draws it: not one session/local store or persisted control
    left, while the same page drawn by itself has some (so the check can fail)."""
    pages = [p for p in dash.page_registry.values() if p.get("order", 99) < 90]
    saved = {"risk-saved-book": [{"symbol": "SPX 2019-02-15 2510 C", "quantity": 10.0,
                                  "trade_price": 70.4, "multiplier": 100.0}]}
    backed = 0
    with app.server.test_request_context():
        for page in pages:
            own = _all(page["layout"]())
            backed += sum(1 for c in own if getattr(c, "storage_type", "memory") != "memory"
                          or getattr(c, "persistence", None))
            body = page_body({"pages": {page["path"]: ""}, "session": saved}, page["path"])
            drawn = _all(body)
            left = [(page["path"], getattr(c, "id", None)) for c in drawn
                    if getattr(c, "storage_type", "memory") != "memory"
                    or getattr(c, "persistence", None)]
            assert left == []
            if page["path"] == "/risk":
                book = next(c for c in drawn if getattr(c, "id", None) == "risk-saved-book")
                assert book.data == saved["risk-saved-book"]
                held = next(c for c in drawn if getattr(c, "id", None) == WorkspaceView.HELD)
                assert held.data == {"risk-saved-book": saved["risk-saved-book"]}
    assert backed >= 5        # Strategies, Risk, Portfolio stores and Portfolio's controls
