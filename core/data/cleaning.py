"""Validating and cleaning canonical quote rows.

Rules (each dropped row is counted once, under the first rule that applies, in this order):

1. rows of other quote dates (a multi-day file filtered by the ``quote_date`` argument);
2. missing or non-numeric values: expiry not a date, type not C/P/call/put, strike, bid or ask
   not a finite number, strike <= 0;
3. expired or same-day expiry (expiry <= quote date): T would be <= 0;
4. zero or negative bid (no market; the mid is not a price);
5. crossed quote, bid > ask (bid == ask is kept: a locked quote is a price);
6. a second option root on one expiry (SPX AM-settled beside SPXW PM-settled): one root is
   kept per expiry, a PM root (``PM_ROOTS``) first, else the most quoted, and a note says so;
7. duplicates of (expiry, strike, type): the tightest quote is kept.

Before these rules, values that cannot be real (a strike 1000 x the median, a price of 1e308)
refuse the file with the row named; dates are read as described in :mod:`core.data.dates`.

Wide spreads are flagged, not dropped: ``wide = ask - bid > WIDE_SPREAD_REL * mid`` (relative
spread over 50 % of the mid — e.g. a 0.05/0.10 quote). Such mids say little about the vol;
``Chain.otm_quotes(exclude_wide=True)`` leaves them out.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data._text import detect_decimal_comma, formula_cells, numbers
from core.data.dates import describe, parse_dates, read_dates
from core.data.limits import plain, short
from core.errors import DataError
from core._typing import DateLike

__all__ = ["WIDE_SPREAD_REL", "Cleaned", "clean", "to_date", "parse_dates", "numeric_column",
           "option_types", "read_date_columns"]

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


def to_date(name: str, value: DateLike) -> _dt.date:
    """Parse a date argument (date, datetime, Timestamp, ISO string) or raise DataError.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : date-like
        A date, datetime, Timestamp or ISO string.

    Returns
    -------
    datetime.date

    Raises
    ------
    DataError
        When ``value`` is not a date, naming ``name`` and the value.
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a date like '2011-01-24', got {short(value)}") from exc
    if pd.isna(ts):
        raise DataError(f"{name} must be a date like '2011-01-24', got {short(value)}")
    return ts.date()


def numeric_column(frame: pd.DataFrame, col: str, sep: str, notes: list[str]) -> np.ndarray:
    """A canonical column as floats, refusing formulas and reading decimal commas (noted).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows in canonical column names (see :mod:`core.data.formats`).
    col : str
        The column to read (``strike``, ``bid``, ``ask``, ``spot``; in the file's units).
    sep : str
        The file's field separator (decides whether ``1,234`` is a decimal comma).
    notes : list of str
        Appended to, in place, when the column is read with decimal commas.

    Returns
    -------
    numpy.ndarray
        float64, one value per row, NaN where a cell is not a number.

    Raises
    ------
    DataError
        When the column holds spreadsheet formulas.
    """
    s = frame[col]
    formula = formula_cells(s)
    if formula is not None:
        raise DataError(f"the {col} column holds spreadsheet formulas (e.g. {short(formula)}): "
                        f"export the sheet with values, not formulas (copy, paste as values, "
                        f"save as CSV)")
    dec = s.dtype.kind not in "fiub" and detect_decimal_comma(s, sep)
    if dec:
        notes.append(f"The {col} column uses decimal commas (e.g. "
                     f"{short(str(s.dropna().iloc[0]))}): read as decimals.")
    return numbers(s, decimal_comma=dec)


