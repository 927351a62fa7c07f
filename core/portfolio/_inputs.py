"""Input coercion and the solver call shared by the optimizers of :mod:`core.portfolio`.

Expected returns and covariances arrive as pandas objects, numpy arrays or
:class:`~core.portfolio.estimators.Estimate` results. They are turned into float64 arrays plus
the ticker labels (``None`` for plain arrays); results go back as a pandas Series indexed by
ticker when tickers are known, an ndarray otherwise.
"""
from __future__ import annotations

from typing import Any

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from core.errors import DataError
from core._typing import MatrixLike, VectorLike, WeightsLike

__all__ = ["as_mu", "as_cov", "as_mu_cov", "as_weights", "wrap", "solve", "solved", "SOLVER",
           "SOLVER_OPTIONS", "PSD_TOL", "finite_scalar"]

#: The conic solver used for every problem (ships with cvxpy; interior point, QP + SOC + exp).
SOLVER = "CLARABEL"
#: Clarabel tolerances, tighter than its defaults (1e-8): one more interior-point iteration
#: buys weights accurate to ~1e-8 instead of ~1e-6.
SOLVER_OPTIONS = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
#: Relative tolerance on the smallest eigenvalue of a covariance matrix (times the largest).
PSD_TOL = 1e-9


def _unwrap(x):
    """An :class:`Estimate` (duck-typed, avoiding an import cycle) becomes its pandas value."""
    if hasattr(x, "to_pandas") and hasattr(x, "tickers") and hasattr(x, "notes"):
        return x.to_pandas()
    return x


def _labels(index) -> tuple[str, ...]:
    labels = tuple(str(t) for t in index)
    if len(set(labels)) != len(labels):
        dup = pd.Index(labels)[pd.Index(labels).duplicated()][0]
        raise DataError(f"ticker {dup!r} appears twice")
    return labels


