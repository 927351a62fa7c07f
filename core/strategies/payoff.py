"""Pure functions behind :class:`core.strategies.Strategy`: payoff, valuation, roots, extremes.

Single-expiry strategies at expiry have a P/L that is piecewise linear in the underlying price
with kinks at the strikes: its roots and extremes are found exactly from the values at ``S = 0``
and at each strike plus the slope beyond the last strike. Anything valued before an expiry is
smooth and handled numerically (sign changes on a log grid + Brent's method; grid maximum
refined by a bounded scalar search), with unboundedness still decided by the exact asymptotic
slope ``dP/L/dS`` as ``S -> inf``.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from core.errors import DataError
from core.pricing.black_scholes import bs_price
from core._typing import BoolArray, FloatArray, VolLike

__all__ = ["expiry_pnl", "position_value", "leg_arrays", "make_vol_fn", "exact_breakevens",
           "exact_extremes", "right_slope", "numeric_breakevens", "numeric_extremes", "S_FLOOR"]

#: Smallest underlying price used when a model is evaluated (S = 0 is the limit of S_FLOOR).
S_FLOOR = 1e-12
_GRID_POINTS = 3001
_GRID_SPAN = 50.0  # numeric search range: [min(scale) / SPAN, max(scale) * SPAN]


def expiry_pnl(legs: Sequence, S: np.ndarray) -> np.ndarray:
    """Sum over legs of ``qty * (intrinsic(S) - price)``; exact and piecewise linear in ``S``.

    Parameters
    ----------
    legs : sequence of Leg
        The strategy's legs (``qty`` signed, ``price`` the premium per unit, currency).
    S : numpy.ndarray
        Underlying prices at expiry, currency.

    Returns
    -------
    numpy.ndarray
        P/L at expiry per unit of quantity, currency, of the shape of ``S``.
    """
    S = np.asarray(S, dtype=np.float64)
    out = np.zeros(S.shape)
    for leg in legs:
        out += leg.qty * (leg.payoff(S) - leg.price)
    return out


def leg_arrays(opts: Sequence, at_T: float) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
    """Strikes, residual times ``max(T - at_T, 0)``, call flags and quantities of option legs.

    Parameters
    ----------
    opts : sequence of Leg
        Option legs (no stock).
    at_T : float
        Valuation time, years after the trade date.

    Returns
    -------
    K : numpy.ndarray
        Strikes, currency.
    tau : numpy.ndarray
        Years left to expiry at ``at_T`` (0 when expired).
    is_call : numpy.ndarray of bool
        True for calls.
    qty : numpy.ndarray
        Signed quantities.
    """
    K = np.array([x.strike for x in opts], dtype=np.float64)
    tau = np.array([x.T - at_T for x in opts], dtype=np.float64)
    tau[tau < 1e-12] = 0.0
    is_call = np.array([x.kind == "call" for x in opts])
    qty = np.array([x.qty for x in opts], dtype=np.float64)
    return K, tau, is_call, qty


def make_vol_fn(vol: VolLike, sticky: str, spot_ref: float | None) -> Callable:
    """Return ``fn(opts, S, tau) -> sigma`` of shape ``(n_legs,) + S.shape`` (or broadcastable).

    ``vol`` is a float (flat), a callable ``vol(K, T)`` or None (each leg's ``Leg.vol``). Legs
    with no time left get sigma 0 (their value is intrinsic whatever the vol).

    Parameters
    ----------
    vol : float, callable or None
        Flat vol (decimal), a surface ``vol(K, T)`` (T in years, vols decimal), or ``None``.
    sticky : {'strike', 'delta'}
        How a callable surface moves with the spot: fixed in strike, or in moneyness ``K / S``
        relative to ``spot_ref``.
    spot_ref : float, optional
        The spot the surface was read at (needed for ``sticky='delta'``), currency.

    Returns
    -------
    callable
        ``fn(opts, S, tau) -> sigma``, vols as decimals.
    """
    if vol is None:
        def per_leg(opts, S, tau):
            out = np.zeros((len(opts),) + (1,) * S.ndim)
            for i, (leg, t) in enumerate(zip(opts, tau)):
                if t > 0.0:
                    if leg.vol is None:
                        raise DataError(f"leg {leg.describe()} has no vol: pass vol= (a number or "
                                        "a vol(K, T) function) or set Leg.vol")
                    out[i] = leg.vol
            return out
        return per_leg
    if callable(vol):
        if sticky == "delta" and spot_ref is None:
            raise DataError("sticky='delta' needs spot_ref (or Strategy.spot): the spot at which "
                            "the vol surface was fitted")

        def surface(opts, S, tau):
            out = np.zeros((len(opts),) + S.shape)
            Sf = np.maximum(S, S_FLOOR)
            for i, (leg, t) in enumerate(zip(opts, tau)):
                if t <= 0.0:
                    continue
                K = leg.strike * spot_ref / Sf if sticky == "delta" else np.full(S.shape,
                                                                                  leg.strike)
                v = np.broadcast_to(np.asarray(vol(K, t), dtype=np.float64), S.shape)
                if not np.all(np.isfinite(v) & (v >= 0.0)):
                    raise DataError(f"vol(K, T) returned an invalid vol for leg {leg.describe()}:"
                                    f" {v[~(np.isfinite(v) & (v >= 0))].ravel()[0]}")
                out[i] = v
            return out
        return surface
    try:
        flat = float(vol)
    except (TypeError, ValueError) as exc:
        raise DataError(f"vol must be a number, a vol(K, T) function or None, got {vol!r}") from exc
    if not (math.isfinite(flat) and flat >= 0.0):
        raise DataError(f"vol must be a finite number >= 0, got {flat}")
    return lambda opts, S, tau: np.full((len(opts),) + (1,) * S.ndim, flat)


def position_value(legs: Sequence, S: np.ndarray, at_T: float, vol_fn: Callable, r: float,
                   q: float) -> np.ndarray:
    """Mark-to-model value ``sum(qty * V_i)`` at ``at_T`` (Black-Scholes for options with time
    left, intrinsic for expired ones, ``S`` for stock); premiums not subtracted.

    Parameters
    ----------
    legs : sequence of Leg
        The legs.
    S : numpy.ndarray
        Underlying prices, currency.
    at_T : float
        Valuation time, years after the trade date.
    vol_fn : callable
        ``fn(opts, S, tau) -> sigma`` from :func:`make_vol_fn`.
    r, q : float
        Continuously compounded rate and dividend yield, decimals per year.

    Returns
    -------
    numpy.ndarray
        Value per unit of quantity, currency, of the shape of ``S``.
    """
    S = np.asarray(S, dtype=np.float64)
    total = np.zeros(S.shape)
    opts = [x for x in legs if x.is_option]
    if opts:
        K, tau, is_call, qty = leg_arrays(opts, at_T)
        sig = vol_fn(opts, S, tau)
        shape = (len(opts),) + (1,) * S.ndim
        v = bs_price(np.maximum(S, S_FLOOR)[None, ...], K.reshape(shape), tau.reshape(shape),
                     r, q, sig, is_call.reshape(shape))
        total += (qty.reshape(shape) * v).sum(axis=0)
    for x in legs:
        if not x.is_option:
            total += x.qty * S
    return total


def right_slope(legs: Sequence, at_T: float, q: float) -> float:
    """Asymptotic ``dP/L/dS`` as ``S -> inf``: stock qty + call qty * exp(-q * (T - at_T)).

    Parameters
    ----------
    legs : sequence of Leg
        The legs.
    at_T : float
        Valuation time, years after the trade date (``math.inf``: at expiry, no discounting).
    q : float
        Continuous dividend yield, decimal per year.

    Returns
    -------
    float
        Units of P/L per unit of underlying price as ``S -> inf``.
    """
    s = 0.0
    for x in legs:
        if x.kind == "stock":
            s += x.qty
        elif x.kind == "call":
            s += x.qty * math.exp(-q * max(x.T - at_T, 0.0))
    return s


def _slope_tol(legs: Sequence) -> float:
    return 1e-9 * sum(abs(x.qty) for x in legs)


def _knots(legs: Sequence) -> tuple[np.ndarray, np.ndarray]:
    xs = np.concatenate([[0.0], np.unique([x.strike for x in legs if x.is_option])])
    return xs, expiry_pnl(legs, xs)


def exact_breakevens(legs: Sequence) -> tuple[float, ...]:
    """Roots in ``S > 0`` of the piecewise-linear expiry P/L, solved segment by segment.

    A segment on which the P/L is identically zero contributes both its ends.

    Parameters
    ----------
    legs : sequence of Leg
        The legs.

    Returns
    -------
    tuple of float
        Underlying prices at expiry (currency) where the P/L is zero, ascending.
    """
    xs, ys = _knots(legs)
    slope = right_slope(legs, math.inf, 0.0)
    roots: list[float] = []
    for i in range(len(xs) - 1):
        a, b, ya, yb = xs[i], xs[i + 1], ys[i], ys[i + 1]
        if ya == 0.0 and a > 0.0:
            roots.append(a)
        if ya * yb < 0.0:
            roots.append(a - ya * (b - a) / (yb - ya))
    if ys[-1] == 0.0 and xs[-1] > 0.0:
        roots.append(xs[-1])
    elif abs(slope) > _slope_tol(legs) and (ys[-1] > 0.0) != (slope > 0.0):
        roots.append(xs[-1] - ys[-1] / slope)
    return _dedupe(roots)


def exact_extremes(legs: Sequence) -> tuple[float, float]:
    """(max, min) of the expiry P/L over ``S >= 0``; ``inf``/``-inf`` when unbounded.

    Parameters
    ----------
    legs : sequence of Leg
        The legs.

    Returns
    -------
    max_pnl, min_pnl : float
        Largest and smallest P/L at expiry per unit of quantity, currency.
    """
    xs, ys = _knots(legs)
    slope = right_slope(legs, math.inf, 0.0)
    tol = _slope_tol(legs)
    hi = math.inf if slope > tol else float(ys.max())
    lo = -math.inf if slope < -tol else float(ys.min())
    return hi, lo


def _grid(scales: Sequence[float]) -> np.ndarray:
    """Log grid over ``[min/50, max*50]`` plus a dense linear grid over ``[min/2, 1.5 max]``
    (where the roots of option P/L curves usually sit) and the scales themselves."""
    lo, hi = min(scales), max(scales)
    return np.unique(np.concatenate([np.geomspace(lo / _GRID_SPAN, hi * _GRID_SPAN, _GRID_POINTS),
                                     np.linspace(0.5 * lo, 1.5 * hi, _GRID_POINTS),
                                     np.asarray(scales)]))


def numeric_breakevens(f: Callable, scales: Sequence[float]) -> tuple[float, ...]:
    """Roots of a smooth P/L function ``f`` (vectorised over S): sign changes on the grid of
    :func:`_grid` (6000 points), each refined by Brent's method.

    Parameters
    ----------
    f : callable
        ``f(S) -> P/L`` over an array of underlying prices (currency).
    scales : sequence of float
        Price scales (strikes, spot) the grid is built around, currency.

    Returns
    -------
    tuple of float
        Underlying prices where the P/L is zero, ascending, currency.
    """
    x = _grid(scales)
    y = f(x)
    roots = [float(v) for v in x[y == 0.0]]
    idx = np.nonzero(np.sign(y[:-1]) * np.sign(y[1:]) < 0)[0]

    def g(s):
        return float(f(np.array([s]))[0])

    for i in idx:
        roots.append(brentq(g, x[i], x[i + 1], xtol=1e-12 * x[i], rtol=1e-15, maxiter=200))
    return _dedupe(roots)


def numeric_extremes(f: Callable, scales: Sequence[float], slope: float,
                     slope_tol: float = 1e-9) -> tuple[float, float]:
    """(max, min) of a smooth P/L ``f`` over ``S >= 0``: grid extremes (including the ``S -> 0``
    limit) refined by a bounded scalar search; ``+-inf`` when the asymptotic ``slope`` says so.

    Parameters
    ----------
    f : callable
        ``f(S) -> P/L`` over an array of underlying prices (currency).
    scales : sequence of float
        Price scales (strikes, spot) the grid is built around, currency.
    slope : float
        Asymptotic ``dP/L/dS`` as ``S -> inf`` (:func:`right_slope`).
    slope_tol : float
        ``|slope|`` at or below which the P/L counts as bounded on the right.

    Returns
    -------
    max_pnl, min_pnl : float
        Largest and smallest P/L, currency (``inf``/``-inf`` when unbounded).
    """
    x = np.concatenate([[S_FLOOR], _grid(scales)])
    y = f(x)

    def refine(sign: float) -> float:
        i = int(np.argmax(sign * y))
        best = float(sign * y[i])
        if 0 < i < len(x) - 1:
            res = minimize_scalar(lambda s: -sign * float(f(np.array([s]))[0]),
                                  bounds=(x[i - 1], x[i + 1]), method="bounded",
                                  options={"xatol": 1e-10 * x[i]})
            best = max(best, -float(res.fun))
        return sign * best

    hi = math.inf if slope > slope_tol else refine(1.0)
    lo = -math.inf if slope < -slope_tol else refine(-1.0)
    return hi, lo


def _dedupe(roots: list[float]) -> tuple[float, ...]:
    out: list[float] = []
    for v in sorted(roots):
        if not out or v - out[-1] > 1e-12 * max(1.0, abs(v)):
            out.append(float(v))
    return tuple(out)
