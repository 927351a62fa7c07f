"""Portfolio page logic called directly: spec from the controls, payload, summary, export."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

from callbacks.portfolio import build_spec, data_for, payload, summary_view, weights_csv
from components.portfolio_figures import backtest_figure, bl_figure, frontier_figure, weights_figure
from components.portfolio_state import DEFAULTS, from_query, to_query, views_from_text, views_to_text
from core.errors import DataError, InfeasibleError
from core.portfolio.allocation import allocate, parse_sector_caps


def _state(**kw):
    s = {**DEFAULTS, "views": views_from_text(DEFAULTS["views"])}
    s.update(kw)
    return s


@pytest.fixture(scope="module")
def data():
    return data_for(None)


def test_min_variance_run_matches_an_independent_slsqp_solution(data):
    prices, sectors = data
    spec = build_spec(_state(obj="min_variance", wmax=30.0, universe=["AAPL", "XOM", "JPM", "PFE", "WMT"]))
    alloc = allocate(prices, sectors, spec)
    cov = alloc.cov.to_numpy()
    n = len(cov)
    res = minimize(lambda w: w @ cov @ w, np.full(n, 1 / n), method="SLSQP", bounds=[(0, 0.3)] * n,
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], options={"ftol": 1e-15})
    np.testing.assert_allclose(alloc.weights.to_numpy(), res.x, atol=1e-4)
    p = payload(alloc)
    assert p["vol"] == pytest.approx(float(np.sqrt(res.x @ cov @ res.x)), rel=1e-4)
    assert sum(p["weights"]) == pytest.approx(1.0)
    # risk contributions of the payload add up to one
    assert sum(p["risk_contrib"]) == pytest.approx(1.0)


def test_percent_controls_become_decimals_and_views_become_bl_views():
    spec = build_spec(_state(rf=2.5, wmin=-10, wmax=40, lev=1.6, caps="Energy=10%, Financials=0.3",
                             turnover=50, cost=10, target=12))
    assert spec.rf == 0.025 and spec.bounds == (-0.1, 0.4) and spec.leverage == 1.6
    assert spec.sector_caps == (("Energy", 0.1), ("Financials", 0.3))
    assert spec.turnover == 0.5 and spec.cost == pytest.approx(0.001) and spec.target == 0.12
    assert spec.views[1] == {"assets": {"XOM": 1.0, "RRC": -1.0}, "value": 0.03, "confidence": 0.4}


def test_black_litterman_payload_and_figures(data):
    prices, sectors = data
    spec = build_spec(_state(obj="black_litterman", universe=["AAPL", "XOM", "RRC", "JPM", "BAC", "WMT"]))
    p = payload(allocate(prices, sectors, spec))
    prior, post = np.array(p["prior"]), np.array(p["posterior"])
    i_aapl = p["tickers"].index("AAPL")
    assert post[i_aapl] > prior[i_aapl]          # the bullish AAPL view moves its return up
    for fig in (frontier_figure(p), weights_figure(p), backtest_figure(p), bl_figure(p)):
        assert fig.layout.title.text
    assert frontier_figure(p).layout.xaxis.title.text == "Volatility (% per year)"
    text = weights_csv(p)
    csv = pd.read_csv(pd.io.common.StringIO(text), comment="#")
    assert list(csv.columns) == ["ticker", "weight", "risk_contribution"]
    # the export names what produced it
    assert "# objective: Black-Litterman posterior, maximum Sharpe" in text and "# window: 20" in text
    assert "Backtest" in str(summary_view(p).to_plotly_json())


def test_infeasible_bounds_are_named(data):
    prices, sectors = data
    spec = build_spec(_state(wmax=3.0))
    with pytest.raises(InfeasibleError, match="upper bounds sum to 0.6"):
        allocate(prices, sectors, spec)


def test_bad_controls_raise_clear_messages(data):
    prices, sectors = data
    with pytest.raises(DataError, match="at least two assets"):
        allocate(prices, sectors, build_spec(_state(universe=["AAPL"])))
    with pytest.raises(DataError, match="cannot read sector cap"):
        parse_sector_caps("Energy 10")
    with pytest.raises(DataError, match=r"between 0% and 100% \(write Energy=25% or Energy=0.25\), got 40$"):
        parse_sector_caps("Energy=40")                 # a percentage typed without its sign
    assert parse_sector_caps("Energy=40%, Financials:0.3") == (("Energy", 0.4), ("Financials", 0.3))
    with pytest.raises(DataError, match="needs a target"):
        allocate(prices, sectors, build_spec(_state(obj="target_return", target=None)))


def test_url_state_round_trip():
    s = from_query({})
    assert s["universe"] == DEFAULTS["universe"] and s["obj"] == "max_sharpe"
    s2 = {**s, "obj": "kelly", "kelly": 0.25, "lev": 1.5, "caps": "Energy=10%", "universe": ["AAPL", "XOM"]}
    from urllib.parse import parse_qsl
    assert from_query(dict(parse_qsl(to_query(s2)[1:]))) == s2
    assert views_from_text(views_to_text(views_from_text("AAPL:12:60;XOM-RRC:3:40"))) == [
        {"asset": "AAPL", "vs": "", "view": 12.0, "confidence": 60.0},
        {"asset": "XOM", "vs": "RRC", "view": 3.0, "confidence": 40.0}]


def test_weights_csv_keeps_tiny_weights_and_escapes_formulas(data):
    prices, sectors = data
    p = payload(allocate(prices, sectors, build_spec(_state(obj="min_variance",
                                                            universe=["AAPL", "XOM", "JPM", "PFE"]))))
    p = {**p, "tickers": ["=HYPERLINK(1)", *p["tickers"][1:]],
         "weights": [5.8e-14, *p["weights"][1:]]}
    csv = pd.read_csv(pd.io.common.StringIO(weights_csv(p)), comment="#")
    assert csv["weight"].iloc[0] == 5.8e-14                 # not rounded to zero
    assert csv["ticker"].iloc[0] == "'=HYPERLINK(1)"        # not a live formula


def test_benchmark_is_the_chosen_universe_whatever_the_objective(data):
    """Issue 13: the equal-weight benchmark must not depend on which assets the solver keeps."""
    prices, sectors = data
    uni = ["AAPL", "XOM", "JPM", "PFE", "WMT", "GE"]
    stats = []
    for obj in ("max_sharpe", "min_variance", "hrp"):
        p = payload(allocate(prices, sectors, build_spec(_state(obj=obj, universe=uni))))
        stats.append(p["backtest"]["benchmark_stats"]["ann_return"])
        assert p["backtest"]["universe"] == 6
    assert max(stats) - min(stats) < 1e-12
    # independent truth: monthly-rebalanced equal weight of the six, no costs, from the prices
    from core.portfolio import rebalance_backtest
    from components.portfolio_state import DEFAULTS as PDEF
    window = prices[uni].loc[PDEF["start"]:PDEF["end"]]
    direct = rebalance_backtest(window, {t: 1 / 6 for t in uni}, rebalance="M", cost=0.001, rf=0.02)
    assert stats[0] == pytest.approx(direct.stats.ann_return, rel=1e-10)


def test_long_short_portfolio_shows_its_exposure(data):
    prices, sectors = data
    p = payload(allocate(prices, sectors, build_spec(_state(obj="max_sharpe", wmin=-20, wmax=60, lev=1.6,
                                                            universe=["AAPL", "XOM", "JPM", "PFE", "GE"]))))
    w = np.asarray(p["weights"])
    ex = p["exposure"]
    assert ex["short"] == pytest.approx(-w[w < 0].sum()) and ex["short"] > 0
    assert ex["gross"] == pytest.approx(np.abs(w).sum()) and ex["net"] == pytest.approx(w.sum())
    assert "gross" in str(summary_view(p).to_plotly_json())


@pytest.mark.parametrize("kw, message", [
    (dict(rf="abc"), "risk-free rate must be a number, got 'abc'"),
    (dict(wmax=float("inf")), "maximum weight must be a number, got inf%"),
    (dict(turnover=-5), "turnover limit must be a number of 0% or more, got -5%"),
    (dict(cost=-1), "trading cost must be a number of 0 bp or more, got -1 bp"),
    (dict(kelly=0), "Kelly fraction must be a number above 0 and at most 1, got 0"),
    (dict(lev=-2), "leverage must be a number above 0, got -2"),
])
def test_unusable_controls_are_refused_in_the_users_words_not_replaced_by_defaults(kw, message):
    """core._validate answers (the callback no longer maps junk to a default silently)."""
    with pytest.raises(DataError) as err:
        build_spec(_state(**kw))
    assert str(err.value) == message


def test_view_confidence_out_of_range_is_said_not_clamped():
    views = [{"asset": "AAPL", "vs": "", "view": 5.0, "confidence": 150.0}]
    with pytest.raises(DataError, match=r"^confidence of view 1 must be a number from 0% to 100%, got 150%$"):
        build_spec(_state(views=views))
    assert build_spec(_state(target=None, turnover="", lev=None)).turnover is None
