"""SSVI surfaces (Gatheral & Jacquier 2014, "Arbitrage-free SVI volatility surfaces").

The total implied variance at log-moneyness ``k = ln(K/F(T))`` and ATM total variance
``theta = theta(T)`` is::

    w(k, theta) = theta / 2 * (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2)),
    phi(theta)  = eta / (theta^gamma (1 + theta)^(1 - gamma))          (power law, their eq. 4.5)

Static arbitrage: by their Theorem 4.1 the surface is free of calendar arbitrage when ``theta``
is non-decreasing in ``T`` (and ``0 <= d(theta phi)/d theta <= (1 + sqrt(1 - rho^2)) phi / rho^2``,
which the power law meets for ``gamma < 1``:
``d(theta phi)/d theta = (1 - gamma) phi / (1 + theta)``);
by Theorem 4.2 each slice is free of butterfly arbitrage when ``theta phi (1 + |rho|) < 4`` and
``theta phi^2 (1 + |rho|) <= 4`` (both are also necessary: Roger Lee's wing bound and their
Lemma 4.2). The surface extrapolates ``theta`` proportionally to ``T`` before the first and after
the last expiry, so these must hold for every ``theta > 0``. For the power law
``theta phi = eta (theta / (1 + theta))^(1 - gamma)`` rises to ``eta`` and
``theta phi^2 = eta^2 theta^(1 - 2 gamma) / (1 + theta)^(2 - 2 gamma)`` peaks at
``theta = 1 - 2 gamma`` at ``eta^2 M(gamma)``, ``M = (1 - 2 gamma)^(1 - 2 gamma) /
(2 - 2 gamma)^(2 - 2 gamma)`` (``M(1/2) = 1``, the limit ``theta -> 0``); ``gamma > 1/2`` makes it
unbounded as ``theta -> 0``. So the exact set for all ``theta`` is ``0 < gamma <= 1/2`` and
``eta <= eta_max(rho, gamma) = min(4 / (1 + |rho|), 2 / sqrt((1 + |rho|) M(gamma)))``
(:func:`ssvi_eta_max`). Gatheral and Jacquier's simpler sufficient condition
``eta (1 + |rho|) <= 2`` (their Corollary 4.1 / Remark 4.4) is tighter by up to
``sqrt(1 + |rho|)`` in ``phi``: on one short SPXW expiry (2018-01-16) it was the binding
constraint and cost 0.3 vol points. We fit inside the exact set: ``eta = s eta_max(rho, gamma)``
with ``s`` in ``(0, 1]``, ``gamma`` in ``[0.01, 0.5]``, ``|rho| < 1``.

``theta`` at the fitted expiries starts from the ATM total variances ``atm_vol^2 T`` made
non-decreasing (pool-adjacent-violators isotonic regression) and, by default, is refined jointly
with ``(rho, eta, gamma)`` as ``theta_1 > 0`` plus non-negative increments, so it stays
non-decreasing. Between expiries ``theta`` is linear in ``T``; before the first and after the last
expiry ``theta`` is proportional to ``T`` (flat ATM vol), so the surface is arbitrage-free for
every ``T``.
"""
from __future__ import annotations

import math

import numpy as np
from core._typing import ArrayLike, DateLike, FloatLike
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.surface.quotes import SliceData
    from core.surface.result import SurfaceFit

__all__ = ["ssvi_phi", "ssvi_total_variance", "ssvi_to_raw", "ssvi_eta_max", "isotonic",
           "fit_ssvi_arrays", "GAMMA_BOUNDS"]

#: Range of the power-law exponent gamma (no-arbitrage needs gamma <= 1/2).
GAMMA_BOUNDS: tuple[float, float] = (0.01, 0.5)
_RHO_MAX = 0.999
#: ``eta`` stays this fraction below :func:`ssvi_eta_max` (rounding at the bound).
_ETA_SAFETY = 1.0 - 1e-9
_STARTS = ((-0.7, 0.5, 0.4), (-0.4, 0.9, 0.25), (-0.9, 0.3, 0.45), (-0.2, 0.2, 0.1),
           (-0.5, 0.95, 0.5))


