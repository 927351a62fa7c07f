"""Periodic-rebalance backtest of fixed target weights against equal weight on the same data.

Between rebalance dates the holdings drift with prices; on the last trading day of each month
(or quarter) they are traded back to the targets, paying ``cost`` per unit of traded value
(proportional costs, e.g. 0.001 = 10 bp of turnover). The initial allocation pays the same
cost. Weights that do not sum to one leave the remainder in cash earning ``rf`` (negative:
borrowed at ``rf``). The equal-weight benchmark holds the ``benchmark`` assets (by default the
held ones; pass the whole chosen universe so it does not depend on the optimiser's choice),
rebalanced on the same dates with the same costs, over the same common window.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.data.prices import returns as _period_returns
from core.errors import DataError
from core.portfolio._inputs import as_weights, finite_scalar
from core._typing import WeightsLike

__all__ = ["Performance", "RebalanceResult", "rebalance_backtest", "performance_stats",
           "REBALANCE_RULES"]

#: Accepted rebalance frequencies.
REBALANCE_RULES = {"M": "ME", "Q": "QE"}
_TRADING_DAYS = 252


@dataclass(frozen=True, slots=True)
class Performance:
    """Summary statistics of an equity curve (decimals, per year where annualised)."""

    ann_return: float        # CAGR, decimal per year
    ann_vol: float           # std of daily returns × √252
    sharpe: float            # (mean daily excess return × 252) / ann_vol
    max_drawdown: float      # largest peak-to-trough fall, positive decimal
    turnover: float          # traded value per year, decimals of capital (one-way sum |Δw|)
    costs: float             # total costs paid, decimals of initial capital (approximate)

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {k: getattr(self, k) for k in self.__slots__}

    @classmethod
    def from_dict(cls, d: dict) -> Performance:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Performance
        """
        return cls(**{k: float(d[k]) for k in cls.__slots__})


