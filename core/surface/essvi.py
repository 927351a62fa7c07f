"""Extended SSVI (eSSVI; Hendriks & Martini 2019): SSVI slices with their own ``rho`` per expiry.

Each slice is ``w(k) = theta/2 (1 + rho psi k / theta + sqrt((psi k / theta + rho)^2 + 1 - rho^2))``
with its own ATM total variance ``theta``, correlation ``rho`` and ``psi = theta phi`` (the ATM
skew scale; SSVI ties ``rho`` to one value and ``psi`` to ``theta`` by a power law). The slices
are fitted nearest expiry first (Corbetta et al. 2019 fit eSSVI slice by slice the same way),
each by SLSQP on its quotes' weighted total-variance residuals under

* **butterfly** (Gatheral & Jacquier 2014, Theorem 4.2, for every ``k``):
  ``psi (1 + |rho|) <= 4`` and ``psi^2 (1 + |rho|) <= 4 theta``;
* **calendar** against the previous slice: ``theta`` non-decreasing, both wing slopes
  ``psi (1 +- rho) / 2`` non-decreasing (``|rho psi - rho' psi'| <= psi - psi'``: no crossing
  in the far wings), and ``w >= w_prev (1 + MARGIN)`` on the check grid ``k`` in
  ``[-1.5, 1.5]`` (the range of :meth:`SurfaceFit.arbitrage`), checked again after the fit.

Three parameters per slice against SVI's five: an eSSVI slice cannot follow every smile (one
short SPXW expiry: the best SSVI-shaped slice of any parameters is 2.6 vol points off where SVI
is 0.1), but the surface is free of static arbitrage by construction and takes milliseconds
per slice.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from core._typing import ArrayLike

if TYPE_CHECKING:  # names used in annotations only
    from core.surface.quotes import SliceData

__all__ = ["essvi_total_variance", "essvi_to_raw", "fit_essvi_slices", "K_CHECK", "MARGIN"]

#: Log-moneyness grid of the calendar constraint (the range of ``SurfaceFit.arbitrage``).
K_CHECK = np.linspace(-1.5, 1.5, 301)
K_CHECK.flags.writeable = False
#: Least relative lead of a slice's total variance over the previous one on the grid.
MARGIN = 1e-6
_RHO_MAX = 0.999
_BFLY = 4.0 * (1.0 - 1e-9)


def essvi_total_variance(k: ArrayLike, theta: float, rho: float, psi: float) -> np.ndarray:
    """eSSVI total implied variance of one slice at log-moneyness ``k``.

    Parameters
    ----------
    k : array_like
        Log-moneyness ``ln(K/F)``.
    theta : float
        ATM total variance (vol^2 x years), > 0.
    rho : float
        Slice correlation, ``|rho| < 1``.
    psi : float
        ``theta phi``, >= 0 (the ATM skew is ``rho psi / 2``).

    Returns
    -------
    ndarray
        ``w(k)`` (vol^2 x years).
    """
    k = np.asarray(k, dtype=np.float64)
    pk = psi * k
    return 0.5 * (theta + rho * pk + np.sqrt((pk + rho * theta) ** 2
                                             + theta * theta * (1.0 - rho * rho)))


def essvi_to_raw(theta: float, rho: float, psi: float) -> tuple[float, float, float, float, float]:
    """Raw SVI ``(a, b, rho, m, sigma)`` of an eSSVI slice (Gatheral & Jacquier 2014, Lemma 3.1
    with ``phi = psi / theta``).

    Parameters
    ----------
    theta : float
        ATM total variance (vol^2 x years), > 0.
    rho : float
        Slice correlation, ``|rho| < 1``.
    psi : float
        ``theta phi``, > 0 (``psi = 0``, a flat slice, has no raw form: ``m``, ``sigma``
        divide by ``phi``).

    Returns
    -------
    tuple of float
        ``(a, b, rho, m, sigma)``: ``a`` and ``b`` in total variance (vol^2 x years; ``b`` per
        unit log-moneyness), ``m`` and ``sigma`` in log-moneyness, with
        ``svi_total_variance(k, a, b, rho, m, sigma) == essvi_total_variance(k, theta, rho, psi)``.

    Examples
    --------
    >>> from core.surface.svi import svi_total_variance
    >>> k = np.linspace(-1.0, 1.0, 5)
    >>> raw = essvi_to_raw(0.04, -0.6, 0.1)
    >>> bool(np.allclose(svi_total_variance(k, *raw), essvi_total_variance(k, 0.04, -0.6, 0.1)))
    True
    """
    phi = psi / theta
    return (0.5 * theta * (1.0 - rho * rho), 0.5 * psi, rho, -rho / phi,
            math.sqrt(1.0 - rho * rho) / phi)


def _fit_one(k, v, sw, theta0, prev, w_prev):
    """Best feasible ``(theta, rho, psi)`` for one slice, or None. Levenberg-Marquardt (scipy
    ``least_squares``) in variables that keep the butterfly bounds by construction
    (``theta = theta_lo + e^x0``, ``rho = tanh x1``, ``psi = psi_max(theta, rho) expit(x2)``),
    with the calendar constraints as a penalty continuation (0, 1e2, 1e4, 1e6) from several
    starts; only results that meet every constraint exactly are kept."""
    from scipy.optimize import least_squares

    lo_theta = 1e-12 if prev is None else prev[0] * (1.0 + MARGIN)

    def unpack(x):
        theta = lo_theta + math.exp(min(x[0], 50.0))
        rho = _RHO_MAX * math.tanh(x[1])
        c = 1.0 + abs(rho)
        psi_max = min(_BFLY / c, 2.0 * math.sqrt(theta / c) * (1.0 - 1e-12))
        return theta, rho, psi_max / (1.0 + math.exp(-min(max(x[2], -700.0), 700.0)))

    scale = float(np.median(sw * v))
    if prev is not None:
        tp, rp, pp = prev
        right, left = pp * (1.0 + rp), pp * (1.0 - rp)

    def resid(x, lam):
        th, rho, psi = unpack(x)
        data = sw * (essvi_total_variance(k, th, rho, psi) - v)
        if prev is None or lam == 0.0:
            return data
        cal = np.minimum(essvi_total_variance(K_CHECK, th, rho, psi) / w_prev
                         - (1.0 + 2.0 * MARGIN), 0.0)
        wings = [min(psi * (1.0 + rho) / max(right, 1e-300) - 1.0 - MARGIN, 0.0),
                 min(psi * (1.0 - rho) / max(left, 1e-300) - 1.0 - MARGIN, 0.0)]
        return np.concatenate([data, lam * scale * cal, lam * scale * np.asarray(wings)])

    best = None
    x_theta = math.log(max(theta0 - lo_theta, 1e-12))
    for r0 in (-0.7, -0.3, 0.0):
        for s0 in (-1.0, 1.5):
            x = np.array([x_theta, math.atanh(r0 / _RHO_MAX), s0])
            for lam in ((0.0,) if prev is None else (0.0, 1e2, 1e4, 1e6)):
                try:
                    x = least_squares(resid, x, args=(lam,), method="lm", max_nfev=400).x
                except (ValueError, FloatingPointError):
                    break
                cand = unpack(x)
                if _feasible(cand, prev, w_prev):
                    r = sw * (essvi_total_variance(k, *cand) - v)
                    o = float(r @ r)
                    if best is None or o < best[1]:
                        best = (cand, o)
                    break
    return best


def _feasible(x, prev, w_prev) -> bool:
    theta, rho, psi = x
    if not (theta > 0 and abs(rho) < 1 and psi > 0):
        return False
    c = 1.0 + abs(rho)
    if psi * c > 4.0 or psi * psi * c > 4.0 * theta * (1.0 + 1e-12):
        return False
    if prev is None:
        return True
    tp, rp, pp = prev
    tol = 1e-12
    return (theta >= tp and psi * (1 + rho) >= pp * (1 + rp) - tol
            and psi * (1 - rho) >= pp * (1 - rp) - tol
            and bool(np.all(essvi_total_variance(K_CHECK, *x) >= w_prev * (1.0 + MARGIN))))


def fit_essvi_slices(slices: Sequence[SliceData]) -> list[dict]:
    """Fit eSSVI slices nearest expiry first (module docstring).

    Parameters
    ----------
    slices : list of SliceData
        Quotes per expiry (``k``, ``total_variance``, ``w_weight``, ``atm_vol``), ascending ``T``;
        ``atm_vol`` must be finite.

    Returns
    -------
    list of dict
        Per slice ``theta, rho, psi`` and ``ok`` (False when no slice satisfying every
        constraint was found: the previous slice's parameters with ``theta`` scaled are returned
        instead and the caller says so).
    """
    out = []
    prev = None
    w_prev = None
    for s in slices:
        theta0 = max(float(s.atm_vol) ** 2 * s.T, 1e-10)
        if prev is not None:
            theta0 = max(theta0, prev[0] * 1.01)
        best = _fit_one(s.k, s.total_variance, s.w_weight, theta0, prev, w_prev)
        if best is None:
            x = (prev[0] * 1.01, prev[1], prev[2]) if prev is not None else (theta0, 0.0, 1e-6)
            out.append({"theta": x[0], "rho": x[1], "psi": x[2], "ok": False})
        else:
            x = tuple(float(t) for t in best[0])
            out.append({"theta": x[0], "rho": x[1], "psi": x[2], "ok": True})
        prev = x
        w_prev = essvi_total_variance(K_CHECK, *prev)
    return out
