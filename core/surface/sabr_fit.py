"""Per-expiry calibration of Hagan's lognormal SABR smile (``beta`` chosen by the user).

For one expiry (forward ``F``, time ``T``) the fit minimises the weighted squared implied-vol
errors ``sum_i (weight_i (sigma_SABR(K_i) - sigma_i))^2`` (weights ``1 / band``, see
:mod:`core.surface.quotes`) in three stages, all inside one numba kernel:

1. a 5 x 4 grid of ``(rho, nu)`` with ``alpha`` solved from the at-the-money vol (the smallest
   positive root of Hagan's ATM cubic, West 2005), so every trial matches the ATM level;
2. Levenberg-Marquardt in ``(rho, nu)`` from the best grid point, ``alpha`` still implied by ATM;
3. Levenberg-Marquardt in ``(alpha, rho, nu)`` from there, freeing ``alpha`` (the ATM vol is an
   interpolated estimate, not a quote).

Variables are unconstrained through ``rho = 0.999 tanh(u)``, ``nu = exp(v)``, ``alpha = exp(t)``;
Jacobians are forward differences of the vectorised residual. Each stage only accepts steps that
lower the cost, so stage 3 is never worse than stage 2.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

from core.pricing.sabr import (alpha_from_atm_one as _alpha_from_atm_one,
                              sabr_vol_one as _sabr_vol_one)
from core._typing import ArrayLike

__all__ = ["fit_sabr_slice", "NU_MAX"]

#: Largest vol of vol the fit may reach (per sqrt(year)).
NU_MAX: float = 25.0
_RHO_MAX = 0.999
_RHO_GRID = (-0.8, -0.5, -0.2, 0.1, 0.4)
_NU_GRID = (0.25, 0.6, 1.5, 4.0)
_BAD = 1e3          # residual per quote when a trial has no valid alpha or vol


@njit(cache=True)
def _params(u, mode, F, T, atm, beta, p):
    """``p = (alpha, rho, nu)`` from the variables ``u``; mode 2 implies alpha from the ATM vol."""
    rho = _RHO_MAX * math.tanh(u[0])
    nu = math.exp(min(u[1], math.log(NU_MAX)))
    if mode == 2:
        alpha = _alpha_from_atm_one(F, T, atm, beta, rho, nu)
    else:
        alpha = math.exp(u[2])
    p[0] = alpha
    p[1] = rho
    p[2] = nu


@njit(cache=True)
def _resid(u, mode, F, T, K, vol, wt, atm, beta, p, r):
    _params(u, mode, F, T, atm, beta, p)
    alpha, rho, nu = p[0], p[1], p[2]
    if not (alpha > 0.0) or not np.isfinite(alpha):
        for i in range(K.shape[0]):
            r[i] = _BAD
        return
    for i in range(K.shape[0]):
        s = _sabr_vol_one(F, K[i], T, alpha, beta, rho, nu)
        r[i] = wt[i] * (s - vol[i]) if np.isfinite(s) else _BAD


@njit(cache=True)
def _lm(u, mode, F, T, K, vol, wt, atm, beta, max_iter):
    """Levenberg-Marquardt on :func:`_resid` with ``mode`` (2 or 3) variables; updates ``u``."""
    n = K.shape[0]
    nv = mode
    p = np.empty(3)
    r = np.empty(n)
    rt = np.empty(n)
    J = np.empty((n, nv))
    ut = u.copy()
    _resid(u, mode, F, T, K, vol, wt, atm, beta, p, r)
    cost = np.dot(r, r)
    mu = 1e-3
    for _ in range(max_iter):
        for c in range(nv):
            h = 1e-7 * max(1.0, abs(u[c]))
            ut[:] = u
            ut[c] += h
            _resid(ut, mode, F, T, K, vol, wt, atm, beta, p, rt)
            J[:, c] = (rt - r) / h
        A = J.T @ J
        g = J.T @ r
        improved = False
        ct = cost
        for _ in range(12):
            M = A.copy()
            for c in range(nv):
                M[c, c] += mu * max(A[c, c], 1e-12)
            step = np.linalg.solve(M, -g)
            for c in range(nv):
                ut[c] = u[c] + step[c]
            _resid(ut, mode, F, T, K, vol, wt, atm, beta, p, rt)
            ct = np.dot(rt, rt)
            if ct < cost:
                improved = True
                break
            mu *= 4.0
        if not improved:
            break
        rel = (cost - ct) / max(cost, 1e-300)
        for c in range(nv):
            u[c] = ut[c]
        r[:] = rt
        cost = ct
        mu = max(mu / 3.0, 1e-12)
        if rel < 1e-10:
            break
    return cost


@njit(cache=True)
def _fit(F, T, K, vol, wt, atm, beta, rho_grid, nu_grid, out):
    """Three-stage SABR fit; ``out = (alpha, rho, nu)``; returns the weighted SSE."""
    n = K.shape[0]
    p = np.empty(3)
    r = np.empty(n)
    u = np.zeros(3)
    best = np.inf
    ub = np.zeros(3)
    for rg in rho_grid:
        for ng in nu_grid:
            u[0] = math.atanh(rg / _RHO_MAX)
            u[1] = math.log(ng)
            _resid(u, 2, F, T, K, vol, wt, atm, beta, p, r)
            c = np.dot(r, r)
            if c < best:
                best = c
                ub[0] = u[0]
                ub[1] = u[1]
    u[0] = ub[0]
    u[1] = ub[1]
    _lm(u, 2, F, T, K, vol, wt, atm, beta, 100)
    _params(u, 2, F, T, atm, beta, p)
    if not (p[0] > 0.0):                     # no ATM-consistent alpha: start from the ATM level
        p[0] = atm * F ** (1.0 - beta)
    u[2] = math.log(p[0])
    cost = _lm(u, 3, F, T, K, vol, wt, atm, beta, 100)
    _params(u, 3, F, T, atm, beta, p)
    out[0] = p[0]
    out[1] = p[1]
    out[2] = p[2]
    return cost


def fit_sabr_slice(F: float, T: float, K: ArrayLike, vol: ArrayLike, weight: ArrayLike,
                   atm_vol: float, beta: float) -> dict:
    """Calibrate ``(alpha, rho, nu)`` of one expiry's SABR smile for a given ``beta``.

    Parameters
    ----------
    F : float
        Forward (currency).
    T : float
        Years to expiry (ACT/365).
    K, vol, weight : ndarray
        Strikes, market mid implied vols (decimals) and weights (``1 / band``, per unit of vol).
    atm_vol : float
        At-the-money vol estimate (decimal) used by the first two stages.
    beta : float
        CEV exponent in [0, 1], held fixed.

    Returns
    -------
    dict
        ``alpha, beta, rho, nu`` and ``objective`` (weighted sum of squared vol errors).
    """
    K = np.ascontiguousarray(K, dtype=np.float64)
    vol = np.ascontiguousarray(vol, dtype=np.float64)
    weight = np.ascontiguousarray(weight, dtype=np.float64)
    out = np.empty(3)
    cost = _fit(float(F), float(T), K, vol, weight, float(atm_vol), float(beta),
                np.array(_RHO_GRID), np.array(_NU_GRID), out)
    return {"alpha": float(out[0]), "beta": float(beta), "rho": float(out[1]),
            "nu": float(out[2]), "objective": float(cost)}
