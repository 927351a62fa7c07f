"""Modelled S&P 500 option chains for real trading days: the embedded default chain.

Parity ships no third-party option quotes. :func:`modelled_chain` builds a chain for a real
trading day from real inputs that ship inside the ``arch`` wheel and a shape fitted to real chains:

* **spot**: that day's S&P 500 close (``arch.data.sp500``, 1999-01-04 to 2018-12-31);
* **ATM level**: that day's VIX close (``arch.data.vix``, 2014-01-03 onwards) times the fitted
  ratio of 30-day ATM vol to VIX; before 2014 a VIX proxy from the S&P 500's 21-day realised
  vol (the label says which);
* **surface**: the fitted term structure and SSVI smile of :mod:`core.data.modelled_fit`
  (arbitrage-free by construction: SSVI inside Gatheral & Jacquier's sufficient conditions,
  total ATM variance increasing in ``T``);
* **rate**: the month's one-month T-bill rate (Fama-French ``RF`` in ``arch.data.frenchdata``;
  after 2018-11, the last month carried forward); **dividend yield**: flat 1.9 % (assumption);
* **listing**: the exchange's conventions (below); **bid/ask**: the fitted spread model,
  rounded outward to the SPX tick (0.05 under 3.00, else 0.10); quotes whose bid rounds to 0
  are not listed (a real chain shows them with a zero bid, which the loader drops anyway).

Listing conventions (a simplification of Cboe's SPX/SPXW listings, 2005 onwards):

* monthly SPX (AM-settled) on the third Friday: the next 6 months, then the quarterly months
  (Mar/Jun/Sep/Dec) to 12 months, then December (LEAPS) to 36 months;
* weekly SPXW (PM-settled) on each of the next 4 Fridays that is not a third Friday, from
  2005-10-28 (when SPXW Friday weeklies started); Monday/Wednesday weeklies (listed from 2016)
  and end-of-month expiries are not modelled;
* an expiry Friday that is an exchange holiday moves to the Thursday before (arch's S&P 500
  calendar up to 2018-12-31, Good Friday / New Year / July 4 / Christmas rules after);
* strikes by log-moneyness ``k = ln(K/F)`` and ``u = sigma_atm sqrt(T)``: 5 points within
  ``min(1.5 u, 0.10)`` (expiries up to 6 months), 25 within ``min(3 u, 0.25)``, 50 within
  0.5, 100 beyond; from ``max(-6 u, ln 0.2)`` (at least -0.08) to ``min(3 u, ln 1.6)``
  (at least +0.04);
* ``listing="held"`` (what :func:`core.backtest.modelled_history` asks for): as exchanges do, a
  strike once listed for an expiry stays listed until that expiry: the day's strikes are the
  union of the grids above over every trading day from the expiry's first listing to the day
  (``listing="day"``, the default of single chains, lists only the day's own grid).

The chain goes through :func:`core.data.load_chain` like an upload (forwards and discounts are
re-inferred from put-call parity of the rounded quotes) and carries :attr:`Chain.label`, e.g.
``"modelled chain for 2018-12-31, from the S&P 500 close and VIX"``.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import math

import numpy as np
import pandas as pd

from core.data import modelled_fit as fit
from core.data.chain import Chain
from core.data.cleaning import to_date
from core.errors import DataError
from core._typing import DateLike, DatesLike

__all__ = ["modelled_chain", "modelled_quotes", "modelled_label", "modelled_market",
           "listed_expiries", "listed_strikes", "DEFAULT_DATE", "UNDERLYINGS"]

#: Default quote date of :func:`core.data.sample_chain`: the last S&P 500 day in arch's data.
DEFAULT_DATE: _dt.date = _dt.date(2018, 12, 31)
#: Underlyings :func:`modelled_chain` can build.
UNDERLYINGS: tuple[str, ...] = ("SPX",)

_WEEKLIES_FROM = _dt.date(2005, 10, 28)
_N_MONTHLY, _QUARTERLY_TO, _LEAPS_TO, _N_WEEKLY = 6, 12, 36, 4
_TICK_SMALL, _TICK_LARGE, _TICK_SWITCH = 0.05, 0.10, 3.0


# --------------------------------------------------------------------------------------------
# market inputs
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _history() -> pd.DataFrame:
    """Per S&P 500 trading day: close, VIX (NaN before 2014), VIX proxy, T-bill rate."""
    from core.data.embedded import sp500_ohlc, tbill_rate, vix_close

    close = sp500_ohlc()["close"]
    out = pd.DataFrame({"spot": close})
    out["vix"] = vix_close().reindex(out.index)
    rv = np.log(close).diff().rolling(21, min_periods=10).std(ddof=1) * math.sqrt(252.0)
    out["vix_proxy"] = np.exp(fit.PROXY_C0 + fit.PROXY_C1 * np.log(100.0 * rv))
    rate = tbill_rate()
    month = out.index.to_period("M").to_timestamp()
    out["r"] = rate.reindex(month, method="ffill").to_numpy()
    out["rate_month"] = np.minimum(month, rate.index[-1])
    return out


def _as_dates(dates) -> list[_dt.date]:
    if isinstance(dates, (str, _dt.date, pd.Timestamp, np.datetime64)):
        dates = [dates]
    out = [to_date("date", d) for d in dates]
    if not out:
        raise DataError("dates is empty: give at least one trading day")
    return out


def modelled_market(dates: DatesLike, underlying: str = "SPX") -> pd.DataFrame:
    """The real inputs of the modelled chains: one row per date.

    Parameters
    ----------
    dates : date-like or sequence of date-like
        S&P 500 trading days in arch's data (1999-01-04 to 2018-12-31).
    underlying : {"SPX"}

    Returns
    -------
    pandas.DataFrame
        Indexed by date: ``spot`` (S&P 500 close, index points), ``vix`` (the vol level used,
        vol points), ``vol_source`` ('VIX' or 'realised-vol proxy'), ``sigma_30`` (30-day ATM
        vol, decimal), ``r`` (T-bill rate, continuously compounded), ``q`` (dividend yield),
        ``rate_month`` (the month whose T-bill rate is used).

    Raises
    ------
    DataError
        Unknown underlying, or a date that is not an S&P 500 trading day in the data.
    """
    if underlying not in UNDERLYINGS:
        raise DataError(f"underlying must be one of {', '.join(UNDERLYINGS)} (the S&P 500 "
                        f"index: the only one whose close and VIX ship with arch), got "
                        f"{underlying!r}")
    days = _as_dates(dates)
    hist = _history()
    idx = pd.DatetimeIndex([pd.Timestamp(d) for d in days])
    missing = ~idx.isin(hist.index)
    if missing.any():
        bad = idx[missing][0]
        first, last = hist.index[0].date(), hist.index[-1].date()
        if bad.date() < first or bad.date() > last:
            raise DataError(f"date {bad.date()} is outside the S&P 500 data shipped with arch "
                            f"({first} to {last}): pick a trading day in that range")
        prev = hist.index[hist.index.searchsorted(bad) - 1].date()
        raise DataError(f"date {bad.date()} is not an S&P 500 trading day (weekend or "
                        f"exchange holiday): the trading day before it is {prev}")
    rows = hist.loc[idx]
    has_vix = rows["vix"].notna().to_numpy()
    level = np.where(has_vix, rows["vix"].to_numpy(), rows["vix_proxy"].to_numpy())
    if not np.isfinite(level).all():
        bad = idx[~np.isfinite(level)][0]
        raise DataError(f"date {bad.date()} is too early: the realised-vol proxy needs 10 "
                        f"S&P 500 returns before it (arch's data starts 1999-01-04)")
    out = pd.DataFrame({
        "spot": rows["spot"].to_numpy(), "vix": level,
        "vol_source": np.where(has_vix, "VIX", "realised-vol proxy"),
        "sigma_30": fit.VIX_RATIO * level / 100.0, "r": rows["r"].to_numpy(),
        "q": fit.DIVIDEND_YIELD, "rate_month": rows["rate_month"].to_numpy()}, index=idx)
    out.index.name = "date"
    return out


def modelled_label(date: DateLike, vol_source: str = "VIX") -> str:
    """The data-source line pages show for a modelled chain.

    ``"modelled chain for 2018-12-31, from the S&P 500 close and VIX"``; with the proxy:
    ``"... from the S&P 500 close and a realised-vol proxy for VIX"``.

    Parameters
    ----------
    date : date-like
        The chain's quote date (a ``str``, ``date``, ``Timestamp`` or ``datetime64``).
    vol_source : str, optional
        ``"VIX"`` (default) when the ATM level came from that day's VIX; anything else
        (as :func:`modelled_market`'s ``"realised-vol proxy"``) names the proxy.

    Returns
    -------
    str
        The one-line label, with the date in ISO form.

    Raises
    ------
    DataError
        ``date`` cannot be read as a date.
    """
    day = _as_dates(date)[0]
    what = "VIX" if vol_source == "VIX" else "a realised-vol proxy for VIX"
    return f"modelled chain for {day.isoformat()}, from the S&P 500 close and {what}"


# --------------------------------------------------------------------------------------------
# listing conventions
# --------------------------------------------------------------------------------------------
def _easter(year: int) -> _dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return _dt.date(year, month, day)


def _is_holiday_friday(day: _dt.date) -> bool:
    hist = _history().index
    if day <= hist[-1].date():
        return pd.Timestamp(day) not in hist
    if day == _easter(day.year) - _dt.timedelta(days=2):
        return True
    md = (day.month, day.day)
    # New Year / July 4 / Christmas on a Friday, or on Saturday observed the Friday before
    # (New Year's Day on a Saturday is not observed by the NYSE)
    return md in ((1, 1), (7, 4), (12, 25), (7, 3), (12, 24))


def _expiry_on(friday: _dt.date) -> _dt.date:
    return friday - _dt.timedelta(days=1) if _is_holiday_friday(friday) else friday


def _third_friday(year: int, month: int) -> _dt.date:
    first = _dt.date(year, month, 1)
    return first + _dt.timedelta(days=(4 - first.weekday()) % 7 + 14)


def listed_expiries(date: DateLike) -> list[tuple[_dt.date, str]]:
    """Expiries listed on ``date``: ``[(expiry, root), ...]`` sorted, root 'SPX' or 'SPXW'.

    See the module docstring for the conventions.

    Parameters
    ----------
    date : date-like
        The quote date (a ``str``, ``date``, ``Timestamp`` or ``datetime64``); expiries on or
        before it are not listed.

    Returns
    -------
    list of (datetime.date, str)
        ``(expiry, root)`` in expiry order: monthly ``"SPX"`` expiries (next 6 months,
        quarterlies to 12 months, Decembers to 36 months) and, from 2005-10-28, the next 4
        non-monthly Friday ``"SPXW"`` weeklies; holiday Fridays moved to the Thursday.

    Raises
    ------
    DataError
        ``date`` cannot be read as a date.
    """
    day = _as_dates(date)[0]
    keep: dict[_dt.date, str] = {}
    n_monthly = 0
    for m in range(_LEAPS_TO + 1):
        y, mo = divmod(day.month - 1 + m, 12)
        exp = _expiry_on(_third_friday(day.year + y, mo + 1))
        if exp <= day:
            continue
        n_monthly += 1
        if n_monthly <= _N_MONTHLY or (m <= _QUARTERLY_TO and (mo + 1) % 3 == 0) or mo + 1 == 12:
            keep[exp] = "SPX"
    if day >= _WEEKLIES_FROM:
        friday = day + _dt.timedelta(days=(4 - day.weekday()) % 7 or 7)
        n = 0
        while n < _N_WEEKLY:
            if friday != _third_friday(friday.year, friday.month):
                exp = _expiry_on(friday)
                if exp > day and exp not in keep:
                    keep[exp] = "SPXW"
                    n += 1
            friday += _dt.timedelta(days=7)
    return sorted(keep.items())


def listed_strikes(forward: float, u: float, T: float) -> np.ndarray:
    """Listed strikes (index points) around ``forward`` for an expiry ``T`` years away.

    ``u = sigma_atm sqrt(T)`` sets the range; the spacing is 5/25/50/100 points by
    log-moneyness band (module docstring).

    Parameters
    ----------
    forward : float
        Forward of the expiry, index points (> 0).
    u : float
        ``sigma_atm * sqrt(T)``: ATM vol (decimal) times root-time (sqrt years); sets the
        strike range and the 5- and 25-point bands.
    T : float
        Time to expiry, years; 5-point strikes only up to ``T = 0.5``.

    Returns
    -------
    numpy.ndarray
        Ascending positive strikes, index points (float64), from ``forward *
        exp(max(-6 u, ln 0.2))`` (at most ``exp(-0.08)``) to ``forward * exp(min(3 u, ln 1.6))``
        (at least ``exp(0.04)``).
    """
    lo = max(-max(6.0 * u, 0.08), math.log(0.2))
    hi = min(max(3.0 * u, 0.04), math.log(1.6))
    h5 = min(1.5 * u, 0.10) if T <= 0.5 else 0.0
    h25 = min(3.0 * u, 0.25)
    cand = np.arange(math.ceil(forward * math.exp(lo) / 5.0) * 5.0,
                     forward * math.exp(hi) + 1e-9, 5.0)
    ak = np.abs(np.log(cand / forward))
    step = np.where(ak <= h5, 5.0, np.where(ak <= h25, 25.0, np.where(ak <= 0.5, 50.0, 100.0)))
    strikes = cand[np.abs(np.remainder(cand + 1e-9, step)) < 1e-6]
    return strikes[strikes > 0]


# --------------------------------------------------------------------------------------------
# quotes and chains
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _listed_on(day: _dt.date) -> frozenset:
    return frozenset(e for e, _ in listed_expiries(day))


def _first_listing(expiry: _dt.date, days: pd.DatetimeIndex) -> int:
    """Index into ``days`` of the first trading day listing ``expiry`` (listing is monotone:
    once an expiry is among the listed ones it stays so until it expires)."""
    lo = int(days.searchsorted(pd.Timestamp(expiry - _dt.timedelta(days=31 * (_LEAPS_TO + 1)))))
    lo = max(lo, int(days.searchsorted(days[0] + pd.Timedelta(days=21))))  # proxy warm-up
    hi = int(days.searchsorted(pd.Timestamp(expiry)))           # first day on/after expiry
    while lo < hi:
        mid = (lo + hi) // 2
        if expiry in _listed_on(days[mid].date()):
            hi = mid
        else:
            lo = mid + 1
    return lo


@functools.lru_cache(maxsize=512)
def _held_strikes(expiry: _dt.date, underlying: str) -> tuple[np.ndarray, np.ndarray]:
    """Every strike listed for ``expiry`` on any trading day from its first listing, with the
    first day (datetime64[D]) it was listed: ``(strikes, first_day)``, sorted by strike."""
    days = _history().index
    i0 = _first_listing(expiry, days)
    i1 = int(days.searchsorted(pd.Timestamp(expiry)))
    span = days[i0:i1]
    if not len(span):
        return np.empty(0), np.empty(0, dtype="datetime64[D]")
    market = modelled_market(list(span.date), underlying)
    Ks, firsts = [], []
    for ts, row in market.iterrows():
        T = (expiry - ts.date()).days / 365.0
        F = row["spot"] * math.exp((row["r"] - row["q"]) * T)
        sig = float(fit.atm_vol(T, row["sigma_30"]))
        K = listed_strikes(F, sig * math.sqrt(T), T)
        Ks.append(K)
        firsts.append(np.full(K.size, np.datetime64(ts.date(), "D")))
    K, first = np.concatenate(Ks), np.concatenate(firsts)
    order = np.lexsort((first, K))
    K, first = K[order], first[order]
    keep = np.r_[True, K[1:] != K[:-1]]
    return K[keep], first[keep]


def _tick_round(price: np.ndarray, up: bool) -> np.ndarray:
    tick = np.where(price < _TICK_SWITCH, _TICK_SMALL, _TICK_LARGE)
    n = np.ceil(price / tick - 1e-9) if up else np.floor(price / tick + 1e-9)
    return np.round(n * tick, 2)


def modelled_quotes(dates: DatesLike, underlying: str = "SPX", *,
                    listing: str = "day") -> pd.DataFrame:
    """Modelled end-of-day quotes of every listed SPX/SPXW option on each of ``dates``.

    Parameters
    ----------
    dates : date-like or sequence of date-like
        S&P 500 trading days, 1999-01-04 (from about two weeks in, for the realised-vol proxy)
        to 2018-12-31.
    underlying : {"SPX"}
    listing : {"day", "held"}
        ``"day"``: each day lists its own strike grid around the forward; ``"held"``: a strike
        stays listed from the first day it was listed for an expiry until that expiry (as
        exchanges list; what multi-day histories use, so a position's strikes stay quoted).

    Returns
    -------
    pandas.DataFrame
        The canonical chain layout, one row per (quote_date, expiry, strike, type), sorted:
        ``quote_date, root ('SPX' monthly AM / 'SPXW' weekly PM), expiry`` (datetime64),
        ``strike`` (index points), ``type`` ('C'/'P'), ``bid, ask`` (index points, on the tick
        grid), ``spot`` (that day's S&P 500 close), ``T`` (years ACT/365), ``iv_model`` (the
        surface's vol before spreads and rounding, decimal). One day's rows go straight into
        ``load_chain(frame, quote_date=day)``.
        ``attrs["market"]`` is :func:`modelled_market` of the dates; ``attrs["labels"]`` maps
        each ISO date to its :func:`modelled_label`.

    Raises
    ------
    DataError
        Unknown underlying, a date that is not an S&P 500 trading day in arch's data, or an
        unknown ``listing``.
    """
    from core.pricing.black_scholes import bs_price      # lazy: keeps `import core.data` light
    from core.surface.ssvi import ssvi_total_variance

    if listing not in ("day", "held"):
        raise DataError(f"listing must be 'day' or 'held', got {listing!r}")
    market = modelled_market(dates, underlying)
    blocks = []
    for ts, row in market.iterrows():
        day = ts.date()
        for exp, root in listed_expiries(day):
            T = (exp - day).days / 365.0
            F = row["spot"] * math.exp((row["r"] - row["q"]) * T)
            sig = float(fit.atm_vol(T, row["sigma_30"]))
            K = listed_strikes(F, sig * math.sqrt(T), T)
            if listing == "held":
                held, first = _held_strikes(exp, underlying)
                K = np.union1d(K, held[first <= np.datetime64(day, "D")])
            blocks.append((ts, root, np.datetime64(exp, "ns"), T, K, sig, row))
    n = np.array([len(b[4]) for b in blocks])
    rep = lambda values: np.repeat(np.asarray(values), n)   # noqa: E731
    qd = rep([b[0].to_datetime64() for b in blocks])
    T = rep([b[3] for b in blocks]).astype(np.float64)
    K = np.concatenate([b[4] for b in blocks])
    sig = rep([b[5] for b in blocks]).astype(np.float64)
    S = rep([b[6]["spot"] for b in blocks]).astype(np.float64)
    r = rep([b[6]["r"] for b in blocks]).astype(np.float64)
    q = rep([b[6]["q"] for b in blocks]).astype(np.float64)
    k = np.log(K / (S * np.exp((r - q) * T)))
    w = ssvi_total_variance(k, sig * sig * T, fit.SSVI_RHO, fit.SSVI_ETA, fit.SSVI_GAMMA)
    iv = np.sqrt(w / T)
    base = pd.DataFrame({"quote_date": qd, "root": rep([b[1] for b in blocks]),
                         "expiry": rep([b[2] for b in blocks]), "strike": K, "spot": S, "T": T,
                         "iv_model": iv, "_r": r, "_q": q})
    frames = []
    for cp in ("C", "P"):
        f = base.assign(type=cp)
        f["_mid"] = bs_price(S, K, T, r, q, iv, cp == "C")
        frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    mid = out["_mid"].to_numpy()
    c = fit.spread_intercept(out["quote_date"])
    half = 0.5 * np.exp(c) * np.maximum(mid, 1e-12) ** fit.SPREAD_BETA
    out["bid"] = _tick_round(mid - half, up=False)
    out["ask"] = _tick_round(mid + half, up=True)
    out = out[out["bid"] >= _TICK_SMALL - 1e-9]
    out = out.sort_values(["quote_date", "expiry", "strike", "type"], kind="stable")
    cols = ["quote_date", "root", "expiry", "strike", "type", "bid", "ask", "spot", "T",
            "iv_model"]
    out = out[cols].reset_index(drop=True)
    out.attrs["market"] = market
    out.attrs["labels"] = {ts.date().isoformat(): modelled_label(ts, src)
                           for ts, src in market["vol_source"].items()}
    return out


def _notes(day: _dt.date, m: pd.Series, frame: pd.DataFrame) -> tuple[str, ...]:
    month = pd.Timestamp(m["rate_month"]).strftime("%Y-%m")
    vol = (f"VIX close {m['vix']:.2f}" if m["vol_source"] == "VIX" else
           f"VIX proxy {m['vix']:.2f} from the S&P 500's 21-day realised vol (no VIX in arch's "
           f"data before 2014-01-03)")
    n_w = frame.loc[frame["root"] == "SPXW", "expiry"].nunique()
    n_m = frame.loc[frame["root"] == "SPX", "expiry"].nunique()
    return (
        f"Modelled chain for {day.isoformat()} (not market quotes): spot {m['spot']:.2f} = the "
        f"S&P 500 close (arch); 30-day ATM vol {m['sigma_30']:.1%} = {fit.VIX_RATIO:.3f} x "
        f"{vol}.",
        f"Surface: fitted term structure and SSVI smile (rho {fit.SSVI_RHO:.3f}, eta "
        f"{fit.SSVI_ETA:.3f}, gamma {fit.SSVI_GAMMA:.2f}) from real SPX 2011 and SPXW 2018 "
        f"chains; bid/ask from a spread model fitted on the same chains, on the SPX tick grid.",
        f"Rate {m['r']:.2%}: the one-month T-bill of {month} (Fama-French RF, arch); dividend "
        f"yield {m['q']:.1%} (flat assumption).",
        f"Listing: {n_m} monthly SPX (3rd Friday) and {n_w} weekly SPXW (Friday) expiries; "
        f"strikes every 5/25/50/100 points by moneyness.",
    )


@functools.lru_cache(maxsize=16)
def _chain(day: _dt.date, underlying: str) -> Chain:
    from core.data.loader import load_chain

    frame = modelled_quotes([day], underlying)
    m = frame.attrs["market"].iloc[0]
    chain = load_chain(frame[["quote_date", "expiry", "strike", "type", "bid", "ask"]],
                       quote_date=day, spot=float(m["spot"]))
    report = dataclasses.replace(chain.report, source_format="modelled (Parity)",
                                 notes=_notes(day, m, frame) + chain.report.notes)
    return dataclasses.replace(chain, report=report,
                               label=modelled_label(day, m["vol_source"]))


def modelled_chain(date: DateLike = DEFAULT_DATE, underlying: str = "SPX") -> Chain:
    """A modelled S&P 500 option chain for a real trading day, as a normal :class:`Chain`.

    Parameters
    ----------
    date : date-like
        An S&P 500 trading day in arch's data (1999-01-04 to 2018-12-31); default
        :data:`DEFAULT_DATE` (2018-12-31, the last day with both the close and VIX).
    underlying : {"SPX"}

    Returns
    -------
    Chain
        Built by :func:`core.data.load_chain` from :func:`modelled_quotes` of that day (so
        forwards, discounts and implied vols are inferred as for an upload). ``chain.label``
        is e.g. ``"modelled chain for 2018-12-31, from the S&P 500 close and VIX"``; the
        report's notes say what was modelled and from which data. Cached (a Chain is immutable).

    Raises
    ------
    DataError
        Unknown underlying, or not a trading day in the data.

    Examples
    --------
    The day the VIX doubled (the S&P 500 closed at 2648.94, down 4.1%):


    >>> chain = modelled_chain("2018-02-05")
    >>> chain.quote_date.isoformat(), round(chain.spot, 2)
    ('2018-02-05', 2648.94)
    >>> chain.label
    'modelled chain for 2018-02-05, from the S&P 500 close and VIX'
    """
    day = _as_dates(date)[0]
    if underlying not in UNDERLYINGS:
        modelled_market([day], underlying)        # raises the readable error
    return _chain(day, underlying)
