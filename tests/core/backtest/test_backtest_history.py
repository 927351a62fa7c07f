"""Chain histories: Parquet row group per date, values equal to the file's, the loader's own
forwards, uploads in pieces, and readable messages for bad files."""
from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from core.backtest import load_history
from core.backtest.history import open_history
from core.data import load_chain
from core.errors import DataError


def test_dates_closes_and_row_groups(history, raw):
    dates = sorted(raw.quotedate.unique())
    assert history.dates == dates
    closes = raw.groupby("quotedate").underlying_last.first()
    assert history.underlying.to_numpy() == pytest.approx(closes.loc[dates].to_numpy())
    pf = pq.ParquetFile(history.path)
    # dates with quotes left after cleaning (the expiry-day dates have none) are stored in row
    # groups of up to 21 consecutive dates, each date's rows contiguous
    assert int((history.groups[:, 0] >= 0).sum()) == 38
    assert pf.num_row_groups == 2 and pf.metadata.num_rows == int(history.groups[:, 2].sum())


def test_day_rows_are_the_files(history, raw):
    i = history.position("2018-02-06")
    day = history.day(i)
    want = raw[(raw.quotedate == history.dates[i]) & (raw.ask > 0) & (raw.bid <= raw.ask)]
    assert day.n == len(want)
    merged = pd.DataFrame({"strike": day.strike, "type": np.where(day.is_call, "call", "put"),
                           "bid": day.bid, "ask": day.ask}).merge(
        want[["strike", "type", "bid", "ask"]], on=["strike", "type"], suffixes=("", "_file"))
    assert len(merged) == day.n
    assert np.array_equal(merged.bid, merged.bid_file) and np.array_equal(merged.ask, merged.ask_file)


def test_forwards_agree_with_the_chain_loader(history, raw):
    for d in ("2018-01-05", "2018-02-05", "2018-02-20"):
        i = history.position(d)
        day = history.day(i)
        rows = raw[raw.quotedate == history.dates[i]].drop(columns=["underlying"])
        chain = load_chain(rows.rename(columns={"quotedate": "quote_date"}),
                           spot=float(rows.underlying_last.iloc[0]))
        assert day.forward[0] == pytest.approx(chain.expiries.forward.iloc[0], rel=1e-10)
        assert day.discount[0] == pytest.approx(chain.expiries.discount.iloc[0], rel=1e-10)
        assert history.chain(d).n_quotes == chain.n_quotes


def test_reopen_is_lazy_and_equal(history):
    h2 = open_history(history.path)
    assert h2.dates == history.dates and h2.source == "real"
    assert not h2._cache                       # nothing read but the footer
    assert np.array_equal(h2.day(5).bid, history.day(5).bid)


def test_upload_in_two_files_equals_one(real_path, tmp_path, history):
    text = real_path.read_bytes()
    df = pd.read_csv(real_path, encoding="utf-8-sig")
    jan = df[df.quotedate.str.startswith("01/")]
    feb = df[df.quotedate.str.startswith("02/")]
    url = "data:text/csv;base64," + base64.b64encode(jan.to_csv(index=False).encode()).decode()
    h = load_history([url, feb.to_csv(index=False).encode()], cache_dir=tmp_path)
    assert h.dates == history.dates and h.source == "upload"
    assert np.array_equal(h.day(30).ask, history.day(30).ask)
    assert len(text) > 0


def test_one_date_file(raw, real_path, tmp_path):
    df = pd.read_csv(real_path, encoding="utf-8-sig")
    one = df[df.quotedate == "01/02/2018"]
    with pytest.raises(DataError, match=r"one quote date \(2018-01-02\).*at least two dates"):
        load_history(one, cache_dir=tmp_path)


def test_out_of_order_and_missing_days(real_path, tmp_path):
    df = pd.read_csv(real_path, encoding="utf-8-sig")
    gone = ("01/10/2018", "01/11/2018", "01/12/2018", "01/16/2018")
    df = df[~df.quotedate.isin(gone)].iloc[::-1]
    h = load_history(df, cache_dir=tmp_path)
    assert len(h) == 36
    assert any("not in date order" in n for n in h.notes)
    assert any("gap(s) of more than 5 calendar days" in n and "2018-01-09 to 2018-01-17" in n
               for n in h.notes)


def test_no_underlying_column(real_path, tmp_path):
    df = pd.read_csv(real_path, encoding="utf-8-sig").drop(columns=["underlying_last"])
    with pytest.raises(DataError, match="no underlying level"):
        load_history(df, cache_dir=tmp_path)
