"""Strategy builder logic called directly: templates, invalid legs, closed-form checks, the
what-if view reaching every number (PoP, VaR, Greeks), exports."""
from __future__ import annotations

import io

import json

from plotly.utils import PlotlyJSONEncoder
import math
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import plotly.io as pio
import pandas as pd
import pytest
from scipy.stats import norm

from callbacks.strategies import (evaluate, export_csv, greeks_link, greeks_view, legs_from_rows,
                                  summary_view, template_rows)
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


def _condor():
    return template_rows("iron_condor", spot=100, vol=0.2, r=0.03, q=0.01, days=30, width=0.05, source="flat")


def _lognormal_between(lo, hi, S, T, r, q, v):
    F = S * math.exp((r - q) * T)
    sd = v * math.sqrt(T)
    cdf = lambda x: norm.cdf((math.log(x / F) + sd * sd / 2) / sd)  # noqa: E731
    return cdf(hi) - cdf(lo)


def test_iron_condor_breakevens_and_extremes_equal_their_closed_forms():
    rows, market = _condor()
    a, errors = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=0), name="iron_condor")
    assert errors == []
    K = sorted(r["strike"] for r in rows)
    credit = sum(-r["qty"] * r["price"] for r in rows)
    T = 30 / 365
    for r in rows:  # entry prices are Black-Scholes at the market vol (independent formula)
        assert r["price"] == pytest.approx(_bs(100, r["strike"], T, 0.03, 0.01, 0.2, r["type"] == "C"), abs=1e-4)
    assert a.breakevens == pytest.approx([K[1] - credit, K[2] + credit], abs=1e-9)
    assert a.max_profit == pytest.approx(credit, abs=1e-9)
    assert a.max_loss == pytest.approx((K[1] - K[0]) - credit, abs=1e-9)
    pop = _lognormal_between(K[1] - credit, K[2] + credit, 100, T, 0.03, 0.01, 0.2)
    assert a.pops["lognormal"].pop == pytest.approx(pop, abs=1e-9)
    assert abs(a.pops["mc"].pop - pop) < 3 * math.sqrt(pop * (1 - pop) / 1e5) + 1e-3
    # per position = per unit x multiplier x lots
    big, _ = evaluate(rows, market, dict(multiplier=100, lots=3), name="iron_condor")
    assert big.scale == 300 and big.max_loss == pytest.approx(a.max_loss)
    assert f"{a.max_loss * 300:,.2f}" in json.dumps(summary_view(big), cls=PlotlyJSONEncoder)


def test_invalid_legs_are_flagged_in_the_users_words_and_skipped_not_fatal():
    rows = [{"type": "C", "strike": 100, "days": 30, "qty": 1, "price": None, "vol": None},
            {"type": "P", "strike": -5, "days": 30, "qty": 1, "price": 1.0, "vol": None},
            {"type": "C", "strike": 100, "days": -3, "qty": 1, "price": 1.0, "vol": None},
            {"type": "C", "strike": 100, "days": 30, "qty": 0, "price": 1.0, "vol": None},
            {"type": "C", "strike": None, "days": 30, "qty": 1, "price": 1.0, "vol": None}]
    legs, errors = legs_from_rows(rows, MARKET)
    assert len(legs) == 1 and len(errors) == 4
    assert errors[0] == "Row 2: strike must be above 0, got -5; this leg is left out."
    assert "days to expiry must be above 0" in errors[1] and "quantity is 0" in errors[2]
    assert "Row 5: strike must be a number, got nothing" in errors[3]
    assert not any("float()" in e or "NoneType" in e for e in errors)
    assert legs[0].price == pytest.approx(_bs(100, 100, 30 / 365, 0.03, 0.01, 0.2, True), rel=1e-12)
    _, errs = evaluate(rows, MARKET, dict(dS=0, dvol=0, dfwd=0))
    assert len(errs) == 4
    with pytest.raises(ParityError, match="No valid legs"):
        evaluate(rows[1:], MARKET, dict(dS=0, dvol=0, dfwd=0))


