"""Confidence intervals that respect each parameter's domain, and warnings a quant would want.

A calibration's asymptotic covariance ``cov = s^2 (J^T J)^-1`` is symmetric in the parameters,
so ``x +/- 1.96 se`` can contain impossible values (a negative jump intensity, |rho| > 1). The
intervals here are built on a scale where the parameter is unbounded and mapped back (the delta
method on that scale):

* domain ``(lo, inf)``: ``z = ln(x - lo)`` (variances, kappa, vol of vol, jump intensity, nu,
  C, G, and ``M - 1`` for CGMY);
* domain ``(lo, hi)``: ``z = ln((x - lo) / (hi - x))``, i.e. ``atanh`` for rho in ``(-1, 1)``;
* domain ``(-inf, hi)``: ``z = -ln(hi - x)``;
* unbounded (a jump mean, VG's theta): ``z = x``, the usual symmetric interval.

So every interval lies inside the domain, and is asymmetric where the parameter is close to a
domain edge. A parameter sitting on a calibration bound gets a one-sided interval from the bound
(the local quadratic approximation does not hold there) and a warning.

:func:`fit_warnings` lists, in plain words: parameters at a calibration bound, parameters the
quotes do not identify (NaN standard error) or identify only loosely (the interval spans more
than a factor of 10), near-collinear parameter pairs or an ill-conditioned information matrix,
and, for Heston and Bates, dynamics outside what equity-index options usually support (variance
half-life shorter than the first expiry, vol of vol above 2, Feller ratio far above one) - the
pattern of a stochastic-volatility model bending itself to fit short-dated skew.
"""
from __future__ import annotations

import math

import numpy as np

from core.pricing.charfuncs import ModelSpec
from core._typing import ArrayLike

__all__ = ["transformed_intervals", "fit_warnings", "Z_95"]

#: Two-sided 95% normal quantile.
Z_95: float = 1.959963984540054
_AT_BOUND = 1e-6          # relative distance (of the bound box width) counted as "at the bound"
_CORR_MAX = 0.99          # |correlation| above which two parameters are called collinear
_COND_MAX = 1e8           # condition number of the correlation matrix called ill-conditioned


def _exp(z: float) -> float:
    """``exp(z)``, ``inf`` past float range (a huge standard error makes an unbounded interval end,
    not an error that fails the whole calibration)."""
    return math.exp(z) if z < 709.0 else math.inf


def _transform(lo: float, hi: float):
    """``(z(x), dz/dx, x(z))`` mapping the open domain ``(lo, hi)`` onto the real line."""
    if math.isfinite(lo) and math.isfinite(hi):
        return (lambda x: math.log((x - lo) / (hi - x)),
                lambda x: (hi - lo) / ((x - lo) * (hi - x)),
                lambda z: lo + (hi - lo) / (1.0 + _exp(-z)))
    if math.isfinite(lo):
        return (lambda x: math.log(x - lo), lambda x: 1.0 / (x - lo),
                lambda z: lo + _exp(z))
    if math.isfinite(hi):
        return (lambda x: -math.log(hi - x), lambda x: 1.0 / (hi - x),
                lambda z: hi - _exp(-z))
    return (lambda x: x, lambda x: 1.0, lambda z: z)


def _at_bound(spec: ModelSpec, i: int, x: float) -> str | None:
    lo, hi = spec.lower[i], spec.upper[i]
    tol = _AT_BOUND * (hi - lo)
    if x <= lo + tol:
        return "lower"
    if x >= hi - tol:
        return "upper"
    return None


def transformed_intervals(spec: ModelSpec, x: ArrayLike, stderr: ArrayLike, *,
                          z: float = Z_95) -> dict[str, tuple[float, float]]:
    """Confidence intervals on a domain-respecting scale (module docstring).

    Parameters
    ----------
    spec : ModelSpec
        The model (domains and calibration bounds).
    x : array_like
        Fitted parameters in ``spec.param_names`` order.
    stderr : array_like
        Their asymptotic standard errors (NaN when not identified).
    z : float
        Normal quantile (1.96 for 95%).

    Returns
    -------
    dict of str to (float, float)
        ``(low, high)`` per parameter, inside the parameter's domain; ``(nan, nan)`` when the
        standard error is not finite. At a calibration bound the interval is one-sided: from the
        bound to ``z`` standard errors (on the transformed scale) inland.
    """
    out = {}
    for i, name in enumerate(spec.param_names):
        xi, se = float(x[i]), float(stderr[i])
        lo, _, hi, _ = spec.domain[i]
        if not math.isfinite(se):
            out[name] = (math.nan, math.nan)
            continue
        # a value on a closed domain edge (lam = 0) is moved in by a hair so the map is defined
        width = spec.upper[i] - spec.lower[i]
        xi_in = min(max(xi, lo + 1e-12 * width), hi - 1e-12 * width)
        fz, dz, back = _transform(lo, hi)
        zc, zs = fz(xi_in), se * dz(xi_in)
        a, b = back(zc - z * zs), back(zc + z * zs)
        side = _at_bound(spec, i, xi)
        if side == "lower":
            a = xi
        elif side == "upper":
            b = xi
        out[name] = (float(min(a, xi)), float(max(b, xi)))
    return out


