"""Merton, Variance Gamma and CGMY COS prices against independent references.

* Merton: its exact series, a Poisson-weighted sum of Black-Scholes prices (Merton 1976).
* VG: the Madan-Carr-Chang mixing representation - conditional on the gamma time ``g`` the
  log-price is normal, so the price is a one-dimensional integral of Black prices against the
  gamma density (scipy quad, with ``t = g^(T/nu)`` removing the density's singularity at 0).
* CGMY: a Lewis integral (scipy quad) of an independently written CGMY characteristic function,
  the Y -> 0 Variance Gamma limit, continuity through Y = 1, and Carr-Madan FFT vs COS.
"""
from __future__ import annotations

import cmath
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import gamma as gamma_fn
from scipy.special import ndtr
from scipy.stats import gamma as gamma_dist

from core.errors import DataError
from core.pricing.black_scholes import bs_price
from core.pricing.charfuncs import charfunc
from core.pricing.fourier import carr_madan_price, cos_price
from core.pricing.models import cgmy_price, merton_price, model_price, vg_price

S, R, Q = 100.0, 0.03, 0.01
TOL = 1e-8 * S
K = np.array([50.0, 70, 80, 90, 100, 110, 125, 150, 200])
CALL = K >= S


def _fd(T):
    return S * math.exp((R - Q) * T), math.exp(-R * T)


# ---------------------------------------------------------------- Merton
def merton_series(K, T, sigma, lam, mu, delta, is_call, n_terms=120):
    kbar = math.exp(mu + 0.5 * delta * delta) - 1.0
    lam_p = lam * (1.0 + kbar)
    total = np.zeros(np.shape(K))
    for n in range(n_terms):
        weight = math.exp(-lam_p * T + n * math.log(lam_p * T) - math.lgamma(n + 1)) \
            if lam_p > 0 else float(n == 0)
        sig_n = math.sqrt(sigma * sigma + n * delta * delta / T)
        r_n = R - lam * kbar + n * math.log1p(kbar) / T
        # Merton's form: weights Poisson(lam (1 + kbar) T), Black-Scholes at rate r_n
        total += weight * bs_price(S, K, T, r_n, Q, sig_n, is_call)
    return total


@pytest.mark.parametrize("p", [(0.15, 0.5, -0.1, 0.15), (0.10, 3.0, -0.03, 0.08),
                               (0.25, 0.1, 0.05, 0.3), (0.2, 0.0, -0.1, 0.1)])
def test_merton_matches_series(p):
    for T in (7 / 365, 0.1, 0.5, 1.0, 5.0):
        ours = merton_price(S, K, T, R, Q, *p, CALL)
        np.testing.assert_allclose(ours, merton_series(K, T, *p, CALL), rtol=0, atol=TOL)


# ---------------------------------------------------------------- VG
def vg_mixture(K, T, sigma, nu, theta, is_call):
    F, D = _fd(T)
    omega = math.log(1.0 - theta * nu - 0.5 * sigma * sigma * nu) / nu
    a = T / nu
    out = []
    for k, c in zip(K, is_call):
        def black(g):
            fg = F * math.exp(omega * T + theta * g + 0.5 * sigma * sigma * g)
            if g <= 0.0:
                return max(fg - k, 0.0) if c else max(k - fg, 0.0)
            sd = sigma * math.sqrt(g)
            d1 = math.log(fg / k) / sd + 0.5 * sd
            d2 = d1 - sd
            return fg * ndtr(d1) - k * ndtr(d2) if c else k * ndtr(-d2) - fg * ndtr(-d1)

        if a < 1.0:   # g = t^(1/a): f(g) dg = e^{-g/nu} dt / (Gamma(a+1) nu^a)
            val = quad(lambda t: black(t ** (1 / a)) * math.exp(-t ** (1 / a) / nu), 0.0,
                       (60 * nu + 5) ** a, epsabs=1e-15, epsrel=1e-13, limit=1000)[0]
            out.append(D * val / (math.gamma(a + 1.0) * nu ** a))
        else:
            dist = gamma_dist(a, scale=nu)
            val = quad(lambda g: black(g) * dist.pdf(g), dist.ppf(1e-17), dist.isf(1e-17),
                       points=[T], epsabs=1e-15, epsrel=1e-13, limit=1000)[0]
            out.append(D * val)
    return np.array(out)


