"""Raw SVI smiles (Gatheral 2004): formulas, Durrleman's condition, and the quasi-explicit fit.

A raw SVI slice gives the total implied variance ``w = sigma_BS^2 T`` at log-moneyness
``k = ln(K/F)``::

    w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2)),   b >= 0, |rho| < 1, sigma > 0.

Fit (Zeliade Systems, "Quasi-explicit calibration of Gatheral's SVI model", 2009): with
``y = (k - m) / sigma`` the slice is ``w = a + d y + c sqrt(y^2 + 1)`` with ``c = b sigma``,
``d = rho b sigma``: for fixed ``(m, sigma)`` it is *linear* in ``(a, d, c)``. In the variables
``p = c + d = sigma b (1 + rho)``, ``q = c - d = sigma b (1 - rho)`` (``p / sigma`` and
``q / sigma`` are the right and left wing slopes of ``w``) the parameter domain is a box:

* ``0 <= p, q <= 2 sigma``: ``b >= 0``, ``|rho| <= 1`` and Roger Lee's moment bound — wing
  slopes of total variance at most 2 (necessary for Durrleman's ``g >= 0`` in the wings, where
  ``g -> 1/4 - slope^2 / 16``; Zeliade's ``4 sigma`` is the weaker Rogers-Tehranchi bound);
* ``a`` in ``[-10 max w, max w]``, then ``a + sqrt(p q) >= 0`` (the minimum of ``w``,
  ``a + b sigma sqrt(1 - rho^2)``, is non-negative) by raising ``a``'s lower bound if needed.

The inner box-constrained linear least-squares problem in 3 unknowns is solved exactly by
enumerating the 27 faces of the box (each variable free, at its lower or at its upper bound):
for a convex quadratic the optimum is the best feasible face minimiser. The outer problem in
``(m, sigma)`` is a coarse grid followed by Nelder-Mead from the two best grid points, all in one
numba kernel. If the resulting slice has butterfly arbitrage (``g(k) < 0`` somewhere on
``[-3, 3]``) it is refitted in all five parameters by Levenberg-Marquardt with a growing penalty
on ``min(g, 0)`` (:func:`_penalty_refit`); on the sample SPX chain three of the nine slices
need it (their right wings at k ~ 0.4-0.5 otherwise have ``g`` down to -0.07).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit
from core._typing import ArrayLike, FloatLike, SviParams

__all__ = ["svi_total_variance", "svi_derivatives", "durrleman_g", "svi_g", "min_g",
           "min_total_variance", "fit_svi_slice", "SLOPE_MAX"]

#: Largest wing slope of total variance (Roger Lee's moment formula).
SLOPE_MAX: float = 2.0
_GRID = 15                 # outer grid: _GRID values of m times _GRID values of sigma
_CHECK_K = np.linspace(-3.0, 3.0, 241)     # penalty points of the refit (more added where needed)
_CHECK_K.flags.writeable = False          # shared, read-only: each refit works on a copy


# --------------------------------------------------------------------------------------------
# formulas
# --------------------------------------------------------------------------------------------
def svi_total_variance(k: FloatLike, a: FloatLike, b: FloatLike, rho: FloatLike, m: FloatLike,
                       sigma: FloatLike) -> np.ndarray:
    """Raw SVI total implied variance ``w(k)`` (dimensionless: vol^2 x years).

    Parameters
    ----------
    k : array_like
        Log-moneyness ln(K/F).
    a, b, rho, m, sigma : float or array_like
        Raw SVI parameters of a total-variance slice (``b >= 0``, ``|rho| < 1``, ``sigma > 0``).

    Returns
    -------
    ndarray
        Total implied variance ``sigma^2 T`` (vol² × years), the shape of ``k``.
    """
    x = np.asarray(k, dtype=np.float64) - m
    return a + b * (rho * x + np.sqrt(x * x + sigma * sigma))


def svi_derivatives(k: FloatLike, a: FloatLike, b: FloatLike, rho: FloatLike, m: FloatLike,
                    sigma: FloatLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(w, dw/dk, d2w/dk2)`` of a raw SVI slice at ``k``.

    Parameters
    ----------
    k : array_like
        Log-moneyness ``ln(K/F)``.
    a, b, rho, m, sigma : float
        Raw SVI parameters (``b >= 0``, ``|rho| < 1``, ``sigma > 0``).

    Returns
    -------
    tuple of ndarray
        Total variance (vol^2 x years) and its first two derivatives in ``k``.
    """
    x = np.asarray(k, dtype=np.float64) - m
    r = np.sqrt(x * x + sigma * sigma)
    w = a + b * (rho * x + r)
    return w, b * (rho + x / r), b * sigma * sigma / (r * r * r)


