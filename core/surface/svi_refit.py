"""Arbitrage-free SVI refits: an always butterfly-free SSVI slice, a refit that never leaves the
butterfly-free set, and the calendar-aware refit of consecutive slices.

**Butterfly.** When the quasi-explicit slice of :func:`core.surface.svi.fit_svi_slice` has
``g < 0`` somewhere on ``[-3, 3]`` (or a negative minimum variance), its penalised refit can
land on a poor fit (6 vol points on a 4-day slice) or fail. Two more candidates come from here:
the best SSVI slice ``w = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))`` inside
Gatheral & Jacquier's (2014) Theorem 4.2 set (free of butterfly arbitrage for every ``k``;
:func:`ssvi_slice_fit`), and a five-parameter refit started from it that keeps only
butterfly-free points (:func:`refit_from_feasible`).

**Calendar.** Independent SVI slices can cross between listed expiries (``w_j(k) < w_{j-1}(k)``
at some log-moneyness: calendar arbitrage). Because :class:`~core.surface.SurfaceFit`
interpolates total variance linearly in ``T`` at fixed ``k`` (and extrapolates ``w ∝ T``), the
surface is free of calendar arbitrage on a range of ``k`` exactly when consecutive slices are
ordered there. :func:`calendar_refit` walks the slices in increasing ``T``; a slice that dips
below its predecessor on the check grid is refitted by Levenberg-Marquardt (scipy
``least_squares``) on its own quotes with stiff penalties on crossing, on Durrleman's ``g < 0``
and on negative minimum variance, **starting from arbitrage-free points** (the slice lifted by
the largest crossing gap, the predecessor scaled or lifted a hair) and by a penalty continuation
from the independent fit, keeping only arbitrage-free results (bisection back towards the start
if the solver stepped out). Each accepted slice is therefore butterfly-free on ``[-3, 3]`` and
above its predecessor on the calendar grid. This is the sequential version of Gatheral &
Jacquier's (2014, section 5) recipe of fitting SVI slices under no-arbitrage constraints, not a
global optimum over all slices at once.
"""
from __future__ import annotations

import math

import numpy as np

from core.surface.svi import (SLOPE_MAX, CHECK_K as _CHECK_K, slice_objective as _objective_of,
                              penalised_lm as _pen_lm, penalised_params as _pen_params,
                              min_g, min_total_variance, svi_g, svi_total_variance)
from core._typing import ArrayLike, SviParams
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.surface.quotes import SliceData

__all__ = ["calendar_refit", "crossing", "ssvi_slice_fit", "refit_from_feasible",
           "butterfly_free", "K_CALENDAR", "MARGIN"]

# --------------------------------------------------------------------------------------------
# an always arbitrage-free slice: the SSVI slice of Gatheral & Jacquier (2014)
# --------------------------------------------------------------------------------------------
def _ssvi_slice_raw(theta, rho, phi):
    """Raw SVI parameters of ``w = theta/2 (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2))``."""
    r2 = math.sqrt(1.0 - rho * rho)
    return (0.5 * theta * (1.0 - rho * rho), 0.5 * theta * phi, rho, -rho / phi, r2 / phi)


