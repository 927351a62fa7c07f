"""core.portfolio.Constraints: one validated, frozen object for the six constraint keywords."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError, InfeasibleError
from core.portfolio import (Constraints, efficient_frontier, efficient_return, max_sharpe,
                            min_cvar, min_variance)

TICKERS = ["A", "B", "C", "D"]


@pytest.fixture
def mu_cov():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(400, 4)) @ np.diag([0.1, 0.15, 0.2, 0.25])
    cov = pd.DataFrame(np.cov(X.T), index=TICKERS, columns=TICKERS)
    mu = pd.Series([0.05, 0.07, 0.09, 0.12], index=TICKERS)
    return mu, cov


def test_unbounded_min_variance_matches_the_closed_form(mu_cov):
    _, cov = mu_cov
    inv = np.linalg.solve(cov.to_numpy(), np.ones(4))
    truth = inv / inv.sum()                      # Σ⁻¹1 / 1'Σ⁻¹1, no inequality constraints
    w = min_variance(cov, constraints=Constraints(bounds=(None, None)))
    np.testing.assert_allclose(w.to_numpy(), truth, atol=1e-6)
    np.testing.assert_allclose(min_variance(cov, bounds=(None, None)).to_numpy(), truth, atol=1e-6)


def test_keywords_and_object_give_the_same_portfolios(mu_cov):
    mu, cov = mu_cov
    sectors = {"A": "x", "B": "x", "C": "y", "D": "y"}
    kw = dict(bounds=(-0.2, 0.7), sectors=sectors, sector_caps={"y": 0.5}, leverage=1.6,
              current_weights={t: 0.25 for t in TICKERS}, turnover=0.8)
    c = Constraints(**kw)
    np.testing.assert_allclose(max_sharpe(mu, cov, constraints=c), max_sharpe(mu, cov, **kw), atol=1e-7)
    np.testing.assert_allclose(efficient_return(mu, cov, 0.08, constraints=c),
                               efficient_return(mu, cov, 0.08, **kw), atol=1e-7)
    f1 = efficient_frontier(mu, cov, 5, constraints=c)
    f2 = efficient_frontier(mu, cov, 5, **kw)
    np.testing.assert_allclose(f1.weights, f2.weights, atol=1e-7)
    # the constraints hold: sector y capped at 0.5, gross <= 1.6, bounds
    w = max_sharpe(mu, cov, constraints=c)
    assert w[["C", "D"]].sum() <= 0.5 + 1e-7 and w.abs().sum() <= 1.6 + 1e-7
    assert w.min() >= -0.2 - 1e-9 and w.max() <= 0.7 + 1e-9
    scen = pd.DataFrame(np.random.default_rng(1).normal(0, 0.01, (300, 4)), columns=TICKERS)
    np.testing.assert_allclose(min_cvar(scen, constraints=c), min_cvar(scen, **kw), atol=1e-6)


def test_constraints_are_frozen_validated_and_round_trip_through_json():
    c = Constraints(bounds={"A": (0, 0.5)}, sectors=["x", "x", "y", "y"], sector_caps={"x": 0.6},
                    current_weights=np.array([0.25] * 4), turnover=0.5, leverage=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.leverage = 2.0
    back = Constraints.from_dict(json.loads(json.dumps(c.to_dict())))
    assert back == c
    with pytest.raises(DataError, match="turnover limit needs current_weights"):
        Constraints(turnover=0.1)
    with pytest.raises(DataError, match="turnover"):
        Constraints(turnover=-0.1, current_weights=[1.0])
    with pytest.raises(DataError, match="leverage"):
        Constraints(leverage=0)
    with pytest.raises(DataError, match="sector_caps need sectors"):
        Constraints(sector_caps={"x": 0.5})


def test_object_and_keywords_together_is_an_error(mu_cov):
    _, cov = mu_cov
    with pytest.raises(DataError, match="either constraints= or the keywords"):
        min_variance(cov, constraints=Constraints(), leverage=2.0)
    with pytest.raises(DataError, match="must be a core.portfolio.Constraints"):
        min_variance(cov, constraints={"bounds": (0, 1)})


def test_conflicts_are_still_named(mu_cov):
    _, cov = mu_cov
    with pytest.raises(InfeasibleError, match="upper bounds sum to 0.8 < 1"):
        min_variance(cov, constraints=Constraints(bounds=(0, 0.2)))
