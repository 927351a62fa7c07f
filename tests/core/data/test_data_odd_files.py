"""Odd but honest files: dates in other spellings, decimal commas, UTF-16, absurd values.

Each either loads to the same numbers as the plain file (the truth of the synthetic chain,
priced by QuantLib in conftest) and says in the report what reading it used, or refuses with a
message naming what it found and what to do.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from core.data import load_chain, load_prices
from core.data.dates import read_dates
from core.errors import DataError


def canonical(quotes, quote_date) -> pd.DataFrame:
    return pd.DataFrame({"expiry": quotes["expiry"], "strike": quotes["strike"],
                         "type": quotes["type"], "bid": quotes["bid"], "ask": quotes["ask"],
                         "quote_date": quote_date.isoformat()})


def csv(frame, sep=",") -> bytes:
    return frame.to_csv(index=False, sep=sep).encode()


def assert_truth(chain, truth, quote_date):
    assert chain.quote_date == quote_date
    np.testing.assert_allclose(chain.expiries["forward"], truth["forward"], rtol=1e-8)
    np.testing.assert_allclose(chain.expiries["discount"], truth["discount"], rtol=1e-8)


def notes(chain) -> str:
    return " ".join(chain.report.lines())


# -- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("stamp", [
    "{d}T10:00:00-05:00",                 # time-zone aware
    "{d} 23:30:00+01:00",                 # aware, late evening: the wall date, not UTC's
    "{d}T15:59:59Z",
])
def test_time_zone_stamped_quote_dates(synth, quote_date, stamp):
    quotes, truth = synth
    frame = canonical(quotes, quote_date)
    frame["quote_date"] = stamp.format(d=quote_date.isoformat())
    chain = load_chain(csv(frame))
    assert_truth(chain, truth, quote_date)
    assert "time-zone-stamped" in notes(chain)


def test_mixed_time_zones_in_one_column(synth, quote_date):
    quotes, truth = synth
    frame = canonical(quotes, quote_date)
    zones = np.where(np.arange(len(frame)) % 2 == 0, "-05:00", "+01:00")
    frame["quote_date"] = [f"{quote_date}T09:30:00{z}" for z in zones]
    frame["expiry"] = [f"{e}T16:00:00{z}" for e, z in zip(frame["expiry"], zones[::-1])]
    assert_truth(load_chain(csv(frame)), truth, quote_date)
    # aware Timestamps of several zones in an object column (a DataFrame upload)
    frame = canonical(quotes, quote_date).astype({"quote_date": object})
    frame["quote_date"] = [pd.Timestamp(f"{quote_date} 10:00", tz=z)
                           for z in np.where(zones == "-05:00", "US/Eastern", "Europe/Paris")]
    assert_truth(load_chain(frame), truth, quote_date)


def test_prices_with_mixed_time_zones():
    data = (b"date,A\n2024-01-02T16:00:00-05:00,10\n2024-01-03T16:00:00+01:00,11\n"
            b"2024-01-04 16:00:00Z,12\n")
    p = load_prices(data)
    assert list(p.index) == list(pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"]))
    assert p["A"].tolist() == [10, 11, 12]


def test_dates_out_of_pandas_range(synth, quote_date):
    quotes, truth = synth
    frame = canonical(quotes, quote_date)
    frame.loc[0, "expiry"] = "9999-12-31"
    chain = load_chain(csv(frame))
    assert chain.report.dropped_missing == 1
    assert "'9999-12-31'" in notes(chain) and "out of range" in notes(chain)
    frame = canonical(quotes, quote_date)
    frame["quote_date"] = "9999-12-31"
    with pytest.raises(DataError, match=r"quote date column holds no readable date \('9999-12-31'"
                                        r" is out of range"):
        load_chain(csv(frame))
    with pytest.raises(DataError, match=r"'9999-12-31' on data row 2 \(outside 1900-2200\)"):
        load_prices(b"date,A\n2024-01-02,1\n9999-12-31,2\n")


def fridays_chain(build, days_first: bool):
    """A chain quoted Friday 8 March 2024 with Friday expiries whose day and month are both
    <= 12, written d/m/Y (or m/d/Y): every date reads both ways."""
    quote_date = dt.date(2024, 3, 8)
    expiries = [dt.date(2024, 4, 12), dt.date(2024, 5, 10), dt.date(2024, 6, 7),
                dt.date(2024, 7, 12), dt.date(2024, 9, 6)]
    import tests.core.data.conftest as c
    quotes, truth = build(expiry_days=[(e - quote_date).days for e in expiries])
    shift = quote_date - c.QUOTE_DATE     # same T: move the quote date and expiries together
    fmt = "%d/%m/%Y" if days_first else "%m/%d/%Y"
    exp = pd.to_datetime(quotes["expiry"]) + shift
    frame = pd.DataFrame({"expiry": exp.dt.strftime(fmt), "strike": quotes["strike"],
                          "type": quotes["type"], "bid": quotes["bid"], "ask": quotes["ask"],
                          "quote_date": (pd.Timestamp(quote_date)).strftime(fmt)})
    return frame, truth, quote_date


def test_day_first_dates_are_detected_from_consistency(build):
    frame, truth, quote_date = fridays_chain(build, days_first=True)
    chain = load_chain(csv(frame))
    assert_truth(chain, truth, quote_date)
    assert chain.report.dropped_expired == 0
    said = notes(chain)
    assert "ambiguous: read as day/month/year" in said and "dayfirst=False" in said
    forced = load_chain(csv(frame), dayfirst=False)      # the user can force the other reading
    assert forced.quote_date == dt.date(2024, 8, 3)
    # the same chain written month first reads month first
    frame, truth, quote_date = fridays_chain(build, days_first=False)
    chain = load_chain(csv(frame))
    assert_truth(chain, truth, quote_date)
    assert "read as month/day/year" in notes(chain)


def test_unambiguous_day_first_dates(synth, quote_date):
    quotes, truth = synth
    frame = canonical(quotes, quote_date)
    frame["expiry"] = pd.to_datetime(frame["expiry"]).dt.strftime("%d/%m/%Y")
    frame["quote_date"] = "01/03/2024"
    chain = load_chain(csv(frame))
    assert_truth(chain, truth, quote_date)
    assert "read as day/month/year (the only reading" in notes(chain)


def test_day_first_price_dates():
    days = pd.bdate_range("2024-01-01", "2024-01-12")        # every date reads both ways
    text = "date,A\n" + "".join(f"{d:%d/%m/%Y},{i + 1}\n" for i, d in enumerate(days))
    p = load_prices(text.encode())
    assert list(p.index) == list(days)
    assert any("read as day/month/year" in n for n in p.attrs["notes"])
    days = pd.bdate_range("2024-01-01", "2024-02-29")        # forced by days > 12
    text = "date,A\n" + "".join(f"{d:%d/%m/%Y},{i + 1}\n" for i, d in enumerate(days))
    assert list(load_prices(text.encode()).index) == list(days)


def test_excel_serial_dates(synth, quote_date):
    quotes, truth = synth
    serial = lambda d: (pd.Timestamp(d) - pd.Timestamp("1899-12-30")).days   # noqa: E731
    assert serial("2024-03-01") == 45352                 # as Excel shows =DATEVALUE("2024-03-01")
    frame = canonical(quotes, quote_date)
    frame["quote_date"] = 45352
    frame["expiry"] = [serial(e) for e in frame["expiry"]]
    chain = load_chain(csv(frame))
    assert_truth(chain, truth, quote_date)
    assert "Excel serial day numbers" in notes(chain)
    p = load_prices(b"date,A\n45293,1\n45294,2\n")
    assert list(p.index) == list(pd.to_datetime(["2024-01-02", "2024-01-03"]))


def test_unreadable_quote_dates_are_named(synth, quote_date):
    quotes, _ = synth
    frame = canonical(quotes, quote_date)
    frame["quote_date"] = "last friday"
    with pytest.raises(DataError, match=r"quote date column holds no readable date \('last "
                                        r"friday' is not a date\)"):
        load_chain(csv(frame))


def test_read_dates_kinds():
    r = read_dates(pd.Series(["2024-03-01T23:30:00-05:00", "2024-03-02"]))
    assert list(r.days) == [np.datetime64("2024-03-01"), np.datetime64("2024-03-02")]
    assert "tz" in r.kinds
    assert read_dates(pd.Series(["13/01/2024"])).order == "dmy"
    assert read_dates(pd.Series(["01/13/2024"])).order == "mdy"
    assert read_dates(pd.Series(["01/02/2024"])).order == "either"
    assert read_dates(pd.Series(["13/01/2024", "01/13/2024"])).order == "mixed"


# -- numbers ---------------------------------------------------------------------------------------
def test_decimal_commas_in_a_chain(synth, quote_date):
    quotes, truth = synth
    frame = canonical(quotes, quote_date)
    text = frame.to_csv(index=False, sep=";", decimal=",")
    assert "," in text.splitlines()[1]
    chain = load_chain(text.encode())
    assert_truth(chain, truth, quote_date)
    assert "decimal commas" in notes(chain)


def test_decimal_commas_in_prices():
    p = load_prices(b"date;A;B\n2024-01-02;1234,56;0,5\n2024-01-03;1.235,5;0,25\n")
    assert p["A"].tolist() == [1234.56, 1235.5]
    assert p["B"].tolist() == [0.5, 0.25]
    assert any("Decimal commas" in n for n in p.attrs["notes"])
    # comma thousands with a decimal point stay thousands
    p = load_prices(b'date,A\n2024-01-02,"1,234.5"\n2024-01-03,"1,240.0"\n')
    assert p["A"].tolist() == [1234.5, 1240.0]


def test_formulas_are_named_not_called_missing(synth, quote_date):
    quotes, _ = synth
    frame = canonical(quotes, quote_date).astype({"bid": object})
    frame.loc[3, "bid"] = "=D4-0.05"
    with pytest.raises(DataError, match=r"bid column holds spreadsheet formulas \(e.g. '=D4-0.05'"
                                        r"\): export the sheet with values"):
        load_chain(csv(frame))
    with pytest.raises(DataError, match=r"column 'A' holds spreadsheet formulas"):
        load_prices(b"date,A\n2024-01-02,=B2*2\n2024-01-03,2\n")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_load(synth, quote_date, encoding):
    quotes, truth = synth
    text = canonical(quotes, quote_date).to_csv(index=False)
    chain = load_chain(text.encode(encoding))
    assert_truth(chain, truth, quote_date)
    assert "Read as UTF-16 text" in notes(chain)
    p = load_prices("date,A\n2024-01-02,1\n2024-01-03,2\n".encode(encoding))
    assert p["A"].tolist() == [1, 2]


def test_absurd_values_are_refused_with_the_row(synth, quote_date):
    quotes, _ = synth
    frame = canonical(quotes, quote_date)
    frame.loc[7, "strike"] = 1e12
    with pytest.raises(DataError, match=r"data row 8 has an implausible strike 1e\+12; the median "
                                        r"strike is"):
        load_chain(csv(frame))
    frame = canonical(quotes, quote_date)
    frame.loc[4, "ask"] = 1e308
    with pytest.raises(DataError, match=r"data row 5 has an implausible ask 1e\+308"):
        load_chain(csv(frame))
    with pytest.raises(DataError, match=r"A has the implausible price 1e\+308 on 2024-01-03"):
        load_prices(b"date,A\n2024-01-02,10\n2024-01-03,1e308\n")
