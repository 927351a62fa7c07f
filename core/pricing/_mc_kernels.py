"""Numba kernels for :mod:`core.pricing.montecarlo`: a counter-free per-block random generator
and Andersen's (2008) quadratic-exponential (QE) scheme for the Heston model.

Random numbers
--------------
Paths are cut into fixed blocks of :data:`BLOCK` paths. Each block owns a xoshiro256** generator
(Blackman & Vigna 2018) seeded by splitmix64 from one 64-bit seed drawn from the caller's
``numpy.random.Generator``; blocks run in parallel (``prange``). The output is therefore a
deterministic function of the Generator's state, whatever the number of threads. Normals come
from the Box-Muller transform of two uniforms on (0, 1).

QE scheme (Andersen 2008, "Simple and efficient simulation of the Heston stochastic volatility
model", J. Comp. Finance 11(3)): given ``v_t`` the conditional mean ``m`` and variance ``s^2`` of
``v_{t+dt}`` give ``psi = s^2 / m^2``; for ``psi <= 1.5`` ``v' = a (b + Z_v)^2`` (moment-matched
non-central chi-square proxy), otherwise ``v'`` is 0 with probability ``p`` and exponential
otherwise. ``ln S`` uses the central discretisation (gamma1 = gamma2 = 1/2) of section 4.3, with
the optional martingale correction of section 7.2 that replaces ``K0`` by ``K0*`` so that
``E[S_{t+dt} | S_t] = S_t e^{(r-q) dt}`` exactly.
"""
from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["BLOCK", "heston_qe", "uniform_block_test"]

#: Paths per random-number block (even, so antithetic pairs never straddle two blocks).
BLOCK = 1024
_PSI_C = 1.5
_TWO_PI = 2.0 * math.pi
_INV_2_53 = 1.0 / 9007199254740992.0
_SM_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_SM_M1 = np.uint64(0xBF58476D1CE4E5B9)
_SM_M2 = np.uint64(0x94D049BB133111EB)
_U5 = np.uint64(5)
_U9 = np.uint64(9)
_U7 = np.uint64(7)
_U11 = np.uint64(11)
_U17 = np.uint64(17)
_U27 = np.uint64(27)
_U30 = np.uint64(30)
_U31 = np.uint64(31)
_U45 = np.uint64(45)
_U57 = np.uint64(57)
_U19 = np.uint64(19)


@nb.njit(cache=True)
def _seed(seed, state):
    """Fill the 4-word xoshiro state from one 64-bit seed with splitmix64."""
    z = seed
    for i in range(4):
        z = z + _SM_GAMMA
        x = z
        x = (x ^ (x >> _U30)) * _SM_M1
        x = (x ^ (x >> _U27)) * _SM_M2
        state[i] = x ^ (x >> _U31)


@nb.njit(cache=True, inline="always")
def _next(s):
    """xoshiro256**: next 64-bit output; advances ``s`` in place."""
    x = s[1] * _U5
    result = ((x << _U7) | (x >> _U57)) * _U9
    t = s[1] << _U17
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << _U45) | (s[3] >> _U19)
    return result


@nb.njit(cache=True, inline="always")
def _uniform(s):
    """Uniform on the open interval (0, 1) with 53 random bits."""
    return (float(_next(s) >> _U11) + 0.5) * _INV_2_53


@nb.njit(cache=True)
def uniform_block_test(seed, n):
    """``n`` uniforms from one block generator (for statistical tests of the generator)."""
    s = np.empty(4, dtype=np.uint64)
    _seed(np.uint64(seed), s)
    out = np.empty(n)
    for i in range(n):
        out[i] = _uniform(s)
    return out


