"""Building a chain history: clean and enrich a multi-day quote table, write it as Parquet.

:func:`prepare_table` parses a raw table through the chain loader's reader, infers each
(date, expiry)'s forward and discount factor from put-call parity, and gives every row a smile
vol and a forward delta; :func:`build_chunks` writes prepared chunks to one Parquet file with one
row group per :data:`DATES_PER_GROUP` quote dates and the date index in its footer metadata,
which :mod:`core.backtest.history` reads lazily.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import DataError

__all__ = ["prepare_table", "build_chunks", "to_date", "EPOCH", "FORMAT_VERSION", "STORE_COLUMNS",
           "DATES_PER_GROUP"]

#: Consecutive quote dates per Parquet row group (one read serves a month of dates).
DATES_PER_GROUP = 21
#: Day 0 of the integer quote and expiry dates stored in a history.
EPOCH = np.datetime64("1970-01-01", "D")
#: Columns of a stored history, in file order.
STORE_COLUMNS = ("expiry", "is_call", "strike", "bid", "ask", "iv", "delta", "forward",
                 "discount")
#: Version of the stored layout; part of every cache key, so a change rebuilds old files.
FORMAT_VERSION = "3"


def to_date(i: int) -> _dt.date:
    """The calendar date of day number ``i`` (days since 1970-01-01).

    Parameters
    ----------
    i : int
        Day number, days since 1970-01-01.

    Returns
    -------
    datetime.date
        That calendar date.
    """
    return (EPOCH + np.timedelta64(int(i), "D")).astype(object)


def prepare_table(raw: pd.DataFrame, min_dates: int = 2
                  ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]:
    """Clean a raw multi-day table and enrich it: forwards, discounts, smile vols, deltas.

    Parameters
    ----------
    raw : DataFrame
        A multi-day quote table in a layout :func:`core.backtest.load_history` reads.
    min_dates : int, default 2
        Fewest usable quote dates accepted.

    Returns
    -------
    table : DataFrame
        The cleaned rows sorted by quote date (day numbers since 1970-01-01), with forward,
        discount, smile vol (decimal) and delta columns.
    dates : ndarray of int64
        The usable quote dates, days since 1970-01-01, ascending.
    closes : ndarray of float64
        The underlying close per date, index points.
    notes : list of str
        What was dropped, and why.

    Raises
    ------
    DataError
        When fewer than ``min_dates`` quote dates are usable; the message says what to fix.
    """
    from core.data import read_quotes

    q = read_quotes(raw)          # the chain loader's own reader: any layout it recognises
    n_read = len(q)
    qd = q["quote_date"].to_numpy().astype("datetime64[D]")
    if np.isnat(qd).all():
        raise DataError("the file has no quote date column (quotedate / quote_date): a history "
                        "needs one row per quote per date")
    if not np.isfinite(q["spot"].to_numpy(dtype=float)).any():
        raise DataError("the file gives no underlying level (underlying_last, spot or "
                        "underlying_bid_eod/ask_eod): add a column with the index close per date")
    ex = q["expiry"].to_numpy().astype("datetime64[D]")
    types = q["type"].to_numpy(dtype=object)
    df = pd.DataFrame({
        "date": (qd - EPOCH).astype(np.int64), "expiry": (ex - EPOCH).astype(np.int64),
        "is_call": types == "C", "type_ok": pd.notna(types),
        "strike": q["strike"].to_numpy(dtype=float), "bid": q["bid"].to_numpy(dtype=float),
        "ask": q["ask"].to_numpy(dtype=float), "spot": q["spot"].to_numpy(dtype=float),
        "root": q["root"].to_numpy(dtype=object)})
    read_notes = list(q.attrs.get("notes", ())) or ["Format: unrecognised."]
    layout = read_notes[0].removeprefix("Format: ").rstrip(".")
    notes: list[str] = []
    bad = (np.isnat(qd) | np.isnat(ex) | ~df["type_ok"].to_numpy()
           | ~np.isfinite(df[["strike", "bid", "ask", "spot"]].to_numpy()).all(axis=1))
    if bad.any():
        notes.append(f"Dropped {int(bad.sum()):,} rows with missing or non-numeric values.")
    df = df.loc[~bad]
    if (np.diff(df["date"].to_numpy()) < 0).any():
        notes.append("Rows were not in date order: sorted by quote date (each date's quotes "
                     "are used only on that date).")
    if df.empty:
        raise DataError(f"none of the {n_read:,} rows is a usable quote (need quote date, expiry, "
                        "strike, call/put, bid, ask and the underlying level)")
    dates = np.unique(df["date"].to_numpy())
    if dates.size < min_dates:
        raise DataError(f"the file holds one quote date ({to_date(dates[0])}): a backtest needs "
                        "a history of at least two dates — upload a multi-day file")
    closes = df.groupby("date")["spot"].median().reindex(dates).to_numpy(dtype=np.float64)
    expired = (df["expiry"] <= df["date"]).to_numpy()
    if expired.any():
        notes.append(f"Dropped {int(expired.sum()):,} rows expiring on or before their quote "
                     "date (expiry-day quotes: positions settle on that day's close instead).")
    df = df.loc[~expired]
    unusable = ((df["ask"] <= 0) | (df["bid"] < 0) | (df["bid"] > df["ask"])
                | (df["strike"] <= 0) | (df["spot"] <= 0)).to_numpy()
    if unusable.any():
        notes.append(f"Dropped {int(unusable.sum()):,} rows with no ask, a negative bid or a "
                     "crossed quote.")
    df = df.loc[~unusable].drop(columns="type_ok")
    df = _one_root(df, notes)
    df = df.sort_values(["date", "expiry", "is_call", "strike"], kind="stable")
    dup = df.duplicated(["date", "expiry", "is_call", "strike"]).to_numpy()
    if dup.any():
        notes.append(f"Dropped {int(dup.sum()):,} duplicate (date, expiry, strike, type) rows.")
        df = df.loc[~dup]
    df = df.reset_index(drop=True)
    if df.empty:
        raise DataError(f"none of the {n_read:,} rows is a usable quote (need quote date, expiry "
                        "after it, strike, call/put, bid <= ask, ask > 0 and the underlying level)")
    notes.insert(0, f"Read {n_read:,} rows ({layout}); kept {len(df):,} on {dates.size} "
                    f"quote dates, {to_date(dates[0])} to {to_date(dates[-1])}.")
    gaps = np.diff(dates)
    long_gaps = np.flatnonzero(gaps > 5)
    if long_gaps.size:
        shown = ", ".join(f"{to_date(dates[i])} to {to_date(dates[i + 1])}"
                          for i in long_gaps[:3])
        notes.append(f"{long_gaps.size} gap(s) of more than 5 calendar days between quote dates "
                     f"({shown}{', ...' if long_gaps.size > 3 else ''}): positions are marked "
                     "across them as if no day were missing.")
    empty = np.setdiff1d(dates, df["date"].to_numpy())
    if empty.size:
        notes.append(f"{empty.size} quote date(s) have no option quote left (e.g. only "
                     f"expiring contracts): {', '.join(str(to_date(d)) for d in empty[:4])}"
                     f"{', ...' if empty.size > 4 else ''}; their closes are kept for marking "
                     "and settlement.")
    _enrich(df, notes)
    return df, dates, closes, notes


def _one_root(df: pd.DataFrame, notes: list) -> pd.DataFrame:
    """One option root per (date, expiry): on a day when SPX (AM-settled monthly) and SPXW
    (PM-settled) share an expiry, the SPXW rows are kept, as the chain loader does."""
    roots = df["root"].astype(str).str.upper().to_numpy()
    if (roots == "").all() or len(np.unique(roots)) == 1:
        return df.drop(columns="root")
    rank = np.where(roots == "SPXW", 0, np.where(roots == "", 2, 1))
    key = df["date"].to_numpy() * 100_000 + df["expiry"].to_numpy()
    best = pd.Series(rank).groupby(key).transform("min").to_numpy()
    keep = rank == best
    if (~keep).any():
        notes.append(f"Dropped {int((~keep).sum()):,} rows of a second root on expiries quoted "
                     "under two roots (SPXW, PM-settled, kept).")
    return df.loc[keep].drop(columns="root")


def _enrich(df: pd.DataFrame, notes: list) -> None:
    """Forward and discount per (date, expiry) from parity; smile vol and delta per row."""
    from core.data.forwards import fit_parity
    from core.pricing.implied_vol import implied_vol
    from scipy.special import ndtr

    date = df["date"].to_numpy()
    exp = df["expiry"].to_numpy()
    K = df["strike"].to_numpy()
    bid, ask = df["bid"].to_numpy(), df["ask"].to_numpy()
    spot = df["spot"].to_numpy()
    call = df["is_call"].to_numpy()
    mid = 0.5 * (bid + ask)
    T = (exp - date) / 365.0
    grp_key = date * 100_000 + exp
    starts = np.flatnonzero(np.r_[True, grp_key[1:] != grp_key[:-1]])
    ends = np.r_[starts[1:], len(df)]
    fwd = np.empty(len(df))
    disc = np.empty(len(df))
    failed = 0
    for a, b in zip(starts, ends):
        c = call[a:b]
        ok = bid[a:b] > 0
        kc, kp = K[a:b][c & ok], K[a:b][~c & ok]
        common, ic, ip = np.intersect1d(kc, kp, assume_unique=True, return_indices=True)
        fit = None
        if common.size:
            mc, mp = mid[a:b][c & ok][ic], mid[a:b][~c & ok][ip]
            sc = (ask - bid)[a:b][c & ok][ic]
            sp = (ask - bid)[a:b][~c & ok][ip]
            fit, _ = fit_parity(common, mc, mp, sc, sp)
        if fit is None:
            failed += 1
            fwd[a:b], disc[a:b] = spot[a], 1.0
        else:
            fwd[a:b], disc[a:b] = fit.forward, fit.discount
    if failed:
        notes.append(f"{failed} of {starts.size} (date, expiry) pairs had too few put-call "
                     "pairs for a parity fit: forward = spot, discount 1 used there.")
    otm = np.where(call, K > fwd, K <= fwd) & (bid > 0)
    r = -np.log(disc) / np.maximum(T, 1e-12)
    q = r - np.log(fwd / spot) / np.maximum(T, 1e-12)
    iv_otm = np.full(len(df), np.nan)
    rows = np.flatnonzero(otm)
    if rows.size:
        iv_otm[rows] = implied_vol(mid[rows], spot[rows], K[rows], T[rows], r[rows], q[rows],
                                   call[rows])
    # smile per (date, expiry): linear in log-moneyness through the OTM vols, flat outside
    k = np.log(K / fwd)
    iv = np.full(len(df), np.nan)
    for a, b in zip(starts, ends):
        v = iv_otm[a:b]
        good = np.isfinite(v)
        if not good.any():
            continue
        kk, vv = k[a:b][good], v[good]
        o = np.argsort(kk, kind="stable")
        iv[a:b] = np.interp(k[a:b], kk[o], vv[o])
    sd = iv * np.sqrt(T)
    with np.errstate(invalid="ignore", divide="ignore"):
        d1 = (-k + 0.5 * sd * sd) / sd
    nd1 = ndtr(d1)
    df["T"] = T
    df["forward"], df["discount"] = fwd, disc
    df["iv"] = iv
    df["delta"] = np.where(call, nd1, nd1 - 1.0)


def _schema():
    import pyarrow as pa

    return pa.schema([(c, pa.int32() if c == "expiry" else pa.bool_() if c == "is_call"
                       else pa.float64()) for c in STORE_COLUMNS])


def _write_groups(writer, df: pd.DataFrame, dates: np.ndarray, first_group: int) -> np.ndarray:
    """Append ``df`` as row groups of up to ``DATES_PER_GROUP`` dates; returns per date of
    ``dates`` its ``(row group, first row, rows)`` (group -1 for a date without rows)."""
    import pyarrow as pa

    cols = {"expiry": df["expiry"].to_numpy(np.int32), "is_call": df["is_call"].to_numpy(bool)}
    for c in ("strike", "bid", "ask", "iv", "delta", "forward", "discount"):
        cols[c] = df[c].to_numpy(np.float64)
    d = df["date"].to_numpy()
    index = np.zeros((len(dates), 3), dtype=np.int64)
    index[:, 0] = -1
    if not len(d):
        return index
    starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
    bounds = np.r_[starts, len(d)]
    present = d[starts]
    schema = _schema()
    g = first_group
    for k in range(0, present.size, DATES_PER_GROUP):
        a, b = bounds[k], bounds[min(k + DATES_PER_GROUP, present.size)]
        writer.write_table(pa.table({c: cols[c][a:b] for c in STORE_COLUMNS}, schema=schema),
                           row_group_size=max(b - a, 1))
        for m in range(k, min(k + DATES_PER_GROUP, present.size)):
            j = int(np.searchsorted(dates, present[m]))
            index[j] = (g, bounds[m] - a, bounds[m + 1] - bounds[m])
        g += 1
    return index


def build_chunks(chunks: Iterable[tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]],
                 path: Path, source_kind: str, label: str,
                 extra_notes: list | None = None) -> None:
    """Write prepared chunks ``(df, dates, closes, notes)`` (dates ascending across chunks) to
    one Parquet history; memory holds one chunk at a time. ``extra_notes`` (which the chunk
    iterator may fill as it goes) are appended once every chunk is written.

    Parameters
    ----------
    chunks : iterable of (DataFrame, ndarray, ndarray, list of str)
        Outputs of :func:`prepare_table`, dates ascending across chunks.
    path : Path
        The Parquet file to write (one row group per block of dates).
    source_kind : str
        ``"real"``, ``"upload"`` or ``"modelled"``, stored in the file's metadata.
    label : str
        Human label stored in the metadata.
    extra_notes : list of str, optional
        Notes appended after the chunks' own.
    """
    import pyarrow.parquet as pq

    tmp = Path(path).with_suffix(f".{os.getpid()}.tmp")
    all_dates, all_closes, groups, notes = [], [], [], []
    n_groups = 0
    with pq.ParquetWriter(str(tmp), _schema(), compression="zstd") as w:
        for df, dates, closes, chunk_notes in chunks:
            index = _write_groups(w, df, np.asarray(dates), n_groups)
            n_groups = max(n_groups, int(index[:, 0].max()) + 1)
            all_dates += [int(x) for x in dates]
            all_closes += [float(x) for x in closes]
            groups += index.ravel().tolist()
            notes += [n for n in chunk_notes if n not in notes]
        if len(all_dates) < 2 or np.any(np.diff(all_dates) <= 0):
            raise DataError(f"a history needs at least two increasing quote dates, got "
                            f"{len(all_dates)}")
        notes += list(extra_notes or ())
        info = {"dates": all_dates, "closes": all_closes, "groups": groups,
                "source": source_kind, "label": label, "notes": notes}
        w.add_key_value_metadata({"parity_history": json.dumps(info)})
    os.replace(tmp, path)