def finite_scalar(name: str, value: Any, *, lo: float | None = None, hi: float | None = None,
                  strict: bool = False) -> float:
    """``value`` as a finite float within [lo, hi] (open if ``strict``), else DataError."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(v):
        raise DataError(f"{name} must be finite, got {value!r}")
    if lo is not None and (v <= lo if strict else v < lo):
        raise DataError(f"{name} must be {'>' if strict else '>='} {lo:g}, got {v:g}")
    if hi is not None and (v >= hi if strict else v > hi):
        raise DataError(f"{name} must be {'<' if strict else '<='} {hi:g}, got {v:g}")
    return v


def as_mu(mu: VectorLike, name: str = "mu") -> tuple[np.ndarray, tuple[str, ...] | None]:
    """Expected returns as a 1-D float64 array and their tickers (or None)."""
    mu = _unwrap(mu)
    tickers = None
    if isinstance(mu, pd.DataFrame):
        if mu.shape[1] != 1:
            raise DataError(f"{name} must be one column of expected returns, got "
                            f"{mu.shape[1]} columns")
        mu = mu.iloc[:, 0]
    if isinstance(mu, pd.Series):
        tickers = _labels(mu.index)
    elif isinstance(mu, Mapping):
        tickers = _labels(mu.keys())
        mu = list(mu.values())
    try:
        arr = np.asarray(mu, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric expected returns") from exc
    if arr.size == 0:
        raise DataError(f"{name} is empty: expected one expected return per asset")
    bad = ~np.isfinite(arr)
    if bad.any():
        who = tickers[int(np.argmax(bad))] if tickers else f"asset {int(np.argmax(bad))}"
        raise DataError(f"{name} must be finite: {who} has {arr[bad][0]}")
    return arr, tickers


def as_cov(cov: MatrixLike, name: str = "cov", *, check_psd: bool = True
           ) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """A symmetric positive semi-definite covariance matrix and its tickers (or None)."""
    cov = _unwrap(cov)
    tickers = None
    if isinstance(cov, pd.DataFrame):
        rows, cols = _labels(cov.index), _labels(cov.columns)
        if rows != cols:
            if set(rows) != set(cols):
                raise DataError(f"{name} rows and columns name different tickers")
            cov = cov.loc[list(cov.index), [cov.columns[cols.index(r)] for r in rows]]
        tickers = rows
    try:
        arr = np.array(cov, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a numeric square matrix") from exc
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise DataError(f"{name} must be a square matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        i, j = np.argwhere(~np.isfinite(arr))[0]
        who = f"({tickers[i]}, {tickers[j]})" if tickers else f"({i}, {j})"
        raise DataError(f"{name} must be finite: entry {who} is {arr[i, j]}")
    scale = max(float(np.max(np.abs(arr))), 1e-300)
    if np.max(np.abs(arr - arr.T)) > 1e-8 * scale:
        raise DataError(f"{name} must be symmetric")
    arr = 0.5 * (arr + arr.T)
    if np.any(np.diag(arr) < 0):
        i = int(np.argmin(np.diag(arr)))
        who = tickers[i] if tickers else f"asset {i}"
        raise DataError(f"{name} has a negative variance {arr[i, i]:g} for {who}")
    if check_psd:
        eig = np.linalg.eigvalsh(arr)
        if eig[0] < -PSD_TOL * max(eig[-1], 1e-300):
            raise DataError(f"{name} is not positive semi-definite (smallest eigenvalue "
                            f"{eig[0]:.3g}): use core.portfolio.nearest_psd or a shrinkage "
                            f"estimator")
    return arr, tickers


def as_mu_cov(mu: VectorLike,
              cov: MatrixLike) -> tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]:
    """Align expected returns and covariance: same tickers (reordered to ``mu``'s order)."""
    m, tm = as_mu(mu)
    c, tc = as_cov(cov)
    if m.size != c.shape[0]:
        raise DataError(f"mu has {m.size} assets but cov is {c.shape[0]}×{c.shape[1]}")
    if tm is not None and tc is not None and tm != tc:
        if set(tm) != set(tc):
            only_mu = sorted(set(tm) - set(tc))[:5]
            only_cov = sorted(set(tc) - set(tm))[:5]
            raise DataError(f"mu and cov name different tickers (only in mu: "
                            f"{', '.join(only_mu) or '-'}; only in cov: "
                            f"{', '.join(only_cov) or '-'})")
        order = [tc.index(t) for t in tm]
        c = c[np.ix_(order, order)]
    return m, c, tm if tm is not None else tc


def as_weights(name: str, weights: WeightsLike, tickers: tuple[str, ...] | None, n: int, *,
               fill: float | None = None) -> np.ndarray:
    """Per-asset values (Series/dict by ticker, or a sequence in asset order) as an array.

    With ``fill`` set, tickers missing from a Series/dict get ``fill``; otherwise they are an
    error. Unknown tickers are always an error.
    """
    weights = _unwrap(weights)
    if isinstance(weights, (pd.Series, Mapping)):
        if tickers is None:
            raise DataError(f"{name} is given by ticker but mu/cov have no tickers: pass "
                            f"pandas inputs or {name} as a sequence")
        d = {str(k): v for k, v in dict(weights).items()}
        unknown = sorted(set(d) - set(tickers))
        if unknown:
            raise DataError(f"{name} names unknown ticker(s): {', '.join(unknown[:5])}")
        missing = [t for t in tickers if t not in d]
        if missing and fill is None:
            raise DataError(f"{name} has no value for {', '.join(missing[:5])}")
        vals = [d.get(t, fill) for t in tickers]
    else:
        vals = weights
    try:
        arr = np.asarray(vals, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric") from exc
    if arr.size != n:
        raise DataError(f"{name} has {arr.size} values for {n} assets")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{name} must be finite")
    return arr


def wrap(values: np.ndarray, tickers: tuple[str, ...] | None,
         name: str | None = None) -> np.ndarray | pd.Series:
    """A pandas Series indexed by ticker when tickers are known, else the ndarray."""
    if tickers is None:
        return values
    return pd.Series(values, index=pd.Index(list(tickers), dtype=object), name=name)


def solve(problem: Any, *, warm_start: bool = False) -> str:
    """Solve a cvxpy problem with :data:`SOLVER` (SCS as fallback); return its status.

    The status is one of cvxpy's: ``optimal``, ``optimal_inaccurate``, ``infeasible``,
    ``infeasible_inaccurate``, ``unbounded``... A solver crash becomes ``solver_error``.
    """
    import cvxpy as cp

    try:
        problem.solve(solver=SOLVER, warm_start=warm_start, **SOLVER_OPTIONS)
    except cp.error.SolverError:
        try:
            problem.solve(solver="SCS", eps_abs=1e-9, eps_rel=1e-9, max_iters=200_000)
        except cp.error.SolverError:
            return "solver_error"
    return str(problem.status)


def solved(status: str) -> bool:
    """True for cvxpy's optimal statuses (inaccurate included)."""
    return status in ("optimal", "optimal_inaccurate")
