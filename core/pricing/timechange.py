"""Variance Gamma prices as a Black-Scholes mixture over the gamma time change (exact route).

Madan, Carr & Chang (1998): with ``G ~ Gamma(shape T/nu, scale nu)`` (the gamma clock at ``T``)
the VG log-return is ``y = ln(S_T/F) = omega T + theta G + sigma W(G)``, with the martingale
correction ``omega = ln(1 - theta nu - sigma^2 nu / 2) / nu``. Given ``G = g`` it is normal, so
an option is a Black price on the conditional forward ``F_g = F exp(omega T + (theta +
sigma^2/2) g)`` with total variance ``sigma^2 g``, and

    price = D E[Black(F_G, K, sigma^2 G)] = D * integral_0^1 Black(F_g(u), K, sigma^2 g(u)) du,

``g(u)`` the gamma quantile. In the probability variable ``u`` the density - singular like
``g^(T/nu - 1)`` at 0 for short maturities, where a cosine series converges slowly because
``|phi(u)|`` decays only like ``|u|^(-2T/nu)`` - is gone, and the integrand is bounded (puts are
integrated, calls come from parity). What remains are mild endpoint singularities in ``u``
(``g ~ u^(nu/T)`` near 0, ``g ~ -nu ln(1 - u)`` near 1), which the tanh-sinh (double
exponential) rule integrates to near machine precision: nodes
``u = 1 / (1 + exp(-pi sinh t))`` with ``1 - u`` computed separately, so both tails keep full
relative precision through :func:`scipy.special.gammaincinv` / ``gammainccinv``.

The quantiles depend only on ``(T, nu)``: they are computed once per maturity and shared by all
strikes, so a 400-quote surface costs a few thousand Black evaluations - faster than the cosine
series at short maturities, and within ~1e-12 x forward of scipy's adaptive QUADPACK
(algebraic-singularity weight) reference in the tests.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import gammainccinv, gammaincinv, ndtr
from core._typing import FloatArray, FloatLike

__all__ = ["vg_mixture_put", "vg_mixture_price", "tanh_sinh_nodes"]

_H = 1.0 / 32.0          # tanh-sinh step (257 nodes; 1-day VG with nu = 1.5 within 5e-10 x F)
_T_MAX = 4.0              # |t| range: u within exp(-pi sinh 4) ~ 1e-37 of the ends


def tanh_sinh_nodes(h: float = _H,
                    t_max: float = _T_MAX) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Tanh-sinh nodes on (0, 1): ``(u, 1 - u, weights)`` (weights sum to ~1).

    Parameters
    ----------
    h : float
        Step in the tanh-sinh variable ``t`` (default 1/32), > 0; smaller is more accurate.
    t_max : float
        Nodes at ``t`` in ``[-t_max, t_max]`` (default 4: ``u`` within ~1e-37 of 0 and 1).

    Returns
    -------
    u, v, weights : ndarray
        Nodes ``u = 1 / (1 + exp(-pi sinh t))``, ``v = 1 - u`` computed without cancellation,
        and the weights ``h du/dt``, so ``sum(weights * f(u))`` approximates
        ``integral_0^1 f(u) du``.

    Examples
    --------
    >>> u, v, w = tanh_sinh_nodes()
    >>> bool(abs(w.sum() - 1.0) < 1e-12 and abs((w * u * u).sum() - 1.0 / 3.0) < 1e-12)
    True
    """
    t = np.arange(-t_max, t_max + 0.5 * h, h)
    s = math.pi * np.sinh(t)
    u = 1.0 / (1.0 + np.exp(-s))
    v = 1.0 / (1.0 + np.exp(s))
    # du/dt = pi cosh t * u (1 - u)
    w = h * math.pi * np.cosh(t) * u * v
    return u, v, w


_U, _V, _W = tanh_sinh_nodes()


