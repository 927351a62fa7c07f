"""Risk page callbacks called directly: first load, evaluation, bad rows, URL state, figures,
drill-down, hedge and download."""
import base64

import pytest

from callbacks.risk import (default_rows, download, drill, evaluate, render, run_hedge,
                            set_rows, spec_from_inputs, update)
from components.risk_state import (DEFAULTS, LIMIT_FIELDS, from_query, rows_from_text,
                                   rows_to_text, to_query)
from core.risk import Book, book_greeks
from callbacks.risk import market

BUILDER = {"spot": -10.0, "vol": 10.0, "skew": 2.0, "term": -2.0, "days": 1.0, "rate": 0.0}


@pytest.fixture(scope="module")
def rows():
    return default_rows()


def test_default_book_is_meaningful(rows):
    book = Book.from_rows(rows)
    assert len(book) == 9 and not book.errors
    t = book_greeks(book, market()).totals
    assert t["n_left_out"] == 2 and t["vega"] != 0 and t["gamma"] != 0   # AAPL, JPM: stock side


def test_update_outputs(rows):
    out = update(rows, "strike", dict(LIMIT_FIELDS), BUILDER, "historical", "expiry")
    rep = out["report"]
    assert rep["greeks"]["totals"]["n_valued"] == 7
    assert rep["stocks"]["tickers"] == ["AAPL", "JPM"] and not rep["messages"]
    assert out["query"].startswith("?book=")
    from urllib.parse import parse_qsl
    assert from_query(dict(parse_qsl(out["query"][1:])))["book"] == rows_to_text(rows)
    assert rep["custom"]["table"][0]["spot"] == pytest.approx(-0.10)
    assert out["saved"] == rows
    assert out["alert"] == "" and not out["open"]


def test_bad_rows_are_listed_and_the_rest_valued(rows):
    bad = rows + [{"symbol": "XX YY", "quantity": 1}, {"symbol": "SPX", "quantity": "ten"}]
    res = evaluate(bad, "strike", {}, BUILDER)
    assert res["report"]["greeks"]["totals"]["n_valued"] == 7
    assert any(e.startswith("Row 10 (XX YY)") for e in res["errors"])
    assert any(e.startswith("Row 11 (SPX)") and "not a number" in e for e in res["errors"])
    empty = evaluate([], "strike", {}, BUILDER)
    assert "Nothing in the book" in empty["alert"]


def test_spec_units():
    s = spec_from_inputs("moneyness", {"delta": 1e5, "vega": None}, BUILDER)
    assert s["sticky"] == "moneyness" and s["limits"] == {"delta": 1e5}
    sc = s["scenarios"][0]
    assert sc["spot"] == pytest.approx(-0.1) and sc["skew"] == pytest.approx(0.02)
    assert sc["days"] == 1.0 and sc["rate"] == 0.0


def test_url_state_round_trip(rows):
    text = rows_to_text(rows)
    assert rows_from_text(text)[0]["symbol"] == rows[0]["symbol"]
    assert rows_from_text(text)[0]["quantity"] == rows[0]["quantity"]
    q = to_query({**DEFAULTS, "book": text, "sticky": "moneyness"})
    from urllib.parse import parse_qsl
    back = from_query(dict(parse_qsl(q[1:])))
    assert back["sticky"] == "moneyness" and back["book"] == text
    junk = from_query({"sticky": "x", "l_delta": "abc", "s_spot": "1e9"})
    assert junk["sticky"] == "strike" and junk["l_delta"] == DEFAULTS["l_delta"]
    assert junk["s_spot"] == DEFAULTS["s_spot"]


