"""The per-market cache of the strategy desk's Monte Carlo draws (core.strategies.mc_paths): the
cached draws are exactly the uncached ones, a leg edit reuses them, and VaR and the Monte Carlo
probability of profit are the same with and without the cache and still agree with a full
revaluation of every path (an independent computation from fresh draws)."""
from __future__ import annotations

import numpy as np
import pytest

import core.strategies.whatif as whatif
import core.strategies.probability as probability
from core.errors import DataError
from core.pricing.montecarlo import gbm_terminal
from core.risk.var import var_cvar
from core.strategies import Leg, Strategy, WhatIf, analyse_position, build, terminal_prices
from core.strategies.mc_paths import terminal_prices_cache_info


def test_cached_draws_are_the_uncached_draws_and_read_only():
    args = (101.5, 17 / 365, 0.031, 0.007, 0.23, 20_000)
    fresh = gbm_terminal(*args, rng=11, antithetic=True)
    first = terminal_prices(*args, 11)
    again = terminal_prices(*args, 11)
    assert np.array_equal(first, fresh) and np.array_equal(again, fresh)
    assert again is first                          # served from the cache
    assert not first.flags.writeable               # no caller can change what others get
    with pytest.raises(ValueError):
        first[0] = 0.0
    assert np.array_equal(terminal_prices(*args, 11, cache=False), fresh)
    assert not np.array_equal(terminal_prices(*args, 12), fresh)           # the seed is in the key
    assert not np.array_equal(terminal_prices(102.0, *args[1:], 11), fresh)  # and the market


def test_seed_must_be_an_integer():
    with pytest.raises(DataError, match="seed must be an integer"):
        terminal_prices(100.0, 0.1, 0.0, 0.0, 0.2, 1000, np.random.default_rng(0))
    with pytest.raises(DataError, match="spot must be"):
        terminal_prices("x", 0.1, 0.0, 0.0, 0.2, 1000, 0)


def _uncached(monkeypatch):
    def fresh(*a, **k):
        return terminal_prices(*a, **{**k, "cache": False})
    monkeypatch.setattr(whatif, "terminal_prices", fresh)
    monkeypatch.setattr(probability, "terminal_prices", fresh)


@pytest.mark.parametrize("name,spec", [("iron_condor", WhatIf()),
                                       ("long_straddle", WhatIf(var_horizon="10d", days_forward=5)),
                                       ("jade_lizard", WhatIf(spot_shift=-0.05, vol_shift=0.03,
                                                              var_horizon="1d"))])
def test_analysis_is_identical_with_and_without_the_cache(monkeypatch, name, spec):
    st = build(name, 100.0, 40 / 365, vol=0.22, r=0.03, q=0.01)
    cached = analyse_position(st, spec)
    cached_again = analyse_position(st, spec)            # hits
    _uncached(monkeypatch)
    fresh = analyse_position(st, spec)
    for a in (cached, cached_again):
        assert a.var == fresh.var                       # VaR, CVaR, mean, histogram: bit for bit
        assert a.pops["mc"] == fresh.pops["mc"]


def test_a_leg_edit_reuses_the_draws_and_its_var_is_the_full_revaluation_var():
    st = build("iron_condor", 100.0, 45 / 365, vol=0.2, r=0.02, q=0.0)
    spec = WhatIf(var_horizon="10d", days_forward=5)
    analyse_position(st, spec)
    before = terminal_prices_cache_info()
    legs = list(st.legs)
    x = legs[1]
    legs[1] = Leg(x.kind, x.strike, x.T, 3 * x.qty, x.price, x.vol)   # quantity -1 -> -3 in the grid
    edited = Strategy(tuple(legs), "custom", st.r, st.q, st.spot)
    a = analyse_position(edited, spec)
    after = terminal_prices_cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 2   # VaR and PoP draws reused
    # independent check: fresh draws, every path priced by Black-Scholes (no grid, no cache)
    h, at = 10 / 365, 5 / 365
    rolled = Strategy(tuple(Leg(y.kind, y.strike, y.T - at, y.qty, y.price, y.vol) for y in edited.legs),
                      "custom", st.r, st.q, st.spot)
    ST = gbm_terminal(st.spot, h, st.r, st.q, a.var["sigma"], spec.mc_paths, rng=spec.seed, antithetic=True)
    pnl = rolled.value(ST, h) - float(rolled.value(np.array([st.spot]), 0.0)[0])
    var, cvar = var_cvar(pnl, spec.var_alpha)
    # the page values paths through a fine price grid: within 1e-5 $ per path (test_path_values)
    assert a.var["var"] == pytest.approx(var, abs=1e-5)
    assert a.var["cvar"] == pytest.approx(cvar, abs=1e-5)