def _gamma_quantiles(a: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Gamma(shape ``a``, ``scale``) quantiles at the tanh-sinh nodes, and the weights (nodes
    whose quantile is not finite are dropped with their weight)."""
    lower = _U <= 0.5
    g = np.empty_like(_U)
    with np.errstate(all="ignore"):
        g[lower] = gammaincinv(a, _U[lower])
        g[~lower] = gammainccinv(a, _V[~lower])
    g *= scale
    ok = np.isfinite(g) & (g >= 0.0)
    return g[ok], _W[ok]


def vg_mixture_put(F: FloatLike, K: FloatLike, T: float, D: FloatLike, sigma: float, nu: float,
                   theta: float) -> np.ndarray:
    """VG put prices of one maturity by the gamma-mixture quadrature (module docstring).

    Parameters
    ----------
    F, K, D : ndarray
        Forwards, strikes and discount factors of the options (one maturity ``T``).
    T : float
        Years to expiry, > 0.
    sigma, nu, theta : float
        VG parameters (``1 - theta nu - sigma^2 nu / 2 > 0``).

    Returns
    -------
    ndarray
        Put prices (currency), the shape of ``K``.
    """
    F = np.asarray(F, dtype=np.float64)
    K = np.asarray(K, dtype=np.float64)
    D = np.asarray(D, dtype=np.float64)
    omega = math.log1p(-theta * nu - 0.5 * sigma * sigma * nu) / nu
    g, w = _gamma_quantiles(T / nu, nu)
    w = w / w.sum()                      # the rule integrates 1 exactly
    var = sigma * sigma * g              # total variance given the clock
    sd = np.sqrt(var)
    lnf = omega * T + (theta + 0.5 * sigma * sigma) * g   # ln(F_g / F)
    shape = np.broadcast_shapes(F.shape, K.shape, D.shape)
    Ff = np.broadcast_to(F, shape).reshape(-1)
    Kf = np.broadcast_to(K, shape).reshape(-1)
    x = np.log(Ff / Kf)[:, None] + lnf[None, :]                  # ln(F_g / K)
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = (x + 0.5 * var[None, :]) / sd[None, :]
        d2 = d1 - sd[None, :]
        put = Kf[:, None] * ndtr(-d2) - (Ff[:, None] * np.exp(lnf)[None, :]) * ndtr(-d1)
    zero = sd[None, :] == 0.0
    if zero.any():
        intrinsic = np.maximum(Kf[:, None] - Ff[:, None] * np.exp(lnf)[None, :], 0.0)
        put = np.where(zero, intrinsic, put)
    out = (put @ w).reshape(shape)
    return np.broadcast_to(D, shape) * out


def vg_mixture_price(F: FloatLike, K: FloatLike, T: FloatLike, D: FloatLike, w: FloatLike,
                     sigma: float, nu: float, theta: float) -> np.ndarray:
    """VG prices of options on several maturities (``w`` = +1 call, -1 put), flat arrays.

    Calls by put-call parity ``C = P + D (F - K)``; prices clipped to the no-arbitrage bounds
    (as the cosine pricer does); ``T == 0`` gives the intrinsic value.

    Parameters
    ----------
    F, K : array_like
        Forwards and strikes (currency), > 0; flattened.
    T : array_like
        Years to expiry, >= 0; one quadrature per distinct value.
    D : array_like
        Discount factors to expiry, > 0.
    w : array_like
        +1 for a call, -1 for a put.
    sigma, nu, theta : float
        VG parameters: vol (per sqrt(year) of gamma time), variance rate of the gamma clock
        (years) and drift of the subordinated Brownian motion; ``1 - theta nu - sigma^2 nu / 2
        > 0``. Not validated here (the public pricers check them).

    Returns
    -------
    ndarray
        Prices (currency), shape ``(n,)`` (the flattened inputs), within
        ``[max(w D (F - K), 0), D F (call) or D K (put)]``.
    """
    F, K, T, D, w = (np.asarray(a, dtype=np.float64).reshape(-1) for a in (F, K, T, D, w))
    out = np.empty(F.shape)
    for t in np.unique(T):
        sel = T == t
        if t <= 0.0:
            out[sel] = D[sel] * np.maximum(w[sel] * (F[sel] - K[sel]), 0.0)
            continue
        put = vg_mixture_put(F[sel], K[sel], float(t), D[sel], sigma, nu, theta)
        fwd = D[sel] * (F[sel] - K[sel])
        price = np.where(w[sel] < 0.0, put, put + fwd)
        lo = np.maximum(w[sel] * fwd, 0.0)
        hi = D[sel] * np.where(w[sel] < 0.0, K[sel], F[sel])
        out[sel] = np.minimum(np.maximum(price, lo), hi)
    return out
