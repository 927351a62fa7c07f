"""The stock side of a book: multi-factor stress through estimated betas, and correlation
breakdown with VaR/ES before and after.

* Factors: daily simple returns of the S&P 500 and the NASDAQ Composite adjusted closes
  (``arch.data.sp500``, ``arch.data.nasdaq``, 1999–2018).
* Betas: ordinary least squares of each stock's daily simple return on the factor returns
  (with an intercept) over the days both have data, per stock (ragged histories allowed).
* Factor stress: a stock's move is ``sum_f beta_f * shock_f`` (idiosyncratic part zero); P/L
  is ``shares * price * move``.
* Correlation breakdown: the covariance keeps each stock's volatility and replaces the
  correlation by ``(1 - lam) C + lam * 1`` (shrunk toward perfect correlation) or by the
  correlation of a crisis window (pairs without data in the window keep the full-sample value).
  VaR and ES of the stock P/L (one day, positive losses): ``historical`` (the days' returns,
  re-coloured to the stressed covariance: ``X L_0^{-T} L_1^T`` with Cholesky factors),
  ``parametric`` (normal, :func:`core.risk.var.parametric_var`) and ``mc`` (multivariate normal
  draws with ``rng``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import DataError
from core.portfolio import nearest_psd
from core.risk.var import parametric_cvar, parametric_var, var_cvar
from core._typing import DateLike, RngLike
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.risk.book import Book

__all__ = ["factor_returns", "estimate_betas", "factor_stress", "CorrelationStress",
           "correlation_breakdown", "stock_side", "CRISIS_WINDOWS", "VAR_KINDS",
           "FACTOR_SHOCKS"]

CRISIS_WINDOWS = {"2008 crisis": ("2008-09-01", "2009-03-31"),
                  "2011 downgrade": ("2011-07-25", "2011-10-07"),
                  "2015 China": ("2015-08-10", "2015-09-30"),
                  "Q4 2018": ("2018-10-01", "2018-12-31")}
VAR_KINDS = ("historical", "parametric", "mc")


@functools.lru_cache(maxsize=1)
def _factor_frame() -> pd.DataFrame:
    from arch.data import nasdaq, sp500
    px = pd.concat({"sp500": sp500.load()["Adj Close"], "nasdaq": nasdaq.load()["Adj Close"]},
                   axis=1).astype(float)
    return px.pct_change().dropna()


def factor_returns() -> pd.DataFrame:
    """Daily simple returns of the S&P 500 (``sp500``) and NASDAQ (``nasdaq``), arch data.

    Returns
    -------
    pandas.DataFrame
        Columns ``sp500`` and ``nasdaq``, daily simple returns (decimals) by date; a copy.
    """
    return _factor_frame().copy()


def estimate_betas(returns: pd.DataFrame, factors: pd.DataFrame | None = None, *,
                   min_obs: int = 60) -> pd.DataFrame:
    """OLS betas of each column of ``returns`` on ``factors`` (default :func:`factor_returns`).

    Parameters
    ----------
    returns : pandas.DataFrame
        Daily simple returns (decimals), one column per ticker.
    factors : pandas.DataFrame, optional
        Daily factor returns (decimals), one column per factor.
    min_obs : int
        Fewest common days for a ticker to be estimated.

    Returns
    -------
    DataFrame
        Index: tickers; columns ``alpha``, one beta per factor, ``r2``, ``resid_vol`` (daily),
        ``n_obs``. Tickers with fewer than ``min_obs`` common days are left out.
    """
    F = factor_returns() if factors is None else factors
    rows = {}
    for t in returns.columns:
        df = pd.concat([returns[t].rename("y"), F], axis=1, join="inner").dropna()
        if len(df) < min_obs:
            continue
        y = df["y"].to_numpy()
        X = np.column_stack([np.ones(len(df)), df[F.columns].to_numpy()])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ coef
        r2 = 1.0 - resid.var() / y.var() if y.var() > 0 else 0.0
        rows[t] = {"alpha": coef[0], **dict(zip(F.columns, coef[1:])), "r2": r2,
                   "resid_vol": float(resid.std(ddof=X.shape[1])), "n_obs": len(df)}
    if not rows:
        raise DataError(f"no ticker has {min_obs} days in common with the factors")
    return pd.DataFrame.from_dict(rows, orient="index")


def factor_stress(shares: dict, prices: dict, betas: pd.DataFrame, shocks: dict) -> pd.DataFrame:
    """P/L of stock positions under factor shocks propagated through betas.

    Parameters
    ----------
    shares : dict
        Ticker -> number of shares (negative short).
    prices : dict
        Ticker -> current price.
    betas : DataFrame
        From :func:`estimate_betas`.
    shocks : dict
        Factor -> relative move, e.g. ``{"sp500": -0.10, "nasdaq": -0.15}``.

    Returns
    -------
    DataFrame
        Per ticker: ``exposure`` (currency), ``move`` (relative), ``pnl`` (currency).
    """
    unknown = [f for f in shocks if f not in betas.columns]
    if unknown:
        raise DataError(f"unknown factor(s) {', '.join(unknown)}: choose from "
                        f"{', '.join(c for c in betas.columns if c not in ('alpha', 'r2', 'resid_vol', 'n_obs'))}")
    rows = []
    for t, n in shares.items():
        if t not in betas.index:
            raise DataError(f"no beta for {t}: it has too little history against the factors")
        exp = float(n) * float(prices[t])
        move = float(sum(betas.loc[t, f] * float(s) for f, s in shocks.items()))
        rows.append({"ticker": t, "exposure": exp, "move": move, "pnl": exp * move})
    return pd.DataFrame(rows).set_index("ticker")


@dataclass(frozen=True, slots=True, eq=False)
class CorrelationStress:
    """VaR/ES (positive one-day losses, currency) before and after a correlation breakdown.

    ``table`` has rows ``historical, parametric, mc`` and columns ``var_before, es_before,
    var_after, es_after``; ``corr_before``/``corr_after`` the correlation matrices; ``label``
    how the stressed matrix was built.
    """

    table: pd.DataFrame
    corr_before: pd.DataFrame = field(repr=False)
    corr_after: pd.DataFrame = field(repr=False)
    alpha: float = 0.99
    label: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"table": self.table.reset_index().to_dict("list"),
                "corr_before": self.corr_before.to_dict("split"),
                "corr_after": self.corr_after.to_dict("split"), "alpha": self.alpha,
                "label": self.label}

    @classmethod
    def from_dict(cls, d: dict) -> CorrelationStress:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        CorrelationStress
        """
        def split(s):
            return pd.DataFrame(s["data"], index=s["index"], columns=s["columns"])
        return cls(pd.DataFrame(d["table"]).set_index("index"), split(d["corr_before"]),
                   split(d["corr_after"]), d["alpha"], d["label"])


