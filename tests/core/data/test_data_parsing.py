"""Cell-level parsing: dates in many spellings, C/P words, delimiters and encodings."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.data import load_chain
from core.data.cleaning import parse_dates


def test_parse_dates_spellings():
    values = pd.Series(["2011-02-19", "2011-02-19 00:00:00", "2/19/2011", "Feb 19 2011",
                        20110219, 1298073600, dt.date(2011, 2, 19),
                        pd.Timestamp("2011-02-19 16:00"), "soon", None, "", 2011],
                       dtype=object)
    got = parse_dates(values)
    want = np.datetime64("2011-02-19")
    assert (got[:8] == want).all()
    assert np.isnat(got[8:]).all()
    aware = pd.Series(pd.to_datetime(["2011-02-19 23:00"]).tz_localize("US/Eastern"))
    assert parse_dates(aware)[0] == want


def test_semicolon_bom_latin1_and_words(synth, write, quote_date):
    quotes, truth = synth
    frame = pd.DataFrame({"Expiration Date": quotes["expiry"], "STRIKE": quotes["strike"],
                          "Call/Put": quotes["type"].map({"C": " Call", "P": "PUT "}),
                          "Bid": quotes["bid"], "Ask": quotes["ask"]})
    text = "\ufeff" + frame.to_csv(index=False, sep=";")
    for data in (text.encode("utf-8"), text[1:].encode("latin-1")):
        chain = load_chain(data, quote_date=quote_date, spot=100.0)
        assert chain.n_quotes == len(quotes)
        np.testing.assert_allclose(chain.expiries["forward"], truth["forward"], rtol=1e-8)