def option_types(s: pd.Series) -> np.ndarray:
    """Option types read as ``'C'``/``'P'`` (C, call, calls, P, put, puts in any case).

    Parameters
    ----------
    s : pandas.Series
        The ``type`` column as in the file.

    Returns
    -------
    numpy.ndarray
        object array, one entry per row: ``'C'``, ``'P'``, or ``None`` where unreadable.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([_TYPE_MAP.get(str(u).strip().upper()) for u in uniques] + [None],
                      dtype=object)
    return mapped[codes]   # code -1 picks the trailing None


_DATE_COLS = ("quote_date", "expiry", "last_trade")


def read_date_columns(frame: pd.DataFrame, dayfirst: bool | None,
                      quote_arg: _dt.date | None) -> tuple[dict, list[str]]:
    """Read the date columns with one day/month order for the whole file; notes say which.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows in canonical column names; the ones read are ``quote_date``, ``expiry`` and
        ``last_trade`` where present.
    dayfirst : bool or None
        Read slash dates as day/month/year (True) or month/day/year (False); ``None`` chooses
        the one reading under which every date is valid, else the reading under which more
        rows expire after their quote date (then more expiries on weekdays).
    quote_arg : datetime.date or None
        The quote date given by the caller, used to score ambiguous readings when the file has
        no quote date column.

    Returns
    -------
    dates : dict
        Column name -> :class:`~core.data.dates.DateReading` of that column.
    notes : list of str
        What was decided about the day/month order (empty when no date was ambiguous).

    Raises
    ------
    DataError
        When a column mixes both orders, or columns force different orders.
    """
    cols = [c for c in _DATE_COLS if c in frame.columns]
    if dayfirst is not None:
        got = {c: read_dates(frame[c], bool(dayfirst)) for c in cols}
        order = "day/month/year" if dayfirst else "month/day/year"
        slashy = any(g.order is not None for g in got.values())
        return got, ([f"Slash dates read as {order} (dayfirst={bool(dayfirst)})."] if slashy
                     else [])
    first = {c: read_dates(frame[c]) for c in cols}
    orders = {c: g.order for c, g in first.items() if g.order is not None}
    if not orders:
        return first, []
    if "mixed" in orders.values():
        c = next(c for c, o in orders.items() if o == "mixed")
        raise DataError(f"the {c} column mixes day/month/year and month/day/year dates (some "
                        f"have a first field over 12, others a second field over 12): use one "
                        f"spelling, ideally ISO YYYY-MM-DD")
    forced = {o for o in orders.values() if o != "either"}
    if len(forced) > 1:
        raise DataError("some date columns read only as day/month/year and others only as "
                        "month/day/year: use one spelling, ideally ISO YYYY-MM-DD")
    if forced:
        dayf = forced.pop() == "dmy"
        # the first pass read forced columns their way and the others month first
        got = {c: (read_dates(frame[c], True) if dayf and orders.get(c) == "either"
                   else first[c]) for c in cols}
        word = "day/month/year" if dayf else "month/day/year"
        return got, [f"Slash dates read as {word} (the only reading under which every date "
                     f"is valid)."]
    # every slash date reads both ways: choose the reading consistent with the quotes
    readings = {d: {c: read_dates(frame[c], d) for c in cols} for d in (False, True)}
    score = {d: _consistency(r, quote_arg) for d, r in readings.items()}
    dayf = score[True] > score[False]
    word = "day/month/year" if dayf else "month/day/year"
    other = "month/day/year" if dayf else "day/month/year"
    if score[True] == score[False]:
        why = (f"both readings fit equally well, so the US order is used; pass "
               f"dayfirst={not dayf} to read them as {other}")
    else:
        a, b = score[dayf], score[not dayf]
        why = (f"{a[0]:,} rows expire after their quote date that way against {b[0]:,} read as "
               f"{other}" if a[0] != b[0] else
               f"{a[1]:,} expiries fall on weekdays that way against {b[1]:,} read as {other}")
        why += f"; pass dayfirst={not dayf} to force the other reading"
    return readings[dayf], [f"Dates like '03/04/2024' are ambiguous: read as {word} ({why})."]


def _consistency(r: dict, quote_arg) -> tuple[int, int]:
    """(rows whose expiry is after their quote date, expiry dates on weekdays) of a reading."""
    exp = r["expiry"].days if "expiry" in r else None
    if exp is None:
        return (0, 0)
    if "quote_date" in r:
        qd = r["quote_date"].days
    elif quote_arg is not None:
        qd = np.full(len(exp), np.datetime64(quote_arg, "D"))
    elif "last_trade" in r:
        qd = r["last_trade"].days
    else:
        qd = None
    ok = ~np.isnat(exp)
    after = int((ok & ~np.isnat(qd) & (exp > qd)).sum()) if qd is not None else int(ok.sum())
    weekday = (exp[ok].astype("datetime64[D]").view("int64") - 4) % 7   # 0 = Monday
    return after, int((weekday < 5).sum())


def _resolve_quote_date(frame: pd.DataFrame, arg,
                        dates: dict) -> tuple[_dt.date, np.ndarray | None, str]:
    """Quote date, a row mask of that date (or None for all rows), and a note."""
    arg_date = None if arg is None else to_date("quote_date", arg)
    if "quote_date" in frame.columns:
        reading = dates["quote_date"]
        qd = reading.days
        dates_ = sorted({d.item() for d in np.unique(qd[~np.isnat(qd)])})
        if not dates_:
            found = reading.out_of_range or reading.example_bad
            what = ("out of range (before 1900 or after 2200)" if reading.out_of_range
                    else "not a date")
            raise DataError(f"the quote date column holds no readable date ({short(found)} is "
                            f"{what}): write dates as YYYY-MM-DD, or pass quote_date")
        if len(dates_) == 1:
            if arg_date is not None and arg_date != dates_[0]:
                raise DataError(f"quote_date argument {arg_date} does not match the file's quote "
                                f"date {dates_[0]}: leave quote_date empty or fix it")
            return dates_[0], None, f"Quote date {dates_[0]} from the file."
        listed = ", ".join(str(d) for d in dates_[:5]) + (", ..." if len(dates_) > 5 else "")
        if arg_date is None:
            raise DataError(f"the file holds {len(dates_)} quote dates ({listed}): pass "
                            f"quote_date to choose one (core.data.read_quotes splits a "
                            f"multi-day file by date)")
        if arg_date not in dates_:
            raise DataError(f"quote_date {arg_date} is not in the file (it holds {listed})")
        mask = qd == np.datetime64(arg_date, "D")
        return arg_date, mask, (f"Quote date {arg_date} chosen from {len(dates_)} dates in "
                                f"the file.")
    if arg_date is not None:
        return arg_date, None, f"Quote date {arg_date} from the argument."
    if "last_trade" in frame.columns:
        lt = dates["last_trade"].days
        if (~np.isnat(lt)).any():
            latest = lt[~np.isnat(lt)].max().item()
            return latest, None, (f"Quote date {latest}: the latest last-trade date in the file "
                                  f"(it has no quote-date column); pass quote_date to use "
                                  f"another day.")
    raise DataError("the file has no quote date: pass quote_date (the date the quotes were "
                    "taken, e.g. '2011-01-24') so times to expiry can be computed")


def clean(frame: pd.DataFrame, *, quote_date: DateLike | None = None, dayfirst: bool | None = None,
          sep: str = ",") -> Cleaned:
    """Validate canonical rows (see the module docstring for the rules).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical columns from :func:`core.data.formats.normalise`.
    quote_date : date-like, optional
        Used when the file has no quote date, or to choose one day of a multi-day file.
    dayfirst : bool, optional
        Read slash dates as day/month/year (True) or month/day/year (False); by default the
        reading consistent with the file is chosen and the notes say which.
    sep : str
        The file's field separator (decides whether ``1,234`` is a decimal comma).

    Returns
    -------
    Cleaned
        The kept quotes (expiry, T in years ACT/365, strike, type, bid, ask, mid, spread, wide),
        the quote date, the file's spot (NaN when none), the drop counts per rule and the notes.

    Raises
    ------
    DataError
        When no row survives, or the file's dates or values cannot be real (row named).
    """
    counts = dict.fromkeys(("dropped_other_date", "dropped_missing", "dropped_expired",
                            "dropped_zero_bid", "dropped_crossed", "dropped_other_root",
                            "dropped_duplicate"), 0)
    arg = None if quote_date is None else to_date("quote_date", quote_date)
    dates, notes = read_date_columns(frame, dayfirst, arg)
    qdate, day_mask, date_note = _resolve_quote_date(frame, arg, dates)
    notes.insert(0, date_note)
    said = describe(frozenset().union(*(d.kinds for d in dates.values()))
                    - {"dmy", "mdy"})
    if said:
        notes.append(f"Dates read from {said}.")
    expiry = dates["expiry"].days
    if dates["expiry"].out_of_range:
        notes.append(f"Expiries out of range (e.g. {short(dates['expiry'].out_of_range)}, before "
                     f"1900 or after 2200) count as missing values.")
    if day_mask is not None:
        counts["dropped_other_date"] = int((~day_mask).sum())
        frame = frame.loc[day_mask]
        expiry = expiry[day_mask]

    strike = numeric_column(frame, "strike", sep, notes)
    bid = numeric_column(frame, "bid", sep, notes)
    ask = numeric_column(frame, "ask", sep, notes)
    typ = option_types(frame["type"])
    spot_raw = numeric_column(frame, "spot", sep, notes) if "spot" in frame.columns else None

    valid = (~np.isnat(expiry) & np.isfinite(strike) & (strike > 0) & np.isfinite(bid)
             & np.isfinite(ask) & (typ != None))  # noqa: E711  (object array comparison)
    counts["dropped_missing"] = int((~valid).sum())
    _absurd(frame, valid, strike, bid, ask)

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
    if "root" in frame.columns:
        other_root, root_notes = _one_root_per_expiry(
            expiry, frame["root"].astype("str").to_numpy(dtype=object), keep)
        counts["dropped_other_root"] = int(other_root.sum())
        keep &= ~other_root
        expiry_notes += root_notes

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


#: Option roots settled on the afternoon close (PM), preferred when an expiry lists two roots.
PM_ROOTS: frozenset[str] = frozenset({"SPXW", "SPXPM", "NDXP", "RUTW", "XSP", "VIXW", "XND"})


def _one_root_per_expiry(expiry, root, keep) -> tuple[np.ndarray, list[str]]:
    """Rows to drop so that each expiry keeps one option root: a PM-settled root (SPXW) over
    an AM-settled one (SPX), else the root with the most quotes; and the notes saying so."""
    drop = np.zeros(len(root), dtype=bool)
    notes: list[str] = []
    rows = np.flatnonzero(keep & (root != ""))
    if rows.size == 0 or len(set(root[rows])) < 2:
        return drop, notes
    frame = pd.DataFrame({"expiry": expiry[rows], "root": root[rows], "row": rows})
    for day, grp in frame.groupby("expiry", sort=True):
        counts = grp["root"].value_counts()
        if len(counts) < 2:
            continue
        pm = [r for r in counts.index if r in PM_ROOTS]
        chosen = pm[0] if pm else counts.index[0]
        others = [r for r in counts.index if r != chosen]
        drop[grp["row"].to_numpy()[grp["root"].to_numpy() != chosen]] = True
        why = "PM-settled" if pm else "most quoted"
        listed = ", ".join(f"{plain(r, 12)} ({int(counts[r])})" for r in others[:4])
        notes.append(f"Expiry {str(day)[:10]}: kept root {plain(chosen, 12)} ({why}, "
                     f"{int(counts[chosen])} quotes), dropped {listed}: two roots on one expiry "
                     f"settle differently and must not share a forward.")
    return drop, notes


#: Largest plausible strike, bid or ask (any currency unit).
MAX_VALUE: float = 1e9
#: A strike this many times above (or below) the median strike is not a strike of the chain.
STRIKE_SPAN: float = 1000.0


def _absurd(frame, valid, strike, bid, ask) -> None:
    """Refuse a row whose strike or price cannot be real, naming the row and the value."""
    if not valid.any():
        return
    med = float(np.median(strike[valid]))
    top = float(np.max(strike[valid]))
    checks = (
        ("strike", strike, (strike > MAX_VALUE) | (strike > STRIKE_SPAN * med)
         | (strike < med / STRIKE_SPAN),
         f"the median strike is {med:g}: fix or delete that row"),
        ("bid", bid, (np.abs(bid) > MAX_VALUE) | (bid > 100 * top),
         f"no option price exceeds 100 x the highest strike ({top:g}): fix or delete that row"),
        ("ask", ask, (np.abs(ask) > MAX_VALUE) | (ask > 100 * top),
         f"no option price exceeds 100 x the highest strike ({top:g}): fix or delete that row"),
    )
    rows = frame.index.to_numpy()
    for name, values, bad, why in checks:
        bad = valid & bad
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            more = f" (and {int(bad.sum()) - 1:,} more rows)" if bad.sum() > 1 else ""
            raise DataError(f"data row {int(rows[i]) + 1:,} has an implausible {name} "
                            f"{values[i]:g}{more}; {why}")


def _nothing_left(counts: dict[str, int], n: int) -> str:
    parts = [f"{v:,} {k.removeprefix('dropped_').replace('_', ' ')}"
             for k, v in counts.items() if v]
    return (f"no usable quotes left out of {n:,} rows ({'; '.join(parts)}): the file needs "
            f"unexpired options with positive bids and bid <= ask")
