"""max_sharpe with unbounded weights (issue 11 §4): the tangency portfolio in closed form."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import InfeasibleError
from core.portfolio import max_sharpe, portfolio_performance


def _tangency(mu, cov, rf):
    z = np.linalg.solve(cov, mu - rf)          # w ∝ Σ⁻¹(μ - rf), normalised to sum to one
    return z / z.sum()


def test_unbounded_max_sharpe_is_the_closed_form_tangency_portfolio(mu, cov):
    m, C = mu.to_numpy(), cov.to_numpy()
    w = max_sharpe(mu, cov, rf=0.02, bounds=(None, None))
    truth = _tangency(m, C, 0.02)
    assert (truth < 0).any()                   # the unconstrained optimum really shorts
    np.testing.assert_allclose(w.to_numpy(), truth, atol=1e-5)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    best = (truth @ m - 0.02) / np.sqrt(truth @ C @ truth)
    assert portfolio_performance(w, mu, cov, rf=0.02)[2] == pytest.approx(best, rel=1e-8)


@pytest.mark.parametrize("seed", range(5))
def test_unbounded_max_sharpe_random_problems(seed):
    rng = np.random.default_rng(seed)
    n = 6
    A = rng.normal(size=(n, n))
    C = A @ A.T * 0.02 + np.eye(n) * 0.01
    m = rng.uniform(0.03, 0.15, n)
    truth = _tangency(m, C, 0.02)
    assert np.linalg.solve(C, m - 0.02).sum() > 0   # these seeds have a maximum
    w = max_sharpe(m, C, rf=0.02, bounds=(None, None))
    np.testing.assert_allclose(w, truth, atol=1e-5)


def test_unbounded_max_sharpe_without_a_maximum_says_so():
    C = np.diag([0.04, 0.09])
    m = np.array([0.01, -0.05])                # Σ⁻¹(μ - rf) sums to < 0: no tangency portfolio
    assert np.linalg.solve(C, m - 0.02).sum() < 0
    with pytest.raises(InfeasibleError, match="no maximum"):
        max_sharpe(m, C, rf=0.02, bounds=(None, None))
