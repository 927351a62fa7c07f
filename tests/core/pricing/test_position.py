"""Position legs: parsing, validation, and aggregate Greeks against QuantLib leg by leg."""
from __future__ import annotations

import numpy as np
import pytest
import QuantLib as ql

from core.errors import DataError
from core.pricing import PositionLeg, format_legs, greek_grid, parse_legs, position_greeks


def test_parse_and_format_round_trip():
    legs = parse_legs(" +1 C 100 ; -2 call 105.5, +1 p 95\n+100 S")
    assert legs == (PositionLeg("call", 100.0, 1.0), PositionLeg("call", 105.5, -2.0),
                    PositionLeg("put", 95.0, 1.0), legs[3])
    assert legs[3].kind == "stock" and legs[3].qty == 100
    assert parse_legs(format_legs(legs)) == legs


@pytest.mark.parametrize("text, message", [
    ("", "no legs given"), ("+1 C", "needs a strike"), ("one call", "cannot read leg"),
    ("0 C 100", "non-zero"), ("+1 Z 100", "cannot read leg"),
])
def test_bad_legs_raise_dataerror(text, message):
    with pytest.raises(DataError, match=message):
        parse_legs(text)


def test_iron_condor_greeks_equal_quantlib_sum():
    legs = parse_legs("+1 P 80, -1 P 90, -1 C 110, +1 C 120, +50 S")
    S, days, r, q, vol = 103.0, 45, 0.04, 0.015, 0.27
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    proc = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(S)), ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc)))
    ref = dict(price=50 * S, delta=50.0, gamma=0.0, vega=0.0, theta=0.0, rho=0.0)
    for leg in legs[:4]:
        kind = ql.Option.Call if leg.kind == "call" else ql.Option.Put
        opt = ql.EuropeanOption(ql.PlainVanillaPayoff(kind, leg.strike), ql.EuropeanExercise(today + days))
        opt.setPricingEngine(ql.AnalyticEuropeanEngine(proc))
        for name, val in (("price", opt.NPV()), ("delta", opt.delta()), ("gamma", opt.gamma()),
                          ("vega", opt.vega()), ("theta", opt.theta()), ("rho", opt.rho())):
            ref[name] += leg.qty * val
    g = position_greeks(legs, S, days / 365, r, q, vol)
    for name, val in ref.items():
        assert float(g[name]) == pytest.approx(val, rel=1e-9, abs=1e-9), name


def test_greek_grid_axes_and_validation():
    g = greek_grid("delta", "call", spot=50.0, sigma=0.3, r=0.0, q=0.0, x_range=(0.5, 2.0),
                   days_range=(0.0, 365.0), n=11)
    assert g.x[0] == 25.0 and g.x[-1] == 100.0 and g.days[0] == 0.0 and g.z.shape == (11, 11)
    # at T = 0 a call's delta is the exercise indicator (0.5 exactly at the money)
    np.testing.assert_array_equal(g.z[0], np.where(g.x < 50, 1.0, np.where(g.x == 50, 0.5, 0.0)))
    with pytest.raises(DataError, match="greek must be one of"):
        greek_grid("speed", "call", spot=50, sigma=0.3, r=0, q=0, x_range=(0.5, 2), days_range=(0, 1))
    with pytest.raises(DataError, match="x_range"):
        greek_grid("delta", "call", spot=50, sigma=0.3, r=0, q=0, x_range=(2, 1), days_range=(0, 1))
    with pytest.raises(DataError, match="at least one leg"):
        greek_grid("delta", "position", spot=50, sigma=0.3, r=0, q=0, x_range=(0.5, 2),
                   days_range=(0, 1))