VG_SETS = [(0.12, 0.2, -0.14), (0.2, 0.5, -0.3), (0.25, 0.05, -0.1), (0.19, 1.0, -0.25)]


@pytest.mark.parametrize("p", VG_SETS)
def test_vg_matches_gamma_mixture(p):
    """vg_price (tanh-sinh in the gamma probability) against the QUADPACK mixture integral,
    from one week (where a cosine series was off by up to 2.6e-6 x spot) to five years."""
    for T in (7 / 365, 14 / 365, 30 / 365, 0.25, 1.0, 5.0):
        ours = vg_price(S, K, T, R, Q, *p, CALL)
        ref = vg_mixture(K, T, *p, CALL)
        np.testing.assert_allclose(ours, ref, rtol=0, atol=TOL)


def test_vg_smile_near_the_money_is_the_models_own():
    """Issue 11 §2: the implied-vol smile of VG prices near the money on the first expiries
    must be the model's, not a cosine-series artefact. The smile of the exact prices matches the
    reference prices' smile to 1e-8 vol; the cosine series missed it by ~1e-5 at one week (the
    V-shaped minimum at the money that remains is VG's: T / nu < 1/2 gives an unbounded density
    at its mode)."""
    from core.pricing import implied_vol

    p = (0.1884, 0.4248, -0.247)                       # VG fitted to the 2011 SPX chain
    for T in (7 / 365, 26 / 365):
        F, D = _fd(T)
        k = np.linspace(-0.05, 0.05, 41)
        Ks = F * np.exp(k)
        call = Ks >= F
        iv_ref = implied_vol(vg_mixture(Ks, T, *p, call), S, Ks, T, R, Q, call)
        iv = implied_vol(vg_price(S, Ks, T, R, Q, *p, call), S, Ks, T, R, Q, call)
        assert np.all(np.isfinite(iv))
        np.testing.assert_allclose(iv, iv_ref, rtol=0, atol=1e-8)
        cos_iv = implied_vol(cos_price("vg", p, F, Ks, T, D, call), S, Ks, T, R, Q, call)
        if T < 0.02:
            assert np.nanmax(np.abs(cos_iv - iv_ref)) > 1e-6   # what the old route did


# ---------------------------------------------------------------- CGMY
def _cgmy_cf_direct(u, T, C, G, M, Y):
    """Plain CGMY cf of ln(S_T/F) with scipy's Gamma (valid away from Y = 0, 1)."""
    def psi(z):
        return C * gamma_fn(-Y) * ((M - 1j * z) ** Y - M ** Y + (G + 1j * z) ** Y - G ** Y)
    return cmath.exp(T * (psi(u) - 1j * u * psi(-1j).real))


def lewis(cf, K, T, is_call, drift=0.0, U=400.0):
    """Lewis (2001) call price, ``C = D (F - sqrt(F K)/pi int_0^inf Re[e^{iux} phi(u - i/2)]
    / (u^2 + 1/4) du)``, ``x = ln(F/K)``, by QUADPACK.

    ``drift`` (the cf's ``ln phi`` is ``i u drift + (slowly varying)``) is moved into the
    oscillation so that what remains decays smoothly; ``[0, U]`` is integrated on 200 panels and
    the tail by QAWF (Fourier weights ``cos(x u)``, ``sin(x u)``), or on log-spaced panels to 1e14
    when ``x + drift`` is too small to oscillate. (A single ``quad`` over ``[0, inf)`` stalls at
    its subdivision limit when phi decays like ``exp(-c u^0.2)`` and was off by 1.7e-7 x spot:
    it was the reference, not the COS sum, that had made small-Y CGMY look inaccurate at one
    week.)"""
    F, D = _fd(T)
    out = []
    for k, c in zip(K, is_call):
        x = math.log(F / k) + drift

        def h(u):
            return cf(u - 0.5j) * cmath.exp(-1j * u * drift) / (u * u + 0.25)

        def f(u):
            return (cmath.exp(1j * u * x) * h(u)).real

        edges = np.linspace(0.0, U, 201)
        val = sum(quad(f, lo, hi, epsabs=1e-15, epsrel=1e-13, limit=200)[0]
                  for lo, hi in zip(edges[:-1], edges[1:]))
        if abs(x) * U < 1.0:
            edges = np.geomspace(U, 1e14, 300)
            val += sum(quad(f, lo, hi, epsabs=1e-16, epsrel=1e-12, limit=200)[0]
                       for lo, hi in zip(edges[:-1], edges[1:]))
        else:
            val += (quad(lambda u: h(u).real, U, np.inf, weight="cos", wvar=x, limlst=500,
                         limit=500)[0]
                    - quad(lambda u: h(u).imag, U, np.inf, weight="sin", wvar=x, limlst=500,
                           limit=500)[0])
        call = D * (F - math.sqrt(F * k) / math.pi * val)
        out.append(call if c else call - D * (F - k))
    return np.array(out)


