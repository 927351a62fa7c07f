"""Monte Carlo revaluation through a fine price grid (core.strategies.whatif.path_values) agrees
with pricing every path by Black-Scholes, before expiry and at it, and the VaR built on it is the
VaR of the full revaluation."""
from __future__ import annotations

import numpy as np
import pytest

from core.pricing.montecarlo import gbm_terminal
from core.risk.var import var_cvar
from core.strategies import WhatIf, analyse_position, build
from core.strategies.whatif import path_values


@pytest.mark.parametrize("name", ["iron_condor", "long_call", "jade_lizard", "long_straddle", "covered_call"])
@pytest.mark.parametrize("horizon_days", [1.0, 10.0, 30.0])
def test_grid_revaluation_matches_pricing_every_path(name, horizon_days):
    st = build(name, 100.0, 30 / 365, vol=0.25, r=0.03, q=0.01)
    ST = gbm_terminal(100.0, horizon_days / 365, 0.03, 0.01, 0.25, 100_000, rng=7, antithetic=True)
    exact = st.value(ST, horizon_days / 365)      # at 30 days: the expiry, intrinsic values
    fast = path_values(st, ST, horizon_days / 365)
    assert np.max(np.abs(fast - exact)) < 1e-5


def test_var_of_the_page_is_the_var_of_full_revaluation():
    st = build("iron_condor", 100.0, 45 / 365, vol=0.2, r=0.02, q=0.0)
    spec = WhatIf(var_horizon="10d", days_forward=5)
    a = analyse_position(st, spec)
    # the same draws, every path priced: the analysis' VaR horizon from day 5, seed as the module uses
    h, at = 10 / 365, 5 / 365
    spot = st.spot
    rolled_T = [x for x in st.legs if x.is_option]
    from core.strategies import Leg, Strategy
    rolled = Strategy(tuple(Leg(x.kind, x.strike, x.T - at, x.qty, x.price, x.vol) for x in rolled_T),
                      st.name, st.r, st.q, spot)
    ST = gbm_terminal(spot, h, st.r, st.q, a.var["sigma"], spec.mc_paths, rng=spec.seed, antithetic=True)
    pnl = rolled.value(ST, h) - float(rolled.value(np.array([spot]), 0.0)[0])
    var, cvar = var_cvar(pnl, spec.var_alpha)
    assert a.var["var"] == pytest.approx(var, abs=1e-6)
    assert a.var["cvar"] == pytest.approx(cvar, abs=1e-6)
