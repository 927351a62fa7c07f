"""Mean-variance optimizers against PyPortfolioOpt and scipy SLSQP; constraints and errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypfopt import EfficientFrontier
from scipy.optimize import minimize

from core.errors import DataError, InfeasibleError
from core.portfolio import (efficient_return, efficient_risk, max_sharpe, min_variance,
                            portfolio_performance)

TOL = 1e-4


def _slsqp(objective, n, bounds=(0.0, 1.0), extra=()):
    cons = [{"type": "eq", "fun": lambda w: w.sum() - 1.0}, *extra]
    res = minimize(objective, np.full(n, 1.0 / n), method="SLSQP", bounds=[bounds] * n,
                   constraints=cons, options={"ftol": 1e-15, "maxiter": 2000})
    assert res.success, res.message
    return res.x


def test_min_variance_matches_pypfopt_and_slsqp(cov):
    w = min_variance(cov)
    assert isinstance(w, pd.Series) and list(w.index) == list(cov.index)
    assert w.sum() == pytest.approx(1.0, abs=1e-12) and (w >= 0).all()
    peer = pd.Series(EfficientFrontier(None, cov).min_volatility())
    assert np.abs(w - peer).max() < TOL
    C = cov.to_numpy()
    ref = _slsqp(lambda x: x @ C @ x * 1e2, C.shape[0])
    assert np.abs(w.to_numpy() - ref).max() < TOL


def test_max_sharpe_matches_pypfopt_and_slsqp(mu, cov):
    rf = 0.02
    w = max_sharpe(mu, cov, rf=rf)
    peer = pd.Series(EfficientFrontier(mu, cov).max_sharpe(risk_free_rate=rf))
    assert np.abs(w - peer).max() < TOL
    m, C = mu.to_numpy(), cov.to_numpy()
    ref = _slsqp(lambda x: -(m @ x - rf) / np.sqrt(x @ C @ x), m.size)
    assert np.abs(w.to_numpy() - ref).max() < TOL
    assert portfolio_performance(w, mu, cov, rf=rf)[2] >= portfolio_performance(ref, mu, cov,
                                                                                rf=rf)[2] - 1e-9


def test_shorting_bounds_and_numpy_inputs(mu, cov):
    m, C = mu.to_numpy(), cov.to_numpy()
    w = min_variance(C, bounds=(-0.5, 1.0))
    assert isinstance(w, np.ndarray) and w.min() < 0
    peer = EfficientFrontier(None, cov, weight_bounds=(-0.5, 1.0)).min_volatility()
    assert np.abs(w - np.array(list(peer.values()))).max() < TOL
    ws = max_sharpe(m, C, bounds=(-0.3, 0.6))
    peer = EfficientFrontier(mu, cov, weight_bounds=(-0.3, 0.6)).max_sharpe(risk_free_rate=0)
    assert np.abs(ws - np.array(list(peer.values()))).max() < TOL


def test_target_return_and_target_risk_match_pypfopt(mu, cov):
    w = efficient_return(mu, cov, 0.30)
    peer = pd.Series(EfficientFrontier(mu, cov).efficient_return(0.30))
    assert np.abs(w - peer).max() < TOL
    assert mu @ w == pytest.approx(0.30, abs=1e-7)
    w = efficient_risk(mu, cov, 0.25)
    m, C = mu.to_numpy(), cov.to_numpy()
    ref = _slsqp(lambda x: -m @ x, m.size,
                 extra=[{"type": "ineq", "fun": lambda x: 0.25 ** 2 - x @ C @ x}])
    assert np.abs(w.to_numpy() - ref).max() < TOL
    assert portfolio_performance(w, mu, cov)[1] == pytest.approx(0.25, abs=1e-6)
    # a target below the minimum-variance return gives the minimum-variance portfolio
    np.testing.assert_allclose(efficient_return(mu, cov, -0.5), min_variance(cov), atol=1e-6)


def test_sector_caps_match_pypfopt_and_hold(mu, cov, sectors):
    caps = {"Consumer Discretionary": 0.2, "Financials": 0.15, "Energy": 0.05}
    w = max_sharpe(mu, cov, sectors=sectors, sector_caps=caps)
    by_sector = w.groupby(pd.Series(sectors)).sum()
    for s, c in caps.items():
        assert by_sector[s] <= c + 1e-9
    ef = EfficientFrontier(mu, cov)
    ef.add_sector_constraints(sectors, {s: 0.0 for s in caps}, caps)
    peer = pd.Series(ef.max_sharpe())
    assert np.abs(w - peer).max() < TOL


def test_leverage_cap_and_turnover_limit(mu, cov):
    w = max_sharpe(mu, cov, bounds=(-1, 1), leverage=1.5)
    assert np.abs(w).sum() <= 1.5 + 1e-8 and w.min() < 0
    import cvxpy as cp
    ef = EfficientFrontier(mu, cov, weight_bounds=(-1, 1))
    ef.add_constraint(lambda x: cp.norm1(x) <= 1.5)
    peer = pd.Series(ef.max_sharpe())
    assert np.abs(w - peer).max() < TOL

    w0 = pd.Series(1 / 20, index=cov.index)
    free = min_variance(cov)
    w = min_variance(cov, current_weights=w0, turnover=0.3)
    assert np.abs(w - w0).sum() <= 0.3 + 1e-8
    v = lambda x: x @ cov.to_numpy() @ x
    assert v(w.to_numpy()) >= v(free.to_numpy()) - 1e-12
    loose = min_variance(cov, current_weights=w0, turnover=2.0)
    np.testing.assert_allclose(loose, free, atol=1e-6)


def test_per_asset_bounds_forms(mu, cov):
    w = min_variance(cov, bounds={"AAPL": (0.1, 0.2), "XOM": (0.0, 0.05)})
    assert 0.1 - 1e-9 <= w["AAPL"] <= 0.2 + 1e-9 and w["XOM"] <= 0.05 + 1e-9
    lo, hi = np.zeros(20), np.full(20, 0.1)
    w = min_variance(cov.to_numpy(), bounds=(lo, hi))
    assert w.max() <= 0.1 + 1e-9
    w2 = min_variance(cov.to_numpy(), bounds=list(zip(lo, hi)))
    np.testing.assert_allclose(w, w2, atol=1e-9)


@pytest.mark.parametrize("kwargs, needle", [
    (dict(bounds=(0.06, 1)), "lower bounds sum to 1.2 > 1"),
    (dict(bounds=(0, 0.04)), "upper bounds sum to 0.8 < 1"),
    (dict(bounds={"AAPL": (0.5, 0.2)}), "bounds for AAPL: lower 0.5 > upper 0.2"),
    (dict(sector_caps={"Consumer Discretionary": 0.1, "Financials": 0.1, "Energy": 0.1,
                       "Information Technology": 0.1, "Communication Services": 0.1,
                       "Industrials": 0.1, "Consumer Staples": 0.1, "Health Care": 0.1}),
     "sector caps sum to 0.8 < 1 with long-only weights"),
    (dict(bounds={"XOM": (0.2, 1), "RRC": (0.2, 1)}, sector_caps={"Energy": 0.3}),
     "lower bounds of the Energy assets sum to 0.4 > its sector cap 0.3"),
    (dict(bounds=(-1, 1), leverage=0.9), "gross leverage cap 0.9 < 1"),
    (dict(current_weights={"AAPL": 1.0}, turnover=0.5, bounds=(0, 0.5)),
     "moving the current weights inside the bounds needs turnover >= 1 > the limit 0.5"),
    (dict(current_weights={"XOM": 1.0}, turnover=0.5, sector_caps={"Energy": 0.6}),
     "inside the sector caps needs turnover >= 0.8 > the limit 0.5"),
])
def test_infeasible_before_solving(mu, cov, sectors, kwargs, needle):
    if "sector_caps" in kwargs:
        kwargs["sectors"] = sectors
    with pytest.raises(InfeasibleError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        min_variance(cov, **kwargs)


def test_infeasible_targets(mu, cov):
    with pytest.raises(InfeasibleError, match=r"target return 45.0% is above the highest "
                                              r"attainable 38.9%"):
        efficient_return(mu, cov, 0.45)
    with pytest.raises(InfeasibleError, match=r"target risk 5.0% is below the lowest "
                                              r"attainable 15.9%"):
        efficient_risk(mu, cov, 0.05)
    with pytest.raises(InfeasibleError, match="no feasible portfolio earns more than the "
                                              "risk-free rate 50.00%"):
        max_sharpe(mu, cov, rf=0.5)


def test_conflict_found_by_the_solver_is_named():
    # sector A must be net short 0.5, so B holds 1.5 and gross exposure is at least 2
    C = np.diag([0.04, 0.05, 0.06, 0.07])
    with pytest.raises(InfeasibleError) as exc:
        min_variance(C, bounds=(-1, 1), sectors=["A", "A", "B", "B"],
                     sector_caps={"A": -0.5}, leverage=1.8)
    msg = str(exc.value)
    assert "the sector caps (A ≤ -0.5) and the gross leverage cap 1.8 cannot hold together" \
        in msg, msg
    assert "per-asset bounds" not in msg


@pytest.mark.parametrize("make, needle", [
    (lambda m, C: (m, -C), "not positive semi-definite|negative variance"),
    (lambda m, C: (m.where(m.index != "AAPL"), C), "mu must be finite: AAPL"),
    (lambda m, C: (m.rename({"AAPL": "MSFT"}), C), "only in mu: MSFT; only in cov: AAPL"),
    (lambda m, C: (m.iloc[:5], C), "mu has 5 assets"),
    (lambda m, C: (m, C.to_numpy()[:, :3]), "square"),
    (lambda m, C: (m, C.to_numpy() - np.eye(20) * 0.05),
     "not positive semi-definite|negative variance"),
])
def test_invalid_inputs_raise_data_error(mu, cov, make, needle):
    m, C = make(mu, cov)
    with pytest.raises(DataError, match=needle):
        max_sharpe(m, C)


def test_reordered_tickers_are_aligned(mu, cov):
    rev = cov.index[::-1]
    w = max_sharpe(mu, cov.loc[rev, rev])
    np.testing.assert_allclose(w, max_sharpe(mu, cov), atol=1e-8)


def test_estimates_are_accepted(prices):
    from core.portfolio import ledoit_wolf, mean_return
    mu_e, cov_e = mean_return(prices), ledoit_wolf(prices)
    w = max_sharpe(mu_e, cov_e)
    np.testing.assert_allclose(w, max_sharpe(mu_e.to_pandas(), cov_e.to_pandas()), atol=1e-12)
    assert list(w.index) == list(mu_e.tickers)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 7), seed=st.integers(0, 10_000), lo=st.sampled_from([0.0, -0.3]),
       hi=st.sampled_from([1.0, 0.7, 0.5]))
@example(n=2, seed=2, lo=-0.3, hi=0.5)          # bounds pin the weights at (0.5, 0.5)
def test_property_weights_sum_to_one_within_bounds(n, seed, lo, hi):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n)) * 0.2
    C = A @ A.T + np.eye(n) * 1e-3
    m = rng.uniform(0.01, 0.3, n)
    if hi * n < 1:
        hi = 1.0
    lev = 1.5 if lo < 0 else None
    for w in (min_variance(C, bounds=(lo, hi), leverage=lev),
              max_sharpe(m, C, bounds=(lo, hi), leverage=lev)):
        assert w.sum() == pytest.approx(1.0, abs=1e-12)
        assert (w >= lo - 1e-12).all() and (w <= hi + 1e-12).all()
        if lev:
            assert np.abs(w).sum() <= lev + 1e-7
