"""P/L before expiry, vol sources (flat, per leg, surface with sticky strike/delta), Greeks,
serialisation and validation of Leg and Strategy."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.errors import DataError
from core.pricing import PositionLeg, bs_greeks, bs_price, position_greeks
from core.strategies import Leg, Strategy

r, q = 0.03, 0.01
IC = [Leg("put", 90, 0.25, 1, 0.5), Leg("put", 95, 0.25, -1, 1.4), Leg("call", 105, 0.25, -1, 1.6),
      Leg("call", 110, 0.25, 1, 0.6)]
S = np.linspace(60, 140, 41)


def manual_value(legs, S, at_T, sig):
    total = np.zeros_like(S)
    for leg, s in zip(legs, sig):
        if leg.kind == "stock":
            total += leg.qty * (S - leg.price)
        else:
            v = bs_price(S, leg.strike, leg.T - at_T, r, q, s(S, leg) if callable(s) else s,
                         leg.kind == "call")
            total += leg.qty * (v - leg.price)
    return total


def test_pnl_today_is_black_scholes_minus_premiums():
    s = Strategy(IC, r=r, q=q)
    np.testing.assert_allclose(s.pnl(S, at_T=0.0, vol=0.22), manual_value(IC, S, 0.0, [0.22] * 4),
                               atol=1e-12)
    np.testing.assert_allclose(s.pnl(S, at_T=0.1, vol=0.22), manual_value(IC, S, 0.1, [0.22] * 4),
                               atol=1e-12)
    np.testing.assert_allclose(s.value(S, 0.1, 0.22), s.pnl(S, 0.1, 0.22) + s.net_premium)
    # just before expiry the model P/L tends to the payoff
    np.testing.assert_allclose(s.pnl(S, at_T=0.25 - 1e-10, vol=0.22), s.expiry_pnl(S), atol=2e-4)


def test_per_leg_vols_are_used_when_vol_is_none():
    vols = [0.3, 0.25, 0.2, 0.19]
    legs = [Leg(x.kind, x.strike, x.T, x.qty, x.price, v) for x, v in zip(IC, vols)]
    s = Strategy(legs, r=r, q=q)
    np.testing.assert_allclose(s.pnl(S, at_T=0.05), manual_value(legs, S, 0.05, vols), atol=1e-12)
    with pytest.raises(DataError, match="has no vol"):
        Strategy(IC).pnl(S, at_T=0.0)
    assert Strategy(IC).pnl(100.0).shape == ()  # at expiry no vol is needed


def smile(K, T):
    return 0.2 + 0.5 * np.log(np.asarray(K) / 100.0) ** 2 + 0.0 * T


def test_surface_vol_sticky_strike_and_sticky_delta():
    s = Strategy(IC, r=r, q=q, spot=100.0)
    strike = manual_value(IC, S, 0.05, [lambda S_, leg: smile(leg.strike, leg.T - 0.05)] * 4)
    delta = manual_value(IC, S, 0.05, [lambda S_, leg: smile(leg.strike * 100.0 / S_,
                                                             leg.T - 0.05)] * 4)
    np.testing.assert_allclose(s.pnl(S, 0.05, smile, sticky="strike"), strike, atol=1e-12)
    np.testing.assert_allclose(s.pnl(S, 0.05, smile, sticky="delta"), delta, atol=1e-12)
    at_ref = s.pnl(100.0, 0.05, smile, sticky="delta")
    assert float(at_ref) == pytest.approx(float(s.pnl(100.0, 0.05, smile)), abs=1e-12)
    with pytest.raises(DataError, match="spot_ref"):
        Strategy(IC).pnl(S, 0.05, smile, sticky="delta")
    with pytest.raises(DataError, match="sticky"):
        s.pnl(S, 0.05, smile, sticky="moneyness")


def test_calendar_is_valued_at_the_first_expiry_with_residual_time():
    legs = [Leg("call", 100, 0.1, -1, 2.5), Leg("call", 100, 0.3, 1, 4.6),
            Leg("put", 95, 0.3, 1, 2)]
    s = Strategy(legs, r=r, q=q)
    assert s.multi_expiry and s.expiries == (0.1, 0.3) and s.first_expiry == 0.1
    expected = (-(np.maximum(S - 100, 0) - 2.5) + bs_price(S, 100, 0.2, r, q, 0.21, True) - 4.6
                + bs_price(S, 95, 0.2, r, q, 0.21, False) - 2)
    np.testing.assert_allclose(s.pnl(S, vol=0.21), expected, atol=1e-12)
    with pytest.raises(DataError, match="at_T must be <= the first expiry"):
        s.pnl(S, at_T=0.2, vol=0.2)


def test_greeks_equal_position_greeks_and_leg_sums():
    s = Strategy(IC + [Leg("stock", 0, 0, 0.5, 100)], r=r, q=q)
    g = s.greeks(S, at_T=0.05, vol=0.22)
    ref = position_greeks([PositionLeg(x.kind, x.strike, x.qty) for x in s.legs], S, 0.2, r, q,
                          0.22)
    for name in ("price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga", "charm"):
        np.testing.assert_allclose(g[name], ref[name], rtol=1e-12, atol=1e-12)
    assert s.to_position_legs()[0] == PositionLeg("put", 90, 1)
    legs = [Leg("call", 100, 0.1, -1, 2.5, 0.3), Leg("call", 100, 0.3, 1, 4.6, 0.25)]
    g2 = Strategy(legs, r=r, q=q).greeks(S)
    manual = (-bs_greeks(S, 100, 0.1, r, q, 0.3, True).vega
              + bs_greeks(S, 100, 0.3, r, q, 0.25, True).vega)
    np.testing.assert_allclose(g2.vega, manual, rtol=1e-12)


def test_leg_normalisation_and_validation():
    leg = Leg("C", 100, 0.5, -2, 3.1, 0.2)
    assert leg.kind == "call" and leg.describe().startswith("-2 C 100")
    assert Leg("s", 123, 4, 1, 50).strike == 0.0
    assert Leg.from_position_leg(PositionLeg("put", 90, 1), 0.5, 2.0).T == 0.5
    for args, msg in [(("swap", 1, 1, 1, 1), "kind"), (("call", -5, 1, 1, 1), "strike"),
                      (("call", 5, 0, 1, 1), "T must be > 0"), (("call", 5, 1, 0, 1), "qty"),
                      (("call", 5, 1, 1, -1), "price"), (("call", 5, 1, 1, math.nan), "finite"),
                      (("call", "x", 1, 1, 1), "strike must be a number")]:
        with pytest.raises(DataError, match=msg):
            Leg(*args)
    with pytest.raises(DataError, match="vol"):
        Leg("call", 100, 1, 1, 1, -0.2)
    with pytest.raises(DataError, match="at least one leg"):
        Strategy([])
    s = Strategy(IC)
    with pytest.raises(DataError, match="S must be >= 0"):
        s.pnl([-1.0, 100])
    with pytest.raises(DataError, match="at_T must be >= 0"):
        s.pnl(100, at_T=-0.1, vol=0.2)
    with pytest.raises(DataError, match="vol must be"):
        s.pnl(100, at_T=0.0, vol="high")


def test_round_trip_through_json():
    s = Strategy([*IC, Leg("stock", 0, 0, 1, 101, None)], name="ic", r=r, q=q, spot=100.0)
    back = Strategy.from_dict(json.loads(json.dumps(s.to_dict())))
    assert back == s
    assert Strategy.from_dict({"legs": [x.to_dict() for x in IC]}).legs == tuple(IC)


def test_analyse_bundles_everything_and_round_trips():
    from core.strategies import StrategyAnalysis, analyse, build

    s = build("iron_condor", 100.0, 30 / 365, vol=0.2, r=0.02)
    a = analyse(s, n_grid=200)
    assert a.S.shape == (200,) and a.greeks.delta.shape == (200,)
    assert a.breakevens == s.breakevens() and a.max_loss == s.max_loss()
    assert a.S[0] < s.strikes[0] and a.S[-1] > s.strikes[-1]
    back = StrategyAnalysis.from_dict(json.loads(json.dumps(a.to_dict())))
    np.testing.assert_array_equal(back.pnl_now, a.pnl_now)
    assert back.pop == a.pop and back.margin == a.margin and back.strategy == s
    naked = analyse(build("short_call", 100.0, 0.1, vol=0.2), pop_method="mc", rng=1)
    assert math.isinf(naked.max_loss)
    assert math.isinf(StrategyAnalysis.from_dict(json.loads(json.dumps(naked.to_dict()))).max_loss)


def test_whatif_broadcast_pnl_over_dates_equals_strategy_pnl_date_by_date():
    from core.strategies import build
    from core.strategies.whatif import _pnl_dates

    for name in ("iron_condor", "calendar_spread", "covered_call"):
        st = build(name, 100.0, 30 / 365, vol=0.25, r=0.03, q=0.01)
        S = np.linspace(60, 140, 41)
        dates = [0.0, 10 / 365, 29.99 / 365, 30 / 365]
        got = _pnl_dates(st, S, dates, dict(vol=None, sticky="strike", spot_ref=100.0))
        want = np.vstack([st.pnl(S, d) for d in dates])
        assert np.allclose(got, want, rtol=1e-12, atol=1e-10), name
