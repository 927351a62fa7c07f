"""Reading date cells of uploaded files, saying how they were read.

:func:`read_dates` turns a column of cells into ``datetime64[D]`` (NaT where unreadable) and
records which spellings it met: ISO strings, ``d/m/y`` or ``m/d/y`` with slashes, dots or dashes,
datetimes with a time-zone offset (the wall-clock date is kept: ``2024-03-01T23:00-05:00`` is
1 March), YYYYMMDD integers, Unix seconds and Excel serial day numbers. Dates before 1900 or
after 2200 (``9999-12-31`` placeholders) are NaT and reported, never an overflow.

A column whose slash dates all have day and month <= 12 is *ambiguous*; the caller picks the
reading that is consistent with the rest of the file (:func:`choose_order`) and says so.
"""
from __future__ import annotations

import datetime as _dt
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from core._typing import ArrayLike

__all__ = ["DateReading", "read_dates", "parse_dates", "slash_order", "LOW", "HIGH"]

#: Earliest and latest accepted dates (outside: NaT, reported as out of range).
LOW = np.datetime64("1900-01-01", "D")
HIGH = np.datetime64("2200-12-31", "D")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_SLASH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:[ T].*)?$")
_SLASH_TEST = r"^\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?:[ T].*)?$"   # no groups
_ZONE = re.compile(r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$",
                   re.IGNORECASE)
_ZONE_TEST = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$",
                        re.IGNORECASE)
_MAX_SLOW = 2000


@dataclass(frozen=True)
class DateReading:
    """Dates of a column and how they were read."""

    days: np.ndarray               # datetime64[D], NaT where unreadable
    kinds: frozenset[str]          # 'iso', 'dmy', 'mdy', 'tz', 'ymd', 'unix', 'excel', 'text'
    order: str | None              # slash order found: 'dmy', 'mdy', 'either', 'mixed' or None
    out_of_range: str | None       # an example cell outside 1900-2200, if any
    example_bad: str | None        # an example unreadable cell, if any


def slash_order(values: pd.Series) -> str | None:
    """'dmy' or 'mdy' when the slash dates of ``values`` force a reading, 'either' when every
    such date reads both ways, 'mixed' when no single reading fits, None without slash dates.

    Parameters
    ----------
    values : pandas.Series
        Date cells as in the file.

    Returns
    -------
    str or None
        ``'dmy'``, ``'mdy'``, ``'either'``, ``'mixed'`` or ``None``.
    """
    txt = pd.Series(pd.unique(values.dropna().astype("str").str.strip()), dtype="str")
    txt = txt[txt.str.contains(_SLASH_TEST, regex=True)]
    if txt.empty:
        return None
    parts = txt.str.extract(_SLASH).dropna()
    if parts.empty:
        return None
    a, b = parts[0].astype(int), parts[1].astype(int)
    a_day, b_day = bool((a > 12).any()), bool((b > 12).any())
    if a_day and b_day:
        return "mixed"
    return "dmy" if a_day else "mdy" if b_day else "either"


def _slash_days(txt: pd.Series, dayfirst: bool) -> np.ndarray:
    parts = txt.str.extract(_SLASH)
    ok = parts.notna().all(axis=1).to_numpy()
    out = np.full(len(txt), np.datetime64("NaT"), dtype="datetime64[D]")
    if not ok.any():
        return out
    p = parts[ok]
    first, second = p[0].astype(int).to_numpy(), p[1].astype(int).to_numpy()
    year = p[2].astype(int).to_numpy()
    year = np.where(year < 100, np.where(year < 70, 2000 + year, 1900 + year), year)
    day, month = (first, second) if dayfirst else (second, first)
    got = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}),
                         errors="coerce")
    out[ok] = got.to_numpy().astype("datetime64[D]")
    return out


def _object_day(v) -> np.datetime64:
    if isinstance(v, _dt.datetime):
        v = v.date()                    # wall-clock date, whatever the tzinfo
    if isinstance(v, _dt.date):
        return np.datetime64(v.isoformat(), "D")
    try:
        return np.datetime64(v, "D")
    except (ValueError, TypeError, OverflowError):
        return np.datetime64("NaT")


