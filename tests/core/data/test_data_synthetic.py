"""load_chain on synthetic chains priced by QuantLib: forwards, discounts and vols recovered."""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from core.data import Chain, load_chain
from core.errors import DataError

FORMATS = ("sample", "canonical", "cboe", "vendor")
LABELS = {"sample": "pyql sample", "canonical": "canonical", "cboe": "CBOE DataShop",
          "vendor": "vendor"}


def _load(fmt, data, quote_date, **kw):
    if fmt in ("canonical", "vendor"):     # no quote date / spot in these files
        kw.setdefault("spot", 100.0)
        return load_chain(data, quote_date=quote_date, **kw)
    return load_chain(data, **kw)


def _check_truth(chain: Chain, quotes: pd.DataFrame, truth: pd.DataFrame, *, spot=100.0):
    exp = chain.expiries
    assert len(exp) == len(truth)
    np.testing.assert_array_equal(exp["expiry"].to_numpy(), truth["expiry"].to_numpy())
    np.testing.assert_allclose(exp["T"], truth["T"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(exp["forward"], truth["forward"], rtol=1e-8)
    np.testing.assert_allclose(exp["discount"], truth["discount"], rtol=1e-8)
    np.testing.assert_allclose(exp["r_implied"], truth["r"], rtol=0, atol=1e-7)
    np.testing.assert_allclose(exp["q_implied"], truth["q"], rtol=0, atol=1e-7)
    assert (exp["method"] == "parity").all()
    assert chain.spot == pytest.approx(spot, rel=1e-12)

    q = chain.quotes
    ref = quotes.assign(expiry=pd.to_datetime(quotes["expiry"]).astype("datetime64[ns]"))
    m = q.merge(ref[["expiry", "strike", "type", "vol", "price"]],
                on=["expiry", "strike", "type"], how="left", validate="one_to_one")
    assert len(m) == len(quotes)
    np.testing.assert_allclose(m["mid"], m["price"], rtol=1e-12, atol=1e-14)
    otm = m["otm"].to_numpy()
    F = m["forward"].to_numpy()
    expected_otm = np.where(m["type"] == "C", m["strike"] > F, m["strike"] <= F)
    np.testing.assert_array_equal(otm, expected_otm)
    assert np.isnan(m.loc[~otm, "iv"]).all()
    assert np.isfinite(m.loc[otm, "iv"]).all()
    np.testing.assert_allclose(m.loc[otm, "iv"], m.loc[otm, "vol"], rtol=0, atol=1e-9)
    # bid/ask vols bracket the mid vol (prices are increasing in vol)
    assert (m.loc[otm, "iv_bid"] < m.loc[otm, "iv"]).all()
    assert (m.loc[otm, "iv_ask"] > m.loc[otm, "iv"]).all()


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_recover_forward_discount_and_vols(fmt, synth, write, quote_date):
    quotes, truth = synth
    chain = _load(fmt, write(quotes, fmt), quote_date)
    assert LABELS[fmt] in chain.report.source_format
    assert chain.quote_date == quote_date
    assert chain.report.rows_read == len(quotes)
    assert chain.report.rows_kept == len(quotes)
    assert chain.report.rows_dropped == 0
    _check_truth(chain, quotes, truth)


@pytest.mark.parametrize("fmt", FORMATS)
def test_sources_path_bytes_filelike_text_dataurl_dataframe(fmt, synth, write, quote_date,
                                                            tmp_path):
    import base64
    quotes, _ = synth
    data = write(quotes, fmt)
    path = tmp_path / "chain.csv"
    path.write_bytes(data)
    sources = [path, str(path), data, io.BytesIO(data), io.StringIO(data.decode()),
               data.decode(), "data:text/csv;base64," + base64.b64encode(data).decode(),
               pd.read_csv(io.BytesIO(data))]
    ref = _load(fmt, data, quote_date).quotes
    for src in sources:
        got = _load(fmt, src, quote_date).quotes
        pd.testing.assert_frame_equal(got, ref)


def test_cboe_uses_end_of_day_quotes_and_underlying_mid(synth, write):
    quotes, _ = synth
    chain = load_chain(write(quotes, "cboe"))
    assert chain.spot_source == "file"
    assert chain.spot == pytest.approx(100.0, rel=1e-14)   # (99.95 + 100.05) / 2, not 15:45
    np.testing.assert_allclose(np.sort(chain.quotes["bid"]), np.sort(quotes["bid"]), rtol=1e-15)
    assert any("^XYZ" in line for line in chain.report.lines())


def test_vendor_reads_type_expiry_and_strike_from_occ_symbol(synth, write, quote_date):
    quotes, truth = synth
    frame = pd.read_csv(io.BytesIO(write(quotes, "vendor"))).drop(columns=["strike"])
    chain = load_chain(frame, quote_date=quote_date, spot=100.0)
    _check_truth(chain, quotes, truth)
    # with explicit option_type / expiration columns as well
    frame = pd.read_csv(io.BytesIO(write(quotes, "vendor")))
    frame["option_type"] = quotes["type"].map({"C": "call", "P": "put"}).to_numpy()
    frame["expiration"] = quotes["expiry"].to_numpy()
    _check_truth(load_chain(frame, quote_date=quote_date, spot=100.0), quotes, truth)


def test_spot_from_nearest_forward_when_not_given(synth, write, quote_date):
    quotes, truth = synth
    chain = load_chain(write(quotes, "canonical"), quote_date=quote_date)
    assert chain.spot_source == "forward"
    assert chain.spot == pytest.approx(truth["forward"].iloc[0], rel=1e-10)
    assert any("Spot not given" in line for line in chain.report.lines())
    # forwards and discounts do not depend on spot
    np.testing.assert_allclose(chain.expiries["forward"], truth["forward"], rtol=1e-8)
    np.testing.assert_allclose(chain.expiries["discount"], truth["discount"], rtol=1e-8)


def test_single_expiry_chain_is_valid(build, write):
    quotes, truth = build(expiry_days=(45,))
    chain = load_chain(write(quotes, "sample"))
    assert len(chain.expiries) == 1
    _check_truth(chain, quotes, truth)


def test_expiry_without_pairs_is_interpolated(build, write):
    # constant r and q: interpolating them between neighbours is exact
    quotes, truth = build(expiry_days=(30, 120, 365), rate=lambda T: 0.03)
    mid_expiry = quotes["expiry"].unique()[1]
    puts = (quotes["expiry"] == mid_expiry) & (quotes["type"] == "P")
    quotes = quotes[~puts | (quotes["strike"] < 60)].reset_index(drop=True)   # 1-2 pairs left
    chain = load_chain(write(quotes, "sample"))
    exp = chain.expiries
    assert list(exp["method"]) == ["parity", "interpolated", "parity"]
    assert exp["n_pairs"].iloc[1] == 0
    np.testing.assert_allclose(exp["forward"], truth["forward"], rtol=1e-8)
    np.testing.assert_allclose(exp["discount"], truth["discount"], rtol=1e-8)
    assert any("interpolated" in n and mid_expiry in n for n in chain.report.expiry_notes)


def test_cleaning_counts_and_notes(synth, write, quote_date):
    quotes, truth = synth
    q = quotes[["expiry", "strike", "type", "bid", "ask"]].astype({"bid": object})
    extra = pd.DataFrame([
        dict(expiry="2024-02-16", strike=100.0, type="C", bid=1.0, ask=1.1),    # expired
        dict(expiry="2024-03-01", strike=100.0, type="P", bid=1.0, ask=1.1),    # same day
        dict(expiry=q["expiry"][0], strike=300.0, type="C", bid=0.0, ask=0.05),  # zero bid
        dict(expiry=q["expiry"][0], strike=310.0, type="C", bid=-1.0, ask=0.05),  # negative
        dict(expiry=q["expiry"][0], strike=320.0, type="C", bid=0.5, ask=0.4),  # crossed
        dict(expiry=q["expiry"][0], strike=330.0, type="C", bid="n/a", ask=0.4),  # non-numeric
        dict(expiry="soon", strike=330.0, type="C", bid=0.1, ask=0.4),           # bad date
        dict(expiry=q["expiry"][0], strike=340.0, type="X", bid=0.1, ask=0.4),   # bad type
        dict(expiry=q["expiry"][0], strike=None, type="C", bid=0.1, ask=0.4),    # missing
        # duplicate of an existing quote with a wider spread: the tighter original is kept
        dict(expiry=q["expiry"][3], strike=q["strike"][3], type=q["type"][3],
             bid=q["bid"][3] - 0.5, ask=q["ask"][3] + 0.5),
        # a wide (but valid) quote far out of the money
        dict(expiry=q["expiry"][0], strike=190.0, type="C", bid=0.01, ask=0.05),
    ])
    frame = pd.concat([q, extra], ignore_index=True)
    chain = load_chain(frame, quote_date=quote_date, spot=100.0)
    rep = chain.report
    assert (rep.rows_read, rep.rows_kept) == (len(frame), len(quotes) + 1)
    assert (rep.dropped_expired, rep.dropped_zero_bid, rep.dropped_crossed,
            rep.dropped_missing, rep.dropped_duplicate) == (2, 2, 1, 4, 1)
    assert rep.rows_kept + rep.rows_dropped == rep.rows_read
    assert rep.wide >= 1
    wide = chain.quotes.query("strike == 190.0")
    assert bool(wide["wide"].iloc[0])
    text = "\n".join(rep.lines())
    assert "Expiry 2024-02-16 dropped: it is 14 days before the quote date 2024-03-01" in text
    assert "Expiry 2024-03-01 dropped: it is the same day as the quote date" in text
    assert "crossed" in text and "duplicate" in text and "zero or negative bid" in text
    dup = chain.quotes.query(f"strike == {q['strike'][3]} and type == '{q['type'][3]}'")
    dup = dup[dup["expiry"] == pd.Timestamp(q["expiry"][3])]
    assert dup["bid"].iloc[0] == pytest.approx(quotes["bid"][3], rel=1e-15)
    # the cleaned chain still recovers the truth
    np.testing.assert_allclose(chain.expiries["forward"], truth["forward"], rtol=1e-8)


def test_multi_day_file_needs_a_quote_date(synth, write):
    quotes, _ = synth
    a = pd.read_csv(io.BytesIO(write(quotes, "cboe")))
    b = a.assign(quote_date="2024-03-04")
    both = pd.concat([a, b], ignore_index=True)
    with pytest.raises(DataError, match="2 quote dates .*pass quote_date"):
        load_chain(both)
    chain = load_chain(both, quote_date="2024-03-04")
    assert chain.report.dropped_other_date == len(a)
    assert chain.quote_date.isoformat() == "2024-03-04"
    with pytest.raises(DataError, match="not in the file"):
        load_chain(both, quote_date="2024-03-05")


def test_to_dict_round_trip_through_json(synth, write):
    quotes, _ = synth
    chain = load_chain(write(quotes, "sample"))
    data = json.loads(json.dumps(chain.to_dict(), allow_nan=False))
    back = Chain.from_dict(data)
    pd.testing.assert_frame_equal(back.quotes, chain.quotes)
    pd.testing.assert_frame_equal(back.expiries, chain.expiries)
    assert back.report == chain.report
    assert (back.spot, back.quote_date, back.spot_source) == (
        chain.spot, chain.quote_date, chain.spot_source)
    with pytest.raises(DataError):
        Chain.from_dict({"kind": "Chain", "quotes": {}})
    with pytest.raises(DataError):
        Chain.from_dict({"something": 1})
