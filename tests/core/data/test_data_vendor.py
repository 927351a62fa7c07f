"""Real vendor layouts, option roots, multi-day files and the sanity of inferred rates.

Truths: the real SPXW file's own ``underlying_last`` column (read here with the csv module, not
with the loader), and the synthetic chains of conftest priced by QuantLib with known forwards,
discount factors and rates.
"""
from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from core.data import load_chain, read_quotes
from core.errors import DataError
from tests.conftest import shared_file
from tests.core.data.conftest import CBOE_HEADER, QUOTE_DATE, SPOT, occ_symbol


def underlying_last_by_day(path) -> dict[dt.date, set[float]]:
    out: dict[dt.date, set[float]] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            day = dt.datetime.strptime(row["quotedate"], "%m/%d/%Y").date()
            out.setdefault(day, set()).add(float(row["underlying_last"]))
    return out


def assert_truth(chain, truth, *, discount=True):
    np.testing.assert_allclose(chain.expiries["forward"], truth["forward"], rtol=1e-8)
    if discount:
        np.testing.assert_allclose(chain.expiries["discount"], truth["discount"], rtol=1e-8)


def lines(chain) -> str:
    return " ".join(chain.report.lines())


# -- historicaloptiondata (real file) --------------------------------------------------------------
def test_historicaloptiondata_spot_is_underlying_last():
    path = shared_file("spxw_2018-01_02.csv")
    truth = underlying_last_by_day(path)
    day = dt.date(2018, 1, 2)
    assert len(truth[day]) == 1
    chain = load_chain(path, quote_date=day)
    assert chain.spot == pytest.approx(next(iter(truth[day])), rel=0, abs=1e-9)   # 2695.79
    assert chain.spot_source == "file"
    assert "historicaloptiondata" in chain.report.source_format
    assert "Spot from the underlying_last column" in lines(chain)
    assert "Underlying: SPXW" in lines(chain)


def test_multi_day_file_is_explicit_and_read_quotes_splits_it():
    path = shared_file("spxw_2018-01_02.csv")
    truth = underlying_last_by_day(path)
    with pytest.raises(DataError, match=r"holds 40 quote dates \(2018-01-02, .*\): pass "
                                        r"quote_date to choose one \(core.data.read_quotes"):
        load_chain(path)
    rows = read_quotes(path)
    assert set(rows.columns) >= {"quote_date", "expiry", "strike", "type", "bid", "ask", "spot",
                                 "root"}
    days = sorted(rows["quote_date"].dt.date.unique())
    assert days == sorted(truth)
    assert len(rows) == 14_438
    assert set(rows["root"]) == {"SPXW"}
    for day in (days[0], dt.date(2018, 2, 5), dt.date(2018, 2, 26)):   # 02-28: all expired
        one = rows[rows["quote_date"].dt.date == day]
        chain = load_chain(one, quote_date=day)
        assert chain.quote_date == day
        assert chain.spot == pytest.approx(next(iter(truth[day])), abs=1e-9)
        direct = load_chain(path, quote_date=day)     # same numbers as filtering in load_chain
        np.testing.assert_allclose(chain.expiries["forward"], direct.expiries["forward"],
                                   rtol=1e-12)


# -- other layouts (synthetic truth) ---------------------------------------------------------------
def test_l3_layout_datadate_and_underlying_price(synth):
    quotes, truth = synth
    frame = pd.DataFrame({
        "UnderlyingSymbol": "XYZ", "UnderlyingPrice": SPOT, "Exchange": "*",
        "OptionSymbol": [occ_symbol("XYZ", e, t, k) for e, t, k in
                         zip(quotes["expiry"], quotes["type"], quotes["strike"])],
        "OptionExt": "", "Type": quotes["type"].map({"C": "call", "P": "put"}),
        "Expiration": pd.to_datetime(quotes["expiry"]).dt.strftime("%m/%d/%Y"),
        "DataDate": QUOTE_DATE.strftime("%m/%d/%Y"), "Strike": quotes["strike"],
        "Last": quotes["price"], "Bid": quotes["bid"], "Ask": quotes["ask"], "Volume": 1,
        "OpenInterest": 10, "IV": 0.2, "Delta": 0.5, "Gamma": 0.0, "Theta": 0.0, "Vega": 0.0,
        "AKA": ""})
    chain = load_chain(frame.to_csv(index=False).encode())
    assert chain.quote_date == QUOTE_DATE and chain.spot == SPOT
    assert "L3" in chain.report.source_format
    assert_truth(chain, truth)