def ssvi_slice_fit(k: ArrayLike, v: ArrayLike,
                   W: ArrayLike) -> tuple[float, float, float, float, float] | None:
    """Best SSVI slice (3 parameters) inside Gatheral-Jacquier's Theorem 4.2 set
    ``theta phi (1 + |rho|) <= 4 (1 - 1e-9)``, ``theta phi^2 (1 + |rho|) <= 4``: free of butterfly
    arbitrage for every ``k``, with minimum variance ``theta (1 - rho^2) / 2 + ... >= 0``.
    Returns raw SVI parameters, or None.

    Parameters
    ----------
    k : array_like
        Log-moneyness ``ln(K/F)`` of the quotes, 1-D float64.
    v : array_like
        Market total implied variances ``iv^2 T`` (vol^2 x years), as long as ``k``.
    W : array_like
        Weights of the squared total-variance residuals (``(1 / (2 iv T band))^2``, in
        1 / (vol^2 x years)^2), as long as ``k``.

    Returns
    -------
    tuple of float or None
        Raw SVI ``(a, b, rho, m, sigma)`` (``a`` in vol^2 x years, ``b`` per unit log-moneyness, ``m`` and ``sigma`` in log-moneyness) of the
        best of six Levenberg-Marquardt starts; None when every start failed.
    """
    from scipy.optimize import least_squares

    sw = np.sqrt(W)
    j = int(np.argmin(np.abs(k)))
    theta0 = max(float(v[j]), 1e-8)

    def unpack(x):
        theta = math.exp(x[0])
        rho = math.tanh(x[1])
        c = 1.0 + abs(rho)
        phi_max = min(4.0 * (1.0 - 1e-9) / (theta * c), 2.0 / math.sqrt(theta * c))
        return theta, rho, phi_max / (1.0 + math.exp(-x[2]))

    def resid(x):
        return sw * (svi_total_variance(k, *_ssvi_slice_raw(*unpack(x))) - v)

    best = None
    for r0 in (-0.7, -0.3, 0.0):
        for s0 in (-1.0, 1.5):
            try:
                res = least_squares(resid, np.array([math.log(theta0), math.atanh(r0), s0]),
                                    method="lm", max_nfev=400)
            except (ValueError, FloatingPointError):
                continue
            if np.all(np.isfinite(res.x)) and (best is None or res.cost < best.cost):
                best = res
    if best is None:
        return None
    return tuple(float(x) for x in _ssvi_slice_raw(*unpack(best.x)))


def butterfly_free(p: SviParams) -> bool:
    """Non-negative minimum variance and Durrleman's g >= 0 on [-3, 3].

    Parameters
    ----------
    p : tuple of float
        Raw SVI ``(a, b, rho, m, sigma)`` (``a`` in vol^2 x years, ``b`` per unit log-moneyness, ``m`` and ``sigma`` in log-moneyness).

    Returns
    -------
    bool
        True when the slice is free of butterfly arbitrage on ``k`` in [-3, 3] (see
        :func:`core.surface.svi.min_g`) and its total variance is never negative.

    Examples
    --------
    >>> butterfly_free((0.04, 0.1, 0.0, 0.0, 0.1)), butterfly_free((-0.05, 0.1, 0.0, 0.0, 0.1))
    (True, False)
    """
    return min_g(p)[0] >= 0.0 and min_total_variance(p) >= 0.0


def refit_from_feasible(k: ArrayLike, v: ArrayLike, W: ArrayLike, start: SviParams, *,
                        margin: float = 1e-6) -> tuple[tuple[float, ...], float]:
    """Improve an arbitrage-free slice ``start`` without leaving the arbitrage-free set.

    Levenberg-Marquardt on the data with a stiff penalty (weight 1e4 and 1e6) on
    ``g < margin`` and negative minimum variance, starting inside the set; if the result
    violates the condition between penalty points, the farthest arbitrage-free point on the
    segment from ``start`` to it (bisection in the refit variables) is taken. Returns
    ``(params, objective)`` of an arbitrage-free slice no worse than ``start``.

    Parameters
    ----------
    k : array_like
        Log-moneyness ``ln(K/F)`` of the quotes, 1-D float64.
    v : array_like
        Market total implied variances ``iv^2 T`` (vol^2 x years), as long as ``k``.
    W : array_like
        Weights of the squared total-variance residuals (``(1 / (2 iv T band))^2``, in
        1 / (vol^2 x years)^2), as long as ``k``.
    start : tuple of float
        Raw SVI ``(a, b, rho, m, sigma)`` of a butterfly-free slice (e.g. from
        :func:`ssvi_slice_fit`); ``sigma > 0``.
    margin : float
        Penalise ``g < margin`` (dimensionless, default 1e-6), a little inside the set.

    Returns
    -------
    params : tuple of float
        Raw SVI ``(a, b, rho, m, sigma)``, butterfly-free; ``start`` itself when no refit was
        better.
    objective : float
        Its weighted sum of squared total-variance residuals (dimensionless with ``W`` as
        above), <= that of ``start``.
    """
    sw = np.sqrt(W)
    a, b, rho, m, s = start
    eps = 1e-9
    pr = min(max(b * (1.0 + rho), eps), SLOPE_MAX - eps)
    pl = min(max(b * (1.0 - rho), eps), SLOPE_MAX - eps)
    u0 = np.array([a, math.log(pr / (SLOPE_MAX - pr)), math.log(pl / (SLOPE_MAX - pl)), m,
                   math.log(s)])
    out = np.empty(5)

    def raw(u):
        _pen_params(u, out)
        return tuple(float(x) for x in out)

    best = (tuple(start), _objective_of(k, v, sw, start))
    u = u0.copy()
    kg = _CHECK_K.copy()
    for lam in (1e4, 1e6):
        _pen_lm(u, k, v, sw, kg, lam, margin, 200)
        p = raw(u)
        if not butterfly_free(p):
            lo, hi = 0.0, 1.0                 # u0 + t (u - u0): feasible at t = 0
            for _ in range(30):
                t = 0.5 * (lo + hi)
                if butterfly_free(raw(u0 + t * (u - u0))):
                    lo = t
                else:
                    hi = t
            p = raw(u0 + lo * (u - u0))
            if not butterfly_free(p):
                continue
        o = _objective_of(k, v, sw, p)
        if o < best[1]:
            best = (p, o)
            u0 = u.copy() if butterfly_free(raw(u)) else u0
    return best



