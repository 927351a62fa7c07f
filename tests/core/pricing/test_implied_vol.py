"""implied_vol: round trips against independent Black-Scholes prices, peers, bounds, validation.

Truth prices come from a test-local Black-Scholes formula on scipy's ``ndtr`` (accurate in the
tails), with the out-of-the-money price computed directly and an in-the-money price as the careful
discounted intrinsic value (``expm1``) plus the out-of-the-money price, and from QuantLib's
``blackFormula`` where its normal distribution is accurate.

"Vega meaningful" (where the 1e-12 accuracy is promised): ``vega >= 1e-3 * M`` with ``M`` the
price of an out-of-the-money option, and ``M = S e^{-qT} + K e^{-rT}`` for an in-the-money one
(the size of the parity terms cancelled when its intrinsic value is removed). Then a relative
rounding error of one ulp in those numbers moves the vol by at most ~2e-13; the price must also
be a normal double (``price > 1e-300 S``).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import QuantLib as ql
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.special import ndtr

from core.errors import DataError
from core.pricing._lets_be_rational import (_dy_asymptotic, _dy_erfcx, _dy_small_t,
                                            inverse_norm_cdf, normalised_black, erfcx)
from core.pricing.implied_vol import _implied_vol_reference, implied_vol

TOL = 1e-12


def _bs(S, K, T, r, q, sigma, is_call):
    """Independent Black-Scholes price and vega (per 1.00 vol), plus the 'meaningful' mask."""
    S, K, T, r, q, sigma, is_call = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (S, K, T, r, q, sigma)), np.asarray(is_call, bool))
    sd = sigma * np.sqrt(T)
    x = np.log(S / K) + (r - q) * T
    d1 = x / sd + 0.5 * sd
    d2 = d1 - sd
    ds = S * np.exp(-q * T)
    dk = K * np.exp(-r * T)
    call_otm = ds * ndtr(d1) - dk * ndtr(d2)
    put_otm = dk * ndtr(-d2) - ds * ndtr(-d1)
    # S e^{-qT} - K e^{-rT} in extended precision: no eps*S error from the cancellation
    ld = np.longdouble
    fwd = (S.astype(ld) * np.exp(-q.astype(ld) * T.astype(ld))
           - K.astype(ld) * np.exp(-r.astype(ld) * T.astype(ld)))
    itm = np.where(is_call, x > 0, x < 0)
    price = np.where(is_call, np.where(x > 0, fwd + put_otm, call_otm),
                     np.where(x < 0, -fwd + call_otm, put_otm)).astype(float)
    vega = ds * np.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi) * np.sqrt(T)
    scale = np.where(itm, ds + dk, price)
    meaningful = (vega >= 1e-3 * scale) & (price > 1e-300 * S)
    return price, vega, meaningful


def _random_options(n, seed, *, otm_only=False):
    """T in [1d, 30y], vol in [1%, 300%], r, q in [-2%, 10%], |ln(F/K)| <= 3 (log-uniform)."""
    rng = np.random.default_rng(seed)
    T = np.exp(rng.uniform(math.log(1 / 365), math.log(30.0), n))
    sig = np.exp(rng.uniform(math.log(0.01), math.log(3.0), n))
    r = rng.uniform(-0.02, 0.10, n)
    q = rng.uniform(-0.02, 0.10, n)
    S = rng.uniform(5.0, 500.0, n)
    sd = sig * np.sqrt(T)
    # moneyness: half of it spread in standard deviations, half uniform up to |x| = 3
    x = np.where(rng.random(n) < 0.5, rng.standard_normal(n) * 2.0 * sd,
                 rng.uniform(-3.0, 3.0, n))
    x = np.clip(x, -3.0, 3.0)
    K = S * np.exp((r - q) * T - x)
    call = (x <= 0) if otm_only else rng.random(n) < 0.5
    return S, K, T, r, q, sig, call


# --------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------

def test_round_trip_random_otm_grid():
    S, K, T, r, q, sig, call = _random_options(50_000, seed=11, otm_only=True)
    price, _, ok = _bs(S, K, T, r, q, sig, call)
    iv = implied_vol(price, S, K, T, r, q, call)
    representable = price > 1e-300 * S   # (the rest underflow: far out of the money, low vol)
    assert ok.sum() > 0.98 * representable.sum()   # the vega mask leaves almost everything in
    err = np.abs(iv[ok] - sig[ok])
    assert np.all(err <= TOL), f"max err {err.max():.3g}"
    # where vega is not meaningful the vol still comes back finite and in the right place
    rest = ~ok & representable
    assert np.all(np.isfinite(iv[rest]))


def test_round_trip_random_calls_and_puts_itm_and_otm():
    S, K, T, r, q, sig, call = _random_options(50_000, seed=12)
    price, _, ok = _bs(S, K, T, r, q, sig, call)
    iv = implied_vol(price, S, K, T, r, q, call)
    assert ok.mean() > 0.6   # deep in-the-money options are mostly intrinsic value
    err = np.abs(iv[ok] - sig[ok])
    assert np.all(err <= TOL), f"max err {err.max():.3g}"


def test_round_trip_domain_corners():
    """Every corner of the promised domain: T, vol, moneyness, rates at their extremes."""
    moneyness = [-3.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 3.0]
    grids = np.meshgrid([1 / 365, 0.25, 30.0], [0.01, 0.2, 3.0], moneyness,
                        [-0.02, 0.10], [-0.02, 0.10], [True, False], indexing="ij")
    T, sig, x, r, q, call = (g.ravel() for g in grids)
    S = 100.0
    K = S * np.exp((r - q) * T - x)
    price, _, ok = _bs(S, K, T, r, q, sig, call)
    iv = implied_vol(price, S, K, T, r, q, call)
    assert ok.sum() > 250
    err = np.abs(iv[ok] - sig[ok])
    assert np.all(err <= TOL), f"max err {err.max():.3g}"


def test_round_trip_against_quantlib_black_formula():
    """Prices from QuantLib's blackFormula where its cumulative normal is exact (|d| < 1.5)."""
    S, K, T, r, q, sig, call = _random_options(3000, seed=13)
    F = S * np.exp((r - q) * T)
    D = np.exp(-r * T)
    sd = sig * np.sqrt(T)
    price = np.array([ql.blackFormula(ql.Option.Call if c else ql.Option.Put, k, f, s, d)
                      for c, k, f, s, d in zip(call, K, F, sd, D)])
    d1 = np.log(F / K) / sd + 0.5 * sd
    _, _, ok = _bs(S, K, T, r, q, sig, call)
    ok &= (np.abs(d1) < 1.5) & (np.abs(d1 - sd) < 1.5)
    assert ok.sum() > 500
    iv = implied_vol(price, S, K, T, r, q, call)
    err = np.abs(iv[ok] - sig[ok])
    assert np.all(err <= TOL), f"max err {err.max():.3g}"


