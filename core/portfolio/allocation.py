"""One allocation run, end to end: estimate, optimise, diagnose and backtest.

This is what the portfolio page asks for: a frozen :class:`AllocationSpec` in, a frozen
:class:`Allocation` out. Every number comes from the estimators and optimizers of this package;
this module only chooses and combines them and records what it did in ``notes``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from core.data.prices import returns as price_returns
from core.errors import DataError
from core.portfolio.black_litterman import View, black_litterman
from core.portfolio.constraints import Constraints
from core.portfolio.estimators import expected_returns, risk_model
from core.portfolio.frontier import Frontier, efficient_frontier
from core.portfolio.optimize import (efficient_return, efficient_risk, kelly_weights, max_sharpe,
                                     min_cvar, min_variance, portfolio_performance)
from core.portfolio.rebalance import RebalanceResult, rebalance_backtest
from core.portfolio.risk_parity import diversification_ratio, hrp, risk_contributions, risk_parity
from core._typing import WeightsLike

#: Column used as the market for CAPM-implied returns when the prices have it.
MARKET = "SP500"

__all__ = ["MARKET", "OBJECTIVES", "AllocationSpec", "Allocation", "Exposure", "allocate", "parse_sector_caps"]

OBJECTIVES = {
    "max_sharpe": "Maximum Sharpe ratio",
    "min_variance": "Minimum variance",
    "target_return": "Target return (minimum risk)",
    "target_risk": "Target volatility (maximum return)",
    "risk_parity": "Risk parity (equal risk contribution)",
    "hrp": "Hierarchical risk parity",
    "kelly": "Fractional Kelly",
    "min_cvar": "Minimum CVaR (95%, daily scenarios)",
    "black_litterman": "Black-Litterman posterior, maximum Sharpe",
}


@dataclass(frozen=True, slots=True)
class AllocationSpec:
    """What to allocate and how. Rates and targets are decimals per year.

    ``bounds`` apply to every asset; a negative lower bound allows shorting, capped by
    ``leverage`` (gross, sum of |w|). ``turnover`` limits sum |w - w0| against ``current``
    weights (equal weight when not given). ``views`` are Black-Litterman views as dicts
    ``{"assets": {ticker: coefficient}, "value": decimal, "confidence": 0..1}``.
    """

    tickers: tuple[str, ...]
    start: str | None = None
    end: str | None = None
    returns_method: str = "mean"
    risk_method: str = "ledoit_wolf"
    objective: str = "max_sharpe"
    target: float | None = None
    kelly_fraction: float = 0.5
    rf: float = 0.0
    bounds: tuple[float, float] = (0.0, 1.0)
    leverage: float | None = None
    sector_caps: tuple[tuple[str, float], ...] = ()
    turnover: float | None = None
    current: tuple[tuple[str, float], ...] = ()
    views: tuple[dict, ...] = ()
    rebalance: str = "M"
    cost: float = 0.0
    n_points: int = 50

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples become lists); :meth:`from_dict` inverts it.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"tickers": list(self.tickers), "start": self.start, "end": self.end,
                "returns_method": self.returns_method, "risk_method": self.risk_method,
                "objective": self.objective, "target": self.target,
                "kelly_fraction": self.kelly_fraction, "rf": self.rf, "bounds": list(self.bounds),
                "leverage": self.leverage, "sector_caps": [list(c) for c in self.sector_caps],
                "turnover": self.turnover, "current": [list(c) for c in self.current],
                "views": [dict(v) for v in self.views], "rebalance": self.rebalance,
                "cost": self.cost, "n_points": self.n_points}

    @classmethod
    def from_dict(cls, d: dict) -> AllocationSpec:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        AllocationSpec
        """
        kw = dict(d)
        kw["tickers"] = tuple(kw.get("tickers") or ())
        kw["bounds"] = tuple(kw.get("bounds") or (0.0, 1.0))
        kw["sector_caps"] = tuple((str(a), float(b)) for a, b in kw.get("sector_caps") or ())
        kw["current"] = tuple((str(a), float(b)) for a, b in kw.get("current") or ())
        kw["views"] = tuple(dict(v) for v in kw.get("views") or ())
        return cls(**kw)


