"""Calendar-aware SVI: slices refitted, nearest expiry first, so that none crosses the one before.

Independent SVI slices can cross between listed expiries (``w_j(k) < w_{j-1}(k)`` at some
log-moneyness: calendar arbitrage). Because :class:`~core.surface.SurfaceFit` interpolates total
variance linearly in ``T`` at fixed ``k`` (and extrapolates ``w ∝ T``), the surface is free of
calendar arbitrage on a range of ``k`` exactly when consecutive slices are ordered there.

:func:`calendar_refit` walks the slices in increasing ``T``; a slice that dips below its
predecessor on the check grid is refitted by Levenberg-Marquardt (scipy ``least_squares``) on
its own quotes with stiff penalties on crossing, on Durrleman's ``g < 0`` and on negative
minimum variance, **starting from an arbitrage-free point** (the slice lifted by the largest
crossing gap, or the predecessor lifted by a hair), and it keeps only arbitrage-free results
(bisection back towards the start if the solver stepped out). Each accepted slice is therefore
butterfly-free on ``[-3, 3]`` and above its predecessor on the calendar grid. This is the
sequential version of Gatheral & Jacquier's (2014, section 5) recipe of fitting SVI slices under
no-arbitrage constraints; it is not a global optimum over all slices at once.
"""
from __future__ import annotations

import math

import numpy as np

from core.surface.svi import (SLOPE_MAX, _CHECK_K, min_g, min_total_variance, svi_g,
                              svi_total_variance)

__all__ = ["calendar_refit", "crossing", "K_CALENDAR", "MARGIN"]

#: Log-moneyness grid on which consecutive slices must be ordered (the range of ``arbitrage()``).
K_CALENDAR = np.linspace(-1.5, 1.5, 601)
K_CALENDAR.flags.writeable = False
#: Least relative lead of a slice's total variance over its predecessor's on the grid, so that
#: the ordering also holds between grid points.
MARGIN = 1e-5


def crossing(prev, params, k=K_CALENDAR) -> float:
    """Largest amount by which slice ``params`` lies below ``prev (1 + MARGIN)`` on ``k`` (0 if
    never)."""
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


def calendar_refit(slices, fits):
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
