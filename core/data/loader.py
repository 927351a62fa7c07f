"""Public entry points: :func:`load_chain` and :func:`sample_chain`.

Pipeline: read (size check, decoding) -> recognise layout -> clean -> forwards and discount
factors from put-call parity -> Black-Scholes implied vols of the out-of-the-money mids (and of
their bids and asks) -> frozen :class:`~core.data.chain.Chain`.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from core.data.chain import EXPIRY_COLUMNS, QUOTE_COLUMNS, Chain, CleaningReport
from core.data.cleaning import numeric_column, read_date_columns, option_types, clean
from core.data.formats import normalise, read_table
from core.data.forwards import DF_MAX, parity_pairs, fit_parity, infer_forwards
from core.data.limits import plain
from core._validate import positive_scalar
from core.errors import DataError
from core._typing import DateLike, SourceLike

__all__ = ["load_chain", "read_quotes", "sample_chain"]


def load_chain(source: SourceLike, *, quote_date: DateLike | None = None, spot: float | None = None,
               rate: float | None = None, dayfirst: bool | None = None,
               max_bytes: int | None = None) -> Chain:
    """Load, clean and enrich an option chain.

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        A CSV path, CSV bytes/text, a ``data:`` URL from ``dcc.Upload``, a file object, or a
        DataFrame. The layout is recognised from the column names: the pyql sample layout
        (PBid, PAsk, Type, Strike, dtExpiry, dtTrade, Spot), the canonical layout (expiry,
        strike, type, bid, ask[, quote_date, spot]), CBOE DataShop end-of-day files (bid_eod,
        ask_eod, underlying_bid_eod, ...) or a vendor layout keyed by an OCC ``contractSymbol``.
    quote_date : date-like, optional
        Required when the file has no quote date; chooses one day of a multi-day file.
    spot : float, optional
        Underlying level, used when the file gives none. Without either, the forward of the
        nearest expiry stands in for spot (the report says so).
    rate : float, optional
        Continuously compounded rate (decimal a year, e.g. 0.04) used for an expiry whose
        parity fit implies an implausible rate or dividend yield (outside -2 %..15 % and
        -5 %..20 %), instead of the neighbouring expiries' curve; each such expiry is listed
        in ``report.rate_fallbacks``.
    dayfirst : bool, optional
        Read slash dates as day/month/year (True) or month/day/year (False). By default the
        reading under which the file is consistent is used and the report says which.
    max_bytes : int, optional
        Largest accepted file in bytes, before and after decompression (default
        :data:`core.data.MAX_BYTES`); the app passes its ``PARITY_MAX_UPLOAD_MB`` setting.

    Returns
    -------
    Chain
        Quotes with expiry, T (years ACT/365), forward, discount, OTM implied vols (decimals),
        a per-expiry table and a :class:`CleaningReport`.

    Raises
    ------
    DataError
        On anything unusable (missing columns, empty or binary file, over the size limit, no
        quote date, no put-call pairs, ...) with a message saying what to fix.

    Examples
    --------
    Quotes priced by Black-Scholes at a flat 20% vol (r = 2%, q = 1%, 182 days ACT/365) come back
    with the parity forward ``S exp((r - q) T)``, the discount factor ``exp(-r T)`` and 20% vols:


    >>> import numpy as np, pandas as pd
    >>> from core.pricing import bs_price
    >>> T, K = 182 / 365, np.arange(80.0, 125.0, 5.0)
    >>> prices = {cp: bs_price(100.0, K, T, 0.02, 0.01, 0.2, cp == "C") for cp in "CP"}
    >>> rows = [dict(quote_date="2024-01-02", expiry="2024-07-02", strike=k, type=cp,
    ...              bid=p - 0.05, ask=p + 0.05, spot=100.0)
    ...         for cp in "CP" for k, p in zip(K, prices[cp])]
    >>> chain = load_chain(pd.DataFrame(rows))
    >>> chain.spot, chain.quote_date.isoformat()
    (100.0, '2024-01-02')
    >>> first = chain.quotes.iloc[0]
    >>> round(float(first["forward"]), 6), round(float(100.0 * np.exp(0.01 * T)), 6)
    (100.499875, 100.499875)
    >>> round(float(first["discount"]), 6), round(float(np.exp(-0.02 * T)), 6)
    (0.990077, 0.990077)
    >>> bool(np.allclose(chain.quotes["iv"].dropna(), 0.20, atol=1e-9))
    True
    """
    spot_arg = None if spot is None else positive_scalar("spot", spot)
    rate_arg = None if rate is None else _rate("rate", rate)
    raw = read_table(source, max_bytes=max_bytes)
    norm = normalise(raw)
    cleaned = clean(norm.frame, quote_date=quote_date, dayfirst=dayfirst, sep=norm.sep)

    notes = list(norm.notes) + list(cleaned.notes)
    quotes, scale_note = _strike_scale(cleaned.quotes, norm.frame.attrs.get("strike_column"))
    if scale_note:
        notes.append(scale_note)
    spot_file = cleaned.spot_file
    if math.isfinite(spot_file):
        s, src = spot_file, "file"
        if spot_arg is not None and not math.isclose(spot_arg, s, rel_tol=1e-12):
            notes.append(f"Spot argument {spot_arg:g} ignored: the file gives {s:g}.")
    elif spot_arg is not None:
        s, src = spot_arg, "argument"
    else:
        s, src = None, "forward"
    fw = infer_forwards(quotes, spot=s, spot_source=src, rate=rate_arg)
    notes += fw.notes
    if rate_arg is not None:
        notes.append(f"Rate argument {rate_arg:.4%} used where an expiry's own parity rate is "
                     f"implausible or missing.")

    quotes = _enrich(quotes, fw.table, fw.spot)
    expiries = _expiry_table(quotes, fw.table)
    counts = cleaned.counts
    report = CleaningReport(
        source_format=norm.label, rows_read=len(raw), rows_kept=len(quotes),
        wide=int(quotes["wide"].sum()), notes=tuple(notes),
        expiry_notes=cleaned.expiry_notes + fw.expiry_notes, rate_fallbacks=fw.fallbacks,
        **counts)
    return Chain(_quotes=quotes, _expiries=expiries, spot=fw.spot,
                 quote_date=cleaned.quote_date, report=report, spot_source=fw.spot_source)


def _rate(name: str, value) -> float:
    try:
        r = float(value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number (a continuously compounded rate as a "
                        f"decimal, e.g. 0.04), got {value!r}") from None
    if not (math.isfinite(r) and -0.1 <= r <= 0.5):
        raise DataError(f"{name} must be a rate as a decimal a year between -0.1 and 0.5 "
                        f"(e.g. 0.04 for 4%), got {value!r}")
    return r


def _strike_scale(q: pd.DataFrame, column: str | None) -> tuple[pd.DataFrame, str | None]:
    """Strikes stored x 1000 (OptionMetrics' ``strike_price``), detected from put-call parity.

    For true strikes ``C - P = DF (F - K)`` has slope ``-DF`` in K, with DF near 1; strikes
    stored x 1000 give a slope near ``-DF / 1000``. The expiry with the most pairs decides.
    """
    best = None
    for _, grp in q.groupby("expiry", sort=True):
        pairs = parity_pairs(grp["strike"].to_numpy(), grp["type"].to_numpy() == "C",
                       grp["mid"].to_numpy(), grp["spread"].to_numpy())
        if best is None or len(pairs[0]) > len(best[0]):
            best = pairs
    if best is None or len(best[0]) < 3:
        return q, None
    fit, _ = fit_parity(*best)
    if fit is None or not (0.3 <= fit.discount * 1000 <= DF_MAX):
        return q, None
    q = q.assign(strike=q["strike"] / 1000.0)
    col = f"the {plain(column, 30)} column" if column else "the strike column"
    return q, (f"Strikes divided by 1000: {col} holds strike x 1000 (OptionMetrics style; "
               f"put-call parity gives a discount factor of {fit.discount:.2g} on the raw "
               f"strikes, {fit.discount * 1000:.4f} on the scaled ones).")


def read_quotes(source: SourceLike, *, dayfirst: bool | None = None,
                max_bytes: int | None = None) -> pd.DataFrame:
    """Read an option file of one or many quote dates into canonical columns, without cleaning.

    Use it to split a multi-day file: ``for day, rows in read_quotes(path).groupby("quote_date"):
    load_chain(rows, quote_date=day)`` (a frame in these columns is read back as is; the spot
    column, when the file has one, goes with each day's rows).

    Parameters
    ----------
    source : str, os.PathLike, bytes, file-like or pandas.DataFrame
        As for :func:`load_chain`; any recognised layout.
    dayfirst : bool, optional
        How to read slash dates (default: the reading consistent with the file).
    max_bytes : int, optional
        Largest accepted file in bytes (default :data:`core.data.MAX_BYTES`).

    Returns
    -------
    pandas.DataFrame
        Columns ``quote_date`` (datetime64, NaT when the file has none), ``expiry``
        (datetime64), ``strike`` (float), ``type`` ('C'/'P' or None), ``bid``, ``ask``,
        ``spot`` (float, NaN when absent) and ``root`` (str, '' when absent), one row per
        input row, in file order; ``attrs["notes"]`` says how the file was read. Rows are not
        validated here: :func:`load_chain` drops and counts bad rows per date.
    """
    raw = read_table(source, max_bytes=max_bytes)
    norm = normalise(raw)
    frame = norm.frame
    dates, notes = read_date_columns(frame, dayfirst, None)
    notes = list(norm.notes) + notes
    n = len(frame)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    qd = dates["quote_date"].days if "quote_date" in dates else (
        dates["last_trade"].days if "last_trade" in dates else nat)
    out = pd.DataFrame({
        "quote_date": qd.astype("datetime64[ns]"),
        "expiry": dates["expiry"].days.astype("datetime64[ns]"),
        "strike": numeric_column(frame, "strike", norm.sep, notes),
        "type": option_types(frame["type"]),
        "bid": numeric_column(frame, "bid", norm.sep, notes),
        "ask": numeric_column(frame, "ask", norm.sep, notes),
        "spot": (numeric_column(frame, "spot", norm.sep, notes) if "spot" in frame.columns
                 else np.full(n, np.nan)),
        "root": (frame["root"].astype("str").to_numpy(dtype=object) if "root" in frame.columns
                 else np.full(n, "", dtype=object)),
    })
    out.attrs["notes"] = tuple(notes)
    return out


@functools.lru_cache(maxsize=1)
def sample_chain() -> Chain:
    """The embedded default chain: :func:`core.data.modelled_chain` of 2018-12-31 (cached).

    A modelled S&P 500 chain from that day's real close and VIX (``chain.label`` says so);
    Parity ships no third-party option quotes. Real chains come from the user's uploads.

    Returns
    -------
    Chain
        The modelled chain of 2018-12-31 (``chain.label`` says so), cached.

    Examples
    --------
    >>> chain = sample_chain()
    >>> chain.label
    'modelled chain for 2018-12-31, from the S&P 500 close and VIX'
    >>> chain.quote_date.isoformat(), round(chain.spot, 2)   # the S&P 500 close that day
    ('2018-12-31', 2506.85)
    >>> sorted(chain.quotes["type"].unique())
    ['C', 'P']
    """
    from core.data.modelled import DEFAULT_DATE, modelled_chain

    return modelled_chain(DEFAULT_DATE)


def _enrich(q: pd.DataFrame, table: pd.DataFrame, spot: float) -> pd.DataFrame:
    exp_q = q["expiry"].to_numpy()
    idx = np.searchsorted(table["expiry"].to_numpy(), exp_q)
    fwd = table["forward"].to_numpy()[idx]
    q = q.assign(forward=fwd, discount=table["discount"].to_numpy()[idx])
    K = q["strike"].to_numpy()
    is_call = q["type"].to_numpy() == "C"
    q["log_moneyness"] = np.log(K / fwd)
    otm = np.where(is_call, K > fwd, K <= fwd)
    q["otm"] = otm

    iv = np.full((3, len(q)), np.nan)
    rows = np.flatnonzero(otm)
    if rows.size:
        r = table["r_implied"].to_numpy()[idx][rows]
        d = table["q_implied"].to_numpy()[idx][rows]
        prices = np.stack([q[c].to_numpy()[rows] for c in ("mid", "bid", "ask")])
        iv[:, rows] = _implied_vols(prices, spot, K[rows], q["T"].to_numpy()[rows], r, d,
                                    is_call[rows])
    q["iv"], q["iv_bid"], q["iv_ask"] = iv[0], iv[1], iv[2]
    return q[list(QUOTE_COLUMNS)].reset_index(drop=True)


def _implied_vols(prices, spot, K, T, r, q, is_call) -> np.ndarray:
    """Implied vols of a (3, n) price block on n contracts, in one broadcasting call."""
    from core.pricing.implied_vol import implied_vol   # lazy: keeps `import core.data` light

    m = prices.shape[0]
    vols = implied_vol(prices.ravel(), spot, np.tile(K, m), np.tile(T, m), np.tile(r, m),
                       np.tile(q, m), np.tile(is_call, m))
    return np.asarray(vols, dtype=np.float64).reshape(prices.shape)


def _expiry_table(q: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    exp = q["expiry"].to_numpy()
    idx = np.searchsorted(t["expiry"].to_numpy(), exp)
    n = len(t)
    t["n_quotes"] = np.bincount(idx, minlength=n).astype(np.int64)
    good = q["otm"].to_numpy() & np.isfinite(q["iv"].to_numpy())
    t["n_otm"] = np.bincount(idx[good], minlength=n).astype(np.int64)
    k_all, iv_all = q["log_moneyness"].to_numpy(), q["iv"].to_numpy()
    atm = np.full(n, np.nan)
    for j in range(n):
        sel = good & (idx == j)
        k, v = k_all[sel], iv_all[sel]
        below, above = k <= 0, k > 0
        if below.any() and above.any():
            i0 = np.flatnonzero(below)[np.argmax(k[below])]
            i1 = np.flatnonzero(above)[np.argmin(k[above])]
            w = (0.0 - k[i0]) / (k[i1] - k[i0])
            atm[j] = v[i0] + w * (v[i1] - v[i0])
    t["atm_iv"] = atm
    return t[list(EXPIRY_COLUMNS)]
