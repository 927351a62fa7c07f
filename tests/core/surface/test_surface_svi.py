"""fit_svi: recovery of known SVI smiles, the quasi-explicit kernel, Durrleman's g, the sample
SPX targets, butterfly repair, skipped slices."""
from __future__ import annotations

import json

import numpy as np
import pytest
import QuantLib as ql
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import lsq_linear

from core.data import load_chain
from core.errors import CalibrationError, DataError
from core.surface import (SurfaceFit, durrleman_g, fit_svi, surface_from_params, svi_g,
                          svi_total_variance)
from core.surface.svi import _box_lsq3
from tests.real_data import spx_2011_chain

# (days, a, b, rho, m, sigma): arbitrage-free total-variance slices with m inside the quotes
TRUE_SVI = [(30, 0.0010, 0.030, -0.60, 0.010, 0.050),
            (91, 0.0040, 0.060, -0.50, 0.020, 0.100),
            (182, 0.0100, 0.080, -0.45, 0.030, 0.150),
            (365, 0.0200, 0.100, -0.40, 0.050, 0.200)]
VOGT = dict(a=-0.0410, b=0.1331, rho=0.3060, m=0.3586, sigma=0.4153)     # T = 1


@pytest.fixture(scope="module")
def svi_chain(make_csv, svi_smile):
    by_days = {d: svi_smile(*p) for d, *p in TRUE_SVI}
    data, truth = make_csv(lambda k, T, F, K: by_days[round(T * 365)](k, T, F, K),
                           [d for d, *_ in TRUE_SVI], n_strikes=41, width=4.0)
    return load_chain(data), truth


def test_recovers_known_svi_parameters_and_vols(svi_chain, warm):
    chain, truth = svi_chain
    fit = fit_svi(chain)
    assert fit.skipped == ()
    p = fit.params
    assert len(p) == len(TRUE_SVI)
    np.testing.assert_allclose(p["T"], truth["T"], rtol=1e-14)
    np.testing.assert_allclose(p["forward"], truth["forward"], rtol=1e-8)
    for (d, *true), row in zip(TRUE_SVI, p.itertuples()):
        got = (row.a, row.b, row.rho, row.m, row.sigma)
        np.testing.assert_allclose(got, true, rtol=2e-3, atol=2e-5)
        assert row.method == "quasi-explicit"
    assert fit.rmse_iv < 1e-5
    assert fit.inside_spread == 1.0
    # vols off the quotes too: compare the fitted surface with the true smile at each expiry
    for (d, *true), row in zip(TRUE_SVI, p.itertuples()):
        k = np.linspace(-0.3, 0.2, 11)
        K = row.forward * np.exp(k)
        exact = np.sqrt(svi_total_variance(k, *true) / row.T)
        np.testing.assert_allclose(fit.implied_vol(K, row.T), exact, atol=2e-5)
    arb = fit.arbitrage()
    assert arb.butterfly_free and arb.calendar_free


def test_vogt_slice_is_flagged_with_negative_density():
    """Axel Vogt's SVI slice (Gatheral & Jacquier 2014, Example 3.1) has g(k) < 0; the
    Breeden-Litzenberger density from QuantLib Black prices is negative at the same place."""
    fit = surface_from_params("svi", [dict(T=1.0, forward=1.0, **VOGT)], spot=1.0)
    arb = fit.arbitrage()
    assert not arb.butterfly_free and arb.calendar_free
    worst = arb.butterfly[0]
    assert worst["expiry"] is None or isinstance(worst["expiry"], str)
    assert worst["g"] < -0.01 and 0.3 < worst["k"] < 1.2
    bad_k = np.array([v["k"] for v in arb.butterfly])
    # independent truth: second strike derivative of undiscounted call prices
    k0, h = worst["k"], 1e-3
    K = np.exp(k0 + np.array([-h, 0.0, h]))
    vols = np.sqrt(svi_total_variance(np.log(K), *VOGT.values()))
    C = [ql.blackFormula(ql.Option.Call, float(k), 1.0, float(v), 1.0) for k, v in zip(K, vols)]
    density = (C[2] - 2 * C[1] + C[0]) / ((K[2] - K[0]) / 2) ** 2
    assert density < 0
    assert bad_k.min() > 0.0 and bad_k.max() < 1.5


def test_durrleman_g_matches_breeden_litzenberger():
    """g / sqrt(2 pi w) exp(-d2^2/2) is the density in log-strike (K times the K-density)."""
    p = dict(a=0.02, b=0.1, rho=-0.4, m=0.05, sigma=0.2)
    k = np.linspace(-0.8, 0.6, 15)
    w = svi_total_variance(k, *p.values())
    d2 = -k / np.sqrt(w) - np.sqrt(w) / 2
    dens_k = svi_g(k, *p.values()) / np.sqrt(2 * np.pi * w) * np.exp(-0.5 * d2 ** 2)
    h = 1e-3
    for ki, dk in zip(k, dens_k):
        K = np.exp(ki + np.array([-h, 0.0, h]))
        v = np.sqrt(svi_total_variance(np.log(K), *p.values()))
        C = [ql.blackFormula(ql.Option.Call, float(x), 1.0, float(s), 1.0) for x, s in zip(K, v)]
        # differences in k of C(e^k): C_kk - C_k = K^2 C_KK, and the density in k is K C_KK
        Ck = (C[2] - C[0]) / (2 * h)
        Ckk = (C[2] - 2 * C[1] + C[0]) / h ** 2
        assert (Ckk - Ck) / K[1] == pytest.approx(dk, rel=1e-4, abs=1e-7)