def durrleman_g(k: FloatLike, w: FloatLike, w1: FloatLike, w2: FloatLike) -> np.ndarray:
    """Durrleman's function ``g(k)``; a smile is free of butterfly arbitrage iff ``g >= 0``.

    ``g = (1 - k w' / (2 w))^2 - w'^2 / 4 (1 / w + 1 / 4) + w'' / 2`` (Gatheral & Jacquier 2014,
    eq. 2.1): the risk-neutral density is ``g(k) / sqrt(2 pi w) exp(-d2^2 / 2)``. Where ``w <= 0``
    the result is ``-inf`` (no valid smile).

    Parameters
    ----------
    k, w, w1, w2 : array_like
        Log-moneyness, total variance and its first two derivatives in ``k``.

    Returns
    -------
    ndarray
        ``g(k)``; >= 0 where the smile is free of butterfly arbitrage.
    """
    k, w, w1, w2 = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (k, w, w1, w2)))
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (1.0 - k * w1 / (2.0 * w)) ** 2 - 0.25 * w1 * w1 * (1.0 / w + 0.25) + 0.5 * w2
    return np.where(w > 0.0, g, -np.inf)


def svi_g(k: FloatLike, a: FloatLike, b: FloatLike, rho: FloatLike, m: FloatLike,
          sigma: FloatLike) -> np.ndarray:
    """Durrleman's ``g(k)`` of a raw SVI slice (analytic derivatives).

    Parameters
    ----------
    k : array_like
        Log-moneyness ``ln(K/F)``.
    a, b, rho, m, sigma : float
        Raw SVI parameters.

    Returns
    -------
    ndarray
        ``g(k)``; the slice is free of butterfly arbitrage where ``g >= 0``.
    """
    k = np.asarray(k, dtype=np.float64)
    return durrleman_g(k, *svi_derivatives(k, a, b, rho, m, sigma))


# --------------------------------------------------------------------------------------------
# numba kernels: box-constrained 3-variable least squares, the quasi-explicit outer search
# --------------------------------------------------------------------------------------------
@njit(cache=True)
def _box_lsq3(G, h, lo, hi, x):
    """Minimise ``x'Gx - 2h'x`` over ``lo <= x <= hi`` (3 variables); result in ``x``.

    Enumerates the 27 faces of the box; returns the objective (``inf`` if nothing solved).
    """
    M = np.empty((3, 3))
    r = np.empty(3)
    xc = np.empty(3)
    free = np.empty(3, dtype=np.int64)
    scale = max(abs(G[0, 0]), abs(G[1, 1]), abs(G[2, 2]), 1e-300)
    best = np.inf
    for code in range(27):
        nf = 0
        c = code
        for i in range(3):
            s = c % 3
            c //= 3
            if s == 0:
                free[nf] = i
                nf += 1
            elif s == 1:
                xc[i] = lo[i]
            else:
                xc[i] = hi[i]
        ok = True
        if nf > 0:
            for a_ in range(nf):
                i = free[a_]
                acc = h[i]
                for j in range(3):
                    fixed = True
                    for b_ in range(nf):
                        if free[b_] == j:
                            fixed = False
                    if fixed:
                        acc -= G[i, j] * xc[j]
                r[a_] = acc
                for b_ in range(nf):
                    M[a_, b_] = G[i, free[b_]]
            for col in range(nf):                      # Gaussian elimination, partial pivoting
                piv = col
                for row in range(col + 1, nf):
                    if abs(M[row, col]) > abs(M[piv, col]):
                        piv = row
                if abs(M[piv, col]) <= 1e-13 * scale:
                    ok = False
                    break
                if piv != col:
                    for j in range(nf):
                        M[col, j], M[piv, j] = M[piv, j], M[col, j]
                    r[col], r[piv] = r[piv], r[col]
                for row in range(col + 1, nf):
                    f = M[row, col] / M[col, col]
                    for j in range(col, nf):
                        M[row, j] -= f * M[col, j]
                    r[row] -= f * r[col]
            if not ok:
                continue
            for col in range(nf - 1, -1, -1):
                acc = r[col]
                for j in range(col + 1, nf):
                    acc -= M[col, j] * r[j]
                r[col] = acc / M[col, col]
            for a_ in range(nf):
                i = free[a_]
                tol = 1e-12 * (abs(lo[i]) + abs(hi[i]) + 1e-300)
                if r[a_] < lo[i] - tol or r[a_] > hi[i] + tol:
                    ok = False
                    break
                xc[i] = min(max(r[a_], lo[i]), hi[i])
            if not ok:
                continue
        obj = 0.0
        for i in range(3):
            obj -= 2.0 * h[i] * xc[i]
            for j in range(3):
                obj += xc[i] * G[i, j] * xc[j]
        if obj < best:
            best = obj
            for i in range(3):
                x[i] = xc[i]
    return best