# --------------------------------------------------------------------------------------------
# calendar
# --------------------------------------------------------------------------------------------
#: Log-moneyness grid on which consecutive slices must be ordered (the range of ``arbitrage()``).
K_CALENDAR = np.linspace(-1.5, 1.5, 601)
K_CALENDAR.flags.writeable = False
#: Least relative lead of a slice's total variance over its predecessor's on the grid, so that
#: the ordering also holds between grid points.
MARGIN = 1e-5


def crossing(prev: SviParams, params: SviParams, k: ArrayLike = K_CALENDAR) -> float:
    """Largest amount by which slice ``params`` lies below ``prev (1 + MARGIN)`` on ``k`` (0 if
    never).

    Parameters
    ----------
    prev : tuple of float
        Raw SVI ``(a, b, rho, m, sigma)`` of the previous (shorter) expiry.
    params : tuple of float
        Raw SVI of the slice checked.
    k : array_like
        Log-moneyness grid ``ln(K/F)`` (default :data:`K_CALENDAR`, [-1.5, 1.5]).

    Returns
    -------
    float
        ``max(w_prev (1 + MARGIN) - w)`` over ``k``, in total variance (vol^2 x years), >= 0;
        0 means the slices are ordered (no calendar arbitrage) on the grid.

    Examples
    --------
    >>> crossing((0.04, 0.1, 0.0, 0.0, 0.1), (0.05, 0.1, 0.0, 0.0, 0.1))
    0.0

    A slice 0.01 lower everywhere: the gap is 0.01 plus ``MARGIN w_prev`` at the grid end
    ``k = 1.5``, where ``w_prev = 0.04 + 0.1 sqrt(1.5^2 + 0.1^2) = 0.190333...``:

    >>> round(crossing((0.04, 0.1, 0.0, 0.0, 0.1), (0.03, 0.1, 0.0, 0.0, 0.1)), 11)
    0.01000190333
    """
    gap = svi_total_variance(k, *prev) * (1.0 + MARGIN) - svi_total_variance(k, *params)
    return float(max(gap.max(), 0.0))


def _feasible(prev, p, kc=K_CALENDAR) -> bool:
    return (min_total_variance(p) >= 0.0 and min_g(p)[0] >= 0.0
            and crossing(prev, p, kc) <= 0.0)


def _to_u(p):
    a, b, rho, m, s = p
    eps = 1e-9
    pr = min(max(b * (1 + rho), eps), SLOPE_MAX - eps)
    pl = min(max(b * (1 - rho), eps), SLOPE_MAX - eps)
    return np.array([a, math.log(pr / (SLOPE_MAX - pr)), math.log(pl / (SLOPE_MAX - pl)), m,
                     math.log(s)])


def _from_u(u):
    from scipy.special import expit

    pr = SLOPE_MAX * float(expit(u[1]))
    pl = SLOPE_MAX * float(expit(u[2]))
    tot = max(pr + pl, 1e-300)
    return (float(u[0]), 0.5 * tot, (pr - pl) / tot, float(u[3]),
            math.exp(min(max(u[4], -700.0), 700.0)))


