"""One-call analysis of a strategy for the strategies page: P/L curves on a price grid,
breakevens, extremes, Greeks, probability of profit and margin, as one frozen result."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.errors import DataError
from core.pricing.black_scholes import Greeks
from core.strategies.legs import Strategy
from core.strategies.margin import MarginEstimate, margin
from core.strategies.probability import ProfitProbability, probability_of_profit
from core._typing import ArrayLike, RngLike, VolLike

__all__ = ["StrategyAnalysis", "analyse", "default_grid"]


@dataclass(frozen=True, slots=True)
class StrategyAnalysis:
    """Everything the strategies page draws for one strategy.

    Attributes
    ----------
    strategy : Strategy
    S : ndarray, shape (n,)
        Underlying price grid (currency).
    pnl_expiry : ndarray, shape (n,)
        P/L at the first expiry (exact payoff for single-expiry strategies).
    pnl_now : ndarray, shape (n,)
        P/L at ``at_T`` (mark-to-model).
    at_T : float
        Valuation date of ``pnl_now`` and ``greeks`` in years after the trade date.
    greeks : Greeks
        Position price and Greeks at ``at_T`` on the grid (``bs_greeks`` units).
    breakevens : tuple of float
        Breakevens at the first expiry.
    max_profit, max_loss : float
        At the first expiry, ``>= 0``, ``math.inf`` when unbounded.
    net_premium : float
        Debit (> 0) or credit (< 0) per unit.
    pop : ProfitProbability
    margin : MarginEstimate
    """

    strategy: Strategy
    S: np.ndarray
    pnl_expiry: np.ndarray
    pnl_now: np.ndarray
    at_T: float
    greeks: Greeks
    breakevens: tuple[float, ...]
    max_profit: float
    max_loss: float
    net_premium: float
    pop: ProfitProbability
    margin: MarginEstimate

    def to_dict(self) -> dict:
        """JSON-ready dict (infinities as the string 'inf').

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"strategy": self.strategy.to_dict(), "S": self.S.tolist(),
                "pnl_expiry": self.pnl_expiry.tolist(), "pnl_now": self.pnl_now.tolist(),
                "at_T": self.at_T, "greeks": self.greeks.to_dict(),
                "breakevens": list(self.breakevens), "max_profit": _enc(self.max_profit),
                "max_loss": _enc(self.max_loss), "net_premium": self.net_premium,
                "pop": self.pop.to_dict(), "margin": self.margin.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> StrategyAnalysis:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        StrategyAnalysis
        """
        arr = {k: np.asarray(d[k], dtype=np.float64) for k in ("S", "pnl_expiry", "pnl_now")}
        return cls(Strategy.from_dict(d["strategy"]), arr["S"], arr["pnl_expiry"],
                   arr["pnl_now"], float(d["at_T"]), Greeks.from_dict(d["greeks"]),
                   tuple(float(x) for x in d["breakevens"]), float(d["max_profit"]),
                   float(d["max_loss"]), float(d["net_premium"]),
                   ProfitProbability.from_dict(d["pop"]), MarginEstimate.from_dict(d["margin"]))


def default_grid(strategy: Strategy, spot: float, sigma: float, n: int = 500) -> np.ndarray:
    """``n`` evenly spaced prices covering spot +- 4 sd to the first expiry and every strike
    with a 25 % margin.

    Parameters
    ----------
    strategy : Strategy
    spot : float
        Underlying price now (currency), > 0.
    sigma : float
        Vol, decimal, for the +- 4 sd range to the first expiry (0.25 years when none).
    n : int
        Number of prices.

    Returns
    -------
    ndarray
        Increasing prices (currency), all > 0.
    """
    T = strategy.first_expiry or 0.25
    half = max(spot * (math.exp(4 * sigma * math.sqrt(T)) - 1.0),
               1.25 * max((abs(k - spot) for k in strategy.strikes), default=0.0),
               0.05 * spot)
    return np.linspace(max(spot - half, 1e-6 * spot), spot + half, n)


def analyse(strategy: Strategy, *, spot: float | None = None, vol: VolLike = None,
            grid: ArrayLike | None = None, n_grid: int = 500, at_T: float = 0.0,
            pop_method: str = "lognormal", sticky: str = "strike", rng: RngLike = None,
            margin_pct: float = 0.15) -> StrategyAnalysis:
    """Analyse ``strategy`` on a price grid.

    Parameters
    ----------
    strategy : Strategy
    spot : float, optional
        Underlying price now (currency); default ``strategy.spot``.
    vol : float, callable ``vol(K, T)`` or None
        Vol of legs alive at a valuation date (None: each leg's vol) and of the distribution.
    grid : array_like, optional
        Prices to evaluate; default :func:`default_grid` with ``n_grid`` points.
    at_T : float
        Valuation date (years after the trade date) of ``pnl_now`` and ``greeks``.
    pop_method : {'lognormal', 'mc', 'rnd'}
        Method of :func:`probability_of_profit`.
    sticky : {'strike', 'delta'}
        Vol dynamics of a callable ``vol``.
    rng : Generator, int or None
        For ``pop_method="mc"``.
    margin_pct : float
        Naked-short percentage of :func:`margin` (0.15 index, 0.20 equity).
    n_grid : int
        Points of the default price grid.

    Returns
    -------
    StrategyAnalysis
        P/L curves on the price grid (currency per unit of quantity), Greeks at ``at_T``,
        breakevens, max profit/loss, probability of profit and margin.
    """
    spot = strategy.spot if spot is None else float(spot)
    if spot is None or not (math.isfinite(spot) and spot > 0):
        raise DataError(f"spot must be > 0 (pass spot= or set Strategy.spot), got {spot!r}")
    pop = probability_of_profit(strategy, spot, vol=vol, method=pop_method, rng=rng,
                                sticky=sticky)
    if grid is None:
        S = default_grid(strategy, spot, pop.sigma, int(n_grid))
    else:
        S = np.asarray(grid, dtype=np.float64).ravel()
    kw = {"vol": vol, "sticky": sticky, "spot_ref": spot}
    return StrategyAnalysis(
        strategy=strategy, S=S, pnl_expiry=strategy.pnl(S, None, **kw),
        pnl_now=strategy.pnl(S, at_T, **kw), at_T=float(at_T),
        greeks=strategy.greeks(S, at_T, **kw), breakevens=pop.breakevens,
        max_profit=strategy.max_profit(None, **kw), max_loss=strategy.max_loss(None, **kw),
        net_premium=strategy.net_premium, pop=pop, margin=margin(strategy, spot, pct=margin_pct))


def _enc(x: float):
    return "inf" if math.isinf(x) else x

