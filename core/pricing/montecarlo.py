"""Monte Carlo: GBM, Merton jump-diffusion, Heston (Andersen QE) and correlated multi-asset GBM;
estimators with antithetic variates, control variates and confidence intervals; Greeks by finite
differences with common random numbers.

Conventions: ``T`` in years (ACT/365), ``r``, ``q`` continuously compounded, vols decimals,
risk-neutral drift ``r - q`` (pass a real-world drift as ``r`` with ``q = 0`` for risk work).
Randomness enters as ``rng: numpy.random.Generator | int | None`` only. With ``antithetic=True``
rows ``2i`` and ``2i+1`` of every simulator's output are an antithetic pair (opposite normals);
estimators average the pairs before computing standard errors, so the errors stay honest.

Heston paths run in a numba-parallel kernel (:mod:`core.pricing._mc_kernels`) whose per-block
generators are seeded from ``rng``, so results do not depend on the number of threads. GBM,
Merton and correlated GBM draw their normals from ``rng`` directly (vectorised numpy).
"""
from __future__ import annotations

from typing import Any

import math

import numpy as np

from core.errors import DataError
import core.pricing._mc_kernels as _k
from core.pricing.black_scholes import bs_price
from core.pricing.mc_estimates import MCGreeks, MCResult, mc_estimate
from core._typing import ArrayLike, RngLike

__all__ = ["MCResult", "MCGreeks", "MODELS", "mc_estimate", "gbm_terminal", "gbm_paths",
           "merton_terminal", "merton_paths", "heston_terminal", "heston_paths",
           "correlated_gbm_terminal", "correlated_gbm_paths", "mc_european", "mc_greeks"]

MODELS = {"gbm": ("sigma",), "merton": ("sigma", "lam", "mu_j", "sigma_j"),
          "heston": ("v0", "kappa", "theta", "sigma", "rho")}



