"""The embedded defaults read from installed wheels (arch, skfolio), checked against the
packages' own loaders, and offline."""
from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

from core.data import embedded, index_prices, sample_prices, sample_sectors

GICS = {"Energy", "Materials", "Industrials", "Consumer Discretionary", "Consumer Staples",
        "Health Care", "Financials", "Information Technology", "Communication Services",
        "Utilities", "Real Estate"}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the embedded data must not touch the network")
    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_sample_prices_are_skfolios_20_stocks(no_network):
    embedded._read_skfolio.cache_clear()
    px = sample_prices()
    from skfolio.datasets import load_sp500_dataset      # the package's own loader
    ref = load_sp500_dataset()
    assert list(px.columns) == list(ref.columns) == list(embedded.STOCK_TICKERS)
    assert px.shape == (8313, 20)
    assert px.index[0] == pd.Timestamp("1990-01-02") and px.index[-1] == pd.Timestamp("2022-12-28")
    np.testing.assert_array_equal(px.to_numpy(), ref.to_numpy(np.float64))
    assert (pd.DatetimeIndex(ref.index) == px.index).all()
    assert px.dtypes.eq(np.float64).all()
    assert any("skfolio" in n for n in px.attrs["notes"])


def test_index_and_factor_series_match_skfolio():
    from skfolio.datasets import load_factors_dataset, load_sp500_index
    np.testing.assert_array_equal(embedded.sp500_index().to_numpy(),
                                  load_sp500_index()["SP500"].to_numpy())
    f = embedded.factor_prices()
    assert list(f.columns) == ["MTUM", "QUAL", "SIZE", "USMV", "VLUE"]
    np.testing.assert_array_equal(f.to_numpy(), load_factors_dataset().to_numpy(np.float64))
    # two independent sources of the S&P 500 close agree on the days they share
    both = pd.concat([embedded.sp500_index(), embedded.sp500_ohlc()["close"]], axis=1).dropna()
    assert len(both) > 4900
    np.testing.assert_allclose(both.iloc[:, 0], both.iloc[:, 1], rtol=2e-4)


def test_sectors_are_public_gics_facts():
    s = sample_sectors()
    assert set(s) == set(embedded.STOCK_TICKERS)
    assert set(s.values()) <= GICS and set(embedded.GICS_SECTORS.values()) <= GICS
    assert s["XOM"] == s["CVX"] == s["RRC"] == "Energy"
    assert s["JPM"] == s["BAC"] == "Financials"
    assert s["AAPL"] == s["MSFT"] == s["AMD"] == "Information Technology"
    assert s["JNJ"] == s["PFE"] == s["UNH"] == "Health Care"
    assert s["KO"] == s["PG"] == s["WMT"] == "Consumer Staples"
    assert s["HD"] == "Consumer Discretionary" and s["GE"] == "Industrials"


def test_portfolio_page_default_universe_is_the_sample():
    from components.portfolio_state import DEFAULTS, SAMPLE_TICKERS
    assert SAMPLE_TICKERS == tuple(sample_prices().columns)
    assert DEFAULTS["universe"] == list(SAMPLE_TICKERS)


def test_arch_series_match_arch_loaders(no_network):
    import arch.data.frenchdata
    import arch.data.nasdaq
    import arch.data.sp500
    import arch.data.vix
    sp = embedded.sp500_ohlc()
    ref = arch.data.sp500.load()
    np.testing.assert_allclose(sp["close"].to_numpy(), ref["Close"].to_numpy())
    assert sp.index[0] == pd.Timestamp("1999-01-04") and sp.index[-1] == pd.Timestamp("2018-12-31")
    np.testing.assert_allclose(embedded.nasdaq_ohlc()["adj_close"].to_numpy(),
                               arch.data.nasdaq.load()["Adj Close"].to_numpy())
    vix = embedded.vix_close()
    np.testing.assert_allclose(vix.to_numpy(), arch.data.vix.load()["vix"].dropna().to_numpy())
    assert len(vix) == 1259 and np.isfinite(vix).all()
    assert vix.index[0] == pd.Timestamp("2014-01-03") and vix.index[-1] == pd.Timestamp("2019-01-03")
    assert vix.loc["2018-02-05"] == pytest.approx(37.32)         # the Feb-2018 vol shock
    r = embedded.tbill_rate()
    rf = arch.data.frenchdata.load()["RF"]
    np.testing.assert_allclose(np.expm1(r.to_numpy() / 12) * 100, rf.to_numpy(), atol=1e-12)
    assert r.index[-1] == pd.Timestamp("2018-11-01")
    assert 0.015 < r.loc["2018-06-01"] < 0.022                    # 1-month bills near 1.8 % in 2018
    assert list(index_prices().columns) == ["SP500", "NASDAQ"]
    ff = embedded.fama_french()
    ref = arch.data.frenchdata.load()
    assert list(ff.columns) == ["Mkt-RF", "SMB", "HML", "RF"] and len(ff) == len(ref)
    np.testing.assert_allclose(ff.to_numpy() * 100, ref.to_numpy(), atol=1e-12)
    assert ff.index[0] == pd.Timestamp("1926-07-01")