@nb.njit(cache=True, inline="always")
def _qe_step(v, x, zv, zs, uv, theta, ekd, c1, c2, k0, k1, k2, k3, k4, big_a, martingale):
    """One QE step: returns (v', x') from (v, x = ln S) and the draws (Z_v, Z_s, U_v)."""
    m = theta + (v - theta) * ekd
    s2 = v * c1 + c2
    psi = s2 / (m * m)
    k0s = k0
    if psi <= _PSI_C:
        t = 2.0 / psi
        b2 = t - 1.0 + math.sqrt(t) * math.sqrt(t - 1.0)
        a = m / (1.0 + b2)
        b = math.sqrt(b2)
        vn = a * (b + zv) * (b + zv)
        if martingale and big_a < 0.5 / a:
            k0s = (-big_a * b2 * a / (1.0 - 2.0 * big_a * a) + 0.5 * math.log(1.0 - 2.0 * big_a * a)
                   - (k1 + 0.5 * k3) * v)
    else:
        p = (psi - 1.0) / (psi + 1.0)
        beta = (1.0 - p) / m
        vn = 0.0 if uv <= p else math.log((1.0 - p) / (1.0 - uv)) / beta
        if martingale and big_a < beta:
            k0s = -math.log(p + beta * (1.0 - p) / (beta - big_a)) - (k1 + 0.5 * k3) * v
    var = k3 * v + k4 * vn
    xn = x + k0s + k1 * v + k2 * vn + math.sqrt(var if var > 0.0 else 0.0) * zs
    return vn, xn


@nb.njit(cache=True, parallel=True)
def heston_qe(seeds, n_paths, n_steps, dt, x0, v0, kappa, theta, sigma, rho, drift,
              antithetic, martingale, store, out_x, out_v, path_x, path_v):
    """Simulate ``n_paths`` Heston paths by QE; ``x = ln S``.

    Writes terminal ``ln S`` and ``v`` into ``out_x``, ``out_v`` (length ``n_paths``) and, when
    ``store``, every step into ``path_x``, ``path_v`` of shape ``(n_paths, n_steps + 1)``.
    ``drift`` is ``(r - q) dt``; with ``antithetic`` paths ``2i`` and ``2i+1`` use opposite
    normals and complementary uniforms.
    """
    ekd = math.exp(-kappa * dt)
    c1 = sigma * sigma * ekd * (1.0 - ekd) / kappa
    c2 = theta * sigma * sigma * (1.0 - ekd) * (1.0 - ekd) / (2.0 * kappa)
    k0 = -rho * kappa * theta * dt / sigma
    k1 = 0.5 * dt * (kappa * rho / sigma - 0.5) - rho / sigma
    k2 = 0.5 * dt * (kappa * rho / sigma - 0.5) + rho / sigma
    k3 = 0.5 * dt * (1.0 - rho * rho)
    k4 = k3
    big_a = k2 + 0.5 * k4
    n_blocks = seeds.shape[0]
    for blk in nb.prange(n_blocks):
        s = np.empty(4, dtype=np.uint64)
        _seed(seeds[blk], s)
        start = blk * BLOCK
        end = min(start + BLOCK, n_paths)
        i = start
        while i < end:
            pair = antithetic and i + 1 < end
            xa = x0
            va = v0
            xb = x0
            vb = v0
            if store:
                path_x[i, 0] = x0
                path_v[i, 0] = v0
                if pair:
                    path_x[i + 1, 0] = x0
                    path_v[i + 1, 0] = v0
            for j in range(n_steps):
                u1 = _uniform(s)
                u2 = _uniform(s)
                uv = _uniform(s)
                rad = math.sqrt(-2.0 * math.log(u1))
                zv = rad * math.cos(_TWO_PI * u2)
                zs = rad * math.sin(_TWO_PI * u2)
                va, xa = _qe_step(va, xa, zv, zs, uv, theta, ekd, c1, c2, k0, k1, k2, k3, k4,
                                  big_a, martingale)
                xa += drift
                if pair:
                    vb, xb = _qe_step(vb, xb, -zv, -zs, 1.0 - uv, theta, ekd, c1, c2, k0, k1, k2,
                                      k3, k4, big_a, martingale)
                    xb += drift
                if store:
                    path_x[i, j + 1] = xa
                    path_v[i, j + 1] = va
                    if pair:
                        path_x[i + 1, j + 1] = xb
                        path_v[i + 1, j + 1] = vb
            out_x[i] = xa
            out_v[i] = va
            if pair:
                out_x[i + 1] = xb
                out_v[i + 1] = vb
                i += 2
            else:
                i += 1
