"""Daily price histories: loading, the embedded samples, and returns.

``load_prices(source)`` reads a CSV (path, bytes, text, ``data:`` URL, file object) or a
DataFrame of adjusted closes, one row per date and one column per ticker (a long layout
``date, ticker, price`` is pivoted). Ragged histories are allowed: a stock listed later has
empty cells before its first price. ``sample_prices()`` returns the 20 S&P 500 stocks of
skfolio's bundled dataset, ``sample_sectors()`` their GICS sectors, ``index_prices()`` the S&P 500 and NASDAQ
Composite adjusted closes that ship with the ``arch`` package, and ``returns`` turns prices into
simple or log returns at a daily, weekly, monthly or quarterly frequency.

Every returned frame carries ``frame.attrs["notes"]``: a tuple of sentences saying what was
done to the data (rows sorted, gaps filled, columns dropped).
"""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from core.data._text import check_fields, csv_text, detect_decimal_comma, formula_cells, numbers
from core.data.dates import HIGH, LOW, read_dates, slash_order
from core.data.limits import (MAX_FIELD_CHARS, MAX_TICKERS, byte_limit, decompress, plain, read_bytes,
                              short)
from core.errors import DataError
from core._typing import SourceLike

__all__ = ["load_prices", "load_sectors", "sample_prices", "sample_sectors", "index_prices", "returns",
           "PERIODS_PER_YEAR", "MAX_PRICE_BYTES"]

#: Largest accepted price file, in bytes.
MAX_PRICE_BYTES: int = 50 * 1024 * 1024
#: Periods per year of each ``freq`` accepted by :func:`returns` (252 trading days a year).
PERIODS_PER_YEAR: dict[str, int] = {"D": 252, "W": 52, "M": 12, "Q": 4}

_RULES = {"W": "W-FRI", "M": "ME", "Q": "QE"}
_DATE_KEYS = ("date", "datetime", "timestamp", "time", "day", "asof", "tradedate")
_TICKER_KEYS = ("ticker", "symbol", "asset", "name", "code", "permno", "secid")
_PRICE_KEYS = ("adjclose", "adjustedclose", "adjclose", "close", "price", "last", "value")


def _key(name) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------
_HINT = "upload fewer tickers or a shorter history"


def _read_bytes(source, max_bytes: int | None = None) -> bytes:
    limit = byte_limit(max_bytes, MAX_PRICE_BYTES)
    data = read_bytes(source, limit=limit, hint=_HINT, kind="price file")
    return decompress(data, limit=limit)


def _parse_csv(data: bytes) -> pd.DataFrame:
    text, sep, read_notes = csv_text(
        data, empty="the price file is empty: expected a CSV with a date column and one column "
                    "of prices per ticker",
        binary="the price file is not CSV text (binary content, e.g. an Excel workbook): save "
               "the sheet as CSV and upload that", max_columns=MAX_TICKERS + 1, what="columns")
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    first = text[start:end if end >= 0 else len(text)]
    try:
        header = [h.strip().strip('"') for h in next(csv.reader([first], delimiter=sep), [])]
    except csv.Error as exc:
        raise DataError(f"cannot read the header row ({short(str(exc), 80)}): check its quoting"
                        ) from exc
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            raise DataError(f"ticker {short(h)} appears in two columns: each ticker needs "
                            f"exactly one column")
        seen.add(h)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise DataError("the price file is empty") from exc
    except (pd.errors.ParserError, ValueError, OverflowError, csv.Error, IndexError,
            TypeError) as exc:
        msg = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DataError(f"could not parse the price file as CSV ({msg[:160]}): check the "
                        f"delimiter and that every row has the header's number of fields") from exc
    if frame.shape[1] < 2:
        raise DataError(f"the price file has {frame.shape[1]} column; expected a date column "
                        f"and at least one ticker column")
    check_fields(frame, MAX_FIELD_CHARS, cells='"' in text)
    frame.attrs["sep"] = sep
    frame.attrs["read_notes"] = read_notes
    return frame


def _find(cols, keys) -> object | None:
    by_key = {_key(c): c for c in cols}
    return next((by_key[k] for k in keys if k in by_key), None)


