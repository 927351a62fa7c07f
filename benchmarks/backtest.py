"""Backtest lab speed: the engine on the real SPXW sample (peer: optopsy on the same file), a
5-year daily backtest and a 100-point walk-forward on a 5-year history, PBO on 1,000
configurations x 2,500 days, and a year of full chains (2 million rows) stored and read back.

The 5-year history is ``modelled_history`` when ``core.data.modelled_quotes`` exists; otherwise a
*synthetic* stand-in of the same shape built here (real S&P 500 closes and VIX from the ``arch``
package, Black-Scholes prices on a skewed smile, weekly expiries to 63 days, strikes every 25
points within 12 % of spot, bid/ask 4 % of the price, at least 0.05) — labelled so in the table.
Timings on a shared 2-core machine: read the ratios and the orders of magnitude.
"""
from __future__ import annotations

import math
import os
import tempfile
import time

import numpy as np
import pandas as pd

from benchmarks import Row, best_time

TOPIC = "backtest"
REAL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared",
                    "data", "spxw_2018-01_02.csv")


def synthetic_quotes(start="2014-01-02", end="2018-12-31", *, step=25.0, span=0.12, max_days=63,
                     dates=None) -> pd.DataFrame:
    """Canonical multi-day quotes (quote_date, expiry, strike, type, bid, ask, spot) priced by
    Black-Scholes at a skewed smile whose ATM level is the day's VIX."""
    from arch.data import sp500, vix
    from scipy.special import ndtr

    px = sp500.load()["Close"]
    v = vix.load()["vix"].reindex(px.index).ffill()
    if dates is None:
        px = px[(px.index >= start) & (px.index <= end)]
    else:
        px = px.loc[dates]
    v = v.reindex(px.index).ffill().bfill() / 100.0
    frames = []
    for d, S in px.items():
        d = pd.Timestamp(d)
        fridays = pd.date_range(d + pd.Timedelta(days=1), d + pd.Timedelta(days=max_days), freq="W-FRI")
        K = np.arange(math.ceil(S * (1 - span) / step) * step, S * (1 + span), step)
        T = ((fridays - d).days.to_numpy() / 365.0)[:, None]
        k = np.log(K[None, :] / S)
        sig = v.loc[d] * np.clip(1 - 1.8 * k + 2.0 * k * k, 0.4, 3.0) * np.ones_like(T)
        sd = sig * np.sqrt(T)
        d1 = (-k + 0.5 * sd * sd) / sd
        call = S * ndtr(d1) - K * ndtr(d1 - sd)
        put = call - S + K
        for typ, p in (("C", call), ("P", put)):
            half = np.maximum(0.02 * p, 0.025)
            frames.append(pd.DataFrame({
                "quote_date": d, "expiry": np.repeat(fridays.to_numpy(), K.size),
                "strike": np.tile(K, len(fridays)), "type": typ,
                "bid": np.maximum(np.round((p - half).ravel(), 2), 0.0),
                "ask": np.round((p + half).ravel(), 2), "spot": S}))
    return pd.concat(frames, ignore_index=True)


def _five_year(cache):
    from core.backtest import modelled_history
    from core.backtest.history import history_from_frame

    try:
        return modelled_history("2014-01-03", "2018-12-31", cache_dir=cache), "modelled"
    except Exception as exc:  # noqa: BLE001 - report which stand-in was used
        if "not available" not in str(exc):
            raise
    t0 = time.perf_counter()
    h = history_from_frame(synthetic_quotes(), source_kind="upload", label="synthetic 5-year SPX-like chains",
                           cache_dir=cache)
    return h, f"synthetic stand-in (built in {time.perf_counter() - t0:.0f} s)"