def test_yahoo_file_uses_its_latest_last_trade_date(synth, write):
    quotes, truth = synth
    frame = pd.read_csv(io.BytesIO(write(quotes, "vendor")))
    frame["lastTradeDate"] = np.where(np.arange(len(frame)) % 3 == 0,
                                      "2024-03-01 15:59:00-05:00", "2024-02-27 10:01:00-05:00")
    chain = load_chain(frame.to_csv(index=False).encode(), spot=SPOT)
    assert chain.quote_date == QUOTE_DATE
    assert "latest last-trade date" in lines(chain) and "pass quote_date" in lines(chain)
    assert_truth(chain, truth)
    # an explicit quote date still wins
    assert load_chain(frame.to_csv(index=False).encode(), spot=SPOT,
                      quote_date="2024-03-01").quote_date == QUOTE_DATE


def test_cboe_file_with_only_the_1545_snapshot(synth):
    quotes, truth = synth
    n = len(quotes)
    cols = {c: np.zeros(n) for c in CBOE_HEADER if "eod" not in c}
    cols.update({"underlying_symbol": "^XYZ", "quote_date": QUOTE_DATE.isoformat(),
                 "root": "XYZ", "expiration": quotes["expiry"].to_numpy(),
                 "strike": quotes["strike"].to_numpy(),
                 "option_type": quotes["type"].str.lower().to_numpy(),
                 "bid_1545": quotes["bid"].to_numpy(), "ask_1545": quotes["ask"].to_numpy(),
                 "underlying_bid_1545": SPOT - 0.05, "underlying_ask_1545": SPOT + 0.05})
    chain = load_chain(pd.DataFrame(cols).to_csv(index=False).encode())
    assert "15:45 snapshot (bid_1545, ask_1545)" in lines(chain)
    assert chain.spot == pytest.approx(SPOT, rel=1e-12)
    assert_truth(chain, truth)


def test_optionmetrics_strikes_times_1000_are_scaled(synth):
    quotes, truth = synth
    exdate = pd.to_datetime(quotes["expiry"])
    frame = pd.DataFrame({
        "secid": 108105, "date": int(QUOTE_DATE.strftime("%Y%m%d")),
        "symbol": [f"XYZ {e:%y%m%d}{t}{int(k * 1000)}" for e, t, k in
                   zip(exdate, quotes["type"], quotes["strike"])],
        "exdate": exdate.dt.strftime("%Y%m%d").astype(int), "cp_flag": quotes["type"],
        "strike_price": (quotes["strike"] * 1000).round().astype(int),
        "best_bid": quotes["bid"], "best_offer": quotes["ask"], "volume": 0,
        "impl_volatility": 0.2})
    chain = load_chain(frame.to_csv(index=False).encode(), spot=SPOT)
    assert "OptionMetrics" in chain.report.source_format
    assert "Strikes divided by 1000: the strike_price column" in lines(chain)
    assert chain.quotes["strike"].max() <= 200
    assert_truth(chain, truth)