def _to_wide(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Return a frame indexed by raw date labels with one column per ticker (raw cells)."""
    if isinstance(frame.index, pd.DatetimeIndex):
        return frame
    cols = list(frame.columns)
    date_col = _find(cols, _DATE_KEYS)
    tick_col = _find(cols, _TICKER_KEYS)
    price_col = _find([c for c in cols if c not in (date_col, tick_col)], _PRICE_KEYS)
    if date_col is not None and tick_col is not None and price_col is not None:
        notes.append(f"Long layout: pivoted '{price_col}' by '{tick_col}' and '{date_col}'.")
        n_tick = frame[tick_col].nunique()
        if n_tick > MAX_TICKERS:
            raise DataError(f"the file holds {n_tick:,} tickers; the limit is {MAX_TICKERS:,}")
        dup = frame.duplicated([date_col, tick_col])
        if dup.any():
            row = frame.loc[dup].iloc[0]
            raise DataError(f"{short(row[tick_col])} has two prices on {short(row[date_col])}: "
                            f"each (date, ticker) pair must appear once")
        wide = frame.pivot(index=date_col, columns=tick_col, values=price_col)
        wide.columns = [str(c) for c in wide.columns]
        return wide
    if date_col is None:
        date_col = cols[0]
    return frame.set_index(date_col)


def _order_score(days: np.ndarray) -> tuple[int, int, int]:
    """How plausible a reading of a daily date column is: (readable, ordered steps, weekdays)."""
    ok = ~np.isnat(days)
    d = days[ok].astype(np.int64)
    steps = np.diff(d)
    ordered = max(int((steps > 0).sum()), int((steps < 0).sum()))
    weekdays = int(((d + 3) % 7 < 5).sum())
    return int(ok.sum()), ordered, weekdays


def _parse_dates(index, notes: list[str], dayfirst: bool | None = None) -> pd.DatetimeIndex:
    if isinstance(index, pd.DatetimeIndex):
        dates = index.tz_localize(None) if index.tz is not None else index
        return pd.DatetimeIndex(dates.normalize(), name="date")
    raw = pd.Series(pd.Index(index).astype(str).str.strip())
    order = slash_order(raw) if dayfirst is None else None
    if order == "mixed":
        raise DataError("the date column mixes day/month/year and month/day/year dates: use one "
                        "spelling, ideally ISO YYYY-MM-DD")
    if dayfirst is not None:
        reading = read_dates(raw, dayfirst)
    elif order == "either":
        both = {d: read_dates(raw, d) for d in (False, True)}
        score = {d: _order_score(r.days) for d, r in both.items()}
        dayf = score[True] > score[False]
        reading = both[dayf]
        word, other = (("day/month/year", "month/day/year") if dayf
                       else ("month/day/year", "day/month/year"))
        why = ("both readings fit equally well, so the US order is used" if
               score[True] == score[False] else
               "that reading gives dates in order on trading days")
        notes.append(f"Dates like '03/04/2024' are ambiguous: read as {word} ({why}); pass "
                     f"dayfirst={not dayf} to read them as {other}.")
    else:
        reading = read_dates(raw)
        if order in ("dmy", "mdy"):
            word = "day/month/year" if order == "dmy" else "month/day/year"
            notes.append(f"Dates read as {word} (the only reading under which every date is "
                         f"valid).")
    if "excel" in reading.kinds:
        notes.append("Dates read from Excel serial day numbers (1900 date system).")
    if "tz" in reading.kinds:
        notes.append("Time-zone-stamped dates: the local (wall-clock) date of each is used.")
    days = reading.days
    bad = np.flatnonzero(np.isnat(days))
    if bad.size:
        cell = raw.iloc[bad[0]]
        what = (f"outside {str(LOW)[:4]}-{str(HIGH)[:4]}"
                if reading.out_of_range is not None and cell == reading.out_of_range
                else "unreadable")
        raise DataError(f"the date column has {bad.size} unreadable value(s), e.g. "
                        f"{short(cell)} on data row {bad[0] + 1} ({what}): use ISO dates "
                        f"(YYYY-MM-DD) in the first column")
    return pd.DatetimeIndex(days.astype("datetime64[us]"), name="date")


#: Largest plausible price (any currency).
MAX_PRICE: float = 1e9


def _to_numbers(wide: pd.DataFrame, notes: list[str], sep: str) -> pd.DataFrame:
    out = {}
    decimal_cols = []
    for col in wide.columns:
        s = wide[col]
        if s.dtype.kind in "fiu":
            out[col] = s.astype(np.float64)
            continue
        formula = formula_cells(s)
        if formula is not None:
            raise DataError(f"column {short(col)} holds spreadsheet formulas (e.g. "
                            f"{short(formula)}): export the sheet with values, not formulas "
                            f"(copy, paste as values, save as CSV)")
        txt = s.astype(str).str.strip()
        txt = txt.where(~txt.str.lower().isin(("", "nan", "na", "n/a", "null", "none", "-"))
                        & s.notna())
        dec = detect_decimal_comma(txt, sep)
        if dec:
            decimal_cols.append(str(col))
        num = pd.Series(numbers(txt.fillna(""), decimal_comma=dec), index=txt.index)
        bad = num.isna() & txt.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataError(f"column {short(col)} holds a non-numeric price {short(txt.iloc[i])} "
                            f"(row {i + 1}): prices must be numbers; leave missing days empty")
        out[col] = num.astype(np.float64)
    if decimal_cols:
        shown = ", ".join(decimal_cols[:5]) + (", ..." if len(decimal_cols) > 5 else "")
        notes.append(f"Decimal commas read as decimal points ({len(decimal_cols)} column(s): "
                     f"{short(shown, 80)}).")
    return pd.DataFrame(out, index=wide.index)


def load_prices(source: SourceLike, *, dayfirst: bool | None = None,
                max_bytes: int | None = None) -> pd.DataFrame:
    """Load daily prices (adjusted closes), dates × tickers, with ragged histories.

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        A CSV path; CSV text; a ``data:...;base64,`` URL from ``dcc.Upload``; bytes (CSV or
        gzip); a file object; or a DataFrame. Wide layout: a date column (named ``date``,
        ``Date``, ``timestamp``... or else the first column) and one numeric column per
        ticker. Long layout: columns ``date, ticker, price`` (aliases ``symbol``, ``close``,
        ``adj close``...). A DataFrame with a DatetimeIndex is used as is.
    dayfirst : bool, optional
        Read slash dates as day/month/year (True) or month/day/year (False); by default the
        reading the dates force, else (every date reads both ways) the one giving dates in
        order on trading days, noted in ``attrs["notes"]``.
    max_bytes : int, optional
        Largest accepted file in bytes, before and after decompression (default
        :data:`MAX_PRICE_BYTES`; the app passes its ``PARITY_MAX_UPLOAD_MB`` setting).

    Returns
    -------
    pandas.DataFrame
        float64 prices in the file's currency, a sorted ``DatetimeIndex`` named ``date`` and
        one column per ticker. Cells before a ticker's first price (or after its last) are
        NaN. ``attrs["notes"]`` lists what was done (sorting, dropped empty columns).

    Raises
    ------
    DataError
        Empty, binary or unparseable files; unreadable dates; duplicate dates or tickers;
        non-numeric or non-positive prices; fewer than two dated rows.
    """
    notes: list[str] = []
    sep = ","
    if isinstance(source, pd.DataFrame):
        if source.empty:
            raise DataError("the price table is empty: expected dates × tickers")
        frame = source.copy()
        if not isinstance(frame.index, pd.DatetimeIndex):
            frame = frame.reset_index(drop=isinstance(frame.index, pd.RangeIndex))
        if frame.shape[1] > MAX_TICKERS + 1:
            raise DataError(f"the price table has {frame.shape[1]:,} columns; the limit is "
                            f"{MAX_TICKERS:,} tickers")
    else:
        frame = _parse_csv(_read_bytes(source, max_bytes))
        sep = frame.attrs.get("sep", ",")
        notes += list(frame.attrs.get("read_notes", ()))
    wide = _to_wide(frame, notes)
    wide.columns = [str(c).strip() for c in wide.columns]
    dup_cols = pd.Index(wide.columns)[pd.Index(wide.columns).duplicated()]
    if len(dup_cols):
        raise DataError(f"ticker {short(dup_cols[0])} appears in two columns: each ticker "
                        f"needs exactly one column")
    if any(c == "" or c.lower().startswith("unnamed:") for c in wide.columns):
        raise DataError("a price column has no ticker name in the header row")
    dates = _parse_dates(wide.index, notes, dayfirst)
    prices = _to_numbers(wide, notes, sep)
    prices.index = dates
    if dates.has_duplicates:
        raise DataError(f"date {dates[dates.duplicated()][0].date()} appears twice: one row "
                        f"per date")
    if not dates.is_monotonic_increasing:
        prices = prices.sort_index()
        notes.append("Rows sorted by date (the file was not in date order).")
    empty = [c for c in prices.columns if prices[c].isna().all()]
    if empty:
        prices = prices.drop(columns=empty)
        shown = short(", ".join(empty[:10]) + (", ..." if len(empty) > 10 else ""), 120)
        notes.append(f"Dropped {len(empty)} column(s) without any price: {shown}.")
    if prices.shape[1] == 0:
        raise DataError("no ticker column holds a price")
    vals = prices.to_numpy()
    bad = np.isfinite(vals) & (vals <= 0) | np.isinf(vals)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise DataError(f"{plain(prices.columns[j])} has the price "
                        f"{vals[i, j]:g} on {prices.index[i].date()}: prices must be positive "
                        f"finite numbers (adjusted closes)")
    huge = np.isfinite(vals) & (vals > MAX_PRICE)
    if huge.any():
        i, j = np.argwhere(huge)[0]
        raise DataError(f"{plain(prices.columns[j])} has the implausible price "
                        f"{vals[i, j]:g} on {prices.index[i].date()} (over {MAX_PRICE:g}): fix "
                        f"or delete that cell")
    prices = prices.dropna(how="all")
    if len(prices) < 2:
        raise DataError(f"the price data has {len(prices)} dated row(s); at least 2 are needed "
                        f"to compute returns")
    prices.columns.name = None
    prices.attrs["notes"] = tuple(notes)
    return prices


# --------------------------------------------------------------------------------------------
# embedded data
# --------------------------------------------------------------------------------------------
def sample_prices() -> pd.DataFrame:
    """Daily adjusted closes of 20 S&P 500 stocks, 1990-01-02 to 2022-12-28 (a fresh copy).

    Tickers AAPL, AMD, BAC, BBY, CVX, GE, HD, JNJ, JPM, KO, LLY, MRK, MSFT, PEP, PFE, PG, RRC,
    UNH, WMT, XOM: skfolio's bundled ``sp500_dataset`` (BSD 3-Clause), read offline from the
    installed wheel (see :mod:`core.data.embedded`).

    Returns
    -------
    pandas.DataFrame
        Adjusted closes (USD), dates × the 20 tickers, ragged where a history starts later.
    """
    from core.data.embedded import stock_prices

    prices = load_prices(stock_prices())
    prices.attrs["notes"] = ("20 S&P 500 stocks: skfolio's bundled sp500_dataset.",
                             *prices.attrs.get("notes", ()))
    return prices


def sample_sectors() -> dict[str, str]:
    """GICS sector of each :func:`sample_prices` ticker (e.g. ``{"XOM": "Energy"}``).

    Public classification under the current GICS structure, kept in code
    (:data:`core.data.embedded.GICS_SECTORS`).

    Returns
    -------
    dict of str to str
        Ticker -> GICS sector.
    """
    from core.data.embedded import GICS_SECTORS, STOCK_TICKERS

    return {t: GICS_SECTORS[t] for t in STOCK_TICKERS}


def load_sectors(source: SourceLike, *, max_bytes: int | None = None) -> dict[str, str]:
    """Read a sector map: a CSV with a ticker column and a sector column (any source
    :func:`load_prices` accepts; ``max_bytes`` as there). Returns ``{ticker: sector}``.

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        The sector file.
    max_bytes : int, optional
        Largest accepted file in bytes, before and after decompression (default
        :data:`MAX_PRICE_BYTES`; the app passes its ``PARITY_MAX_UPLOAD_MB`` setting).

    Returns
    -------
    dict of str to str
        Ticker -> sector.

    Raises
    ------
    DataError
        When the file has no ticker/sector columns or no rows.
    """
    data = _read_bytes(source, max_bytes)
    text, sep, _ = csv_text(data, empty="the sector map is empty: write 'ticker,sector' then one "
                                        "line per ticker",
                            binary="the sector map is not CSV text: save it as CSV",
                            max_columns=100)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, sep=sep)
    except (ValueError, pd.errors.ParserError, csv.Error, OverflowError) as exc:
        raise DataError(f"cannot read the sector map as CSV ({short(str(exc), 100)}): write one "
                        "line per ticker, e.g. 'ticker,sector' then 'XOM,Energy'") from None
    check_fields(table, MAX_FIELD_CHARS)
    if len(table) > MAX_TICKERS:
        raise DataError(f"the sector map has {len(table):,} rows; the limit is {MAX_TICKERS:,}")
    cols = {_key(c): c for c in table.columns}
    tick = next((cols[k] for k in _TICKER_KEYS if k in cols), None)
    sect = next((cols[k] for k in ("sector", "gicssector", "industry", "group") if k in cols), None)
    if tick is None or sect is None or table.empty:
        found = short(", ".join(map(str, table.columns[:10])), 120)
        raise DataError("the sector map needs a 'ticker' and a 'sector' column with at least "
                        f"one row; found columns {found}")
    table = table.dropna(subset=[tick, sect])
    return dict(zip(table[tick].str.strip(), table[sect].str.strip()))


def index_prices() -> pd.DataFrame:
    """Daily adjusted closes of the S&P 500 and NASDAQ Composite, 1999-01-04 to 2018-12-31.

    Read offline from the data files that ship in the ``arch`` wheel (``arch.data.sp500``,
    ``arch.data.nasdaq``), via :mod:`core.data.embedded`.

    Returns
    -------
    pandas.DataFrame
        Columns ``SP500`` and ``NASDAQ`` (index points), DatetimeIndex named ``date``.
    """
    from core.data.embedded import nasdaq_ohlc, sp500_ohlc

    out = pd.DataFrame({"SP500": sp500_ohlc()["adj_close"], "NASDAQ": nasdaq_ohlc()["adj_close"]})
    out.index.name = "date"
    out.attrs["notes"] = ("S&P 500 and NASDAQ Composite adjusted closes from the arch package.",)
    return out


# --------------------------------------------------------------------------------------------
# returns
# --------------------------------------------------------------------------------------------
def returns(prices: pd.DataFrame | pd.Series, kind: str = "log", freq: str = "D") -> pd.DataFrame:
    """Period returns of a price table, keeping ragged histories ragged.

    Parameters
    ----------
    prices : pandas.DataFrame or pandas.Series
        Positive prices, dates × tickers (as from :func:`load_prices`).
    kind : {"log", "simple"}
        ``log``: ln(P_t / P_{t-1}); ``simple``: P_t / P_{t-1} - 1 (decimals per period).
    freq : {"D", "W", "M", "Q"}
        Daily (rows as given), or the last price of each week (Friday), month or quarter.

    Returns
    -------
    pandas.DataFrame
        Returns per period (not annualised). A ticker has NaN before its first and after its
        last price; a gap inside its history is bridged (its price carried forward, so the
        move shows on the next available date) and noted. ``attrs["periods_per_year"]`` is
        252, 52, 12 or 4 and ``attrs["notes"]`` says what was done.
    """
    if kind not in ("log", "simple"):
        raise DataError(f"kind must be 'log' or 'simple', got {kind!r}")
    freq = str(freq).upper()
    if freq not in PERIODS_PER_YEAR:
        raise DataError(f"freq must be one of D, W, M, Q, got {freq!r}")
    if isinstance(prices, pd.Series):
        prices = prices.to_frame(name=prices.name or "price")
    if not isinstance(prices, pd.DataFrame) or not isinstance(prices.index, pd.DatetimeIndex):
        raise DataError("prices must be a DataFrame with a DatetimeIndex (use load_prices)")
    notes = list(prices.attrs.get("notes", ()))
    p = prices.astype(np.float64)
    vals = p.to_numpy()
    if np.any(np.isfinite(vals) & (vals <= 0)) or np.isinf(vals).any():
        raise DataError("prices must be positive finite numbers")
    inside = p.ffill().notna() & p.bfill().notna()
    gaps = int((inside & p.isna()).to_numpy().sum())
    if gaps:
        p = p.ffill().where(inside)
        notes.append(f"Bridged {gaps} missing price(s) inside histories by carrying the last "
                     f"price forward.")
    if freq != "D":
        p = p.resample(_RULES[freq]).last()
    ratio = p / p.shift(1)
    out = np.log(ratio) if kind == "log" else ratio - 1.0
    out = out.iloc[1:].dropna(how="all")
    if len(out) == 0:
        raise DataError("not enough prices to compute a single return")
    out.attrs["notes"] = tuple(notes)
    out.attrs["periods_per_year"] = PERIODS_PER_YEAR[freq]
    out.attrs["kind"] = kind
    return out
