"""The efficient frontier: shape (monotone, concave), agreement with point solves and with
PyPortfolioOpt, constraints at every point, one parametrised problem, serialisation."""
from __future__ import annotations

import json
import sys

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypfopt import EfficientFrontier

from core.errors import DataError, InfeasibleError
from core.portfolio import (Frontier, efficient_frontier, efficient_return, max_sharpe,
                            min_variance, portfolio_performance)


def _assert_shape(F: Frontier, tol=1e-9):
    assert np.all(np.diff(F.returns) > 0)
    assert np.all(np.diff(F.risks) >= -tol)
    # concave in (risk, return) <=> risk convex in return (targets are evenly spaced)
    assert np.all(np.diff(F.risks, 2) >= -tol)
    slopes = np.diff(F.returns) / np.maximum(np.diff(F.risks), 1e-300)
    assert np.all(np.diff(slopes[1:]) <= 1e-6 * np.abs(slopes[1:-1]).max())
    np.testing.assert_allclose(F.weights.sum(axis=1), 1.0, atol=1e-12)


@pytest.fixture(scope="module")
def frontier(mu, cov):
    return efficient_frontier(mu, cov, 50)


def test_frontier_is_monotone_and_concave(frontier, mu, cov):
    F = frontier
    assert len(F) == 50 and F.weights.shape == (50, 20) and F.tickers == tuple(cov.index)
    _assert_shape(F)
    assert (F.weights >= 0).all()
    np.testing.assert_allclose(F.weights[0], min_variance(cov), atol=1e-7)
    assert F.returns[-1] == pytest.approx(mu.max(), abs=1e-7)
    assert F.solver == "CLARABEL" and F.elapsed > 0


def test_points_match_point_solves_and_pypfopt(frontier, mu, cov):
    for i in (5, 25, 45):
        t = frontier.returns[i]
        np.testing.assert_allclose(frontier.weights[i], efficient_return(mu, cov, t), atol=1e-6)
        peer = EfficientFrontier(mu, cov).efficient_return(t)
        assert np.abs(frontier.weights[i] - np.array(list(peer.values()))).max() < 1e-4
        r, v, _ = portfolio_performance(frontier.weights[i], mu, cov)
        assert (r, v) == pytest.approx((frontier.returns[i], frontier.risks[i]), abs=1e-12)


def test_max_sharpe_lies_on_the_frontier(frontier, mu, cov):
    w = max_sharpe(mu, cov)
    best = frontier.sharpe().max()
    s = portfolio_performance(w, mu, cov)[2]
    assert s >= best - 1e-9 and s - best < 0.01
    assert frontier.sharpe()[frontier.max_sharpe_index()] == best


def test_one_parametrised_problem_is_built(mu, cov, monkeypatch):
    built = []
    original = cp.Problem.__init__

    def counting(self, *args, **kwargs):
        if sys._getframe(1).f_globals["__name__"].startswith("core."):
            built.append(self)               # problems built by Parity, not by cvxpy itself
        original(self, *args, **kwargs)

    monkeypatch.setattr(cp.Problem, "__init__", counting)
    F = efficient_frontier(mu, cov, 30)
    assert len(F) == 30
    assert len(built) == 2            # the max-return LP and the parametrised QP
    qp = built[1]
    assert qp.is_dpp() and [p.name() for p in qp.parameters()] == ["target_return"]


def test_constraints_hold_at_every_point(mu, cov, sectors):
    caps = {"Consumer Discretionary": 0.25, "Energy": 0.05, "Financials": 0.2}
    w0 = pd.Series(1 / 20, index=cov.index)
    F = efficient_frontier(mu, cov, 20, bounds=(-0.1, 0.4), leverage=1.4, sectors=sectors,
                           sector_caps=caps, current_weights=w0, turnover=0.9)
    _assert_shape(F, tol=1e-8)
    W = F.weights_frame()
    tol = 1e-7
    assert (W.to_numpy() >= -0.1 - tol).all() and (W.to_numpy() <= 0.4 + tol).all()
    assert (W.abs().sum(axis=1) <= 1.4 + tol).all()
    assert ((W - w0).abs().sum(axis=1) <= 0.9 + tol).all()
    sec = W.T.groupby(pd.Series(sectors)).sum().T
    for s, c in caps.items():
        assert (sec[s] <= c + tol).all()


def test_numpy_inputs_progress_and_round_trip(synthetic):
    m, C = synthetic
    seen = []
    F = efficient_frontier(m, C, 12, bounds=(-0.5, 1.0), leverage=2.0,
                           progress=lambda f, msg: seen.append(f))
    assert F.tickers is None and F.weights.shape == (12, 8)
    assert len(seen) == 12 and seen[-1] == pytest.approx(1.0)
    _assert_shape(F)
    back = Frontier.from_dict(json.loads(json.dumps(F.to_dict())))
    np.testing.assert_array_equal(back.weights, F.weights)
    np.testing.assert_array_equal(back.risks, F.risks)
    assert back.tickers is None and back.notes == F.notes


def test_bad_arguments(mu, cov):
    with pytest.raises(DataError, match="n_points must be >= 2"):
        efficient_frontier(mu, cov, 1)
    with pytest.raises(DataError, match="unbounded"):
        efficient_frontier(mu, cov, 5, bounds=(None, None))
    with pytest.raises(InfeasibleError, match="upper bounds sum to"):
        efficient_frontier(mu, cov, 5, bounds=(0, 0.01))


@st.composite
def _universe(draw):
    n = draw(st.integers(2, 6))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n)) * rng.uniform(0.05, 0.4)
    C = A @ A.T + np.eye(n) * 1e-3
    m = rng.uniform(-0.05, 0.3, n)
    hi = draw(st.sampled_from([1.0, 0.6]))
    if hi * n < 1:
        hi = 1.0
    return m, C, hi


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_universe())
def test_property_weights_sum_to_one_and_shape(u):
    m, C, hi = u
    F = efficient_frontier(m, C, 8, bounds=(0, hi))
    np.testing.assert_allclose(F.weights.sum(axis=1), 1.0, atol=1e-12)
    assert (F.weights >= 0).all() and (F.weights <= hi + 1e-12).all()
    if F.returns[-1] - F.returns[0] > 1e-6:
        _assert_shape(F, tol=1e-7)