# ---------------------------------------------------------------------------------------------
# simulators
# ---------------------------------------------------------------------------------------------
def _gen(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise DataError(f"rng must be a numpy Generator, an int seed or None, got {type(rng).__name__}")


def _num(name: str, value, lo: float | None = None, strict: bool = True) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a number, got {value!r}") from exc
    if not math.isfinite(v) or (lo is not None and (v <= lo if strict else v < lo)):
        raise DataError(f"{name} must be {'>' if strict else '>='} {lo:g}, got {value!r}"
                        if lo is not None else f"{name} must be finite, got {value!r}")
    return v


def _count(name: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise DataError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _normals(g: np.random.Generator, shape: tuple, antithetic: bool) -> np.ndarray:
    """Standard normals of ``shape``; with ``antithetic`` rows 2i+1 are minus rows 2i."""
    n = shape[0]
    if not antithetic:
        return g.standard_normal(shape)
    half = g.standard_normal(((n + 1) // 2,) + shape[1:])
    out = np.empty(shape)
    out[0::2] = half
    out[1::2] = -half[: n // 2]
    return out


def gbm_terminal(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike, n: int,
                 *, rng: RngLike | None = None, antithetic: bool = False) -> np.ndarray:
    """``n`` exact draws of ``S_T = S exp((r - q - sigma^2/2) T + sigma sqrt(T) Z)``.

    Parameters
    ----------
    S : float
        Spot, > 0. ``T`` years (ACT/365) >= 0; ``r``, ``q`` continuously compounded; ``sigma`` >= 0.
    n : int
        Number of draws. ``rng``: Generator, seed or None. ``antithetic``: pair rows 2i, 2i+1.
    T : float
        Maturity, years (ACT/365), >= 0.
    r, q : float
        Continuously compounded rate and dividend yield, decimals per year.
    sigma : float
        Volatility, decimal, >= 0.
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Rows ``2i`` and ``2i+1`` use opposite normals.

    Returns
    -------
    ndarray, shape (n,)
    """
    S, T = _num("S", S, 0.0), _num("T", T, 0.0, strict=False)
    r, q, sigma = _num("r", r), _num("q", q), _num("sigma", sigma, 0.0, strict=False)
    z = _normals(_gen(rng), (_count("n", n),), antithetic)
    return S * np.exp((r - q - 0.5 * sigma * sigma) * T + sigma * math.sqrt(T) * z)


def gbm_paths(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike,
              n_paths: int, n_steps: int, *, rng: RngLike | None = None,
              antithetic: bool = False) -> np.ndarray:
    """GBM paths on an even time grid (exact in distribution at each step).

    Parameters
    ----------
    S : float
        Spot, currency, > 0.
    T : float
        Horizon, years (ACT/365), > 0.
    r, q : float
        Continuously compounded rate and dividend yield, decimals per year.
    sigma : float
        Volatility, decimal, >= 0.
    n_paths, n_steps : int
        Paths and time steps.
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Paths ``2i`` and ``2i+1`` use opposite normals.

    Returns
    -------
    ndarray, shape (n_paths, n_steps + 1)
        Column 0 is ``S``; column ``j`` is the price at ``j T / n_steps`` years.
    """
    S, T = _num("S", S, 0.0), _num("T", T, 0.0)
    r, q, sigma = _num("r", r), _num("q", q), _num("sigma", sigma, 0.0, strict=False)
    n_paths, n_steps = _count("n_paths", n_paths), _count("n_steps", n_steps)
    dt = T / n_steps
    z = _normals(_gen(rng), (n_paths, n_steps), antithetic)
    inc = (r - q - 0.5 * sigma * sigma) * dt + sigma * math.sqrt(dt) * z
    out = np.empty((n_paths, n_steps + 1))
    out[:, 0] = 0.0
    np.cumsum(inc, axis=1, out=out[:, 1:])
    return S * np.exp(out, out=out)


def _merton_args(sigma, lam, mu_j, sigma_j):
    return (_num("sigma", sigma, 0.0, strict=False), _num("lam", lam, 0.0, strict=False),
            _num("mu_j", mu_j), _num("sigma_j", sigma_j, 0.0, strict=False))


def _merton_log(g, T, r, q, sigma, lam, mu_j, sigma_j, shape, antithetic):
    """Log-increments over ``T`` (diffusion part, jump part) of Merton's model, each ``shape``."""
    kbar = math.exp(mu_j + 0.5 * sigma_j * sigma_j) - 1.0
    z = _normals(g, shape, antithetic)
    diff = (r - q - lam * kbar - 0.5 * sigma * sigma) * T + sigma * math.sqrt(T) * z
    n_jumps = g.poisson(lam * T, size=shape)
    if antithetic:
        n_jumps[1::2] = n_jumps[0::2][: shape[0] // 2]
    zj = _normals(g, shape, antithetic)
    jumps = n_jumps * mu_j + np.sqrt(n_jumps) * sigma_j * zj
    return diff, jumps, z


def merton_terminal(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike,
                    lam: ArrayLike, mu_j: ArrayLike, sigma_j: ArrayLike, n: int, *,
                    rng: RngLike | None = None, antithetic: bool = False) -> np.ndarray:
    """``n`` exact draws of ``S_T`` under Merton (1976) jump-diffusion.

    ``lam`` jumps per year; log-jump sizes ~ N(``mu_j``, ``sigma_j``^2); the drift is compensated,
    ``r - q - lam (e^{mu_j + sigma_j^2/2} - 1)``, so ``E[S_T] = S e^{(r-q)T}``. Antithetic pairs
    share the jump count and negate both normals.

    Parameters
    ----------
    S : float
        Spot, currency, > 0.
    T : float
        Maturity, years (ACT/365), >= 0.
    r, q : float
        Continuously compounded rate and dividend yield, decimals per year.
    sigma : float
        Diffusion volatility, decimal.
    lam : float
        Jump intensity, jumps per year.
    mu_j, sigma_j : float
        Mean and standard deviation of the log-jump size.
    n : int
        Number of draws.
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Draws ``2i`` and ``2i+1`` are an antithetic pair.

    Returns
    -------
    numpy.ndarray
        Shape (n,), currency.
    """
    S, T = _num("S", S, 0.0), _num("T", T, 0.0, strict=False)
    args = _merton_args(sigma, lam, mu_j, sigma_j)
    diff, jumps, _ = _merton_log(_gen(rng), T, _num("r", r), _num("q", q), *args,
                                 (_count("n", n),), antithetic)
    return S * np.exp(diff + jumps)


def merton_paths(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike,
                 lam: ArrayLike, mu_j: ArrayLike, sigma_j: ArrayLike, n_paths: int, n_steps: int,
                 *, rng: RngLike | None = None, antithetic: bool = False) -> np.ndarray:
    """Merton paths on an even time grid, shape ``(n_paths, n_steps + 1)`` (exact per step).

    Parameters
    ----------
    S, T, r, q, sigma, lam, mu_j, sigma_j
        As in :func:`merton_terminal` (``T`` > 0).
    n_paths, n_steps : int
        Paths and time steps.
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Paths ``2i`` and ``2i+1`` are an antithetic pair.

    Returns
    -------
    numpy.ndarray
        Shape (n_paths, n_steps + 1), currency; column 0 is ``S``.
    """
    S, T = _num("S", S, 0.0), _num("T", T, 0.0)
    args = _merton_args(sigma, lam, mu_j, sigma_j)
    n_paths, n_steps = _count("n_paths", n_paths), _count("n_steps", n_steps)
    diff, jumps, _ = _merton_log(_gen(rng), T / n_steps, _num("r", r), _num("q", q), *args,
                                 (n_paths, n_steps), antithetic)
    out = np.zeros((n_paths, n_steps + 1))
    np.cumsum(diff + jumps, axis=1, out=out[:, 1:])
    return S * np.exp(out, out=out)


def _heston(S, T, r, q, v0, kappa, theta, sigma, rho, n_paths, n_steps, rng, antithetic,
            martingale_correction, store):
    S, T = _num("S", S, 0.0), _num("T", T, 0.0)
    r, q = _num("r", r), _num("q", q)
    v0, theta = _num("v0", v0, 0.0, strict=False), _num("theta", theta, 0.0)
    kappa, sigma = _num("kappa", kappa, 0.0), _num("sigma", sigma, 0.0)
    rho = _num("rho", rho)
    if not -1.0 <= rho <= 1.0:
        raise DataError(f"rho must be in [-1, 1], got {rho}")
    n_paths, n_steps = _count("n_paths", n_paths), _count("n_steps", n_steps)
    n_blocks = -(-n_paths // _k.BLOCK)
    seeds = _gen(rng).integers(0, 2**63 - 1, size=n_blocks, dtype=np.int64).view(np.uint64)
    dt = T / n_steps
    out_x, out_v = np.empty(n_paths), np.empty(n_paths)
    shape = (n_paths, n_steps + 1) if store else (1, 1)
    px, pv = np.empty(shape), np.empty(shape)
    _k.heston_qe(seeds, n_paths, n_steps, dt, math.log(S), v0, kappa, theta, sigma, rho,
                 (r - q) * dt, bool(antithetic), bool(martingale_correction), bool(store),
                 out_x, out_v, px, pv)
    return out_x, out_v, px, pv


def _heston_qe_reference(u, S, T, r, q, v0, kappa, theta, sigma, rho, antithetic=False,
                         martingale_correction=True):
    """Readable numpy version of the QE kernel, for tests: ``u`` holds the uniforms the kernel
    draws, shape ``(n_draws, n_steps, 3)`` = (u1, u2, U_v) per step (``n_draws`` = paths, or
    antithetic pairs). Returns terminal ``(S_T, v_T)`` in the kernel's row order."""
    n_draw, n_steps, _ = u.shape
    dt = T / n_steps
    rad = np.sqrt(-2.0 * np.log(u[..., 0]))
    zv, zs, uv = rad * np.cos(2 * np.pi * u[..., 1]), rad * np.sin(2 * np.pi * u[..., 1]), u[..., 2]
    if antithetic:  # rows 2i, 2i+1: the draws and their mirror images
        zv, zs, uv = (np.stack([a, b], axis=1).reshape(-1, n_steps)
                      for a, b in ((zv, -zv), (zs, -zs), (uv, 1.0 - uv)))
    e = math.exp(-kappa * dt)
    k1 = 0.5 * dt * (kappa * rho / sigma - 0.5) - rho / sigma   # Andersen eq. (33), gamma = 1/2
    k2 = 0.5 * dt * (kappa * rho / sigma - 0.5) + rho / sigma
    k3 = k4 = 0.5 * dt * (1.0 - rho * rho)
    A = k2 + 0.5 * k4
    x = np.full(zv.shape[0], math.log(S))
    v = np.full(zv.shape[0], float(v0))
    for j in range(n_steps):
        m = theta + (v - theta) * e                                   # E[v' | v]
        s2 = v * sigma**2 * e * (1 - e) / kappa + theta * sigma**2 * (1 - e) ** 2 / (2 * kappa)
        psi = s2 / m**2
        quad = psi <= 1.5
        t = 2 / psi
        b2 = np.where(quad, t - 1 + np.sqrt(np.maximum(t * (t - 1), 0.0)), 0.0)
        a = m / (1 + b2)
        p = np.where(quad, 0.0, (psi - 1) / (psi + 1))
        beta = (1 - p) / m
        v_quad = a * (np.sqrt(b2) + zv[:, j]) ** 2
        v_exp = np.where(uv[:, j] <= p, 0.0, np.log((1 - p) / (1 - uv[:, j])) / beta)
        vn = np.where(quad, v_quad, v_exp)
        k0 = np.full_like(v, -rho * kappa * theta * dt / sigma)
        if martingale_correction:   # section 7.2: K0* so that E[e^{x'-x}] = e^{(r-q) dt}
            ok_q = quad & (A < 0.5 / a)
            ok_e = ~quad & (A < beta)
            with np.errstate(invalid="ignore", divide="ignore"):
                kq = (-A * b2 * a / (1 - 2 * A * a) + 0.5 * np.log(1 - 2 * A * a)
                      - (k1 + 0.5 * k3) * v)
                ke = -np.log(p + beta * (1 - p) / (beta - A)) - (k1 + 0.5 * k3) * v
            k0 = np.where(ok_q, kq, np.where(ok_e, ke, k0))
        x = x + k0 + k1 * v + k2 * vn + np.sqrt(np.maximum(k3 * v + k4 * vn, 0)) * zs[:, j]
        x += (r - q) * dt
        v = vn
    return np.exp(x), v


def heston_terminal(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, v0: ArrayLike,
                    kappa: ArrayLike, theta: ArrayLike, sigma: ArrayLike, rho: ArrayLike,
                    n_paths: int, n_steps: int, *, rng: RngLike | None = None,
                    antithetic: bool = False,
                    martingale_correction: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Terminal ``(S_T, v_T)`` of Heston paths simulated by Andersen's QE scheme.

    Parameters
    ----------
    S, T, r, q : float
        Spot (> 0), maturity in years (> 0), continuously compounded rate and dividend yield.
    v0, kappa, theta, sigma, rho : float
        Initial variance, mean-reversion speed (per year), long-run variance, vol of variance,
        spot-variance correlation (``dv = kappa (theta - v) dt + sigma sqrt(v) dW``).
    n_paths, n_steps : int
        Paths and time steps (``dt = T / n_steps``).
    rng, antithetic
        As the other simulators.
    martingale_correction : bool
        Andersen's section 7.2 drift fix, making the discounted price an exact martingale.

    Returns
    -------
    (ndarray, ndarray)
        Terminal prices and variances, each shape ``(n_paths,)``. Memory stays O(n_paths).
    """
    x, v, _, _ = _heston(S, T, r, q, v0, kappa, theta, sigma, rho, n_paths, n_steps, rng,
                         antithetic, martingale_correction, False)
    return np.exp(x), v


def heston_paths(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, v0: ArrayLike,
                 kappa: ArrayLike, theta: ArrayLike, sigma: ArrayLike, rho: ArrayLike,
                 n_paths: int, n_steps: int, *, rng: RngLike | None = None,
                 antithetic: bool = False,
                 martingale_correction: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Full Heston QE paths ``(S, v)``, each of shape ``(n_paths, n_steps + 1)`` (same draws as
    :func:`heston_terminal` for the same ``rng``; 16 bytes per path-step of memory).

    Parameters
    ----------
    S : float
        Spot, currency, > 0.
    T : float
        Horizon, years (ACT/365), > 0.
    r, q : float
        Continuously compounded rate and dividend yield, decimals per year.
    v0, theta : float
        Initial and long-run variance (vol², decimals).
    kappa : float
        Mean-reversion speed, per year.
    sigma : float
        Vol of variance.
    rho : float
        Correlation of the spot and variance shocks, in [-1, 1].
    n_paths, n_steps : int
        Paths and time steps.
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Paths ``2i`` and ``2i+1`` use opposite normals.
    martingale_correction : bool
        Andersen's (2008, section 7.2) martingale correction of the QE log-spot step.

    Returns
    -------
    S, v : numpy.ndarray
        Each of shape (n_paths, n_steps + 1): spot (currency) and variance.
    """
    _, _, px, pv = _heston(S, T, r, q, v0, kappa, theta, sigma, rho, n_paths, n_steps, rng,
                           antithetic, martingale_correction, True)
    return np.exp(px, out=px), pv


def _corr_args(S, q, sigma, corr):
    S = np.atleast_1d(np.asarray(S, dtype=np.float64))
    d = S.size
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), (d,))
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (d,))
    corr = np.asarray(corr, dtype=np.float64)
    if corr.shape != (d, d):
        raise DataError(f"corr must be {d}x{d} for {d} assets, got shape {corr.shape}")
    for name, a in (("S", S), ("q", q), ("sigma", sigma), ("corr", corr)):
        if not np.all(np.isfinite(a)):
            raise DataError(f"{name} must be finite")
    if np.any(S <= 0) or np.any(sigma < 0):
        raise DataError("S must be > 0 and sigma >= 0 for every asset")
    if not (np.allclose(corr, corr.T) and np.allclose(np.diag(corr), 1.0)):
        raise DataError("corr must be symmetric with a unit diagonal")
    try:
        L = np.linalg.cholesky(corr)
    except np.linalg.LinAlgError as exc:
        raise DataError("corr must be positive definite (Cholesky failed)") from exc
    return S, q, sigma, L


def correlated_gbm_terminal(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike,
                            sigma: ArrayLike, corr: ArrayLike, n: int, *,
                            rng: RngLike | None = None, antithetic: bool = False) -> np.ndarray:
    """Terminal prices of ``d`` correlated GBMs (normals correlated by the Cholesky factor of
    ``corr``); ``S``, ``q``, ``sigma`` per asset, shape ``(d,)`` or scalars. Returns ``(n, d)``.

    Parameters
    ----------
    S : float or array_like
        Spots per asset, currency, > 0.
    T : float
        Maturity, years, >= 0.
    r : float
        Continuously compounded rate, decimal per year.
    q, sigma : float or array_like
        Dividend yields and vols per asset, decimals.
    corr : array_like
        (d, d) correlation matrix, positive definite.
    n : int
        Number of draws.
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Draws ``2i`` and ``2i+1`` use opposite normals.

    Returns
    -------
    numpy.ndarray
        Shape (n, d), currency.
    """
    S, q, sigma, L = _corr_args(S, q, sigma, corr)
    T, r = _num("T", T, 0.0, strict=False), _num("r", r)
    z = _normals(_gen(rng), (_count("n", n), S.size), antithetic) @ L.T
    return S * np.exp((r - q - 0.5 * sigma**2) * T + sigma * math.sqrt(T) * z)


def correlated_gbm_paths(S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike,
                         corr: ArrayLike, n_paths: int, n_steps: int, *,
                         rng: RngLike | None = None, antithetic: bool = False) -> np.ndarray:
    """Correlated GBM paths, shape ``(n_paths, n_steps + 1, d)``; column 0 is ``S``.

    Parameters
    ----------
    S, T, r, q, sigma, corr
        As in :func:`correlated_gbm_terminal` (``T`` > 0).
    n_paths, n_steps : int
        Paths and time steps.
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Paths ``2i`` and ``2i+1`` use opposite normals.

    Returns
    -------
    numpy.ndarray
        Shape (n_paths, n_steps + 1, d), currency.
    """
    S, q, sigma, L = _corr_args(S, q, sigma, corr)
    T, r = _num("T", T, 0.0), _num("r", r)
    n_paths, n_steps = _count("n_paths", n_paths), _count("n_steps", n_steps)
    dt = T / n_steps
    z = _normals(_gen(rng), (n_paths, n_steps, S.size), antithetic) @ L.T
    out = np.zeros((n_paths, n_steps + 1, S.size))
    np.cumsum((r - q - 0.5 * sigma**2) * dt + sigma * math.sqrt(dt) * z, axis=1, out=out[:, 1:])
    return S * np.exp(out, out=out)


# ---------------------------------------------------------------------------------------------
# European pricing and Greeks
# ---------------------------------------------------------------------------------------------
def _model_params(model: str, params: dict) -> dict:
    if model not in MODELS:
        raise DataError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    need = MODELS[model]
    missing = [p for p in need if p not in params]
    extra = [p for p in params if p not in need]
    if missing or extra:
        raise DataError(f"model {model!r} takes parameters {', '.join(need)}; "
                        f"missing {missing or 'none'}, unexpected {extra or 'none'}")
    return {p: float(params[p]) for p in need}


def _simulate(model, S, T, r, q, p, n, n_steps, seed, antithetic):
    """Terminal prices and (for gbm/merton) the jump-free GBM terminal on the same normals."""
    g = np.random.default_rng(seed)
    if model == "heston":
        ST, _ = heston_terminal(S, T, r, q, p["v0"], p["kappa"], p["theta"], p["sigma"], p["rho"],
                                n, n_steps, rng=g, antithetic=antithetic)
        return ST, None
    lam, mu_j, sj = (p["lam"], p["mu_j"], p["sigma_j"]) if model == "merton" else (0.0, 0.0, 0.0)
    args = _merton_args(p["sigma"], lam, mu_j, sj)
    diff, jumps, z = _merton_log(g, T, r, q, *args, (n,), antithetic)
    sig = args[0]
    gbm = S * np.exp((r - q - 0.5 * sig * sig) * T + sig * math.sqrt(T) * z)
    return S * np.exp(diff + jumps), gbm


def _payoff(ST, K, is_call):
    return np.maximum(ST - K, 0.0) if is_call else np.maximum(K - ST, 0.0)


def mc_european(S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike,
                is_call: bool, model: str = 'gbm', *, n_paths: int = 200000,
                n_steps: int | None = None, rng: RngLike | None = None, antithetic: bool = True,
                control: str | None = 'forward', confidence: float = 0.95,
                **params: Any) -> MCResult:
    """Monte Carlo price of a European call or put under ``model``.

    Parameters
    ----------
    S, K, T, r, q : float
        Spot, strike (currency, > 0), maturity (years, > 0), rate and dividend yield.
    is_call : bool
        Call (True) or put.
    model : {'gbm', 'merton', 'heston'}
        With parameters as keywords: gbm ``sigma``; merton ``sigma, lam, mu_j, sigma_j``;
        heston ``v0, kappa, theta, sigma, rho``.
    n_paths : int
        Paths (rounded up to even with ``antithetic``).
    n_steps : int, optional
        Heston time steps; default ``ceil(252 T)``. GBM and Merton are simulated exactly.
    control : {'forward', 'bs', None}
        Control variate: the discounted terminal price (known mean ``S e^{-qT}``), or the
        Black-Scholes vanilla on the jump-free GBM driven by the same normals (gbm, merton).
    rng : numpy.random.Generator, int or None
        Randomness.
    antithetic : bool
        Antithetic pairs of paths.
    confidence : float
        Level of the two-sided interval, in (0, 1).
    **params
        The model's parameters (see ``model``).

    Returns
    -------
    MCResult
    """
    p = _model_params(model, params)
    S, K, T = _num("S", S, 0.0), _num("K", K, 0.0), _num("T", T, 0.0)
    r, q = _num("r", r), _num("q", q)
    n = _count("n_paths", n_paths)
    n += n % 2 if antithetic else 0
    steps = _count("n_steps", n_steps if n_steps is not None else max(1, math.ceil(252 * T)))
    if control not in (None, "forward", "bs"):
        raise DataError(f"control must be 'forward', 'bs' or None, got {control!r}")
    if control == "bs" and model == "heston":
        raise DataError("control='bs' is available for the gbm and merton models")
    seed = int(_gen(rng).integers(0, 2**63 - 1))
    ST, gbm = _simulate(model, S, T, r, q, p, n, steps, seed, antithetic)
    df = math.exp(-r * T)
    y = df * _payoff(ST, K, is_call)
    if control == "forward":
        x, ex = df * ST, S * math.exp(-q * T)
    elif control == "bs":
        x = df * _payoff(gbm, K, is_call)
        ex = float(bs_price(S, K, T, r, q, p["sigma"], is_call))
    else:
        x = ex = None
    method = f"{model}, {'antithetic, ' if antithetic else ''}control={control}"
    return mc_estimate(y, control=x, control_mean=ex, antithetic=antithetic,
                       confidence=confidence, method=method)


def mc_greeks(S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, is_call: bool,
              model: str = 'gbm', *, n_paths: int = 200000, n_steps: int | None = None,
              rng: RngLike | None = None, antithetic: bool = True, rel_bump_S: float = 0.01,
              bump_vol: float = 0.01, bump_r: float = 0.0001, confidence: float = 0.95,
              **params: Any) -> MCGreeks:
    """Price, delta, gamma, vega and rho by central finite differences with common random
    numbers (every bumped run reuses one seed drawn from ``rng``, so bumps differ only by the
    bump). Standard errors come from the per-path differences.

    Bumps: spot ``S (1 +- rel_bump_S)``; vol ``+- bump_vol`` on ``sigma`` (gbm, merton) or on
    ``sqrt(v0)`` (heston: vega is the sensitivity to the initial instantaneous vol); rate
    ``+- bump_r``. Other arguments as :func:`mc_european` (no control variate here).

    Parameters
    ----------
    S, K, T, r, q, is_call, model, n_paths, n_steps, rng, antithetic, confidence, **params
        As in :func:`mc_european`.
    rel_bump_S : float
        Relative spot bump.
    bump_vol : float
        Absolute vol bump (decimal).
    bump_r : float
        Absolute rate bump (decimal per year).

    Returns
    -------
    MCGreeks
        ``price``, ``delta``, ``gamma``, ``vega``, ``rho`` as :class:`MCResult`; units as
        :func:`core.pricing.bs_greeks` (vega per 1.00 vol, rho per 1.00 rate).
    """
    p = _model_params(model, params)
    S, K, T = _num("S", S, 0.0), _num("K", K, 0.0), _num("T", T, 0.0)
    r, q = _num("r", r), _num("q", q)
    n = _count("n_paths", n_paths)
    n += n % 2 if antithetic else 0
    steps = _count("n_steps", n_steps if n_steps is not None else max(1, math.ceil(252 * T)))
    seed = int(_gen(rng).integers(0, 2**63 - 1))

    def run(S_=S, r_=r, dvol=0.0):
        pp = dict(p)
        if dvol:
            if model == "heston":
                pp["v0"] = (math.sqrt(pp["v0"]) + dvol) ** 2
            else:
                pp["sigma"] = pp["sigma"] + dvol
        ST, _ = _simulate(model, S_, T, r_, q, pp, n, steps, seed, antithetic)
        return math.exp(-r_ * T) * _payoff(ST, K, is_call)

    hS = rel_bump_S * S
    y0, yu, yd = run(), run(S_=S + hS), run(S_=S - hS)
    base_vol = math.sqrt(p["v0"]) if model == "heston" else p["sigma"]
    dv = min(bump_vol, 0.5 * base_vol) if base_vol > 0 else bump_vol  # keep sigma - dv >= 0
    samples = {"price": y0, "delta": (yu - yd) / (2 * hS), "gamma": (yu - 2 * y0 + yd) / hS**2,
               "vega": (run(dvol=dv) - run(dvol=-dv)) / (2 * dv),
               "rho": (run(r_=r + bump_r) - run(r_=r - bump_r)) / (2 * bump_r)}
    return MCGreeks(**{k: mc_estimate(v, antithetic=antithetic, confidence=confidence,
                                      method=f"{model} finite differences, CRN")
                       for k, v in samples.items()})
