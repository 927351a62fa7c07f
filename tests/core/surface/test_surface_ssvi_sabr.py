"""fit_ssvi on arbitrage-free SSVI surfaces, fit_sabr on QuantLib SABR smiles, calendar checks."""
from __future__ import annotations

import numpy as np
import pytest
import QuantLib as ql

from core.data import load_chain
from core.errors import DataError
from core.surface import (ArbitrageReport, fit_sabr, fit_ssvi, ssvi_to_raw, ssvi_total_variance,
                          surface_from_params, svi_total_variance)
from core.surface.ssvi import isotonic, ssvi_eta_max
from tests.real_data import spx_2011_chain

SSVI = dict(rho=-0.6, eta=1.1, gamma=0.4)          # eta (1 + |rho|) = 1.76 <= 2
SSVI_DAYS = (30, 91, 182, 365, 730)


def ssvi_w(k, theta, rho, eta, gamma):
    """SSVI total variance written out independently of core.surface."""
    phi = eta / (theta ** gamma * (1 + theta) ** (1 - gamma))
    return theta / 2 * (1 + rho * phi * k + np.sqrt((phi * k + rho) ** 2 + 1 - rho ** 2))


def theta_true(T):
    return (0.18 + 0.04 * np.exp(-T / 0.3)) ** 2 * T


@pytest.fixture(scope="module")
def ssvi_chain(make_csv):
    def smile(k, T, F, K):
        return np.sqrt(ssvi_w(k, theta_true(T), **SSVI) / T)
    data, truth = make_csv(smile, SSVI_DAYS, n_strikes=41, width=4.0)
    return load_chain(data), truth


def test_ssvi_formulas_agree_with_raw_svi():
    k = np.linspace(-1.0, 1.0, 41)
    for theta in (0.001, 0.04, 0.5):
        raw = ssvi_to_raw(np.array([theta]), **SSVI)
        np.testing.assert_allclose(svi_total_variance(k, *(float(np.ravel(x)[0]) for x in raw)),
                                   ssvi_w(k, theta, **SSVI), rtol=1e-13)
        np.testing.assert_allclose(ssvi_total_variance(k, theta, *SSVI.values()),
                                   ssvi_w(k, theta, **SSVI), rtol=1e-14)


def test_isotonic_regression():
    y = np.array([1.0, 3.0, 2.0, 2.0, 5.0, 4.0])
    np.testing.assert_allclose(isotonic(y), [1.0, 7 / 3, 7 / 3, 7 / 3, 4.5, 4.5])
    assert np.all(np.diff(isotonic(np.random.default_rng(1).normal(size=50))) >= 0)


def test_ssvi_recovers_parameters_and_is_arbitrage_free(ssvi_chain, warm):
    chain, truth = ssvi_chain
    fit = fit_ssvi(chain)
    g = fit.global_params
    assert g["rho"] == pytest.approx(SSVI["rho"], abs=2e-4)
    assert g["eta"] == pytest.approx(SSVI["eta"], rel=2e-3)
    assert g["gamma"] == pytest.approx(SSVI["gamma"], abs=2e-3)
    np.testing.assert_allclose(fit.params["theta"], theta_true(truth["T"].to_numpy()),
                               rtol=1e-4)
    assert fit.rmse_iv < 2e-5
    assert g["eta"] <= ssvi_eta_max(g["rho"], g["gamma"]) and 0 < g["gamma"] <= 0.5
    arb = fit.arbitrage(n_t=300)
    assert arb.butterfly_free and arb.calendar_free
    assert arb.n_t == 300 and len(arb.slices) == len(SSVI_DAYS)
    # theta(T): linear between expiries, flat ATM vol outside
    Ts, th = fit.params["T"].to_numpy(), fit.params["theta"].to_numpy()
    mid = 0.5 * (Ts[1] + Ts[2])
    assert fit.theta(mid) == pytest.approx(0.5 * (th[1] + th[2]), rel=1e-14)
    assert fit.theta(Ts[-1] * 2) == pytest.approx(th[-1] * 2, rel=1e-14)
    assert fit.theta(Ts[0] / 2) == pytest.approx(th[0] / 2, rel=1e-14)


