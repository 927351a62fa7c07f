"""``modelled_quotes(listing="held")``: a strike once listed for an expiry stays listed until
that expiry (what exchanges do, and what multi-day modelled histories use); the default
``listing="day"`` is each day's own grid, unchanged."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from core.data import listed_strikes, modelled_market, modelled_quotes
from core.data import modelled_fit as fit
from core.errors import DataError

DAYS = ["2016-03-01", "2016-03-08", "2016-03-15", "2016-03-22", "2016-03-29"]


def _strikes(frame, day, expiry):
    sel = (frame["quote_date"] == pd.Timestamp(day)) & (frame["expiry"] == expiry)
    return set(frame.loc[sel, "strike"])


def _grid(day, expiry):
    """The day's own strike grid, computed here from the market inputs and listed_strikes."""
    m = modelled_market(day).iloc[0]
    T = (pd.Timestamp(expiry) - pd.Timestamp(day)).days / 365.0
    F = m["spot"] * math.exp((m["r"] - m["q"]) * T)
    sig = float(fit.atm_vol(T, m["sigma_30"]))
    return set(listed_strikes(F, sig * math.sqrt(T), T))


@pytest.fixture(scope="module")
def held():
    return modelled_quotes(DAYS, listing="held")


def test_default_listing_is_the_days_own_grid():
    a = modelled_quotes(DAYS[0])
    b = modelled_quotes(DAYS[0], listing="day")
    pd.testing.assert_frame_equal(a, b)
    e = a["expiry"].iloc[0]
    assert _strikes(a, DAYS[0], e) <= _grid(DAYS[0], e)


def test_a_listed_strike_stays_listed_until_expiry(held):
    day = modelled_quotes(DAYS)
    common = set(held.loc[held["quote_date"] == pd.Timestamp(DAYS[-1]), "expiry"])
    checked = grew = 0
    for e in sorted(common):
        for i, d1 in enumerate(DAYS[:-1]):
            # every strike of an earlier day's own grid (both types' union: the in-the-money
            # side always has a bid) is still listed on every later day
            earlier = _strikes(day, d1, e)
            for d2 in DAYS[i + 1:]:
                later = _strikes(held, d2, e)
                if earlier:
                    assert earlier <= later, (e, d1, d2, sorted(earlier - later)[:5])
                    checked += 1
                    grew += len(later) > len(_strikes(day, d2, e))
    assert checked > 20 and grew > 0          # the union is larger than a day's own grid
    # and held listing only adds strikes: each day's own grid is in it
    for d in DAYS:
        for e in common:
            assert _strikes(day, d, e) <= _strikes(held, d, e)


def test_held_quotes_are_priced_like_the_days_grid(held):
    """Quotes of a strike priced on the same surface whichever listing brought it in."""
    day = modelled_quotes(DAYS)
    cols = ["quote_date", "expiry", "strike", "type"]
    h, d = held.copy(), day.copy()
    h.attrs, d.attrs = {}, {}
    both = h.merge(d, on=cols, suffixes=("_h", "_d"))
    assert len(both) == len(day)
    for c in ("bid", "ask", "iv_model", "spot", "T"):
        np.testing.assert_array_equal(both[f"{c}_h"].to_numpy(), both[f"{c}_d"].to_numpy())


def test_bad_listing():
    with pytest.raises(DataError, match="listing must be 'day' or 'held', got 'weekly'"):
        modelled_quotes(DAYS[0], listing="weekly")
