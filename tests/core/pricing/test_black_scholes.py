"""Black-Scholes prices and Greeks against QuantLib, finite differences and parity."""
from __future__ import annotations

import math

import numpy as np
import pytest
import QuantLib as ql
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.pricing import GREEK_NAMES, Greeks, bs_greeks, bs_price


def _ql_greeks(S, K, days, r, q, sigma, is_call):
    """Price and Greeks from QuantLib's AnalyticEuropeanEngine (ACT/365 fixed, flat curves)."""
    today = ql.Date(15, 3, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot = ql.QuoteHandle(ql.SimpleQuote(S))
    rts = ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc))
    qts = ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc))
    vts = ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), sigma, dc))
    proc = ql.BlackScholesMertonProcess(spot, qts, rts, vts)
    kind = ql.Option.Call if is_call else ql.Option.Put
    opt = ql.EuropeanOption(ql.PlainVanillaPayoff(kind, K), ql.EuropeanExercise(today + int(days)))
    opt.setPricingEngine(ql.AnalyticEuropeanEngine(proc))
    return dict(price=opt.NPV(), delta=opt.delta(), gamma=opt.gamma(), vega=opt.vega(),
                theta=opt.theta(), rho=opt.rho())


def test_matches_quantlib_on_random_grid():
    rng = np.random.default_rng(7)
    n = 300
    S = rng.uniform(20, 200, n)
    K = S * np.exp(rng.uniform(-0.8, 0.8, n))
    days = rng.integers(1, 3650, n)
    T = days / 365.0
    r = rng.uniform(-0.02, 0.10, n)
    q = rng.uniform(-0.01, 0.06, n)
    sig = rng.uniform(0.03, 1.5, n)
    call = rng.random(n) < 0.5
    ours = bs_greeks(S, K, T, r, q, sig, call)
    for i in range(n):
        ref = _ql_greeks(S[i], K[i], days[i], r[i], q[i], sig[i], bool(call[i]))
        for name, val in ref.items():
            got = ours[name][i]
            assert got == pytest.approx(val, rel=1e-9, abs=1e-10 * S[i]), (name, i, got, val)


def _fd_inputs():
    rng = np.random.default_rng(11)
    n = 400
    S = rng.uniform(50, 150, n)
    K = S * np.exp(rng.uniform(-0.5, 0.5, n))
    T = rng.uniform(0.05, 5.0, n)
    r = rng.uniform(-0.02, 0.08, n)
    q = rng.uniform(0.0, 0.05, n)
    sig = rng.uniform(0.08, 0.9, n)
    call = rng.random(n) < 0.5
    return S, K, T, r, q, sig, call


def test_greeks_equal_finite_differences_of_the_price():
    S, K, T, r, q, sig, call = _fd_inputs()
    g = bs_greeks(S, K, T, r, q, sig, call)
    hS, hv, hT, hr = 1e-3 * S, 1e-4, 1e-5, 1e-5
    p = lambda **kw: bs_price(**{**dict(S=S, K=K, T=T, r=r, q=q, sigma=sig, is_call=call), **kw})
    d = lambda **kw: bs_greeks(**{**dict(S=S, K=K, T=T, r=r, q=q, sigma=sig, is_call=call), **kw})
    fd = {
        "delta": (p(S=S + hS) - p(S=S - hS)) / (2 * hS),
        "gamma": (p(S=S + hS) - 2 * p() + p(S=S - hS)) / hS**2,
        "vega": (p(sigma=sig + hv) - p(sigma=sig - hv)) / (2 * hv),
        "theta": -(p(T=T + hT) - p(T=T - hT)) / (2 * hT),
        "rho": (p(r=r + hr) - p(r=r - hr)) / (2 * hr),
        "vanna": (d(sigma=sig + hv).delta - d(sigma=sig - hv).delta) / (2 * hv),
        "volga": (d(sigma=sig + hv).vega - d(sigma=sig - hv).vega) / (2 * hv),
        "charm": -(d(T=T + hT).delta - d(T=T - hT).delta) / (2 * hT),
    }
    for name, approx in fd.items():
        scale = np.maximum(np.abs(approx), 1e-2 * np.max(np.abs(approx)))
        err = np.max(np.abs(g[name] - approx) / scale)
        assert err < 2e-4, (name, err)


def test_put_call_parity():
    S, K, T, r, q, sig, _ = _fd_inputs()
    c = bs_price(S, K, T, r, q, sig, True)
    p = bs_price(S, K, T, r, q, sig, False)
    assert np.all(np.abs((c - p) - (S * np.exp(-q * T) - K * np.exp(-r * T))) <= 1e-12 * S)


