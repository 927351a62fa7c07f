"""Bad input gives a DataError whose message says what to fix — never a pandas traceback."""
from __future__ import annotations

import gzip
import io
import zipfile

import pandas as pd
import pytest

import core.data.formats as formats
from core.data import MAX_BYTES, load_chain
from core.errors import DataError


def test_missing_column_names_it_and_the_expected_layouts():
    data = b"expiry,type,bid,ask\n2024-06-21,C,1.0,1.2\n"
    with pytest.raises(DataError) as exc:
        load_chain(data, quote_date="2024-03-01")
    msg = str(exc.value)
    assert "missing column 'strike'" in msg
    assert "expected columns expiry, strike, type, bid, ask" in msg
    assert "PBid, PAsk" in msg and "bid_eod" in msg and "contractSymbol" in msg
    assert "Found columns: expiry, type, bid, ask" in msg


def test_missing_columns_of_a_recognised_format():
    data = b"PBid,PAsk,Strike,dtTrade\n1,2,100,2011-01-24\n"
    with pytest.raises(DataError, match=r"missing columns 'Type', 'dtExpiry' \(pyql sample"):
        load_chain(data)
    cboe = b"underlying_symbol,quote_date,expiration,strike,option_type,bid_eod\nX,2024-01-02,2024-02-16,5,C,1\n"
    with pytest.raises(DataError, match=r"missing column 'ask_eod' \(CBOE DataShop"):
        load_chain(cboe)


def test_unrecognised_columns():
    with pytest.raises(DataError, match="missing columns 'expiry', 'strike'"):
        load_chain(pd.DataFrame({"a": [1], "b": [2]}))


@pytest.mark.parametrize("data, needle", [
    (b"", "empty"),
    (b"   \n\n", "empty"),
    (b"expiry,strike,type,bid,ask\n", "no data rows"),
    (bytes(range(256)) * 20, "not CSV text"),
    (b"%PDF-1.7 stuff", "not CSV text"),
    (gzip.compress(b""), "empty"),
])
def test_empty_and_binary(data, needle):
    with pytest.raises(DataError, match=needle):
        load_chain(data, quote_date="2024-03-01")


def test_excel_and_zip_archives(synth, write, quote_date):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<xml/>")
        zf.writestr("xl/workbook.xml", "<xml/>")
    with pytest.raises(DataError, match="Excel workbook: save the sheet as CSV"):
        load_chain(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", "x")
        zf.writestr("b.csv", "y")
    with pytest.raises(DataError, match="holds 2 CSV files; expected exactly one"):
        load_chain(buf.getvalue())
    with pytest.raises(DataError, match="zip archive is corrupt"):
        load_chain(b"PK\x03\x04garbage")
    # a zip or gzip of one CSV loads
    quotes, _ = synth
    data = write(quotes, "sample")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("chain.csv", data)
    assert load_chain(buf.getvalue()).n_quotes == load_chain(gzip.compress(data)).n_quotes


def test_size_limit_checked_before_parsing(tmp_path, monkeypatch):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:           # sparse: no 60 MB actually written
        fh.truncate(MAX_BYTES + 10 * 2**20)
    with pytest.raises(DataError, match=r"big.csv is 60.0 MB; the limit is 50 MB"):
        load_chain(big)
    monkeypatch.setattr(formats, "MAX_BYTES", 1000)
    payload = b"expiry,strike,type,bid,ask\n" + b"2024-06-21,100,C,1,2\n" * 100
    for src in (payload, io.BytesIO(payload), payload.decode()):
        with pytest.raises(DataError, match="the limit is 0 MB"):
            load_chain(src, quote_date="2024-03-01")
    with pytest.raises(DataError, match="unpacks to over"):
        load_chain(gzip.compress(payload), quote_date="2024-03-01")


def test_non_numeric_cells_everywhere():
    data = b"expiry,strike,type,bid,ask\n2024-06-21,abc,C,x,y\nnot a date,100,C,1,2\n"
    with pytest.raises(DataError, match=r"no usable quotes left out of 2 rows \(2 missing"):
        load_chain(data, quote_date="2024-03-01")


def test_all_expired():
    data = b"expiry,strike,type,bid,ask\n2024-01-19,100,C,1,2\n2024-01-19,100,P,1,2\n"
    with pytest.raises(DataError, match="2 expired"):
        load_chain(data, quote_date="2024-03-01")


def test_no_quote_date_anywhere(synth, write):
    quotes, _ = synth
    with pytest.raises(DataError, match="no quote date: pass quote_date"):
        load_chain(write(quotes, "canonical"))
    with pytest.raises(DataError, match="quote_date must be a date"):
        load_chain(write(quotes, "canonical"), quote_date="yesterday-ish")
    with pytest.raises(DataError, match="does not match the file's quote date 2024-03-01"):
        load_chain(write(quotes, "sample"), quote_date="2024-03-02")


def test_bad_spot_argument(synth, write, quote_date):
    quotes, _ = synth
    for bad in (-1, 0, float("nan"), "abc"):
        with pytest.raises(DataError, match="spot must be a positive number"):
            load_chain(write(quotes, "canonical"), quote_date=quote_date, spot=bad)


def test_no_expiry_with_put_call_pairs(synth, write, quote_date):
    quotes, _ = synth
    calls = quotes[quotes["type"] == "C"]
    with pytest.raises(DataError, match="put-call parity cannot give forwards"):
        load_chain(write(calls, "canonical"), quote_date=quote_date, spot=100.0)


def test_bad_sources(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_chain(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="not a file"):
        load_chain(tmp_path)
    with pytest.raises(DataError, match="source must be a path, bytes"):
        load_chain(12345)
    with pytest.raises(DataError, match="could not parse the file as CSV"):
        load_chain(b'expiry,strike,type,bid,ask\n"2024-06-21,100,C,1,2\n', quote_date="2024-03-01")


def test_several_underlyings_in_a_cboe_file(synth, write):
    quotes, _ = synth
    a = pd.read_csv(io.BytesIO(write(quotes, "cboe")))
    b = a.assign(underlying_symbol="^ABC")
    with pytest.raises(DataError, match=r"2 underlyings \(\^ABC, \^XYZ\): upload one"):
        load_chain(pd.concat([a, b]))


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
