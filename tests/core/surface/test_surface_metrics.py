"""SurfaceFit evaluation (forward and total-variance interpolation, extrapolation), smile metrics
(25-delta strikes checked with Black-Scholes deltas), and a small modern chain with weeklies and
no spot column, end to end."""
from __future__ import annotations

import numpy as np
import pytest

from core.data import load_chain
from core.errors import DataError
from core.pricing import bs_greeks
from core.surface import (atm_term_structure, fit_sabr, fit_ssvi, fit_svi, smile_metrics,
                          surface_from_params, svi_total_variance)
from tests.real_data import spx_2011_chain

S1 = dict(T=0.25, forward=101.0, a=0.005, b=0.05, rho=-0.5, m=0.02, sigma=0.1)
S2 = dict(T=1.0, forward=103.0, a=0.03, b=0.10, rho=-0.4, m=0.05, sigma=0.2)
SPOT = 100.0


def w_of(s, k):
    return svi_total_variance(k, s["a"], s["b"], s["rho"], s["m"], s["sigma"])


@pytest.fixture(scope="module")
def two_slices():
    return surface_from_params("svi", [S1, S2], spot=SPOT)


def test_forward_interpolation(two_slices):
    f = two_slices
    assert f.forward(0.0) == pytest.approx(SPOT, rel=1e-15)
    assert f.forward(S1["T"]) == pytest.approx(S1["forward"], rel=1e-14)
    T = 0.6
    lam = (T - 0.25) / 0.75
    expect = np.exp((1 - lam) * np.log(S1["forward"]) + lam * np.log(S2["forward"]))
    assert f.forward(T) == pytest.approx(expect, rel=1e-14)
    carry = np.log(S2["forward"] / SPOT) / S2["T"]
    assert f.forward(2.0) == pytest.approx(SPOT * np.exp(carry * 2.0), rel=1e-14)


def test_total_variance_linear_in_T_at_fixed_k_and_flat_vol_outside(two_slices):
    f = two_slices
    k = np.linspace(-0.5, 0.4, 10)
    T = 0.6
    lam = (T - 0.25) / 0.75
    K = f.forward(T) * np.exp(k)
    expect = np.sqrt(((1 - lam) * w_of(S1, k) + lam * w_of(S2, k)) / T)
    np.testing.assert_allclose(f.implied_vol(K, T), expect, rtol=1e-13)
    for T, s in ((0.05, S1), (0.0, S1), (3.0, S2)):       # flat in vol at fixed k
        K = f.forward(T) * np.exp(k)
        np.testing.assert_allclose(f.implied_vol(K, T), np.sqrt(w_of(s, k) / s["T"]),
                                   rtol=1e-13)
    v = f.implied_vol(np.array([[90.0], [110.0]]), np.array([0.1, 0.5, 2.0]))
    assert v.shape == (2, 3) and np.all(np.isfinite(v))
    with pytest.raises(DataError, match="K"):
        f.implied_vol(-1.0, 0.5)
    with pytest.raises(DataError, match="T"):
        f.implied_vol(100.0, -0.5)


def test_25_delta_strikes_have_25_delta(two_slices):
    m = smile_metrics(two_slices)
    assert list(m["T"]) == [0.25, 1.0]
    for row in m.itertuples():
        for K, vol, target, call in ((row.strike_25c, row.vol_25c, 0.25, True),
                                     (row.strike_25p, row.vol_25p, -0.25, False)):
            # forward delta = Black-Scholes delta with S = F and r = q = 0
            d = bs_greeks(row.forward, K, row.T, 0.0, 0.0, vol, call).delta
            assert float(d) == pytest.approx(target, abs=1e-9)
        assert row.atm_vol == pytest.approx(float(two_slices.implied_vol(row.forward, row.T)),
                                            rel=1e-13)
        assert row.rr25 == pytest.approx(row.vol_25c - row.vol_25p)
        assert row.bf25 == pytest.approx(0.5 * (row.vol_25c + row.vol_25p) - row.atm_vol)
        h = 1e-5
        vols = two_slices.implied_vol(row.forward * np.exp([-h, h]), row.T)
        assert row.skew == pytest.approx((vols[1] - vols[0]) / (2 * h), rel=1e-6)
    theta = np.array([w_of(S1, 0.0), w_of(S2, 0.0)])
    assert m["forward_vol"].iloc[1] == pytest.approx(np.sqrt((theta[1] - theta[0]) / 0.75))


def test_metrics_on_fits_of_the_real_spx_2011_chain(warm):
    chain = spx_2011_chain()
    for fit in (fit_svi(chain), fit_ssvi(chain), fit_sabr(chain)):
        m = fit.metrics()
        assert len(m) == 9 and m[["atm_vol", "rr25", "bf25", "skew"]].notna().all().all()
        assert (m["rr25"] < 0).all() and (m["skew"] < 0).all()          # equity skew
        assert m["atm_vol"].between(0.18, 0.24).all()
        ts = atm_term_structure(fit)
        assert ts["fitted"].sum() == 9 and np.all(np.diff(ts["atm_total_variance"]) > 0)
    ssvi = fit_ssvi(chain)
    np.testing.assert_allclose(ssvi.metrics()["atm_total_variance"], ssvi.params["theta"],
                               rtol=1e-13)


def test_surface_from_params_validates():
    with pytest.raises(DataError, match="rho"):
        surface_from_params("svi", [dict(S1, rho=1.2)], spot=SPOT)
    with pytest.raises(DataError, match="model"):
        surface_from_params("heston", [S1], spot=SPOT)
    with pytest.raises(DataError, match="lack"):
        surface_from_params("sabr", [S1], spot=SPOT)
    with pytest.raises(DataError, match="eta"):
        surface_from_params("ssvi", [dict(T=1.0, forward=100.0, theta=0.04)], spot=SPOT,
                            global_params=dict(rho=-0.5, eta=-1.0, gamma=0.4))


def test_modern_chain_with_weeklies_and_no_spot(make_csv, warm):
    """Weeklies from 1 to 7 days plus monthlies, no spot column; SVI recovers the smiles."""
    rho, eta, gamma = -0.7, 1.0, 0.45

    def smile(k, T, F, K):
        theta = (0.17 + 0.05 * np.exp(-T / 0.25)) ** 2 * T
        phi = eta / (theta ** gamma * (1 + theta) ** (1 - gamma))
        w = theta / 2 * (1 + rho * phi * k + np.sqrt((phi * k + rho) ** 2 + 1 - rho ** 2))
        return np.sqrt(w / T)

    days = [1, 2, 3, 4, 5, 6, 7, 14, 21, 30, 60, 91]
    data, truth = make_csv(smile, days, n_strikes=31, width=4.0, atm_guess=0.22)
    assert b"spot" not in data.splitlines()[0]
    chain = load_chain(data)
    assert chain.spot_source == "forward"
    fit = fit_svi(chain)
    assert len(fit.params) == len(days) and fit.skipped == ()
    assert fit.rmse_iv < 1e-4
    for row in fit.params.itertuples():
        k = np.linspace(-0.02, 0.02, 5)
        np.testing.assert_allclose(fit.implied_vol(row.forward * np.exp(k), row.T),
                                   smile(k, row.T, row.forward, None), atol=2e-4)
    assert fit.arbitrage().butterfly_free
