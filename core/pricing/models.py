"""European option prices under Heston, Bates, Merton, Variance Gamma and CGMY (COS method).

Each function takes spot, strike, maturity and continuously compounded rates like
:func:`core.pricing.bs_price`, plus the model parameters as scalars; ``S, K, T, r, q, is_call``
broadcast against each other, options with equal ``T`` share one characteristic function, and
``T == 0`` gives the intrinsic value. Prices come from :func:`core.pricing.fourier.cos_price`
(Fang-Oosterlee COS, puts plus parity) with an adaptive number of terms; the series error is
below ``1e-10`` of the forward wherever the characteristic function decays fast enough (Heston,
Bates and Merton everywhere; CGMY from one week when ``Y >= 0.6``, its cosine range reaching the
exponential tails of rates ``G`` and ``M``; with small ``Y`` at maturities under about two weeks
the slow decay of ``phi`` leaves up to ~2e-7 of the forward with 16,384 terms). Variance Gamma is priced
exactly instead, as a Black-Scholes mixture over its gamma time change
(:mod:`core.pricing.timechange`): within 1e-9 of the forward from one day to years.

Conventions: ``T`` in years (ACT/365), rates and yields continuously compounded decimals,
variances (``v0``, ``theta``) in decimal vol squared, ``kappa`` and ``lam`` per year.
"""
from __future__ import annotations

import numpy as np

from core._validate import as_bool_array, as_float_array, check_finite, check_range
from core.errors import DataError
from core.pricing.charfuncs import get_model
from core.pricing.fourier import COS_L, COS_N_MAX, COS_TOL, cos_flat as _cos_flat
from core.pricing.timechange import vg_mixture_price
from core._typing import ArrayLike, FloatLike, ParamsLike

__all__ = ["heston_price", "bates_price", "merton_price", "vg_price", "cgmy_price",
           "model_price"]


def model_price(model: str, S: FloatLike, K: FloatLike, T: FloatLike, r: FloatLike, q: FloatLike,
                params: ParamsLike, is_call: ArrayLike) -> np.ndarray:
    """Price European options under ``model`` (one of ``heston, bates, merton, vg, cgmy``).

    Parameters
    ----------
    model : str
        Model name.
    S, K : array_like
        Spot and strike (currency), > 0.
    T : array_like
        Years to expiry (ACT/365), >= 0.
    r, q : array_like
        Continuously compounded rate and dividend yield (decimals, may be negative).
    params : dict or sequence
        Model parameters by name, or in the model's order.
    is_call : array_like of bool
        True for calls, False for puts ('C'/'P' accepted).

    Returns
    -------
    ndarray
        Prices in currency with the broadcast shape of ``S, K, T, r, q, is_call``.

    Raises
    ------
    DataError
        Non-numeric, non-finite or out-of-domain arguments (the message names the argument),
        or shapes that do not broadcast.
    """
    spec = get_model(model)
    p = spec.as_array(params)
    arrays = {}
    for name, val in (("S", S), ("K", K), ("T", T), ("r", r), ("q", q)):
        arr = as_float_array(name, val)
        check_finite(name, arr)
        arrays[name] = arr
    check_range("S", arrays["S"], lo=0.0)
    check_range("K", arrays["K"], lo=0.0)
    check_range("T", arrays["T"], lo=0.0, strict=False)
    w = np.where(as_bool_array("is_call", is_call), 1.0, -1.0)
    try:
        b = np.broadcast_arrays(*arrays.values(), w)
    except ValueError as exc:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in arrays.items())
        raise DataError(f"arguments must broadcast to one shape, got {shapes}, "
                        f"is_call{w.shape}") from exc
    shape = b[0].shape
    S_, K_, T_, r_, q_, w_ = (np.ascontiguousarray(x, dtype=np.float64).reshape(-1) for x in b)
    F = S_ * np.exp((r_ - q_) * T_)
    D = np.exp(-r_ * T_)
    if spec.name == "vg":
        # exact route: Black-Scholes mixed over the gamma time change (core.pricing.timechange);
        # the cosine series converges slowly at short maturities (|phi| ~ |u|^(-2T/nu))
        return vg_mixture_price(F, K_, T_, D, w_, *p).reshape(shape)
    out, _, _ = _cos_flat(spec, p, F, K_, T_, D, w_, L=COS_L, tol=COS_TOL, n_max=COS_N_MAX,
                          njac=0)
    return out.reshape(shape)


def heston_price(S: FloatLike, K: FloatLike, T: FloatLike, r: FloatLike, q: FloatLike,
                 v0: FloatLike, kappa: FloatLike, theta: FloatLike, sigma: FloatLike,
                 rho: FloatLike, is_call: ArrayLike) -> np.ndarray:
    """Heston (1993) stochastic-volatility prices of European options.

    Parameters
    ----------
    S, K, T, r, q, is_call
        As in :func:`model_price`.
    v0 : float
        Initial variance (vol squared), >= 0.
    kappa : float
        Mean-reversion speed of the variance, per year, > 0.
    theta : float
        Long-run variance, >= 0.
    sigma : float
        Volatility of variance, > 0 (the Feller condition ``2 kappa theta > sigma^2`` is not
        required).
    rho : float
        Correlation of spot and variance shocks, in [-1, 1].

    Returns
    -------
    ndarray
        Prices (currency), broadcast shape of ``S, K, T, r, q, is_call``.
    """
    return model_price("heston", S, K, T, r, q, (v0, kappa, theta, sigma, rho), is_call)