def _numbers_to_days(num: np.ndarray, kinds: set) -> np.ndarray:
    out = np.full(num.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    whole = np.isfinite(num) & (np.mod(num, 1) == 0)
    ymd = whole & (num >= 19000101) & (num <= 29991231)
    if ymd.any():
        s = pd.Series(num[ymd].astype(np.int64).astype(str))
        out[ymd] = pd.to_datetime(s, format="%Y%m%d", errors="coerce").to_numpy().astype(
            "datetime64[D]")
        kinds.add("ymd")
    unix = np.isfinite(num) & (num >= 1e8) & (num < 1e11) & ~ymd
    if unix.any():
        out[unix] = (num[unix] // 86400).astype(np.int64).astype("datetime64[D]")
        kinds.add("unix")
    excel = np.isfinite(num) & (num >= 20000) & (num < 110000)
    if excel.any():
        out[excel] = _EXCEL_EPOCH + np.floor(num[excel]).astype(np.int64)
        kinds.add("excel")
    return out


def read_dates(values: pd.Series | ArrayLike, dayfirst: bool | None = None) -> DateReading:
    """Read a column of date cells.

    Parameters
    ----------
    values : pandas.Series or array_like
        Cells: datetimes (naive or time-zone aware), date objects, strings, numbers.
    dayfirst : bool, optional
        How to read slash dates like 03/04/2024: True = day/month/year, False =
        month/day/year. ``None`` follows the data when it forces a reading (a first field
        > 12 means day first) and reads month first otherwise (``order`` says 'either').

    Returns
    -------
    DateReading
        ``days`` (``datetime64[D]``, NaT where unreadable), the spellings found (``kinds``), the
        slash ``order`` and example bad or out-of-range cells.
    """
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    kinds: set[str] = set()
    if values.dtype.kind == "M" or isinstance(values.dtype, pd.DatetimeTZDtype):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_localize(None)
            kinds.add("tz")
        days, example_out, _ = _range_check(values.to_numpy().astype("datetime64[D]"),
                                            values.astype(object))
        return DateReading(days, frozenset(kinds), None, example_out, None)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniq = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    udays = np.full(len(uniq), np.datetime64("NaT"), dtype="datetime64[D]")
    if values.dtype == object:
        is_obj = uniq.map(lambda v: isinstance(v, (_dt.date, np.datetime64))).to_numpy(
            dtype=bool)
    else:                                   # a string or numeric column holds no date objects
        is_obj = np.zeros(len(uniq), dtype=bool)
    if is_obj.any():
        udays[is_obj] = [_object_day(v) for v in uniq[is_obj]]
        if any(getattr(v, "tzinfo", None) is not None for v in uniq[is_obj]):
            kinds.add("tz")
        kinds.add("iso")
    rest = ~is_obj
    num = pd.to_numeric(uniq.where(rest), errors="coerce").to_numpy(dtype=np.float64,
                                                                      na_value=np.nan)
    isnum = rest & np.isfinite(num)
    if isnum.any():
        udays[isnum] = _numbers_to_days(num[isnum], kinds)
    order = None
    text = rest & ~isnum
    if text.any():
        s = uniq[text].astype(str).str.strip()
        zoned = s.str.contains(_ZONE_TEST)
        if zoned.any():
            s = s.str.replace(_ZONE, r"\1", regex=True)
            kinds.add("tz")
        got = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[D]")
        slash = s.astype("str").str.contains(_SLASH_TEST, regex=True).to_numpy(dtype=bool)
        if slash.any():
            order = slash_order(s[slash])
            first = dayfirst if dayfirst is not None else order == "dmy"
            got[slash] = _slash_days(s[slash], bool(first))
            kinds.add("dmy" if first else "mdy")
        other = ~slash & (s != "").to_numpy()
        if other.any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                iso = pd.to_datetime(s[other], errors="coerce", format="ISO8601")
            got_iso = iso.to_numpy().astype("datetime64[D]")
            got[other] = got_iso
            kinds.add("iso")
            retry = np.flatnonzero(other)[np.isnat(got_iso)]
            if 0 < len(retry) <= _MAX_SLOW:           # other spellings, e.g. 'Feb 19 2011'
                kinds.add("text")
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    for i in retry:
                        try:
                            ts = pd.to_datetime(s.iloc[i], errors="coerce")
                            if not pd.isna(ts):
                                got[i] = np.datetime64(ts.date().isoformat(), "D")
                        except (TypeError, ValueError, OverflowError):
                            pass
        udays[text] = got
    udays, example_out, example_bad = _range_check(udays, uniq)
    days = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = codes >= 0
    days[ok] = udays[codes[ok]]
    return DateReading(days, frozenset(kinds), order, example_out, example_bad)


def _range_check(days: np.ndarray, values: pd.Series) -> tuple[np.ndarray, str | None, str | None]:
    """Days outside LOW..HIGH become NaT; an example out-of-range and an unreadable cell."""
    out = (days < LOW) | (days > HIGH)
    example_out = None
    if out.any():
        example_out = str(values.iloc[int(np.flatnonzero(out)[0])])
        days = np.where(out, np.datetime64("NaT"), days)
    bad = np.isnat(days) & ~out & values.notna().to_numpy() & \
        (values.astype("str").str.strip() != "").to_numpy()
    example_bad = str(values.iloc[int(np.flatnonzero(bad)[0])]) if bad.any() else None
    return days, example_out, example_bad


def parse_dates(values: pd.Series | ArrayLike, dayfirst: bool | None = None) -> np.ndarray:
    """Vectorised date parsing to ``datetime64[D]`` (NaT where unreadable); see :func:`read_dates`.

    Parameters
    ----------
    values : pandas.Series or array_like
        Date cells.
    dayfirst : bool, optional
        Slash-date order, as in :func:`read_dates`.

    Returns
    -------
    numpy.ndarray
        ``datetime64[D]``, one per cell.
    """
    return read_dates(values, dayfirst).days


def describe(kinds: frozenset[str]) -> str:
    """A short phrase for the spellings in ``kinds`` that are worth telling the user.

    Parameters
    ----------
    kinds : frozenset of str
        Spellings found by :func:`read_dates` (``DateReading.kinds``).

    Returns
    -------
    str
        E.g. ``"Excel serial day numbers, Unix timestamps"``; ``""`` when none is worth saying.
    """
    said = {"dmy": "day/month/year", "mdy": "month/day/year", "excel": "Excel serial day numbers",
            "unix": "Unix timestamps", "tz": "wall-clock dates of time-zone-stamped times"}
    return ", ".join(v for k, v in said.items() if k in kinds)
