"""Performance metrics of an equity curve and of a trade list.

Conventions (those of ``empyrical``, the usual reference): daily simple returns of the equity
curve, risk-free rate 0, ``periods`` (252) returns a year; volatility and Sharpe use the sample
standard deviation (ddof = 1); Sortino's downside deviation is ``sqrt(mean(min(r, 0)^2))``;
CAGR compounds over ``len(returns) / periods`` years; Calmar is CAGR over the absolute maximum
drawdown; drawdowns are fractions of the running peak (negative), their duration in periods from
the peak to the recovery (or to the end when not recovered).
"""
from __future__ import annotations

import math

import numpy as np

from core._typing import ArrayLike

__all__ = ["performance", "trade_stats", "drawdown", "sharpe", "PERIODS"]

PERIODS: int = 252


def drawdown(equity: ArrayLike) -> np.ndarray:
    """Drawdown of an equity curve: ``equity / running max - 1`` (<= 0).

    Parameters
    ----------
    equity : array_like
        Account equity per period, $ (positive).

    Returns
    -------
    ndarray of float64
        Drawdown per period, decimal (-0.1 = 10 % below the running peak; 0 at a new peak).
    """
    e = np.asarray(equity, dtype=np.float64)
    return e / np.maximum.accumulate(e) - 1.0


def sharpe(returns: ArrayLike, periods: int = PERIODS) -> float:
    """Annualised Sharpe ratio of periodic returns (rf = 0, ddof = 1); NaN with < 2 returns or
    zero volatility.

    Parameters
    ----------
    returns : array_like
        Simple returns per period, decimal (0.01 = 1 %).
    periods : int, default PERIODS
        Periods per year (252 for daily returns).

    Returns
    -------
    float
        ``mean / std * sqrt(periods)``, per year (dimensionless); NaN when undefined.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.size < 2:
        return math.nan
    sd = r.std(ddof=1)
    return float(r.mean() / sd * math.sqrt(periods)) if sd > 0 else math.nan


def performance(equity: ArrayLike, periods: int = PERIODS) -> dict:
    """Return and risk metrics of an equity curve.

    Parameters
    ----------
    equity : array_like
        Equity per period (currency), > 0.
    periods : int
        Periods a year.

    Returns
    -------
    dict
        ``total_return``, ``cagr``, ``volatility`` (annualised), ``sharpe``, ``sortino``,
        ``calmar``, ``max_drawdown`` (fraction, <= 0), ``max_drawdown_days`` (periods),
        all as decimals; NaN where undefined.
    """
    e = np.asarray(equity, dtype=np.float64)
    out = dict.fromkeys(("total_return", "cagr", "volatility", "sharpe", "sortino", "calmar",
                         "max_drawdown", "max_drawdown_days"), math.nan)
    if e.size < 2 or not np.all(np.isfinite(e)) or np.any(e <= 0):
        if e.size >= 1 and np.all(np.isfinite(e)) and e[0] > 0:
            out["total_return"] = float(e[-1] / e[0] - 1.0)
        return out
    r = e[1:] / e[:-1] - 1.0
    total = e[-1] / e[0] - 1.0
    years = r.size / periods
    out["total_return"] = float(total)
    out["cagr"] = float((1.0 + total) ** (1.0 / years) - 1.0)
    out["volatility"] = float(r.std(ddof=1) * math.sqrt(periods)) if r.size > 1 else math.nan
    out["sharpe"] = sharpe(r, periods)
    down = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2))) * math.sqrt(periods)
    out["sortino"] = float(r.mean() * periods / down) if down > 0 else math.nan
    dd = drawdown(e)
    mdd = float(dd.min())
    out["max_drawdown"] = mdd
    out["calmar"] = float(out["cagr"] / -mdd) if mdd < 0 else math.nan
    out["max_drawdown_days"] = float(_longest_underwater(dd))
    return out


def _longest_underwater(dd: np.ndarray) -> int:
    """Longest run of periods below a previous peak (peak to recovery or to the end)."""
    best = run = 0
    for under in dd < 0:
        run = run + 1 if under else 0
        best = max(best, run)
    return best


def trade_stats(pnl: ArrayLike, days_held: ArrayLike, n_open: ArrayLike | None = None) -> dict:
    """Trade statistics: ``n_trades``, ``win_rate``, ``profit_factor`` (gross wins / gross
    losses), ``avg_win``, ``avg_loss`` (currency, loss negative), ``avg_days_held`` and
    ``exposure`` (fraction of periods with a position open, from ``n_open``).

    Parameters
    ----------
    pnl : array_like
        Realised P&L per closed trade, $.
    days_held : array_like
        Calendar days each trade was held, days.
    n_open : array_like, optional
        Number of open positions per period; without it ``exposure`` is NaN.

    Returns
    -------
    dict
        ``n_trades`` (int), ``win_rate`` (decimal), ``profit_factor`` (ratio), ``avg_win`` and
        ``avg_loss`` ($), ``avg_days_held`` (days), ``exposure`` (decimal).
    """
    p = np.asarray(pnl, dtype=np.float64)
    d = np.asarray(days_held, dtype=np.float64)
    out = {"n_trades": float(p.size), "win_rate": math.nan, "profit_factor": math.nan,
           "avg_win": math.nan, "avg_loss": math.nan, "avg_days_held": math.nan,
           "exposure": math.nan}
    if n_open is not None and len(n_open):
        out["exposure"] = float(np.mean(np.asarray(n_open) > 0))
    if p.size == 0:
        return out
    wins, losses = p[p > 0], p[p < 0]
    out["win_rate"] = float(wins.size / p.size)
    gl = -losses.sum()
    out["profit_factor"] = float(wins.sum() / gl) if gl > 0 else math.inf if wins.size else math.nan
    out["avg_win"] = float(wins.mean()) if wins.size else math.nan
    out["avg_loss"] = float(losses.mean()) if losses.size else math.nan
    out["avg_days_held"] = float(d.mean())
    return out
