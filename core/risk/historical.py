"""Historical scenarios from real data, and the option book's VaR/ES on historical moves.

Sources
-------
* S&P 500 daily moves: ``arch.data.sp500`` (daily OHLC and adjusted close, 1999-01-04 to
  2018-12-31; the ``arch`` package, University of Oxford / K. Sheppard, NCSA licence). A
  scenario's spot move is ``AdjClose(d) / AdjClose(previous trading day) - 1``.
* VIX moves: ``arch.data.vix`` (closes 2014-01-03 to 2019-01-03). The parallel vol shock is the
  VIX change in points / 100 where the data covers the date; otherwise none (the scenario says
  so in its source).
* 5 Feb 2018 surface: the SPXW chains of 2 and 5 Feb 2018 (``spxw_2018-01_02.csv``, a
  historicaloptiondata sample), each fitted with SVI; :func:`measure_surface_shock` derives the
  spot move, the ATM vol change and the skew change at the common expiry (2018-02-28). Only the
  resulting numbers are kept here (:data:`FEB_2018_SURFACE`); a test re-derives them from the
  file. The file holds one expiry on those dates, so the term tilt is not measured (0).
* Outside the data: 6 May 2010 (flash crash) and 16 Mar 2020 (COVID) use published closes:
  S&P 500 1165.87 -> 1128.15 (-3.24%) with VIX 24.91 -> 32.80, and 2711.02 -> 2386.13
  (-11.98%) with VIX 57.83 -> 82.69 (S&P Dow Jones Indices and Cboe daily closes, as reported).
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from core.errors import DataError
from core.risk.scenarios import Scenario
from core.risk.valuation import pnl_matrix, prepare
from core.risk.var import parametric_cvar, parametric_var, var_cvar
from core._typing import DateLike, RngLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.data.chain import Chain
    from core.risk.book import Book
    from core.risk.market import Market

__all__ = ["HISTORICAL_DATES", "FEB_2018_SURFACE", "PUBLISHED", "sp500_returns", "vix_changes",
           "historical_scenario", "historical_scenarios", "measure_surface_shock",
           "book_var", "daily_moves"]

#: Days of the built-in historical set (all inside arch's S&P 500 data).
HISTORICAL_DATES = {
    "2008-09-29": "Lehman / TARP vote fails",
    "2008-10-13": "Oct 2008 rebound",
    "2008-10-15": "Oct 2008 crash",
    "2011-08-08": "US downgrade",
    "2015-08-24": "China devaluation sell-off",
    "2018-02-05": "Volmageddon",
    "2018-12-24": "Dec 2018 sell-off",
}

#: Measured on the SPXW chains of 2018-02-02 and 2018-02-05 (SVI fits, expiry 2018-02-28):
#: spot move, ATM vol change and skew change (vol per 10% of log-moneyness, positive = puts
#: richer) — re-derived from the file by tests/core/risk/test_historical.py.
FEB_2018_SURFACE = {"spot": -0.040899, "vol": 0.173640, "skew": 0.085476, "term": 0.0}

PUBLISHED = (
    Scenario(spot=1128.15 / 1165.87 - 1, vol=(32.80 - 24.91) / 100, days=1,
             name="2010-05-06 flash crash (published)",
             source="published closes: S&P 500 1165.87 -> 1128.15, VIX 24.91 -> 32.80"),
    Scenario(spot=2386.13 / 2711.02 - 1, vol=(82.69 - 57.83) / 100, days=3,
             name="2020-03-16 COVID crash (published)",
             source="published closes: S&P 500 2711.02 -> 2386.13, VIX 57.83 -> 82.69"),
)


@functools.lru_cache(maxsize=1)
def _sp500() -> pd.Series:
    from arch.data import sp500
    return sp500.load()["Adj Close"].astype(float)


@functools.lru_cache(maxsize=1)
def _vix() -> pd.Series:
    from arch.data import vix
    return vix.load()["vix"].astype(float)


def sp500_returns() -> pd.Series:
    """Daily simple returns of the S&P 500 adjusted close (arch.data.sp500).

    Returns
    -------
    pandas.Series
        Daily simple returns (decimals) by date.
    """
    return _sp500().pct_change().dropna()


def vix_changes() -> pd.Series:
    """Daily VIX changes in index points (arch.data.vix).

    Returns
    -------
    pandas.Series
        Daily change of the VIX close by date, index points (1.0 = one vol point).
    """
    return _vix().diff().dropna()


def historical_scenario(date: DateLike, name: str = "") -> Scenario:
    """The S&P 500 move of ``date`` (vs the previous trading day) and, where arch's VIX data
    covers it, the VIX change as a parallel vol shock; ``days`` = calendar days elapsed.

    Parameters
    ----------
    date : date-like
        A trading day in arch's S&P 500 data, not its first.
    name : str
        Label; default the :data:`HISTORICAL_DATES` name of the day, else the shocks.

    Returns
    -------
    Scenario
        ``spot`` relative move, ``vol`` the VIX change / 100 (decimal), ``days`` calendar days.

    Raises
    ------
    DataError
        ``date`` is not a trading day of the data, or is its first day.
    """
    d = pd.Timestamp(date)
    px = _sp500()
    if d not in px.index:
        raise DataError(f"date {d.date()} is not a trading day in arch's S&P 500 data "
                        f"({px.index[0].date()} to {px.index[-1].date()})")
    i = px.index.get_loc(d)
    if i == 0:
        raise DataError(f"date {d.date()} is the first day of the data: no previous close")
    prev = px.index[i - 1]
    ret = float(px.iloc[i] / px.iloc[i - 1] - 1.0)
    vx = _vix()
    src = f"arch.data.sp500 Adj Close {prev.date()} -> {d.date()}"
    dv = 0.0
    if d in vx.index and prev in vx.index:
        dv = float(vx.loc[d] - vx.loc[prev]) / 100.0
        src += f"; arch.data.vix {vx.loc[prev]:.2f} -> {vx.loc[d]:.2f}"
    else:
        src += "; no VIX data for this date (vol unchanged)"
    label = name or HISTORICAL_DATES.get(d.date().isoformat(), "")
    return Scenario(spot=ret, vol=dv, days=float((d - prev).days),
                    name=f"{d.date()} {label}".strip(), source=src)


def historical_scenarios(*, include_published: bool = True,
                         include_surface: bool = True) -> list[Scenario]:
    """The built-in historical set: :data:`HISTORICAL_DATES`, the measured 5 Feb 2018 surface
    change and (optionally) the published May 2010 / March 2020 moves.

    Parameters
    ----------
    include_published : bool
        Add the published May 2010 / March 2020 moves (outside arch's data).
    include_surface : bool
        Add the measured 2018-02-05 SPXW surface change (spot, vol and skew shocks).

    Returns
    -------
    list of Scenario
        In :class:`Scenario` units (spot relative, vol decimal, days calendar).
    """
    out = [historical_scenario(d) for d in HISTORICAL_DATES]
    if include_surface:
        out.append(Scenario(**FEB_2018_SURFACE, days=3,
                            name="2018-02-05 measured SPXW surface change",
                            source="SVI fits of SPXW chains 2018-02-02 and 2018-02-05 "
                                   "(spxw_2018-01_02.csv), expiry 2018-02-28"))
    if include_published:
        out.extend(PUBLISHED)
    return out


def measure_surface_shock(before: Chain, after: Chain, *, surface: str = "svi") -> dict:
    """Spot move, ATM vol change and skew change between two chains at their first common
    fitted expiry.

    ATM vol is the fitted vol at ``K = F``; skew is ``(vol(k=-0.1) - vol(k=+0.1)) / 2`` (vol
    per 10% of log-moneyness, positive when puts are richer), both on the expiry's slice.

    Parameters
    ----------
    before, after : Chain
        The chains of the two dates.
    surface : str
        Surface fitted to each chain (a key of :data:`core.risk.market.SURFACES`).

    Returns
    -------
    dict
        ``spot`` (relative), ``vol`` and ``skew`` (decimal changes), ``term`` (0: not measured
        with one expiry), ``expiry`` (ISO date), and the levels before and after.
    """
    from core.risk.market import SURFACES

    fits = [SURFACES[surface](c) for c in (before, after)]
    exps = [set(pd.Timestamp(e).date() for e in f.params["expiry"]) for f in fits]
    common = sorted(exps[0] & exps[1])
    if not common:
        raise DataError("the two chains share no fitted expiry: cannot measure a surface change")
    e = common[0]
    levels = []
    for chain, fit in zip((before, after), fits):
        T = (e - chain.quote_date).days / 365.0
        F = float(fit.forward(T))
        v = fit.implied_vol(F * np.exp(np.array([-0.1, 0.0, 0.1])), T)
        levels.append({"atm": float(v[1]), "skew": float((v[0] - v[2]) / 2), "T": T})
    return {"spot": float(after.spot / before.spot - 1.0),
            "vol": levels[1]["atm"] - levels[0]["atm"],
            "skew": levels[1]["skew"] - levels[0]["skew"], "term": 0.0,
            "expiry": e.isoformat(), "before": levels[0], "after": levels[1]}


def daily_moves(start: str = "2014-01-06", end: str = "2018-12-31") -> pd.DataFrame:
    """Joint daily S&P 500 returns (``spot``) and VIX changes / 100 (``vol``) on the days both
    arch series cover (default: the whole VIX span).

    Parameters
    ----------
    start, end : str
        ISO dates of the window (inclusive).

    Returns
    -------
    pandas.DataFrame
        Columns ``spot`` (simple return, decimal) and ``vol`` (VIX change / 100, decimal vol)
        by date.

    Raises
    ------
    DataError
        When the window holds fewer than 20 common days.
    """
    r = sp500_returns()
    v = vix_changes() / 100.0
    df = pd.concat({"spot": r, "vol": v}, axis=1, join="inner").loc[start:end]
    if len(df) < 20:
        raise DataError(f"fewer than 20 joint days of S&P 500 and VIX data in {start}..{end}")
    return df


def book_var(book: Book, market: Market, *, method: str = "historical", alpha: float = 0.99,
             start: str = "2014-01-06", end: str = "2018-12-31", n_paths: int = 20_000,
             rng: RngLike = None) -> dict:
    """One-day VaR and ES of an option book (positive losses, currency).

    ``historical``: every joint S&P 500 / VIX day in ``start..end`` replayed on today's book by
    full revaluation (spot move, parallel vol shift, one day passing). ``mc``: the same full
    revaluation on ``n_paths`` draws of a bivariate normal with the days' mean and covariance.
    ``parametric``: delta-gamma-vega normal with that covariance (VaR = z s - mu).

    Parameters
    ----------
    book : Book
    market : Market
    method : {"historical", "mc", "parametric"}
    alpha : float
        Confidence level in (0, 1).
    start, end : str
        ISO dates bounding the S&P 500 / VIX days used.
    n_paths : int
        Draws for ``method="mc"``.
    rng : numpy.random.Generator, int or None
        Randomness for ``method="mc"``.

    Returns
    -------
    dict
        ``method``, ``alpha``, ``var`` and ``es`` (one-day, positive losses, currency), ``n``
        (days or draws) and ``source`` (the data used).

    Raises
    ------
    DataError
        Unknown ``method`` or ``alpha`` outside (0, 1).
    """
    if method not in ("historical", "mc", "parametric"):
        raise DataError(f"method must be historical, mc or parametric, got {method!r}")
    moves = daily_moves(start, end)
    X = moves[["spot", "vol"]].to_numpy()
    if method in ("historical", "mc"):
        if method == "mc":
            g = np.random.default_rng(rng)
            X = g.multivariate_normal(X.mean(0), np.cov(X.T), size=n_paths)
            X[:, 0] = np.maximum(X[:, 0], -0.99)
        z = np.zeros(len(X))
        P = prepare(book, market)
        pnl = pnl_matrix(P, X[:, 0], X[:, 1], z, z, z + 1.0, z).sum(axis=1)
    else:
        from core.risk.greeks import book_greeks
        t = book_greeks(book, market, shadow=False).totals
        # P/L ~ delta$ r + gamma$ r^2 * 50 + vega_pt * dv * 100 + theta
        a = np.array([t["delta"], t["vega"] * 100.0])
        C = np.cov(X.T)
        mean = float(a @ X.mean(0) + t["theta"] + t["gamma"] * 50.0 * C[0, 0])
        var_lin = float(a @ C @ a) + 0.5 * (t["gamma"] * 100.0 * C[0, 0]) ** 2
        sd = math.sqrt(max(var_lin, 0.0))
        return {"method": method, "alpha": alpha, "var": parametric_var(mean, sd, alpha),
                "es": parametric_cvar(mean, sd, alpha), "n": len(X),
                "source": f"delta-gamma-vega normal, S&P 500 / VIX {start}..{end} (arch)"}
    v, es = var_cvar(pnl, alpha)
    return {"method": method, "alpha": alpha, "var": v, "es": es, "n": int(len(pnl)),
            "source": f"S&P 500 / VIX daily moves {moves.index[0].date()}..{moves.index[-1].date()}"
                      f" (arch.data), full revaluation"}