def correlation_breakdown(returns: pd.DataFrame, exposures: dict, *, shrink: float | None = 0.5,
                          window: tuple[str, str] | None = None,
                          base: tuple[str, str] | None = None, alpha: float = 0.99,
                          n_paths: int = 20_000, rng: RngLike = None) -> CorrelationStress:
    """VaR/ES of stock exposures before and after a correlation breakdown (module docstring).

    Parameters
    ----------
    returns : DataFrame
        Daily simple returns, one column per ticker (rows with gaps are dropped for the
        historical and base estimates).
    exposures : dict
        Ticker -> currency exposure (shares x price).
    shrink : float, optional
        ``lam`` in [0, 1]: correlations shrunk toward 1. Ignored when ``window`` is given.
    window : (str, str), optional
        Crisis window (ISO dates) whose correlation matrix replaces today's.
    base : (str, str), optional
        Window of the "before" estimates and the historical days (default: all rows).
    alpha : float
        Confidence level of VaR/ES, e.g. 0.99.
    n_paths : int
        Monte Carlo scenarios of the stressed (non-historical) estimates.
    rng : numpy.random.Generator, int or None
        Randomness of the Monte Carlo draws.

    Returns
    -------
    CorrelationStress
        VaR/ES (positive one-day losses, currency) before and after the correlation change.
    """
    tick = [t for t in exposures if t in returns.columns]
    if not tick:
        raise DataError("none of the exposures' tickers has return data")
    R = (returns[tick] if base is None else returns[tick].loc[base[0]:base[1]]).dropna()
    if len(R) < 30:
        raise DataError(f"only {len(R)} days with data for all of {', '.join(tick)}: need 30")
    w = np.array([float(exposures[t]) for t in tick])
    X = R.to_numpy()
    mu = X.mean(0)
    C0 = np.cov(X.T).reshape(len(tick), len(tick))
    sd = np.sqrt(np.diag(C0))
    corr0 = C0 / np.outer(sd, sd)
    if window is not None:
        W = returns[tick].loc[window[0]:window[1]]
        cw = W.corr(min_periods=10).to_numpy()
        corr1 = np.where(np.isfinite(cw), cw, corr0)
        label = f"correlations of {window[0]}..{window[1]}"
    else:
        lam = 0.5 if shrink is None else float(shrink)
        if not 0.0 <= lam <= 1.0:
            raise DataError(f"shrink must be in [0, 1], got {shrink}")
        corr1 = (1 - lam) * corr0 + lam * np.ones_like(corr0)
        label = f"correlations shrunk {lam:.0%} toward 1"
    np.fill_diagonal(corr1, 1.0)
    C1 = nearest_psd(np.outer(sd, sd) * corr1)
    g = np.random.default_rng(rng)
    out = {}
    L0 = np.linalg.cholesky(C0 + 1e-14 * np.eye(len(tick)))
    L1 = np.linalg.cholesky(C1 + 1e-12 * np.eye(len(tick)))
    Z = (X - mu) @ np.linalg.inv(L0).T                       # whitened history
    hist = {"before": X @ w, "after": (mu + Z @ L1.T) @ w}
    for kind in VAR_KINDS:
        vals = []
        for which, C in (("before", C0), ("after", C1)):
            if kind == "historical":
                v, e = var_cvar(hist[which], alpha)
            elif kind == "parametric":
                m, s = float(mu @ w), float(np.sqrt(max(w @ C @ w, 0.0)))
                v, e = parametric_var(m, s, alpha), parametric_cvar(m, s, alpha)
            else:
                draws = g.multivariate_normal(mu, C, size=n_paths) @ w
                v, e = var_cvar(draws, alpha)
            vals += [v, e]
        out[kind] = vals
    table = pd.DataFrame.from_dict(out, orient="index",
                                   columns=["var_before", "es_before", "var_after", "es_after"])
    return CorrelationStress(table, pd.DataFrame(corr0, index=tick, columns=tick),
                             pd.DataFrame(corr1, index=tick, columns=tick), alpha, label)