def test_edited_quantity_and_strike_revalue_everything():
    rows, market = _condor()
    base, _ = evaluate(rows, market, {})
    ten = [dict(r) for r in rows]
    ten[1]["qty"] = -10.0                       # 1 -> 10 short puts
    a, _ = evaluate(ten, market, {})
    assert a.greeks["delta"] != pytest.approx(base.greeks["delta"])
    assert a.var["var"] > base.var["var"] and a.max_loss > base.max_loss
    moved = [dict(r) for r in rows]
    moved[3]["strike"] = 120.0                  # wider call wing: its price refilled? no, kept as typed
    b, _ = evaluate(moved, market, {})
    assert b.max_loss == pytest.approx((120 - 105) - (-b.net_premium), abs=1e-9)


def test_probability_of_profit_uses_the_shifted_date_and_spot():
    rows, market = _condor()
    K = sorted(r["strike"] for r in rows)
    credit = sum(-r["qty"] * r["price"] for r in rows)
    pops = []
    for dfwd in (0, 15, 29):
        a, _ = evaluate(rows, market, dict(dfwd=dfwd))
        expected = _lognormal_between(K[1] - credit, K[2] + credit, 100, (30 - dfwd) / 365, 0.03, 0.01, 0.2)
        assert a.pops["lognormal"].pop == pytest.approx(expected, abs=1e-9)
        assert a.pops["lognormal"].horizon == pytest.approx((30 - dfwd) / 365)
        pops.append(a.pops["lognormal"].pop)
    assert pops[0] < pops[1] < pops[2]          # it was 70.7% at all three
    a, _ = evaluate(rows, market, dict(dS=-5, dfwd=15))
    expected = _lognormal_between(K[1] - credit, K[2] + credit, 95, 15 / 365, 0.03, 0.01, 0.2)
    assert a.pops["lognormal"].pop == pytest.approx(expected, abs=1e-9)
    assert a.pops["mc"].sigma == a.pops["lognormal"].sigma and "same σ" in a.vol_note


def test_days_forward_past_expiry_is_said_not_silently_clamped():
    rows, market = _condor()
    a, _ = evaluate(rows, market, dict(dfwd=60))
    assert a.at_days == pytest.approx(30) and "past the first expiry" in a.notes[0]
    assert a.var["var"] == 0 and a.pops["lognormal"].pop in (0.0, 1.0)


def test_var_at_the_chosen_horizon_and_all_paths_binned():
    rows, market = template_rows("long_call", spot=100, vol=0.2, r=0.0, q=0.0, days=60, width=0.05, source="flat")
    one, _ = evaluate(rows, market, dict(var_horizon="1d"))
    ten, _ = evaluate(rows, market, dict(var_horizon="10d"))
    exp, _ = evaluate(rows, market, dict(var_horizon="expiry"))
    assert one.var["horizon_days"] == 1 and ten.var["horizon_days"] == 10 and exp.var["horizon_days"] == 60
    # a long call's value rises with S: its 1% loss quantile is the revaluation at the 1% quantile
    # of S after one day (risk-neutral GBM, r = q = 0), from the independent Black-Scholes formula
    h, T = 1 / 365, 60 / 365
    S_q = 100 * math.exp(-0.02 * h + 0.2 * math.sqrt(h) * norm.ppf(0.01))
    exact = _bs(100, 100, T, 0, 0, 0.2, True) - _bs(S_q, 100, T - h, 0, 0, 0.2, True)
    assert one.var["var"] == pytest.approx(exact, rel=0.02)
    assert one.var["var"] < ten.var["var"] < exp.var["var"] <= rows[0]["price"] + 1e-9
    assert sum(one.var["counts"]) == one.var["n"] == 100_000