def test_render_and_drill(rows):
    rep = update(rows, "strike", dict(LIMIT_FIELDS), BUILDER, "span", "expiry")["report"]
    figs = render(rep, "span", "moneyness", True)
    assert "SPAN" in figs["scen"].layout.title.text
    assert figs["ladder"].layout.template.layout.paper_bgcolor is not None
    assert figs["buckets"].layout.title.text.startswith("Greeks by moneyness")
    d = drill(None, rep, "span", False)["fig"]
    worst = min(rep["span"]["table"], key=lambda r: r["pnl"])["name"]
    assert worst in d.layout.title.text
    assert "Nothing" in render(None, "span", "expiry", False)["ladder"].layout.annotations[0].text


def test_hedge_and_download(rows):
    out = run_hedge(1, rows, ["delta"], "strike")
    assert abs(out["store"]["after"]["delta"]) < 1e-3 and out["apply"] is False
    bad = run_hedge(1, rows, [], "strike")
    assert bad["apply"] is True
    csv = _call(download, "risk-download-btn.n_clicks", n=1, rows=rows)["data"]["content"]
    assert Book.from_csv(csv).positions == Book.from_rows(rows).positions
    rep = update(rows, "strike", dict(LIMIT_FIELDS), BUILDER, "span", "expiry")["report"]
    js = _call(download, "risk-export-json.n_clicks", n=None, nj=1, rows=rows, rep=rep)
    import json
    assert json.loads(js["data"]["content"])["greeks"]["totals"] == rep["greeks"]["totals"]
    html = _call(download, "risk-export-html.n_clicks", n=None, nh=1, rows=rows, rep=rep)
    assert "Risk matrix" in html["data"]["content"] and "<script" in html["data"]["content"]


def _call(fn, prop_id, **kw):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    return fn(**kw)


def test_upload_keeps_bad_rows_in_the_grid(parity):
    import hashlib

    text = b"symbol,quantity,trade_price\nSPX 2011-03-19 1250 P,-10,31.4\nNO PE,1,1\n"
    url = "data:text/csv;base64," + base64.b64encode(text).decode()
    with parity.server.app_context():     # the upload is kept in the app's store
        out = _call(set_rows, "risk-upload-file.data", upload={"contents": url, "filename": "b.csv"},
                    add=None, reset=None, clear=None, apply=None, init={}, rows=[], saved=None,
                    hedge_data=None)
    assert out["record"] == {"key": hashlib.sha256(text).hexdigest(), "name": "b.csv", "size": len(text)}
    assert len(out["rows"]) == 2 and "Uploaded 1 positions" in out["alert"]
    assert out["rows"][0]["quantity"] == -10.0 and out["rows"][1]["symbol"] == "NO PE"
    assert "1 rows left out" in out["alert"]


def test_other_pages_add_rows_through_the_url():
    out = _call(set_rows, ".", upload=None, add=None, reset=None, clear=None, apply=None,
                init={"book": False, "add": "SPX 2011-06-18 1300 C,5,,100;AAPL,10,,1"},
                rows=[], saved=[{"symbol": "SPX", "quantity": 1.0}], hedge_data=None)
    assert [r["symbol"] for r in out["rows"]] == ["SPX", "SPX 2011-06-18 1300 C", "AAPL"]
    first = _call(set_rows, ".", upload=None, add=None, reset=None, clear=None, apply=None,
                  init={"book": False, "add": ""}, rows=[], saved=None, hedge_data=None)
    assert first["rows"] == default_rows()


def test_valuation_date_input(rows):
    import datetime as dt
    out = update(rows, "strike", dict(LIMIT_FIELDS), BUILDER, "historical", "expiry", vdays=10)
    d0 = market().valuation_date
    assert out["report"]["market"]["date"] == (d0 + dt.timedelta(days=10)).isoformat()
    assert "vdays=10" in out["query"]
    base = update(rows, "strike", dict(LIMIT_FIELDS), BUILDER, "historical", "expiry")
    assert out["report"]["greeks"]["totals"]["value"] != base["report"]["greeks"]["totals"]["value"]
    junk = update(rows, "strike", dict(LIMIT_FIELDS), BUILDER, "historical", "expiry", vdays="x")
    assert junk["report"]["market"]["date"] == d0.isoformat()
