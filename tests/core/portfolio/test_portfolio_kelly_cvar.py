"""Kelly sizing (closed form vs the cvxpy growth problem) and CVaR (vs PyPortfolioOpt's
EfficientCVaR and a direct tail average)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pypfopt import EfficientCVaR

from core.errors import DataError, InfeasibleError
from core.portfolio import cvar, growth_rate, kelly_weights, min_cvar


def test_kelly_closed_form_and_fraction(synthetic):
    m, C = synthetic
    full = kelly_weights(m, C, rf=0.02)
    np.testing.assert_allclose(full, np.linalg.solve(C, m - 0.02), rtol=1e-12)
    np.testing.assert_allclose(kelly_weights(m, C, rf=0.02, fraction=0.5), 0.5 * full,
                               rtol=1e-12)
    # the constrained (cvxpy) path with inactive bounds reproduces the closed form
    loose = kelly_weights(m, C, rf=0.02, bounds=(-100, 100))
    np.testing.assert_allclose(loose, full, atol=1e-6)
    # full Kelly maximises the growth approximation
    g = growth_rate(full, m, C, rf=0.02)
    rng = np.random.default_rng(1)
    for _ in range(20):
        assert growth_rate(full + rng.normal(size=8) * 0.05, m, C, rf=0.02) < g


def test_kelly_constraints(mu, cov):
    f = kelly_weights(mu, cov, fraction=0.5, bounds=(0, None), max_invested=1.0)
    assert isinstance(f, pd.Series) and (f >= 0).all() and f.sum() <= 1 + 1e-8
    g = kelly_weights(mu, cov, leverage=1.5)
    assert np.abs(g).sum() <= 1.5 + 1e-7
    assert growth_rate(g, mu, cov) <= growth_rate(kelly_weights(mu, cov), mu, cov) + 1e-12
    with pytest.raises(InfeasibleError, match="leverage cap"):
        kelly_weights(mu, cov, bounds=(0.1, None), leverage=1.0)
    with pytest.raises(DataError, match="fraction"):
        kelly_weights(mu, cov, fraction=0)


def test_cvar_value_is_the_tail_mean():
    rng = np.random.default_rng(3)
    R = rng.standard_t(4, size=(1000, 3)) * 0.01
    w = np.array([0.5, 0.3, 0.2])
    loss = np.sort(-(R @ w))[::-1]
    assert cvar(w, R, alpha=0.95) == pytest.approx(loss[:50].mean(), rel=1e-12)
    assert cvar(w, R, alpha=0.99) == pytest.approx(loss[:10].mean(), rel=1e-12)


def test_min_cvar_matches_pypfopt(mu, common_returns):
    w = min_cvar(common_returns, alpha=0.95)
    ec = EfficientCVaR(mu, common_returns, beta=0.95)
    peer = pd.Series(ec.min_cvar())
    assert cvar(w, common_returns) == pytest.approx(cvar(peer, common_returns), rel=1e-7)
    assert cvar(w, common_returns) <= cvar(peer, common_returns) + 1e-10
    assert np.abs(w - peer).max() < 1e-4
    # with a return target
    w = min_cvar(common_returns, alpha=0.95, mu=mu, target_return=0.3)
    assert mu @ w >= 0.3 - 1e-8
    ec = EfficientCVaR(mu, common_returns, beta=0.95)
    peer = pd.Series(ec.efficient_return(0.3))
    assert cvar(w, common_returns) == pytest.approx(cvar(peer, common_returns), rel=1e-6)


def test_min_cvar_errors(mu, prices, common_returns):
    from core.data.prices import returns
    with pytest.raises(DataError, match="missing returns"):
        min_cvar(returns(prices, "simple"))
    with pytest.raises(InfeasibleError, match="target return 90.0% is above"):
        min_cvar(common_returns, mu=mu, target_return=0.9)
    with pytest.raises(DataError, match="needs mu"):
        min_cvar(common_returns, target_return=0.1)
