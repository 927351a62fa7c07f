"""Issue 11 §6: export callbacks and the error branches of pages whose tests only covered their
helpers (Strategies and Portfolio exports, Backtest's trade export, Home, Runs), called as Dash
calls them. Expected values come from the core objects the pages were given (the allocation's
own weights, the legs sent), never from the page's output helpers."""
from __future__ import annotations

import contextlib
import io
import json
import logging
import re

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app import Settings, create_app
from components.ids import Runs as runs_ids
from components.ids import Strategies as st_ids
from core.errors import ParityError

StoreError = ParityError        # what the store raises (a ParityError with the reason)


@contextlib.contextmanager
def triggered(prop_id: str):
    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    try:
        yield
    finally:
        context_value.reset(token)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(data_dir=str(tmp_path_factory.mktemp("var")), warm_numba=False))


@pytest.fixture()
def ctx(app):
    with app.server.test_request_context():
        yield app


def _body(csv_text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO("\n".join(ln for ln in csv_text.splitlines()
                                             if not ln.startswith("#"))))


# -------------------------------------------------------------------------------- Strategies
LEGS = [dict(type="call", strike=105.0, days=30, qty=1, price=2.5, vol=20.0),
        dict(type="put", strike=95.0, days=30, qty=-2, price=1.75, vol=22.5)]


def _strategy_export(prop, **kw):
    from callbacks.strategies import export

    args = dict(csv=None, js=None, html_=None, rows=LEGS,
                query="?template=strangle&S=100&vol=20&r=3&q=1&days=30", source="flat",
                payoff={"data": [], "layout": {"title": {"text": "Payoff"}}}, heat=None, mc=None)
    args.update(kw)
    with triggered(f"{prop}.n_clicks"):
        return export(**args)["download"]


def test_strategies_export_csv_holds_the_legs_and_the_market_context(ctx):
    out = _strategy_export(st_ids.EXPORT_CSV)
    assert out["filename"] == "parity-position.csv" and out["type"] == "text/csv"
    table = _body(out["content"])
    assert table["strike"].tolist() == [105.0, 95.0] and table["qty"].tolist() == [1, -2]
    assert table["vol_pct"].tolist() == [20.0, 22.5]
    head = [ln for ln in out["content"].splitlines() if ln.startswith("#")]
    assert any("template: strangle" in ln for ln in head) and any("units" in ln for ln in head)


def test_strategies_export_json_and_html(ctx):
    js = json.loads(_strategy_export(st_ids.EXPORT_JSON)["content"])
    assert js["legs"] == LEGS and js["context"]["S"] == "100"
    page = _strategy_export(st_ids.EXPORT_HTML)
    assert page["type"] == "text/html" and "<h3>Parity strategy</h3>" in page["content"]
    assert len(re.findall(r"Plotly\.newPlot", page["content"])) == 1   # only the figure given
    # context values are escaped into the page
    evil = _strategy_export(st_ids.EXPORT_HTML, query="?template=<script>x</script>")
    assert "<script>x</script>" not in evil["content"]


# -------------------------------------------------------------------------------- Portfolio
def test_portfolio_export_is_the_allocations_weights(ctx):
    from callbacks.portfolio import build_spec, data_for, export
    from components.portfolio_state import DEFAULTS, views_from_text
    from core.portfolio.allocation import allocate

    assert export(1, None) is no_update
    prices, sectors = data_for(None)
    state = {**DEFAULTS, "views": views_from_text(DEFAULTS["views"]), "obj": "min_variance",
             "universe": ["AAPL", "XOM", "JPM", "PFE", "WMT"]}
    alloc = allocate(prices, sectors, build_spec(state))
    out = export(1, {"allocation": alloc.to_dict(), "data_name": "embedded prices"})
    assert out["type"] == "text/csv" and out["filename"].startswith("parity-weights-min_variance-")
    table = _body(out["content"]).set_index("ticker")
    np.testing.assert_allclose(table.loc[alloc.weights.index, "weight"].to_numpy(),
                               alloc.weights.to_numpy(), rtol=1e-12, atol=1e-15)


# -------------------------------------------------------------------------------- Backtest
def test_backtest_trade_export_asks_the_grid_for_its_csv(ctx):
    from callbacks.backtest import export_trades

    assert export_trades(1) == {"export": True}


# -------------------------------------------------------------------------------- Home
def test_home_fill_turns_failures_into_messages(ctx, monkeypatch, caplog):
    import callbacks.home as page

    ok = page.fill(None)                       # a fresh data folder: an empty registry
    assert "No runs yet" in json.dumps(ok["runs"].to_plotly_json(), default=str)

    def broken(*a, **k):
        raise ValueError("bad parquet footer")

    def locked(*a, **k):
        raise StoreError("the database is locked")

    monkeypatch.setattr(page, "data_summary", broken)
    monkeypatch.setattr(page, "recent_runs", locked)
    with caplog.at_level(logging.ERROR):
        out = page.fill(None)
    data = json.dumps(out["data"].to_plotly_json(), default=str)
    runs = json.dumps(out["runs"].to_plotly_json(), default=str)
    assert "could not be read; the error was logged" in data and "parquet" not in data
    assert "The runs registry could not be read: the database is locked" in runs
    assert any("data summary failed" in r.message for r in caplog.records)


# -------------------------------------------------------------------------------- Runs
def test_runs_page_error_branches(ctx, monkeypatch):
    import callbacks.runs as page

    with triggered(f"{runs_ids.DELETE}.n_clicks"):
        ask = page.manage(None, "all", None, None, 1, None, [], None)
        assert ask["show"] is True and ask["color"] == "warning"
        assert ask["text"] == "Tick the runs to delete first."
        assert page.confirm_delete(1, None, None, []) == dict(open=False, text=no_update)
    assert "Tick two or more" in json.dumps(page.compare([{"id": "x"}]).to_plotly_json())

    def down():
        raise StoreError("could not connect to the database")

    monkeypatch.setattr(page, "_store", down)
    with triggered(f"{runs_ids.REFRESH}.n_clicks"):
        out = page.manage(1, "all", None, None, None, None, [], None)
    assert out["rows"] is no_update and out["color"] == "danger"
    assert out["text"] == ("The runs registry could not be changed or read: could not connect to "
                           "the database")
    shown = page.compare([{"id": "a"}, {"id": "b"}])
    assert "could not connect" in json.dumps(shown.to_plotly_json())


def test_home_names_every_data_set_it_offers_and_says_uploads_are_kept():
    """Home listed the chain and the prices but not the real SPXW sample the Backtest lab runs
    on, and said uploads were not kept on the server, which the README (and the store) contradict."""
    import json

    from callbacks.backtest import real_path
    from callbacks.home import data_summary
    from tests.conftest import shared_file

    shared_file("spxw_2018-01_02.csv")                 # the sample is on this machine
    assert real_path() is not None
    text = json.dumps(data_summary().to_plotly_json(), default=str)
    assert "SPXW option quotes" in text and "Backtest" in text
    assert "kept on this server" in text and "not shared between pages or kept on the server" not in text
