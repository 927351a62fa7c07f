"""Every catalogue template has the property its name promises, at the page defaults
(spot 100, vol 20 %, r 3 %, q 1 %, 30 days, strikes 5 % apart). Prices are checked against an
independent Black-Scholes written with scipy; shapes against the exact expiry payoff."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from core.strategies import build, catalog

S0, VOL, R, Q, T = 100.0, 0.20, 0.03, 0.01, 30 / 365
FAR = np.array([1e-6, 1e4])  # far below and far above every strike


def _bs(S, K, T, r, q, v, call):
    d1 = (math.log(S / K) + (r - q + v * v / 2) * T) / (v * math.sqrt(T))
    d2 = d1 - v * math.sqrt(T)
    if call:
        return S * math.exp(-q * T) * norm.cdf(d1) - K * math.exp(-r * T) * norm.cdf(d2)
    return K * math.exp(-r * T) * norm.cdf(-d2) - S * math.exp(-q * T) * norm.cdf(-d1)


def _st(name):
    return build(name, S0, T, vol=VOL, r=R, q=Q, width=0.05)


def _credit(st):
    return -st.net_premium


def _legs(st, kind):
    return sorted((x for x in st.legs if x.kind == kind), key=lambda x: x.strike)


def _check(name, st):
    up = st.expiry_pnl(np.array([1e4]))[0]
    down = st.expiry_pnl(np.array([1e-6]))[0]
    ml, mp = st.max_loss(), st.max_profit()
    calls, puts = _legs(st, "call"), _legs(st, "put")
    K = st.strikes
    if name == "long_call":
        return math.isinf(mp) and ml == pytest.approx(calls[0].price)
    if name == "short_call":
        return math.isinf(ml) and mp == pytest.approx(calls[0].price)
    if name == "long_put":
        return ml == pytest.approx(puts[0].price) and mp == pytest.approx(puts[0].strike - puts[0].price)
    if name == "short_put":
        return mp == pytest.approx(puts[0].price) and ml == pytest.approx(puts[0].strike - puts[0].price)
    if name == "covered_call":  # capped upside: K - S + premium
        return mp == pytest.approx(calls[0].strike - S0 + calls[0].price) and calls[0].strike > S0
    if name == "protective_put":  # floor: S - K + premium
        return ml == pytest.approx(S0 - puts[0].strike + puts[0].price) and math.isinf(mp)
    if name == "collar":
        return math.isfinite(ml) and math.isfinite(mp) and puts[0].strike < S0 < calls[0].strike
    if name in ("bull_call_spread", "bear_put_spread"):   # debit spreads: loss = debit
        return st.net_premium > 0 and ml == pytest.approx(st.net_premium) and \
            mp == pytest.approx(K[1] - K[0] - st.net_premium)
    if name in ("bear_call_spread", "bull_put_spread"):   # credit spreads: profit = credit
        return _credit(st) > 0 and mp == pytest.approx(_credit(st)) and \
            ml == pytest.approx(K[1] - K[0] - _credit(st))
    if name == "long_straddle":
        return K == (pytest.approx(S0),) and float(st.greeks(S0).gamma) > 0 and math.isinf(mp)
    if name == "short_straddle":
        return K == (pytest.approx(S0),) and float(st.greeks(S0).gamma) < 0 and math.isinf(ml)
    if name == "long_strangle":
        return puts[0].strike < S0 < calls[0].strike and math.isinf(mp) and ml == pytest.approx(st.net_premium)
    if name == "short_strangle":
        return puts[0].strike < S0 < calls[0].strike and math.isinf(ml) and mp == pytest.approx(_credit(st))
    if name in ("iron_condor", "iron_butterfly"):
        wing = max(puts[1].strike - puts[0].strike, calls[1].strike - calls[0].strike)
        shape = puts[1].strike < calls[0].strike if name == "iron_condor" else \
            puts[1].strike == calls[0].strike == pytest.approx(S0)
        return shape and _credit(st) > 0 and ml == pytest.approx(wing - _credit(st))
    if name in ("call_butterfly", "put_butterfly"):
        return K[1] - K[0] == pytest.approx(K[2] - K[1]) and st.net_premium > 0 and \
            mp == pytest.approx(K[1] - K[0] - st.net_premium) and ml == pytest.approx(st.net_premium)
    if name == "broken_wing_butterfly":
        return K[2] - K[1] > K[1] - K[0] and math.isfinite(ml) and up < 0 < mp
    if name == "call_condor":
        return st.net_premium > 0 and ml == pytest.approx(st.net_premium) and \
            mp == pytest.approx(K[1] - K[0] - st.net_premium)
    if name == "calendar_spread":  # same strike, short near, long far: debit, long vega
        near, far = sorted(st.legs, key=lambda x: x.T)
        return near.qty < 0 < far.qty and near.strike == far.strike and st.net_premium > 0 and \
            float(st.greeks(S0).vega) > 0
    if name == "diagonal_spread":
        near, far = sorted(st.legs, key=lambda x: x.T)
        return near.qty < 0 < far.qty and near.strike > far.strike and near.T < far.T
    if name in ("call_ratio_spread", "put_ratio_spread"):  # one long, two shorts further out
        legs = calls if name.startswith("call") else puts
        return sum(x.qty for x in legs) == -1 and math.isfinite(mp) and \
            (up < 0 if name.startswith("call") else down < 0)
    if name in ("call_backspread", "put_backspread"):
        legs = calls if name.startswith("call") else puts
        return sum(x.qty for x in legs) == 1 and math.isinf(mp) if name.startswith("call") else \
            sum(x.qty for x in legs) == 1 and down > 0
    if name == "jade_lizard":  # no upside risk: the credit covers the call-spread width
        width = calls[1].strike - calls[0].strike
        return puts[0].strike < S0 < calls[0].strike and _credit(st) >= width and up >= -1e-9
    if name == "risk_reversal":
        return float(st.greeks(S0).delta) > 0 and puts[0].strike < S0 < calls[0].strike and math.isinf(mp)
    if name in ("synthetic_long", "synthetic_short"):
        sign = 1 if name == "synthetic_long" else -1
        return float(st.greeks(S0).delta) == pytest.approx(sign * math.exp(-Q * T), rel=1e-9)
    raise AssertionError(f"no property written for {name}")


@pytest.mark.parametrize("name", catalog())
def test_every_template_has_its_defining_property_at_the_defaults(name):
    st = _st(name)
    for leg in st.legs:  # priced by Black-Scholes at the flat vol (independent formula)
        if leg.is_option:
            assert leg.price == pytest.approx(_bs(S0, leg.strike, leg.T, R, Q, VOL, leg.kind == "call"), rel=1e-9)
    assert _check(name, st), name


@pytest.mark.parametrize("vol", [0.10, 0.20, 0.45])
def test_jade_lizard_has_no_upside_risk_at_any_vol(vol):
    st = build("jade_lizard", S0, T, vol=vol, r=R, q=Q)
    short_call, long_call = _legs(st, "call")
    assert -st.net_premium >= long_call.strike - short_call.strike
    assert st.expiry_pnl(np.array([1e5]))[0] >= -1e-9


def test_jade_lizard_on_the_spx_chain_keeps_its_credit_above_the_width():
    from core.data import sample_chain

    c = sample_chain()
    st = build("jade_lizard", c.spot, 30 / 365, vol=None, chain=c)
    short_call, long_call = _legs(st, "call")
    assert -st.net_premium >= long_call.strike - short_call.strike
