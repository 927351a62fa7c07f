"""Heston and Bates COS prices against QuantLib and an independent Lewis integral (scipy quad).

QuantLib references use ``AnalyticHestonEngine(model, 1e-12, 100000)`` and
``BatesEngine(model, 1e-12, 100000)`` (adaptive Gauss-Lobatto to a relative tolerance of 1e-12):
the default 144-point Gauss-Laguerre engine is off by up to ~2e-5 x spot for a one-week,
rho = -0.95, Feller-violating case. Every reference is checked against the no-arbitrage bounds
before it is trusted, and the QuantLib and quad references are checked against each other.
"""
from __future__ import annotations

import cmath
import math

import numpy as np
import pytest
import QuantLib as ql
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from core.errors import DataError
from core.pricing.charfuncs import _dlogcf, _logcf, charfunc, cumulants, get_model
from core.pricing.fourier import _cos_reference, carr_madan_price, cos_price, cos_price_jacobian
from core.pricing.models import bates_price, heston_price

S, R, Q = 100.0, 0.03, 0.01
TOL = 1e-8 * S                      # the accuracy target: 1e-8 x spot
STRIKES = np.array([50.0, 60, 70, 80, 90, 95, 100, 105, 110, 125, 150, 175, 200])
DAYS = (7, 30, 91, 365, 730, 1825)  # one week to five years
HESTON = {
    "typical": (0.04, 1.5, 0.04, 0.5, -0.7),
    "feller_violated": (0.04, 0.5, 0.04, 1.0, -0.7),          # 2 kappa theta = 0.04 < 1
    "rho_plus_0.95": (0.09, 2.0, 0.06, 0.8, 0.95),
    "rho_minus_0.95_feller": (0.02, 0.3, 0.09, 1.2, -0.95),   # 0.054 < 1.44
    "fast_reverting": (0.01, 8.0, 0.06, 2.0, -0.5),
}
JUMPS = {"crash": (0.3, -0.15, 0.12), "frequent_small": (2.0, -0.02, 0.05)}


# ---------------------------------------------------------------- independent references
def _heston_cf_gatheral(u, T, v0, kappa, theta, sigma, rho):
    """cf of ln(S_T/F): Gatheral's 'The Volatility Surface' form, written independently."""
    alpha = -0.5 * u * u - 0.5j * u
    beta = kappa - rho * sigma * 1j * u
    gamma = 0.5 * sigma * sigma
    d = cmath.sqrt(beta * beta - 4.0 * alpha * gamma)
    rp, rm = (beta + d) / (2.0 * gamma), (beta - d) / (2.0 * gamma)
    g = rm / rp
    e = cmath.exp(-d * T)
    D = rm * (1.0 - e) / (1.0 - g * e)
    C = kappa * (rm * T - 2.0 / (sigma * sigma) * cmath.log((1.0 - g * e) / (1.0 - g)))
    return cmath.exp(C * theta + D * v0)


def _jump_cf(u, T, lam, mu, delta):
    return cmath.exp(lam * T * (cmath.exp(1j * u * mu - 0.5 * delta * delta * u * u) - 1.0)
                     - 1j * u * lam * T * (math.exp(mu + 0.5 * delta * delta) - 1.0))


def lewis_price(cf, K, T, is_call, s=S, r=R, q=Q):
    """Lewis (2001): C = D [F - sqrt(F K)/pi int_0^inf Re(e^{iuk} phi(u - i/2))/(u^2+1/4) du]."""
    F, D = s * math.exp((r - q) * T), math.exp(-r * T)
    out = []
    for k, c in zip(np.atleast_1d(K), np.broadcast_to(is_call, np.shape(np.atleast_1d(K)))):
        x = math.log(F / k)
        integral = quad(lambda u: (cmath.exp(1j * u * x) * cf(u - 0.5j)).real / (u * u + 0.25),
                        0.0, np.inf, epsabs=1e-14, epsrel=1e-13, limit=2000)[0]
        call = D * (F - math.sqrt(F * k) / math.pi * integral)
        out.append(call if c else call - D * (F - k))
    return np.array(out)


def _ql_setup(s=S, r=R, q=Q):
    today = ql.Date(24, 1, 2011)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    r_ts = ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc))
    q_ts = ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc))
    return today, r_ts, q_ts, ql.QuoteHandle(ql.SimpleQuote(s))


