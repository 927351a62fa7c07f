"""Joint, calendar-aware SVI fit: the slices' raw SVI parameters optimised as one problem.

The sequential calendar refit (:func:`core.surface.svi_refit.calendar_refit`) walks the
expiries once, nearest first, so a short slice pushed up far outside its quotes (crossings sit
at ``|k|`` up to 1.5 while a 1-day slice is quoted on ``|k| < 0.05``) forces every later one and
is never revisited. :func:`joint_refit` instead minimises the **same objective** as the
independent fit summed over all slices, ``sum_j sum (sqrt(W) (w_j(k) - v))^2`` on the quoted
range (weighted total-variance residuals: implied-vol residuals in units of the bid/ask band),
subject to

* calendar: ``w_j(k) >= (1 + MARGIN) w_{j-1}(k)`` on the calendar grid :data:`K_CALENDAR`
  (``k`` in ``[-1.5, 1.5]``, the range :meth:`SurfaceFit.arbitrage` checks; the surface
  interpolates total variance linearly in ``T``, so ordered slices mean no calendar arbitrage
  there);
* butterfly: Durrleman's ``g(k) >= 0`` on ``[-3, 3]`` (the independent fit's per-slice
  guarantee, wider than ``arbitrage()``'s range) and minimum total variance
  ``a + b sigma sqrt(1 - rho^2) >= 0``.

**Method: block-coordinate descent from a feasible point.** One SLSQP over all ``5 N``
parameters was tried first (from the independent fits it stepped out to objectives of 1e21 with
"inequality constraints incompatible"; from the eSSVI slices it needed 300-600 iterations,
20-60 s on 16 expiries, and still ended with ``g < 0`` between constraint points). Here the
start is an arbitrage-free surface (the eSSVI slices of :mod:`core.surface.essvi`, or the
sequential refit), and each step solves the joint problem in ``block`` consecutive slices
(default 3) with the others fixed, by SLSQP with analytic Jacobians (raw SVI derivatives in
closed form) on constraint points where a constraint is near binding (local minima of the
calendar lead and of ``g`` on dense grids). A step is kept only if the slices it moved pass the
dense checks (601 points for calendar, :func:`core.surface.svi.min_g` for ``g``) and the
objective falls; otherwise the farthest feasible point towards the SLSQP answer is taken
(bisection). Every iterate is therefore free of arbitrage, and passes over all expiries repeat
(skipping a block when neither its slices nor their neighbours moved since it was last solved)
until one gains less than ``rtol``. This reaches a point no block of slices can improve, not
necessarily the global optimum of the joint problem.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.surface.svi import min_g, min_total_variance, svi_total_variance
from core.surface.svi_refit import K_CALENDAR, MARGIN, crossing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.surface.quotes import SliceData

__all__ = ["joint_refit", "JointResult", "G_MARGIN"]

#: Least Durrleman ``g`` imposed on the constraint points (above 0, so that ``g`` tends to stay
#: non-negative between them; the dense check decides).
G_MARGIN: float = 1e-4
_K_LOCAL = np.linspace(-6.0, 6.0, 121)
_K_G_DENSE = np.linspace(-3.0, 3.0, 601)


def _near_minima(k, c, tol):
    """Points of ``k`` at local minima of ``c`` with ``c < tol``, with both neighbours, and the
    two ends."""
    c = np.nan_to_num(c, nan=-1.0, neginf=-1.0)
    lm = np.zeros(c.size, dtype=bool)
    lm[1:-1] = (c[1:-1] <= c[:-2]) & (c[1:-1] <= c[2:])
    lm[0] = c[0] <= c[1]
    lm[-1] = c[-1] <= c[-2]
    idx = np.nonzero(lm & (c < tol))[0]
    idx = np.unique(np.clip(np.concatenate([idx - 1, idx, idx + 1, [0, c.size - 1]]), 0,
                            c.size - 1))
    return k[idx]


@dataclass(frozen=True, slots=True)
class JointResult:
    """Outcome of :func:`joint_refit`.

    Attributes
    ----------
    params : tuple of tuple
        Raw SVI ``(a, b, rho, m, sigma)`` per slice, ascending ``T``.
    objective : float
        Summed weighted squared total-variance error (the independent fit's objective).
    objective_start : float
        The same at the independent fits (which may violate the constraints).
    feasible : bool
        Every constraint holds on the dense check grids.
    max_crossing : float
        Largest calendar shortfall ``(1 + MARGIN) w_{j-1} - w_j`` on :data:`K_CALENDAR` (0 if none).
    min_g : float
        Smallest Durrleman ``g`` of any slice on ``[-3, 3]``.
    min_w : float
        Smallest minimum total variance of any slice.
    iterations : int
        SLSQP iterations over all blocks and passes (0: nothing was optimised).
    message : str
        How it ended.
    """

    params: tuple
    objective: float
    objective_start: float
    feasible: bool
    max_crossing: float
    min_g: float
    min_w: float
    iterations: int
    message: str


# --------------------------------------------------------------------------------------------
# raw SVI and its parameter derivatives (closed form)
# --------------------------------------------------------------------------------------------
def _w_and_grad(k, p):
    """``w(k)`` and ``dw/d(a, b, rho, m, sigma)`` (shape ``(len(k), 5)``)."""
    a, b, rho, m, s = p
    x = k - m
    r = np.sqrt(x * x + s * s)
    w = a + b * (rho * x + r)
    J = np.empty((k.size, 5))
    J[:, 0] = 1.0
    J[:, 1] = rho * x + r
    J[:, 2] = b * x
    J[:, 3] = -b * (rho + x / r)
    J[:, 4] = b * s / r
    return w, J


def _g_and_grad(k, p, grad=True):
    """Durrleman ``g(k)`` and (if ``grad``) ``dg/d(a, b, rho, m, sigma)``."""
    a, b, rho, m, s = p
    x = k - m
    r2 = x * x + s * s
    r = np.sqrt(r2)
    r3 = r2 * r
    w = a + b * (rho * x + r)
    xr = x / r
    w1 = b * (rho + xr)
    w2 = b * s * s / r3
    bad = ~(w > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        iw = 1.0 / w
        u = 1.0 - 0.5 * k * w1 * iw
        g = u * u - 0.25 * w1 * w1 * (iw + 0.25) + 0.5 * w2
        g = np.where(bad, -1.0, g)
        if not grad:
            return g, None
        g_w = (u * k * w1 + 0.25 * w1 * w1) * iw * iw
        g_w1 = -u * k * iw - 0.5 * w1 * (iw + 0.25)
        r5 = r3 * r2
        J = np.empty((k.size, 5))
        J[:, 0] = g_w                                          # dw/da = 1, dw1/da = dw2/da = 0
        J[:, 1] = g_w * (rho * x + r) + g_w1 * (rho + xr) + 0.5 * s * s / r3
        J[:, 2] = g_w * (b * x) + g_w1 * b
        J[:, 3] = (g_w * (-w1) + g_w1 * (-b * s * s / r3)
                   + 1.5 * b * s * s * x / r5)
        J[:, 4] = (g_w * (b * s / r) + g_w1 * (-b * x * s / r3)
                   + 0.5 * b * (2.0 * s / r3 - 3.0 * s ** 3 / r5))
    if bad.any():                           # push w up where it is not positive
        J[bad] = 0.0
        J[bad, 0] = 1.0
        J[bad, 1] = (rho * x + r)[bad]
        J[bad, 4] = (b * s / r)[bad]
    return g, np.nan_to_num(J)


def _minw_and_grad(p):
    a, b, rho, m, s = p
    q = math.sqrt(max(1.0 - rho * rho, 1e-300))
    return a + b * s * q, np.array([1.0, s * q, -b * s * rho / q, 0.0, b * q])




# --------------------------------------------------------------------------------------------
# the joint problem, by blocks of consecutive slices
# --------------------------------------------------------------------------------------------
class _Problem:
    """Data, scaling and feasibility of the joint problem."""

    def __init__(self, slices):
        self.data = [(np.asarray(s.k, dtype=np.float64),
                      np.asarray(s.total_variance, dtype=np.float64),
                      np.asarray(s.w_weight, dtype=np.float64) ** 2) for s in slices]
        self.n = len(self.data)
        self.wref = np.array([max(float(v.max()), 1e-8) for _, v, _ in self.data])
        sc = []
        for (k, _, _), wv in zip(self.data, self.wref):
            span = max(float(k[-1] - k[0]), 1e-3)
            sc.append((wv, wv / span, 0.1, 0.1 * span, 0.1 * span))
        self.scale = np.array(sc)

    def objective(self, j, p):
        k, v, W = self.data[j]
        w, J = _w_and_grad(k, np.asarray(p, dtype=np.float64))
        r = w - v
        return float(np.sum(W * r * r)), 2.0 * (W * r) @ J

    def total(self, params):
        return sum(self.objective(j, p)[0] for j, p in enumerate(params))

    def feasible(self, params, js):
        """Slices ``js`` butterfly-free on [-3, 3] and ordered with both neighbours on the
        calendar grid (dense checks)."""
        for j in js:
            p = params[j]
            if not (min_total_variance(p) >= 0.0 and min_g(p)[0] >= 0.0):
                return False
            if j > 0 and crossing(params[j - 1], p) > 0.0:
                return False
            if j < self.n - 1 and crossing(p, params[j + 1]) > 0.0:
                return False
        return True


def _solve_block(pr: _Problem, params: list, js: list, max_iter: int, cuts: int = 2):
    """SLSQP on the slices ``js`` with the others fixed, from the feasible ``params``; the
    result is kept only if it is feasible on the dense grids and lowers the objective; where it
    is not feasible the failing points are added and the block solved again (``cuts`` times),
    then the farthest feasible point towards the last answer is taken (bisection). Returns ``(params, gain, iterations)``."""
    from scipy.optimize import minimize

    nb = len(js)
    sc = pr.scale[js].ravel()
    cur = np.concatenate([params[j] for j in js]) / sc
    f0 = sum(pr.objective(j, params[j])[0] for j in js)
    fs = max(f0, 1e-12)
    pos = {j: i for i, j in enumerate(js)}
    pairs = [(j, j + 1) for j in range(js[0] - 1, js[-1] + 1) if j >= 0 and j + 1 < pr.n]

    def get(x, j):
        if j in pos:
            i = pos[j]
            return x[5 * i:5 * i + 5] * sc[5 * i:5 * i + 5]
        return np.asarray(params[j], dtype=np.float64)

    # constraint points where a constraint is near binding at the start (local minima of the
    # calendar lead and of g on dense grids, with neighbours): the subproblem stays small
    kc = {}
    for a, b in pairs:
        d = (svi_total_variance(K_CALENDAR, *get(cur, b))
             - (1.0 + MARGIN) * svi_total_variance(K_CALENDAR, *get(cur, a))) / pr.wref[b]
        kc[(a, b)] = _near_minima(K_CALENDAR, d, 0.3)
    kg = {}
    for j in js:
        p = get(cur, j)
        kd = np.unique(np.concatenate([_K_G_DENSE, np.clip(p[3] + p[4] * _K_LOCAL, -3.0, 3.0)]))
        kg[j] = _near_minima(kd, _g_and_grad(kd, p, grad=False)[0], 0.3)
    lead = 1.0 + 2.0 * MARGIN

    def fun(x):
        tot, g = 0.0, np.zeros(5 * nb)
        for i, j in enumerate(js):
            f, gr = pr.objective(j, get(x, j))
            tot += f
            g[5 * i:5 * i + 5] = gr
        return tot / fs, g * sc / fs

    def cons(x):
        out = []
        for a, b in pairs:
            kk = kc[(a, b)]
            out.append((svi_total_variance(kk, *get(x, b))
                        - lead * svi_total_variance(kk, *get(x, a))) / pr.wref[b])
        for j in js:
            out.append(_g_and_grad(kg[j], get(x, j), grad=False)[0] - G_MARGIN)
            out.append([_minw_and_grad(get(x, j))[0] / pr.wref[j]])
        return np.concatenate(out)

    def cons_jac(x):
        rows = []
        for a, b in pairs:
            kk = kc[(a, b)]
            R = np.zeros((kk.size, 5 * nb))
            if a in pos:
                i = pos[a]
                R[:, 5 * i:5 * i + 5] = -lead * _w_and_grad(kk, get(x, a))[1] / pr.wref[b]
            if b in pos:
                i = pos[b]
                R[:, 5 * i:5 * i + 5] = _w_and_grad(kk, get(x, b))[1] / pr.wref[b]
            rows.append(R)
        for i, j in enumerate(js):
            R = np.zeros((kg[j].size + 1, 5 * nb))
            R[:-1, 5 * i:5 * i + 5] = _g_and_grad(kg[j], get(x, j))[1]
            R[-1, 5 * i:5 * i + 5] = _minw_and_grad(get(x, j))[1] / pr.wref[j]
            rows.append(R)
        return np.vstack(rows) * sc[None, :]

    lo = (None, 0.0, -0.999999, None, 1e-6)
    hi = (None, None, 0.999999, None, None)
    bounds = [(None if lo[c] is None else lo[c] / sc[5 * i + c],
               None if hi[c] is None else hi[c] / sc[5 * i + c])
              for i in range(nb) for c in range(5)]
    def trial(z):
        q = list(params)
        for i, j in enumerate(js):
            q[j] = tuple(float(c) for c in z[5 * i:5 * i + 5] * sc[5 * i:5 * i + 5])
        return q

    nit = 0
    for _ in range(cuts + 1):
        with np.errstate(all="ignore"):
            res = minimize(fun, cur, jac=True, method="SLSQP", bounds=bounds,
                           constraints=[{"type": "ineq", "fun": cons, "jac": cons_jac}],
                           options={"maxiter": int(max_iter), "ftol": 1e-8})
        nit += int(res.nit)
        x = res.x
        if not np.all(np.isfinite(x)):
            return params, 0.0, nit
        q = trial(x)
        if pr.feasible(q, js):
            break
        # violated between constraint points: add the points where it fails and solve again
        for a, b in pairs:
            d = (svi_total_variance(K_CALENDAR, *q[b])
                 - (1.0 + MARGIN) * svi_total_variance(K_CALENDAR, *q[a]))
            if d.min() < 0.0:
                kc[(a, b)] = np.unique(np.concatenate([kc[(a, b)],
                                                       _near_minima(K_CALENDAR, d, 0.0)]))
        for j in js:
            mg, k_at = min_g(q[j])
            if not mg >= 0.0:
                kg[j] = np.unique(np.concatenate([kg[j], [k_at - 1e-3, k_at, k_at + 1e-3]]))
    if not pr.feasible(q, js):
        t_lo, t_hi = 0.0, 1.0                   # cur + t (x - cur) is feasible at t = 0
        for _ in range(12):
            t = 0.5 * (t_lo + t_hi)
            if pr.feasible(trial(cur + t * (x - cur)), js):
                t_lo = t
            else:
                t_hi = t
        q = trial(cur + t_lo * (x - cur))
    f1 = sum(pr.objective(j, q[j])[0] for j in js)
    if f1 < f0 and pr.feasible(q, js):
        return q, f0 - f1, nit
    return params, 0.0, nit


def joint_refit(slices: Sequence[SliceData], fits: Sequence[Sequence[float]],
                start: Sequence[Sequence[float]], *, block: int = 3, sweeps: int = 12,
                rtol: float = 1e-3, max_iter: int = 100,
                progress: Callable[[float, str], None] | None = None) -> JointResult:
    """Fit all SVI slices together under calendar and butterfly constraints (module docstring).

    Parameters
    ----------
    slices : list of SliceData
        Quotes per expiry (``k``, ``total_variance``, ``w_weight``), ascending ``T``.
    fits : list of tuple
        Independent raw SVI parameters ``(a, b, rho, m, sigma)`` per slice. When they already
        satisfy every constraint they are returned unchanged.
    start : list of tuple
        A start satisfying every constraint (the eSSVI slices, or the sequential calendar
        refit); if it does not, nothing is optimised and the result says so.
    block : int
        Consecutive slices optimised together in each step.
    sweeps : int
        Most passes over the expiries.
    rtol : float
        Stop when a pass lowers the objective by less than this fraction.
    max_iter : int
        SLSQP iterations per block.
    progress : callable, optional
        ``progress(fraction, message)`` after each block solve (``fraction`` in ``[0, 1]``: the
        share of the most passes done; a converged fit ends below 1).

    Returns
    -------
    JointResult
    """
    pr = _Problem(slices)
    n = pr.n
    free = [tuple(float(c) for c in p) for p in fits]
    f_free = pr.total(free)

    def result(params, iters, message):
        worst_cal = max([crossing(params[j - 1], params[j]) for j in range(1, n)] + [0.0])
        worst_g = min(min_g(p)[0] for p in params)
        worst_w = min(min_total_variance(p) for p in params)
        ok = worst_cal <= 0.0 and worst_g >= 0.0 and worst_w >= 0.0
        return JointResult(tuple(params), pr.total(params), f_free, bool(ok), float(worst_cal),
                           float(worst_g), float(worst_w), int(iters), message)

    if pr.feasible(free, range(n)):
        return result(free, 0, "already free of calendar and butterfly arbitrage: unchanged")
    params = [tuple(float(c) for c in p) for p in start]
    if not pr.feasible(params, range(n)):
        return result(params, 0, "the start is not free of arbitrage: not optimised")
    # slice by slice, take the independent fit (or it lifted onto its predecessor) where that
    # keeps every constraint and lowers the objective: a start closer to the data
    for j in range(n):
        p = free[j]
        gap = crossing(params[j - 1], p) if j > 0 else 0.0
        for cand in ((p, (p[0] + gap * (1.0 + 1e-6) + 1e-12, *p[1:])) if gap > 0 else (p,)):
            q = list(params)
            q[j] = cand
            if pr.objective(j, cand)[0] < pr.objective(j, params[j])[0] and pr.feasible(q, [j]):
                params = q
                break
    size = max(1, min(int(block), n))
    iters, f = 0, pr.total(params)
    message = f"stopped after {sweeps} passes"
    stamp, seen = [0] * n, {}            # when each slice last moved; what each block last saw
    clock = 0
    for sweep in range(int(sweeps)):
        gain = 0.0
        for j in range(n - size + 1):
            near = tuple(stamp[max(j - 1, 0):min(j + size + 1, n)])
            if seen.get(j) == near:        # nothing it depends on moved since its last solve
                continue
            params, g, it = _solve_block(pr, params, list(range(j, j + size)), max_iter)
            if progress is not None:
                progress((sweep + (j + 1) / (n - size + 1)) / sweeps,
                         f"joint SVI: pass {sweep + 1}, slices {j + 1}-{j + size} of {n}")
            gain += g
            iters += it
            if g > 0.0:
                clock += 1
                for i in range(j, j + size):
                    stamp[i] = clock
            seen[j] = tuple(stamp[max(j - 1, 0):min(j + size + 1, n)])
        f = pr.total(params)
        if gain <= rtol * f:
            message = f"converged after {sweep + 1} passes (last pass gained {gain:.3g})"
            break
    return result(params, iters, message)
