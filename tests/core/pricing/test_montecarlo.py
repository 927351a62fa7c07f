"""Monte Carlo prices against closed forms (Black-Scholes, Merton's series, QuantLib's analytic
Heston, Margrabe) within 3 standard errors; estimator, reproducibility and validation checks."""
from __future__ import annotations

import math

import numpy as np
import pytest
import QuantLib as ql
from scipy.stats import norm, poisson

from core.errors import DataError
from core.pricing import bs_greeks, bs_price
from core.pricing.montecarlo import (MCGreeks, MCResult, correlated_gbm_paths,
                                     correlated_gbm_terminal, gbm_paths, gbm_terminal,
                                     heston_paths, heston_terminal, mc_estimate, mc_european,
                                     mc_greeks, merton_paths, merton_terminal)

S, r, q = 100.0, 0.03, 0.01


def within(res: MCResult, truth: float, k: float = 3.0) -> bool:
    return abs(res.price - truth) <= k * res.stderr


@pytest.mark.parametrize("K, T, is_call", [(100, 1.0, True), (120, 0.5, True), (85, 2.0, False)])
@pytest.mark.parametrize("control", [None, "forward"])
def test_gbm_european_matches_black_scholes(K, T, is_call, control):
    res = mc_european(S, K, T, r, q, is_call, "gbm", sigma=0.25, n_paths=200_000, rng=7,
                      control=control)
    truth = float(bs_price(S, K, T, r, q, 0.25, is_call))
    assert within(res, truth), (res, truth)
    assert res.ci[0] < res.price < res.ci[1] and res.n_paths == 200_000


def test_antithetic_and_control_reduce_the_standard_error():
    kw = dict(sigma=0.25, n_paths=100_000, rng=3)
    plain = mc_european(S, 100, 1.0, r, q, True, antithetic=False, control=None, **kw)
    anti = mc_european(S, 100, 1.0, r, q, True, antithetic=True, control=None, **kw)
    both = mc_european(S, 100, 1.0, r, q, True, antithetic=True, control="forward", **kw)
    assert anti.stderr < plain.stderr and both.stderr < 0.5 * plain.stderr


def merton_series(K, T, is_call, sigma, lam, mu_j, sigma_j, n_terms=80):
    """Merton (1976): Poisson mixture of Black-Scholes prices with adjusted rate and vol."""
    kbar = math.exp(mu_j + 0.5 * sigma_j**2) - 1.0
    lam_p = lam * (1 + kbar)
    n = np.arange(n_terms)
    w = poisson.pmf(n, lam_p * T)
    sig_n = np.sqrt(sigma**2 + n * sigma_j**2 / T)
    r_n = r - lam * kbar + n * math.log(1 + kbar) / T
    return float(np.sum(w * bs_price(S, K, T, r_n, q, sig_n, is_call)))


@pytest.mark.parametrize("K, is_call", [(100, True), (80, False), (125, True)])
@pytest.mark.parametrize("control", ["forward", "bs"])
def test_merton_matches_the_poisson_series(K, is_call, control):
    p = dict(sigma=0.2, lam=0.8, mu_j=-0.1, sigma_j=0.15)
    res = mc_european(S, K, 1.0, r, q, is_call, "merton", n_paths=200_000, rng=11,
                      control=control, **p)
    truth = merton_series(K, 1.0, is_call, **p)
    assert within(res, truth), (res, truth)


def quantlib_heston(K, T_days, is_call, v0, kappa, theta, sigma, rho):
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    proc = ql.HestonProcess(ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
                            ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
                            ql.QuoteHandle(ql.SimpleQuote(S)), v0, kappa, theta, sigma, rho)
    opt = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, K),
                           ql.EuropeanExercise(today + T_days))
    opt.setPricingEngine(ql.AnalyticHestonEngine(ql.HestonModel(proc)))
    return opt.NPV()