def _refit(k, v, sw, prev, start, kc, free):
    """Best arbitrage-free slice found by penalty continuation from the independent fit
    ``free`` (weights 10 ... 1e6 on crossing, ``g < 0`` and negative minimum variance), each
    stage's result pulled back by bisection towards the arbitrage-free ``start`` when it is not
    arbitrage-free itself (module docstring). Returns ``(params, objective)``."""
    from scipy.optimize import least_squares

    wp = svi_total_variance(kc, *prev) * (1.0 + 2.0 * MARGIN)

    def objective(p):
        return float(np.sum((sw * (svi_total_variance(k, *p) - v)) ** 2))

    def resid(u, lam):
        p = _from_u(u)
        data = sw * (svi_total_variance(k, *p) - v)
        cal = lam * np.minimum(svi_total_variance(kc, *p) - wp, 0.0)
        g = np.nan_to_num(svi_g(_CHECK_K, *p), nan=-1.0, neginf=-1.0)
        but = lam * np.minimum(g - 1e-6, 0.0)
        return np.concatenate([data, cal, but, [lam * min(min_total_variance(p), 0.0)]])

    anchor = _to_u(start)
    best = (tuple(start), objective(start))
    # a stiff run from the arbitrage-free start, then a continuation from the free fit
    stages = [(anchor, 1e5)] + [(None, lam) for lam in (10.0, 1e2, 1e3, 1e4, 1e5, 1e6)]
    u = _to_u(free)
    for u_from, lam in stages:
        try:
            u = least_squares(resid, u if u_from is None else u_from, args=(lam,), method="lm",
                              max_nfev=300).x
        except (ValueError, FloatingPointError):
            break
        if u_from is not None:
            u_stiff = u
            u = _to_u(free)
            p = _from_u(u_stiff)
            if _feasible(prev, p, kc) and objective(p) < best[1]:
                best = (p, objective(p))
                anchor = u_stiff
            continue
        p = _from_u(u)
        if not _feasible(prev, p, kc):
            lo, hi = 0.0, 1.0
            for _ in range(25):
                t = 0.5 * (lo + hi)
                if _feasible(prev, _from_u(anchor + t * (u - anchor)), kc):
                    lo = t
                else:
                    hi = t
            p = _from_u(anchor + lo * (u - anchor))
        if _feasible(prev, p, kc):
            o = objective(p)
            if o < best[1]:
                best = (p, o)
                anchor = _to_u(p)
    return best


def calendar_refit(slices: Sequence[SliceData],
                   fits: Sequence[SviParams]) -> list[tuple[tuple[float, ...], str]]:
    """Refit SVI slices so that consecutive ones do not cross (module docstring).

    Parameters
    ----------
    slices : list of SliceData
        The quotes per expiry (``k``, ``total_variance``, ``w_weight``), ascending ``T``.
    fits : list of tuple
        Independent raw SVI parameters ``(a, b, rho, m, sigma)`` per slice, each free of
        butterfly arbitrage.

    Returns
    -------

    Returns
    -------
    list of (tuple, str)
        Parameters per slice and what happened: ``"kept"``, ``"calendar refit"`` or
        ``"crosses by <gap>"`` when no ordered arbitrage-free slice was found (the independent
        fit is kept and the caller reports it).
    """
    out = [(tuple(fits[0]), "kept")]
    for j in range(1, len(fits)):
        prev = out[-1][0]
        p = tuple(fits[j])
        kc = K_CALENDAR
        gap = crossing(prev, p, kc)
        if gap <= 0.0:
            out.append((p, "kept"))
            continue
        s = slices[j]
        k, v, sw = s.k, s.total_variance, s.w_weight
        c = 1.0 + 3.0 * MARGIN                 # the predecessor scaled or lifted a hair
        lift = 3.0 * MARGIN * float(svi_total_variance(kc, *prev).max())
        starts = [(p[0] + gap * (1 + 1e-6) + 1e-12, *p[1:]),
                  (prev[0] * c, prev[1] * c, *prev[2:]),
                  (prev[0] + lift, *prev[1:])]
        best = None
        for st in starts:
            if not _feasible(prev, st, kc):
                continue
            cand = _refit(k, v, sw, prev, st, kc, p)
            if best is None or cand[1] < best[1]:
                best = cand
        if best is None:
            out.append((p, f"crosses by {gap:.3g}"))
        else:
            out.append((tuple(float(x) for x in best[0]), "calendar refit"))
    return out
