"""Periodic-rebalance backtest against a plain day-by-day reference loop."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.data.prices import returns
from core.errors import DataError
from core.portfolio import RebalanceResult, performance_stats, rebalance_backtest

TICKERS = ["AAPL", "XOM", "JPM", "WMT", "FB"]


def _reference(R: pd.DataFrame, w: np.ndarray, rule: str, cost: float, rf: float):
    """Day by day: drift the holdings, trade back to target after each period's last day."""
    period = R.index.to_period(rule)
    rf_d = (1 + rf) ** (1 / 252) - 1
    hold = np.zeros(len(w))
    cash = 0.0
    v = 1.0
    out = [1.0]
    for t in range(len(R)):
        if t == 0 or period[t] != period[t - 1]:          # trade at the previous close
            cur = hold / v if t else np.zeros(len(w))
            v *= 1 - cost * np.abs(w - cur).sum()
            hold, cash = v * w, v * (1 - w.sum())
        hold = hold * (1 + R.iloc[t].to_numpy())
        cash *= 1 + rf_d
        v = hold.sum() + cash
        out.append(v)
    return np.array(out)


@pytest.mark.parametrize("rule, cost, rf, scale", [("M", 0.0, 0.0, 1.0), ("Q", 0.002, 0.0, 1.0),
                                                   ("M", 0.001, 0.03, 0.8)])
def test_matches_reference_loop(prices, rule, cost, rf, scale):
    w = pd.Series([0.4, 0.1, 0.2, 0.1, 0.2], index=TICKERS) * scale
    res = rebalance_backtest(prices, w, rebalance=rule, cost=cost, rf=rf)
    R = returns(prices[TICKERS], "simple").dropna()
    ref = _reference(R, w.to_numpy(), rule, cost, rf)
    np.testing.assert_allclose(res.equity, ref, rtol=1e-11)
    ew = _reference(R, np.full(5, 0.2), rule, cost, rf)
    np.testing.assert_allclose(res.benchmark, ew, rtol=1e-11)
    assert res.dates[0] == np.datetime64("2012-05-18") and len(res.dates) == len(res.equity)
    assert any("FB has the shortest history" in n for n in res.notes)


def test_costs_and_statistics(prices):
    w = {"AAPL": 0.5, "XOM": 0.5}
    free = rebalance_backtest(prices, w)
    paid = rebalance_backtest(prices, w, cost=0.01)
    assert paid.equity[-1] < free.equity[-1] and paid.stats.costs > 0 and free.stats.costs == 0
    eq = free.equity
    s = free.stats
    years = (len(eq) - 1) / 252
    assert s.ann_return == pytest.approx(eq[-1] ** (1 / years) - 1)
    daily = eq[1:] / eq[:-1] - 1
    assert s.ann_vol == pytest.approx(daily.std(ddof=1) * np.sqrt(252))
    assert s.sharpe == pytest.approx(daily.mean() * 252 / s.ann_vol)
    peak = np.maximum.accumulate(eq)
    assert s.max_drawdown == pytest.approx(np.max((peak - eq) / peak))
    assert performance_stats(np.array([1.0, 0.5, 1.0])).max_drawdown == pytest.approx(0.5)


def test_equal_weight_target_equals_benchmark_and_round_trip(prices):
    res = rebalance_backtest(prices, np.full(20, 1 / 20), rebalance="Q")
    np.testing.assert_allclose(res.equity, res.benchmark, rtol=1e-13)
    back = RebalanceResult.from_dict(json.loads(json.dumps(res.to_dict())))
    np.testing.assert_array_equal(back.equity, res.equity)
    np.testing.assert_array_equal(back.dates, res.dates)
    assert back.stats == res.stats and back.tickers == res.tickers
    assert list(res.frame().columns) == ["portfolio", "equal_weight"]


@pytest.mark.parametrize("kwargs, needle", [
    (dict(weights={"AAPL": 1.0}, rebalance="W"), "rebalance must be"),
    (dict(weights={"MSFT": 1.0}), "unknown ticker"),
    (dict(weights={"AAPL": 0.0}), "all zero"),
    (dict(weights={"AAPL": 1.0}, cost=-0.1), "cost must be >= 0"),
])
def test_errors(prices, kwargs, needle):
    with pytest.raises(DataError, match=needle):
        rebalance_backtest(prices, **kwargs)


def test_benchmark_is_equal_weight_over_the_given_universe_whatever_is_held(prices):
    """Issue 13: the benchmark must not change with the assets the optimiser happens to keep."""
    R = returns(prices[TICKERS], "simple").dropna()
    ew = _reference(R, np.full(5, 0.2), "M", 0.001, 0.0)         # reference loop, all five
    for w in (pd.Series([0.5, 0.5, 0.0, 0.0, 0.0], index=TICKERS),
              pd.Series([0.0, 0.0, 0.3, 0.3, 0.4], index=TICKERS)):
        res = rebalance_backtest(prices, w, rebalance="M", cost=0.001, benchmark=TICKERS)
        np.testing.assert_allclose(res.benchmark, ew, rtol=1e-11)
        ref = _reference(R, w.to_numpy(), "M", 0.001, 0.0)       # same common window
        np.testing.assert_allclose(res.equity, ref, rtol=1e-11)
        assert set(res.tickers) == set(w.index[w > 0])
    with pytest.raises(DataError, match="benchmark names tickers without prices: ZZZ"):
        rebalance_backtest(prices, w, benchmark=["ZZZ"])