def ql_price(params, jumps, K, days, is_call):
    today, r_ts, q_ts, spot = _ql_setup()
    if jumps is None:
        model = ql.HestonModel(ql.HestonProcess(r_ts, q_ts, spot, *params))
        engine = ql.AnalyticHestonEngine(model, 1e-12, 100000)
    else:
        model = ql.BatesModel(ql.BatesProcess(r_ts, q_ts, spot, *params, *jumps))
        engine = ql.BatesEngine(model, 1e-12, 100000)
    out = []
    for k, c in zip(K, is_call):
        opt = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if c else ql.Option.Put,
                                                      float(k)), ql.EuropeanExercise(today + days))
        opt.setPricingEngine(engine)
        out.append(opt.NPV())
    return np.array(out)


def _check_bounds(price, K, T, is_call):
    F, D = S * math.exp((R - Q) * T), math.exp(-R * T)
    lo = np.maximum(np.where(is_call, D * (F - K), D * (K - F)), 0.0)
    hi = np.where(is_call, D * F, D * K)
    assert np.all(price >= lo - 1e-12) and np.all(price <= hi + 1e-12)


# ---------------------------------------------------------------- accuracy
@pytest.mark.parametrize("name", list(HESTON))
def test_heston_matches_quantlib_and_lewis(name):
    p = HESTON[name]
    call = STRIKES >= S
    worst = 0.0
    for days in DAYS:
        T = days / 365.0
        ours = heston_price(S, STRIKES, T, R, Q, *p, call)
        ref_ql = ql_price(p, None, STRIKES, days, call)
        ref_quad = lewis_price(lambda u: _heston_cf_gatheral(u, T, *p), STRIKES, T, call)
        for ref in (ref_ql, ref_quad):
            _check_bounds(ref, STRIKES, T, call)
        np.testing.assert_allclose(ref_ql, ref_quad, rtol=0, atol=1e-9 * S)   # references agree
        worst = max(worst, np.max(np.abs(ours - ref_ql)), np.max(np.abs(ours - ref_quad)))
    assert worst < TOL, f"{name}: max error {worst:.2e}"


@pytest.mark.parametrize("jumps", list(JUMPS))
@pytest.mark.parametrize("name", ["typical", "rho_minus_0.95_feller"])
def test_bates_matches_quantlib_and_lewis(name, jumps):
    p, j = HESTON[name], JUMPS[jumps]
    call = STRIKES >= S
    for days in (7, 91, 730, 1825):
        T = days / 365.0
        ours = bates_price(S, STRIKES, T, R, Q, *p, *j, call)
        ref_ql = ql_price(p, j, STRIKES, days, call)
        ref_quad = lewis_price(lambda u: _heston_cf_gatheral(u, T, *p) * _jump_cf(u, T, *j),
                               STRIKES, T, call)
        _check_bounds(ref_quad, STRIKES, T, call)
        np.testing.assert_allclose(ref_ql, ref_quad, rtol=0, atol=1e-9 * S)
        np.testing.assert_allclose(ours, ref_quad, rtol=0, atol=TOL)


def test_quantlib_default_engine_is_the_inaccurate_one():
    """Why the references use the adaptive engine: the default Gauss-Laguerre misses here."""
    p = HESTON["rho_minus_0.95_feller"]
    T, call = 7 / 365.0, STRIKES >= S
    today, r_ts, q_ts, spot = _ql_setup()
    model = ql.HestonModel(ql.HestonProcess(r_ts, q_ts, spot, *p))
    engine = ql.AnalyticHestonEngine(model)
    default = []
    for k, c in zip(STRIKES, call):
        opt = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if c else ql.Option.Put,
                                                      float(k)), ql.EuropeanExercise(today + 7))
        opt.setPricingEngine(engine)
        default.append(opt.NPV())
    ref = lewis_price(lambda u: _heston_cf_gatheral(u, T, *p), STRIKES, T, call)
    ours = heston_price(S, STRIKES, T, R, Q, *p, call)
    assert np.max(np.abs(np.array(default) - ref)) > 100 * np.max(np.abs(ours - ref))


