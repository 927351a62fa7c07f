"""Re-derive the modelled chain's stored constants from the real files in ../shared/data (and
arch's S&P 500 + VIX), and cross-check the smile fit against the project's own SSVI fitter."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import modelled_fit as fit
from tests.real_data import spx_2011_chain, spxw_2018_days


@pytest.fixture(scope="module")
def real():
    import arch.data.vix
    vix = arch.data.vix.load()["vix"]                # arch's own loader, not core.data.embedded
    days = spxw_2018_days()
    chains = [spx_2011_chain(), *days]
    vixes = [None] + [float(vix.loc[pd.Timestamp(d.quote_date)]) for d in days]
    groups = ["spx2011"] + ["spxw2018"] * len(days)
    return chains, vixes, groups


@pytest.fixture(scope="module")
def shape(real):
    return fit.fit_shape(*real)


def test_the_files_are_what_the_fit_used(real):
    chains, vixes, _ = real
    assert len(chains) == 39                              # 1 + 38 SPXW days with a live expiry
    assert chains[0].quote_date.isoformat() == "2011-01-24" and len(chains[0].expiries) == 9
    assert min(vixes[1:]) == pytest.approx(9.15) and max(vixes[1:]) == pytest.approx(37.32)


def test_surface_constants_rederive(shape):
    assert shape["vix_ratio"] == pytest.approx(fit.VIX_RATIO, abs=0.005)
    assert shape["s_inf"] == pytest.approx(fit.S_INF, abs=0.003)
    assert shape["kappa"] == pytest.approx(fit.KAPPA, abs=0.01)
    assert shape["rho"] == pytest.approx(fit.SSVI_RHO, abs=0.01)
    assert shape["eta"] == pytest.approx(fit.SSVI_ETA, abs=0.02)
    assert shape["gamma"] == pytest.approx(fit.SSVI_GAMMA, abs=0.01)
    # how well one shape fits both eras (vol decimals): stated in the report
    assert shape["rmse_spx2011"] < 0.02 and shape["rmse_spxw2018"] < 0.035


def test_spread_constants_rederive(real):
    chains, _, groups = real
    sp = fit.fit_spread(chains, groups)
    assert sp["beta"] == pytest.approx(fit.SPREAD_BETA, abs=0.01)
    (d11, c11), (d18, c18) = fit.SPREAD_ANCHORS
    assert sp["c_spx2011"] == pytest.approx(c11, abs=0.01) and sp["date_spx2011"] == d11.isoformat()
    assert sp["c_spxw2018"] == pytest.approx(c18, abs=0.01) and sp["date_spxw2018"] == d18.isoformat()
    # an independent check of the fitted law on raw quotes: the median OTM spread of the 2018
    # file near a mid of 1.00 and of 10.00 index points
    from tests.real_data import spxw_2018_raw
    raw = spxw_2018_raw()
    raw = raw[raw["expiration"] > raw["quotedate"]]
    mid = (raw["bid"] + raw["ask"]) / 2
    otm = np.where(raw["type"] == "call", raw["strike"] > raw["underlying_last"],
                   raw["strike"] <= raw["underlying_last"])
    for m in (1.0, 10.0):
        near = otm & (raw["bid"] > 0) & mid.between(0.8 * m, 1.25 * m)
        real_med = float((raw["ask"] - raw["bid"])[near].median())
        model = np.exp(c18) * m ** fit.SPREAD_BETA
        assert model == pytest.approx(real_med, rel=0.5), (m, real_med, model)


def test_vix_proxy_constants_rederive():
    import arch.data.sp500
    import arch.data.vix
    c0, c1 = fit.fit_vix_proxy(arch.data.sp500.load()["Close"], arch.data.vix.load()["vix"])
    assert c0 == pytest.approx(fit.PROXY_C0, abs=0.002)
    assert c1 == pytest.approx(fit.PROXY_C1, abs=0.002)


def test_smile_fit_agrees_with_the_projects_ssvi_fitter():
    """Second method: core.surface.fit_ssvi on the 2011 chain alone vs fit_shape on it alone,
    compared as implied vols on the chain's OTM quotes (the parameters trade off)."""
    from core.surface import fit_ssvi
    from core.surface.ssvi import ssvi_total_variance
    chain = spx_2011_chain()
    ours = fit.fit_shape([chain], [None], ["a"])
    ref = fit_ssvi(chain)
    g = ref.global_params
    assert ours["rho"] == pytest.approx(g["rho"], abs=0.05)
    q = chain.otm_quotes(0.6, 1.4, exclude_wide=True)
    k, T = q["log_moneyness"].to_numpy(), q["T"].to_numpy()
    atm = chain.expiries.set_index("expiry").loc[q["expiry"], "atm_iv"].to_numpy()
    theta = atm ** 2 * T
    v_ours = np.sqrt(ssvi_total_variance(k, theta, ours["rho"], ours["eta"], ours["gamma"]) / T)
    v_ref = ref.implied_vol(q["strike"].to_numpy(), T)
    assert np.sqrt(np.mean((v_ours - v_ref) ** 2)) < 0.005
    assert ours["rmse_a"] < 0.008 and ref.rmse_iv < 0.008