@njit(cache=True)
def _qe_inner(k, v, W, m, s, a_lo, a_hi, slope_max, x):
    """Best ``(a, p, q)`` for fixed ``(m, sigma)``; returns the weighted sum of squares."""
    G = np.zeros((3, 3))
    h = np.zeros(3)
    vv = 0.0
    for i in range(k.shape[0]):
        y = (k[i] - m) / s
        z = math.sqrt(y * y + 1.0)
        c1 = 0.5 * (z + y)
        c2 = 0.5 * (z - y)
        wi = W[i]
        G[0, 0] += wi
        G[0, 1] += wi * c1
        G[0, 2] += wi * c2
        G[1, 1] += wi * c1 * c1
        G[1, 2] += wi * c1 * c2
        G[2, 2] += wi * c2 * c2
        h[0] += wi * v[i]
        h[1] += wi * c1 * v[i]
        h[2] += wi * c2 * v[i]
        vv += wi * v[i] * v[i]
    G[1, 0] = G[0, 1]
    G[2, 0] = G[0, 2]
    G[2, 1] = G[1, 2]
    lo = np.array([a_lo, 0.0, 0.0])
    hi = np.array([a_hi, slope_max * s, slope_max * s])
    obj = _box_lsq3(G, h, lo, hi, x)
    floor = -math.sqrt(max(x[1] * x[2], 0.0))
    if x[0] < floor:                                   # negative minimum variance: raise a
        lo[0] = min(floor, a_hi)
        obj = _box_lsq3(G, h, lo, hi, x)
    return max(obj + vv, 0.0)


@njit(cache=True)
def _objective(k, v, W, u, m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, x):
    m = min(max(u[0], m_lo), m_hi)
    s = math.exp(min(max(u[1], ls_lo), ls_hi))
    return _qe_inner(k, v, W, m, s, a_lo, a_hi, slope_max, x)


