"""Fourier pricing of European options from a characteristic function: COS and Carr-Madan FFT.

COS (Fang & Oosterlee 2008). For one maturity, the density of ``y = ln(S_T/F_T)`` is expanded in
a cosine series on ``[a, b] = c1 -/+ L sqrt(c2 + sqrt(c4))`` (cumulants of ``y``, ``L = 12``),
and the put ``D E[(K - F e^y)^+]`` becomes

    P(K) = D * 2/(b-a) * sum'_k Re[phi(u_k) e^{-i u_k a}] * (K psi_k(a, c) - F chi_k(a, c)),

``u_k = k pi/(b - a)``, ``c = clip(ln(K/F), a, b)``, with ``chi_k, psi_k`` the closed-form cosine
integrals of ``e^y`` and ``1`` over ``[a, c]`` (the first term halved). Calls are priced as puts
plus parity, ``C = P + D (F - K)``, as Fang & Oosterlee recommend for stability. The number of
terms is chosen per maturity: the series stops once the tail bound
``|phi(u_k)| * 4 max(K/F, 1) (b - a) / (pi^2 k)`` stays below ``tol`` (relative to the forward)
for four consecutive terms, so fast-decaying characteristic functions (Heston, Merton, long
maturities) need a few hundred terms. When the bound does not hold within ``COS_N_APRIORI``
terms (short-dated CGMY with small ``Y``, whose ``|phi|`` decays like ``exp(-c T u^Y)``), the
sum is continued in doublings up to ``n_max`` and stops once a doubling moves no price by more
than ``tol`` x forward: the bound assumes no cancellation between terms and would ask for
millions of terms where the oscillating sum has settled after ~10^5.

The kernel (:func:`_cos_surface`) works on a whole surface of quotes sorted by maturity, computes
the cosine factors for all strikes of a maturity by a rotation recurrence (resynchronised every
64 terms), and can return the Jacobian of the prices in the model parameters from the gradient
of ``ln phi`` in the same sum (the calibrator's analytic Jacobian). :func:`_cos_reference` is the
slow, readable formula it is tested against.

Carr-Madan (1999): damped call transform on an FFT grid of log-strikes (Simpson weights) and a
cubic interpolation to the requested strikes; an independent check of COS.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from core._validate import as_bool_array, as_float_array, check_finite, check_range
from core.errors import DataError
from core.pricing.charfuncs import (CGMY, cumulants_kernel as _cumulants, dlogcf_kernel as _dlogcf,
                                    get_model, logcf_kernel as _logcf)
from core._typing import ArrayLike, FloatLike, ParamsLike

__all__ = ["cos_price", "cos_price_jacobian", "carr_madan_price"]

#: Default COS settings: range width in "standard deviations", tail tolerance (x forward), caps.
COS_L = 12.0
COS_TOL = 1e-10
COS_N_MIN = 32
COS_N_MAX = 1 << 18
# Terms within which the a-priori tail bound must hold; past it the sum goes on in doublings
# with an a-posteriori stop (only slowly decaying characteristic functions get there).
COS_N_APRIORI = 1 << 14
_RESYNC = 64
# Below this many quotes the serial kernel is used (thread start-up costs more than it saves).
_PARALLEL_MIN = 50_000


# --------------------------------------------------------------------------------------------
# kernel
# --------------------------------------------------------------------------------------------
# CGMY tails: the Levy density decays like e^{-G|x|} (left) and e^{-M x} (right), so at short
# maturities the law of ln(S_T/F) has exponential tails whose scale 1/G, 1/M does not shrink
# with T, while the cumulant range L sqrt(c2 + sqrt(c4)) does: the range must also reach
# ln(C T / tol) / G to the left and / M to the right, where the tail mass is below the
# series tolerance (the mass beyond x is about C T e^{-G x} / (G x^{1+Y})).
@njit(cache=True)
def _cos_range(model, T, p, L, tol=1e-10):
    c1, c2, c4 = _cumulants(model, T, p)
    half = L * math.sqrt(abs(c2) + math.sqrt(abs(c4)))
    lo, hi = c1 - half, c1 + half
    if model == CGMY:
        reach = math.log(max(p[0] * T, 1e-300) / (0.01 * tol))
        if reach > 0.0:
            lo = min(lo, c1 - reach / p[1])
            hi = max(hi, c1 + reach / p[2])
    return lo, hi


@njit(cache=True, fastmath=True)
def _cos_accumulate(k0, N, bma, theta, ct, st, kk, fec, fea, A, acc, cs, sn, vbuf):
    """Hot loop of :func:`_cos_surface`: ``acc[r, j] += A[r, k] V_k(strike j)`` for k = k0..N-1.

    ``V_k = K psi_k - F chi_k`` with the cosine/sine of ``k theta_j`` advanced by rotation and
    recomputed every ``_RESYNC`` terms; ``cs, sn`` hold the cosine/sine of ``(k0 - 1) theta_j``
    on entry and of ``(N - 1) theta_j`` on exit, so a sum can be continued. Vectorised over
    strikes (fastmath: reassociation only; every quantity here is finite).
    """
    nj = theta.shape[0]
    rows = A.shape[0]
    for k in range(k0, N):
        u = k * math.pi / bma
        iu = 1.0 / u
        iw = 1.0 / (1.0 + u * u)
        if k % _RESYNC == 0:
            for j in range(nj):
                cs[j] = math.cos(k * theta[j])
                sn[j] = math.sin(k * theta[j])
        else:
            for j in range(nj):
                c0 = cs[j]
                s0 = sn[j]
                cs[j] = c0 * ct[j] - s0 * st[j]
                sn[j] = s0 * ct[j] + c0 * st[j]
        if rows == 1:
            a0 = A[0, k]
            for j in range(nj):
                acc[0, j] += a0 * (kk[j] * sn[j] * iu
                                   - (fec[j] * (cs[j] + u * sn[j]) - fea[j]) * iw)
        else:
            for j in range(nj):
                vbuf[j] = kk[j] * sn[j] * iu - (fec[j] * (cs[j] + u * sn[j]) - fea[j]) * iw
            for r in range(rows):
                ar = A[r, k]
                for j in range(nj):
                    acc[r, j] += ar * vbuf[j]


@njit(cache=True)
def _cos_coeffs(model, p, T, a, bma, k0, k1, njac, A, phis):
    """Series weights ``A[0, k] = Re[phi(u_k) e^{-i u_k a}]`` and their parameter gradients
    ``A[1 + r, k]`` for ``k = k0..k1-1`` (used when a sum is extended past the a-priori stop)."""
    pi = math.pi
    grad = np.empty(max(njac, 1), dtype=np.complex128)
    for k in range(k0, k1):
        u = k * pi / bma
        lphi = _logcf(model, complex(u, 0.0), T, p)
        phi = np.exp(lphi) if lphi.real > -745.0 else 0j
        phis[k] = phi
        rot = phi * complex(math.cos(u * a), -math.sin(u * a))
        A[0, k] = rot.real
        if njac > 0:
            _dlogcf(model, complex(u, 0.0), T, p, grad)
            for r in range(njac):
                A[1 + r, k] = (grad[r] * rot).real


@njit(cache=True)
def _cos_group(model, p, T, i0, i1, F, K, D, w, L, tol, n_min, n_max, njac, out, jac):
    """COS prices (and Jacobian rows) of quotes ``i0:i1``, all of maturity ``T``; returns the
    number of cosine terms used. Arguments as in :func:`_cos_surface`.

    The series stops at the a-priori tail bound (module docstring) if it holds within
    ``COS_N_APRIORI`` terms. Characteristic functions that decay too slowly for that (CGMY with
    small ``Y`` at short maturities: ``|phi(u)| ~ exp(-c T u^Y)``) are summed on in doublings up
    to ``n_max``, stopping once a doubling changes no price by more than ``tol`` x forward (the
    terms fall off like ``1/k^2`` times ``|phi|`` with oscillating signs, so the bound above,
    which assumes no cancellation, asks for far more terms than the sum needs)."""
    pi = math.pi
    nj = i1 - i0
    rows = 1 + njac
    a, b = _cos_range(model, T, p, L, tol)
    bma = b - a
    kr = 1.0
    for j in range(i0, i1):
        kr = max(kr, K[j] / F[j])
    scale = 4.0 * kr * bma / (pi * pi)
    A = np.empty((rows, n_max))
    phis = np.empty(n_max, dtype=np.complex128)
    # characteristic function until the tail bound holds for four consecutive terms
    n_pri = min(n_max, COS_N_APRIORI)
    N = n_pri
    converged = False
    ok = 0
    for k in range(n_pri):
        u = k * pi / bma
        lphi = _logcf(model, complex(u, 0.0), T, p)
        phi = np.exp(lphi) if lphi.real > -745.0 else 0j
        phis[k] = phi
        A[0, k] = (phi * complex(math.cos(u * a), -math.sin(u * a))).real
        if k >= n_min and abs(phi) * scale < tol * k:
            ok += 1
            if ok >= 4:
                N = k + 1
                converged = True
                break
        else:
            ok = 0
    if njac > 0:
        grad = np.empty(njac, dtype=np.complex128)
        for k in range(N):
            u = k * pi / bma
            _dlogcf(model, complex(u, 0.0), T, p, grad)
            rot = phis[k] * complex(math.cos(u * a), -math.sin(u * a))
            for r in range(njac):
                A[1 + r, k] = (grad[r] * rot).real
    # per-strike state: integration end c, rotation by theta = pi (c - a)/(b - a)
    ct = np.empty(nj)
    st = np.empty(nj)
    cs = np.ones(nj)
    sn = np.zeros(nj)
    kk = np.empty(nj)
    fec = np.empty(nj)
    fea = np.empty(nj)
    theta = np.empty(nj)
    vbuf = np.empty(nj)
    acc = np.empty((rows, nj))
    ea = math.exp(a)
    for j in range(nj):
        q = i0 + j
        c = min(max(math.log(K[q] / F[q]), a), b)
        th = pi * (c - a) / bma
        theta[j] = th
        ct[j] = math.cos(th)
        st[j] = math.sin(th)
        kk[j] = K[q]
        fec[j] = F[q] * math.exp(c)
        fea[j] = F[q] * ea
        v0 = 0.5 * (K[q] * (c - a) - (fec[j] - fea[j]))
        for r in range(rows):
            acc[r, j] = A[r, 0] * v0
    _cos_accumulate(1, N, bma, theta, ct, st, kk, fec, fea, A, acc, cs, sn, vbuf)
    f = 2.0 / bma
    if not converged:               # a-posteriori: continue in doublings until prices settle
        prev = np.empty(nj)
        while N < n_max:
            N2 = min(2 * N, n_max)
            _cos_coeffs(model, p, T, a, bma, N, N2, njac, A, phis)
            for j in range(nj):
                prev[j] = acc[0, j]
            _cos_accumulate(N, N2, bma, theta, ct, st, kk, fec, fea, A, acc, cs, sn, vbuf)
            N = N2
            change = 0.0
            for j in range(nj):
                q = i0 + j
                change = max(change, abs(acc[0, j] - prev[j]) * f * D[q] / F[q])
            if change < tol:
                break
    for j in range(nj):
        q = i0 + j
        put = D[q] * f * acc[0, j]
        fwd = D[q] * (F[q] - K[q])
        price = put if w[q] < 0.0 else put + fwd
        lo = max(w[q] * fwd, 0.0)
        hi = D[q] * (K[q] if w[q] < 0.0 else F[q])
        out[q] = min(max(price, lo), hi)
        for r in range(njac):
            jac[q, r] = D[q] * f * acc[1 + r, j]
    return N


@njit(cache=True)
def _cos_surface(model, p, Tu, start, F, K, D, w, L, tol, n_min, n_max, njac, out, jac, n_used):
    """COS prices (and optionally the parameter Jacobian) of quotes grouped by maturity.

    Parameters
    ----------
    model : int
        Model id of :mod:`core.pricing.charfuncs`.
    p : ndarray
        Model parameters.
    Tu : ndarray, shape (G,)
        Maturity of each group, years.
    start : ndarray of int64, shape (G + 1,)
        Quotes ``start[g]:start[g+1]`` belong to group ``g``.
    F, K, D, w : ndarray, shape (n,)
        Forward, strike, discount factor and +1 (call) / -1 (put) per quote.
    L, tol : float
        Range width and tail tolerance (relative to the forward).
    n_min, n_max : int
        Bounds on the number of cosine terms.
    njac : int
        0 for prices only, else ``len(p)`` (fills ``jac`` with dPrice/dp).
    out : ndarray, shape (n,)
    jac : ndarray, shape (n, njac) or (n, 0)
    n_used : ndarray of int64, shape (G,)
        Number of terms used per group (diagnostics).
    """
    for g in range(Tu.shape[0]):
        if start[g + 1] > start[g]:
            n_used[g] = _cos_group(model, p, Tu[g], start[g], start[g + 1], F, K, D, w, L, tol,
                                   n_min, n_max, njac, out, jac)


@njit(cache=True, parallel=True)
def _cos_surface_parallel(model, p, Tu, start, F, K, D, w, L, tol, n_min, n_max, njac, out, jac,
                          n_used):
    """:func:`_cos_surface` with the maturities spread over threads."""
    for g in prange(Tu.shape[0]):
        if start[g + 1] > start[g]:
            n_used[g] = _cos_group(model, p, Tu[g], start[g], start[g + 1], F, K, D, w, L, tol,
                                   n_min, n_max, njac, out, jac)


# --------------------------------------------------------------------------------------------
# array plumbing
# --------------------------------------------------------------------------------------------
def _group(T: np.ndarray):
    """Sort order, unique maturities and group starts of a flat maturity array."""
    order = np.argsort(T, kind="stable")
    Ts = T[order]
    Tu, first = np.unique(Ts, return_index=True)
    start = np.append(first, Ts.size).astype(np.int64)
    return order, Tu, start


def _cos_flat(spec, p, F, K, T, D, w, *, L, tol, n_max, njac):
    """COS on flat float arrays (no validation); returns prices, Jacobian, terms per maturity."""
    n = F.size
    out = np.empty(n)
    jac = np.zeros((n, njac))
    live = T > 0.0
    if not np.all(live):            # expired: intrinsic value
        out[~live] = np.maximum(w[~live] * D[~live] * (F[~live] - K[~live]), 0.0)
    idx = np.flatnonzero(live)
    if idx.size == 0:
        return out, jac, np.zeros(0, dtype=np.int64)
    order, Tu, start = _group(T[idx])
    sel = idx[order]
    o = np.empty(sel.size)
    jo = np.zeros((sel.size, njac))
    n_used = np.zeros(Tu.size, dtype=np.int64)
    kernel = _cos_surface_parallel if (Tu.size > 1 and sel.size >= _PARALLEL_MIN) else _cos_surface
    kernel(spec.model_id, p, Tu, start, F[sel], K[sel], D[sel], w[sel], float(L), float(tol),
           COS_N_MIN, int(max(n_max, COS_N_MIN + 8)), njac, o, jo, n_used)
    out[sel] = o
    jac[sel] = jo
    return out, jac, n_used


def _check_settings(L, tol, n_max) -> None:
    if not (math.isfinite(L) and L > 0):
        raise DataError(f"L must be > 0, got {L}")
    if not (math.isfinite(tol) and tol > 0):
        raise DataError(f"tol must be > 0, got {tol}")
    if not n_max >= COS_N_MIN:
        raise DataError(f"n_max must be >= {COS_N_MIN}, got {n_max}")


def _prepare(F, K, T, D, is_call):
    arrays = {}
    for name, val in (("F", F), ("K", K), ("T", T), ("D", D)):
        arr = as_float_array(name, val)
        check_finite(name, arr)
        arrays[name] = arr
    for name in ("F", "K", "D"):
        check_range(name, arrays[name], lo=0.0)
    check_range("T", arrays["T"], lo=0.0, strict=False)
    w = np.where(as_bool_array("is_call", is_call), 1.0, -1.0)
    try:
        b = np.broadcast_arrays(*arrays.values(), w)
    except ValueError as exc:
        raise DataError(f"F, K, T, D, is_call must broadcast to one shape: {exc}") from exc
    shape = b[0].shape
    return [np.ascontiguousarray(x, dtype=np.float64).reshape(-1) for x in b], shape


def cos_price(model: str, params: ParamsLike, F: FloatLike, K: FloatLike, T: FloatLike,
              D: FloatLike, is_call: ArrayLike, *, L: float = COS_L, tol: float = COS_TOL,
              n_max: int = COS_N_MAX) -> np.ndarray:
    """European option prices by the COS method, from forwards and discount factors.

    Parameters
    ----------
    model : str
        ``"heston"``, ``"bates"``, ``"merton"``, ``"vg"`` or ``"cgmy"``.
    params : dict or sequence
        Model parameters (:data:`core.pricing.charfuncs.MODELS`).
    F : array_like
        Forward of the underlying to each expiry (currency), > 0.
    K : array_like
        Strikes (currency), > 0.
    T : array_like
        Years to expiry (ACT/365), >= 0; equal maturities share one characteristic function.
    D : array_like
        Discount factors to expiry, > 0.
    is_call : array_like of bool
        True for calls, False for puts ('C'/'P' accepted).
    L : float
        Truncation range half-width in units of ``sqrt(c2 + sqrt(c4))``.
    tol : float
        Target truncation error of the series, relative to the forward.
    n_max : int
        Cap on the number of cosine terms per maturity.

    Returns
    -------
    ndarray
        Prices (currency) with the broadcast shape of the inputs, clipped to the no-arbitrage
        bounds ``[max(w D (F - K), 0), D F (call) or D K (put)]``.
    """
    spec = get_model(model)
    p = spec.as_array(params)
    _check_settings(L, tol, n_max)
    (F, K, T, D, w), shape = _prepare(F, K, T, D, is_call)
    out, _, _ = _cos_flat(spec, p, F, K, T, D, w, L=L, tol=tol, n_max=n_max, njac=0)
    return out.reshape(shape)


def cos_price_jacobian(model: str, params: ParamsLike, F: FloatLike, K: FloatLike, T: FloatLike,
                       D: FloatLike, is_call: ArrayLike, *, L: float = COS_L, tol: float = COS_TOL,
                       n_max: int = COS_N_MAX) -> tuple[np.ndarray, np.ndarray]:
    """COS prices and their derivatives in the model parameters, from one quadrature.

    Same arguments as :func:`cos_price`. Returns ``(prices, jac)`` with ``prices`` flattened to
    shape ``(n,)`` and ``jac`` of shape ``(n, n_params)`` (currency per unit of each parameter,
    in the model's parameter order). The truncation range is held fixed, as the derivative of
    the converged series.

    Parameters
    ----------
    model : str
        ``"heston"``, ``"bates"``, ``"merton"``, ``"vg"`` or ``"cgmy"``.
    params : dict or sequence
        Model parameters (:data:`core.pricing.charfuncs.MODELS`).
    F : array_like
        Forward of the underlying to each expiry (currency), > 0.
    K : array_like
        Strikes (currency), > 0.
    T : array_like
        Years to expiry (ACT/365), >= 0.
    D : array_like
        Discount factors to expiry, > 0.
    is_call : array_like of bool
        True for calls, False for puts ('C'/'P' accepted).
    L : float
        Truncation range half-width in units of ``sqrt(c2 + sqrt(c4))``.
    tol : float
        Target truncation error of the series, relative to the forward.
    n_max : int
        Cap on the number of cosine terms per maturity.

    Returns
    -------
    prices : ndarray
        Shape ``(n,)``: the prices (currency) of the broadcast inputs, flattened, as
        :func:`cos_price`.
    jac : ndarray
        Shape ``(n, n_params)``: ``d price / d parameter`` (currency per unit of each
        parameter, in :attr:`ModelSpec.param_names` order).

    Raises
    ------
    DataError
        An unknown model, bad parameters, inputs or settings (as :func:`cos_price`).
    """
    spec = get_model(model)
    p = spec.as_array(params)
    _check_settings(L, tol, n_max)
    (F, K, T, D, w), _ = _prepare(F, K, T, D, is_call)
    out, jac, _ = _cos_flat(spec, p, F, K, T, D, w, L=L, tol=tol, n_max=n_max,
                            njac=spec.n_params)
    return out, jac


def _cos_reference(model: str, params, F: float, K, T: float, D: float, is_call, *,
                   L: float = COS_L, N: int = 512) -> np.ndarray:
    """Slow, readable COS with ``N`` terms and explicit cosines (for tests; no validation)."""
    spec = get_model(model)
    p = spec.as_array(params)
    c1, c2, c4 = _cumulants(spec.model_id, float(T), p)
    half = L * math.sqrt(abs(c2) + math.sqrt(abs(c4)))
    a, b = c1 - half, c1 + half
    k = np.arange(N)
    u = k * np.pi / (b - a)
    phi = np.exp([_logcf(spec.model_id, complex(x, 0.0), float(T), p) for x in u])
    weights = (phi * np.exp(-1j * u * a)).real
    weights[0] *= 0.5
    K, calls = np.broadcast_arrays(np.atleast_1d(np.asarray(K, dtype=float)),
                                   np.asarray(is_call, dtype=bool))
    out = np.empty(K.size)
    for i, (strike, call) in enumerate(zip(K.ravel(), calls.ravel())):
        c = min(max(math.log(strike / F), a), b)
        with np.errstate(divide="ignore", invalid="ignore"):
            psi = np.where(k == 0, c - a, np.sin(u * (c - a)) / np.where(k == 0, 1.0, u))
        chi = (np.cos(u * (c - a)) * math.exp(c) - math.exp(a)
               + u * np.sin(u * (c - a)) * math.exp(c)) / (1.0 + u * u)
        put = D * 2.0 / (b - a) * np.sum(weights * (strike * psi - F * chi))
        out[i] = put + (D * (F - strike) if call else 0.0)
    return out


# --------------------------------------------------------------------------------------------
# Carr-Madan FFT
# --------------------------------------------------------------------------------------------
def carr_madan_price(model: str, params: ParamsLike, F: float, K: FloatLike, T: float, D: float,
                     is_call: ArrayLike, *, alpha: float = 0.75, n: int = 1 << 14,
                     eta: float = 0.1) -> np.ndarray:
    """European prices by the Carr-Madan (1999) FFT, for one maturity.

    Parameters
    ----------
    model, params
        As in :func:`cos_price`.
    F, D : float
        Forward and discount factor to the maturity.
    K : array_like
        Strikes (currency), > 0.
    T : float
        Years to expiry, > 0.
    is_call : array_like of bool
        True for calls; puts come from parity.
    alpha : float
        Damping exponent; ``E[S_T^(1+alpha)]`` must be finite (e.g. CGMY needs ``M > 1 + alpha``).
    n, eta : int, float
        FFT size and spacing of the Fourier grid; the log-strike spacing is ``2 pi / (n eta)``.

    Returns
    -------
    ndarray
        Prices with the broadcast shape of ``K`` and ``is_call``. Accuracy is set by the grid
        (about 1e-7 of the forward for the defaults and well-behaved models), not adaptive.
    """
    from scipy.interpolate import CubicSpline

    from core.pricing.charfuncs import charfunc

    K = as_float_array("K", K)
    check_finite("K", K)
    check_range("K", K, lo=0.0)
    w = as_bool_array("is_call", is_call)
    K, w = np.broadcast_arrays(K, w)
    lam = 2.0 * np.pi / (n * eta)
    v = np.arange(n) * eta
    bound = 0.5 * n * lam
    u = v - 1j * (alpha + 1.0)
    phi = charfunc(model, u, T, params)                     # cf of ln(S_T/F)
    psi = phi / (alpha * alpha + alpha - v * v + 1j * (2.0 * alpha + 1.0) * v)
    simpson = (3.0 + (-1.0) ** (np.arange(n) + 1)) / 3.0
    simpson[0] = 1.0 / 3.0
    x = np.exp(1j * bound * v) * psi * eta * simpson
    k_grid = -bound + lam * np.arange(n)                    # ln(K/F)
    calls = F * np.exp(-alpha * k_grid) / np.pi * np.fft.fft(x).real
    ln_k = np.log(K / F)
    window = (k_grid > -3.0) & (k_grid < 3.0)
    spline = CubicSpline(k_grid[window], calls[window])
    call = D * spline(ln_k)
    return np.where(w, call, call - D * (F - K))


# COS engines shared with the calibration objective and the model pricers; no validation.
#: ``cos_surface_kernel(model, p, Tu, start, F, K, D, w, L, tol, n_min, n_max, njac, out, jac,
#: n_used)``: COS prices (and Jacobian) of quotes grouped by maturity, in place (numba).
cos_surface_kernel = _cos_surface
#: ``cos_flat(spec, p, F, K, T, D, w, *, L, tol, n_max, njac) -> (prices, jacobian, n_terms)``
#: on flat float64 arrays (expired quotes at intrinsic value).
cos_flat = _cos_flat
__all__ += ["cos_surface_kernel", "cos_flat"]