def test_carr_madan_agrees_with_cos():
    for p in (HESTON["typical"], HESTON["feller_violated"]):
        for T in (0.1, 1.0, 3.0):
            F, D = S * math.exp((R - Q) * T), math.exp(-R * T)
            K = np.linspace(60.0, 160.0, 21)
            cm = carr_madan_price("heston", p, F, K, T, D, K > F)
            np.testing.assert_allclose(cm, cos_price("heston", p, F, K, T, D, K > F),
                                       rtol=0, atol=1e-6 * S)


# ---------------------------------------------------------------- structure
def test_put_call_parity_and_broadcasting():
    p = HESTON["typical"]
    T = np.array([[0.1], [1.0], [2.5]])
    K = np.linspace(70, 140, 8)
    c = heston_price(S, K, T, R, Q, *p, True)
    pu = heston_price(S, K, T, R, Q, *p, False)
    assert c.shape == (3, 8)
    np.testing.assert_allclose(c - pu, S * np.exp(-Q * T) - K * np.exp(-R * T), atol=1e-12 * S)
    # grouping by maturity must not change anything: price each row separately
    for i in range(3):
        np.testing.assert_array_equal(c[i], heston_price(S, K, T[i, 0], R, Q, *p, True))
    # expired options are worth intrinsic
    assert heston_price(S, 90.0, 0.0, R, Q, *p, True) == pytest.approx(10.0)
    assert float(heston_price(S, 90.0, 0.0, R, Q, *p, "P")) == 0.0


def test_kernel_matches_readable_reference():
    for name, p in (("heston", HESTON["feller_violated"]), ("bates", HESTON["typical"]
                                                           + JUMPS["crash"])):
        for T in (0.05, 1.5):
            F, D = 101.0, 0.98
            K = np.linspace(55, 190, 12)
            ref = _cos_reference(name, p, F, K, T, D, K > F, N=3000)
            np.testing.assert_allclose(cos_price(name, p, F, K, T, D, K > F), ref,
                                       rtol=0, atol=1e-10 * F)


def test_charfunc_martingale_and_cumulants():
    p = HESTON["rho_minus_0.95_feller"]
    for T in (0.02, 1.0, 5.0):
        assert abs(charfunc("heston", -1j, T, p) - 1.0) < 1e-13
        c1, c2, c4 = cumulants("heston", T, p)
        # cumulants by a polynomial fit of ln E[e^{s y}] = ln phi(-i s) near s = 0
        s = np.linspace(-0.08, 0.08, 17)
        kgf = np.log(charfunc("heston", -1j * s, T, p).real)
        coef = np.polynomial.polynomial.polyfit(s, kgf, 8)
        assert c1 == pytest.approx(coef[1], rel=1e-4)   # coarse RK4: a truncation range only
        assert c2 == pytest.approx(2 * coef[2], rel=1e-4)
        assert c4 == pytest.approx(24 * coef[4], rel=1e-2)


@pytest.mark.parametrize("model,p", [("heston", HESTON["feller_violated"]),
                                     ("bates", HESTON["typical"] + JUMPS["crash"])])
def test_gradient_of_log_cf_and_price_jacobian(model, p):
    spec = get_model(model)
    pa = np.array(p, dtype=float)
    grad = np.empty(spec.n_params, dtype=np.complex128)
    for u in (0.0, 0.7, 5.0, 40.0, 3.0 - 1.5j):
        _dlogcf(spec.model_id, complex(u), 0.8, pa, grad)
        for j in range(spec.n_params):
            h = 1e-6 * max(1.0, abs(pa[j]))
            up, dn = pa.copy(), pa.copy()
            up[j] += h
            dn[j] -= h
            fd = (_logcf(spec.model_id, complex(u), 0.8, up)
                  - _logcf(spec.model_id, complex(u), 0.8, dn)) / (2 * h)
            assert abs(grad[j] - fd) < 1e-7 * (1 + abs(fd))
    K = np.array([70.0, 90, 100, 110, 140])
    T = np.array([0.1, 0.1, 0.5, 1.0, 2.0])
    price, jac = cos_price_jacobian(model, p, 100.0, K, T, 0.99, K > 100)
    for j in range(spec.n_params):
        h = 1e-5 * max(1.0, abs(pa[j]))
        up, dn = pa.copy(), pa.copy()
        up[j] += h
        dn[j] -= h
        fd = (cos_price(model, up, 100.0, K, T, 0.99, K > 100)
              - cos_price(model, dn, 100.0, K, T, 0.99, K > 100)) / (2 * h)
        np.testing.assert_allclose(jac[:, j], fd, rtol=1e-5, atol=1e-7)