@settings(max_examples=300, deadline=None)
@given(S=st.floats(1.0, 1000.0), m=st.floats(-3.0, 3.0), T=st.floats(1 / 365, 30.0),
       r=st.floats(-0.02, 0.10), q=st.floats(-0.02, 0.10), sigma=st.floats(0.01, 3.0),
       is_call=st.booleans())
def test_round_trip_property(S, m, T, r, q, sigma, is_call):
    K = S * math.exp((r - q) * T - m)
    price, _, ok = _bs(S, K, T, r, q, sigma, is_call)
    assume(bool(ok))
    iv = implied_vol(float(price), S, K, T, r, q, is_call)
    assert abs(float(iv) - sigma) <= TOL


def test_tiny_prices_keep_full_relative_accuracy():
    """Far out of the money, prices from 1e-250 to 1e-5 (relative to S): the vol is still exact."""
    T = 0.5
    x = -np.linspace(0.5, 3.0, 30)[:, None]                 # ln(F/K)
    digits = np.linspace(5.0, 250.0, 30)[None, :]           # price ~ 10^-digits
    sig = np.abs(x) / np.sqrt(2.0 * digits * math.log(10.0)) / math.sqrt(T)
    K = 100.0 * np.exp(-x)
    price, _, ok = _bs(100.0, K, T, 0.0, 0.0, sig, True)
    assert price.min() < 1e-240 and ok.all()
    iv = implied_vol(price, 100.0, K, T, 0.0, 0.0, True)
    assert np.max(np.abs(iv - sig)) <= TOL
    # relative too (the truth price itself loses ~|h|/t ulps to cancellation in N(d1) - N(d2))
    assert np.max(np.abs(iv / sig - 1.0)) <= 1e-12


