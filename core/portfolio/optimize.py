"""Mean-variance, CVaR and Kelly optimizers on cvxpy (solver: Clarabel, shipped with cvxpy).

All optimizers take annualised ``mu`` (decimals per year) and ``cov`` (decimals² per year) as
pandas objects, numpy arrays or :class:`~core.portfolio.estimators.Estimate` results, and the
constraint keywords of :mod:`core.portfolio.constraints` (``bounds``, ``sectors``,
``sector_caps``, ``leverage``, ``current_weights``, ``turnover``). Weights sum to one and come
back as a pandas Series indexed by ticker when the inputs carry tickers, an ndarray otherwise.

Conflicting constraints raise :class:`~core.errors.InfeasibleError` naming the conflict —
checked before solving where possible (bounds and caps that cannot sum to one, a target return
above the highest attainable), and after a solver reports infeasibility (a deletion filter over
feasibility problems names the constraints involved). Invalid inputs raise
:class:`~core.errors.DataError`.
"""
from __future__ import annotations

from typing import Any
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from core.errors import DataError, InfeasibleError, ParityError
from core.portfolio._inputs import (as_cov, as_mu_cov, as_weights, finite_scalar,
                                    solve, solved, wrap)
from core.portfolio.constraints import (Constraints, Spec, constraint_spec, cvx_constraints,
                                        max_return, parse_bounds, solver_failure)
from core._typing import (ArrayLike, BoundsLike, FloatArray, MatrixLike, SectorsLike, VectorLike,
                          WeightsLike)

__all__ = ["min_variance", "max_sharpe", "efficient_return", "efficient_risk", "min_cvar",
           "kelly_weights", "portfolio_performance", "growth_rate", "cvar"]

_DEFAULT_BOUNDS = (0.0, 1.0)


#: The shared helpers live in :mod:`core.portfolio.constraints` (the frontier uses them too).
_spec = constraint_spec


def variance_expr(w: Any, C: np.ndarray) -> Any:
    """w'Σw as a cvxpy expression (Σ already checked PSD, so cvxpy skips its own check).

    Parameters
    ----------
    w : cvxpy.Variable or expression
        Weights, length n.
    C : numpy.ndarray
        Covariance (n, n), decimals² per year, already checked positive semi-definite.

    Returns
    -------
    cvxpy.Expression
        The portfolio variance, decimals² per year.
    """
    import cvxpy as cp

    return cp.quad_form(w, cp.psd_wrap(C))


def clean_weights(w: np.ndarray, s: Spec) -> np.ndarray:
    """Clip solver round-off to the bounds, zero |w| < 1e-10 and restore sum(w) == 1.

    Parameters
    ----------
    w : numpy.ndarray
        Solver weights, fractions of capital.
    s : Spec
        The constraints (bounds used for clipping).

    Returns
    -------
    numpy.ndarray
        float64 weights within the bounds, summing to one.
    """
    w = np.clip(np.asarray(w, dtype=np.float64).reshape(-1), s.lo, s.hi)
    w[np.abs(w) < 1e-10] = 0.0
    w = np.clip(w, s.lo, s.hi)
    gap = 1.0 - w.sum()                  # spread it over the assets with room, within bounds
    room = np.minimum(s.hi - w, 1.0) if gap > 0 else np.minimum(w - s.lo, 1.0)
    if room.sum() > 0:
        w = w + np.sign(gap) * room * min(1.0, abs(gap) / room.sum())
    rest = 1.0 - w.sum()                 # round-off, or bounds that pin the weights
    if rest != 0.0:
        w[np.argmax(np.abs(w))] += rest
    return w


_fail = solver_failure


def _solved_weights(prob: Any, w: Any, s: Spec, tickers: Any, fail: Callable[[str], Exception],
                    edge: FloatArray | None = None) -> pd.Series | FloatArray:
    """Solve ``prob`` and return the cleaned weights of ``w`` (by ticker when labelled).

    When the solver fails: ``edge`` (the boundary portfolio, given when the target sits on the
    attainable edge), else ``raise fail(status)``.
    """
    status = solve(prob)
    if solved(status):
        return wrap(clean_weights(w.value, s), tickers, "weight")
    if edge is not None:
        return wrap(clean_weights(edge, s), tickers, "weight")
    raise fail(status)