def test_ssvi_with_atm_theta_only(ssvi_chain, warm):
    chain, truth = ssvi_chain
    fit = fit_ssvi(chain, fit_theta=False)
    np.testing.assert_allclose(fit.params["theta"], theta_true(truth["T"].to_numpy()),
                               rtol=5e-3)
    assert fit.global_params["rho"] == pytest.approx(SSVI["rho"], abs=0.02)
    assert fit.arbitrage().arbitrage_free


def test_ssvi_on_the_real_spx_2011_chain_is_arbitrage_free(warm):
    fit = fit_ssvi(spx_2011_chain())
    arb = fit.arbitrage(n_t=200)
    assert arb.butterfly_free and arb.calendar_free
    assert np.all(np.diff(fit.params["theta"]) >= 0)
    assert fit.rmse_iv < 0.01


def test_calendar_crossing_pair_is_flagged():
    s1 = dict(T=0.5, forward=100.0, a=0.01, b=0.20, rho=-0.3, m=0.0, sigma=0.1)
    s2 = dict(T=1.0, forward=100.0, a=0.03, b=0.10, rho=-0.3, m=0.0, sigma=0.1)
    fit = surface_from_params("svi", [s1, s2], spot=100.0)
    arb = fit.arbitrage(n_t=0)
    k = np.linspace(-1.5, 1.5, 200)
    w1 = svi_total_variance(k, *(s1[c] for c in "a b rho m sigma".split()))
    w2 = svi_total_variance(k, *(s2[c] for c in "a b rho m sigma".split()))
    crossing = k[w2 < w1]
    assert crossing.size > 0 and not arb.calendar_free and arb.butterfly_free
    assert arb.n_calendar == crossing.size
    np.testing.assert_allclose(np.sort([c["k"] for c in arb.calendar]), crossing)
    assert all(c["T1"] == 0.5 and c["T2"] == 1.0 and c["w2"] < c["w1"] for c in arb.calendar)
    back = ArbitrageReport.from_dict(arb.to_dict())
    assert back == arb
    assert any("Calendar arbitrage" in line for line in arb.lines())


SABR_TRUE = {91: (2.0, -0.40, 0.9), 182: (2.1, -0.35, 0.7), 365: (2.2, -0.30, 0.5)}


@pytest.mark.parametrize("beta", [0.5, 1.0])
def test_sabr_recovers_quantlib_smiles(make_csv, beta, warm):
    def params(T):
        alpha, rho, nu = SABR_TRUE[round(T * 365)]
        return alpha * 100.0 ** (0.5 - beta), rho, nu     # same ATM level for both betas

    def smile(k, T, F, K):
        alpha, rho, nu = params(T)
        return ql.sabrVolatility(float(K), float(F), float(T), alpha, beta, nu, rho)

    data, truth = make_csv(smile, sorted(SABR_TRUE), n_strikes=31, width=4.0)
    fit = fit_sabr(load_chain(data), beta=beta)
    p = fit.params
    assert (p["beta"] == beta).all() and fit.global_params == {"beta": beta}
    for row in p.itertuples():
        alpha, rho, nu = params(row.T)
        assert row.alpha == pytest.approx(alpha, rel=1e-4)
        assert row.rho == pytest.approx(rho, abs=1e-4)
        assert row.nu == pytest.approx(nu, rel=1e-4)
    assert fit.rmse_iv < 1e-6
    K = np.linspace(80.0, 120.0, 9)
    T, F = float(p["T"].iloc[1]), float(p["forward"].iloc[1])
    alpha, rho, nu = params(T)
    ref = [ql.sabrVolatility(float(x), F, T, alpha, beta, nu, rho) for x in K]
    np.testing.assert_allclose(fit.implied_vol(K, T), ref, atol=1e-6)


def test_sabr_on_the_real_spx_2011_chain(warm):
    fit = fit_sabr(spx_2011_chain(), beta=0.5)
    assert len(fit.params) == 9
    assert fit.rmse_iv < 0.005 and fit.inside_spread >= 0.9
    assert (fit.params["rho"].abs() < 1).all() and (fit.params["nu"] > 0).all()
    with pytest.raises(DataError, match="beta"):
        fit_sabr(spx_2011_chain(), beta=1.5)