# --------------------------------------------------------------------------------------------
# Peers and the reference implementation
# --------------------------------------------------------------------------------------------

def test_agrees_with_py_lets_be_rational_on_undiscounted_black():
    from py_lets_be_rational import implied_volatility_from_a_transformed_rational_guess as lbr

    S, K, T, _, _, sig, call = _random_options(1500, seed=14, otm_only=True)
    F = S
    price, _, ok = _bs(F, K, T, 0.0, 0.0, sig, call)   # r = q = 0: Black on the forward
    ours = implied_vol(price, F, K, T, 0.0, 0.0, call)
    theirs = np.array([lbr(p, f, k, t, 1.0 if c else -1.0)
                       for p, f, k, t, c in zip(price, F, K, T, call)])
    assert ok.sum() > 1000
    assert np.max(np.abs(ours[ok] - theirs[ok])) <= TOL


def test_fast_kernel_matches_brentq_reference():
    S, K, T, r, q, sig, call = _random_options(300, seed=15)
    price, _, ok = _bs(S, K, T, r, q, sig, call)
    fast = implied_vol(price, S, K, T, r, q, call)
    ref = _implied_vol_reference(price, S, K, T, r, q, call)
    assert np.max(np.abs(fast[ok] - ref[ok])) <= 1e-11
    assert np.max(np.abs(ref[ok] - sig[ok])) <= 1e-11


def test_parallel_and_serial_kernels_agree_exactly():
    S, K, T, r, q, sig, call = _random_options(20_000, seed=16)
    price, _, _ = _bs(S, K, T, r, q, sig, call)
    whole = implied_vol(price, S, K, T, r, q, call)          # parallel kernel
    parts = np.concatenate([implied_vol(price[i:i + 1000], S[i:i + 1000], K[i:i + 1000],
                                        T[i:i + 1000], r[i:i + 1000], q[i:i + 1000],
                                        call[i:i + 1000]) for i in range(0, 20_000, 1000)])
    np.testing.assert_array_equal(whole, parts)


# --------------------------------------------------------------------------------------------
# Put-call parity, intrinsic value and bounds
# --------------------------------------------------------------------------------------------

def test_itm_option_has_the_vol_of_its_parity_equivalent():
    S, K, T, r, q, sig, call = _random_options(20_000, seed=17)
    price, vega, _ = _bs(S, K, T, r, q, sig, call)
    fwd = (S - K) + S * np.expm1(-q * T) - K * np.expm1(-r * T)
    other = np.where(call, price - fwd, price + fwd)   # the other type at the same strike
    iv1 = implied_vol(price, S, K, T, r, q, call)
    iv2 = implied_vol(other, S, K, T, r, q, ~call)
    ok = vega >= 1e-3 * (S * np.exp(-q * T) + K * np.exp(-r * T))
    assert ok.sum() > 10_000
    assert np.max(np.abs(iv1[ok] - iv2[ok])) <= TOL
    assert np.max(np.abs(iv1[ok] - sig[ok])) <= TOL


def test_price_equal_to_intrinsic_gives_zero_out_of_the_money_and_nan_in_the_money():
    """An OTM price of 0 has vol 0; an ITM price at its intrinsic value (to rounding) does not
    determine the vol (the time value is lost in rounding), so it gives NaN, never 0.0."""
    S, K, T, r, q, _, _ = _random_options(5000, seed=18)
    ds, dk = S * np.exp(-q * T), K * np.exp(-r * T)
    F, D = S * np.exp((r - q) * T), np.exp(-r * T)
    for call_price in (np.maximum(ds - dk, 0.0), np.maximum(D * (F - K), 0.0)):
        iv = implied_vol(call_price, S, K, T, r, q, True)
        itm = ds - dk > 1e-9 * (ds + dk)
        np.testing.assert_array_equal(iv[~itm & (call_price == 0.0)], 0.0)
        assert np.all(np.isnan(iv[itm]))
    for put_price in (np.maximum(dk - ds, 0.0), np.maximum(D * (K - F), 0.0)):
        iv = implied_vol(put_price, S, K, T, r, q, False)
        itm = dk - ds > 1e-9 * (ds + dk)
        np.testing.assert_array_equal(iv[~itm & (put_price == 0.0)], 0.0)
        assert np.all(np.isnan(iv[itm]))


