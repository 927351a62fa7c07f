""""Add to book" (issue 14): Strategies' legs and Portfolio's weights open /risk with the rows
added, through the Risk page's own ``?add=`` mechanism, and the Risk page values them."""
from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

from components.risk_state import BUILDER_FIELDS, LIMIT_FIELDS, rows_from_text
from core.data import sample_chain


def _call(fn, prop_id, **kw):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    return fn(**kw)


def _added_rows(href: str) -> list[dict]:
    u = urlparse(href)
    assert u.path == "/risk"
    return rows_from_text(parse_qs(u.query)["add"][0])


def _open_risk(href: str) -> tuple[list[dict], dict]:
    """What the Risk page does with the link on a first visit with an empty saved book."""
    from callbacks.risk import set_rows, update

    init = {"book": False, "add": parse_qs(urlparse(href).query)["add"][0]}
    grid = _call(set_rows, ".", upload=None, add=None, reset=None, clear=None, apply=None, init=init,
                 rows=[], saved=[{"symbol": "CASH", "quantity": 1000.0}], hedge_data=None)["rows"]
    rep = update(grid, "strike", dict(LIMIT_FIELDS), {k: v[2] for k, v in BUILDER_FIELDS.items()},
                 "historical", "expiry")
    return grid, rep


def test_strategies_legs_land_in_the_book_with_their_expiry_dates():
    from callbacks.strategies import book_link, evaluate, template_rows

    rows, m = template_rows("iron_condor", spot=100, vol=0.2, r=0.03, q=0.01, days=30, width=0.05, source="spx")
    a, _ = evaluate(rows, dict(spot=m["spot"], vol=0.2, r=m["r"], q=m["q"]), dict(lots=3, multiplier=100),
                    source="spx")
    href = book_link(a, "spx")
    added = _added_rows(href)
    day = sample_chain().quote_date
    want = []
    for r in rows:                       # the grid's own rows: type, strike, days, qty, price
        exp = day + dt.timedelta(days=round(float(r["days"])))
        want.append((f"SPX {exp.isoformat()} {r['strike']:g} {r['type']}", 3.0 * r["qty"], 100.0))
    assert [(x["symbol"], x["quantity"], x["multiplier"]) for x in added] == want
    assert [x["trade_price"] for x in added] == pytest.approx([r["price"] for r in rows])
    # every listed expiry is one of the chain's own
    listed = {e.date() for e in sample_chain().expiries["expiry"]}
    assert {day + dt.timedelta(days=round(float(r["days"]))) for r in rows} <= listed
    grid, out = _open_risk(href)
    assert [g["symbol"] for g in grid[1:]] == [w[0] for w in want]
    rep = out["report"]
    assert rep is not None and rep["messages"] == [] and rep["greeks"]["totals"]["n_valued"] == 5
    assert book_link(a, "flat") is None       # flat-vol legs are not on the Risk page's chain


def test_portfolio_weights_land_in_the_book_as_share_counts():
    from callbacks.portfolio import book_link, build_spec, data_for
    from components.portfolio_state import DEFAULTS, views_from_text
    from core.data import sample_prices
    from core.portfolio.allocation import allocate

    prices, sectors = data_for(None)
    state = {**DEFAULTS, "views": views_from_text(DEFAULTS["views"]), "obj": "min_variance",
             "universe": ["AAPL", "JPM", "XOM"], "wmax": 80.0}
    alloc = allocate(prices, sectors, build_spec(state))
    result = {"allocation": alloc.to_dict()}
    href, note = book_link(result, None, 2_000_000)
    added = {r["symbol"]: r for r in _added_rows(href)}
    raw = sample_prices()
    last = alloc.weights.index  # tickers
    end = raw.loc[:str(alloc.spec.end)].dropna(how="all").index[-1] if alloc.spec.end else raw.index[-1]
    for t in last:
        w = float(alloc.weights[t])
        px = float(raw.loc[:end, t].dropna().iloc[-1])
        assert added[t]["quantity"] == pytest.approx(w * 2_000_000 / px, rel=1e-9)
        assert added[t]["trade_price"] == pytest.approx(px, rel=1e-9)
    assert "3 stock positions" in note and "$2,000,000" in note
    grid, out = _open_risk(href)
    rep = out["report"]
    assert rep["messages"] == [] and sorted(rep["stocks"]["tickers"]) == ["AAPL", "JPM", "XOM"]
    with pytest.raises(Exception, match="notional must be"):
        book_link(result, None, "lots")
    # what the page sends instead of the result: the same link from a few hundred bytes
    import json

    from callbacks.portfolio import book_basis

    basis = json.loads(json.dumps(book_basis(result)))     # as the dcc.Store carries it
    assert book_link(basis, None, 2_000_000) == (href, note)
    assert len(json.dumps(basis)) < len(json.dumps(result)) / 20
