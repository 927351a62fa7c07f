"""Validating and cleaning canonical quote rows.

Rules (each dropped row is counted once, under the first rule that applies, in this order):

1. rows of other quote dates (a multi-day file filtered by the ``quote_date`` argument);
2. missing or non-numeric values: expiry not a date, type not C/P/call/put, strike, bid or ask
   not a finite number, strike <= 0;
3. expired or same-day expiry (expiry <= quote date): T would be <= 0;
4. zero or negative bid (no market; the mid is not a price);
5. crossed quote, bid > ask (bid == ask is kept: a locked quote is a price);
6. duplicates of (expiry, strike, type): the tightest quote is kept.

Wide spreads are flagged, not dropped: ``wide = ask - bid > WIDE_SPREAD_REL * mid`` (relative
spread over 50 % of the mid — e.g. a 0.05/0.10 quote). Such mids say little about the vol;
``Chain.otm_quotes(exclude_wide=True)`` leaves them out.
"""
from __future__ import annotations

import datetime as _dt
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError

__all__ = ["WIDE_SPREAD_REL", "Cleaned", "clean", "to_date", "parse_dates"]

#: Relative spread (ask - bid) / mid above which a quote is flagged ``wide``.
WIDE_SPREAD_REL: float = 0.5
_DAYS_PER_YEAR = 365.0
_MAX_SLOW_DATES = 2000        # distinct non-ISO date strings parsed one by one
_TYPE_MAP = {"C": "C", "CALL": "C", "CALLS": "C", "P": "P", "PUT": "P", "PUTS": "P"}


@dataclass(frozen=True)
class Cleaned:
    """Output of :func:`clean`: the kept rows and the bookkeeping for the report."""

    quotes: pd.DataFrame          # expiry, T, strike, type, bid, ask, mid, spread, wide
    quote_date: _dt.date
    spot_file: float              # NaN when the source gives none
    counts: dict[str, int]        # CleaningReport field -> count
    notes: tuple[str, ...]
    expiry_notes: tuple[str, ...]