def test_durrleman_g_nonpositive_variance_is_minus_inf():
    assert durrleman_g(0.1, 0.0, 0.1, 0.0) == -np.inf


def test_vogt_data_is_refitted_without_butterfly_arbitrage(make_csv, svi_smile, warm):
    data, _ = make_csv(svi_smile(*VOGT.values()), [365], n_strikes=61, width=3.0,
                       atm_guess=0.3)
    fit = fit_svi(load_chain(data))
    assert fit.params["method"].iloc[0] == "penalised"
    assert any("penalty" in n for n in fit.notes)
    assert fit.arbitrage(k_min=-3.0, k_max=3.0, n_k=3001).butterfly_free
    assert fit.rmse_iv < 0.01               # the price of removing the arbitrage stays small


def test_real_spx_2011_chain_meets_targets(warm):
    fit = fit_svi(spx_2011_chain())
    assert len(fit.params) == 9
    assert fit.rmse_iv < 0.005                          # < 0.5 vol points
    assert fit.inside_spread >= 0.90
    assert fit.arbitrage().butterfly_free
    r = fit.residuals()
    assert r["used"].sum() >= 300
    assert set(r.columns) >= {"expiry", "strike", "k", "iv", "fit_iv", "iv_bid", "iv_ask"}
    # wide quotes are left out of the fit but reported; down-weighting them instead also works
    assert (~r.loc[r["wide"], "used"]).all()
    all_q = fit_svi(spx_2011_chain(), exclude_wide=False)
    assert all_q.residuals()["used"].sum() == len(r)
    assert all_q.inside_spread >= 0.90 and all_q.arbitrage().butterfly_free


def test_round_trip_through_json(warm):
    fit = fit_svi(spx_2011_chain())
    back = SurfaceFit.from_dict(json.loads(json.dumps(fit.to_dict())))
    K = np.linspace(900, 1600, 8)[:, None]
    T = np.array([0.02, 0.1, 0.5, 1.0, 2.5, 4.0])[None, :]
    np.testing.assert_array_equal(back.implied_vol(K, T), fit.implied_vol(K, T))
    assert back.rmse_iv == fit.rmse_iv and back.skipped == fit.skipped
    assert back.residuals().shape == fit.residuals().shape
    with pytest.raises(DataError):
        SurfaceFit.from_dict({"kind": "Chain"})


def test_skips_thin_expiries_and_fails_only_when_nothing_fits(make_csv, svi_smile, warm):
    smile = svi_smile(0.01, 0.08, -0.45, 0.03, 0.15)
    thick, _ = make_csv(smile, [91, 182], n_strikes=31)
    thin, _ = make_csv(smile, [30], n_strikes=5, width=0.5)
    lines = thick.decode().splitlines()
    data = "\n".join(lines + thin.decode().splitlines()[1:]).encode()
    chain = load_chain(data)
    fit = fit_svi(chain, min_quotes=6)
    skipped = dict(fit.skipped)
    assert len(fit.params) == 2 and len(skipped) == 1
    (day, reason), = fit.skipped
    assert "need 6" in reason
    assert any(day in line for line in fit.lines())
    with pytest.raises(CalibrationError, match="no expiry could be fitted"):
        fit_svi(chain, min_quotes=500)
    with pytest.raises(DataError, match="min_quotes"):
        fit_svi(chain, min_quotes=0)
    with pytest.raises(DataError, match="Chain"):
        fit_svi("not a chain")


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 40))
def test_box_least_squares_matches_scipy(seed, n):
    """The 27-face enumeration solves box-constrained least squares exactly (vs scipy BVLS)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, 3)) * rng.uniform(0.1, 10.0, 3)
    b = rng.normal(size=n) * 3
    lo = -rng.uniform(0.0, 1.0, 3)
    hi = rng.uniform(0.0, 1.0, 3)
    x = np.empty(3)
    obj = _box_lsq3(A.T @ A, A.T @ b, lo, hi, x)
    ref = lsq_linear(A, b, bounds=(lo, hi), method="bvls", tol=1e-14)
    f_ours = np.sum((A @ x - b) ** 2)
    f_ref = np.sum((A @ ref.x - b) ** 2)
    assert np.all(x >= lo - 1e-12) and np.all(x <= hi + 1e-12)
    assert f_ours <= f_ref * (1 + 1e-9) + 1e-12
    assert obj + b @ b == pytest.approx(f_ours, rel=1e-8, abs=1e-10)