@dataclass(frozen=True, slots=True)
class RebalanceResult:
    """Equity curves (start at 1.0) of the weights and of equal weight, with statistics."""

    dates: np.ndarray              # datetime64[D], (T,)
    equity: np.ndarray             # (T,) portfolio value, 1.0 at the start
    benchmark: np.ndarray          # (T,) equal-weight value
    tickers: tuple[str, ...]
    weights: np.ndarray            # target weights (n,)
    rebalance: str
    cost: float
    stats: Performance
    benchmark_stats: Performance
    notes: tuple[str, ...] = ()

    def frame(self) -> pd.DataFrame:
        """Equity curves as a DataFrame indexed by date (columns ``portfolio``,
        ``equal_weight``).

        Returns
        -------
        pandas.DataFrame
            Portfolio values (currency of the start capital).
        """
        return pd.DataFrame({"portfolio": self.equity, "equal_weight": self.benchmark},
                            index=pd.DatetimeIndex(self.dates, name="date"))

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"dates": [str(d) for d in self.dates.astype("datetime64[D]")],
                "equity": self.equity.tolist(), "benchmark": self.benchmark.tolist(),
                "tickers": list(self.tickers), "weights": self.weights.tolist(),
                "rebalance": self.rebalance, "cost": self.cost,
                "stats": self.stats.to_dict(), "benchmark_stats": self.benchmark_stats.to_dict(),
                "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d: dict) -> RebalanceResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        RebalanceResult
        """
        return cls(dates=np.array(d["dates"], dtype="datetime64[D]"),
                   equity=np.asarray(d["equity"], dtype=np.float64),
                   benchmark=np.asarray(d["benchmark"], dtype=np.float64),
                   tickers=tuple(d["tickers"]), weights=np.asarray(d["weights"], dtype=float),
                   rebalance=d["rebalance"], cost=float(d["cost"]),
                   stats=Performance.from_dict(d["stats"]),
                   benchmark_stats=Performance.from_dict(d["benchmark_stats"]),
                   notes=tuple(d.get("notes", ())))


def performance_stats(equity: np.ndarray, *, rf: float = 0.0, turnover: float = 0.0,
                      costs: float = 0.0) -> Performance:
    """Annualised return, volatility, Sharpe and max drawdown of a daily equity curve.

    Parameters
    ----------
    equity : numpy.ndarray
        Portfolio value each trading day (any currency unit), at least two finite values.
    rf : float
        Risk-free rate, decimal per year (compounded daily over 252 days for the Sharpe ratio).
    turnover : float
        Traded value per year, decimals of capital, reported as given.
    costs : float
        Total costs paid, decimals of initial capital, reported as given.

    Returns
    -------
    Performance
        CAGR and volatility (decimals per year, 252 days), Sharpe ratio, max drawdown (positive
        decimal), turnover and costs.

    Raises
    ------
    DataError
        Fewer than two values, or a value that is not finite.
    """
    v = np.asarray(equity, dtype=np.float64)
    if v.size < 2 or np.any(~np.isfinite(v)):
        raise DataError("the equity curve needs at least 2 finite values")
    r = v[1:] / v[:-1] - 1.0
    years = r.size / _TRADING_DAYS
    ann_ret = (v[-1] / v[0]) ** (1.0 / years) - 1.0 if v[-1] > 0 else -1.0
    vol = float(r.std(ddof=1) * np.sqrt(_TRADING_DAYS)) if r.size > 1 else 0.0
    rf_daily = (1.0 + rf) ** (1.0 / _TRADING_DAYS) - 1.0
    sharpe = float((r.mean() - rf_daily) * _TRADING_DAYS / vol) if vol > 0 else float("nan")
    dd = float(np.max(1.0 - v / np.maximum.accumulate(v)))
    return Performance(ann_return=float(ann_ret), ann_vol=vol, sharpe=sharpe,
                       max_drawdown=dd, turnover=float(turnover), costs=float(costs))


def _simulate(R: np.ndarray, target: np.ndarray, starts: np.ndarray, cost: float,
              rf_daily: float) -> tuple[np.ndarray, float, float]:
    """Value path of buy-and-hold segments re-balanced to ``target`` at each start index.

    R: (T, n) simple returns of day t (from t-1 to t); the portfolio is set at the close of
    day ``starts[k] - 1`` (day 0 for the first segment) and held until the next start.
    """
    T, n = R.shape
    values = np.empty(T + 1)
    values[0] = 1.0
    cash_w = 1.0 - target.sum()
    drift = np.zeros(n)                  # current weights before trading (none at inception)
    v, traded, paid = 1.0, 0.0, 0.0
    bounds = list(starts) + [T]
    for k in range(len(starts)):
        a, b = bounds[k], bounds[k + 1]
        trade = np.abs(target - drift).sum()
        traded += trade
        paid += v * cost * trade
        v *= 1.0 - cost * trade
        growth = np.cumprod(1.0 + R[a:b], axis=0)                # (len, n)
        cash = (1.0 + rf_daily) ** np.arange(1, b - a + 1)
        path = v * (growth @ target + cash_w * cash)
        values[a + 1:b + 1] = path
        end_v = path[-1]
        if end_v <= 0:
            values[b + 1:] = 0.0
            return values, traded, paid
        drift = v * target * growth[-1] / end_v
        v = end_v
    return values, traded, paid


def rebalance_backtest(prices: pd.DataFrame, weights: WeightsLike, *, rebalance: str = 'M',
                       cost: float = 0.0, rf: float = 0.0,
                       benchmark: Sequence[str] | None = None) -> RebalanceResult:
    """Backtest fixed target weights with periodic rebalancing, against equal weight.

    Parameters
    ----------
    prices : pandas.DataFrame
        Daily prices, dates × tickers (ragged allowed).
    weights : Series or dict by ticker
        Target weights; tickers with weight 0 are ignored. The remainder 1 - Σw is cash.
    rebalance : {"M", "Q"}
        Rebalance at the last trading day of each month or quarter.
    cost : float
        Proportional cost per unit of traded value (decimal; 0.001 = 10 bp).
    rf : float
        Cash rate, decimal per year (also the Sharpe ratio's risk-free rate).
    benchmark : sequence of str, optional
        Tickers of the equal-weight benchmark (e.g. the chosen universe); default the assets
        with a non-zero weight. The common window then covers these too.

    Returns
    -------
    RebalanceResult
        Equity curves starting at 1.0 on the first common date, statistics of both.
    """
    rule = str(rebalance).upper()
    if rule not in REBALANCE_RULES:
        raise DataError(f"rebalance must be 'M' (monthly) or 'Q' (quarterly), got {rebalance!r}")
    cost = finite_scalar("cost", cost, lo=0, hi=0.5)
    rf = finite_scalar("rf", rf, lo=-0.5, hi=1.0)
    if not isinstance(prices, pd.DataFrame) or not isinstance(prices.index, pd.DatetimeIndex):
        raise DataError("prices must be a DataFrame with a DatetimeIndex (use load_prices)")
    tickers_all = tuple(str(c) for c in prices.columns)
    if not isinstance(weights, (pd.Series, dict)) and hasattr(weights, "__len__") and \
            len(weights) == len(tickers_all):
        weights = dict(zip(tickers_all, np.asarray(weights, dtype=float)))
    w_all = as_weights("weights", weights, tickers_all, len(tickers_all), fill=0.0)
    held = np.flatnonzero(np.abs(w_all) > 1e-12)
    if held.size == 0:
        raise DataError("weights are all zero")
    tickers = tuple(tickers_all[i] for i in held)
    target_held = w_all[held]
    if benchmark is None:
        bench_cols = held
    else:
        names = [str(t) for t in benchmark]
        unknown = [t for t in names if t not in tickers_all]
        if unknown or not names:
            raise DataError(f"benchmark names tickers without prices: {', '.join(unknown[:5])}"
                            if unknown else "benchmark must name at least one ticker")
        bench_cols = np.array(sorted({tickers_all.index(t) for t in names}), dtype=int)
    cols = np.union1d(held, bench_cols)
    target = w_all[cols]
    bench_w = np.where(np.isin(cols, bench_cols), 1.0 / bench_cols.size, 0.0)
    sub = prices[list(prices.columns[cols])]
    r = _period_returns(sub, kind="simple")
    notes = list(r.attrs.get("notes", ()))
    first = r.apply(lambda s: s.first_valid_index())
    last = r.apply(lambda s: s.last_valid_index())
    r = r.loc[first.max():last.min()]
    if len(r) < 2:
        raise DataError("the chosen assets share fewer than 3 dates of prices")
    if first.nunique() > 1 or last.nunique() > 1:
        notes.append(f"Common window from {first.max().date()} ({first.idxmax()} has the "
                     f"shortest history) to {last.min().date()}.")
    R = r.to_numpy()
    if np.isnan(R).any():
        raise DataError("prices have gaps inside the common window")
    dates = r.index
    period = dates.to_period("M" if rule == "M" else "Q")
    starts = np.flatnonzero(np.r_[True, period[1:] != period[:-1]])
    rf_daily = (1.0 + rf) ** (1.0 / _TRADING_DAYS) - 1.0
    eq, traded, paid = _simulate(R, target, starts, cost, rf_daily)
    ew, traded_ew, paid_ew = _simulate(R, bench_w, starts, cost, rf_daily)
    years = len(r) / _TRADING_DAYS
    # the first value is the inception, at the close of the price date before the first return
    inception = sub.index[sub.index < dates[0]][-1]
    all_dates = np.r_[np.datetime64(inception.date(), "D"),
                      dates.to_numpy().astype("datetime64[D]")]
    if abs(target.sum() - 1.0) > 1e-9:
        notes.append(f"Weights sum to {target.sum():.4g}: the remainder is cash at "
                     f"{rf:.2%} a year.")
    stats = performance_stats(eq, rf=rf, turnover=traded / years, costs=paid)
    bench = performance_stats(ew, rf=rf, turnover=traded_ew / years, costs=paid_ew)
    return RebalanceResult(dates=all_dates, equity=eq, benchmark=ew, tickers=tickers,
                           weights=target_held, rebalance=rule, cost=cost, stats=stats,
                           benchmark_stats=bench, notes=tuple(notes))
