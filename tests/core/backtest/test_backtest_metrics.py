"""Metrics against empyrical (an independent, widely used implementation) and closed forms."""
from __future__ import annotations

import empyrical as ep
import numpy as np
import pandas as pd
import pytest

from core.backtest import Rules, run
from core.backtest.metrics import performance, trade_stats


@pytest.fixture
def curve():
    rng = np.random.default_rng(7)
    r = rng.normal(0.0004, 0.011, 600)
    return 1e5 * np.r_[1.0, np.cumprod(1 + r)], r


def test_performance_matches_empyrical(curve):
    eq, r = curve
    m = performance(eq)
    s = pd.Series(r)
    assert m["sharpe"] == pytest.approx(ep.sharpe_ratio(s), rel=1e-10)
    assert m["sortino"] == pytest.approx(ep.sortino_ratio(s), rel=1e-10)
    assert m["volatility"] == pytest.approx(ep.annual_volatility(s), rel=1e-10)
    assert m["max_drawdown"] == pytest.approx(ep.max_drawdown(s), rel=1e-10)
    assert m["cagr"] == pytest.approx(ep.annual_return(s), rel=1e-10)
    assert m["calmar"] == pytest.approx(ep.calmar_ratio(s), rel=1e-10)
    assert m["total_return"] == pytest.approx(ep.cum_returns_final(s), rel=1e-10)


def test_drawdown_duration_closed_form():
    eq = np.array([100, 110, 105, 100, 108, 111, 90, 95, 100.0])
    m = performance(eq)
    assert m["max_drawdown"] == pytest.approx(90 / 111 - 1)
    assert m["max_drawdown_days"] == 3        # 111 -> never recovered: 3 periods under water (as 110 -> 105, 100, 108)


def test_trade_stats_closed_form():
    s = trade_stats([100, -50, 200, -25, 0], [3, 4, 5, 6, 7], n_open=[0, 1, 1, 0])
    assert s["win_rate"] == pytest.approx(2 / 5)
    assert s["profit_factor"] == pytest.approx(300 / 75)
    assert s["avg_win"] == 150 and s["avg_loss"] == -37.5
    assert s["avg_days_held"] == 5 and s["exposure"] == 0.5


def test_backtest_metrics_are_those_of_its_equity(history):
    res = run(history, Rules())
    r = pd.Series(res.series["equity"]).pct_change().dropna()
    assert res.metrics["sharpe"] == pytest.approx(ep.sharpe_ratio(r), rel=1e-10)
    assert res.metrics["max_drawdown"] == pytest.approx(ep.max_drawdown(r), rel=1e-10)
    bh = pd.Series(res.series["buy_hold"]).pct_change().dropna()
    assert res.benchmark["sharpe"] == pytest.approx(ep.sharpe_ratio(bh), rel=1e-10)