# -- roots -----------------------------------------------------------------------------------------
def test_spx_and_spxw_on_one_expiry_are_kept_apart(build):
    pm, pm_truth = build(rate=lambda T: 0.03, div=lambda T: 0.015)
    am, _ = build(rate=lambda T: 0.03, div=lambda T: 0.045)   # another forward: must not mix
    frame = pd.concat([pm.assign(root="SPXW"), am.assign(root="SPX")], ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=1)            # interleaved rows
    data = frame.drop(columns=["price", "vol"]).to_csv(index=False).encode()
    chain = load_chain(data, quote_date=QUOTE_DATE, spot=SPOT)
    assert chain.report.dropped_other_root == len(am)
    assert "kept root SPXW (PM-settled" in lines(chain) and "dropped SPX (" in lines(chain)
    assert_truth(chain, pm_truth)
    np.testing.assert_allclose(chain.expiries["r_implied"], 0.03, atol=1e-7)
    # a historicaloptiondata file naming the underlying by root (SPX beside SPXW) is one underlying
    hod = frame.assign(underlying=frame["root"], underlying_last=SPOT, optionroot=frame["root"],
                       quotedate=QUOTE_DATE.strftime("%m/%d/%Y"),
                       expiration=pd.to_datetime(frame["expiry"]).dt.strftime("%m/%d/%Y"))
    hod = hod.drop(columns=["expiry", "root", "price", "vol"])
    chain = load_chain(hod.to_csv(index=False).encode())
    assert "historicaloptiondata" in chain.report.source_format
    assert chain.report.dropped_other_root == len(am)
    assert_truth(chain, pm_truth)
    with pytest.raises(DataError, match=r"2 underlyings \(AAPL, SPX"):
        load_chain(hod.assign(underlying=np.where(hod["underlying"] == "SPX", "AAPL", "SPX"))
                   .to_csv(index=False).encode())
    # without a PM root, the most quoted root is kept
    frame2 = pd.concat([pm.assign(root="AAA"), am.iloc[: len(am) // 2].assign(root="BBB")])
    chain = load_chain(frame2.to_csv(index=False).encode(), quote_date=QUOTE_DATE, spot=SPOT)
    assert "kept root AAA (most quoted" in lines(chain)


# -- rate sanity -----------------------------------------------------------------------------------
def absurd_rate_chain(build, bad_days=(182,)):
    """Neighbours at r = 3 %; the expiries in ``bad_days`` priced with r = 62 % and q = 60 %
    (so their forwards are normal and only their discount factors absurd)."""
    days = (30, 91, 182, 365, 730)
    bad_T = {d / 365.0 for d in bad_days}
    rate = lambda T: 0.62 if T in bad_T else 0.03          # noqa: E731
    div = lambda T: 0.60 if T in bad_T else 0.01           # noqa: E731
    return build(expiry_days=days, rate=rate, div=div)


def test_implausible_rate_falls_back_to_neighbours(build):
    quotes, truth = absurd_rate_chain(build)
    chain = load_chain(quotes.drop(columns=["price", "vol"]).to_csv(index=False).encode(),
                       quote_date=QUOTE_DATE, spot=SPOT)
    exp = chain.expiries
    bad = exp["T"].sub(182 / 365).abs().lt(1e-12).to_numpy()
    assert list(exp.loc[bad, "method"]) == ["fallback"]
    assert (exp.loc[~bad, "method"] == "parity").all()
    assert exp.loc[bad, "r_implied"].iloc[0] == pytest.approx(0.03, abs=1e-7)
    # the forward (parity intercept) is kept: the true one
    np.testing.assert_allclose(exp["forward"], truth["forward"], rtol=1e-8)
    # yield from the kept forward: q = r - ln(F/S)/T = 0.03 - (0.62 - 0.60) = 0.01
    assert exp.loc[bad, "q_implied"].iloc[0] == pytest.approx(0.01, abs=1e-7)
    (flag,) = chain.report.rate_fallbacks
    assert "parity implies rate 62.00%" in flag and "from neighbouring expiries" in flag
    assert flag in chain.report.lines()
    # a user-given rate is used instead of the neighbours
    chain = load_chain(quotes.drop(columns=["price", "vol"]).to_csv(index=False).encode(),
                       quote_date=QUOTE_DATE, spot=SPOT, rate=0.05)
    exp = chain.expiries
    assert exp.loc[bad, "r_implied"].iloc[0] == pytest.approx(0.05, abs=1e-12)
    assert "from the rate argument" in chain.report.rate_fallbacks[0]
    assert (exp.loc[~bad, "r_implied"] - 0.03).abs().max() < 1e-7     # the others keep theirs


def test_no_plausible_expiry_keeps_values_and_says_pass_rate(build):
    quotes, truth = absurd_rate_chain(build, bad_days=(30, 91, 182, 365, 730))
    data = quotes.drop(columns=["price", "vol"]).to_csv(index=False).encode()
    chain = load_chain(data, quote_date=QUOTE_DATE, spot=SPOT)
    assert len(chain.report.rate_fallbacks) == 5
    assert all("pass rate=" in f for f in chain.report.rate_fallbacks)
    assert_truth(chain, truth)
    chain = load_chain(data, quote_date=QUOTE_DATE, spot=SPOT, rate=0.03)
    np.testing.assert_allclose(chain.expiries["r_implied"], 0.03, atol=1e-12)
    np.testing.assert_allclose(chain.expiries["forward"], truth["forward"], rtol=1e-8)


@pytest.mark.parametrize("bad", [float("nan"), "abc", 5.0, -0.5])
def test_bad_rate_argument(synth, write, bad):
    quotes, _ = synth
    with pytest.raises(DataError, match="rate must be"):
        load_chain(write(quotes, "canonical"), quote_date=QUOTE_DATE, spot=SPOT, rate=bad)


def test_real_chains_rates():
    """The real SPX 2011 chain and a calm SPXW 2018 day: no fallback. On the 5 February 2018
    shock, the file's one live expiry implies a rate of -5.45 % (a 23-day discount factor of
    1.0034, against 3-month T-bills near 1.5 %): flagged, kept, and a user rate replaces it."""
    from core.data import sample_chain
    assert sample_chain().report.rate_fallbacks == ()
    path = shared_file("spxw_2018-01_02.csv")
    assert load_chain(path, quote_date="2018-01-02").report.rate_fallbacks == ()
    chain = load_chain(path, quote_date="2018-02-05")
    (flag,) = chain.report.rate_fallbacks
    assert "parity implies rate -5.45%" in flag and "pass rate=" in flag
    assert chain.expiries["method"].tolist() == ["parity"]
    fixed = load_chain(path, quote_date="2018-02-05", rate=0.015)
    assert fixed.expiries["method"].tolist() == ["fallback"]
    assert fixed.expiries["r_implied"].iloc[0] == pytest.approx(0.015)
    # the forward is the parity forward in both
    assert fixed.expiries["forward"].iloc[0] == pytest.approx(chain.expiries["forward"].iloc[0])