@njit(cache=True)
def _nelder_mead(k, v, W, u0, step, m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, u_out):
    """2-d Nelder-Mead over ``(m, log sigma)`` (clipped to the box); returns the best value."""
    x = np.empty(3)
    P = np.empty((3, 2))
    F = np.empty(3)
    for j in range(3):
        P[j, 0] = u0[0]
        P[j, 1] = u0[1]
    P[1, 0] += step[0]
    P[2, 1] += step[1]
    for j in range(3):
        F[j] = _objective(k, v, W, P[j], m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, x)
    for _ in range(400):
        order = np.argsort(F)
        P = P[order]
        F = F[order]
        size = max(abs(P[1, 0] - P[0, 0]) + abs(P[2, 0] - P[0, 0]),
                   abs(P[1, 1] - P[0, 1]) + abs(P[2, 1] - P[0, 1]))
        if size < 1e-9 or F[2] - F[0] <= 1e-13 * abs(F[0]) + 1e-300:
            break
        c0 = 0.5 * (P[0, 0] + P[1, 0])
        c1 = 0.5 * (P[0, 1] + P[1, 1])
        xr = np.array([2.0 * c0 - P[2, 0], 2.0 * c1 - P[2, 1]])
        fr = _objective(k, v, W, xr, m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, x)
        if fr < F[0]:
            xe = np.array([3.0 * c0 - 2.0 * P[2, 0], 3.0 * c1 - 2.0 * P[2, 1]])
            fe = _objective(k, v, W, xe, m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, x)
            if fe < fr:
                P[2, 0], P[2, 1], F[2] = xe[0], xe[1], fe
            else:
                P[2, 0], P[2, 1], F[2] = xr[0], xr[1], fr
        elif fr < F[1]:
            P[2, 0], P[2, 1], F[2] = xr[0], xr[1], fr
        else:
            if fr < F[2]:
                xc = np.array([c0 + 0.5 * (xr[0] - c0), c1 + 0.5 * (xr[1] - c1)])
            else:
                xc = np.array([c0 + 0.5 * (P[2, 0] - c0), c1 + 0.5 * (P[2, 1] - c1)])
            fc = _objective(k, v, W, xc, m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, x)
            if fc < min(fr, F[2]):
                P[2, 0], P[2, 1], F[2] = xc[0], xc[1], fc
            else:                                      # shrink towards the best point
                for j in range(1, 3):
                    P[j, 0] = P[0, 0] + 0.5 * (P[j, 0] - P[0, 0])
                    P[j, 1] = P[0, 1] + 0.5 * (P[j, 1] - P[0, 1])
                    F[j] = _objective(k, v, W, P[j], m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi,
                                      slope_max, x)
    best = np.argmin(F)
    u_out[0] = min(max(P[best, 0], m_lo), m_hi)
    u_out[1] = min(max(P[best, 1], ls_lo), ls_hi)
    return F[best]


@njit(cache=True)
def _qe_fit(k, v, W, m_lo, m_hi, s_lo, s_hi, a_lo, a_hi, slope_max, n_grid, out):
    """Quasi-explicit SVI fit: ``out = (a, b, rho, m, sigma)``; returns the weighted SSE."""
    x = np.empty(3)
    ls_lo, ls_hi = math.log(s_lo), math.log(s_hi)
    best1, best2 = np.inf, np.inf
    u1 = np.zeros(2)
    u2 = np.zeros(2)
    u = np.empty(2)
    for i in range(n_grid):
        u[0] = m_lo + (m_hi - m_lo) * i / (n_grid - 1)
        for j in range(n_grid):
            u[1] = ls_lo + (ls_hi - ls_lo) * j / (n_grid - 1)
            f = _objective(k, v, W, u, m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, x)
            if f < best1:
                best2, u2[0], u2[1] = best1, u1[0], u1[1]
                best1, u1[0], u1[1] = f, u[0], u[1]
            elif f < best2:
                best2, u2[0], u2[1] = f, u[0], u[1]
    step = np.array([max((m_hi - m_lo) / (n_grid - 1), 1e-4), (ls_hi - ls_lo) / (n_grid - 1)])
    best = np.inf
    ub = np.empty(2)
    for start in range(2):
        u0 = u1 if start == 0 else u2
        if not np.isfinite(best1 if start == 0 else best2):
            continue
        f = _nelder_mead(k, v, W, u0, step, m_lo, m_hi, ls_lo, ls_hi, a_lo, a_hi, slope_max, u)
        if f < best:
            best, ub[0], ub[1] = f, u[0], u[1]
    m = ub[0]
    s = math.exp(ub[1])
    best = _qe_inner(k, v, W, m, s, a_lo, a_hi, slope_max, x)
    c = 0.5 * (x[1] + x[2])
    out[0] = x[0]
    out[1] = c / s
    out[2] = 0.5 * (x[1] - x[2]) / c if c > 0.0 else 0.0
    out[3] = m
    out[4] = s
    return best