def bates_price(S: FloatLike, K: FloatLike, T: FloatLike, r: FloatLike, q: FloatLike, v0: FloatLike,
                kappa: FloatLike, theta: FloatLike, sigma: FloatLike, rho: FloatLike,
                lam: FloatLike, mu_j: FloatLike, sigma_j: FloatLike,
                is_call: ArrayLike) -> np.ndarray:
    """Bates (1996) prices: Heston plus Poisson jumps in the log-price.

    Parameters
    ----------
    S, K, T, r, q, v0, kappa, theta, sigma, rho, is_call
        As in :func:`heston_price`.
    lam : float
        Jump intensity, jumps per year, >= 0.
    mu_j, sigma_j : float
        Mean and standard deviation of the log-jump ``ln(1 + J) ~ N(mu_j, sigma_j^2)``;
        ``sigma_j >= 0``. The drift is compensated so that ``E[S_T] = S e^{(r - q) T}``.

    Returns
    -------
    ndarray
        Prices (currency).
    """
    return model_price("bates", S, K, T, r, q,
                       (v0, kappa, theta, sigma, rho, lam, mu_j, sigma_j), is_call)


def merton_price(S: FloatLike, K: FloatLike, T: FloatLike, r: FloatLike, q: FloatLike,
                 sigma: FloatLike, lam: FloatLike, mu_j: FloatLike, sigma_j: FloatLike,
                 is_call: ArrayLike) -> np.ndarray:
    """Merton (1976) jump-diffusion prices of European options.

    Parameters
    ----------
    S, K, T, r, q, is_call
        As in :func:`model_price`.
    sigma : float
        Diffusion volatility (decimal), > 0.
    lam : float
        Jump intensity per year, >= 0.
    mu_j, sigma_j : float
        Log-jump ``~ N(mu_j, sigma_j^2)``, ``sigma_j >= 0``; compensated drift.

    Returns
    -------
    ndarray
        Prices (currency).
    """
    return model_price("merton", S, K, T, r, q, (sigma, lam, mu_j, sigma_j), is_call)


def vg_price(S: FloatLike, K: FloatLike, T: FloatLike, r: FloatLike, q: FloatLike, sigma: FloatLike,
             nu: FloatLike, theta: FloatLike, is_call: ArrayLike) -> np.ndarray:
    """Variance Gamma prices (Madan, Carr & Chang 1998).

    The log-price is ``ln F_T + omega T + theta G_T + sigma W(G_T)`` with a gamma time change of
    unit mean rate and variance rate ``nu``, and ``omega = ln(1 - theta nu - sigma^2 nu/2)/nu``.
    Priced as the Black-Scholes price mixed over the law of ``G_T`` (tanh-sinh quadrature in
    the gamma probability, :mod:`core.pricing.timechange`), not by a cosine series.

    Parameters
    ----------
    S, K, T, r, q, is_call
        As in :func:`model_price`.
    sigma : float
        Volatility of the Brownian motion, > 0.
    nu : float
        Variance rate of the gamma time change (years), > 0.
    theta : float
        Drift of the Brownian motion (skew; negative for equity indices). Requires
        ``theta nu + sigma^2 nu/2 < 1``.

    Returns
    -------
    ndarray
        Prices (currency).
    """
    return model_price("vg", S, K, T, r, q, (sigma, nu, theta), is_call)


def cgmy_price(S: FloatLike, K: FloatLike, T: FloatLike, r: FloatLike, q: FloatLike, C: FloatLike,
               G: FloatLike, M: FloatLike, Y: FloatLike, is_call: ArrayLike) -> np.ndarray:
    """CGMY prices (Carr, Geman, Madan & Yor 2002), a tempered-stable pure-jump model.

    Levy density ``C e^{-G|x|}/|x|^{1+Y}`` for ``x < 0`` and ``C e^{-M x}/x^{1+Y}`` for ``x > 0``.

    Parameters
    ----------
    S, K, T, r, q, is_call
        As in :func:`model_price`.
    C : float
        Overall activity, > 0.
    G, M : float
        Exponential tempering of down and up jumps, ``G > 0``, ``M > 1`` (so ``E[S_T]`` is
        finite).
    Y : float
        Fine structure, ``0 <= Y < 2``; ``Y = 0`` is Variance Gamma with ``nu = 1/C``.

    Returns
    -------
    ndarray
        Prices (currency).
    """
    return model_price("cgmy", S, K, T, r, q, (C, G, M, Y), is_call)