def _cgmy_lewis(K, T, p, is_call):
    C, G, M, Y = p
    drift = -T * (C * gamma_fn(-Y) * ((M - 1) ** Y - M ** Y + (G + 1) ** Y - G ** Y))
    return lewis(lambda u: _cgmy_cf_direct(u, T, *p), K, T, is_call, drift=drift)


@pytest.mark.parametrize("p", [(1.0, 8.0, 12.0, 0.6), (0.2, 3.0, 25.0, 1.4),
                               (0.05, 5.0, 10.0, 1.8)])
def test_cgmy_matches_lewis_integral(p):
    """From one week: the cosine range reaches the exponential tails (rates G, M), which a
    cumulant-based range misses at short maturities (it was off by 1.1e-7 x spot at one week)."""
    for T in (7 / 365, 14 / 365, 0.1, 1.0, 3.0):
        ours = cgmy_price(S, K, T, R, Q, *p, CALL)
        np.testing.assert_allclose(ours, _cgmy_lewis(K, T, p, CALL), rtol=0, atol=TOL)


K_FINE = np.array([50.0, 70, 80, 90, 97, 100, 103, 110, 125, 150, 200])


@pytest.mark.parametrize("p", [(1.5, 5.0, 10.0, 0.2), (1.0, 8.0, 12.0, 0.5),
                               (0.5, 5.0, 10.0, 0.9), (0.05, 5.0, 10.0, 1.5)])
@pytest.mark.parametrize("days", [1, 7, 30, 182, 730])
def test_cgmy_small_and_large_y_from_one_day(p, days):
    """Issue 11 §2 across Y in {0.2, 0.5, 0.9, 1.5}, one day to two years, against the Lewis
    integral. Small Y at short T: |phi(u)| ~ exp(-c T u^Y) (Y = 0.2, one week: 0.07 at
    u = 1e5), so the a-priori tail bound never holds and the sum used to stop at 16,384 terms,
    3.2e-7 x spot off at one week and 1.7e-6 at one day; it now continues in doublings to 2^18
    terms. One day at Y = 0.2 is the one case still short of 1e-8 (2.4e-8 x spot)."""
    T = days / 365
    call = K_FINE >= S
    ours = cgmy_price(S, K_FINE, T, R, Q, *p, call)
    atol = 5e-8 * S if (days < 7 and p[3] < 0.3) else TOL
    np.testing.assert_allclose(ours, _cgmy_lewis(K_FINE, T, p, call), rtol=0, atol=atol)


def test_cgmy_vg_limit():
    sigma, nu, theta = 0.2, 0.3, -0.2
    root = math.sqrt(0.25 * theta * theta * nu * nu + 0.5 * sigma * sigma * nu)
    G, M = 1.0 / (root - 0.5 * theta * nu), 1.0 / (root + 0.5 * theta * nu)
    u = np.linspace(-50, 50, 201)
    for T in (0.1, 2.0):
        np.testing.assert_allclose(charfunc("cgmy", u, T, (1 / nu, G, M, 0.0)),
                                   charfunc("vg", u, T, (sigma, nu, theta)), rtol=0, atol=1e-13)
        vg = vg_price(S, K, T, R, Q, sigma, nu, theta, CALL)
        # (VG is priced exactly by its gamma mixture; the CGMY cosine series at Y = 0 is the
        # slowest case of the model and stays within the 1e-8 x spot target at these maturities)
        np.testing.assert_allclose(cgmy_price(S, K, T, R, Q, 1 / nu, G, M, 0.0, CALL), vg,
                                   rtol=0, atol=TOL)
        # Y -> 0 approaches VG continuously (first order in Y)
        d1 = np.max(np.abs(cgmy_price(S, K, T, R, Q, 1 / nu, G, M, 1e-4, CALL) - vg))
        d2 = np.max(np.abs(cgmy_price(S, K, T, R, Q, 1 / nu, G, M, 1e-5, CALL) - vg))
        assert d2 < 0.2 * d1 and d2 < 1e-4 * S