# --------------------------------------------------------------------------------------------
# mean-variance
# --------------------------------------------------------------------------------------------
def min_variance(cov: MatrixLike, *, bounds: BoundsLike = _DEFAULT_BOUNDS,
                 sectors: SectorsLike | None = None,
                 sector_caps: Mapping[str, float] | None = None, leverage: float | None = None,
                 current_weights: WeightsLike | None = None, turnover: float | None = None,
                 constraints: Constraints | None = None) -> pd.Series | FloatArray:
    """Minimum-variance portfolio: min w'Σw subject to the constraints.

    Parameters
    ----------
    cov : DataFrame, ndarray or Estimate
        Annualised covariance (decimals² per year), positive semi-definite.
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        Constraints, see :mod:`core.portfolio.constraints`.
    constraints : Constraints, optional
        The same six at once (then leave the keywords at their defaults).

    Returns
    -------
    pandas.Series or ndarray
        Weights (decimals of capital) summing to one.

    Examples
    --------
    Two uncorrelated assets with 10% and 20% vol: weights proportional to 1 / variance.

    >>> import pandas as pd
    >>> cov = pd.DataFrame([[0.01, 0.0], [0.0, 0.04]], index=["A", "B"], columns=["A", "B"])
    >>> min_variance(cov).round(6).to_dict()
    {'A': 0.8, 'B': 0.2}
    >>> min_variance(cov, constraints=Constraints(bounds=(0.0, 0.7))).round(6).to_dict()
    {'A': 0.7, 'B': 0.3}
    """
    import cvxpy as cp

    C, tickers = as_cov(cov)
    s = _spec(C.shape[0], tickers, bounds, sectors, sector_caps, leverage, current_weights,
              turnover, constraints)
    w = cp.Variable(s.n)
    prob = cp.Problem(cp.Minimize(variance_expr(w, C)), cvx_constraints(s, w))
    return _solved_weights(prob, w, s, tickers, lambda status: _fail(status, s))


def max_sharpe(mu: VectorLike, cov: MatrixLike, *, rf: float = 0.0,
               bounds: BoundsLike = _DEFAULT_BOUNDS, sectors: SectorsLike | None = None,
               sector_caps: Mapping[str, float] | None = None, leverage: float | None = None,
               current_weights: WeightsLike | None = None, turnover: float | None = None,
               constraints: Constraints | None = None) -> pd.Series | FloatArray:
    """Tangency portfolio: max (μ'w - rf) / sqrt(w'Σw) subject to the constraints.

    Solved as a convex QP by the change of variables y = w/κ (Cornuejols-Tütüncü): minimise
    y'Σy subject to (μ - rf)'y = 1, sum(y) = κ ≥ 0 and every constraint homogenised (its right
    side times κ); then w = y/κ.

    Parameters
    ----------
    mu : Series, ndarray or Estimate
        Expected returns, decimals per year.
    cov : DataFrame, ndarray or Estimate
        Covariance, decimals² per year.
    rf : float
        Risk-free rate, decimal per year.
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        As in :class:`core.portfolio.Constraints` (the older keyword form).
    constraints : Constraints, optional
        All constraints in one object (not together with the keywords).

    Returns
    -------
    pandas.Series or ndarray
        Weights (fractions of capital, summing to one), by ticker when the inputs are labelled.

    Raises
    ------
    InfeasibleError
        When no feasible portfolio earns more than ``rf`` (the Sharpe ratio cannot be
        positive), or the constraints conflict.

    Examples
    --------
    Uncorrelated assets: the tangency weights are proportional to Σ⁻¹(μ - rf) = (5, 2.5).

    >>> import pandas as pd
    >>> cov = pd.DataFrame([[0.01, 0.0], [0.0, 0.04]], index=["A", "B"], columns=["A", "B"])
    >>> mu = pd.Series([0.05, 0.10], index=["A", "B"])
    >>> max_sharpe(mu, cov).round(6).to_dict()
    {'A': 0.666667, 'B': 0.333333}
    """
    import cvxpy as cp

    m, C, tickers = as_mu_cov(mu, cov)
    rf = finite_scalar("rf", rf)
    s = _spec(m.size, tickers, bounds, sectors, sector_caps, leverage, current_weights,
              turnover, constraints)
    try:
        r_max, _ = max_return(m, s)
    except DataError:
        # unbounded attainable return (shorting without finite bounds or a leverage cap): some
        # portfolio beats rf, and the tangency problem below is still well posed (its optimum
        # exists when 1'Σ⁻¹(μ - rf) > 0; otherwise κ -> 0 and the solver says so)
        r_max = np.inf
    if r_max <= rf + 1e-9:
        raise InfeasibleError(f"no feasible portfolio earns more than the risk-free rate "
                              f"{rf:.2%}: the highest attainable return is {r_max:.2%}")
    y = cp.Variable(s.n)
    kappa = cp.Variable()
    cons = [(m - rf) @ y == 1.0] + cvx_constraints(s, y, kappa)
    prob = cp.Problem(cp.Minimize(variance_expr(y, C)), cons)
    status = solve(prob)
    if solved(status) and kappa.value is not None and not np.isfinite(r_max) \
            and kappa.value <= 1e-7 * float(np.abs(y.value).sum()):
        raise InfeasibleError("the Sharpe ratio has no maximum among fully invested portfolios: "
                              "the best risky direction has weights summing to <= 0 "
                              "(1'Σ⁻¹(μ - rf) <= 0); add bounds or a leverage cap")
    if not solved(status) or kappa.value is None or kappa.value <= 1e-12:
        raise _fail(status, s, what="max-Sharpe optimisation")
    return wrap(clean_weights(y.value / kappa.value, s), tickers, "weight")