def ssvi_phi(theta: FloatLike, eta: FloatLike, gamma: FloatLike) -> np.ndarray:
    """Power-law ``phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))``.

    Parameters
    ----------
    theta : array_like
        ATM total implied variance ``sigma_ATM^2 T`` (vol^2 x years), > 0.
    eta, gamma : float
        Power-law level (> 0) and exponent (in (0, 1)).

    Returns
    -------
    ndarray
        ``phi(theta)``, the shape of ``theta``.

    Examples
    --------
    >>> float(ssvi_phi(1.0, 0.8, 0.5))        # 0.8 / (1 * 2 ** 0.5)
    0.565685424949238
    """
    theta = np.asarray(theta, dtype=np.float64)
    return eta / (theta ** gamma * (1.0 + theta) ** (1.0 - gamma))


def ssvi_eta_max(rho: float, gamma: float) -> float:
    """Largest power-law ``eta`` free of butterfly arbitrage for every ``theta > 0``.

    ``min(4 / (1 + |rho|), 2 / sqrt((1 + |rho|) M(gamma)))`` with
    ``M(gamma) = sup_theta theta^(1 - 2 gamma) / (1 + theta)^(2 - 2 gamma)
    = (1 - 2 gamma)^(1 - 2 gamma) / (2 - 2 gamma)^(2 - 2 gamma)``: Gatheral and Jacquier's
    Theorem 4.2 conditions ``theta phi (1 + |rho|) < 4`` and ``theta phi^2 (1 + |rho|) <= 4``
    taken over all ``theta`` (module docstring).

    Parameters
    ----------
    rho : float
        SSVI correlation, ``|rho| < 1``.
    gamma : float
        Power-law exponent in ``(0, 1/2]`` (beyond 1/2 no ``eta > 0`` is free of arbitrage
        as ``theta -> 0``).

    Returns
    -------
    float
        ``eta_max`` (dimensionless); at ``gamma = 1/2`` it is ``2 / sqrt(1 + |rho|)``, against
        ``2 / (1 + |rho|)`` for the sufficient condition of their Corollary 4.1.

    Examples
    --------
    >>> round(ssvi_eta_max(-0.44, 0.5), 6)           # 2 / sqrt(1.44)
    1.666667
    >>> round(ssvi_eta_max(0.5, 0.01), 6)            # the wing bound 4 / (1 + |rho|) binds
    2.666667
    """
    c = 1.0 + abs(float(rho))
    u = 1.0 - 2.0 * float(gamma)
    m = (u ** u if u > 0.0 else 1.0) / (2.0 - 2.0 * float(gamma)) ** (2.0 - 2.0 * float(gamma))
    return min(4.0 / c, 2.0 / math.sqrt(c * m))


