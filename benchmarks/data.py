"""The modelled chain generator (the embedded default chain and the backtest's modelled history).

* ``core.data.modelled_quotes`` over one year of trading days (2018, 251 days): throughput.
* ``core.data.modelled_chain`` of one day (quotes + ``load_chain``), uncached.
* How close the modelled chain is to the real SPXW chains of January–February 2018 in
  ``../shared/data`` (third-party data, not shipped): ATM vol at the real expiry, per day.
There is no peer library for this; rows are absolute figures on a shared 2-core machine.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks import Row, best_time, shared_data

__all__ = ["run"]


def _real_2018_atm() -> list[tuple]:
    from core.data import load_chain

    raw = pd.read_csv(shared_data("spxw_2018-01_02.csv"), encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    raw["quotedate"] = pd.to_datetime(raw["quotedate"], format="%m/%d/%Y")
    raw["expiration"] = pd.to_datetime(raw["expiration"], format="%m/%d/%Y")
    out = []
    for day, g in raw.groupby("quotedate"):
        g = g[g["expiration"] > day + pd.Timedelta(days=4)]
        if g.empty:
            continue
        frame = pd.DataFrame({"expiry": g["expiration"].dt.date.astype(str), "strike": g["strike"],
                              "type": g["type"].str[0].str.upper(), "bid": g["bid"], "ask": g["ask"]})
        c = load_chain(frame, quote_date=day.date(), spot=float(g["underlying_last"].iloc[0]))
        e = c.expiries.iloc[0]
        out.append((day.date(), float(e["T"]), float(e["atm_iv"])))
    return out


def run() -> list[Row]:
    from core.data import modelled_quotes
    from core.data.embedded import sp500_ohlc
    from core.data.modelled import _chain

    days = sp500_ohlc().loc["2018"].index
    modelled_quotes(days[:2])                                  # warm numba / file caches
    t_year = best_time(lambda: modelled_quotes(days), repeat=3)
    n = len(modelled_quotes(days))
    t_one = best_time(lambda: (_chain.cache_clear(), _chain(days[-1].date(), "SPX")), repeat=3)
    errs = []
    for day, T, atm in _real_2018_atm():
        ch = _chain(day, "SPX")
        e = ch.expiries
        w = np.interp(T, e["T"], e["atm_iv"] ** 2 * e["T"])
        errs.append(np.sqrt(w / T) - atm)
    errs = np.abs(np.array(errs)) * 100
    return [
        Row("data", "modelled_quotes, 251 days of 2018", t_year, unit="s",
            note=f"{n:,} quotes ({n / t_year:,.0f} quotes/s)"),
        Row("data", "modelled_chain, one day (uncached)", t_one * 1e3, unit="ms",
            note="generation + load_chain (parity forwards, implied vols)"),
        Row("data", "modelled vs real SPXW 2018: ATM vol error, median", float(np.median(errs)),
            unit="vol pts", note=f"{len(errs)} days of ../shared/data/spxw_2018-01_02.csv; "
                                 f"max {errs.max():.2f} vol pts"),
    ]