# --------------------------------------------------------------------------------------------
# slice fit
# --------------------------------------------------------------------------------------------
def min_g(params: SviParams, *, k_min: float = -3.0, k_max: float = 3.0) -> tuple[float, float]:
    """Smallest Durrleman ``g`` of a raw SVI slice on ``[k_min, k_max]`` and where it occurs.

    A grid of step 0.002, then a bounded Brent search around the lowest grid point, so a dip
    between grid points is not missed. Returns ``(min g, k)``.

    Parameters
    ----------
    params : tuple of float
        Raw SVI ``(a, b, rho, m, sigma)``: ``a`` in total variance (vol^2 x years), ``b`` per
        unit log-moneyness, ``m`` and ``sigma`` in log-moneyness.
    k_min, k_max : float
        Log-moneyness range ``ln(K/F)`` searched (default ``[-3, 3]``), ``k_min < k_max``.

    Returns
    -------
    tuple of float
        ``(min g, k at the minimum)``; ``g`` is dimensionless (the slice is free of butterfly
        arbitrage on the range iff it is >= 0); ``-inf`` where ``g`` is undefined (``w <= 0``).

    Examples
    --------
    >>> g, k = min_g((0.04, 0.1, 0.0, 0.0, 0.1))
    >>> bool(g > 0) and abs(k) <= 3.0
    True
    """
    from scipy.optimize import minimize_scalar

    kg = np.linspace(k_min, k_max, int(round((k_max - k_min) / 0.002)) + 1)
    g = np.nan_to_num(svi_g(kg, *params), nan=-np.inf)
    i = int(np.argmin(g))
    if not np.isfinite(g[i]):
        return float(g[i]), float(kg[i])
    lo, hi = kg[max(i - 1, 0)], kg[min(i + 1, kg.size - 1)]
    res = minimize_scalar(lambda x: float(svi_g(x, *params)), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-9})
    if res.fun < g[i]:
        return float(res.fun), float(res.x)
    return float(g[i]), float(kg[i])


def _bounds(k: np.ndarray, v: np.ndarray) -> tuple[float, ...]:
    span = max(float(k[-1] - k[0]), 1e-3)
    return (float(k[0]), float(k[-1]), 0.005 * span, 2.0 * span, -10.0 * float(v.max()),
            float(v.max()))


@njit(cache=True)
def _pen_params(u, out):
    """Raw SVI ``(a, b, rho, m, sigma)`` from the unconstrained refit variables ``u``."""
    pr = SLOPE_MAX / (1.0 + math.exp(-u[1]))          # right wing slope b (1 + rho) in (0, 2)
    pl = SLOPE_MAX / (1.0 + math.exp(-u[2]))          # left wing slope b (1 - rho) in (0, 2)
    out[0] = u[0]
    out[1] = 0.5 * (pr + pl)
    out[2] = (pr - pl) / (pr + pl)
    out[3] = u[3]
    out[4] = math.exp(u[4])


@njit(cache=True)
def _pen_resid(u, k, v, sw, kg, lam, margin, p, r):
    """Residuals of the penalised refit: data, ``lam min(g - margin, 0)`` on the penalty points
    ``kg``, ``lam min(w_min, 0)``."""
    _pen_params(u, p)
    a, b, rho, m, s = p[0], p[1], p[2], p[3], p[4]
    n = k.shape[0]
    for i in range(n):
        x = k[i] - m
        r[i] = sw[i] * (a + b * (rho * x + math.sqrt(x * x + s * s)) - v[i])
    for j in range(kg.shape[0]):
        x = kg[j] - m
        q = math.sqrt(x * x + s * s)
        w = a + b * (rho * x + q)
        if w <= 0.0:
            r[n + j] = -lam
            continue
        w1 = b * (rho + x / q)
        w2 = b * s * s / (q * q * q)
        t = 1.0 - kg[j] * w1 / (2.0 * w)
        g = t * t - 0.25 * w1 * w1 * (1.0 / w + 0.25) + 0.5 * w2
        r[n + j] = lam * min(g - margin, 0.0)
    r[n + kg.shape[0]] = lam * min(a + b * s * math.sqrt(max(1.0 - rho * rho, 0.0)), 0.0)