def _series(s: pd.Series | None) -> dict | None:
    return None if s is None else {"index": [str(i) for i in s.index],
                                   "values": np.asarray(s, dtype=np.float64).tolist()}


def _unseries(d: dict | None, name: str | None = None) -> pd.Series | None:
    return None if d is None else pd.Series(np.asarray(d["values"], dtype=np.float64),
                                            index=list(d["index"]), name=name)


@dataclass(frozen=True, slots=True)
class Exposure:
    """Long, short, gross and net exposure of a set of weights (decimals of capital)."""

    long: float
    short: float          # sum of the negative weights, as a positive number
    gross: float          # long + short
    net: float            # long - short

    @classmethod
    def of(cls, weights: WeightsLike) -> Exposure:
        """Long, short, gross and net exposure of ``weights``.

        Parameters
        ----------
        weights : array_like
            Portfolio weights, fractions of capital.

        Returns
        -------
        Exposure
            ``long`` and ``short`` (both >= 0), ``gross = long + short``, ``net = long - short``.
        """
        w = np.asarray(weights, dtype=np.float64)
        long, short = float(w[w > 0].sum()), float(-w[w < 0].sum())
        return cls(long=long, short=short, gross=long + short, net=long - short)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Result of :func:`allocate`; weights sum to one except for Kelly (the rest is cash)."""

    spec: AllocationSpec
    weights: pd.Series
    mu: pd.Series
    cov: pd.DataFrame
    frontier: Frontier
    expected_return: float
    volatility: float
    sharpe: float
    risk_contributions: pd.Series
    diversification_ratio: float
    backtest: RebalanceResult
    prior: pd.Series | None = None
    posterior: pd.Series | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def exposure(self) -> Exposure:
        """Long, short, gross and net exposure of :attr:`weights`."""
        return Exposure.of(self.weights)

    def to_dict(self) -> dict:
        """JSON-ready dict (what crosses a ``dcc.Store``); :meth:`from_dict` inverts it.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"spec": self.spec.to_dict(), "weights": _series(self.weights), "mu": _series(self.mu),
                "cov": {"index": [str(i) for i in self.cov.index],
                        "values": self.cov.to_numpy(dtype=np.float64).tolist()},
                "frontier": self.frontier.to_dict(), "expected_return": self.expected_return,
                "volatility": self.volatility, "sharpe": self.sharpe,
                "risk_contributions": _series(self.risk_contributions),
                "diversification_ratio": self.diversification_ratio,
                "backtest": self.backtest.to_dict(), "prior": _series(self.prior),
                "posterior": _series(self.posterior), "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d: dict) -> Allocation:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Allocation
        """
        try:
            idx = list(d["cov"]["index"])
            return cls(spec=AllocationSpec.from_dict(d["spec"]), weights=_unseries(d["weights"], "weight"),
                       mu=_unseries(d["mu"]),
                       cov=pd.DataFrame(np.asarray(d["cov"]["values"], dtype=np.float64), index=idx,
                                        columns=idx),
                       frontier=Frontier.from_dict(d["frontier"]),
                       expected_return=float(d["expected_return"]), volatility=float(d["volatility"]),
                       sharpe=float(d["sharpe"]), risk_contributions=_unseries(d["risk_contributions"]),
                       diversification_ratio=float(d["diversification_ratio"]),
                       backtest=RebalanceResult.from_dict(d["backtest"]), prior=_unseries(d.get("prior")),
                       posterior=_unseries(d.get("posterior")), notes=tuple(d.get("notes", ())))
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not an Allocation dict: {exc!r}") from exc


def parse_sector_caps(text: str) -> tuple[tuple[str, float], ...]:
    """Parse ``"Energy=0.2, Financials=30%"`` into ``(("Energy", 0.2), ("Financials", 0.3))``.

    Parameters
    ----------
    text : str
        ``Sector=cap`` items separated by commas or semicolons (``:`` also accepted for ``=``);
        a cap is a decimal (``0.2``) or a percentage (``20%``). Empty text means no caps.

    Returns
    -------
    tuple of (str, float)
        ``(sector, cap)`` pairs in the order written, caps as decimals in [0, 1].

    Raises
    ------
    DataError
        An item without ``=``, a cap that is not a number, or a cap outside [0, 1].
    """
    caps = []
    for part in [p for p in (text or "").replace(";", ",").split(",") if p.strip()]:
        if "=" not in part and ":" not in part:
            raise DataError(f"cannot read sector cap {part.strip()!r}: write Sector=0.25 or Sector=25%")
        name, value = part.replace(":", "=").split("=", 1)
        value = value.strip()
        try:
            cap = float(value.rstrip("%")) / (100.0 if value.endswith("%") else 1.0)
        except ValueError:
            raise DataError(f"sector cap for {name.strip()!r} must be a number, got {value!r}") from None
        if not 0.0 <= cap <= 1.0:
            raise DataError(f"sector cap for {name.strip()!r} must be between 0% and 100% "
                            f"(write {name.strip()}=25% or {name.strip()}=0.25), got {value}")
        caps.append((name.strip(), cap))
    return tuple(caps)


def _window(prices: pd.DataFrame, spec: AllocationSpec) -> pd.DataFrame:
    missing = [t for t in spec.tickers if t not in prices.columns]
    if missing:
        raise DataError(f"unknown tickers {', '.join(missing)}; the price file has "
                        f"{', '.join(map(str, prices.columns[:12]))}...")
    if len(spec.tickers) < 2:
        raise DataError("choose at least two assets to allocate between")
    window = prices.loc[spec.start:spec.end, list(spec.tickers)]
    window = window.dropna(axis=1, how="all")
    dropped = [t for t in spec.tickers if t not in window.columns]
    if dropped:
        raise DataError(f"no prices for {', '.join(dropped)} between {spec.start} and {spec.end}: "
                        "widen the date range or drop them")
    if window.notna().sum().min() < 60:
        thin = window.notna().sum().idxmin()
        raise DataError(f"{thin} has fewer than 60 prices in the window: widen the date range")
    return window


def allocate(prices: pd.DataFrame, sectors: dict[str, str] | None, spec: AllocationSpec,
             *, progress: Callable[[float, str], None] | None = None) -> Allocation:
    """Estimate returns and risk on ``prices`` in the spec's window, optimise, and backtest.

    Parameters
    ----------
    prices : DataFrame
        Daily prices, dates x tickers (ragged histories allowed).
    sectors : dict, optional
        Ticker -> sector, required when the spec has sector caps.
    spec : AllocationSpec
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    Allocation
        Weights (fractions of capital), the estimates used (decimals per year) and the backtest
        of the window and out of sample; ``to_dict()`` crosses a ``dcc.Store``.

    Raises
    ------
    DataError
        Bad universe, window or inputs.
    InfeasibleError
        The constraints cannot all hold (the message names them).
    """
    say = progress or (lambda f, m: None)
    if spec.objective not in OBJECTIVES:
        raise DataError(f"objective must be one of {', '.join(OBJECTIVES)}, got {spec.objective!r}")
    window = _window(prices, spec)
    say(0.05, "estimating returns and risk")
    extra = {}
    if spec.returns_method == "capm":
        extra["rf"] = spec.rf
        if MARKET in prices.columns:
            extra["market"] = prices[MARKET].loc[spec.start:spec.end].dropna()
    mu_est = expected_returns(window, spec.returns_method, **extra)
    cov_est = risk_model(window, spec.risk_method)
    mu, cov = mu_est.to_pandas(), cov_est.to_pandas()
    notes = list(mu_est.notes) + [n for n in cov_est.notes if n not in mu_est.notes]
    caps = dict(spec.sector_caps) or None
    if caps and not sectors:
        raise DataError("sector caps need a sector map: upload one or use the sample universe")
    sect = {t: sectors.get(t, "Other") for t in mu.index} if caps else None
    current = pd.Series(dict(spec.current), dtype=float).reindex(mu.index).fillna(0.0) \
        if spec.current else pd.Series(1.0 / len(mu), index=mu.index)
    cons = Constraints(bounds=spec.bounds, sectors=sect, sector_caps=caps, leverage=spec.leverage,
                       current_weights=current if spec.turnover is not None else None,
                       turnover=spec.turnover)
    if spec.turnover is not None and not spec.current:
        notes.append("turnover is measured against equal weights (no current portfolio given)")

    prior = posterior = None
    opt_mu, opt_cov = mu, cov
    if spec.objective == "black_litterman":
        views = tuple(View(**v) for v in spec.views)
        if not views:
            raise DataError("Black-Litterman needs at least one view")
        bl = black_litterman(cov, views, market_weights=pd.Series(1.0 / len(mu), index=mu.index),
                             rf=spec.rf)
        prior = pd.Series(np.asarray(bl.prior, dtype=float), index=mu.index)
        posterior = pd.Series(np.asarray(bl.returns(), dtype=float), index=mu.index)
        opt_mu, opt_cov = posterior, bl.covariance()
        notes.append("Black-Litterman prior: equilibrium returns of equal weights (no market caps "
                     "in the data), delta 2.5, tau 0.05, Idzorek confidences")

    say(0.15, "tracing the efficient frontier")
    frontier = efficient_frontier(opt_mu, opt_cov, spec.n_points, constraints=cons,
                                  progress=lambda f, m: say(0.15 + 0.6 * f, m))
    say(0.8, "optimising the chosen objective")
    w = _solve(spec, window, opt_mu, opt_cov, cons, notes)
    ret, vol, sharpe = portfolio_performance(w, opt_mu, opt_cov, rf=spec.rf)
    invested = float(w.sum())
    rc = risk_contributions(w / invested if invested > 0 else w, opt_cov)
    say(0.9, "backtesting")
    bt_weights = w / invested if spec.objective == "kelly" and invested > 0 else w
    backtest = rebalance_backtest(window, bt_weights, rebalance=spec.rebalance, cost=spec.cost,
                                  rf=spec.rf, benchmark=tuple(mu.index))   # the chosen universe
    say(1.0, "done")
    return Allocation(spec=spec, weights=w, mu=opt_mu, cov=opt_cov, frontier=frontier,
                      expected_return=float(ret), volatility=float(vol), sharpe=float(sharpe),
                      risk_contributions=pd.Series(np.asarray(rc), index=w.index),
                      diversification_ratio=float(diversification_ratio(w, opt_cov)),
                      backtest=backtest, prior=prior, posterior=posterior, notes=tuple(notes))


def _solve(spec: AllocationSpec, window, mu, cov, cons: Constraints, notes: list) -> pd.Series:
    obj = spec.objective
    if obj in ("max_sharpe", "black_litterman"):
        return max_sharpe(mu, cov, rf=spec.rf, constraints=cons)
    if obj == "min_variance":
        return min_variance(cov, constraints=cons)
    if obj == "target_return":
        return efficient_return(mu, cov, _target(spec), constraints=cons)
    if obj == "target_risk":
        return efficient_risk(mu, cov, _target(spec), constraints=cons)
    if obj in ("risk_parity", "hrp"):
        notes.append(f"{OBJECTIVES[obj]} is unconstrained: bounds, sector caps and turnover are "
                     "not applied (the frontier still uses them)")
        return risk_parity(cov) if obj == "risk_parity" else hrp(cov)
    if obj == "kelly":
        if not 0 < spec.kelly_fraction <= 1:
            raise DataError(f"Kelly fraction must be in (0, 1], got {spec.kelly_fraction:g}")
        w = kelly_weights(mu, cov, rf=spec.rf, fraction=spec.kelly_fraction,
                          bounds=spec.bounds, leverage=spec.leverage,
                          max_invested=spec.leverage or 1.0)
        notes.append(f"Kelly ({spec.kelly_fraction:g} of full) invests {float(w.sum()):.1%}, "
                     "capped at the gross leverage (100% when none is set); the rest is cash "
                     "at the risk-free rate")
        return w
    scen = price_returns(window, kind="simple").dropna()
    notes.append(f"CVaR from {len(scen)} daily return scenarios with every asset present")
    return min_cvar(scen, alpha=0.95, constraints=cons)


def _target(spec: AllocationSpec) -> float:
    if spec.target is None or not math.isfinite(spec.target):
        raise DataError(f"{OBJECTIVES[spec.objective]} needs a target (percent per year)")
    return float(spec.target)
