"""The real chains in ``../shared/data``, loaded the way the tests need them (cached).

These files are third-party data: the tests read them by path and the project never contains
them (``tests/test_architecture.py`` checks that).
"""
from __future__ import annotations

import functools

import pandas as pd

from core.data import load_chain
from tests.conftest import shared_file

__all__ = ["spx_2011_chain", "spxw_2018_days", "spxw_2018_raw"]


@functools.lru_cache(maxsize=1)
def spx_2011_chain():
    """The real SPX chain of 2011-01-24 (pyql example data), through ``load_chain``."""
    return load_chain(shared_file("spx_2011-01-24.csv"))


@functools.lru_cache(maxsize=1)
def spxw_2018_raw() -> pd.DataFrame:
    """The raw SPXW 2018 file (historicaloptiondata layout), with parsed dates."""
    raw = pd.read_csv(shared_file("spxw_2018-01_02.csv"), encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    raw["quotedate"] = pd.to_datetime(raw["quotedate"], format="%m/%d/%Y")
    raw["expiration"] = pd.to_datetime(raw["expiration"], format="%m/%d/%Y")
    return raw


@functools.lru_cache(maxsize=1)
def spxw_2018_days() -> tuple:
    """One Chain per quote date of the SPXW file that has an unexpired expiry (39 of 40 days).

    Each day goes through ``load_chain`` as a canonical frame with the file's index close
    (``underlying_last``) as spot.
    """
    raw = spxw_2018_raw()
    out = []
    for day, g in raw.groupby("quotedate"):
        g = g[g["expiration"] > day]
        if g.empty:
            continue
        frame = pd.DataFrame({"expiry": g["expiration"].dt.date.astype(str),
                              "strike": g["strike"], "type": g["type"].str[0].str.upper(),
                              "bid": g["bid"], "ask": g["ask"]})
        out.append(load_chain(frame, quote_date=day.date(),
                              spot=float(g["underlying_last"].iloc[0])))
    return tuple(out)
