"""Price loading (layouts, ragged histories, bad files), embedded samples and returns."""
from __future__ import annotations

import base64
import gzip
import io

import numpy as np
import pandas as pd
import pytest

from core.data.prices import PERIODS_PER_YEAR, index_prices, load_prices, returns, sample_prices
from tests.conftest import shared_file
from core.errors import DataError

WIDE = b"date,AAA,BBB\n2024-01-02,10,\n2024-01-03,11,20\n2024-01-04,12.1,21\n2024-01-05,,22\n"


def test_shared_test_prices_shape_and_ragged_starts(prices):
    assert prices.shape == (7126, 20)
    assert prices.index[0] == pd.Timestamp("1989-12-29")
    assert prices.index[-1] == pd.Timestamp("2018-04-11")
    assert prices["BABA"].first_valid_index() == pd.Timestamp("2014-09-19")
    assert prices["AAPL"].notna().all()
    assert prices.dtypes.eq(np.float64).all()
    # identical to the raw file (pandas' own reader as the second method)
    raw = pd.read_csv(shared_file("stock_prices.csv"), index_col=0, parse_dates=True)
    np.testing.assert_array_equal(prices.to_numpy(), raw.to_numpy())


def test_sample_returns_a_fresh_copy():
    a = sample_prices()
    a.iloc[0, 0] = -1.0
    assert sample_prices().iloc[0, 0] != -1.0


def test_sector_map_is_gics(prices, sectors):
    assert set(sectors) == set(prices.columns)
    assert sectors["XOM"] == sectors["RRC"] == "Energy"
    assert sectors["BAC"] == sectors["JPM"] == "Financials"
    assert sectors["AAPL"] == "Information Technology"
    gics = {"Energy", "Materials", "Industrials", "Consumer Discretionary", "Consumer Staples",
            "Health Care", "Financials", "Information Technology", "Communication Services",
            "Utilities", "Real Estate"}
    assert set(sectors.values()) <= gics


def test_index_prices_ship_with_arch():
    ix = index_prices()
    assert list(ix.columns) == ["SP500", "NASDAQ"]
    assert ix.index[0] == pd.Timestamp("1999-01-04") and ix.index[-1] == pd.Timestamp("2018-12-31")
    import arch.data.sp500
    ref = arch.data.sp500.load()["Adj Close"]
    np.testing.assert_allclose(ix["SP500"].to_numpy(), ref.to_numpy())


@pytest.mark.parametrize("make", [
    lambda: WIDE,
    lambda: WIDE.decode(),
    lambda: io.BytesIO(WIDE),
    lambda: io.StringIO(WIDE.decode()),
    lambda: gzip.compress(WIDE),
    lambda: "data:text/csv;base64," + base64.b64encode(WIDE).decode(),
    lambda: pd.read_csv(io.BytesIO(WIDE)),
    lambda: pd.read_csv(io.BytesIO(WIDE), index_col=0, parse_dates=True),
])
def test_sources(make):
    p = load_prices(make())
    assert list(p.columns) == ["AAA", "BBB"]
    assert isinstance(p.index, pd.DatetimeIndex) and len(p) == 4
    assert np.isnan(p.loc["2024-01-02", "BBB"]) and p.loc["2024-01-04", "AAA"] == 12.1


def test_path_and_long_layout(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(WIDE)
    assert load_prices(path).shape == (4, 2)
    long = pd.DataFrame({"Date": ["2024-01-02", "2024-01-02", "2024-01-03"],
                         "Symbol": ["X", "Y", "X"], "Adj Close": [1.0, 2.0, 1.1]})
    p = load_prices(long)
    assert list(p.columns) == ["X", "Y"] and np.isnan(p.loc["2024-01-03", "Y"])
    assert any("Long layout" in n for n in p.attrs["notes"])


def test_unsorted_rows_are_sorted_and_noted():
    data = b"date,A\n2024-01-03,2\n2024-01-02,1\n2024-01-04,3\n"
    p = load_prices(data)
    assert p.index.is_monotonic_increasing and p["A"].tolist() == [1, 2, 3]
    assert any("sorted" in n for n in p.attrs["notes"])


@pytest.mark.parametrize("data, needle", [
    (b"", "empty"),
    (b"date\n2024-01-02\n", "1 column"),
    (b"date,A\nhello,1\n2024-01-03,2\n", "unreadable value"),
    (b"date,A\n2024-01-02,1\n2024-01-02,2\n", "appears twice"),
    (b"date,A\n2024-01-02,1\n2024-01-03,abc\n", "non-numeric price 'abc'"),
    (b"date,A\n2024-01-02,1\n2024-01-03,-2\n", "A has the price -2 on 2024-01-03"),
    (b"date,A\n2024-01-02,1\n", "at least 2"),
    (b"date,A,A\n2024-01-02,1,1\n2024-01-03,1,1\n", "'A' appears in two columns"),
    (bytes(range(256)) * 4, "not CSV text"),
    (b"PK\x03\x04junk", "Excel"),
])
def test_bad_files(data, needle):
    with pytest.raises(DataError, match=needle):
        load_prices(data)


def test_missing_file_and_bad_type(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_prices(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="source must be"):
        load_prices(42)


def test_returns_simple_log_and_ragged():
    p = load_prices(WIDE)
    s = returns(p, "simple")
    np.testing.assert_allclose(s["AAA"].iloc[:2], [0.1, 0.1])
    assert np.isnan(s.loc["2024-01-03", "BBB"])            # first price: no return yet
    assert np.isnan(s.loc["2024-01-05", "AAA"])            # after the last price: stays NaN
    lg = returns(p, "log")
    np.testing.assert_allclose(lg.to_numpy(), np.log1p(s.to_numpy()), equal_nan=True)
    assert s.attrs["periods_per_year"] == 252


def test_returns_bridge_inside_gaps_and_resample():
    p = load_prices(b"date,A,B\n2024-01-02,1,5\n2024-01-03,,5\n2024-01-04,1.21,5\n")
    r = returns(p, "simple")
    assert r.loc["2024-01-03", "A"] == 0.0 and r.loc["2024-01-04", "A"] == pytest.approx(0.21)
    assert any("Bridged 1" in n for n in r.attrs["notes"])
    px = sample_prices()
    m = returns(px, "log", "M")
    assert m.attrs["periods_per_year"] == PERIODS_PER_YEAR["M"] == 12
    month_end = px.resample("ME").last()
    np.testing.assert_allclose(m["AAPL"].to_numpy(),
                               np.log(month_end["AAPL"] / month_end["AAPL"].shift()).iloc[1:])
    with pytest.raises(DataError, match="kind"):
        returns(px, "arith")
    with pytest.raises(DataError, match="freq"):
        returns(px, freq="Y")