@njit(cache=True)
def _pen_lm(u, k, v, sw, kg, lam, margin, max_iter):
    """Levenberg-Marquardt on :func:`_pen_resid` (forward-difference Jacobian); updates ``u``."""
    nr = k.shape[0] + kg.shape[0] + 1
    p = np.empty(5)
    r = np.empty(nr)
    rt = np.empty(nr)
    J = np.empty((nr, 5))
    _pen_resid(u, k, v, sw, kg, lam, margin, p, r)
    cost = np.dot(r, r)
    mu = 1e-3
    ut = np.empty(5)
    for _ in range(max_iter):
        for c in range(5):
            h = 1e-7 * max(1.0, abs(u[c]))
            ut[:] = u
            ut[c] += h
            _pen_resid(ut, k, v, sw, kg, lam, margin, p, rt)
            J[:, c] = (rt - r) / h
        A = J.T @ J
        gr = J.T @ r
        improved = False
        for _ in range(12):
            M = A.copy()
            for c in range(5):
                M[c, c] += mu * max(A[c, c], 1e-12)
            step = np.linalg.solve(M, -gr)
            ut[:] = u + step
            _pen_resid(ut, k, v, sw, kg, lam, margin, p, rt)
            ct = np.dot(rt, rt)
            if ct < cost:
                improved = True
                break
            mu *= 4.0
        if not improved:
            break
        rel = (cost - ct) / max(cost, 1e-300)
        u[:] = ut
        r[:] = rt
        cost = ct
        mu = max(mu / 3.0, 1e-12)
        if rel < 1e-10:
            break
    return cost


def min_total_variance(params: SviParams) -> float:
    """Minimum of a raw SVI slice's total variance, ``a + b sigma sqrt(1 - rho^2)``.

    Parameters
    ----------
    params : tuple of float
        Raw SVI ``(a, b, rho, m, sigma)`` (``a`` in vol^2 x years, ``sigma`` in log-moneyness).

    Returns
    -------
    float
        The smallest ``w(k)`` over all ``k`` (vol^2 x years); < 0 means negative variance
        somewhere.

    Examples
    --------
    >>> min_total_variance((0.25, 0.5, 0.0, 0.0, 0.5))  # w(m) = a + b sigma
    0.5
    """
    a, b, rho, _, s = params
    return float(a + b * s * math.sqrt(max(1.0 - rho * rho, 0.0)))


def _objective_of(k, v, sw, params) -> float:
    return float(np.sum((sw * (svi_total_variance(k, *params) - v)) ** 2))


def _penalty_refit(k, v, W, params, *, margin: float = 1e-6):
    """Refit all five parameters with penalties on ``g < margin`` and negative minimum variance.

    Variables: ``a``, the wing slopes ``b (1 +- rho)`` through a logistic map onto ``(0, 2)``
    (Lee's bound), ``m`` and ``ln sigma``, by Levenberg-Marquardt; the penalty weight grows
    tenfold until the slice is free of butterfly arbitrage on ``[-3, 3]`` (checked by
    :func:`min_g`; a dip found between penalty points is added to them). Returns
    ``(params, objective, min g)`` of the first attempt that is free of arbitrage (non-negative
    ``g`` and minimum variance), or of the least violating attempt when none is.
    """
    a, b, rho, m, s = params
    sw = np.sqrt(W)
    eps = 1e-6
    pr = min(max(b * (1.0 + rho), eps), SLOPE_MAX - eps)
    pl = min(max(b * (1.0 - rho), eps), SLOPE_MAX - eps)
    u = np.array([a, math.log(pr / (SLOPE_MAX - pr)), math.log(pl / (SLOPE_MAX - pl)), m,
                  math.log(s)])
    out = np.empty(5)
    kg = _CHECK_K.copy()
    least = None
    for lam in (10.0, 100.0, 1e3, 1e4, 1e5, 1e6, 1e7):
        _pen_lm(u, k, v, sw, kg, lam, margin, 100)
        _pen_params(u, out)
        p = tuple(float(x) for x in out)
        mg, k_at = min_g(p)
        mw = min_total_variance(p)
        result = (p, _objective_of(k, v, sw, p), mg)
        if mg >= 0.0 and mw >= 0.0:
            return result
        violation = max(-mg if math.isfinite(mg) else math.inf, -mw, 0.0)
        if least is None or violation < least[0]:
            least = (violation, result)
        # the dip lies between penalty points: penalise it there too
        kg = np.unique(np.concatenate([kg, [k_at - 1e-3, k_at, k_at + 1e-3]]))
    return least[1]