def test_long_calendar_max_loss_on_a_stated_range_and_the_tail_in_words():
    rows, market = template_rows("calendar_spread", spot=100, vol=0.2, r=0.03, q=0.03, days=30, width=0.05,
                                 source="flat")
    a, _ = evaluate(rows, market, {})
    assert math.isinf(a.max_loss_global)       # the dividend drift far above spot
    lo, hi = a.price_range
    assert math.isfinite(a.max_loss) and a.max_loss == pytest.approx(-a.pnl_expiry.min(), rel=1e-6)
    assert "unbounded as the underlying rises" in a.tail_note and f"{hi:,.2f}" in a.tail_note
    text = json.dumps(summary_view(a), cls=PlotlyJSONEncoder)
    assert "unlimited" not in text


def test_what_if_shifts_move_greeks_and_curves():
    rows, market = template_rows("long_straddle", spot=100, vol=0.2, r=0.0, q=0.0, days=60, width=0.05,
                                 source="flat")
    base, _ = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=0), name="long_straddle")
    up, _ = evaluate(rows, market, dict(dS=0, dvol=5, dfwd=0), name="long_straddle")
    assert up.greeks["price"] > base.greeks["price"]            # long vega
    later, _ = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=30), name="long_straddle")
    assert later.greeks["price"] < base.greeks["price"]          # theta decay
    assert [c["label"] for c in later.curves][:2] == ["today", "in 30 days"]
    for fig in (payoff_figure(base), pnl_heatmap_figure(base), mc_figure(base)):
        assert fig.layout.title.text and fig.layout.xaxis.title.text and fig.layout.xaxis.tickprefix == "$"
    assert base.var["var"] > 0 and base.var["cvar"] >= base.var["var"]


def test_the_update_payload_is_small():
    rows, market = _condor()
    a, _ = evaluate(rows, market, {})
    size = sum(len(pio.to_json(f)) for f in (payoff_figure(a), pnl_heatmap_figure(a), mc_figure(a)))
    size += len(json.dumps([summary_view(a), greeks_view(a)], cls=PlotlyJSONEncoder))
    assert size < 100_000, size


def test_spx_source_snaps_to_listed_strikes_sane_rates_and_an_rnd_probability():
    from core.data import sample_chain

    rows, market = template_rows("bull_call_spread", spot=0, vol=0.2, r=0, q=0, days=26, width=0.05, source="spx")
    listed = set(sample_chain().quotes["strike"])
    import arch.data.sp500       # the embedded chain is modelled on 2018-12-31's real close
    close = float(arch.data.sp500.load().loc["2018-12-31", "Close"])
    assert all(r["strike"] in listed for r in rows) and market["spot"] == pytest.approx(close)
    assert market["r"] > 0
    a, _ = evaluate(rows, market, dict(dS=0, dvol=0, dfwd=0), name="bull_call_spread", source="spx")
    assert 0 < a.pops["rnd"].pop < 1 and "whole smile" in a.vol_note


def test_url_round_trip_and_greeks_link_keeps_leg_vols_and_shifts():
    rows = [{"type": "C", "strike": 100.0, "days": 30.0, "qty": 1.0, "price": 2.5, "vol": 20.0},
            {"type": "P", "strike": 95.0, "days": 30.0, "qty": -1.0, "price": 1.0, "vol": 26.0},
            {"type": "S", "strike": None, "days": None, "qty": -50.0, "price": None, "vol": None}]
    assert rows_from_text(rows_to_text(rows)) == rows
    state = {**DEFAULTS, "legs": rows_to_text(rows), "template": "custom", "dfwd": 12.0, "varh": "10d",
             "und": "equity", "lots": 4.0}
    assert from_query(dict(parse_qsl(to_query(state)[1:]))) == state
    a, _ = evaluate(rows, MARKET, dict(dS=10, dvol=2, dfwd=12))
    q = dict(parse_qsl(urlsplit(greeks_link(a)).query))
    assert q["inst"] == "position" and float(q["S"]) == pytest.approx(110)
    assert q["lvol"] == "22,28," and q["dhi"] == "18"           # leg vols + 2 points; 30 - 12 days left