def ssvi_total_variance(k: FloatLike, theta: FloatLike, rho: FloatLike, eta: FloatLike,
                        gamma: FloatLike) -> np.ndarray:
    """SSVI total implied variance ``w(k, theta)`` (broadcasting ``k`` against ``theta``).

    Parameters
    ----------
    k : array_like
        Log-moneyness ln(K/F).
    theta : array_like
        ATM total implied variance ``sigma_ATM^2 T`` (> 0).
    rho, eta, gamma : float
        Global SSVI parameters.

    Returns
    -------
    ndarray
        Total implied variance ``sigma^2 T`` (vol² × years), broadcast shape.
    """
    k = np.asarray(k, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    pk = ssvi_phi(theta, eta, gamma) * k
    return 0.5 * theta * (1.0 + rho * pk + np.sqrt((pk + rho) ** 2 + 1.0 - rho * rho))


def ssvi_to_raw(theta: FloatLike, rho: FloatLike, eta: FloatLike,
                gamma: FloatLike) -> tuple[np.ndarray, ...]:
    """Raw SVI parameters ``(a, b, rho, m, sigma)`` of the SSVI slice(s) at ``theta``.

    ``a = theta (1 - rho^2) / 2``, ``b = theta phi / 2``, ``m = -rho / phi``,
    ``sigma = sqrt(1 - rho^2) / phi`` (Gatheral & Jacquier 2014, Lemma 3.1).

    Parameters
    ----------
    theta : array_like
        ATM total implied variance (vol^2 x years), > 0.
    rho, eta, gamma : float
        SSVI correlation (``|rho| < 1``) and power-law ``phi`` parameters.

    Returns
    -------
    tuple of ndarray
        ``(a, b, rho, m, sigma)``, each the shape of ``theta``.
    """
    theta = np.asarray(theta, dtype=np.float64)
    phi = ssvi_phi(theta, eta, gamma)
    one = np.ones_like(theta)
    return (0.5 * theta * (1.0 - rho * rho), 0.5 * theta * phi, rho * one, -rho / phi,
            math.sqrt(1.0 - rho * rho) / phi)


def isotonic(y: ArrayLike, weight: ArrayLike | None = None) -> np.ndarray:
    """Non-decreasing least-squares fit to ``y`` (pool-adjacent-violators).

    Parameters
    ----------
    y : array_like
        1-D values in order (any unit; the result has the same).
    weight : array_like, optional
        Positive weights of the squared residuals, as long as ``y``; equal when omitted.

    Returns
    -------
    ndarray
        The non-decreasing sequence, as long as ``y``, minimising ``sum weight (fit - y)^2``.

    Examples
    --------
    >>> isotonic([1.0, 3.0, 2.0, 4.0]).tolist()
    [1.0, 2.5, 2.5, 4.0]
    """
    y = np.asarray(y, dtype=np.float64)
    w = np.ones_like(y) if weight is None else np.asarray(weight, dtype=np.float64)
    vals, wts, counts = [], [], []
    for yi, wi in zip(y, w):
        vals.append(yi)
        wts.append(wi)
        counts.append(1)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            v2, w2, c2 = vals.pop(), wts.pop(), counts.pop()
            v1, w1, c1 = vals.pop(), wts.pop(), counts.pop()
            vals.append((v1 * w1 + v2 * w2) / (w1 + w2))
            wts.append(w1 + w2)
            counts.append(c1 + c2)
    return np.repeat(vals, counts)


def _unpack(x, theta_fixed, n):
    rho, s, gamma = x[0], x[1], x[2]
    eta = s * ssvi_eta_max(rho, gamma) * _ETA_SAFETY
    theta = theta_fixed if theta_fixed is not None else np.cumsum(x[3:3 + n])
    return rho, eta, gamma, theta


def fit_ssvi_arrays(k: ArrayLike, v: ArrayLike, sw: ArrayLike, idx: ArrayLike, theta0: ArrayLike, *,
                    fit_theta: bool = True) -> dict:
    """Fit SSVI to the quotes of several expiries (weighted least squares in total variance).

    Parameters
    ----------
    k : ndarray
        Log-moneyness of every quote.
    v : ndarray
        Market total implied variance ``iv^2 T`` of every quote.
    sw : ndarray
        Square roots of the weights of the total-variance residuals.
    idx : ndarray of int
        Expiry index of every quote (0 = nearest), into ``theta0``.
    theta0 : ndarray
        Starting ATM total variances per expiry, non-decreasing and > 0.
    fit_theta : bool
        Refine ``theta`` jointly (non-decreasing); otherwise keep ``theta0``.

    Returns
    -------
    dict
        ``rho, eta, gamma`` (floats), ``theta`` (ndarray, non-decreasing), ``objective``
        (weighted sum of squares), ``nfev`` and ``success``.
    """
    from scipy.optimize import least_squares

    n = int(theta0.shape[0])
    g_lo, g_hi = GAMMA_BOUNDS
    lo3 = [-_RHO_MAX, 1e-4, g_lo]
    hi3 = [_RHO_MAX, 1.0, g_hi]

    def resid(x, theta_fixed):
        rho, eta, gamma, theta = _unpack(x, theta_fixed, n)
        return sw * (ssvi_total_variance(k, theta[idx], rho, eta, gamma) - v)

    # stage 1: shape parameters with theta at the (isotonic) ATM variances, from a few starts
    best = None
    nfev = 0
    for start in _STARTS:
        res = least_squares(resid, np.array(start), args=(theta0,), bounds=(lo3, hi3),
                            method="trf", x_scale="jac", max_nfev=200)
        nfev += res.nfev
        if best is None or res.cost < best.cost:
            best = res
    x = best.x
    theta = theta0
    success = bool(best.success)
    if fit_theta:
        # stage 2: theta_1 and non-negative increments, jointly with the shape
        inc = np.diff(theta0, prepend=0.0)
        inc[0] = max(inc[0], 1e-10)
        x0 = np.concatenate([x, np.maximum(inc, 0.0)])
        lo = lo3 + [1e-10] + [0.0] * (n - 1)
        hi = hi3 + [np.inf] * n
        x0 = np.clip(x0, lo, hi)
        res = least_squares(resid, x0, args=(None,), bounds=(lo, hi), method="trf",
                            x_scale="jac", max_nfev=400)
        nfev += res.nfev
        if res.cost <= best.cost:
            x, success = res.x, bool(res.success)
            theta = np.cumsum(x[3:3 + n])
    rho, eta, gamma, _ = _unpack(x, theta, n)
    r = resid(x, theta)
    return {"rho": float(rho), "eta": float(eta), "gamma": float(gamma),
            "theta": np.asarray(theta, dtype=np.float64), "objective": float(r @ r),
            "nfev": int(nfev), "success": success}


def shape_limited_note(S: Sequence[SliceData], fit: SurfaceFit) -> str:
    """A note when SSVI's 3-parameter slices fit some expiry far worse than a free raw SVI
    slice does (SSVI on one short SPXW expiry: 2.63 vol points against 0.11): the SSVI slice
    ties its ATM curvature to its wings and cannot bend a steep short-dated put wing, whatever
    its parameters; the note quotes the best SSVI-shaped slice with no arbitrage bound too.

    Parameters
    ----------
    S : sequence of SliceData
        The fitted slices' quotes, in the order of ``fit.params``.
    fit : SurfaceFit
        The SSVI (or eSSVI) fit; its per-expiry ``rmse_iv`` is compared.

    Returns
    -------
    str
        The note, naming every expiry whose IV RMSE exceeds both 3 times that of a raw SVI
        slice fit to the same quotes and 0.5 vol points (RMSEs quoted in vol points); ``""``
        when there is none.
    """
    from core.surface.svi import fit_svi_slice, svi_total_variance

    worse = []
    for s, (_, row) in zip(S, fit.params.iterrows()):
        r = fit_svi_slice(s.k, s.total_variance, s.w_weight ** 2)
        w = svi_total_variance(s.k, r["a"], r["b"], r["rho"], r["m"], r["sigma"])
        svi_rmse = float(np.sqrt(np.mean((np.sqrt(np.maximum(w, 0.0) / s.T) - s.iv) ** 2)))
        ssvi_rmse = float(row["rmse_iv"])
        if math.isfinite(ssvi_rmse) and ssvi_rmse > max(3.0 * svi_rmse, 0.005):
            free = _free_slice_rmse(s)
            worse.append(f"{pd_date(s.expiry)}: {ssvi_rmse * 100:.2f} vol pts against "
                         f"{svi_rmse * 100:.2f} for an arbitrage-free SVI slice (the best "
                         f"SSVI-shaped slice of any parameters, arbitrage ignored: "
                         f"{free * 100:.2f})")
    if not worse:
        return ""
    return ("SSVI's slice shape (3 parameters, ATM curvature tied to the wings) cannot follow "
            "this smile: " + "; ".join(worse) + ". For an arbitrage-free surface that fits, choose "
            "the SVI model with its slices fitted jointly (SVI slices: joint).")


def _free_slice_rmse(s: SliceData) -> float:
    """IV RMSE of the best SSVI-shaped slice ``(theta, rho, phi)`` with no arbitrage bound
    (Levenberg-Marquardt from 9 starts): the limit of the slice family on these quotes."""
    from scipy.optimize import least_squares

    def w(x):
        theta, rho, phi = math.exp(min(x[0], 5.0)), math.tanh(x[1]), math.exp(min(x[2], 50.0))
        pk = phi * s.k
        return 0.5 * theta * (1 + rho * pk + np.sqrt((pk + rho) ** 2 + 1 - rho * rho))

    j = int(np.argmin(np.abs(s.k)))
    t0 = math.log(max(float(s.total_variance[j]), 1e-12))
    best = min((least_squares(lambda x: s.w_weight * (w(x) - s.total_variance),
                              [t0, math.atanh(r0), p0], method="lm", max_nfev=600)
                for r0 in (-0.8, -0.5, -0.2) for p0 in (0.0, 2.0, 4.0)), key=lambda r: r.cost)
    return float(np.sqrt(np.mean((np.sqrt(np.maximum(w(best.x), 0.0) / s.T) - s.iv) ** 2)))


def pd_date(ts: DateLike) -> str:
    """ISO date of an expiry timestamp.

    Parameters
    ----------
    ts : date-like
        A timestamp, date, or text pandas can read as one.

    Returns
    -------
    str
        ``"YYYY-MM-DD"`` (the time of day is dropped).
    """
    import pandas as pd

    return pd.Timestamp(ts).date().isoformat()
