"""Risk budgeting: risk contributions, equal risk contribution, hierarchical risk parity.

* :func:`risk_contributions` — RC_i = w_i (Σw)_i / σ_p (they sum to σ_p), or as shares.
* :func:`diversification_ratio` — Σ w_i σ_i / σ_p (1 for a single asset, larger when
  diversified).
* :func:`risk_parity` — long-only weights whose risk shares equal given budgets (equal by
  default), from the strictly convex log-barrier problem of Spinu (2013),
  min ½ y'Σy - Σ b_i ln y_i, solved by a damped Newton method; w = y / Σy.
* :func:`hrp` — hierarchical risk parity (López de Prado 2016): single-linkage clustering on
  the correlation distance sqrt((1 - ρ)/2), quasi-diagonal ordering, recursive bisection with
  inverse-variance cluster weights (as PyPortfolioOpt's ``HRPOpt``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import DataError, ParityError
from core.portfolio._inputs import as_cov, as_weights, wrap
from core._typing import FloatArray, MatrixLike, WeightsLike

__all__ = ["risk_contributions", "diversification_ratio", "risk_parity", "hrp",
           "LINKAGE_METHODS"]

#: scipy linkage methods accepted by :func:`hrp`.
LINKAGE_METHODS = ("single", "complete", "average", "weighted", "centroid", "median", "ward")


def risk_contributions(weights: WeightsLike, cov: MatrixLike, *,
                       relative: bool = True) -> np.ndarray | pd.Series:
    """Contribution of each asset to portfolio volatility.

    Parameters
    ----------
    weights : Series, dict or array
        Portfolio weights.
    cov : DataFrame, ndarray or Estimate
        Annualised covariance (decimals² per year).
    relative : bool
        True: shares of total risk, RC_i / σ_p (sum to one). False: RC_i = w_i(Σw)_i / σ_p,
        decimals of volatility per year (sum to σ_p).

    Returns
    -------
    pandas.Series or ndarray
    """
    C, tickers = as_cov(cov)
    w = as_weights("weights", weights, tickers, C.shape[0], fill=0.0)
    var = float(w @ C @ w)
    if var <= 0:
        raise DataError("the portfolio has zero variance: risk contributions are undefined")
    rc = w * (C @ w)
    out = rc / var if relative else rc / np.sqrt(var)
    return wrap(out, tickers, "risk_contribution")


def diversification_ratio(weights: WeightsLike, cov: MatrixLike) -> float:
    """Diversification ratio Σ|w_i|σ_i / σ_p (dimensionless, ≥ 1 for long-only weights).

    Parameters
    ----------
    weights : Series, dict or array
        Portfolio weights, fractions of capital (missing tickers count as 0).
    cov : DataFrame, ndarray or Estimate
        Covariance, decimals² per year.

    Returns
    -------
    float
        Σ|w_i|σ_i / σ_p, dimensionless.

    Raises
    ------
    DataError
        A portfolio with zero variance.
    """
    C, tickers = as_cov(cov)
    w = as_weights("weights", weights, tickers, C.shape[0], fill=0.0)
    var = float(w @ C @ w)
    if var <= 0:
        raise DataError("the portfolio has zero variance: the diversification ratio is "
                        "undefined")
    return float(np.abs(w) @ np.sqrt(np.diag(C)) / np.sqrt(var))


def risk_parity(cov: MatrixLike, *, budgets: WeightsLike | None = None, tol: float = 1e-14,
                max_iter: int = 100) -> pd.Series | FloatArray:
    """Equal-risk-contribution (or risk-budgeting) long-only weights.

    Parameters
    ----------
    cov : DataFrame, ndarray or Estimate
        Annualised covariance; every asset needs a positive variance.
    budgets : Series, dict or array, optional
        Target risk shares b_i > 0 (normalised to sum to one); equal by default.
    tol : float
        Stop when the Newton decrement λ²/2 falls below ``tol``.
    max_iter : int
        Most Newton steps before giving up.

    Returns
    -------
    pandas.Series or ndarray
        Weights > 0 summing to one with w_i(Σw)_i / w'Σw = b_i.

    Notes
    -----
    The objective ½ y'Σy - b'ln y is strictly convex on y > 0 (its Hessian Σ + diag(b/y²) is
    positive definite), its minimiser satisfies y_i (Σy)_i = b_i, and w = y / Σy has the
    budgets as risk shares. Newton converges quadratically from y_0 ∝ 1/σ_i.
    """
    C, tickers = as_cov(cov)
    n = C.shape[0]
    sd = np.sqrt(np.diag(C))
    if np.any(sd <= 0):
        i = int(np.argmin(sd))
        raise DataError(f"{tickers[i] if tickers else f'asset {i}'} has zero variance: risk "
                        f"parity needs every asset to carry risk")
    if budgets is None:
        b = np.full(n, 1.0 / n)
    else:
        b = as_weights("budgets", budgets, tickers, n)
        if np.any(b <= 0):
            raise DataError("budgets must be > 0")
        b = b / b.sum()
    # work on the correlation scale for conditioning: y_i = x_i / σ_i
    R = C / np.outer(sd, sd)
    x = 1.0 / np.sqrt(max(float(np.ones(n) @ R @ np.ones(n)), 1e-300)) * np.ones(n)

    def f(v):
        return 0.5 * v @ R @ v - b @ np.log(v)

    for _ in range(max_iter):
        g = R @ x - b / x
        H = R + np.diag(b / x ** 2)
        d = -np.linalg.solve(H, g)
        dec = -g @ d
        if dec / 2 < tol:
            break
        t, fx = 1.0, f(x)
        while np.any(x + t * d <= 0) or f(x + t * d) > fx - 0.25 * t * dec:
            t *= 0.5
            if t < 1e-12:
                raise ParityError("risk parity: the Newton line search stalled")
        x = x + t * d
    else:
        raise ParityError(f"risk parity did not converge in {max_iter} Newton steps")
    y = x / sd
    return wrap(y / y.sum(), tickers, "weight")


def _cluster_var(C: np.ndarray, items: list[int]) -> float:
    sub = C[np.ix_(items, items)]
    w = 1.0 / np.diag(sub)
    w /= w.sum()
    return float(w @ sub @ w)


def hrp(cov: MatrixLike, *, linkage: str = "single") -> pd.Series | FloatArray:
    """Hierarchical risk parity weights (López de Prado 2016).

    Parameters
    ----------
    cov : DataFrame, ndarray or Estimate
        Covariance (any scale: annualised or per period); every variance > 0.
    linkage : str
        scipy linkage method, one of :data:`LINKAGE_METHODS` (single by default, as the
        original).

    Returns
    -------
    pandas.Series or ndarray
        Long-only weights summing to one.
    """
    import scipy.cluster.hierarchy as sch
    from scipy.spatial.distance import squareform

    if linkage not in LINKAGE_METHODS:
        raise DataError(f"linkage must be one of {', '.join(LINKAGE_METHODS)}, got "
                        f"{linkage!r}")
    C, tickers = as_cov(cov)
    n = C.shape[0]
    sd = np.sqrt(np.diag(C))
    if np.any(sd <= 0):
        raise DataError("hrp needs every asset to have a positive variance")
    if n == 1:
        return wrap(np.ones(1), tickers, "weight")
    corr = np.clip(C / np.outer(sd, sd), -1.0, 1.0)
    dist = np.sqrt(np.clip((1.0 - corr) / 2.0, 0.0, 1.0))
    np.fill_diagonal(dist, 0.0)
    link = sch.linkage(squareform(dist, checks=False), method=linkage)
    order = [int(i) for i in sch.leaves_list(link)]
    w = np.ones(n)
    clusters = [order]
    while clusters:
        clusters = [c[j:k] for c in clusters for j, k in ((0, len(c) // 2), (len(c) // 2, len(c)))
                    if len(c) > 1]
        for i in range(0, len(clusters), 2):
            left, right = clusters[i], clusters[i + 1]
            v_left, v_right = _cluster_var(C, left), _cluster_var(C, right)
            alpha = 1.0 - v_left / (v_left + v_right)
            w[left] *= alpha
            w[right] *= 1.0 - alpha
    return wrap(w / w.sum(), tickers, "weight")