def run() -> list[Row]:
    from core.backtest import Rules, load_history, pbo, run as backtest, walk_forward
    from core.backtest.history import history_from_frame, open_history

    rows: list[Row] = []
    cache = tempfile.mkdtemp(prefix="parity-bench-")
    rule = Rules()                                    # daily 30-DTE 16-delta iron condor
    if os.path.isfile(REAL):
        h = load_history(REAL, source_kind="real", cache_dir=cache)
        warm = best_time(lambda: backtest(h, rule), repeat=7)
        cold = best_time(lambda: backtest(open_history(h.path), rule), repeat=5)
        peer, note = None, "optopsy not installed"
        try:
            import optopsy as op

            d = op.csv_data(REAL, underlying_symbol=0, underlying_price=1, option_type=5, expiration=6,
                            quote_date=7, strike=8, bid=10, ask=11, delta=15)
            peer = best_time(lambda: op.iron_condor(d, raw=True, max_entry_dte=40, exit_dte=7,
                                                    max_otm_pct=0.03), repeat=2)
            note = ("peer: optopsy iron_condor(raw, exit 7 DTE, strikes within 3 % of spot) enumerates "
                    "every 4-strike combination on every date: different work, same file")
        except ImportError:
            pass
        n = len(backtest(h, rule).trades)
        rows.append(Row(TOPIC, f"real SPXW 40 days, daily iron condor ({n} trades), cached days", warm,
                        peer, "optopsy", "s", "<= 0.2 s", note))
        rows.append(Row(TOPIC, "same, reading every day from Parquet", cold, None, "", "s", "<= 0.2 s", ""))
    h5, what = _five_year(cache)
    five = best_time(lambda: backtest(open_history(h5.path), rule), repeat=3)
    rows.append(Row(TOPIC, f"5-year daily iron condor ({len(h5)} dates)", five, None, "", "s", "<= 2 s",
                    f"{what}; daily CBOE margin of every open position"))
    five_nm = best_time(lambda: backtest(open_history(h5.path), rule, margin=False), repeat=3)
    rows.append(Row(TOPIC, "same, margin off (what sweeps run)", five_nm, None, "", "s", "", ""))
    rows.append(walkforward_row(h5, what))
    M = np.random.default_rng(0).normal(0, 0.01, (2500, 1000))
    rows.append(Row(TOPIC, "PBO (CSCV, 16 blocks = 12,870 splits), 1,000 configs x 2,500 days",
                    best_time(lambda: pbo(M, 16), repeat=3), None, "", "s", "<= 2 s", ""))
    rows.extend(_year_of_chains(cache))
    return rows


GRID = {"delta": [0.08, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20, 0.22, 0.25, 0.30],
        "width": [10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 75.0, 100.0]}


def walkforward_row(h5, what: str) -> Row:
    """The 100-point walk-forward over the 5-year history (train 252, test 63 dates)."""
    from core.backtest import Rules, walk_forward

    t0 = time.perf_counter()
    wf = walk_forward(h5, Rules(), GRID, train=252, test=63)     # in_sample="continuous"
    return Row(TOPIC, f"walk-forward 100 grid points x {len(wf.windows)} windows, 5 years",
               time.perf_counter() - t0, None, "", "s", "<= 60 s on 2 cores",
               f"{what}; local process pool of {os.cpu_count()}; PBO {wf.pbo.pbo:.2f}, DSR {wf.dsr:.3f}")


def _year_of_chains(cache) -> list[Row]:
    """2 million rows: 252 dates x 10 expiries x ~400 strikes x 2 types."""
    import psutil
    from arch.data import sp500

    from core.backtest.history import history_from_frame, open_history

    dates = sp500.load().loc["2017-01-03":"2017-12-29"].index[:252]
    q = synthetic_quotes(dates=dates, step=2.5, span=0.20, max_days=70)
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    h = history_from_frame(q, source_kind="upload", label="synthetic year", cache_dir=cache)
    build = time.perf_counter() - t0
    del q
    t0 = time.perf_counter()
    h2 = open_history(h.path)
    opened = time.perf_counter() - t0
    t0 = time.perf_counter()
    for i in range(len(h2)):
        h2.day(i)
    read_all = time.perf_counter() - t0
    one = best_time(lambda: open_history(h.path).day(100), repeat=5)
    size = os.path.getsize(h.path) / 2**20
    n_rows = sum(open_history(h.path).day(i).n for i in range(len(h2)))
    return [Row(TOPIC, f"store a year of chains ({n_rows / 1e6:.2f}M rows, {len(h2)} dates)", build, None, "",
                "s", "seconds", f"Parquet {size:.0f} MB; RSS grew {(proc.memory_info().rss - rss0) / 2**20:.0f} MB"),
            Row(TOPIC, "open it (footer only)", opened, None, "", "s", "", ""),
            Row(TOPIC, "read one date's chain from Parquet", one, None, "", "s", "", ""),
            Row(TOPIC, "read every date in turn (bounded cache)", read_all, None, "", "s", "seconds", "")]


if __name__ == "__main__":   # python -m benchmarks.backtest walkforward: that row alone
    import sys

    if sys.argv[1:] == ["walkforward"]:
        h, what = _five_year(os.environ.get("PARITY_BENCH_CACHE") or tempfile.mkdtemp(prefix="parity-bench-"))
        r = walkforward_row(h, what)
        print(f"{r.metric}: {r.ours:.1f} s ({r.note})")
    else:
        for r in run():
            print(r)