@pytest.mark.parametrize("K, days, is_call, params", [
    (100, 365, True, (0.04, 1.5, 0.04, 0.5, -0.7)),
    (90, 365, False, (0.04, 1.5, 0.04, 0.5, -0.7)),
    (110, 182, True, (0.09, 3.0, 0.05, 0.9, -0.5)),   # Feller badly violated: QE's hard case
])
def test_heston_qe_matches_quantlib_analytic(K, days, is_call, params):
    v0, kappa, theta, sigma, rho = params
    T = days / 365
    res = mc_european(S, K, T, r, q, is_call, "heston", n_paths=200_000, n_steps=int(64 * T),
                      rng=5, v0=v0, kappa=kappa, theta=theta, sigma=sigma, rho=rho)
    truth = quantlib_heston(K, days, is_call, *params)
    assert within(res, truth), (res, truth)


def test_heston_martingale_correction_makes_the_forward_exact():
    p = (0.09, 3.0, 0.05, 0.9, -0.5)
    ST, v = heston_terminal(S, 1.0, r, q, *p, 200_000, 8, rng=2, antithetic=True)
    res = mc_estimate(ST, antithetic=True)
    assert within(res, S * math.exp((r - q) * 1.0))
    assert np.all(v >= 0) and np.all(np.isfinite(ST))


def test_heston_paths_match_terminal_and_are_reproducible():
    p = (0.04, 1.5, 0.04, 0.5, -0.7)
    ST, vT = heston_terminal(S, 0.5, r, q, *p, 3000, 20, rng=9, antithetic=True)
    Sp, vp = heston_paths(S, 0.5, r, q, *p, 3000, 20, rng=np.random.default_rng(9),
                          antithetic=True)
    assert Sp.shape == (3000, 21) and np.allclose(Sp[:, 0], S) and np.allclose(vp[:, 0], 0.04)
    np.testing.assert_allclose(Sp[:, -1], ST, rtol=1e-12)
    np.testing.assert_array_equal(vp[:, -1], vT)
    again, _ = heston_terminal(S, 0.5, r, q, *p, 3000, 20, rng=9, antithetic=True)
    np.testing.assert_array_equal(again, ST)
    other, _ = heston_terminal(S, 0.5, r, q, *p, 3000, 20, rng=10, antithetic=True)
    assert not np.array_equal(other, ST)


def test_generator_argument_advances_between_calls():
    g = np.random.default_rng(1)
    a, b = gbm_terminal(S, 1, r, q, 0.2, 10, rng=g), gbm_terminal(S, 1, r, q, 0.2, 10, rng=g)
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(gbm_terminal(S, 1, r, q, 0.2, 10, rng=4),
                                  gbm_terminal(S, 1, r, q, 0.2, 10, rng=4))


def test_antithetic_rows_are_mirrored():
    x = gbm_terminal(S, 1.0, r, q, 0.2, 11, rng=1, antithetic=True)
    drift = math.log(S) + (r - q - 0.02)
    np.testing.assert_allclose(np.log(x[0:10:2]) - drift, -(np.log(x[1:10:2]) - drift))


def test_gbm_and_merton_paths_have_the_forward_at_every_step():
    t = np.linspace(0, 1, 6)
    for paths in (gbm_paths(S, 1.0, r, q, 0.3, 100_000, 5, rng=1, antithetic=True),
                  merton_paths(S, 1.0, r, q, 0.2, 1.0, -0.05, 0.1, 100_000, 5, rng=1,
                               antithetic=True)):
        assert paths.shape == (100_000, 6)
        for j in range(1, 6):
            res = mc_estimate(paths[:, j], antithetic=True)
            assert within(res, S * math.exp((r - q) * t[j]))
    ST = merton_terminal(S, 1.0, r, q, 0.2, 1.0, -0.05, 0.1, 100_000, rng=2)
    assert within(mc_estimate(ST), S * math.exp(r - q))


def test_gbm_paths_log_increments_have_the_right_variance():
    paths = gbm_paths(S, 2.0, r, q, 0.3, 50_000, 8, rng=3)
    inc = np.diff(np.log(paths), axis=1)
    assert abs(inc.var() / (0.09 * 0.25) - 1) < 0.02