def test_cgmy_smooth_through_y_equals_one():
    """Gamma(-Y) has a pole at Y = 1 that the bracket cancels: no noise near Y = 1."""
    p = dict(C=0.3, G=4.0, M=15.0)
    at_one = cgmy_price(S, K, 0.5, R, Q, Y=1.0, is_call=CALL, **p)
    assert np.all(np.isfinite(at_one))
    for eps in (1e-4, 1e-6, 1e-9):
        up = cgmy_price(S, K, 0.5, R, Q, Y=1.0 + eps, is_call=CALL, **p) - at_one
        dn = cgmy_price(S, K, 0.5, R, Q, Y=1.0 - eps, is_call=CALL, **p) - at_one
        # first-order symmetric differences: up ~ -dn, up ~ eps * dP/dY
        np.testing.assert_allclose(up, -dn, rtol=0, atol=1e-3 * eps * S + 1e-11 * S)
    ref = _cgmy_lewis(K, 0.5, (p["C"], p["G"], p["M"], 1.0 + 1e-4), CALL)
    np.testing.assert_allclose(cgmy_price(S, K, 0.5, R, Q, Y=1.0 + 1e-4, is_call=CALL, **p), ref,
                               rtol=0, atol=1e-7 * S)


@pytest.mark.parametrize("model,p", [("merton", (0.15, 0.5, -0.1, 0.15)),
                                     ("vg", (0.2, 0.3, -0.2)),
                                     ("cgmy", (0.5, 5.0, 10.0, 0.5)),
                                     ("cgmy", (0.1, 3.0, 20.0, 1.5)),
                                     ("bates", (0.04, 1.5, 0.04, 0.5, -0.7, 0.3, -0.1, 0.1))])
def test_carr_madan_fft_agrees_with_cos(model, p):
    for T in (0.25, 1.0, 4.0):
        F, D = _fd(T)
        k = np.linspace(60.0, 170.0, 23)
        np.testing.assert_allclose(carr_madan_price(model, p, F, k, T, D, k > F),
                                   cos_price(model, p, F, k, T, D, k > F), rtol=0, atol=1e-6 * S)


def test_martingale_and_parity_all_models():
    params = {"merton": (0.15, 0.5, -0.1, 0.15), "vg": (0.2, 0.3, -0.2),
              "cgmy": (0.5, 5.0, 10.0, 1.2)}
    for model, p in params.items():
        for T in (0.05, 1.0, 5.0):
            assert abs(charfunc(model, -1j, T, p) - 1.0) < 1e-12
            c = model_price(model, S, K, T, R, Q, p, True)
            pu = model_price(model, S, K, T, R, Q, p, False)
            np.testing.assert_allclose(c - pu, S * math.exp(-Q * T) - K * math.exp(-R * T),
                                       atol=1e-12 * S)
            assert np.all(np.diff(c) <= 1e-12) and np.all(np.diff(pu) >= -1e-12)


def test_invalid_parameters_are_named():
    with pytest.raises(DataError, match="sigma must be > 0"):
        merton_price(S, 100.0, 1.0, R, Q, 0.0, 0.5, -0.1, 0.1, True)
    with pytest.raises(DataError, match="nu must be > 0"):
        vg_price(S, 100.0, 1.0, R, Q, 0.2, -0.1, -0.1, True)
    with pytest.raises(DataError, match="theta\\*nu"):
        vg_price(S, 100.0, 1.0, R, Q, 0.5, 2.0, 0.5, True)
    with pytest.raises(DataError, match="M must be > 1"):
        cgmy_price(S, 100.0, 1.0, R, Q, 0.5, 5.0, 0.9, 0.5, True)
    with pytest.raises(DataError, match="Y must be < 2"):
        cgmy_price(S, 100.0, 1.0, R, Q, 0.5, 5.0, 10.0, 2.0, True)
    with pytest.raises(DataError, match="C must be finite"):
        cgmy_price(S, 100.0, 1.0, R, Q, math.nan, 5.0, 10.0, 0.5, True)
    with pytest.raises(DataError, match="model must be one of"):
        model_price("sabr", S, 100.0, 1.0, R, Q, (0.1,), True)
    with pytest.raises(DataError, match="is_call"):
        vg_price(S, 100.0, 1.0, R, Q, 0.2, 0.3, -0.1, "X")