def efficient_return(mu: VectorLike, cov: MatrixLike, target: float, *,
                     bounds: BoundsLike = _DEFAULT_BOUNDS, sectors: SectorsLike | None = None,
                     sector_caps: Mapping[str, float] | None = None, leverage: float | None = None,
                     current_weights: WeightsLike | None = None, turnover: float | None = None,
                     constraints: Constraints | None = None) -> pd.Series | FloatArray:
    """Minimum-variance portfolio with expected return at least ``target`` (decimal/year).

    A target below the minimum-variance portfolio's return returns that portfolio.

    Parameters
    ----------
    mu : pandas.Series, array_like or Estimate
        Expected returns, decimals per year.
    cov : pandas.DataFrame, array_like or Estimate
        Covariance of returns, decimals² per year.
    target : float
        Required expected return, decimal per year.
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        As in :class:`core.portfolio.Constraints` (the older keyword form).
    constraints : Constraints, optional
        All constraints in one object (not together with the keywords).

    Returns
    -------
    pandas.Series or ndarray
        Weights (fractions of capital, summing to one), by ticker when ``mu`` is labelled.

    Raises
    ------
    InfeasibleError
        "target return 45.0% is above the highest attainable 38.0%" (checked with an LP before
        the QP), or conflicting constraints.
    """
    import cvxpy as cp

    m, C, tickers = as_mu_cov(mu, cov)
    target = finite_scalar("target", target)
    s = _spec(m.size, tickers, bounds, sectors, sector_caps, leverage, current_weights,
              turnover, constraints)
    r_max, w_max = max_return(m, s)
    if target > r_max + 1e-9 * max(1.0, abs(r_max)):
        raise InfeasibleError(f"target return {target:.1%} is above the highest attainable "
                              f"{r_max:.1%}")
    w = cp.Variable(s.n)
    prob = cp.Problem(cp.Minimize(variance_expr(w, C)),
                      cvx_constraints(s, w) + [m @ w >= min(target, r_max)])
    at_edge = target >= r_max - 1e-7 * max(1.0, abs(r_max))
    return _solved_weights(prob, w, s, tickers, lambda status: _fail(
        status, s, [(f"the target return {target:.1%}", lambda v: [m @ v >= target])]),
        w_max if at_edge else None)


