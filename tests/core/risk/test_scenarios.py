"""Scenario revaluation: a single option equals bs_price with the shocked inputs, the numba
kernel equals the readable numpy reference, built-in sets follow their stated rules, P/L
explain converges for small shocks, shocked surfaces are checked for arbitrage."""
import datetime as dt

import numpy as np
import pytest

from core.errors import DataError
from core.pricing import bs_price
from core.risk import (Book, Position, Scenario, check_shocked_surfaces, ladder, pm_grid,
                       pnl_explain, revalue, span_scenarios, stress)
from core.risk.valuation import prepare, shocked_values

PUT = Position("put", -3, "SPX", 1250.0, dt.date(2011, 6, 18), 100.0)


@pytest.mark.parametrize("sticky", ["strike", "moneyness"])
def test_single_option_equals_bs_price_with_shocked_inputs(market, sticky):
    m = market.with_sticky(sticky)
    sc = Scenario(spot=-0.12, vol=0.05, skew=0.02, term=-0.03, days=10, rate=0.005)
    pnl = revalue(Book((PUT,)), m, [sc])[0]
    S0, K = m.spot, PUT.strike
    T = (PUT.expiry - m.valuation_date).days / 365
    r, q = (float(x) for x in m.rates(T))
    k = np.log(K / float(m.forward(T)))
    base = m.surface.implied_vol(K, T) if sticky == "strike" \
        else m.surface.implied_vol(K / (1 + sc.spot), T)
    sig1 = float(base) + sc.vol - sc.skew * k / 0.10 + sc.term * (T - 1 / 12)
    v0 = bs_price(S0, K, T, r, q, float(m.surface.implied_vol(K, T)), False)
    v1 = bs_price(S0 * (1 + sc.spot), K, T - 10 / 365, r + sc.rate, q, sig1, False)
    assert pnl == pytest.approx(float(v1 - v0) * -300, rel=1e-10)


def test_kernel_equals_numpy_reference(book, market):
    P = prepare(book, market)
    sc = span_scenarios() + ladder()[::7] + [Scenario(spot=0.02, days=400, rate=-0.01)]
    arr = [np.array([getattr(s, f) for s in sc]) for f in ("spot", "vol", "skew", "term",
                                                           "days", "rate")]
    ref = ((shocked_values(P, *arr) - P.V0) * P.units).sum(1)
    np.testing.assert_allclose(revalue(book, market, sc), ref, rtol=1e-11, atol=1e-6)


def test_stock_and_cash_pnl(market):
    b = Book((Position("stock", 10, "SPX"), Position("cash", 5000)))
    assert revalue(b, market, [Scenario(spot=-0.1)])[0] == pytest.approx(-0.1 * 10 * market.spot)


def test_span_rules():
    sc = span_scenarios(0.06, 0.04)
    assert len(sc) == 16
    assert [s.spot for s in sc[:2]] == [0.0, 0.0]
    assert sorted({round(abs(s.spot), 6) for s in sc}) == [0.0, 0.02, 0.04, 0.06, 0.18]
    assert [s.weight for s in sc[-2:]] == [0.35, 0.35] and sc[-1].vol == 0.0
    assert sum(s.vol > 0 for s in sc) == 7 and sum(s.vol < 0 for s in sc) == 7


def test_pm_grid_and_ladder_shapes(market):
    g = pm_grid(market)
    assert len(g) == 30 and min(s.spot for s in g) == pytest.approx(-0.08)
    assert max(s.spot for s in g) == pytest.approx(0.06)
    lad = ladder()
    assert len(lad) == 441 and lad[0].spot == pytest.approx(-0.3) and lad[0].vol == pytest.approx(-0.1)


def test_pnl_explain_converges_for_small_shocks(book, market):
    errs = []
    for h in (0.04, 0.01, 0.0025):
        e = pnl_explain(book, market, [Scenario(spot=-h, vol=h / 4)])
        errs.append(abs(e.unexplained[0]) / abs(e.full[0]))
    assert errs[2] < errs[1] < errs[0]
    assert errs[2] < 5e-3
    big = pnl_explain(book, market, [Scenario(spot=-0.25)])
    assert abs(big.unexplained[0]) > 0.05 * abs(big.full[0])   # where the Greeks stop explaining


def test_stress_report_contents(book, market):
    res = stress(book, market, span_scenarios())
    assert res.by_position.shape == (6, 16)
    np.testing.assert_allclose(res.by_position.sum(0).to_numpy(), res.pnl)
    worst = res.worst(15, 2)
    assert worst.iloc[0] <= worst.iloc[1]
    t = res.table()
    assert set(t.columns) >= {"name", "source", "pnl", "weighted_pnl", "arbitrage"}
    # Greeks after an up move: dollar delta of the SPX units scales with spot
    assert len(res.greeks_after) == 16


def test_arbitrage_check_flags_a_skew_shock_that_breaks_butterflies(market):
    ok, bad = check_shocked_surfaces(market, [Scenario(vol=0.02), Scenario(skew=-0.8)])
    assert not ok["butterfly"]
    assert bad["butterfly"] and bad["min_g"] < 0


def test_scenario_validation():
    with pytest.raises(DataError, match="spot"):
        Scenario(spot=-1.5)
    with pytest.raises(DataError, match="days"):
        Scenario(days=-1)
    with pytest.raises(DataError, match="vol"):
        Scenario(vol="x")
    assert Scenario(spot=-0.1, vol=0.05).name == "spot -10.0%, vol +5.0 pts"


def test_serial_greeks_equal_bs_greeks(book, market):
    from core.pricing import GREEK_NAMES, bs_greeks
    P = prepare(book, market)
    o = P.is_option
    ref = bs_greeks(market.spot, P.K[o], P.T[o], P.r[o], P.q[o], P.sigma[o], P.is_call[o])
    for name in GREEK_NAMES:
        np.testing.assert_allclose(P.greeks[name][o], ref[name], rtol=1e-13, atol=1e-13)
