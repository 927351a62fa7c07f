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

__all__ = ["factor_returns", "estimate_betas", "factor_stress", "CorrelationStress",
           "correlation_breakdown", "CRISIS_WINDOWS", "VAR_KINDS"]

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
    """Daily simple returns of the S&P 500 (``sp500``) and NASDAQ (``nasdaq``), arch data."""
    return _factor_frame().copy()


def estimate_betas(returns: pd.DataFrame, factors: pd.DataFrame | None = None, *,
                   min_obs: int = 60) -> pd.DataFrame:
    """OLS betas of each column of ``returns`` on ``factors`` (default :func:`factor_returns`).

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
        """JSON-ready dict."""
        return {"table": self.table.reset_index().to_dict("list"),
                "corr_before": self.corr_before.to_dict("split"),
                "corr_after": self.corr_after.to_dict("split"), "alpha": self.alpha,
                "label": self.label}

    @classmethod
    def from_dict(cls, d: dict) -> CorrelationStress:
        """Inverse of :meth:`to_dict`."""
        def split(s):
            return pd.DataFrame(s["data"], index=s["index"], columns=s["columns"])
        return cls(pd.DataFrame(d["table"]).set_index("index"), split(d["corr_before"]),
                   split(d["corr_after"]), d["alpha"], d["label"])


def correlation_breakdown(returns: pd.DataFrame, exposures: dict, *, shrink: float | None = 0.5,
                          window: tuple[str, str] | None = None,
                          base: tuple[str, str] | None = None, alpha: float = 0.99,
                          n_paths: int = 20_000, rng=None) -> CorrelationStress:
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