def test_zero_time_gives_intrinsic_and_zero_vol_gives_forward_intrinsic():
    S, K = 100.0, np.array([80.0, 100.0, 120.0])
    np.testing.assert_array_equal(bs_price(S, K, 0.0, 0.05, 0.02, 0.3, True), [20.0, 0.0, 0.0])
    np.testing.assert_array_equal(bs_price(S, K, 0.0, 0.05, 0.02, 0.3, False), [0.0, 0.0, 20.0])
    T = 0.5
    fwd_intr = np.maximum(S * math.exp(-0.02 * T) - K * math.exp(-0.05 * T), 0.0)
    np.testing.assert_allclose(bs_price(S, K, T, 0.05, 0.02, 0.0, True), fwd_intr, rtol=1e-15)
    # the limit from above agrees with the exact degenerate branch
    np.testing.assert_allclose(bs_price(S, K, 1e-12, 0.05, 0.02, 0.3, True), [20.0, 0.0, 0.0],
                               atol=1e-4)


@settings(max_examples=300, deadline=None)
@given(
    S=st.floats(1e-3, 1e6), m=st.floats(-5, 5), T=st.floats(0.0, 200.0),
    tiny_T=st.booleans(), r=st.floats(-0.1, 0.3), q=st.floats(-0.1, 0.3),
    sigma=st.floats(0.0, 20.0), tiny_sigma=st.booleans(), call=st.booleans(),
)
def test_valid_input_never_gives_nan_or_inf(S, m, T, tiny_T, r, q, sigma, tiny_sigma, call):
    T = T * 1e-12 if tiny_T else T
    sigma = sigma * 1e-12 if tiny_sigma else sigma
    g = bs_greeks(S, S * math.exp(m), T, r, q, sigma, call)
    for name in GREEK_NAMES:
        assert np.isfinite(g[name]), (name, g[name])
    upper = S * math.exp(-q * T) if call else S * math.exp(m) * math.exp(-r * T)
    assert 0.0 <= g.price <= upper * (1 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(m=st.floats(-1, 1), T=st.floats(0.01, 10), s1=st.floats(0.01, 2), ds=st.floats(1e-3, 1),
       call=st.booleans())
def test_price_increases_with_vol_and_is_monotone_in_strike(m, T, s1, ds, call):
    K = 100 * math.exp(m)
    lo, hi = bs_price(100, K, T, 0.02, 0.01, [s1, s1 + ds], call)
    assert hi >= lo
    k_lo, k_hi = bs_price(100, [K, K * 1.01], T, 0.02, 0.01, s1, call)
    assert (k_lo >= k_hi) if call else (k_lo <= k_hi)


def test_broadcasting_and_shapes():
    K = np.linspace(80, 120, 5)[None, :]
    T = np.array([0.1, 0.5, 1.0])[:, None]
    out = bs_price(100.0, K, T, 0.01, 0.0, 0.2, True)
    assert out.shape == (3, 5)
    g = bs_greeks(100.0, K, T, 0.01, 0.0, 0.2, np.array([True, False, True])[:, None])
    assert g.delta.shape == (3, 5)
    assert np.all(g.delta[1] < 0) and np.all(g.delta[0] > 0)
    assert bs_price(100, 100, 1, 0, 0, 0.2, "C").shape == ()
    again = Greeks.from_dict(g.to_dict())
    np.testing.assert_array_equal(again.charm, g.charm)


@pytest.mark.parametrize("kwargs, message", [
    (dict(T=-0.1), "T must be >= 0, got -0.1"),
    (dict(S=0.0), "S must be > 0"),
    (dict(K=-5.0), "K must be > 0"),
    (dict(sigma=-0.2), "sigma must be >= 0"),
    (dict(r=float("nan")), "r must be finite"),
    (dict(S="abc"), "S must be numeric"),
    (dict(is_call="X"), "is_call must be boolean"),
])
def test_invalid_input_raises_dataerror_naming_the_argument(kwargs, message):
    args = dict(S=100.0, K=100.0, T=1.0, r=0.01, q=0.0, sigma=0.2, is_call=True) | kwargs
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        bs_greeks(**args)


@pytest.mark.parametrize("sigma", [5e-324, 1.1125369292536007e-308, 1e-300])
@pytest.mark.parametrize("r, q", [(0.3, -0.1), (-0.1, 0.3)])
def test_subnormal_vol_gives_the_forward_intrinsic_value(sigma, r, q):
    # found by hypothesis: ln(S/K)/v and (r-q)T/v overflowed with opposite signs (inf - inf)
    K = math.exp(-1.0)
    g = bs_greeks(1.0, K, 1.0, r, q, sigma, True)
    assert all(np.isfinite(g[n]) for n in GREEK_NAMES)
    assert float(g.price) == pytest.approx(max(math.exp(-q) - K * math.exp(-r), 0.0), rel=1e-14)


def test_subnormal_total_vol_gives_finite_greeks():
    """Hypothesis found gamma = inf for sigma = 1e-312 at the money (1 / (S v) overflows): such an
    option has no representable time value and is valued as the sigma = 0 limit (intrinsic)."""
    g = bs_greeks(1.0, 1.0, 1.0, 0.0, 0.0, 1e-312, False)
    for name in GREEK_NAMES:
        assert np.isfinite(g[name]), name
    g0 = bs_greeks(1.0, 1.0, 1.0, 0.0, 0.0, 0.0, False)
    assert float(g.gamma) == float(g0.gamma) == 0.0 and float(g.price) == float(g0.price) == 0.0