#: Factor shocks of the stock-side stress besides the historical days.
FACTOR_SHOCKS = {"S&P -10%, NASDAQ -15%": {"sp500": -0.10, "nasdaq": -0.15},
                 "S&P -20%, NASDAQ -30%": {"sp500": -0.20, "nasdaq": -0.30},
                 "NASDAQ -10%, S&P flat": {"sp500": 0.0, "nasdaq": -0.10}}


def stock_side(book: Book, prices: pd.DataFrame | None = None, *, alpha: float = 0.99,
               rng: RngLike = None,
               skip: Sequence[str] = ("SPX", "SPXW", "SPXPM", "^GSPC"),
               asof: DateLike | None = None) -> dict | None:
    """Factor stress and correlation breakdown of the book's single-stock positions.

    Prices default to :func:`core.data.sample_prices` (valued at each ticker's last close);
    factor shocks are :data:`FACTOR_SHOCKS` plus the S&P 500 / NASDAQ moves of
    :data:`core.risk.historical.HISTORICAL_DATES` (arch data); correlation breakdown shrinks
    correlations 50% toward 1 and uses the 2008 crisis window, against the last two years.
    Returns None when the book holds no single stocks; tickers without prices get a message.

    Parameters
    ----------
    book : Book
        The book; only its stock positions are used.
    prices : pandas.DataFrame, optional
        Daily closes, dates × tickers (currency); default the embedded sample prices.
    alpha : float
        Confidence level of the correlation-breakdown VaR/ES.
    rng : numpy.random.Generator, int or None
        Randomness of the Monte Carlo draws.
    skip : sequence of str
        Symbols that are index underlyings, not single stocks.
    asof : date-like, optional
        The book's valuation date: stocks are valued at their closes on or before it and only
        the history up to it is used (the options' market date, so the two sides of the book
        are valued on the same day). Default: each ticker's last close.

    Returns
    -------
    dict or None
        ``tickers``, ``shares``, ``prices`` (last closes, currency), ``asof`` (ISO date),
        ``betas`` (records of ticker, sp500, nasdaq, r2), ``factor_stress`` (P/L per shock,
        currency), ``correlation`` (VaR/ES tables by method, currency), ``messages`` and
        ``source``; ``None`` without single stocks.
    """
    from core.risk.historical import HISTORICAL_DATES

    shares: dict[str, float] = {}
    for p in book.positions:
        if p.kind == "stock" and p.underlying.upper() not in skip:
            shares[p.underlying] = shares.get(p.underlying, 0.0) + p.quantity * p.multiplier
    if not shares:
        return None
    if prices is None:
        from core.data import sample_prices
        prices = sample_prices()
    if asof is not None:
        prices = prices.loc[:pd.Timestamp(asof)]
    msgs = [f"{t}: no price history in the stock data"
            + (f" on or before {pd.Timestamp(asof).date()}" if asof is not None else "")
            + " — left out of the stock-side stress."
            for t in shares if t not in prices.columns or prices[t].dropna().empty]
    shares = {t: n for t, n in shares.items() if t in prices.columns and not prices[t].dropna().empty}
    if not shares:
        return {"messages": msgs, "tickers": []}
    last = {t: float(prices[t].dropna().iloc[-1]) for t in shares}
    asof = {t: prices[t].dropna().index[-1].date().isoformat() for t in shares}
    rets = prices[list(shares)].pct_change(fill_method=None)
    betas = estimate_betas(rets)
    F = factor_returns()
    shocks = dict(FACTOR_SHOCKS)
    for d, label in HISTORICAL_DATES.items():
        if pd.Timestamp(d) in F.index:
            shocks[f"{d} {label}"] = {k: float(v) for k, v in F.loc[d].items()}
    tick = [t for t in shares if t in betas.index]
    rows = []
    for name, sh in shocks.items():
        res = factor_stress({t: shares[t] for t in tick}, last, betas, sh)
        rows.append({"name": name, "sp500": sh["sp500"], "nasdaq": sh["nasdaq"],
                     "pnl": float(res["pnl"].sum()),
                     "by_ticker": {t: float(v) for t, v in res["pnl"].items()}})
    exposures = {t: shares[t] * last[t] for t in tick}
    end = max(asof.values())
    base = ((pd.Timestamp(end) - pd.DateOffset(years=2)).date().isoformat(), end)
    corr = {}
    for label, kw in (("shrink 50% toward 1", {"shrink": 0.5}),
                      ("2008 crisis correlations", {"window": CRISIS_WINDOWS["2008 crisis"]})):
        try:
            cs = correlation_breakdown(rets, exposures, base=base, alpha=alpha, rng=rng, **kw)
            corr[label] = cs.table.reset_index().rename(columns={"index": "method"}) \
                .to_dict("records")
        except DataError as exc:
            msgs.append(f"Correlation breakdown ({label}): {exc}")
    return {"tickers": tick, "shares": {t: shares[t] for t in tick}, "prices": last,
            "asof": end, "betas": betas.loc[tick, ["sp500", "nasdaq", "r2"]].reset_index()
            .rename(columns={"index": "ticker"}).to_dict("records"),
            "factor_stress": rows, "correlation": corr, "messages": msgs,
            "source": f"betas: OLS of daily returns on S&P 500 and NASDAQ (arch.data) over "
                      f"each stock's history; prices: sample closes to {end}"}