def fit_warnings(spec: ModelSpec, x: ArrayLike, stderr: ArrayLike, corr: ArrayLike, intervals: dict,
                 *, first_expiry: float | None = None) -> list[str]:
    """Plain-language warnings about a calibration (module docstring).

    Parameters
    ----------
    spec : ModelSpec
    x, stderr : array_like
        Fitted parameters and standard errors in ``spec.param_names`` order.
    corr : array_like
        Parameter correlation matrix.
    intervals : dict
        From :func:`transformed_intervals`.
    first_expiry : float, optional
        Shortest maturity fitted, years (for the Heston / Bates half-life check).

    Returns
    -------
    list of str
        One sentence per finding (parameters at a calibration bound, unidentified or poorly
        determined parameters, nearly collinear pairs, an ill-conditioned correlation matrix,
        implausible Heston/Bates dynamics); empty when there is nothing to say.
    """
    names = spec.param_names
    x = np.asarray(x, dtype=np.float64)
    se = np.asarray(stderr, dtype=np.float64)
    C = np.asarray(corr, dtype=np.float64)
    out = []
    for i, name in enumerate(names):
        side = _at_bound(spec, i, x[i])
        if side is not None:
            bound = spec.lower[i] if side == "lower" else spec.upper[i]
            out.append(f"{name} = {x[i]:.4g} sits at its {side} calibration bound {bound:g}: "
                       f"the best fit may lie beyond it, and its interval is one-sided")
    bad = [n for n, s in zip(names, se) if not math.isfinite(s)]
    if bad:
        out.append(f"not identified by the quotes (no finite standard error): {', '.join(bad)}")
    for i, name in enumerate(names):
        lo_i, hi_i = intervals.get(name, (math.nan, math.nan))
        if not (math.isfinite(lo_i) and math.isfinite(hi_i)):
            continue
        dom_lo = spec.domain[i][0]
        if math.isfinite(dom_lo) and lo_i - dom_lo > 0 and (hi_i - dom_lo) > 10 * (lo_i - dom_lo):
            out.append(f"{name} is poorly determined: its 95% interval {lo_i:.3g} to "
                       f"{hi_i:.3g} spans more than a factor of 10")
    if C.ndim == 2 and C.shape[0] == len(names) and np.all(np.isfinite(C)):
        pairs = [(abs(C[i, j]), i, j) for i in range(len(names)) for j in range(i)
                 if abs(C[i, j]) > _CORR_MAX]
        for r, i, j in sorted(pairs, reverse=True)[:3]:
            out.append(f"{names[j]} and {names[i]} are nearly collinear (correlation "
                       f"{C[i, j]:+.3f}): the quotes pin down a combination of them, not each")
        with np.errstate(all="ignore"):
            cond = float(np.linalg.cond(C))
        if not math.isfinite(cond) or cond > _COND_MAX:
            out.append(f"ill-conditioned fit: the parameter correlation matrix has condition "
                       f"number {cond:.2g}; the standard errors and intervals are unreliable")
    if "kappa" in names:
        p = dict(zip(names, x))
        kappa, theta, sigma = p["kappa"], p["theta"], p["sigma"]
        half_life = math.log(2.0) / kappa
        if first_expiry is not None and half_life < first_expiry:
            out.append(f"kappa = {kappa:.3g} gives a variance half-life of {half_life * 365:.1f} "
                       f"days, shorter than the first expiry ({first_expiry * 365:.0f} days): "
                       f"mean reversion is bending the short-dated skew rather than describing "
                       f"the variance dynamics")
        if sigma > 2.0:
            out.append(f"vol of vol sigma = {sigma:.3g} is extreme (equity-index fits are "
                       f"usually 0.2-1.5): the model is straining to fit the smile")
        ratio = sigma * sigma / (2.0 * kappa * theta)
        if ratio > 2.0:
            out.append(f"Feller ratio sigma^2 / (2 kappa theta) = {ratio:.2g} >> 1: the variance "
                       f"process spends much time at zero")
    return out