def efficient_risk(mu: VectorLike, cov: MatrixLike, target_volatility: float, *,
                   bounds: BoundsLike = _DEFAULT_BOUNDS, sectors: SectorsLike | None = None,
                   sector_caps: Mapping[str, float] | None = None, leverage: float | None = None,
                   current_weights: WeightsLike | None = None, turnover: float | None = None,
                   constraints: Constraints | None = None) -> pd.Series | FloatArray:
    """Highest-return portfolio with volatility at most ``target_volatility`` (decimal/year).

    Parameters
    ----------
    mu : pandas.Series, array_like or Estimate
        Expected returns, decimals per year.
    cov : pandas.DataFrame, array_like or Estimate
        Covariance of returns, decimals² per year.
    target_volatility : float
        Largest allowed volatility, decimal per year.
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        As in :class:`core.portfolio.Constraints` (the older keyword form).
    constraints : Constraints, optional
        All constraints in one object (not together with the keywords).

    Returns
    -------
    pandas.Series or ndarray
        Weights (fractions of capital, summing to one), by ticker when ``mu`` is labelled.

    Raises
    ------
    InfeasibleError
        "target risk 5.0% is below the lowest attainable 12.3%" (checked against the
        minimum-variance portfolio before solving), or conflicting constraints.
    """
    import cvxpy as cp

    m, C, tickers = as_mu_cov(mu, cov)
    sigma = finite_scalar("target_volatility", target_volatility, lo=0)
    s = _spec(m.size, tickers, bounds, sectors, sector_caps, leverage, current_weights,
              turnover, constraints)
    w = cp.Variable(s.n)
    base = cvx_constraints(s, w)
    low = cp.Problem(cp.Minimize(variance_expr(w, C)), base)
    status = solve(low)
    if not solved(status):
        raise _fail(status, s)
    sigma_min = float(np.sqrt(max(low.value, 0.0)))
    if sigma < sigma_min - 1e-7:
        raise InfeasibleError(f"target risk {sigma:.1%} is below the lowest attainable "
                              f"{sigma_min:.1%} (the minimum-variance portfolio)")
    w_min = w.value.copy()
    prob = cp.Problem(cp.Maximize(m @ w), base + [variance_expr(w, C) <= max(sigma,
                                                                             sigma_min) ** 2])
    return _solved_weights(prob, w, s, tickers,
                           lambda status: _fail(status, s, what="target-risk optimisation"),
                           w_min if sigma <= sigma_min + 1e-6 else None)


def portfolio_performance(weights: WeightsLike, mu: VectorLike, cov: MatrixLike, *,
                          rf: float = 0.0) -> tuple[float, float, float]:
    """Expected return, volatility (decimals per year) and Sharpe ratio of ``weights``.

    Parameters
    ----------
    weights : pandas.Series, dict or array_like
        Fractions of capital per asset.
    mu : pandas.Series, array_like or Estimate
        Expected returns, decimals per year.
    cov : pandas.DataFrame, array_like or Estimate
        Covariance of returns, decimals² per year.
    rf : float
        Risk-free rate, decimal per year.

    Returns
    -------
    (float, float, float)
        ``w'mu``, ``sqrt(w' cov w)`` and ``(w'mu - rf) / sqrt(w' cov w)`` (NaN at zero
        volatility).
    """
    m, C, tickers = as_mu_cov(mu, cov)
    w = as_weights("weights", weights, tickers, m.size, fill=0.0)
    ret = float(m @ w)
    vol = float(np.sqrt(max(w @ C @ w, 0.0)))
    sharpe = (ret - float(rf)) / vol if vol > 0 else float("nan")
    return ret, vol, sharpe


# --------------------------------------------------------------------------------------------
# CVaR (Rockafellar-Uryasev)
# --------------------------------------------------------------------------------------------
def _scenarios(scenarios) -> tuple[np.ndarray, tuple[str, ...] | None]:
    tickers = None
    if isinstance(scenarios, pd.DataFrame):
        tickers = tuple(str(c) for c in scenarios.columns)
    R = np.asarray(scenarios, dtype=np.float64)
    if R.ndim != 2 or R.shape[0] < 2 or R.shape[1] < 1:
        raise DataError(f"scenarios must be a (scenarios × assets) table, got shape {R.shape}")
    if not np.all(np.isfinite(R)):
        rows = int((~np.isfinite(R)).any(axis=1).sum())
        raise DataError(f"scenarios have {rows} row(s) with missing returns: use complete "
                        f"rows, e.g. returns(prices, 'simple').dropna()")
    return R, tickers


def cvar(weights: WeightsLike, scenarios: pd.DataFrame | ArrayLike, *,
         alpha: float = 0.95) -> float:
    """Historical CVaR of the loss -R·w: the mean of the worst (1 - α) share of scenarios.

    Evaluated exactly as the Rockafellar-Uryasev minimum over ζ of
    ζ + E[(L - ζ)+] / (1 - α); a decimal loss per scenario period (positive = loss).

    Parameters
    ----------
    weights : pandas.Series, dict or array_like
        Fractions of capital per asset.
    scenarios : pandas.DataFrame or array_like
        Period returns (decimals), scenarios × assets.
    alpha : float
        Confidence level in (0, 1).

    Returns
    -------
    float
        CVaR as a decimal loss per period.
    """
    R, tickers = _scenarios(scenarios)
    alpha = finite_scalar("alpha", alpha, lo=0, hi=1, strict=True)
    w = as_weights("weights", weights, tickers, R.shape[1], fill=0.0)
    loss = np.sort(-(R @ w))
    k = int(np.ceil(alpha * loss.size)) - 1
    cand = loss[max(k - 1, 0):min(k + 2, loss.size)]
    vals = cand + np.maximum(loss[None, :] - cand[:, None], 0).mean(axis=1) / (1 - alpha)
    return float(vals.min())