def test_correlated_gbm_prices_the_margrabe_exchange_option():
    S0, sig, rho, T = np.array([100.0, 95.0]), np.array([0.3, 0.2]), 0.4, 1.0
    qq = np.array([0.01, 0.02])
    corr = np.array([[1, rho], [rho, 1]])
    X = correlated_gbm_terminal(S0, T, r, qq, sig, corr, 400_000, rng=8, antithetic=True)
    res = mc_estimate(math.exp(-r * T) * np.maximum(X[:, 0] - X[:, 1], 0), antithetic=True)
    s = math.sqrt(sig[0]**2 + sig[1]**2 - 2 * rho * sig[0] * sig[1])
    f1, f2 = S0[0] * math.exp(-qq[0] * T), S0[1] * math.exp(-qq[1] * T)
    d1 = (math.log(f1 / f2) + 0.5 * s * s * T) / (s * math.sqrt(T))
    truth = f1 * norm.cdf(d1) - f2 * norm.cdf(d1 - s * math.sqrt(T))
    assert within(res, truth), (res, truth)
    lr = np.log(X)
    assert abs(np.corrcoef(lr[:, 0], lr[:, 1])[0, 1] - rho) < 0.01


def test_correlated_paths_shape_and_validation():
    P = correlated_gbm_paths([100, 50, 20], 1.0, r, 0.0, [0.2, 0.3, 0.4], np.eye(3), 1000, 4,
                             rng=1)
    assert P.shape == (1000, 5, 3) and np.allclose(P[:, 0], [100, 50, 20])
    with pytest.raises(DataError, match="positive definite"):
        correlated_gbm_terminal([1, 1], 1, r, 0, 0.2, [[1, 1.2], [1.2, 1]], 10)
    with pytest.raises(DataError, match="2x2"):
        correlated_gbm_terminal([1, 1], 1, r, 0, 0.2, np.eye(3), 10)


@pytest.mark.parametrize("is_call", [True, False])
def test_gbm_greeks_by_crn_match_black_scholes(is_call):
    g = mc_greeks(S, 105, 0.75, r, q, is_call, "gbm", sigma=0.25, n_paths=200_000, rng=21)
    bs = bs_greeks(S, 105, 0.75, r, q, 0.25, is_call)
    for name in ("price", "delta", "vega", "rho"):
        res, truth = getattr(g, name), float(bs[name])
        assert abs(res.price - truth) <= 3 * res.stderr + 2e-3 * abs(truth), (name, res, truth)
    assert abs(g.gamma.price - float(bs.gamma)) <= 3 * g.gamma.stderr + 5e-4
    assert MCGreeks.from_dict(g.to_dict()) == g


@pytest.mark.parametrize("K, is_call", [(100.0, True), (90.0, False)])
def test_heston_greeks_match_finite_differences_of_the_analytic_price(K, is_call):
    """Heston MC Greeks (QE paths, CRN bumps) against central differences of heston_price
    (the COS price, itself checked against QuantLib's analytic engine): the same bumps, so the
    only differences are Monte Carlo noise and the QE discretisation (a few 1e-3 relative)."""
    from core.pricing import heston_price

    hp = dict(v0=0.04, kappa=1.5, theta=0.04, sigma=0.5, rho=-0.7)
    T = 0.5
    g = mc_greeks(S, K, T, r, q, is_call, "heston", n_paths=200_000, n_steps=64, rng=1, **hp)

    def price(S_=S, r_=r, dvol=0.0):
        pp = dict(hp, v0=(math.sqrt(hp["v0"]) + dvol) ** 2)
        return float(heston_price(S_, K, T, r_, q, **pp, is_call=is_call))

    h, dv, dr = 0.01 * S, 0.01, 1e-4
    truth = {"price": price(),
             "delta": (price(S + h) - price(S - h)) / (2 * h),
             "gamma": (price(S + h) - 2 * price() + price(S - h)) / h ** 2,
             "vega": (price(dvol=dv) - price(dvol=-dv)) / (2 * dv),
             "rho": (price(r_=r + dr) - price(r_=r - dr)) / (2 * dr)}
    assert (truth["delta"] > 0) == is_call
    for name, value in truth.items():
        res = getattr(g, name)
        assert abs(res.price - value) <= 3 * res.stderr + 5e-3 * abs(value), (name, res, value)


