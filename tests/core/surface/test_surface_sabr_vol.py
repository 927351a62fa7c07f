"""core.pricing.sabr.sabr_vol against QuantLib's sabrVolatility and a 60-digit reference."""
from __future__ import annotations

from decimal import Decimal, getcontext

import numpy as np
import pytest
import QuantLib as ql
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import DataError
from core.pricing.sabr import sabr_alpha_from_atm, sabr_vol


def ql_vol(K, F, T, alpha, beta, rho, nu):
    """QuantLib's Hagan 2002 vol (note its argument order: ..., beta, nu, rho)."""
    return ql.sabrVolatility(float(K), float(F), float(T), float(alpha), float(beta), float(nu),
                             float(rho))


def decimal_vol(F, K, T, alpha, beta, rho, nu) -> float:
    """Hagan's formula evaluated directly in 60-digit decimal arithmetic (no cancellation)."""
    getcontext().prec = 60
    F, K, T, al, be, rho, nu = (Decimal(float(x)) for x in (F, K, T, alpha, beta, rho, nu))
    omb = 1 - be
    L = (F / K).ln()
    A = ((F * K).ln() * omb).exp()
    sa = A.sqrt()
    C = omb * omb * L * L
    D = sa * (1 + C / 24 + C * C / 1920)
    d = 1 + T * (omb * omb * al * al / (24 * A) + rho * be * nu * al / (4 * sa)
                 + (2 - 3 * rho * rho) * nu * nu / 24)
    z = nu / al * sa * L
    if abs(z) < Decimal("1e-25"):      # below 60-digit resolution of ln: the series is exact
        ratio = 1 - rho * z / 2 + (2 - 3 * rho * rho) * z * z / 12
    else:
        ratio = z / ((((1 - 2 * rho * z + z * z).sqrt() + z - rho) / (1 - rho)).ln())
    return float(al / D * ratio * d)


def random_params(rng, n):
    F = rng.uniform(0.01, 5000.0, n)
    beta = rng.uniform(0.0, 1.0, n)
    alpha = rng.uniform(0.05, 1.0, n) * F ** (1.0 - beta)
    return F, beta, alpha, rng.uniform(-0.99, 0.99, n), rng.uniform(0.0, 3.0, n), \
        rng.uniform(0.001, 10.0, n)


def test_matches_quantlib_on_random_grid_including_atm():
    rng = np.random.default_rng(11)
    n = 3000
    F, beta, alpha, rho, nu, T = random_params(rng, n)
    K = F * np.exp(rng.uniform(1e-3, 1.5, n) * rng.choice([-1.0, 1.0], n))
    K[::7] = F[::7]                                    # exactly at the money
    ours = sabr_vol(F, K, T, alpha, beta, rho, nu)
    ref = np.array([ql_vol(K[i], F[i], T[i], alpha[i], beta[i], rho[i], nu[i])
                    for i in range(n)])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)
    atm = K == F
    np.testing.assert_allclose(ours[atm], ref[atm], rtol=1e-14, atol=0)


@pytest.mark.parametrize("eps", [1e-14, 1e-11, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3])
def test_near_atm_is_stable(eps):
    """Near the money we match a 60-digit evaluation to ~1e-14; QuantLib itself loses up to
    ~1e-8 relative there (direct z / x(z)), so against it the tolerance is QuantLib's error."""
    rng = np.random.default_rng(int(-np.log10(eps)))
    n = 60
    F, beta, alpha, rho, nu, T = random_params(rng, n)
    K = F * (1.0 + eps * rng.choice([-1.0, 1.0], n))
    ours = sabr_vol(F, K, T, alpha, beta, rho, nu)
    exact = np.array([decimal_vol(F[i], K[i], T[i], alpha[i], beta[i], rho[i], nu[i])
                      for i in range(n)])
    np.testing.assert_allclose(ours, exact, rtol=1e-13, atol=0)
    ref = np.array([ql_vol(K[i], F[i], T[i], alpha[i], beta[i], rho[i], nu[i])
                    for i in range(n)])
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=0)


def test_continuous_through_the_money():
    K = 100.0 * (1.0 + np.linspace(-1e-6, 1e-6, 2001))
    v = sabr_vol(100.0, K, 2.0, 1.5, 0.5, -0.4, 0.8)
    assert np.all(np.isfinite(v))
    assert np.max(np.abs(np.diff(v))) < 1e-9          # no jump where the formula switches


@settings(max_examples=200, deadline=None)
@given(F=st.floats(0.5, 2000.0), m=st.floats(-1.2, 1.2), T=st.floats(0.01, 5.0),
       a=st.floats(0.05, 0.8), beta=st.floats(0.0, 1.0), rho=st.floats(-0.95, 0.95),
       nu=st.floats(0.0, 2.5))
def test_property_matches_quantlib(F, m, T, a, beta, rho, nu):
    """QuantLib to 1e-10 where its direct z / x(z) is accurate (|z| >= 1e-3, or z == 0);
    for smaller |z| (near the money, or tiny nu) the 60-digit evaluation is the truth."""
    K = F * np.exp(m)
    alpha = a * F ** (1.0 - beta)
    ours = float(sabr_vol(F, K, T, alpha, beta, rho, nu))
    z = nu / alpha * (F * K) ** ((1.0 - beta) / 2) * np.log(F / K)
    if z == 0.0 or abs(z) >= 1e-3:
        assert ours == pytest.approx(ql_vol(K, F, T, alpha, beta, rho, nu), rel=0, abs=1e-10)
    else:
        assert ours == pytest.approx(decimal_vol(F, K, T, alpha, beta, rho, nu), rel=1e-13)


def test_broadcasting_and_validation():
    K = np.array([[90.0], [100.0], [110.0]])
    T = np.array([0.5, 1.0])
    v = sabr_vol(100.0, K, T, 2.0, 0.5, -0.3, 0.6)
    assert v.shape == (3, 2)
    assert v[1, 0] == pytest.approx(ql_vol(100.0, 100.0, 0.5, 2.0, 0.5, -0.3, 0.6), abs=1e-14)
    for kwargs, word in ((dict(rho=1.0), "rho"), (dict(beta=1.5), "beta"), (dict(alpha=0.0),
                         "alpha"), (dict(nu=-0.1), "nu"), (dict(K=-1.0), "K")):
        args = dict(F=100.0, K=100.0, T=1.0, alpha=2.0, beta=0.5, rho=0.0, nu=0.5) | kwargs
        with pytest.raises(DataError, match=word):
            sabr_vol(**args)


def test_alpha_from_atm_round_trip():
    rng = np.random.default_rng(5)
    F, beta, alpha, rho, nu, T = random_params(rng, 200)
    atm = sabr_vol(F, F, T, alpha, beta, rho, nu)
    ok = atm > 0.01                  # Hagan's expansion can turn negative for large nu^2 T
    F, beta, alpha, rho, nu, T, atm = (x[ok] for x in (F, beta, alpha, rho, nu, T, atm))
    back = sabr_alpha_from_atm(F, T, atm, beta, rho, nu)
    np.testing.assert_allclose(sabr_vol(F, F, T, back, beta, rho, nu), atm, rtol=1e-12)
