"""SABR lognormal implied volatility: the expansion of Hagan, Kumar, Lesniewski & Woodward (2002).

For the SABR model ``dF = alpha_t F^beta dW``, ``d alpha_t = nu alpha_t dZ``, ``dW dZ = rho dt``,
Hagan et al. (2002, "Managing smile risk", Wilmott, eq. 2.17a) give the Black (lognormal)
implied volatility of a European option of strike ``K`` on the forward ``F``::

    sigma_B(K) = alpha / D * (z / x(z)) * (1 + T [ (1-beta)^2 alpha^2 / (24 A)
                                                 + rho beta nu alpha / (4 sqrt A)
                                                 + (2 - 3 rho^2) nu^2 / 24 ])
    A = (F K)^(1-beta),   L = ln(F/K),
    D = sqrt(A) (1 + (1-beta)^2 L^2 / 24 + (1-beta)^4 L^4 / 1920)
    z = nu / alpha * sqrt(A) * L,   x(z) = ln((sqrt(1 - 2 rho z + z^2) + z - rho) / (1 - rho))

This is the formula of QuantLib's ``sabrVolatility`` (``unsafeSabrVolatility``). QuantLib
evaluates ``x(z) = ln(tmp)``, ``tmp = (sqrt(B) + z - rho) / (1 - rho)``, ``B = 1 - 2 rho z + z^2``,
directly and so loses digits as ``z -> 0`` (about ``1e-16 / |z|`` relative). We evaluate it
without cancellation: ``tmp`` through its conjugate ``(1 + rho) / (sqrt(B) - z + rho)`` when
``z < rho``; ``x = log1p(tmp - 1)`` with the exact rearrangement
``tmp - 1 = z (tmp + 1) / (sqrt(B) + 1)`` for ``|z| < 0.5``; and the series
``z / x(z) = 1 - rho z / 2 + (2 - 3 rho^2) z^2 / 12`` for ``|z| < 1e-9``. ``K == F`` is exact
(``L = 0``, ``z / x(z) = 1``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from core._validate import as_float_array, check_finite, check_range
from core.errors import DataError
from core._typing import FloatLike

__all__ = ["sabr_vol", "sabr_alpha_from_atm"]

_Z_SERIES = 1e-9      # |z| below which z / x(z) is its quadratic series (error ~ z^3 < 1e-27)
_Z_LOG1P = 0.5        # |z| below which x(z) is computed as log1p(tmp - 1)


@njit(cache=True)
def _sabr_vol_one(F, K, T, alpha, beta, rho, nu):
    """Hagan (2002) lognormal vol of one option (no validation; see :func:`sabr_vol`)."""
    omb = 1.0 - beta
    L = math.log(F / K)
    A = (F * K) ** omb
    sqrt_a = math.sqrt(A)
    C = omb * omb * L * L
    D = sqrt_a * (1.0 + C / 24.0 + C * C / 1920.0)
    d = 1.0 + T * (omb * omb * alpha * alpha / (24.0 * A)
                   + 0.25 * rho * beta * nu * alpha / sqrt_a
                   + (2.0 - 3.0 * rho * rho) * nu * nu / 24.0)
    z = nu / alpha * sqrt_a * L
    az = abs(z)
    if az < _Z_SERIES:
        ratio = 1.0 - 0.5 * rho * z + (2.0 - 3.0 * rho * rho) * z * z / 12.0
    else:
        sb = math.sqrt(1.0 - 2.0 * rho * z + z * z)
        # tmp = (sb + z - rho) / (1 - rho), without cancellation on either side of z = rho
        if z - rho >= 0.0:
            tmp = (sb + z - rho) / (1.0 - rho)
        else:
            tmp = (1.0 + rho) / (sb - z + rho)
        if az < _Z_LOG1P:
            x = math.log1p(z * (tmp + 1.0) / (sb + 1.0))    # tmp - 1, exactly rearranged
        else:
            x = math.log(tmp)
        ratio = z / x
    return alpha / D * ratio * d


@njit(cache=True)
def _sabr_vol_kernel(F, K, T, alpha, beta, rho, nu, out):
    for i in range(out.shape[0]):
        out[i] = _sabr_vol_one(F[i], K[i], T[i], alpha[i], beta[i], rho[i], nu[i])


@njit(cache=True)
def _alpha_from_atm_one(F, T, atm_vol, beta, rho, nu):
    """Smallest positive alpha whose Hagan ATM vol equals ``atm_vol`` (NaN if none).

    With ``a = alpha / F^(1-beta)`` the ATM formula is the cubic
    ``c3 a^3 + c2 a^2 + c1 a - atm_vol = 0``, ``c3 = T (1-beta)^2 / 24``,
    ``c2 = T rho beta nu / 4``, ``c1 = 1 + T (2 - 3 rho^2) nu^2 / 24`` (West 2005). The cubic's
    positive critical points split the half-line into monotone pieces; the first piece with a sign
    change brackets the smallest root, which safeguarded Newton steps then polish.
    """
    omb = 1.0 - beta
    c3 = T * omb * omb / 24.0
    c2 = T * rho * beta * nu / 4.0
    c1 = 1.0 + T * (2.0 - 3.0 * rho * rho) * nu * nu / 24.0
    # positive critical points of the cubic split (0, inf) into monotone pieces
    crit = np.empty(2)
    nc = 0
    if c3 > 0.0:
        disc = c2 * c2 - 3.0 * c3 * c1
        if disc >= 0.0:
            sq = math.sqrt(disc)
            for x in ((-c2 - sq) / (3.0 * c3), (-c2 + sq) / (3.0 * c3)):
                if x > 0.0:
                    crit[nc] = x
                    nc += 1
    elif c2 != 0.0:
        x = -c1 / (2.0 * c2)
        if x > 0.0:
            crit[0] = x
            nc = 1
    lo = 0.0
    hi = -1.0
    for i in range(nc):                     # first piece whose right end is at or above zero
        if ((c3 * crit[i] + c2) * crit[i] + c1) * crit[i] - atm_vol >= 0.0:
            hi = crit[i]
            break
        lo = crit[i]
    if hi < 0.0:                            # last piece, monotone: expand to a sign change
        hi = max(lo, atm_vol / c1 if c1 > 0.0 else atm_vol) * 1.5 + 1e-300
        found = False
        for _ in range(400):
            if ((c3 * hi + c2) * hi + c1) * hi - atm_vol >= 0.0:
                found = True
                break
            lo = hi
            hi *= 2.0
        if not found:
            return math.nan
    a = 0.5 * (lo + hi)
    for _ in range(200):                    # safeguarded Newton on the monotone bracket
        f = ((c3 * a + c2) * a + c1) * a - atm_vol
        if f == 0.0:
            break
        if f > 0.0:
            hi = a
        else:
            lo = a
        df = (3.0 * c3 * a + 2.0 * c2) * a + c1
        step = a - f / df if df != 0.0 else -1.0
        nxt = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(nxt - a) <= 4e-16 * a or hi - lo <= 4e-16 * hi:
            a = nxt
            break
        a = nxt
    return a * math.exp(omb * math.log(F))


def _prepare(named: dict[str, object]) -> tuple[list[np.ndarray], tuple[int, ...]]:
    arrays = {}
    for name, value in named.items():
        arr = as_float_array(name, value)
        check_finite(name, arr)
        arrays[name] = arr
    for name in ("F", "K", "alpha", "atm_vol"):
        if name in arrays:
            check_range(name, arrays[name], lo=0.0)
    for name in ("T", "nu"):
        if name in arrays:
            check_range(name, arrays[name], lo=0.0, strict=False)
    if "beta" in arrays and np.any((arrays["beta"] < 0.0) | (arrays["beta"] > 1.0)):
        bad = arrays["beta"][(arrays["beta"] < 0.0) | (arrays["beta"] > 1.0)].ravel()[0]
        raise DataError(f"beta must be in [0, 1], got {bad:g}")
    if "rho" in arrays and np.any(np.abs(arrays["rho"]) >= 1.0):
        bad = arrays["rho"][np.abs(arrays["rho"]) >= 1.0].ravel()[0]
        raise DataError(f"rho must be in (-1, 1), got {bad:g}")
    try:
        b = np.broadcast_arrays(*arrays.values())
    except ValueError as exc:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in arrays.items())
        raise DataError(f"arguments must broadcast to one shape, got {shapes}") from exc
    shape = b[0].shape
    return [np.ascontiguousarray(a, dtype=np.float64).reshape(-1) for a in b], shape


def sabr_vol(F: FloatLike, K: FloatLike, T: FloatLike, alpha: FloatLike, beta: FloatLike,
             rho: FloatLike, nu: FloatLike) -> np.ndarray:
    """Hagan et al. (2002) lognormal (Black) implied volatility of the SABR model.

    Parameters
    ----------
    F : array_like
        Forward of the underlying for the option's expiry, > 0 (currency).
    K : array_like
        Strike, > 0 (currency).
    T : array_like
        Time to expiry in years (ACT/365), >= 0.
    alpha : array_like
        Initial volatility level, > 0 (in units of ``F^(1-beta)`` per sqrt(year)).
    beta : array_like
        CEV exponent in [0, 1] (1 lognormal, 0 normal backbone).
    rho : array_like
        Correlation of forward and volatility, in (-1, 1).
    nu : array_like
        Volatility of volatility, >= 0 (per sqrt(year)).

    Returns
    -------
    ndarray
        Black volatilities as decimals, of the broadcast shape of the inputs.

    Raises
    ------
    DataError
        On non-numeric, non-finite or out-of-domain input, or shapes that do not broadcast.

    Notes
    -----
    Equal to QuantLib's ``sabrVolatility(strike, forward, expiryTime, alpha, beta, nu, rho)``
    (mind its argument order) to 1e-10 wherever QuantLib's direct ``z / x(z)`` is accurate
    (``|z| >= 1e-3``, and ``K == F`` exactly). For smaller ``|z|`` (near the money, or a tiny
    ``nu``) QuantLib loses up to ~1e-8 relative to cancellation, while this function stays within
    ~1e-14 of a 60-digit evaluation of the same formula (see the module docstring).
    """
    flat, shape = _prepare({"F": F, "K": K, "T": T, "alpha": alpha, "beta": beta,
                            "rho": rho, "nu": nu})
    out = np.empty(flat[0].shape[0])
    _sabr_vol_kernel(*flat, out)
    return out.reshape(shape)


def sabr_alpha_from_atm(F: FloatLike, T: FloatLike, atm_vol: FloatLike, beta: FloatLike,
                        rho: FloatLike, nu: FloatLike) -> np.ndarray:
    """The SABR ``alpha`` that reproduces a given at-the-money Black vol (West 2005).

    Parameters
    ----------
    F : array_like
        Forward, > 0.
    T : array_like
        Time to expiry in years, >= 0.
    atm_vol : array_like
        At-the-money (K = F) Black volatility, decimal, > 0.
    beta, rho, nu : array_like
        As in :func:`sabr_vol`.

    Returns
    -------
    ndarray
        The smallest positive root of the ATM cubic; NaN where there is none.
    """
    flat, shape = _prepare({"F": F, "T": T, "atm_vol": atm_vol, "beta": beta, "rho": rho,
                            "nu": nu})
    out = np.array([_alpha_from_atm_one(*(a[i] for a in flat)) for i in range(flat[0].shape[0])],
                   dtype=np.float64)
    return out.reshape(shape)


# Scalar numba kernels shared with the SABR surface fit (core.surface); no validation.
# F, K price units, T years, alpha/vols decimals.
#: ``sabr_vol_one(F, K, T, alpha, beta, rho, nu)`` -> Hagan (2002) lognormal vol of one option.
sabr_vol_one = _sabr_vol_one
#: ``sabr_vol_kernel(F, K, T, alpha, beta, rho, nu, out)``: :func:`sabr_vol_one` elementwise
#: over equal-length float64 arrays into ``out``.
sabr_vol_kernel = _sabr_vol_kernel
#: ``alpha_from_atm_one(F, T, atm_vol, beta, rho, nu)`` -> smallest positive alpha matching
#: the ATM vol (NaN if none).
alpha_from_atm_one = _alpha_from_atm_one
__all__ += ["sabr_vol_one", "sabr_vol_kernel", "alpha_from_atm_one"]