def test_invalid_parameters_are_named():
    with pytest.raises(DataError, match="rho"):
        heston_price(S, 100.0, 1.0, R, Q, 0.04, 1.5, 0.04, 0.5, -1.2, True)
    with pytest.raises(DataError, match="kappa"):
        heston_price(S, 100.0, 1.0, R, Q, 0.04, 0.0, 0.04, 0.5, -0.5, True)
    with pytest.raises(DataError, match="v0"):
        heston_price(S, 100.0, 1.0, R, Q, -0.01, 1.0, 0.04, 0.5, -0.5, True)
    with pytest.raises(DataError, match="sigma_j"):
        bates_price(S, 100.0, 1.0, R, Q, 0.04, 1.5, 0.04, 0.5, -0.5, 0.1, -0.1, -0.2, True)
    with pytest.raises(DataError, match="lam"):
        bates_price(S, 100.0, 1.0, R, Q, 0.04, 1.5, 0.04, 0.5, -0.5, -1.0, -0.1, 0.2, True)
    with pytest.raises(DataError, match="theta must be a scalar"):
        heston_price(S, 100.0, 1.0, R, Q, 0.04, 1.5, [0.04, 0.05], 0.5, -0.5, True)
    with pytest.raises(DataError, match="T must be >= 0"):
        heston_price(S, 100.0, -1.0, R, Q, 0.04, 1.5, 0.04, 0.5, -0.5, True)
    with pytest.raises(DataError, match="K must be > 0"):
        heston_price(S, [100.0, -5.0], 1.0, R, Q, 0.04, 1.5, 0.04, 0.5, -0.5, True)


def test_parallel_kernel_matches_serial():
    """Large batches spread maturities over threads; the numbers must not change."""
    from core.pricing import fourier

    p = HESTON["typical"]
    K = np.linspace(50.0, 200.0, 10_000)
    T = np.array([[0.05], [0.3], [1.0], [2.0], [4.0], [5.0]])
    assert K.size * T.size >= fourier._PARALLEL_MIN
    big = heston_price(S, K, T, R, Q, *p, K > S)
    for i in (0, 3, 5):   # row by row: serial kernel
        np.testing.assert_array_equal(big[i], heston_price(S, K, T[i, 0], R, Q, *p, K > S))


def test_cos_settings_are_validated():
    with pytest.raises(DataError, match="n_max"):
        cos_price("heston", HESTON["typical"], 100.0, 100.0, 1.0, 1.0, True, n_max=4)
    with pytest.raises(DataError, match="tol"):
        cos_price("heston", HESTON["typical"], 100.0, 100.0, 1.0, 1.0, True, tol=0.0)


@settings(max_examples=40, deadline=None)
@given(v0=st.floats(0.005, 0.3), kappa=st.floats(0.1, 10.0), theta=st.floats(0.005, 0.3),
       sigma=st.floats(0.05, 2.0), rho=st.floats(-0.95, 0.95), T=st.floats(7 / 365, 5.0),
       lam=st.floats(0.0, 2.0))
def test_no_arbitrage_properties(v0, kappa, theta, sigma, rho, T, lam):
    """Parity, monotone and convex in strike, within bounds - for Heston and Bates."""
    K = np.linspace(50.0, 200.0, 31)
    F, D = S * math.exp((R - Q) * T), math.exp(-R * T)
    for price in (lambda c: heston_price(S, K, T, R, Q, v0, kappa, theta, sigma, rho, c),
                  lambda c: bates_price(S, K, T, R, Q, v0, kappa, theta, sigma, rho, lam, -0.1,
                                        0.1, c)):
        call, put = price(True), price(False)
        np.testing.assert_allclose(call - put, D * (F - K), atol=1e-9 * S)
        tol = 1e-9 * S
        assert np.all(np.diff(call) <= tol) and np.all(np.diff(put) >= -tol)
        assert np.all(np.diff(call, 2) >= -tol)
        assert np.all(call >= np.maximum(D * (F - K), 0) - tol) and np.all(call <= D * F + tol)
