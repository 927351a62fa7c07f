"""Risk contributions, equal risk contribution (vs an exp-cone cvxpy solve) and HRP (vs
PyPortfolioOpt's HRPOpt)."""
from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from pypfopt import HRPOpt

from core.errors import DataError
from core.portfolio import (diversification_ratio, hrp, ledoit_wolf, min_variance,
                            risk_contributions, risk_parity)


def test_equal_risk_contributions(cov):
    w = risk_parity(cov)
    assert isinstance(w, pd.Series) and (w > 0).all()
    assert w.sum() == pytest.approx(1.0, abs=1e-14)
    rc = risk_contributions(w, cov)
    np.testing.assert_allclose(rc.to_numpy(), 1 / 20, atol=1e-12)


def test_risk_budgets_and_cvxpy_log_barrier(cov):
    C = cov.to_numpy()
    b = np.linspace(1, 3, 20)
    b /= b.sum()
    w = risk_parity(C, budgets=b)
    np.testing.assert_allclose(risk_contributions(w, C), b, atol=1e-12)
    y = cp.Variable(20)
    cp.Problem(cp.Minimize(0.5 * cp.quad_form(y, cp.psd_wrap(C)) - b @ cp.log(y))).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    ref = y.value / y.value.sum()
    np.testing.assert_allclose(w, ref, atol=1e-7)


def test_diagonal_covariance_gives_inverse_vol():
    sd = np.array([0.1, 0.2, 0.4])
    w = risk_parity(np.diag(sd ** 2))
    np.testing.assert_allclose(w, (1 / sd) / (1 / sd).sum(), atol=1e-14)


def test_contributions_and_diversification_ratio(cov):
    w = min_variance(cov)
    C = cov.to_numpy()
    vol = np.sqrt(w @ C @ w)
    assert risk_contributions(w, cov, relative=False).sum() == pytest.approx(vol, rel=1e-12)
    # minimum variance: every held asset has the same marginal risk, so RC_i ∝ w_i
    rc = risk_contributions(w, cov)
    held = w > 1e-6
    np.testing.assert_allclose(rc[held], w[held], atol=1e-6)
    one = pd.Series(0.0, index=cov.index)
    one["AAPL"] = 1.0
    assert diversification_ratio(one, cov) == pytest.approx(1.0)
    # n uncorrelated equal-vol assets, equal weights: DR = sqrt(n)
    assert diversification_ratio(np.full(4, 0.25), np.eye(4) * 0.04) == pytest.approx(2.0)


@pytest.mark.parametrize("linkage", ["single", "average", "ward"])
def test_hrp_matches_pypfopt(common_returns, linkage):
    ours = hrp(common_returns.cov(), linkage=linkage)
    ref = pd.Series(HRPOpt(common_returns).optimize(linkage_method=linkage))
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index].to_numpy(), atol=1e-12)
    # scale-free: annualised covariance gives the same weights
    np.testing.assert_allclose(hrp(common_returns.cov() * 252, linkage=linkage), ours,
                               atol=1e-12)


def test_hrp_on_an_estimate(prices):
    w = hrp(ledoit_wolf(prices))
    assert isinstance(w, pd.Series) and (w > 0).all() and w.sum() == pytest.approx(1.0)


def test_errors():
    with pytest.raises(DataError, match="zero variance"):
        risk_parity(np.diag([0.04, 0.0]))
    with pytest.raises(DataError, match="linkage"):
        hrp(np.eye(3), linkage="magic")
    with pytest.raises(DataError, match="budgets must be > 0"):
        risk_parity(np.eye(2), budgets=[1, -1])
