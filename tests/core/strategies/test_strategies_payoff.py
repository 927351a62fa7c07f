"""Breakevens and maximum P/L of textbook strategies against their closed forms; properties of
the exact piecewise-linear solver on random strategies."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from core.strategies import Leg, Strategy

T = 0.25


def C(K, qty, price):
    return Leg("call", K, T, qty, price)


def P(K, qty, price):
    return Leg("put", K, T, qty, price)


def stock(qty, price):
    return Leg("stock", 0, 0, qty, price)


# (legs, breakevens, max profit, max loss) from the textbook formulas
CASES = {
    "long call": ([C(100, 1, 4)], [104], math.inf, 4),
    "short put": ([P(100, -1, 3)], [97], 3, 97),
    "bull call spread": ([C(100, 1, 5), C(110, -1, 2)], [100 + 3], 110 - 100 - 3, 3),
    "bear put spread": ([P(110, 1, 6), P(100, -1, 2.5)], [110 - 3.5], 10 - 3.5, 3.5),
    "long straddle": ([C(100, 1, 4), P(100, 1, 3.5)], [100 - 7.5, 100 + 7.5], math.inf, 7.5),
    "short straddle": ([C(100, -1, 4), P(100, -1, 3.5)], [92.5, 107.5], 7.5, math.inf),
    "long strangle": ([P(95, 1, 1.5), C(105, 1, 1.7)], [95 - 3.2, 105 + 3.2], math.inf, 3.2),
    "iron condor": ([P(90, 1, 1), P(95, -1, 2), C(105, -1, 2.2), C(110, 1, 1.1)],
                    [95 - 2.1, 105 + 2.1], 2.1, 5 - 2.1),
    "call butterfly": ([C(95, 1, 7), C(100, -2, 4), C(105, 1, 2)], [96, 104], 4, 1),
    "covered call": ([stock(1, 100), C(105, -1, 2)], [98], 7, 98),
    "protective put": ([stock(1, 100), P(95, 1, 1.5)], [101.5], math.inf, 6.5),
    "collar": ([stock(1, 100), P(95, 1, 1.5), C(105, -1, 1.8)], [99.7], 5.3, 4.7),
    "call ratio 1x2": ([C(100, 1, 5), C(105, -2, 2)], [101, 109], 4, math.inf),
    "call backspread": ([C(100, -1, 5), C(105, 2, 2)], [101, 109], math.inf, 4),
    "jade lizard": ([P(95, -1, 3.5), C(105, -1, 2.2), C(110, 1, 0.6)], [95 - 5.1], 5.1, 89.9),
    "synthetic long": ([C(100, 1, 4), P(100, -1, 3)], [101], math.inf, 101),
    "risk reversal": ([P(95, -1, 1.5), C(105, 1, 1.2)], [94.7], math.inf, 94.7),
    "zero-cost risk reversal": ([P(95, -1, 1.5), C(105, 1, 1.5)], [95, 105], math.inf, 95),
    "stock": ([stock(2, 50)], [50], math.inf, 100),
}


@pytest.mark.parametrize("name", list(CASES))
def test_textbook_breakevens_and_extremes(name):
    legs, bes, hi, lo = CASES[name]
    s = Strategy(legs)
    np.testing.assert_allclose(s.breakevens(), bes, rtol=0, atol=1e-10)
    assert s.max_profit() == pytest.approx(hi, abs=1e-10)
    assert s.max_loss() == pytest.approx(lo, abs=1e-10)
    for b in s.breakevens():
        assert abs(float(s.expiry_pnl(b))) < 1e-10


def test_expiry_pnl_is_the_payoff_minus_premiums():
    s = Strategy(CASES["iron condor"][0])
    S = np.array([0.0, 80, 92.5, 95, 100, 105, 107, 200])
    expected = (np.maximum(90 - S, 0) - np.maximum(95 - S, 0) - np.maximum(S - 105, 0)
                + np.maximum(S - 110, 0) + 2.1)
    np.testing.assert_allclose(s.expiry_pnl(S), expected, atol=1e-12)
    np.testing.assert_allclose(s.pnl(S), expected, atol=1e-12)
    assert s.net_premium == pytest.approx(-2.1)


def test_zero_premium_segment_reports_its_end():
    s = Strategy([C(100, 1, 4), C(105, -2, 2)])  # zero P/L below 100
    assert s.breakevens() == pytest.approx((100.0, 110.0))


leg_st = st.tuples(st.sampled_from(["call", "put", "stock"]), st.sampled_from([80, 90, 95, 100,
                   105, 110, 125]), st.integers(-3, 3).filter(bool),
                   st.floats(0, 20, allow_nan=False))


@settings(max_examples=150, deadline=None)
@given(st.lists(leg_st, min_size=1, max_size=5))
@example([("call", 80, -1, 0.0), ("call", 80, -1, 0.0), ("call", 80, 3, 0.0),
          ("call", 80, -1, 0.0)])   # net zero above 80: a P/L of +-1e-14 round-off is no crossing
def test_exact_solver_properties(raw):
    legs = [Leg(k, K, T, q, p if k != "stock" else 50 + 5 * p) for k, K, q, p in raw]
    s = Strategy(legs)
    bes = s.breakevens()
    grid = np.unique(np.concatenate([np.linspace(0, 400, 4001), s.strikes, bes]))
    y = s.expiry_pnl(grid)
    scale = 1 + sum(abs(x.qty) * (x.strike + x.price) for x in legs)
    for b in bes:
        assert abs(float(s.expiry_pnl(b))) < 1e-9 * scale
    # every sign change on a grid that contains all knots and roots is at a breakeven (values
    # within the breakevens' own tolerance of zero count as zero, not as a sign)
    sign = np.where(np.abs(y) < 1e-9 * scale, 0.0, np.sign(y))
    change = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
    for i in change:
        assert any(grid[i] <= b <= grid[i + 1] for b in bes)
    hi, lo = s.max_profit(), s.max_loss()
    assert hi >= max(y.max(), 0) - 1e-9 * scale and lo >= max(-y.min(), 0) - 1e-9 * scale
    far = float(s.expiry_pnl(1e7))
    if math.isfinite(hi):
        assert hi == pytest.approx(max(y.max(), 0), abs=1e-9 * scale)
    else:
        assert far > y.max()
    if math.isfinite(lo):
        assert lo == pytest.approx(max(-y.min(), 0), abs=1e-9 * scale)
    else:
        assert far < y.min()


def test_calendar_breakevens_and_max_profit_are_roots_and_maxima():
    near, far = 30 / 365, 90 / 365
    legs = [Leg("call", 100, near, -1, 2.0, 0.2), Leg("call", 100, far, 1, 3.8, 0.2)]
    s = Strategy(legs, r=0.02, q=0.0)
    bes = s.breakevens()
    assert len(bes) == 2 and bes[0] < 100 < bes[1]
    for b in bes:
        assert abs(float(s.pnl(b))) < 1e-9
    grid = np.linspace(50, 200, 30001)
    y = s.pnl(grid)
    assert s.max_profit() == pytest.approx(y.max(), abs=1e-6) and s.max_profit() >= y.max()
    # with q = 0 the loss is bounded by the debit (the far call is worth >= S - K e^{-r tau})
    assert s.max_loss() == pytest.approx(1.8, abs=1e-6)
    assert math.isinf(Strategy(legs, r=0.02, q=0.03).max_loss())  # q > 0: deep ITM bleeds


def test_breakevens_before_expiry_use_the_model():
    s = Strategy([C(100, 1, 4)], r=0.01)
    b = s.breakevens(at_T=0.1, vol=0.25)
    assert len(b) == 1 and abs(float(s.pnl(b[0], at_T=0.1, vol=0.25))) < 1e-9
    assert b[0] < 104  # time value left: breakeven below the expiry one
    assert math.isinf(s.max_profit(at_T=0.1, vol=0.25))
    assert s.max_loss(at_T=0.1, vol=0.25) == pytest.approx(4, abs=1e-9)
