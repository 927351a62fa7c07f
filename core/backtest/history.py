"""Chain histories: many quote dates of one underlying, stored as Parquet, read lazily by date.

:func:`load_history` reads multi-day quote files (the historicaloptiondata layout with
``underlying_last``, CBOE DataShop end-of-day files, the canonical layout with ``quote_date``;
one file or several) or a Parquet file written by this module, and returns a
:class:`ChainHistory`.

Building a history is one vectorised pass over all dates: parse and clean the rows, infer each
(date, expiry)'s forward and discount factor from put-call parity (:func:`core.data.fit_parity`,
the loader's own fit), Black-Scholes implied vols of the out-of-the-money mids, then a smile
per (date, expiry) — linear in log-moneyness through those vols, flat beyond the quoted range —
which gives every row (calls and puts alike) a smile vol ``iv`` and a forward delta. The result is
written to Parquet with **one row group per quote date**, so :meth:`ChainHistory.day` reads one
date's rows and nothing else; a small per-object cache bounded by a row budget keeps recent
days in memory. ``ChainHistory.chain(date)`` builds a full :class:`core.data.Chain` through
``core.data.load_chain`` for pages that want one. The cleaning and the Parquet writing live in
:mod:`core.backtest.history_build`.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.backtest.history_build import (DATES_PER_GROUP, EPOCH, FORMAT_VERSION, STORE_COLUMNS,
                                         build_chunks, prepare_table, to_date)
from core.errors import DataError
from core._typing import ArrayLike, DateLike, SourceLike

if TYPE_CHECKING:
    from core.data import Chain

__all__ = ["ChainHistory", "DayQuotes", "load_history", "history_from_frame", "CACHE_ROWS"]

#: Rows of day tables one history keeps in memory (about 90 bytes a row).
CACHE_ROWS: int = 2_000_000


def _day_int(d) -> int:
    return int((np.datetime64(pd.Timestamp(d).date(), "D") - EPOCH).astype(np.int64))


@dataclass(frozen=True, slots=True, eq=False)
class DayQuotes:
    """One quote date's rows as float64/int arrays, sorted by expiry, type (puts first), strike.

    Attributes
    ----------
    date : int
        Days since 1970-01-01.
    spot : float
        Underlying close.
    expiry : ndarray of int32
        Expiry dates, days since 1970-01-01.
    is_call, strike, bid, ask, mid : ndarray
        Quotes (bid may be 0: a one-sided quote that can be bought, never sold).
    iv : ndarray
        Smile vol at the row's strike (decimals), from that expiry's OTM mids; NaN when the
        expiry had no usable OTM quote.
    delta : ndarray
        Forward delta N(d1) (calls) or N(d1) - 1 (puts) at ``iv``.
    forward, discount : ndarray
        Per-row copies of the expiry's forward and discount factor.
    key : ndarray of int64
        ``(expiry * 2 + is_call) * 10**7 + round(strike * 100)``, sorted: for lookups.
    """

    date: int
    spot: float
    expiry: np.ndarray
    is_call: np.ndarray
    strike: np.ndarray
    bid: np.ndarray
    ask: np.ndarray
    mid: np.ndarray
    iv: np.ndarray
    delta: np.ndarray
    forward: np.ndarray
    discount: np.ndarray
    key: np.ndarray
    exp_values: np.ndarray = None
    exp_bounds: np.ndarray = None
    smiles: dict = field(default_factory=dict, repr=False)   # expiry -> (k, iv, F, D) memo

    def __post_init__(self) -> None:
        e = self.expiry
        starts = np.flatnonzero(np.r_[True, e[1:] != e[:-1]]) if e.size else np.empty(0, int)
        object.__setattr__(self, "exp_values", e[starts].astype(np.int64))
        object.__setattr__(self, "exp_bounds", np.r_[starts, e.size].astype(np.int64))

    @property
    def n(self) -> int:
        """Number of quoted rows (contracts) on this date."""
        return int(self.strike.size)

    def expiries(self) -> np.ndarray:
        """Distinct expiries, ascending.

        Returns
        -------
        ndarray of int64
            Expiry dates quoted on this day, days since 1970-01-01.
        """
        return self.exp_values

    def expiry_rows(self, expiry: int) -> slice:
        """Rows of one expiry (empty slice when it is not quoted).

        Parameters
        ----------
        expiry : int
            Expiry, days since 1970-01-01.

        Returns
        -------
        slice
            The contiguous rows of that expiry in this day's arrays (``slice(0, 0)`` if absent).
        """
        j = int(np.searchsorted(self.exp_values, expiry))
        if j >= self.exp_values.size or self.exp_values[j] != expiry:
            return slice(0, 0)
        return slice(int(self.exp_bounds[j]), int(self.exp_bounds[j + 1]))

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """Row index of each contract key, -1 where the contract is not quoted today.

        Parameters
        ----------
        keys : ndarray of int64
            Contract keys from :func:`contract_key`.

        Returns
        -------
        ndarray of int64
            Row per key in this day's arrays, -1 where the contract is not quoted.
        """
        keys = np.asarray(keys, dtype=np.int64)
        pos = np.searchsorted(self.key, keys)
        pos = np.minimum(pos, max(self.n - 1, 0))
        ok = (self.n > 0) & (self.key[pos] == keys) if self.n else np.zeros(keys.shape, bool)
        return np.where(ok, pos, -1)


def contract_key(expiry: ArrayLike, is_call: ArrayLike, strike: ArrayLike) -> np.ndarray:
    """Integer key of contracts (see :attr:`DayQuotes.key`).

    Parameters
    ----------
    expiry : array_like of int
        Expiry, days since 1970-01-01.
    is_call : array_like of bool
        True for calls, False for puts.
    strike : array_like of float
        Strike, index points (rounded to 0.01).

    Returns
    -------
    ndarray of int64
        ``(expiry * 2 + is_call) * 10**7 + round(strike * 100)`` per contract.
    """
    return ((np.asarray(expiry, dtype=np.int64) * 2 + np.asarray(is_call, dtype=np.int64))
            * 10**7 + np.rint(np.asarray(strike, dtype=np.float64) * 100).astype(np.int64))


@dataclass(frozen=True, slots=True, eq=False)
class ChainHistory:
    """Option chains of one underlying on many quote dates, backed by a Parquet file.

    Attributes
    ----------
    path : str
        The Parquet file (one row group per date).
    day_index : ndarray of int
        Quote dates, days since 1970-01-01, ascending.
    closes : ndarray of float
        Underlying close per date.
    groups : ndarray of int, shape (dates, 3)
        Where each date's rows are in the file: ``(row group, first row, rows)``; row group -1
        for a date without option rows.
    source : str
        ``"real"``, ``"upload"`` or ``"modelled"``.
    label : str
        What the data is, for every chart and table that shows it.
    notes : tuple of str
        What building the history did (rows dropped, expiries without a parity fit, ...).
    """

    path: str
    day_index: np.ndarray
    closes: np.ndarray
    groups: np.ndarray
    source: str = "upload"
    label: str = ""
    notes: tuple[str, ...] = ()
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _budget: list = field(default_factory=lambda: [CACHE_ROWS, 0], repr=False)
    _file: list = field(default_factory=list, repr=False)      # [ParquetFile] once opened

    def __getstate__(self):   # pickled to worker processes without the cache
        return {"path": self.path, "day_index": self.day_index, "closes": self.closes,
                "groups": self.groups, "source": self.source, "label": self.label,
                "notes": self.notes}

    def __setstate__(self, state):
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_cache", OrderedDict())
        object.__setattr__(self, "_budget", [CACHE_ROWS, 0])
        object.__setattr__(self, "_file", [])

    # -- views -----------------------------------------------------------------------------
    @property
    def dates(self) -> list[_dt.date]:
        """Quote dates, ascending."""
        return [to_date(i) for i in self.day_index]

    @property
    def underlying(self) -> pd.Series:
        """Underlying close per quote date (index: dates)."""
        return pd.Series(self.closes, index=pd.DatetimeIndex(
            self.day_index.astype("datetime64[D]").astype("datetime64[ns]")), name="close")

    def __len__(self) -> int:
        return int(self.day_index.size)

    def __repr__(self) -> str:
        if not len(self):
            return "ChainHistory(empty)"
        return (f"ChainHistory({self.source}: {len(self)} dates {self.dates[0]} to "
                f"{self.dates[-1]})")

    def position(self, date: DateLike) -> int:
        """Index of ``date`` in :attr:`dates`.

        Parameters
        ----------
        date : date-like
            A quote date (anything :class:`pandas.Timestamp` reads).

        Returns
        -------
        int
            Its position, 0-based.

        Raises
        ------
        DataError
            When ``date`` is not a quote date of this history (the message gives the range).
        """
        d = _day_int(date)
        i = int(np.searchsorted(self.day_index, d))
        if i >= len(self) or self.day_index[i] != d:
            raise DataError(f"date {pd.Timestamp(date).date()} is not a quote date of this "
                            f"history ({self.dates[0]} to {self.dates[-1]})")
        return i

    def slice(self, start: int, stop: int) -> ChainHistory:
        """The dates ``start:stop`` (positions) as a history sharing the file and the cache.

        Nothing after ``stop`` can be read through the slice.

        Parameters
        ----------
        start, stop : int
            Positions in :attr:`dates`, Python slice semantics (``stop`` excluded).

        Returns
        -------
        ChainHistory
            The sub-history (same file, label and day cache).
        """
        out = ChainHistory(self.path, self.day_index[start:stop], self.closes[start:stop],
                           self.groups[start:stop], self.source, self.label, self.notes)
        object.__setattr__(out, "_cache", self._cache)
        object.__setattr__(out, "_budget", self._budget)
        object.__setattr__(out, "_file", self._file)
        return out

    def day(self, i: int) -> DayQuotes:
        """Quotes of the ``i``-th date (position in :attr:`dates`).

        Parameters
        ----------
        i : int
            Position of the date, in ``[0, len(self))``.

        Returns
        -------
        DayQuotes
            That date's rows (empty arrays when the date had no quotes).

        Raises
        ------
        DataError
            When ``i`` is out of range.
        """
        if not 0 <= i < len(self):
            raise DataError(f"date position must be in [0, {len(self)}), got {i}")
        g, a, n = (int(x) for x in self.groups[i])
        if g < 0:
            e = np.empty(0)
            return DayQuotes(int(self.day_index[i]), float(self.closes[i]), e.astype(np.int32),
                             e.astype(bool), e, e, e, e, e, e, e, e, e.astype(np.int64))
        key = (self.path, int(self.day_index[i]))
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        # one read per row group (a block of consecutive dates); only this history's dates
        # in that block are turned into day tables
        tab = self._parquet().read_row_group(g, columns=list(STORE_COLUMNS))
        cols = {c: tab.column(c).to_numpy() for c in STORE_COLUMNS}
        same = np.flatnonzero(self.groups[:, 0] == g)
        for j in same:
            _, a, n = (int(x) for x in self.groups[j])
            dq = _day_quotes(int(self.day_index[j]), float(self.closes[j]),
                             {c: v[a:a + n] for c, v in cols.items()})
            self._cache[(self.path, int(self.day_index[j]))] = dq
            self._budget[1] += dq.n
        out = self._cache[key]
        while self._budget[1] > self._budget[0] and len(self._cache) > 2 * DATES_PER_GROUP:
            _, old = self._cache.popitem(last=False)
            self._budget[1] -= old.n
        return out

    def _parquet(self):
        import pyarrow.parquet as pq

        if not self._file or self._file[0][0] != self.path:
            self._file[:] = [(self.path, pq.ParquetFile(self.path))]
        return self._file[0][1]

    def days(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, DayQuotes]]:
        """Iterate ``(position, DayQuotes)`` over dates ``start:stop``.

        Parameters
        ----------
        start : int, default 0
            First position.
        stop : int, optional
            Position after the last (default: the end).

        Yields
        ------
        (int, DayQuotes)
            Each date's position and quotes, in date order.
        """
        stop = len(self) if stop is None else stop
        for i in range(start, stop):
            yield i, self.day(i)

    def chain(self, date: DateLike) -> Chain:
        """The full :class:`core.data.Chain` of one quote date (through ``load_chain``).

        Parameters
        ----------
        date : date-like
            A quote date of this history.

        Returns
        -------
        Chain
            The two-sided quotes (bid > 0) of that date, with its close as spot.
        """
        from core.data import load_chain

        i = self.position(date)
        dq = self.day(i)
        ok = dq.bid > 0
        frame = pd.DataFrame({
            "expiry": (dq.expiry[ok].astype("datetime64[D]")).astype("datetime64[ns]"),
            "strike": dq.strike[ok], "type": np.where(dq.is_call[ok], "C", "P"),
            "bid": dq.bid[ok], "ask": dq.ask[ok]})
        return load_chain(frame, quote_date=to_date(self.day_index[i]),
                          spot=float(self.closes[i]))


def _day_quotes(date: int, spot: float, cols: dict) -> DayQuotes:
    bid = cols["bid"].astype(np.float64)
    ask = cols["ask"].astype(np.float64)
    exp = cols["expiry"].astype(np.int32)
    is_call = cols["is_call"].astype(bool)
    strike = cols["strike"].astype(np.float64)
    return DayQuotes(date, spot, exp, is_call, strike, bid, ask, 0.5 * (bid + ask),
                     cols["iv"].astype(np.float64), cols["delta"].astype(np.float64),
                     cols["forward"].astype(np.float64), cols["discount"].astype(np.float64),
                     contract_key(exp, is_call, strike))


# --------------------------------------------------------------------------------------------
# building
# --------------------------------------------------------------------------------------------
def load_history(source: SourceLike | Sequence[SourceLike], *, source_kind: str | None = None, label: str | None = None,
                 cache_dir: str | os.PathLike | None = None) -> ChainHistory:
    """Read a multi-day option quote history.

    Parameters
    ----------
    source : path, bytes, data URL, DataFrame, or a list of them
        CSV files in the layouts the chain loader reads, with a quote date column
        (historicaloptiondata: ``quotedate`` + ``underlying_last``; CBOE DataShop: ``quote_date``
        + ``underlying_bid_eod/ask_eod``; canonical: ``quote_date`` + ``spot``), or a Parquet file
        written by this module (opened lazily, nothing read but its footer).
    source_kind : {"real", "upload", "modelled"}, optional
        How the data is labelled (default ``"upload"``).
    label : str, optional
        Human label shown with every chart and table.
    cache_dir : path, optional
        Folder for the Parquet file (default: ``$TMPDIR/parity-histories``). The file is named by
        a hash of the input, so loading the same data again reuses it.

    Returns
    -------
    ChainHistory

    Raises
    ------
    DataError
        Missing columns, no quote date or no underlying level, fewer than two quote dates,
        or nothing usable left after cleaning; the message says what to fix.
    """
    if isinstance(source, (str, os.PathLike)) and str(source).endswith(".parquet"):
        return open_history(source)
    sources = list(source) if isinstance(source, (list, tuple)) else [source]
    if not sources:
        raise DataError("source is an empty list: give at least one file")
    frames, digest = [], hashlib.sha1(FORMAT_VERSION.encode())
    for s in sources:
        raw = _read(s)
        digest.update(pd.util.hash_pandas_object(raw, index=False).to_numpy().tobytes())
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return history_from_frame(raw, source_kind=source_kind or "upload", label=label,
                              cache_dir=cache_dir, digest=digest.hexdigest())


def _read(s) -> pd.DataFrame:
    from core.data.formats import read_table

    if isinstance(s, pd.DataFrame):
        return s.reset_index(drop=True)
    if isinstance(s, (str, os.PathLike)) and not str(s).startswith("data:") and "\n" not in str(s):
        p = Path(s)
        if not p.is_file():
            raise DataError(f"file not found: {str(p)[:200]}")
        try:   # a server-side path: no upload size limit, so a year of chains reads whole
            return pd.read_csv(p, encoding="utf-8-sig", skipinitialspace=True, low_memory=False)
        except (pd.errors.ParserError, UnicodeError, ValueError) as exc:
            raise DataError(f"could not parse {p.name} as CSV: {str(exc)[:160]}") from exc
    return read_table(s)


def open_history(path: str | os.PathLike) -> ChainHistory:
    """Open a Parquet history written by :func:`history_from_frame` (footer only).

    Parameters
    ----------
    path : str or path
        The Parquet file.

    Returns
    -------
    ChainHistory
        The history; quotes are read lazily, one date's row group at a time.

    Raises
    ------
    DataError
        When the file cannot be read as Parquet or carries no Parity history metadata.
    """
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(str(path))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot open {str(path)[:200]} as a Parquet history: {exc}") from exc
    meta = pf.metadata.metadata or {}
    if b"parity_history" not in meta:
        raise DataError(f"{Path(path).name} is not a Parity chain history (no parity metadata)")
    info = json.loads(meta[b"parity_history"])
    return ChainHistory(str(path), np.asarray(info["dates"], dtype=np.int64),
                        np.asarray(info["closes"], dtype=np.float64),
                        np.asarray(info["groups"], dtype=np.int64).reshape(-1, 3),
                        info.get("source", "upload"),
                        info.get("label", ""), tuple(info.get("notes", ())))


def history_from_frame(raw: pd.DataFrame, *, source_kind: str = "upload", label: str | None = None,
                       cache_dir: str | os.PathLike | None = None,
                       digest: str | None = None) -> ChainHistory:
    """Build (or reuse) the Parquet history of a multi-day quote table; see :func:`load_history`.

    Parameters
    ----------
    raw : DataFrame
        The quote table, in a layout :func:`load_history` reads (with a quote date column).
    source_kind : {"real", "upload", "modelled"}, default "upload"
        How the data is labelled.
    label : str, optional
        Human label (default ``"<source_kind> chain history"``); a cached file with another
        label is rebuilt.
    cache_dir : str or path, optional
        Folder of the Parquet file (default ``$TMPDIR/parity-histories``).
    digest : str, optional
        Hex name of the file (default: SHA-1 of the format version and the table's rows).

    Returns
    -------
    ChainHistory
        The history opened from the (new or reused) Parquet file.

    Raises
    ------
    DataError
        A bad ``source_kind``, or a table :func:`load_history` would refuse.
    """
    if source_kind not in ("real", "upload", "modelled"):
        raise DataError(f"source_kind must be 'real', 'upload' or 'modelled', got {source_kind!r}")
    if digest is None:
        digest = hashlib.sha1(FORMAT_VERSION.encode() + pd.util.hash_pandas_object(
            raw, index=False).to_numpy().tobytes()).hexdigest()
    folder = Path(cache_dir or Path(tempfile.gettempdir()) / "parity-histories")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest[:24]}-{source_kind}.parquet"
    if path.is_file():
        try:
            h = open_history(path)
            if label is None or h.label == label:
                return h
        except DataError:
            pass
    table, dates, closes, notes = prepare_table(raw)
    label = label or f"{source_kind} chain history"
    build_chunks([(table, dates, closes, notes)], path, source_kind, label)
    return open_history(path)
