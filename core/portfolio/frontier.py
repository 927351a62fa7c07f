"""The efficient frontier, traced by re-solving ONE parametrised cvxpy problem.

``efficient_frontier`` builds  min w'Σw  s.t.  μ'w ≥ t  and the constraints, with the target
``t`` a cvxpy ``Parameter``. The problem is DPP-compliant, so cvxpy canonicalises it once and
each frontier point only re-maps the parameter and re-runs the solver (Clarabel; the
``warm_start`` flag is passed for solvers that use it). The first solve, with ``t`` below any
attainable return, gives the minimum-variance portfolio; an LP gives the highest attainable
return; the targets are spaced evenly between the two.
"""
from __future__ import annotations

from collections.abc import Mapping

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError, ParityError
from core.portfolio._inputs import SOLVER, as_mu_cov, solve, solved
from core.portfolio.constraints import (Constraints, constraint_spec, cvx_constraints, max_return,
                                        solver_failure)
from core.portfolio.optimize import clean_weights, variance_expr
from core._typing import BoundsLike, MatrixLike, SectorsLike, VectorLike, WeightsLike

__all__ = ["Frontier", "efficient_frontier"]

_DEFAULT_BOUNDS = (0.0, 1.0)


@dataclass(frozen=True, slots=True)
class Frontier:
    """Points of the efficient frontier, lowest risk first.

    Attributes
    ----------
    returns : ndarray, shape (k,)
        Expected return of each point, decimal per year.
    risks : ndarray, shape (k,)
        Volatility of each point, decimal per year.
    weights : ndarray, shape (k, n)
        Weights of each point (rows sum to one).
    tickers : tuple of str or None
        Asset labels of the weight columns (None for numpy inputs).
    notes : tuple of str
    solver : str
        The cvxpy solver used.
    elapsed : float
        Wall time of the whole computation, seconds.
    """

    returns: np.ndarray
    risks: np.ndarray
    weights: np.ndarray
    tickers: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()
    solver: str = SOLVER
    elapsed: float = 0.0

    def __len__(self) -> int:
        return int(self.returns.size)

    def sharpe(self, rf: float = 0.0) -> np.ndarray:
        """Sharpe ratio of each point for a risk-free rate ``rf`` (decimal per year).

        Parameters
        ----------
        rf : float
            Risk-free rate, decimal per year.

        Returns
        -------
        numpy.ndarray
            One ratio per point (NaN where the risk is zero).
        """
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.risks > 0, (self.returns - rf) / self.risks, np.nan)

    def max_sharpe_index(self, rf: float = 0.0) -> int:
        """Index of the point with the highest Sharpe ratio (nearest frontier point).

        Parameters
        ----------
        rf : float
            Risk-free rate, decimal per year.

        Returns
        -------
        int
        """
        return int(np.nanargmax(self.sharpe(rf)))

    def weights_frame(self) -> pd.DataFrame:
        """Weights as a DataFrame, one row per point, one column per ticker.

        Returns
        -------
        pandas.DataFrame
            Fractions of capital.
        """
        cols = list(self.tickers) if self.tickers else list(range(self.weights.shape[1]))
        return pd.DataFrame(self.weights, columns=cols)

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"returns": self.returns.tolist(), "risks": self.risks.tolist(),
                "weights": self.weights.tolist(),
                "tickers": None if self.tickers is None else list(self.tickers),
                "notes": list(self.notes), "solver": self.solver, "elapsed": self.elapsed}

    @classmethod
    def from_dict(cls, d: dict) -> Frontier:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Frontier
        """
        tickers = d.get("tickers")
        return cls(returns=np.asarray(d["returns"], dtype=np.float64),
                   risks=np.asarray(d["risks"], dtype=np.float64),
                   weights=np.asarray(d["weights"], dtype=np.float64).reshape(
                       len(d["returns"]), -1),
                   tickers=None if tickers is None else tuple(tickers),
                   notes=tuple(d.get("notes", ())), solver=d.get("solver", SOLVER),
                   elapsed=float(d.get("elapsed", 0.0)))


def _lowest_return(m: np.ndarray, s) -> float:
    """A target below every attainable return (keeps the return constraint inactive)."""
    if np.isfinite(s.lo).all() and np.isfinite(s.hi).all():
        low = float(np.sum(np.minimum(m * s.lo, m * s.hi)))
    elif s.leverage is not None:
        low = -s.leverage * float(np.max(np.abs(m)))
    else:
        low = -1e3 * max(1.0, float(np.max(np.abs(m))))
    return low - 1.0


def efficient_frontier(mu: VectorLike, cov: MatrixLike, n_points: int = 50, *,
                       bounds: BoundsLike = _DEFAULT_BOUNDS, sectors: SectorsLike | None = None,
                       sector_caps: Mapping[str, float] | None = None,
                       leverage: float | None = None, current_weights: WeightsLike | None = None,
                       turnover: float | None = None, constraints: Constraints | None = None,
                       progress: Callable[[float, str], None] | None = None) -> Frontier:
    """Trace the efficient frontier from the minimum-variance portfolio to the highest return.

    Parameters
    ----------
    mu : Series, ndarray or Estimate
        Expected returns, decimals per year.
    cov : DataFrame, ndarray or Estimate
        Covariance, decimals² per year (positive semi-definite).
    n_points : int
        Number of points (>= 2), evenly spaced in expected return.
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        Constraints, see :mod:`core.portfolio.constraints`.
    constraints : Constraints, optional
        The same six at once (then leave the keywords at their defaults).
    progress : callable, optional
        ``progress(fraction_done, message)``, called after each point.

    Returns
    -------
    Frontier
        ``returns`` increasing, ``risks`` increasing, concave in (risk, return).

    Raises
    ------
    InfeasibleError
        When the constraints conflict (named).
    DataError
        Invalid inputs, or an unbounded return (shorting without bounds or leverage cap).

    Examples
    --------
    >>> import pandas as pd
    >>> cov = pd.DataFrame([[0.01, 0.0], [0.0, 0.04]], index=["A", "B"], columns=["A", "B"])
    >>> mu = pd.Series([0.05, 0.10], index=["A", "B"])
    >>> f = efficient_frontier(mu, cov, 3)
    >>> f.returns.round(4).tolist(), f.risks.round(4).tolist()
    ([0.06, 0.08, 0.1], [0.0894, 0.1265, 0.2])
    """
    import cvxpy as cp

    t0 = time.perf_counter()
    try:
        n_points = int(n_points)
    except (TypeError, ValueError) as exc:
        raise DataError(f"n_points must be an integer >= 2, got {n_points!r}") from exc
    if n_points < 2:
        raise DataError(f"n_points must be >= 2, got {n_points}")
    m, C, tickers = as_mu_cov(mu, cov)
    s = constraint_spec(m.size, tickers, bounds, sectors, sector_caps, leverage, current_weights,
              turnover, constraints)
    r_max, w_max = max_return(m, s)

    w = cp.Variable(s.n)
    target = cp.Parameter(name="target_return")
    prob = cp.Problem(cp.Minimize(variance_expr(w, C)),
                      cvx_constraints(s, w) + [m @ w >= target])
    target.value = _lowest_return(m, s)
    status = solve(prob)
    if not solved(status):
        raise solver_failure(status, s, what="minimum-variance solve")
    w_mv = clean_weights(w.value, s)
    r_mv = float(m @ w_mv)
    notes = [f"{n_points} points from the minimum-variance return {r_mv:.2%} to the highest "
             f"attainable {r_max:.2%}; one parametrised problem re-solved with {SOLVER}."]

    span = r_max - r_mv
    if span <= 1e-10 * max(1.0, abs(r_max)):
        notes.append("The minimum-variance portfolio already has the highest return: the "
                     "frontier is a single point.")
        targets = np.full(n_points, r_mv)
    else:
        targets = np.linspace(r_mv, r_max, n_points)
    W = np.empty((n_points, s.n))
    W[0] = w_mv
    if progress is not None:
        progress(1.0 / n_points, f"point 1 of {n_points}")
    for i in range(1, n_points):
        t = targets[i]
        if span <= 1e-10 * max(1.0, abs(r_max)):
            W[i] = w_mv
            continue
        last = i == n_points - 1
        target.value = t - 1e-9 * span if last else t
        status = solve(prob, warm_start=True)
        if solved(status):
            W[i] = clean_weights(w.value, s)
        elif last:
            W[i] = clean_weights(w_max, s)
        else:
            raise ParityError(f"the frontier solve failed at target return {t:.2%} "
                              f"(solver status: {status})")
        if progress is not None:
            progress((i + 1) / n_points, f"point {i + 1} of {n_points}")
    rets = W @ m
    risks = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", W, C, W), 0.0))
    return Frontier(returns=rets, risks=risks, weights=W, tickers=tickers, notes=tuple(notes),
                    solver=SOLVER, elapsed=time.perf_counter() - t0)