def test_deep_itm_price_a_few_ulps_above_intrinsic_is_never_a_confident_zero():
    """Issue 11 §4: F=969, K=26, T=0.27, call at 943.0000000000001 gave 0.0. The time value
    (1.1e-13) is one ulp of 943: every vol from 0 to ~0.9 reprices to it, so NaN is the answer;
    once the time value is well above rounding the vol is the put's (parity), checked against
    the brentq reference."""
    F, K, T = 969.0, 26.0, 0.27
    for ulps in range(0, 9):
        price = 943.0 + ulps * math.ulp(943.0)
        iv = float(implied_vol(price, F, K, T, 0.0, 0.0, True))
        assert math.isnan(iv) or iv > 0.0, (ulps, iv)
        assert iv != 0.0
    assert math.isnan(float(implied_vol(943.0000000000001, F, K, T, 0.0, 0.0, True)))
    for tv in (1e-9, 1e-6, 1e-3):
        iv = float(implied_vol(943.0 + tv, F, K, T, 0.0, 0.0, True))
        ref = float(_implied_vol_reference(tv, F, K, T, 0.0, 0.0, False))
        assert ref > 0.5 and abs(iv - ref) <= 1e-4 * ref, (tv, iv, ref)


def test_prices_outside_bounds_give_nan_elementwise():
    S, K, T, r, q = 100.0, 90.0, 1.0, 0.03, 0.01
    ds, dk = S * math.exp(-q * T), K * math.exp(-r * T)
    good, _, _ = _bs(S, K, T, r, q, 0.25, True)
    prices = np.array([float(good), (ds - dk) * (1 - 1e-9), -0.01, ds, ds * 1.01, np.nan, np.inf])
    iv = implied_vol(prices, S, K, T, r, q, True)
    assert abs(iv[0] - 0.25) <= TOL
    assert np.all(np.isnan(iv[1:]))
    # puts: above K e^{-rT}, below intrinsic
    iv_put = implied_vol([dk, dk * 2, -1e-12], S, K, T, r, q, False)
    assert np.all(np.isnan(iv_put))
    # out-of-the-money put with zero price is exactly intrinsic
    assert implied_vol(0.0, S, K, T, r, q, False) == 0.0


def test_zero_expiry_gives_nan():
    iv = implied_vol([5.0, 10.0, 0.0], 100.0, 95.0, [0.0, 0.0, 0.0], 0.01, 0.0, True)
    assert np.all(np.isnan(iv))


def test_at_the_forward_and_near_it():
    T, r, q, S = 0.75, 0.02, 0.01, 100.0
    F = S * math.exp((r - q) * T)
    for K in (F, F * (1 + 1e-15), F * (1 - 1e-12)):
        for sig in (0.01, 0.3, 2.5):
            for is_call in (True, False):
                price, _, _ = _bs(S, K, T, r, q, sig, is_call)
                assert abs(float(implied_vol(price, S, K, T, r, q, is_call)) - sig) <= TOL


def test_vol_is_monotone_in_price():
    S, K, T, r, q = 100.0, 120.0, 2.0, 0.01, 0.0
    sig = np.linspace(0.01, 3.0, 2000)
    price, _, _ = _bs(S, K, T, r, q, sig, True)
    iv = implied_vol(price, S, K, T, r, q, True)
    assert np.all(np.diff(iv) > 0)