def to_date(name: str, value) -> _dt.date:
    """Parse a date argument (date, datetime, Timestamp, ISO string) or raise DataError."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a date like '2011-01-24', got {value!r}") from exc
    if pd.isna(ts):
        raise DataError(f"{name} must be a date like '2011-01-24', got {value!r}")
    return ts.date()


def parse_dates(values: pd.Series) -> np.ndarray:
    """Vectorised date parsing to ``datetime64[D]`` (NaT where unparseable).

    Accepts datetime columns, ISO and common date strings, date/datetime objects, YYYYMMDD
    integers and Unix timestamps in seconds. Each distinct value is parsed once.
    """
    if values.dtype.kind == "M" or isinstance(values.dtype, pd.DatetimeTZDtype):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
        return values.to_numpy().astype("datetime64[D]")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniq = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    is_obj_date = uniq.map(lambda v: isinstance(v, (_dt.date, np.datetime64)))
    num = pd.to_numeric(uniq.where(~is_obj_date), errors="coerce")
    ymd = num.between(19000101, 29991231) & (num % 1 == 0)
    if ymd.any():
        parsed[ymd] = pd.to_datetime(num[ymd].astype(np.int64).astype(str), format="%Y%m%d",
                                     errors="coerce")
    unix = num.between(1e8, 1e11) & ~ymd
    if unix.any():
        parsed[unix] = pd.to_datetime(num[unix], unit="s", errors="coerce")
    text = num.isna()
    if text.any():
        s = uniq[text].astype(str).str.strip()
        iso = pd.to_datetime(s, errors="coerce", format="ISO8601")
        parsed[text] = iso
        retry = iso.index[iso.isna().to_numpy() & (s != "").to_numpy()]
        if 0 < len(retry) <= _MAX_SLOW_DATES:       # other layouts, e.g. 2/19/2011
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for i in retry:
                    try:
                        parsed[i] = pd.to_datetime(s[i], errors="coerce")
                    except (TypeError, ValueError, OverflowError):
                        pass
    days = parsed.to_numpy().astype("datetime64[D]")
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = codes >= 0
    out[ok] = days[codes[ok]]
    return out


def _numeric(s: pd.Series) -> np.ndarray:
    if s.dtype.kind in "fiub":
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(s.astype("str").str.strip(), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan)


def _types(s: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([_TYPE_MAP.get(str(u).strip().upper()) for u in uniques] + [None],
                      dtype=object)
    return mapped[codes]   # code -1 picks the trailing None


def _resolve_quote_date(frame: pd.DataFrame, arg) -> tuple[_dt.date, np.ndarray | None, str]:
    """Quote date, a row mask of that date (or None for all rows), and a note."""
    arg_date = None if arg is None else to_date("quote_date", arg)
    if "quote_date" in frame.columns:
        qd = parse_dates(frame["quote_date"])
        dates = sorted({d.item() for d in np.unique(qd[~np.isnat(qd)])})
        if len(dates) == 1:
            if arg_date is not None and arg_date != dates[0]:
                raise DataError(f"quote_date argument {arg_date} does not match the file's quote "
                                f"date {dates[0]}: leave quote_date empty or fix it")
            return dates[0], None, f"Quote date {dates[0]} from the file."
        if len(dates) > 1:
            listed = ", ".join(str(d) for d in dates[:5]) + (", ..." if len(dates) > 5 else "")
            if arg_date is None:
                raise DataError(f"the file holds {len(dates)} quote dates ({listed}): pass "
                                f"quote_date to choose one")
            if arg_date not in dates:
                raise DataError(f"quote_date {arg_date} is not in the file (it holds {listed})")
            mask = qd == np.datetime64(arg_date, "D")
            return arg_date, mask, (f"Quote date {arg_date} chosen from {len(dates)} dates in "
                                    f"the file.")
    if arg_date is None:
        raise DataError("the file has no quote date: pass quote_date (the date the quotes were "
                        "taken, e.g. '2011-01-24') so times to expiry can be computed")
    return arg_date, None, f"Quote date {arg_date} from the argument."


def clean(frame: pd.DataFrame, *, quote_date=None) -> Cleaned:
    """Validate canonical rows (see the module docstring for the rules).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical columns from :func:`core.data.formats.normalise`.
    quote_date : date-like, optional
        Used when the file has no quote date, or to choose one day of a multi-day file.
    """
    counts = dict.fromkeys(("dropped_other_date", "dropped_missing", "dropped_expired",
                            "dropped_zero_bid", "dropped_crossed", "dropped_duplicate"), 0)
    qdate, day_mask, date_note = _resolve_quote_date(frame, quote_date)
    notes = [date_note]
    if day_mask is not None:
        counts["dropped_other_date"] = int((~day_mask).sum())
        frame = frame.loc[day_mask]

    expiry = parse_dates(frame["expiry"])
    strike = _numeric(frame["strike"])
    bid = _numeric(frame["bid"])
    ask = _numeric(frame["ask"])
    typ = _types(frame["type"])
    spot_raw = _numeric(frame["spot"]) if "spot" in frame.columns else None

    valid = (~np.isnat(expiry) & np.isfinite(strike) & (strike > 0) & np.isfinite(bid)
             & np.isfinite(ask) & (typ != None))  # noqa: E711  (object array comparison)
    counts["dropped_missing"] = int((~valid).sum())

    qd64 = np.datetime64(qdate, "D")
    expired = valid & (expiry <= qd64)
    counts["dropped_expired"] = int(expired.sum())
    expiry_notes = []
    if expired.any():
        exp_d, exp_n = np.unique(expiry[expired], return_counts=True)
        for d, n in zip(exp_d, exp_n):
            days = int((qd64 - d).astype(int))
            when = "the same day as" if days == 0 else f"{days} day{'s' * (days != 1)} before"
            expiry_notes.append(f"Expiry {d} dropped: it is {when} the quote date {qdate} "
                                f"({int(n)} quotes).")
    keep = valid & ~expired
    zero_bid = keep & (bid <= 0)
    counts["dropped_zero_bid"] = int(zero_bid.sum())
    keep &= ~zero_bid
    crossed = keep & (bid > ask)
    counts["dropped_crossed"] = int(crossed.sum())
    keep &= ~crossed

    q = pd.DataFrame({
        "expiry": expiry[keep].astype("datetime64[ns]"),
        "strike": strike[keep], "type": pd.array(typ[keep].astype(str), dtype="str"),
        "bid": bid[keep], "ask": ask[keep],
    })
    q["spread"] = q["ask"] - q["bid"]
    n_before = len(q)
    q = (q.sort_values(["expiry", "strike", "type", "spread"], kind="stable")
         .drop_duplicates(["expiry", "strike", "type"], keep="first")
         .reset_index(drop=True))
    counts["dropped_duplicate"] = n_before - len(q)
    if len(q) == 0:
        raise DataError(_nothing_left(counts, len(frame)))

    q["mid"] = 0.5 * (q["bid"] + q["ask"])
    q["wide"] = q["spread"].to_numpy() > WIDE_SPREAD_REL * q["mid"].to_numpy()
    days = (q["expiry"].to_numpy().astype("datetime64[D]") - qd64).astype(np.int64)
    q["T"] = days / _DAYS_PER_YEAR
    q = q[["expiry", "T", "strike", "type", "bid", "ask", "mid", "spread", "wide"]]
    notes.append(f"Wide spread: ask - bid > {WIDE_SPREAD_REL:.0%} of the mid (flagged, kept).")

    spot_file = np.nan
    if spot_raw is not None:
        s = spot_raw[valid]
        s = s[np.isfinite(s) & (s > 0)]
        if s.size:
            spot_file = float(np.median(s))
            lo, hi = float(s.min()), float(s.max())
            if hi > lo * 1.001:
                notes.append(f"Spot varies across rows ({lo:g} to {hi:g}); using the median "
                             f"{spot_file:g}.")
    return Cleaned(q, qdate, spot_file, counts, tuple(notes), tuple(expiry_notes))


def _nothing_left(counts: dict[str, int], n: int) -> str:
    parts = [f"{v:,} {k.removeprefix('dropped_').replace('_', ' ')}"
             for k, v in counts.items() if v]
    return (f"no usable quotes left out of {n:,} rows ({'; '.join(parts)}): the file needs "
            f"unexpired options with positive bids and bid <= ask")