def test_mc_estimate_control_variate_and_round_trip():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10_000)
    y = 2 + 3 * x + 0.1 * rng.standard_normal(10_000)
    res = mc_estimate(y, control=x, control_mean=0.0, confidence=0.99)
    assert abs(res.price - 2) < 4 * res.stderr and res.stderr < 0.002
    assert MCResult.from_dict(res.to_dict()) == res


@pytest.mark.parametrize("call, message", [
    (lambda: mc_european(S, 100, 1, r, q, True, "gbm", n_paths=10), "sigma"),
    (lambda: mc_european(S, 100, 1, r, q, True, "sabr", sigma=0.2), "model"),
    (lambda: mc_european(S, -1, 1, r, q, True, sigma=0.2), "K must be > 0"),
    (lambda: mc_european(S, 100, 1, r, q, True, "heston", control="bs", v0=.04, kappa=1,
                         theta=.04, sigma=.3, rho=0), "control='bs'"),
    (lambda: gbm_terminal(S, 1, r, q, 0.2, 0), "n must be a positive integer"),
    (lambda: gbm_terminal(S, 1, r, q, 0.2, 5, rng="x"), "rng"),
    (lambda: heston_terminal(S, 1, r, q, .04, 1, .04, .3, 1.5, 10, 4), "rho"),
    (lambda: mc_estimate([1.0, 2.0, 3.0], antithetic=True), "even"),
])
def test_bad_arguments_raise_dataerror(call, message):
    with pytest.raises(DataError, match=message):
        call()


def test_heston_draws_do_not_depend_on_the_thread_count():
    import numba

    p = (0.04, 1.5, 0.04, 0.5, -0.7)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one, _ = heston_terminal(S, 1.0, r, q, *p, 5000, 16, rng=123)
        numba.set_num_threads(before)
        many, _ = heston_terminal(S, 1.0, r, q, *p, 5000, 16, rng=123)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)


def test_block_generator_uniforms_look_uniform():
    from scipy.stats import kstest

    from core.pricing._mc_kernels import uniform_block_test

    u = uniform_block_test(2024, 200_000)
    assert np.all((u > 0) & (u < 1))
    assert kstest(u, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01
    assert not np.array_equal(u[:100], uniform_block_test(2025, 100))


@pytest.mark.parametrize("antithetic", [False, True])
@pytest.mark.parametrize("params", [(0.04, 1.5, 0.04, 0.5, -0.7), (0.09, 3.0, 0.05, 0.9, -0.5),
                                    (0.01, 0.5, 0.2, 1.2, 0.3)])
def test_qe_kernel_equals_the_numpy_reference_on_the_same_draws(antithetic, params):
    from core.pricing._mc_kernels import BLOCK, uniform_block_test
    from core.pricing.montecarlo import _heston_qe_reference

    n, steps = 200, 12
    assert n <= BLOCK  # one block: one seed
    ST, vT = heston_terminal(S, 0.7, r, q, *params, n, steps, rng=77, antithetic=antithetic)
    seed = np.random.default_rng(77).integers(0, 2**63 - 1, size=1, dtype=np.int64).view(np.uint64)
    n_draw = n // 2 if antithetic else n
    u = uniform_block_test(seed[0], n_draw * steps * 3).reshape(n_draw, steps, 3)
    S_ref, v_ref = _heston_qe_reference(u, S, 0.7, r, q, *params, antithetic=antithetic)
    np.testing.assert_allclose(ST, S_ref, rtol=1e-11)
    np.testing.assert_allclose(vT, v_ref, rtol=1e-10, atol=1e-14)
