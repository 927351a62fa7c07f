"""Modelled chain histories: one chain per trading day from real S&P 500 closes and VIX.

:func:`modelled_history` asks ``core.data.modelled_quotes(dates, underlying="SPX")`` (the
modelled chain generator of ``core.data``: real closes from the ``arch`` package's S&P 500
data, an implied-vol surface whose 30-day level follows the real VIX, skew and term shape from
the fits of the real SPX chains, listed strikes and monthly + weekly expiries, bid/ask from a
spread model fitted to the real files) with ``listing="held"``: a strike once listed for an
expiry stays listed until that expiry, as on the exchange, so the legs of open positions stay
quoted instead of being marked from the smile) for a month of dates at a time, and stores the chains
as a :class:`ChainHistory` labelled **modelled**, through the same cleaning and enrichment as
real files. Memory holds one month of chains at a time.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from core.backtest.history import ChainHistory, open_history
from core.backtest.history_build import FORMAT_VERSION, build_chunks, prepare_table
from core.errors import DataError
from core._typing import DateLike, Progress

__all__ = ["modelled_history", "MODELLED_LABEL", "VIX_SPAN"]

MODELLED_LABEL = ("MODELLED SPX chains: real S&P 500 closes and VIX (arch data), fitted smile "
                  "shape and spread model")
#: Span of the VIX closes in the ``arch`` package (the modelled surface follows them).
VIX_SPAN = ("2014-01-03", "2018-12-31")
_CHUNK_DATES = 21
#: How the generator lists strikes (``core.data.modelled_quotes(listing=...)``): a strike once
#: listed for an expiry stays listed until it expires, so open positions stay quoted. Part of
#: the cache key: histories built under the earlier day-by-day listing are not reused.
LISTING = "held"


def _generator():
    try:
        from core.data import modelled_quotes
    except ImportError:
        raise DataError("modelled chains are not available in this build (core.data."
                        "modelled_quotes is missing): use the real sample or upload a history"
                        ) from None
    return modelled_quotes


def _trading_days(start, end) -> pd.DatetimeIndex:
    from core.data import index_prices

    try:
        a, b = pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise DataError(f"start and end must be dates like 2016-01-04, got {start!r}, "
                        f"{end!r}") from None
    if pd.isna(a) or pd.isna(b) or a >= b:
        raise DataError(f"start must be before end, got {start!r} to {end!r}")
    lo, hi = pd.Timestamp(VIX_SPAN[0]), pd.Timestamp(VIX_SPAN[1])
    if a < lo or b > hi:
        raise DataError(f"the modelled span must lie within {VIX_SPAN[0]} to {VIX_SPAN[1]} "
                        f"(where the arch package has VIX closes), got {a.date()} to {b.date()}")
    days = index_prices().index
    days = days[(days >= a) & (days <= b)]
    if len(days) < 2:
        raise DataError(f"fewer than two trading days between {a.date()} and {b.date()}")
    return days


def modelled_history(start: DateLike, end: DateLike, *, underlying: str = "SPX",
                     cache_dir: str | os.PathLike | None = None,
                     progress: Progress = None) -> ChainHistory:
    """A modelled chain per trading day from ``start`` to ``end`` (module notes).

    Parameters
    ----------
    start, end : date-like
        Inclusive span, within :data:`VIX_SPAN`.
    underlying : str
        Passed to ``core.data.modelled_quotes``.
    cache_dir : path, optional
        Folder of the Parquet file (default ``$TMPDIR/parity-histories``); the same span is
        built once.
    progress : callable(fraction, message), optional

    Returns
    -------
    ChainHistory
        ``source="modelled"``, labelled :data:`MODELLED_LABEL`.

    Raises
    ------
    DataError
        Bad or out-of-span dates, or the modelled chain generator missing from ``core.data``.
    """
    days = _trading_days(start, end)
    gen = _generator()
    key = f"{FORMAT_VERSION}|listing={LISTING}|{underlying}|{days[0].date()}|{days[-1].date()}"
    folder = Path(cache_dir or Path(tempfile.gettempdir()) / "parity-histories")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha1(key.encode()).hexdigest()[:24]}-modelled.parquet"
    if path.is_file():
        try:
            return open_history(path)
        except DataError:
            pass
    say = progress or (lambda *_: None)
    n = len(days)
    summary: list[str] = []
    rows = [0, 0]

    def chunks():
        for i in range(0, n, _CHUNK_DATES):
            part = days[i:i + _CHUNK_DATES]
            say(i / n, f"modelling chains {part[0].date()} to {part[-1].date()}")
            frame = gen(list(part.date), underlying=underlying, listing=LISTING)
            if not isinstance(frame, pd.DataFrame) or frame.empty:
                raise DataError(f"the modelled chain generator returned no quotes for "
                                f"{part[0].date()} to {part[-1].date()}")
            if "spot" not in frame.columns and "underlying_last" not in frame.columns:
                raise DataError("the modelled quotes carry no spot column")
            df, dates, closes, notes = prepare_table(frame, min_dates=1)
            rows[0] += len(frame)
            rows[1] += len(df)
            yield df, dates, closes, [x for x in notes if not x.startswith("Read ")]
        summary.append(f"Modelled {rows[0]:,} quotes on {n} trading days, {days[0].date()} to "
                       f"{days[-1].date()}; kept {rows[1]:,} (not expiring that day).")

    build_chunks(chunks(), path, "modelled", MODELLED_LABEL, extra_notes=summary)
    say(1.0, f"{n} modelled chains")
    return open_history(path)
