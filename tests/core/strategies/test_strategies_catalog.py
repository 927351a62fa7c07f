"""The strategy catalogue: names, placement by moneyness and delta, snapping to a real chain."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from core.errors import DataError
from core.strategies import Strategy, build, catalog, strategy_info
from tests.real_data import spx_2011_chain

REQUIRED = ["long_call", "short_call", "long_put", "short_put", "covered_call", "protective_put",
            "collar", "bull_call_spread", "bear_call_spread", "bull_put_spread",
            "bear_put_spread", "long_straddle", "short_straddle", "long_strangle",
            "short_strangle", "iron_condor", "iron_butterfly", "call_butterfly", "put_butterfly",
            "broken_wing_butterfly", "call_condor", "calendar_spread", "diagonal_spread",
            "call_ratio_spread", "call_backspread", "jade_lizard", "risk_reversal",
            "synthetic_long", "synthetic_short"]


@pytest.fixture(scope="module")
def chain():
    return spx_2011_chain()     # the real SPX chain of 2011-01-24, read from ../shared/data


def test_catalogue_names_and_info():
    names = catalog()
    assert len(names) >= 20 and set(REQUIRED) <= set(names)
    info = strategy_info("iron_condor")
    assert info["label"] == "Iron condor" and len(info["legs"]) == 4
    with pytest.raises(DataError, match="unknown strategy 'condor2'"):
        build("condor2", 100, 0.1, vol=0.2)


@pytest.mark.parametrize("name", catalog())
def test_every_strategy_builds_and_prices_at_black_scholes(name):
    s = build(name, 100.0, 30 / 365, vol=0.2, r=0.03, q=0.01)
    assert isinstance(s, Strategy) and s.name == name and s.spot == 100.0
    # legs are priced at the flat vol: the model P/L today at spot is zero
    assert abs(float(s.pnl(100.0, at_T=0.0))) < 1e-10
    assert s.max_profit() >= 0 and s.max_loss() >= 0


def test_moneyness_placement():
    s = build("iron_condor", 200.0, 0.1, vol=0.25, width=0.05)
    assert s.strikes == (180.0, 190.0, 210.0, 220.0)
    s = build("call_butterfly", 100.0, 0.1, vol=0.25, width=0.1, qty=3)
    assert s.strikes == (90.0, 100.0, 110.0) and [x.qty for x in s.legs] == [3, -6, 3]
    cal = build("calendar_spread", 100.0, 0.1, vol=0.25)
    assert cal.expiries == (0.1, 0.2)
    assert build("diagonal_spread", 100, 0.1, vol=0.2, T2=0.5).expiries == (0.1, 0.5)


def test_delta_placement_hits_the_forward_delta_targets():
    S, T, r, q, vol = 100.0, 0.2, 0.02, 0.01, 0.3
    s = build("short_strangle", S, T, vol=vol, r=r, q=q, by="delta", wing_delta=0.25)
    F = S * math.exp((r - q) * T)
    put, call = s.legs
    d1 = lambda K: (math.log(F / K) + 0.5 * vol * vol * T) / (vol * math.sqrt(T))
    assert norm.cdf(d1(call.strike)) == pytest.approx(0.25, abs=1e-12)
    assert norm.cdf(-d1(put.strike)) == pytest.approx(0.25, abs=1e-12)
    st = build("long_straddle", S, T, vol=vol, r=r, q=q, by="delta")
    assert st.legs[0].strike == st.legs[1].strike
    assert norm.cdf(d1(st.legs[0].strike)) == pytest.approx(0.5, abs=1e-12)
    fly = build("call_butterfly", S, T, vol=vol, by="delta")
    k = fly.strikes
    assert k[1] - k[0] == pytest.approx(k[2] - k[1], rel=1e-12)
    bwb = build("broken_wing_butterfly", S, T, vol=vol, by="delta").strikes
    assert bwb[2] - bwb[1] == pytest.approx(2 * (bwb[1] - bwb[0]), rel=1e-12)


def test_surface_vol_prices_each_leg_at_its_own_vol():
    smile = lambda K, T: 0.2 + 0.3 * np.log(np.asarray(K) / 100.0) ** 2
    s = build("long_strangle", 100.0, 0.25, vol=smile, width=0.1)
    assert [x.vol for x in s.legs] == pytest.approx([float(smile(90, 0)), float(smile(110, 0))])


@pytest.mark.parametrize("by", ["moneyness", "delta"])
def test_chain_snapping_uses_listed_strikes_expiries_and_mids(chain, by):
    quotes = chain.quotes
    listed_T = set(np.round(chain.expiries["T"], 12))
    for name in catalog():
        s = build(name, chain.spot, 30 / 365, vol=0.2, chain=chain, by=by)
        assert set(np.round(s.expiries, 12)) <= listed_T
        for leg in s.legs:
            if not leg.is_option:
                assert leg.price == chain.spot
                continue
            row = quotes[(np.abs(quotes["T"] - leg.T) < 1e-9) & (quotes["strike"] == leg.strike)
                         & (quotes["type"] == leg.kind[0].upper())]
            assert len(row) == 1 and leg.price == float(row["mid"].iloc[0])
            assert leg.vol is not None and 0.05 < leg.vol < 1.5
        # leg vols are the implied vols of the mids: today's model P/L at spot is zero
        assert abs(float(s.pnl(chain.spot, at_T=0.0))) < 1e-7 * chain.spot, name
        if name == "calendar_spread":
            assert s.multi_expiry and s.legs[0].strike == s.legs[1].strike
        if name in ("call_butterfly", "put_butterfly", "iron_butterfly"):
            k = s.strikes
            assert k[1] - k[0] == pytest.approx(k[-1] - k[-2])


def test_chain_rates_default_to_the_near_expiry(chain):
    s = build("bull_call_spread", chain.spot, 0.07, vol=None, chain=chain)
    row = chain.expiries.iloc[0]
    assert s.r == pytest.approx(row["r_implied"]) and s.q == pytest.approx(row["q_implied"])
    assert build("bull_call_spread", chain.spot, 0.07, vol=None, chain=chain, r=0.01).r == 0.01


@pytest.mark.parametrize("kwargs, msg", [
    (dict(vol=None), "vol is required"), (dict(vol=0.2, width=0.7), "width"),
    (dict(vol=0.2, by="gamma"), "by must be"), (dict(vol=0.2, T2=0.05), "T2 must be > T"),
    (dict(vol=-0.2), "vol must be > 0"), (dict(vol=0.2, wing_delta=0.6), "wing_delta"),
])
def test_build_validation(kwargs, msg):
    with pytest.raises(DataError, match=msg):
        build("calendar_spread", 100, 0.1, **kwargs)


def test_delta_placement_with_a_chain_and_no_vol_uses_the_atm_iv(chain):
    s = build("short_strangle", chain.spot, 30 / 365, vol=None, chain=chain, by="delta")
    put, call = s.legs
    assert put.strike < chain.spot < call.strike
    assert abs(float(s.pnl(chain.spot, at_T=0.0))) < 1e-7 * chain.spot
