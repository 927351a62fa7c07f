"""Black-Scholes-Merton prices and Greeks for European options, vectorised with numba.

Conventions (as QuantLib reports them): ``T`` in years (ACT/365), ``r`` and ``q`` continuously
compounded, ``sigma`` a decimal, vega per 1.00 of vol, theta per year of calendar time
(``dV/dt = -dV/dT``), rho per 1.00 of rate. Every argument broadcasts against the others.

Degenerate inputs are handled exactly rather than by limits of the closed form: ``T == 0`` or
``sigma == 0`` give the discounted forward intrinsic value ``max(w (S e^{-qT} - K e^{-rT}), 0)``
(at ``T == 0`` that is the plain intrinsic value), with zero gamma, vega, vanna, volga and charm.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numba as nb
import numpy as np

from core._validate import as_bool_array, as_float_array, check_finite, check_range
from core.errors import DataError
from core._typing import ArrayLike

__all__ = ["bs_price", "bs_greeks", "Greeks", "GREEK_NAMES"]

GREEK_NAMES = ("price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga", "charm")
_SQRT2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_D_CLAMP = 1e150  # keeps d1, d2 finite when ln(F/K) / (sigma sqrt T) overflows


@dataclass(frozen=True, slots=True)
class Greeks:
    """Price and Greeks of European options, each an array of the broadcast input shape.

    Attributes
    ----------
    price : ndarray
        Option value, in currency.
    delta : ndarray
        dV/dS.
    gamma : ndarray
        d2V/dS2, per unit of spot.
    vega : ndarray
        dV/dsigma, per 1.00 of volatility (divide by 100 for one vol point).
    theta : ndarray
        dV/dt, per year of calendar time (divide by 365 for one day).
    rho : ndarray
        dV/dr, per 1.00 of rate.
    vanna : ndarray
        d2V/dS dsigma (= d delta / d sigma).
    volga : ndarray
        d2V/dsigma2 (= d vega / d sigma), per 1.00 of vol squared.
    charm : ndarray
        d delta / dt, per year of calendar time.
    """

    price: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray
    rho: np.ndarray
    vanna: np.ndarray
    volga: np.ndarray
    charm: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in GREEK_NAMES:
            raise KeyError(f"unknown Greek {name!r}; choose from {', '.join(GREEK_NAMES)}")
        return getattr(self, name)

    def to_dict(self) -> dict:
        """Plain-list dictionary (JSON-ready).

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {f.name: np.asarray(getattr(self, f.name)).tolist() for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "Greeks":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Greeks
        """
        return cls(**{name: np.asarray(data[name], dtype=np.float64) for name in GREEK_NAMES})


# --------------------------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------------------------
#: Total volatility below which an option is valued as if sigma * sqrt(T) were 0 (its gamma,
#: about 1 / (S v), would exceed the largest float64).
_V_MIN = 1e-280


@nb.njit(cache=True, inline="always")
def _ncdf(x):
    return 0.5 * math.erfc(-x / _SQRT2)


@nb.njit(cache=True)
def _bs_one(S, K, T, r, q, sig, w):
    """Price and all Greeks of one option; ``w`` is +1 for a call, -1 for a put."""
    dq = math.exp(-q * T)
    dr = math.exp(-r * T)
    sqt = math.sqrt(T)
    v = sig * sqt
    if v <= _V_MIN:  # no (or sub-representable) time value: 1 / v would overflow the Greeks
        fwd_intr = w * (S * dq - K * dr)
        itm = 1.0 if fwd_intr > 0.0 else (0.5 if fwd_intr == 0.0 else 0.0)
        price = max(fwd_intr, 0.0)
        delta = w * dq * itm
        theta = w * (q * S * dq - r * K * dr) * itm
        rho = w * K * T * dr * itm
        return price, delta, 0.0, 0.0, theta, rho, 0.0, 0.0, 0.0
    d1 = (math.log(S / K) + (r - q) * T) / v + 0.5 * v
    d1 = min(max(d1, -_D_CLAMP), _D_CLAMP)
    d2 = d1 - v
    nd1 = _ncdf(w * d1)
    nd2 = _ncdf(w * d2)
    price = w * (S * dq * nd1 - K * dr * nd2)
    if price < 0.0:  # rounding in the subtraction for worthless options
        price = 0.0
    delta = w * dq * nd1
    rho = w * K * T * dr * nd2
    theta = -w * r * K * dr * nd2 + w * q * S * dq * nd1
    charm = w * q * dq * nd1
    gamma = vega = vanna = volga = 0.0
    pdf = _INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
    if pdf > 0.0:
        sdp = S * dq * pdf
        gamma = sdp / (S * S * v)
        vega = sdp * sqt
        theta -= sdp * sig / (2.0 * sqt)
        vanna = -dq * pdf * d2 / sig
        volga = vega * d1 * d2 / sig
        charm -= dq * pdf * ((r - q) / v - d2 / (2.0 * T))
    return price, delta, gamma, vega, theta, rho, vanna, volga, charm


@nb.njit(cache=True, parallel=True)
def _greeks_kernel(S, K, T, r, q, sig, w, out):
    for i in nb.prange(S.shape[0]):
        res = _bs_one(S[i], K[i], T[i], r[i], q[i], sig[i], w[i])
        for j in range(9):
            out[j, i] = res[j]


@nb.njit(cache=True, parallel=True)
def _price_kernel(S, K, T, r, q, sig, w, out):
    for i in nb.prange(S.shape[0]):
        s, k, t, rr, qq, sg, ww = S[i], K[i], T[i], r[i], q[i], sig[i], w[i]
        dq = math.exp(-qq * t)
        dr = math.exp(-rr * t)
        sqt = math.sqrt(t)
        v = sg * sqt
        if v <= 0.0:
            out[i] = max(ww * (s * dq - k * dr), 0.0)
            continue
        d1 = (math.log(s / k) + (rr - qq) * t) / v + 0.5 * v
        d1 = min(max(d1, -_D_CLAMP), _D_CLAMP)
        p = ww * (s * dq * _ncdf(ww * d1) - k * dr * _ncdf(ww * (d1 - v)))
        out[i] = p if p > 0.0 else 0.0


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------
def _prepare(S, K, T, r, q, sigma, is_call):
    """Validate, broadcast and flatten the inputs; return flat arrays and the output shape."""
    arrays = {name: as_float_array(name, val) for name, val in
              (("S", S), ("K", K), ("T", T), ("r", r), ("q", q), ("sigma", sigma))}
    for name, arr in arrays.items():
        check_finite(name, arr)
    check_range("S", arrays["S"], lo=0.0)
    check_range("K", arrays["K"], lo=0.0)
    check_range("T", arrays["T"], lo=0.0, strict=False)
    check_range("sigma", arrays["sigma"], lo=0.0, strict=False)
    w = np.where(as_bool_array("is_call", is_call), 1.0, -1.0)
    inputs = [*arrays.values(), w]
    try:
        shape = np.broadcast_shapes(*(a.shape for a in inputs))
    except ValueError as exc:
        raise DataError(f"S, K, T, r, q, sigma and is_call do not broadcast together: {exc}") from None
    # full-shape inputs are used as they are; smaller ones are expanded into new arrays (never a
    # broadcast view, which numba would receive as a flagged, shared-memory array)
    flat = [np.ascontiguousarray(a, dtype=np.float64).reshape(-1) if a.shape == shape
            else np.broadcast_to(a, shape).astype(np.float64).reshape(-1) for a in inputs]
    return flat, shape


def bs_price(S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike,
             sigma: ArrayLike, is_call: ArrayLike) -> np.ndarray:
    """Black-Scholes-Merton price of European options.

    Parameters
    ----------
    S, K : array_like
        Spot and strike, > 0, in currency.
    T : array_like
        Time to expiry in years (ACT/365), >= 0.
    r, q : array_like
        Continuously compounded interest rate and dividend yield (decimals; may be negative).
    sigma : array_like
        Volatility as a decimal, >= 0.
    is_call : array_like of bool
        True for calls, False for puts ('C'/'P' strings are accepted).

    Returns
    -------
    ndarray
        Prices in currency, of the broadcast shape of the inputs.

    Raises
    ------
    DataError
        If an argument is non-numeric, not finite or out of its domain.

    Examples
    --------
    A one-year at-the-money call and put at 20% vol and 5% rates (Hull's textbook values,
    10.45 and 5.57):

    >>> bs_price(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, [True, False]).round(4)
    array([10.4506,  5.5735])
    """
    flat, shape = _prepare(S, K, T, r, q, sigma, is_call)
    out = np.empty(flat[0].shape[0])
    _price_kernel(*flat, out)
    return out.reshape(shape)


def bs_greeks(S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike,
              sigma: ArrayLike, is_call: ArrayLike) -> Greeks:
    """Price and Greeks (delta, gamma, vega, theta, rho, vanna, volga, charm) of European options.

    Units: vega per 1.00 of vol, theta and charm per year of calendar time, rho per 1.00 of rate
    (QuantLib's conventions).

    Parameters
    ----------
    S, K : array_like
        Spot and strike, > 0, in currency.
    T : array_like
        Time to expiry in years (ACT/365), >= 0.
    r, q : array_like
        Continuously compounded interest rate and dividend yield (decimals; may be negative).
    sigma : array_like
        Volatility as a decimal, >= 0.
    is_call : array_like of bool
        True for calls, False for puts ('C'/'P' strings are accepted).

    Returns
    -------
    Greeks
        Frozen result; each attribute has the broadcast shape of the inputs.

    Raises
    ------
    DataError
        If an argument is non-numeric, not finite or out of its domain (as :func:`bs_price`).

    Examples
    --------
    >>> g = bs_greeks(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, True)
    >>> print(f"delta {float(g.delta):.4f}, gamma {float(g.gamma):.5f}, vega {float(g.vega):.3f}")
    delta 0.6368, gamma 0.01876, vega 37.524
    """
    flat, shape = _prepare(S, K, T, r, q, sigma, is_call)
    out = np.empty((9, flat[0].shape[0]))
    _greeks_kernel(*flat, out)
    return Greeks(*(row.reshape(shape) for row in out))


# Scalar numba kernels shared with other compiled loops (core.risk.valuation revalues a book
# through the same per-option routine). Callable from @njit code and from Python.
#: ``bs_one(S, K, T, r, q, sigma, w)`` -> the nine values of :data:`GREEK_NAMES` (price,
#: delta, gamma, vega, theta, rho, vanna, volga, charm) of one option, ``w`` = +1.0 for a call,
#: -1.0 for a put; units as :func:`bs_greeks` (T in years, r, q continuous, sigma decimal).
bs_one = _bs_one
#: ``norm_cdf(x)``: the standard normal cumulative distribution function of one float.
norm_cdf = _ncdf
__all__ += ["bs_one", "norm_cdf"]
