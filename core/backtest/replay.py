"""Day-by-day replay of one trade: spot, the position's P/L curves, Greeks, P&L to date and a
daily P&L attribution.

For each quote date from entry to exit the position is marked at that day's mids (legs missing
from the day's quotes at the day's smile, as in the engine; at expiry at the settlement value)
and its Greeks computed by Black-Scholes with each leg's smile vol of that day, the rate and
dividend yield implied by the expiry's parity forward and discount factor (sticky strike).
The change in value from one day to the next is split as

``delta dS + 1/2 gamma dS^2 + sum(vega_leg dsigma_leg) + theta dt + residual``

with the Greeks of the previous day, ``dt`` in years (calendar days / 365); the residual holds
the higher-order terms (vanna, volga, ...) and any change in the rate or dividend.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.backtest.fills import model_mark, settlement
from core.backtest.history import ChainHistory, contract_key, open_history
from core.backtest.result import BacktestResult, Trade
from core.errors import DataError

__all__ = ["replay", "Replay", "ATTRIBUTION"]

ATTRIBUTION = ("delta", "gamma", "vega", "theta", "residual")


@dataclass(frozen=True, slots=True, eq=False)
class Replay:
    """Output of :func:`replay` (currency amounts for the whole position).

    Attributes
    ----------
    trade : Trade
    dates : list of str
    spot : ndarray
    value : ndarray
        Position value at the day's marks (currency).
    pnl : ndarray
        P&L to date: value less the entry fills, less the entry costs (currency).
    greeks : dict of str -> ndarray
        ``delta`` (currency per index point), ``gamma`` (per point^2), ``vega`` (per 1.00 of
        vol), ``theta`` (per year) per day.
    attribution : dict of str -> ndarray
        Daily P&L split per :data:`ATTRIBUTION` (0 on the entry day).
    grid : ndarray
        Underlying levels of the payoff curves.
    expiry_pnl : ndarray
        P/L at expiry on ``grid`` (currency, entry fills and costs included).
    curves : ndarray, shape (days, grid)
        P/L on ``grid`` at each day's time to expiry and smile vols.
    label : str
    """

    trade: Trade
    dates: list
    spot: np.ndarray
    value: np.ndarray
    pnl: np.ndarray
    greeks: dict
    attribution: dict
    grid: np.ndarray
    expiry_pnl: np.ndarray
    curves: np.ndarray
    label: str = ""

    def to_dict(self) -> dict:
        """Plain JSON-able dict (arrays as lists, non-finite numbers as ``None``).

        Returns
        -------
        dict
            Every field by name, the trade as :meth:`Trade.to_dict`.
        """
        f = lambda a: [None if not math.isfinite(x) else float(x) for x in np.ravel(a)]  # noqa
        return {"trade": self.trade.to_dict(), "dates": self.dates, "spot": f(self.spot),
                "value": f(self.value), "pnl": f(self.pnl),
                "greeks": {k: f(v) for k, v in self.greeks.items()},
                "attribution": {k: f(v) for k, v in self.attribution.items()},
                "grid": f(self.grid), "expiry_pnl": f(self.expiry_pnl),
                "curves": [f(c) for c in self.curves], "label": self.label}


def _leg_greeks(S, K, T, F, D, vol, is_call):
    from core.pricing import bs_greeks

    T = np.maximum(T, 1e-8)
    r = -np.log(D) / T
    q = r - np.log(F / S) / T
    return bs_greeks(S, K, T, r, q, vol, is_call)


def replay(result: BacktestResult, trade: Trade | int, history: ChainHistory | None = None, *, n_grid: int = 121) -> Replay:
    """Replay one trade of ``result`` day by day (module notes).

    Parameters
    ----------
    result : BacktestResult
    trade : Trade or int
        The trade, or its id.
    history : ChainHistory, optional
        The history of the run (default: reopened from ``result.history_path``).
    n_grid : int
        Points of the payoff curves.

    Returns
    -------
    Replay
        The trade's daily marks, P&L, Greeks and attribution ($) and its payoff curves.

    Raises
    ------
    DataError
        ``result`` is not a BacktestResult, ``trade`` is not in it, or no history is given and
        the result has no history path.
    """
    if not isinstance(result, BacktestResult):
        raise DataError(f"result must be a BacktestResult, got {type(result).__name__}")
    if not isinstance(trade, Trade):
        match = [t for t in result.trades if t.id == trade]
        if not match:
            raise DataError(f"trade {trade!r} is not in the result (ids 1 to "
                            f"{len(result.trades)})")
        trade = match[0]
    if history is None:
        if not result.history_path:
            raise DataError("the result has no history path: pass history=")
        history = open_history(result.history_path)
    mult = float(result.rules.get("multiplier", 100.0))
    c = trade.contracts * mult
    legs = [leg for leg in trade.legs]
    kinds = np.array([l.kind for l in legs])
    K = np.array([l.strike for l in legs])
    qty = np.array([l.qty for l in legs])
    opt = kinds != "stock"
    is_call = kinds == "call"
    epoch = np.datetime64("1970-01-01", "D")
    exp_day = int((np.datetime64(trade.expiry, "D") - epoch).astype(np.int64))
    leg_exp = np.array([int((np.datetime64(e, "D") - epoch).astype(np.int64))
                        for e in trade.expiries], dtype=np.int64)
    keys = contract_key(leg_exp, is_call, K)
    i0 = history.position(trade.entry_date)
    exit_day = int((np.datetime64(trade.exit_date, "D") - epoch).astype(np.int64))
    i1 = int(np.searchsorted(history.day_index, exit_day, side="right"))
    entry_px = np.array([l.entry_price for l in legs])
    entry_cost = float(qty @ entry_px) * c
    from core.backtest.fills import costs

    cost_in = costs(qty[opt], trade.contracts, float(result.rules.get("commission", 0.0)),
                    float(result.rules.get("fees", 0.0)))
    last_iv = np.array([l.entry_iv for l in legs], dtype=float)
    dates, spot, value, pnl = [], [], [], []
    g = {k: [] for k in ("delta", "gamma", "vega", "theta")}
    leg_vega, leg_iv = [], []
    curves = []
    S_ref = float(history.closes[i0])
    span = max(0.15 * S_ref, 1.5 * (K[opt].max() - K[opt].min()) if opt.any() else 0.0)
    grid = np.linspace(max(S_ref - span, 1.0), S_ref + span, n_grid)
    f_ratio, D = np.ones(K.size), np.ones(K.size)
    for i in range(i0, min(i1, len(history))):
        day = history.day(i)
        d, S = int(history.day_index[i]), float(history.closes[i])
        T = np.maximum(leg_exp - d, 0) / 365.0
        settled = opt & (leg_exp <= d)
        rows = day.lookup(keys) if day.n else np.full(K.size, -1)
        mid = np.full(K.size, S)
        hit = opt & ~settled & (rows >= 0)
        mid[hit] = day.mid[rows[hit]]
        vols = last_iv.copy()
        vols[hit] = np.where(np.isfinite(day.iv[rows[hit]]), day.iv[rows[hit]], vols[hit])
        miss = opt & ~settled & (rows < 0)
        for e in np.unique(leg_exp[miss]):
            sel = miss & (leg_exp == e)
            mid[sel], vols[sel] = model_mark(day, int(e), K[sel], is_call[sel], last_iv[sel])
        if settled.any():
            mid[settled] = settlement(kinds[settled], K[settled], S)
            vols[settled] = 0.0
        for e in np.unique(leg_exp[opt & ~settled]):
            sel = leg_exp == e
            r_rows = np.flatnonzero(day.expiry == e) if day.n else []
            f_ratio[sel] = float(day.forward[r_rows[0]]) / S if len(r_rows) else 1.0
            D[sel] = float(day.discount[r_rows[0]]) if len(r_rows) else 1.0
        last_iv = np.where(settled, last_iv, vols)
        v = float(qty @ mid) * c
        dates.append(str(np.datetime64(d, "D")))
        spot.append(S)
        value.append(v)
        pnl.append(v - entry_cost - cost_in)
        live = opt & (T > 0)
        if live.any():
            gr = _leg_greeks(S, K[live], T[live], S * f_ratio[live], D[live], vols[live],
                             is_call[live])
            q = qty[live] * c
            g["delta"].append(float(q @ gr.delta) + float(qty[~opt].sum() * c))
            g["gamma"].append(float(q @ gr.gamma))
            g["vega"].append(float(q @ gr.vega))
            g["theta"].append(float(q @ gr.theta))
            lv = np.zeros(K.size)
            lv[live] = q * gr.vega
            leg_vega.append(lv)
        else:
            for k in g:
                g[k].append(float(qty[~opt].sum() * c) if k == "delta" else 0.0)
            leg_vega.append(np.zeros(K.size))
        curve = _value_curve(grid, K, T, f_ratio, D, vols, kinds, qty) * c - entry_cost - cost_in
        leg_iv.append(vols.copy())
        curves.append(curve)
    if not dates:
        raise DataError(f"trade {trade.id} has no quote date in the history")
    spot_a, value_a = np.array(spot), np.array(value)
    G = {k: np.array(v) for k, v in g.items()}
    n = len(dates)
    attr = {k: np.zeros(n) for k in ATTRIBUTION}
    for t in range(1, n):
        dS = spot_a[t] - spot_a[t - 1]
        dt = (np.datetime64(dates[t]) - np.datetime64(dates[t - 1])).astype(int) / 365.0
        attr["delta"][t] = G["delta"][t - 1] * dS
        attr["gamma"][t] = 0.5 * G["gamma"][t - 1] * dS * dS
        dvol = np.where(np.isfinite(leg_iv[t]) & np.isfinite(leg_iv[t - 1]),
                        leg_iv[t] - leg_iv[t - 1], 0.0)
        # a leg settled by day t has no vol left to change
        day_t = int((np.datetime64(dates[t], "D") - epoch).astype(np.int64))
        dvol = np.where(leg_exp <= day_t, 0.0, dvol)
        attr["vega"][t] = float(leg_vega[t - 1] @ dvol)
        attr["theta"][t] = G["theta"][t - 1] * dt
        explained = attr["delta"][t] + attr["gamma"][t] + attr["vega"][t] + attr["theta"][t]
        attr["residual"][t] = (value_a[t] - value_a[t - 1]) - explained
    # P/L at the (front) expiry: its legs at intrinsic; later legs (calendars, diagonals) at
    # Black-76 with their remaining time, their last smile vol and spot as the forward
    T_left = np.maximum(leg_exp - exp_day, 0) / 365.0
    expiry_pnl = _value_curve(grid, K, T_left, np.ones(K.size), np.ones(K.size), last_iv, kinds,
                              qty) * c - entry_cost - trade.costs
    return Replay(trade, dates, spot_a, value_a, np.array(pnl), G, attr, grid, expiry_pnl,
                  np.array(curves), result.label)


def _value_curve(grid, K, T, f_ratio, D, vols, kinds, qty):
    """Position value per unit on ``grid`` with each leg's time to expiry ``T``, forward ratio
    ``f_ratio`` and discount ``D`` (scalars or per leg; sticky-strike vols)."""
    from core.backtest.fills import black76

    n = len(K)
    T, f_ratio, D = (np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)) for x in (T, f_ratio, D))
    out = np.zeros(grid.size)
    for j, (kind, k, v, q) in enumerate(zip(kinds, K, vols, qty)):
        if kind == "stock":
            out += q * grid
        elif T[j] <= 0:
            out += q * (np.maximum(grid - k, 0) if kind == "call" else np.maximum(k - grid, 0))
        else:
            out += q * black76(grid * f_ratio[j], k, T[j], v, D[j], kind == "call")
    return out