def test_surface_vol_modes_sticky_strike_and_sticky_delta():
    from callbacks.strategies import _sample_surface
    from core.pricing import bs_price

    rows, market = template_rows("long_call", spot=0, vol=0.2, r=0, q=0, days=60, width=0.05, source="spx")
    K, T = rows[0]["strike"], rows[0]["days"] / 365
    view = dict(dS=-10, dvol=0, dfwd=0)
    strike, _ = evaluate(rows, market, {**view, "vol_mode": "strike"}, name="long_call", source="spx")
    delta, _ = evaluate(rows, market, {**view, "vol_mode": "delta"}, name="long_call", source="spx")
    S1 = market["spot"] * 0.9
    surf = _sample_surface()
    expected = bs_price(S1, K, T, market["r"], market["q"], float(surf.implied_vol(K, T)), True)
    assert strike.greeks["price"] == pytest.approx(float(expected), rel=1e-9)
    expected = bs_price(S1, K, T, market["r"], market["q"], float(surf.implied_vol(K * market["spot"] / S1, T)), True)
    assert delta.greeks["price"] == pytest.approx(float(expected), rel=1e-9)
    assert delta.greeks["price"] < strike.greeks["price"]


def test_csv_export_carries_context_and_escapes_formulas():
    rows = [{"type": "=HYPERLINK(\"http://x\")", "strike": -5.0, "days": 30, "qty": 1, "price": 2.0, "vol": None}]
    text = export_csv(rows, {"data_source": "flat", "quote_date": "n/a", "exported_at_utc": "2026-01-01T00:00:00Z",
                             "note": "@SUM(A1)"})
    lines = text.splitlines()
    assert lines[0] == "# data_source: flat" and "# note: '@SUM(A1)" in lines
    assert lines[-1].startswith("\"'=HYPERLINK(\"\"http://x\"\")\",-5.0,30,1,2.0,")   # numbers stay numbers
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert frame["strike"].iloc[0] == -5.0                                          # a number, not text


def test_market_input_errors_are_in_the_users_words():
    from callbacks.strategies import market_from_inputs

    with pytest.raises(ParityError, match="^Spot must be a number above 0; the box is empty"):
        market_from_inputs(None, 20, 3, 1)
    with pytest.raises(ParityError, match="^Vol must be a number above 0, got -5"):
        market_from_inputs(100, -5, 3, 1)
    m = market_from_inputs("100", 20, 3, 1)
    assert m == dict(spot=100.0, vol=0.2, r=0.03, q=0.01)


def test_max_profit_and_loss_say_where_they_are_reached():
    """The iron condor's max profit is earned between its short strikes and its max loss beyond
    the long wings (the payoff's shape, read from the legs): the summary says so, where it used
    to name the whole range checked as if the max held over all of it."""
    import re

    rows, market = _condor()
    a, _ = evaluate(rows, market, {})
    strikes = sorted(float(r["strike"]) for r in rows)
    step = float(np.diff(a.S).max())
    text = json.dumps(summary_view(a), cls=PlotlyJSONEncoder, ensure_ascii=False)
    profit = re.search(r"at expiry, S \$([\d,.]+)–\$([\d,.]+) \(of S", text)
    assert profit, text
    lo, hi = (float(x.replace(",", "")) for x in profit.groups())
    assert abs(lo - strikes[1]) <= step + 0.5 and abs(hi - strikes[2]) <= step + 0.5
    loss = re.search(r"at expiry, S ≤ \$([\d,.]+) or S ≥ \$([\d,.]+) \(of S", text)
    assert loss, text
    lo, hi = (float(x.replace(",", "")) for x in loss.groups())
    assert abs(lo - strikes[0]) <= step + 0.5 and abs(hi - strikes[3]) <= step + 0.5


def test_a_value_that_rounds_to_zero_reads_0_00_not_minus_0_00():
    from callbacks.strategies import _fmt

    assert _fmt(-0.001) == "0.00" and _fmt(-0.004, 1.0) == "0.00" and _fmt(-0.006) == "-0.01"
    assert _fmt(float("inf")) == "unlimited" and _fmt(-1234.5, 2.0) == "-2,469.00"
