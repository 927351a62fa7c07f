"""VaR and CVaR: closed forms of a normal P/L, the empirical estimator, and strategy VaR by full
revaluation against lognormal closed forms."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from core.errors import DataError
from core.risk import VaRResult, parametric_cvar, parametric_var, strategy_var, var_cvar
from core.strategies import Leg, Strategy, build


def test_parametric_normal_closed_forms():
    assert parametric_var(0, 1, 0.95) == pytest.approx(1.6448536269514722)
    assert parametric_cvar(0, 1, 0.95) == pytest.approx(2.0627128075074257)
    assert parametric_var(2, 10, 0.99) == pytest.approx(10 * norm.ppf(0.99) - 2)
    assert parametric_cvar(2, 10, 0.99) == pytest.approx(10 * norm.pdf(norm.ppf(0.99)) / 0.01 - 2)


@pytest.mark.parametrize("alpha", [0.95, 0.99])
def test_sample_var_cvar_of_a_normal_pnl_match_closed_forms(alpha):
    x = np.random.default_rng(1).normal(0.5, 2.0, 2_000_000)
    var, cvar = var_cvar(x, alpha)
    assert var == pytest.approx(parametric_var(0.5, 2.0, alpha), rel=5e-3)
    assert cvar == pytest.approx(parametric_cvar(0.5, 2.0, alpha), rel=5e-3)


def test_empirical_estimator_on_a_small_sample():
    pnl = np.arange(-10.0, 90.0)  # 100 outcomes, worst -10 ... -1
    var, cvar = var_cvar(pnl, 0.95)  # 5 tail outcomes: -10..-6
    assert var == 6.0 and cvar == pytest.approx(8.0)
    var, cvar = var_cvar(pnl, 0.975)  # 2.5 outcomes: -10, -9 and half of -8
    assert var == 8.0 and cvar == pytest.approx((10 + 9 + 0.5 * 8) / 2.5)


def test_strategy_var_of_long_stock_matches_lognormal_closed_form():
    s = Strategy([Leg("stock", 0, 0, 1, 100)], spot=100.0)
    h, mu, sig, a = 10 / 365, 0.05, 0.3, 0.99
    res = strategy_var(s, h, sigma=sig, mu=mu, alpha=a, n_paths=1_000_000, rng=2)
    z = norm.ppf(1 - a)
    var = 100 * (1 - math.exp((mu - 0.5 * sig**2) * h + sig * math.sqrt(h) * z))
    cvar = 100 - 100 * math.exp(mu * h) * norm.cdf(z - sig * math.sqrt(h)) / (1 - a)
    assert res.var == pytest.approx(var, rel=0.01) and res.cvar == pytest.approx(cvar, rel=0.01)
    par = strategy_var(s, h, sigma=sig, mu=mu, method="parametric", alpha=a)
    assert par.var == pytest.approx(parametric_var(100 * mu * h, 100 * sig * math.sqrt(h), a))
    assert VaRResult.from_dict(res.to_dict()) == res


def test_historical_var_revalues_each_return():
    s = build("short_put", 100, 30 / 365, vol=0.2, r=0.01)
    rets = np.random.default_rng(4).normal(0, 0.015, 500)
    res = strategy_var(s, 1 / 365, method="historical", returns=rets, alpha=0.95)
    pnl = s.pnl(100 * np.exp(rets), at_T=1 / 365) - s.pnl(100, at_T=0.0)
    assert res.var == pytest.approx(-np.quantile(pnl, 0.05, method="inverted_cdf"))
    assert res.n_samples == 500 and res.cvar >= res.var


def test_short_gamma_mc_var_exceeds_its_delta_gamma_normal_var():
    s = build("short_straddle", 100, 30 / 365, vol=0.2)
    mc = strategy_var(s, 1 / 365, n_paths=200_000, rng=1)
    par = strategy_var(s, 1 / 365, method="parametric")
    assert mc.std_pnl == pytest.approx(par.std_pnl, rel=0.05)
    assert mc.var > par.var  # the normal misses the short-gamma left skew


def test_var_validation():
    s = build("iron_condor", 100, 0.1, vol=0.2)
    with pytest.raises(DataError, match="at_T must be <= the first expiry"):
        strategy_var(s, 0.5)
    with pytest.raises(DataError, match="returns="):
        strategy_var(s, 0.01, method="historical")
    with pytest.raises(DataError, match="alpha"):
        var_cvar([1, 2, 3], 1.5)
    with pytest.raises(DataError, match="method"):
        strategy_var(s, 0.01, method="evt")