# --------------------------------------------------------------------------------------------
# Validation and broadcasting
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, message", [
    (dict(T=-0.1), "T must be >= 0, got -0.1"),
    (dict(S=0.0), "S must be > 0, got 0"),
    (dict(K=-5.0), "K must be > 0, got -5"),
    (dict(S=np.nan), "S must be finite, got nan"),
    (dict(r=np.inf), "r must be finite, got inf"),
    (dict(q=[0.0, np.nan]), "q must be finite, got nan"),
    (dict(T=np.nan), "T must be finite, got nan"),
    (dict(K="abc"), "K must be numeric"),
    (dict(price="x"), "price must be numeric"),
    (dict(is_call="X"), "is_call must be boolean or 'C'/'P'"),
    (dict(price=[1.0, 2.0], S=[100.0, 101.0, 102.0]), "must broadcast"),
])
def test_bad_input_raises_data_error(kwargs, message):
    args = dict(price=5.0, S=100.0, K=100.0, T=1.0, r=0.01, q=0.0, is_call=True) | kwargs
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        implied_vol(**args)


def test_broadcasting_shapes_and_types():
    S = np.array([[90.0], [100.0], [110.0]])            # (3, 1)
    sig = np.array([0.1, 0.2, 0.3, 0.4])                # (4,)
    price, _, _ = _bs(S, 100.0, 0.5, 0.01, 0.0, sig, True)
    iv = implied_vol(price, S, 100.0, 0.5, 0.01, 0.0, True)
    assert iv.shape == (3, 4) and iv.dtype == np.float64
    np.testing.assert_allclose(iv, np.broadcast_to(sig, (3, 4)), rtol=0, atol=TOL)
    scalar = implied_vol(float(price[1, 1]), 100.0, 100.0, 0.5, 0.01, 0.0, True)
    assert isinstance(scalar, np.ndarray) and scalar.shape == () and abs(scalar - 0.2) <= TOL
    lists = implied_vol(list(price[1]), 100.0, 100.0, 0.5, 0.01, 0.0, [True] * 4)
    np.testing.assert_allclose(lists, sig, rtol=0, atol=TOL)
    assert implied_vol(np.empty((0, 3)), 100.0, 100.0, 1.0, 0.0, 0.0, True).shape == (0, 3)


def test_string_option_types():
    call, _, _ = _bs(100.0, 110.0, 1.0, 0.02, 0.0, 0.3, True)
    put, _, _ = _bs(100.0, 110.0, 1.0, 0.02, 0.0, 0.3, False)
    iv = implied_vol([float(call), float(put), float(put)], 100.0, 110.0, 1.0, 0.02, 0.0,
                     ["C", "P", "put"])
    np.testing.assert_allclose(iv, 0.3, rtol=0, atol=TOL)


# --------------------------------------------------------------------------------------------
# Kernel pieces
# --------------------------------------------------------------------------------------------

def test_regimes_of_the_normalised_black_function_join_smoothly():
    """The expansions agree with the erfcx form where both are accurate."""
    for h in (-0.3, -2.0, -6.0, -9.5):
        for t in (0.1, 0.2, 0.21):
            a, b = _dy_small_t(h, t), _dy_erfcx(h, t)
            assert abs(a - b) <= 2e-14 * abs(b), (h, t)
    for h in (-11.0, -15.0, -30.0):
        for t in (0.5, 1.0, 1.2):
            a, b = _dy_asymptotic(h, t), _dy_erfcx(h, t)
            assert abs(a - b) <= 1e-13 * abs(b), (h, t)


def test_erfcx_and_inverse_normal_against_scipy():
    from scipy.special import erfcx as sp_erfcx, ndtri

    z = np.concatenate([np.linspace(-5, 5, 1001), np.geomspace(5, 1e9, 200)])
    ours = np.array([erfcx(v) for v in z])
    np.testing.assert_allclose(ours, sp_erfcx(z), rtol=2e-15)
    u = np.concatenate([np.geomspace(1e-300, 0.5, 500), 1 - np.geomspace(1e-15, 0.5, 200)])
    np.testing.assert_allclose([inverse_norm_cdf(v) for v in u], ndtri(u), rtol=1e-14)


def test_normalised_black_matches_direct_formula():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    s = np.array([0.05, 0.3, 1.0, 4.0])
    for xi in x:
        for si in s:
            h, t = xi / si, si / 2
            direct = math.exp(xi / 2) * ndtr(h + t) - math.exp(-xi / 2) * ndtr(h - t)
            # the direct difference loses about |h|/t of its relative precision to cancellation
            rel = 1e-14 * (1.0 + abs(h) / t)
            assert normalised_black(xi, si) == pytest.approx(direct, rel=rel, abs=1e-300)