def min_cvar(scenarios: pd.DataFrame | ArrayLike, *, alpha: float = 0.95,
             mu: VectorLike | None = None, target_return: float | None = None,
             bounds: BoundsLike = _DEFAULT_BOUNDS, sectors: SectorsLike | None = None,
             sector_caps: Mapping[str, float] | None = None, leverage: float | None = None,
             current_weights: WeightsLike | None = None, turnover: float | None = None,
             constraints: Constraints | None = None) -> pd.Series | FloatArray:
    """Minimum-CVaR portfolio from return scenarios (Rockafellar-Uryasev LP).

    minimise ζ + Σ_t u_t / ((1 - α) T) subject to u_t ≥ -R_t·w - ζ, u_t ≥ 0 and the
    constraints (plus μ'w ≥ ``target_return`` when given).

    Parameters
    ----------
    scenarios : DataFrame or ndarray
        Per-period simple returns, scenarios × assets, complete (e.g. daily historical
        returns over the common window).
    alpha : float
        Confidence level in (0, 1), e.g. 0.95: CVaR is the mean loss in the worst 5%.
    mu : Series or ndarray, optional
        Annualised expected returns, needed with ``target_return`` (decimal per year).
    target_return : float, optional
        Required expected return, decimal per year (needs ``mu``).
    bounds, sectors, sector_caps, leverage, current_weights, turnover
        As in :class:`core.portfolio.Constraints` (the older keyword form).
    constraints : Constraints, optional
        All constraints in one object (not together with the keywords).

    Returns
    -------
    pandas.Series or ndarray
        Weights (fractions of capital, summing to one), by ticker when the inputs are labelled.
    """
    import cvxpy as cp

    R, tickers = _scenarios(scenarios)
    alpha = finite_scalar("alpha", alpha, lo=0, hi=1, strict=True)
    T, n = R.shape
    s = _spec(n, tickers, bounds, sectors, sector_caps, leverage, current_weights, turnover,
              constraints)
    w, zeta, u = cp.Variable(n), cp.Variable(), cp.Variable(T, nonneg=True)
    cons = cvx_constraints(s, w) + [u >= -R @ w - zeta]
    extra = []
    if target_return is not None:
        if mu is None:
            raise DataError("target_return needs mu (annualised expected returns)")
        m = as_weights("mu", mu, tickers, n)
        target = finite_scalar("target_return", target_return)
        r_max, _ = max_return(m, s)
        if target > r_max + 1e-9 * max(1.0, abs(r_max)):
            raise InfeasibleError(f"target return {target:.1%} is above the highest "
                                  f"attainable {r_max:.1%}")
        cons.append(m @ w >= min(target, r_max))
        extra = [(f"the target return {target:.1%}", lambda v: [m @ v >= target])]
    prob = cp.Problem(cp.Minimize(zeta + cp.sum(u) / ((1.0 - alpha) * T)), cons)
    return _solved_weights(prob, w, s, tickers,
                           lambda status: _fail(status, s, extra, "CVaR optimisation"))


# --------------------------------------------------------------------------------------------
# Kelly
# --------------------------------------------------------------------------------------------
def growth_rate(weights: WeightsLike, mu: VectorLike, cov: MatrixLike, *,
                rf: float = 0.0) -> float:
    """Expected log-growth rate per year, rf + f'(μ - rf) - ½ f'Σf (Gaussian approximation).

    ``weights`` are fractions of capital in each asset; the rest, 1 - Σf, earns ``rf``.

    Parameters
    ----------
    weights : pandas.Series, dict or array_like
        Fractions of capital per asset (may sum to more or less than one).
    mu : pandas.Series, array_like or Estimate
        Expected returns, decimals per year.
    cov : pandas.DataFrame, array_like or Estimate
        Covariance of returns, decimals² per year.
    rf : float
        Risk-free rate, decimal per year.

    Returns
    -------
    float
        Expected log-growth, per year.
    """
    m, C, tickers = as_mu_cov(mu, cov)
    f = as_weights("weights", weights, tickers, m.size, fill=0.0)
    rf = finite_scalar("rf", rf)
    return float(rf + f @ (m - rf) - 0.5 * f @ C @ f)


