"""Strategy builder logic called directly: templates, invalid legs, closed-form checks."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from callbacks.strategies import evaluate, greeks_link, legs_from_rows, template_rows
from components.strategy_figures import mc_figure, payoff_figure, pnl_heatmap_figure
from components.strategy_state import DEFAULTS, from_query, rows_from_text, rows_to_text, to_query
from core.errors import ParityError

MARKET = dict(spot=100.0, vol=0.2, r=0.03, q=0.01)


def _bs(S, K, T, r, q, v, call):
    d1 = (math.log(S / K) + (r - q + v * v / 2) * T) / (v * math.sqrt(T))
    d2 = d1 - v * math.sqrt(T)
    if call:
        return S * math.exp(-q * T) * norm.cdf(d1) - K * math.exp(-r * T) * norm.cdf(d2)
    return K * math.exp(-r * T) * norm.cdf(-d2) - S * math.exp(-q * T) * norm.cdf(-d1)


def test_iron_condor_breakevens_and_extremes_equal_their_closed_forms():
    rows, market = template_rows("iron_condor", spot=100, vol=0.2, r=0.03, q=0.01, days=30, width=0.05,
                                 source="flat")
    p = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=0), name="iron_condor")
    K = sorted(r["strike"] for r in rows)
    credit = sum(-r["qty"] * r["price"] for r in rows)
    # entry prices are Black-Scholes at the market vol (independent formula)
    T = 30 / 365
    for r in rows:
        assert r["price"] == pytest.approx(_bs(100, r["strike"], T, 0.03, 0.01, 0.2, r["type"] == "C"), abs=1e-4)
    assert p["breakevens"] == pytest.approx([K[1] - credit, K[2] + credit], abs=1e-9)
    assert p["max_profit"] == pytest.approx(credit, abs=1e-9)
    assert p["max_loss"] == pytest.approx((K[1] - K[0]) - credit, abs=1e-9)
    # lognormal probability of profit: the forward lands between the breakevens
    F = 100 * math.exp(0.02 * T)
    sd = 0.2 * math.sqrt(T)
    cdf = lambda x: norm.cdf((math.log(x / F) + sd * sd / 2) / sd)
    pop = cdf(K[2] + credit) - cdf(K[1] - credit)
    assert p["pop"]["lognormal"]["pop"] == pytest.approx(pop, abs=1e-9)
    assert abs(p["pop"]["mc"]["pop"] - pop) < 3 * math.sqrt(pop * (1 - pop) / 1e5) + 1e-3


def test_invalid_legs_are_flagged_and_skipped_not_fatal():
    rows = [{"type": "C", "strike": 100, "days": 30, "qty": 1, "price": None, "vol": None},
            {"type": "P", "strike": -5, "days": 30, "qty": 1, "price": 1.0, "vol": None},
            {"type": "C", "strike": 100, "days": -3, "qty": 1, "price": 1.0, "vol": None},
            {"type": "C", "strike": 100, "days": 30, "qty": 0, "price": 1.0, "vol": None}]
    legs, errors = legs_from_rows(rows, MARKET)
    assert len(legs) == 1 and len(errors) == 3
    assert "Row 2: strike must be > 0" in errors[0] and "past" in errors[1] and "zero" in errors[2]
    # the missing price is filled with Black-Scholes at the market vol
    assert legs[0].price == pytest.approx(_bs(100, 100, 30 / 365, 0.03, 0.01, 0.2, True), rel=1e-12)
    p = evaluate(rows, MARKET, dict(dS=0, dvol=0, dfwd=0))
    assert len(p["errors"]) == 3
    with pytest.raises(ParityError, match="no valid legs"):
        evaluate(rows[1:], MARKET, dict(dS=0, dvol=0, dfwd=0))


def test_what_if_shifts_move_greeks_and_curves():
    rows, market = template_rows("long_straddle", spot=100, vol=0.2, r=0.0, q=0.0, days=60, width=0.05,
                                 source="flat")
    base = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=0), name="long_straddle")
    up = evaluate(rows, market, dict(dS=0, dvol=5, dfwd=0), name="long_straddle")
    assert up["greeks"]["price"] > base["greeks"]["price"]            # long vega
    later = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=30), name="long_straddle")
    assert later["greeks"]["price"] < base["greeks"]["price"]          # theta decay
    assert [c["label"] for c in later["curves"]][:2] == ["today", "in 30 days"]
    for fig in (payoff_figure(base), pnl_heatmap_figure(base), mc_figure(base)):
        assert fig.layout.title.text and fig.layout.xaxis.title.text
    assert base["mc"]["var"] > 0 and base["mc"]["cvar"] >= base["mc"]["var"]


def test_spx_source_snaps_to_listed_strikes_and_gives_an_rnd_probability():
    from core.data import sample_chain

    rows, market = template_rows("bull_call_spread", spot=0, vol=0.2, r=0, q=0, days=60, width=0.05, source="spx")
    listed = set(sample_chain().quotes["strike"])
    import arch.data.sp500       # the embedded chain is modelled on 2018-12-31's real close
    close = float(arch.data.sp500.load().loc["2018-12-31", "Close"])
    assert all(r["strike"] in listed for r in rows) and market["spot"] == pytest.approx(close)
    p = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=0), name="bull_call_spread", source="spx")
    assert 0 < p["pop"]["rnd"]["pop"] < 1


def test_url_round_trip_and_greeks_link():
    rows = [{"type": "C", "strike": 100.0, "days": 30.0, "qty": 1.0, "price": 2.5, "vol": 20.0},
            {"type": "S", "strike": None, "days": None, "qty": -50.0, "price": None, "vol": None}]
    assert rows_from_text(rows_to_text(rows)) == rows
    from urllib.parse import parse_qsl
    state = {**DEFAULTS, "legs": rows_to_text(rows), "template": "custom", "dfwd": 12.0}
    assert from_query(dict(parse_qsl(to_query(state)[1:]))) == state
    legs, _ = legs_from_rows(rows, MARKET)
    link = greeks_link(legs, MARKET)
    assert link.startswith("/greeks?") and "inst=position" in link and "dhi=30" in link


def test_surface_vol_modes_sticky_strike_and_sticky_delta():
    from callbacks.strategies import _sample_surface
    from core.pricing import bs_price

    rows, market = template_rows("long_call", spot=0, vol=0.2, r=0, q=0, days=60, width=0.05, source="spx")
    K, T = rows[0]["strike"], rows[0]["days"] / 365
    view = dict(dS=-10, dvol=0, dfwd=0)
    strike = evaluate(rows, market, {**view, "vol_mode": "strike"}, name="long_call", source="spx")
    delta = evaluate(rows, market, {**view, "vol_mode": "delta"}, name="long_call", source="spx")
    S1 = market["spot"] * 0.9
    surf = _sample_surface()
    # sticky strike: the call keeps the surface vol at its strike
    expected = bs_price(S1, K, T, market["r"], market["q"], float(surf.implied_vol(K, T)), True)
    assert strike["greeks"]["price"] == pytest.approx(float(expected), rel=1e-9)
    # sticky delta: the vol of the same moneyness K/S, higher up the (downward) skew's wing
    expected = bs_price(S1, K, T, market["r"], market["q"],
                        float(surf.implied_vol(K * market["spot"] / S1, T)), True)
    assert delta["greeks"]["price"] == pytest.approx(float(expected), rel=1e-9)
    assert delta["greeks"]["price"] < strike["greeks"]["price"]
