"""The modelled chain: real inputs (arch's S&P 500 close, VIX, T-bill), listing conventions,
no-arbitrage, the round trip through load_chain, and closeness to real SPXW chains."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from dateutil.easter import easter

from core.data import (Chain, listed_expiries, listed_strikes, load_chain, modelled_chain,
                       modelled_market, modelled_quotes)
from core.data import modelled_fit as fit
from core.errors import DataError
from core.pricing import bs_price


@pytest.fixture(scope="module")
def arch_data():
    import arch.data.sp500
    import arch.data.vix
    return arch.data.sp500.load(), arch.data.vix.load()["vix"].dropna()


@pytest.fixture(scope="module")
def chain():
    return modelled_chain("2018-12-31")


def _atm_at(chain, T):
    e = chain.expiries
    w = (e["atm_iv"] ** 2 * e["T"]).to_numpy()
    return float(np.sqrt(np.interp(T, e["T"].to_numpy(), w) / T))


def test_inputs_are_that_days_real_close_vix_and_rate(arch_data, chain):
    sp, vix = arch_data
    close = float(sp.loc["2018-12-31", "Close"])
    assert chain.spot == pytest.approx(close, rel=1e-12) and chain.spot_source == "argument"
    assert vix.loc["2018-12-31"] == 25.42
    # the chain's own 30-day ATM vol (implied back out of the rounded bid/ask by load_chain)
    assert _atm_at(chain, 30 / 365) == pytest.approx(fit.VIX_RATIO * 0.2542, abs=0.003)
    # forwards and discounts re-inferred by put-call parity give back the stated r and q
    import arch.data.frenchdata
    rf = arch.data.frenchdata.load()["RF"].iloc[-1]                 # 2018-11, carried forward
    r = 12 * np.log1p(rf / 100)
    long = chain.expiries[chain.expiries["T"] > 0.25]
    np.testing.assert_allclose(long["r_implied"], r, atol=1e-3)
    np.testing.assert_allclose(long["q_implied"], fit.DIVIDEND_YIELD, atol=1e-3)
    assert chain.label == "modelled chain for 2018-12-31, from the S&P 500 close and VIX"
    lines = chain.report.lines()
    assert any("not market quotes" in ln and "25.42" in ln for ln in lines)
    assert any("flat assumption" in ln for ln in lines)


def test_before_2014_the_label_names_the_realised_vol_proxy(arch_data):
    sp, _ = arch_data
    c = modelled_chain("2008-10-10")
    assert c.label == ("modelled chain for 2008-10-10, from the S&P 500 close and a "
                       "realised-vol proxy for VIX")
    # the proxy recomputed independently from arch's closes
    lr = np.log(sp["Close"]).diff()
    rv = lr.loc[:"2008-10-10"].iloc[-21:].std(ddof=1) * np.sqrt(252)
    proxy = np.exp(fit.PROXY_C0 + fit.PROXY_C1 * np.log(100 * rv))
    m = modelled_market("2008-10-10")
    assert m["vix"].iloc[0] == pytest.approx(proxy, rel=1e-10)
    assert m["vol_source"].iloc[0] == "realised-vol proxy"
    assert c.spot == pytest.approx(float(sp.loc["2008-10-10", "Close"]))
    assert _atm_at(c, 30 / 365) == pytest.approx(fit.VIX_RATIO * proxy / 100, abs=0.005)


def test_listing_conventions():
    # monthly: third Fridays; Good Friday 2014 (April 18) moves the April expiry to Thursday
    exps = listed_expiries("2014-04-14")
    monthly = [e for e, root in exps if root == "SPX"]
    assert easter(2014) - dt.timedelta(days=2) == dt.date(2014, 4, 18)
    assert monthly[0] == dt.date(2014, 4, 17)
    for e in monthly[1:]:
        assert e.weekday() == 4 and 15 <= e.day <= 21, e
    weekly = [e for e, root in exps if root == "SPXW"]
    assert len(weekly) == 4 and all(e.weekday() == 4 and not 15 <= e.day <= 21 for e in weekly)
    # 6 monthlies, then quarterlies to a year, then Decembers (LEAPS) to 3 years
    m = [e for e, root in listed_expiries("2018-12-31") if root == "SPX"]
    assert [e.isoformat() for e in m] == [
        "2019-01-18", "2019-02-15", "2019-03-15", "2019-04-18", "2019-05-17", "2019-06-21",
        "2019-09-20", "2019-12-20", "2020-12-18", "2021-12-17"]
    # 2019-04-19 was Good Friday (the exchange was closed): the April expiry is Thursday
    assert easter(2019) - dt.timedelta(days=2) == dt.date(2019, 4, 19)
    # no weeklies before SPXW Friday weeklies existed
    assert {root for _, root in listed_expiries("2003-06-02")} == {"SPX"}


@pytest.mark.parametrize("year", range(1999, 2040))
def test_easter_rule_matches_dateutil(year):
    from core.data.modelled import _easter
    assert _easter(year) == easter(year)


def test_strike_spacing_by_moneyness():
    F, T = 2500.0, 30 / 365
    u = 0.2 * np.sqrt(T)
    K = listed_strikes(F, u, T)
    assert (K % 5 == 0).all()
    k = np.log(K / F)
    near, far = K[np.abs(k) <= min(1.5 * u, 0.1)], K[np.abs(k) > 0.5]
    assert set(np.diff(near)) == {5.0}
    assert (far % 100 == 0).all()
    assert K.min() == pytest.approx(F * np.exp(-6 * u), abs=100)
    assert K.max() == pytest.approx(F * np.exp(3 * u), abs=25)
    # a LEAPS has no 5-point strikes
    K2 = listed_strikes(F, 0.22 * np.sqrt(2.0), 2.0)
    assert (K2 % 25 == 0).all() and K2.min() >= 0.2 * F - 1e-9


def test_round_trip_through_load_chain_recovers_the_model_vols(chain):
    q = modelled_quotes("2018-12-31")
    assert len(q) == chain.n_quotes
    got = chain.quotes.merge(q[["expiry", "strike", "type", "iv_model"]],
                             on=["expiry", "strike", "type"])
    good = got[got["otm"] & ~got["wide"] & np.isfinite(got["iv"]) & (got["T"] > 0.02)]
    err = (good["iv"] - good["iv_model"]).abs()
    assert len(good) > 1000
    assert err.median() < 0.002 and err.quantile(0.95) < 0.01
    # every quote on the SPX tick grid, bid < ask
    for col in ("bid", "ask"):
        tick = np.where(q[col] < 3.0, 0.05, 0.10)
        assert np.allclose(np.round(q[col] / tick) * tick, q[col], atol=1e-9)
    assert (q["bid"] < q["ask"]).all() and (q["bid"] > 0).all()


def test_model_surface_is_free_of_static_arbitrage():
    # Gatheral-Jacquier sufficient conditions for the fitted SSVI (their Cor. 4.1)
    assert fit.SSVI_ETA * (1 + abs(fit.SSVI_RHO)) <= 2 + 1e-3 and fit.SSVI_GAMMA <= 0.5
    # and directly: model call prices convex in strike, total variance increasing in T
    from core.surface.ssvi import ssvi_total_variance
    q = modelled_quotes("2016-06-24")                     # the day after the Brexit vote
    calls = q[q["type"] == "C"]
    m = modelled_market("2016-06-24").iloc[0]
    for _, s in calls.groupby("expiry"):
        K = np.linspace(s["strike"].min(), s["strike"].max(), 400)
        T = float(s["T"].iloc[0])
        F = m["spot"] * np.exp((m["r"] - m["q"]) * T)
        theta = fit.atm_vol(T, m["sigma_30"]) ** 2 * T
        w = ssvi_total_variance(np.log(s["strike"] / F), theta, fit.SSVI_RHO, fit.SSVI_ETA,
                                fit.SSVI_GAMMA)
        np.testing.assert_allclose(np.sqrt(w / T), s["iv_model"], rtol=1e-12)
        iv = np.sqrt(ssvi_total_variance(np.log(K / F), theta, fit.SSVI_RHO, fit.SSVI_ETA,
                                         fit.SSVI_GAMMA) / T)
        c = bs_price(m["spot"], K, T, m["r"], m["q"], iv, True)
        assert (np.diff(c) <= 1e-9).all()
        assert (np.diff(c, 2) >= -1e-6 * m["spot"]).all()
    T = np.linspace(1 / 365, 3, 200)
    w = fit.atm_vol(T, 0.3) ** 2 * T
    assert (np.diff(w) > 0).all()


def test_many_dates_at_once_match_single_days(arch_data):
    sp, _ = arch_data
    days = ["2018-02-02", "2018-02-05", "2018-02-06"]
    q = modelled_quotes(days)
    assert sorted(q["quote_date"].dt.date.astype(str).unique()) == days
    for d in days:
        one = modelled_quotes(d)
        part = q[q["quote_date"] == pd.Timestamp(d)].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, one, check_like=False)
        assert part["spot"].nunique() == 1
        assert part["spot"].iloc[0] == pytest.approx(float(sp.loc[d, "Close"]))
    assert q.attrs["labels"]["2018-02-05"].startswith("modelled chain for 2018-02-05")
    # the VIX spike of 5 February 2018 shows in the level: ATM vol roughly doubles
    lvl = {d: _atm_at(load_chain(q[q["quote_date"] == pd.Timestamp(d)], quote_date=d), 30 / 365)
           for d in days}
    assert lvl["2018-02-05"] > 1.6 * lvl["2018-02-02"]


def test_close_to_the_real_spxw_chains_of_2018():
    from tests.real_data import spxw_2018_days
    errs = []
    for real in spxw_2018_days()[::4]:
        e = real.expiries.iloc[0]
        if e["T"] < 5 / 365:
            continue
        model = modelled_chain(real.quote_date)
        assert model.spot == pytest.approx(real.spot, rel=2e-4)       # arch close = file close
        errs.append(_atm_at(model, float(e["T"])) - float(e["atm_iv"]))
    errs = np.abs(errs)
    assert len(errs) >= 8
    # ATM vol at the real expiry: typically within half a vol point; the worst sampled day
    # (2018-02-08, three days into the vol shock, ATM 28 %) is 3.1 vol points off
    assert np.median(errs) < 0.01 and errs.max() < 0.04


def test_bad_input_is_a_readable_error():
    with pytest.raises(DataError, match="2018-12-29 is not an S&P 500 trading day.*2018-12-28"):
        modelled_chain("2018-12-29")
    with pytest.raises(DataError, match="outside the S&P 500 data"):
        modelled_chain("2019-06-03")
    with pytest.raises(DataError, match="underlying must be one of SPX"):
        modelled_chain("2018-12-31", underlying="NDX")
    with pytest.raises(DataError, match="date must be a date"):
        modelled_quotes(["not a date"])
    with pytest.raises(DataError, match="too early"):
        modelled_chain("1999-01-05")
    assert isinstance(modelled_chain("1999-02-01"), Chain)