def kelly_weights(mu: VectorLike, cov: MatrixLike, *, rf: float = 0.0, fraction: float = 1.0,
                  bounds: BoundsLike | None = None, leverage: float | None = None,
                  max_invested: float | None = None) -> pd.Series | FloatArray:
    """(Fractional) Kelly sizing for jointly Gaussian assets.

    Unconstrained: f = c·Σ⁻¹(μ - rf) with c = ``fraction`` (½ is "half Kelly"). With
    constraints, maximise the growth approximation (μ - rf)'f - f'Σf / (2c) with cvxpy, whose
    unconstrained maximiser is the same c·Σ⁻¹(μ - rf).

    Parameters
    ----------
    mu, cov
        Annualised expected returns (decimal/year) and covariance (decimal²/year).
    rf : float
        Risk-free (financing) rate, decimal per year.
    fraction : float
        Kelly fraction c > 0 (1 = full Kelly, 0.5 = half Kelly).
    bounds : optional
        Per-asset bounds on f as in :mod:`core.portfolio.constraints`; ``None`` = unbounded
        (use ``(0, None)`` for long-only).
    leverage : float, optional
        Gross cap Σ|f| ≤ L.
    max_invested : float, optional
        Net cap Σf ≤ B (1 = no borrowing).

    Returns
    -------
    pandas.Series or ndarray
        Fractions of capital per asset; they need not sum to one — the remainder 1 - Σf is
        held in cash at ``rf`` (negative: borrowed).
    """
    import cvxpy as cp

    m, C, tickers = as_mu_cov(mu, cov)
    rf = finite_scalar("rf", rf)
    c = finite_scalar("fraction", fraction, lo=0, strict=True)
    n = m.size
    lo, hi = parse_bounds(bounds, n, tickers)
    if np.any(lo > hi):
        i = int(np.argmax(lo > hi))
        raise InfeasibleError(f"bounds for {tickers[i] if tickers else i}: lower {lo[i]:g} > "
                              f"upper {hi[i]:g}")
    lev = None if leverage is None else finite_scalar("leverage", leverage, lo=0)
    cap = None if max_invested is None else finite_scalar("max_invested", max_invested)
    excess = m - rf
    if lev is None and cap is None and not np.isfinite(lo).any() and not np.isfinite(hi).any():
        try:
            f = c * np.linalg.solve(C, excess)
        except np.linalg.LinAlgError as exc:
            raise DataError("cov is singular: Kelly sizing needs an invertible covariance "
                            "(use ledoit_wolf) or constraints") from exc
        return wrap(f, tickers, "weight")
    if lev is not None:
        forced = np.sum(np.maximum(lo, 0) - np.minimum(hi, 0))
        if forced > lev + 1e-9:
            raise InfeasibleError(f"bounds force a gross exposure of {forced:.4g} > the "
                                  f"leverage cap {lev:g}")
    if cap is not None and np.sum(np.where(np.isfinite(lo), lo, 0)) > cap + 1e-9 and \
            np.isfinite(lo).all():
        raise InfeasibleError(f"lower bounds sum to {lo.sum():.4g} > max_invested {cap:g}")
    f = cp.Variable(n)
    cons = []
    if np.isfinite(lo).any():
        cons.append(f[np.flatnonzero(np.isfinite(lo))] >= lo[np.isfinite(lo)])
    if np.isfinite(hi).any():
        cons.append(f[np.flatnonzero(np.isfinite(hi))] <= hi[np.isfinite(hi)])
    if lev is not None:
        cons.append(cp.norm1(f) <= lev)
    if cap is not None:
        cons.append(cp.sum(f) <= cap)
    prob = cp.Problem(cp.Maximize(excess @ f - variance_expr(f, C) / (2.0 * c)), cons)
    status = solve(prob)
    if status in ("unbounded", "unbounded_inaccurate"):
        raise DataError("the growth rate is unbounded (singular covariance): add bounds or a "
                        "leverage cap")
    if not solved(status):
        if status.startswith("infeasible"):
            raise InfeasibleError("the Kelly constraints (bounds, leverage cap, max_invested) "
                                  "cannot hold together")
        raise ParityError(f"the Kelly optimisation failed (solver status: {status})")
    out = np.clip(np.asarray(f.value, dtype=np.float64), lo, hi)
    out[np.abs(out) < 1e-10] = 0.0
    return wrap(out, tickers, "weight")