def fit_svi_slice(k: ArrayLike, v: ArrayLike, W: ArrayLike) -> dict:
    """Fit one raw SVI slice to market total variances by the quasi-explicit method.

    Parameters
    ----------
    k : ndarray
        Log-moneyness ln(K/F), sorted ascending (at least 5 points).
    v : ndarray
        Market total implied variances ``iv^2 T``.
    W : ndarray
        Weights of squared total-variance residuals (``(1 / (2 iv T band))^2``).

    Returns
    -------
    dict
        ``a, b, rho, m, sigma`` (raw SVI of total variance), ``objective`` (weighted sum of
        squares), ``min_g`` (smallest Durrleman g on [-3, 3]), ``min_w`` (minimum total
        variance), ``arbitrage_free`` (both >= 0) and ``method``: 'quasi-explicit' when that fit
        is free of arbitrage; otherwise the best arbitrage-free of the butterfly-penalty refits
        (from the quasi-explicit fit and from the best SSVI slice, 'penalised') and the SSVI
        slice itself ('ssvi-slice', arbitrage-free by Gatheral & Jacquier's Theorem 4.2). Only
        if none of them is free of arbitrage is the least violating returned, with
        ``arbitrage_free = False`` (the caller says so; ``min_g`` / ``min_w`` tell by how much).
    """
    k = np.ascontiguousarray(k, dtype=np.float64)
    v = np.ascontiguousarray(v, dtype=np.float64)
    W = np.ascontiguousarray(W, dtype=np.float64)
    sw = np.sqrt(W)
    bounds = _bounds(k, v)
    out = np.empty(5)
    obj = _qe_fit(k, v, W, *bounds, SLOPE_MAX, _GRID, out)
    params = tuple(float(p) for p in out)
    mg, _ = min_g(params)
    mw = min_total_variance(params)
    method = "quasi-explicit"
    if not (mg >= 0.0 and mw >= 0.0):
        # the quasi-explicit fit has butterfly arbitrage or a negative minimum variance: try
        # refits from it and from an always arbitrage-free SSVI slice, keep the best feasible
        tries = [("penalised",) + _penalty_refit(k, v, W, params)]
        # (a refit that is free of arbitrage can still be a poor fit - 6 vol points on a 4-day
        # slice - so the SSVI route is always tried as well and the best feasible one kept)
        from core.surface import svi_refit

        ssvi = svi_refit.ssvi_slice_fit(k, v, W)
        if ssvi is not None and svi_refit.butterfly_free(ssvi):
            tries.append(("ssvi-slice", ssvi, _objective_of(k, v, sw, ssvi), min_g(ssvi)[0]))
            p, o = svi_refit.refit_from_feasible(k, v, W, ssvi)
            tries.append(("penalised", p, o, min_g(p)[0]))
        scored = []
        for name, p, o, g in tries:
            w_min = min_total_variance(p)
            ok = g >= 0.0 and w_min >= 0.0
            violation = 0.0 if ok else max(-g if math.isfinite(g) else math.inf, -w_min)
            scored.append((not ok, violation if not ok else 0.0, o, name, p, g, w_min))
        scored.sort(key=lambda t: (t[0], t[1], t[2]))
        _, _, obj, method, params, mg, mw = scored[0]
    a, b, rho, m, s = params
    return {"a": a, "b": b, "rho": rho, "m": m, "sigma": s, "objective": float(obj),
            "min_g": float(mg), "min_w": float(mw), "arbitrage_free": bool(mg >= 0.0 and mw >= 0.0),
            "method": method}


# The penalised refit's pieces, shared with core.surface.svi_refit and the numba warm-up in
# core.surface.fits. ``k`` log-moneyness, ``v`` total variance (vol^2 x years), ``sw`` weights.
#: Log-moneyness points (read-only) where the refit penalises ``g < margin``; work on a copy.
CHECK_K: np.ndarray = _CHECK_K
#: ``penalised_lm(u, k, v, sw, kg, lam, margin, max_iter)``: Levenberg-Marquardt on the
#: penalised residuals, updating the unconstrained variables ``u`` in place (numba).
penalised_lm = _pen_lm
#: ``penalised_params(u, out)``: raw SVI ``(a, b, rho, m, sigma)`` from ``u`` into ``out``.
penalised_params = _pen_params
#: ``slice_objective(k, v, sw, params) -> float``: weighted squared error in total variance.
slice_objective = _objective_of
__all__ += ["CHECK_K", "penalised_lm", "penalised_params", "slice_objective"]
