"""The cheapest hedge of chosen Greeks with the underlying and the chain's listed options.

Problem (a small LP solved by HiGHS through cvxpy)::

    minimise    sum_i c_i (b_i + s_i)                      c_i = half bid/ask spread x multiplier
    subject to  G_t . (b - s) + before_t = 0               t = delta, when the underlying is used
                |G_t . (b - s) + before_t| <= tol_t        other targeted Greeks
                b, s >= 0

``G`` holds each instrument's desk-unit Greeks per contract (valued off the market's surface,
like the book). ``tol_t = max(tolerance * |before_t|, half the median |G_t| of one option candidate)`` (whole
contracts cannot do better than about half a contract). The LP is solved continuous; option
contracts are then rounded (best floor/ceil combination) and the underlying re-solved so delta
stays exactly zero.
Buys pay the ask, sells receive the bid; the underlying trades at spot +- ``underlying_spread``/2
(relative). Greeks after the hedge are recomputed by :func:`book_greeks` on the hedged book.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import DataError, InfeasibleError
from core.risk.book import Book, Position
from core.risk.greeks import book_greeks, position_greeks
from core.risk.market import Market
from core.risk.valuation import prepare
from collections.abc import Sequence

__all__ = ["Hedge", "hedge", "HEDGE_TARGETS", "candidate_options"]

HEDGE_TARGETS = ("delta", "gamma", "vega", "theta", "rho")


@dataclass(frozen=True, slots=True, eq=False)
class Hedge:
    """Result of :func:`hedge`.

    Attributes
    ----------
    trades : Book
        The hedge trades (trade price = the side of the quote crossed).
    before, after : dict
        Book totals (:attr:`BookGreeks.totals`) before and after adding the trades.
    cost : float
        Spread paid against mid, currency (> 0).
    targets : tuple of str
    tolerance : dict
        Bound on each targeted Greek after the hedge (desk units).
    status : str
        Solver status and method.
    """

    trades: Book
    before: dict
    after: dict
    cost: float
    targets: tuple[str, ...]
    tolerance: dict = field(default_factory=dict)
    status: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"trades": self.trades.to_dict(), "before": dict(self.before),
                "after": dict(self.after), "cost": self.cost, "targets": list(self.targets),
                "tolerance": dict(self.tolerance), "status": self.status}

    @classmethod
    def from_dict(cls, d: dict) -> Hedge:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Hedge
        """
        return cls(Book.from_dict(d["trades"]), dict(d["before"]), dict(d["after"]),
                   float(d["cost"]), tuple(d["targets"]), dict(d.get("tolerance", {})),
                   d.get("status", ""))


def candidate_options(market: Market, *, moneyness: tuple[float, float] = (0.85, 1.15),
                      max_T: float = 1.0, per_expiry: int = 8,
                      max_expiries: int = 5) -> pd.DataFrame:
    """Listed OTM options offered as hedges: per expiry (the ``max_expiries`` nearest, up to
    ``max_T`` years) the ``per_expiry`` strikes nearest the forward within ``moneyness``.

    Parameters
    ----------
    market : Market
        The market whose listed options are offered.
    moneyness : (float, float)
        Strike / forward range of the candidates.
    max_T : float
        Longest expiry, years.
    per_expiry : int
        Strikes kept per expiry (those nearest the forward in log-moneyness).
    max_expiries : int
        Nearest expiries kept.

    Returns
    -------
    pandas.DataFrame
        Rows of ``market.listed`` (same columns), per expiry in expiry order.
    """
    L = market.listed
    if len(L) == 0:
        return L.copy()
    F = market.forward(L["T"].to_numpy())
    m = L["strike"].to_numpy() / F
    keep = (m >= moneyness[0]) & (m <= moneyness[1]) & (L["T"].to_numpy() <= max_T) \
        & (L["T"].to_numpy() > 2 / 365)
    c = L.loc[keep].assign(dist=np.abs(np.log(m[keep])))
    exps = sorted(c["expiry"].unique())[:max_expiries]
    parts = [c[c["expiry"] == e].nsmallest(per_expiry, "dist") for e in exps]
    return (pd.concat(parts) if parts else c.iloc[:0]).drop(columns="dist").reset_index(drop=True)


def hedge(book: Book, market: Market, targets: Sequence[str] = ("delta",), *,
          instruments: Sequence[str] = ("underlying", "options"), tolerance: float = 0.01,
          underlying_spread: float = 2e-4, multiplier: float = 100.0,
          whole_contracts: bool = True) -> Hedge:
    """Cheapest hedge of ``targets`` (any of :data:`HEDGE_TARGETS`).

    Parameters
    ----------
    book : Book
    market : Market
    targets : sequence of str
        Greeks to neutralise, e.g. ("delta",), ("delta", "vega"), ("delta", "gamma", "vega").
    instruments : sequence of str
        "underlying" and/or "options" (the chain's listed options, see :func:`candidate_options`).
    tolerance : float
        Relative bound on targeted Greeks other than delta-with-underlying (module docstring).
    underlying_spread : float
        Full bid/ask spread of the underlying, relative to spot (2e-4 = 2 bp).
    multiplier : float
        Contract multiplier of the listed options.
    whole_contracts : bool
        Round option trades to whole contracts after the continuous solve (floor/ceil of each,
        the underlying re-solved for delta, the smallest worst residual then the cheapest kept).

    Returns
    -------
    Hedge
        The trades (a :class:`Book`), the book totals before and after (desk units) and the
        spread paid against mid (currency).

    Raises
    ------
    InfeasibleError
        When the instruments cannot neutralise the targets (e.g. gamma with the underlying only).
    """
    import cvxpy as cp

    targets = tuple(targets)
    bad = [t for t in targets if t not in HEDGE_TARGETS]
    if not targets or bad:
        raise DataError(f"targets must be a non-empty subset of {', '.join(HEDGE_TARGETS)}, "
                        f"got {targets!r}")
    inst = tuple(instruments)
    if not inst or any(i not in ("underlying", "options") for i in inst):
        raise DataError(f"instruments must be 'underlying' and/or 'options', got {inst!r}")
    if not (0 < tolerance < 1):
        raise DataError(f"tolerance must be in (0, 1), got {tolerance}")
    before = book_greeks(book, market).totals
    S = market.spot
    rows: list[Position] = []
    costs, bids, asks, integer = [], [], [], []
    if "underlying" in inst:
        rows.append(Position("stock", 1.0, market.underlying, trade_price=S))
        h = 0.5 * underlying_spread * S
        costs.append(h)
        bids.append(S - h)
        asks.append(S + h)
        integer.append(False)
    if "options" in inst:
        cand = candidate_options(market)
        for e, k, typ, bid, ask in cand[["expiry", "strike", "type", "bid", "ask"]].itertuples(
                index=False):
            rows.append(Position("call" if typ == "C" else "put", 1.0, market.underlying,
                                 float(k), pd.Timestamp(e).date(), multiplier))
            costs.append(0.5 * (ask - bid) * multiplier)
            bids.append(float(bid))
            asks.append(float(ask))
            integer.append(True)
    if not rows:
        raise InfeasibleError("no hedge instruments: the chain lists no usable options")
    P = prepare(Book(tuple(rows)), market)
    if P.n != len(rows):
        keep = P.index
        rows = [rows[i] for i in keep]
        costs, bids, asks, integer = ([x[i] for i in keep] for x in (costs, bids, asks, integer))
    g = position_greeks(P, shadow=False)
    G = np.vstack([g[t] for t in targets])                       # (n_targets, n_instruments)
    b0 = np.array([before[t] for t in targets])
    integer = np.array(integer)
    opt_scale = {t: (float(np.median(np.abs(G[j][integer]))) if integer.any() else 0.0)
                 for j, t in enumerate(targets)}
    tol = {t: max(tolerance * abs(before[t]), 0.5 * opt_scale[t]) for t in targets}
    exact = {t: t == "delta" and "underlying" in inst for t in targets}
    status = ""
    x = None
    n = len(rows)
    for _ in range(1):
        bi = cp.Variable(n)
        si = cp.Variable(n)
        cons = [bi >= 0, si >= 0]
        for j, t in enumerate(targets):
            after_t = G[j] @ (bi - si) + b0[j]
            cons += [after_t == 0] if exact[t] else [cp.abs(after_t) <= tol[t]]
        prob = cp.Problem(cp.Minimize(np.array(costs) @ (bi + si)), cons)
        try:
            prob.solve(solver="HIGHS", verbose=False, output_flag=False)
        except cp.error.SolverError:
            continue
        if prob.status in ("optimal", "optimal_inaccurate") and bi.value is not None:
            x = np.asarray(bi.value - si.value, dtype=float)
            status = f"LP {prob.status}"
            break
    if x is None:
        raise InfeasibleError(f"no hedge of {', '.join(targets)} with "
                              f"{' and '.join(inst)}: add listed options to the instruments "
                              f"(the underlying has no gamma or vega)")
    if whole_contracts and integer.any():
        x = _whole_contracts(x, G, b0, integer, np.array(costs), targets, tol, exact)
        status += ", option contracts rounded to whole numbers (best of floor/ceil)"
    trades = []
    cost = 0.0
    for q, pos, c, bid, ask in zip(x, rows, costs, bids, asks):
        if abs(q) < 1e-9:
            continue
        price = ask if q > 0 else bid
        trades.append(Position(pos.kind, float(q), pos.underlying, pos.strike, pos.expiry,
                               pos.multiplier, price))
        cost += abs(q) * c
    trade_book = Book(tuple(trades), name="hedge")
    after = book_greeks(book.with_positions(trade_book), market).totals
    return Hedge(trade_book, before, after, float(cost), targets,
                 {t: (0.0 if exact[t] else tol[t]) for t in targets}, status)


def _whole_contracts(x, G, b0, integer, costs, targets, tol, exact) -> np.ndarray:
    """Round option contracts to whole numbers: try floor/ceil of each traded option (up to
    2^8 combinations), re-solve the underlying for exact delta, keep the combination with the
    smallest worst ``|residual| / tol``, then the lowest cost."""
    import itertools

    opt = np.flatnonzero(integer & (np.abs(x) > 1e-9))
    und = np.flatnonzero(~integer)
    d = targets.index("delta") if "delta" in targets else None
    best, best_key = None, None
    choices = [(math.floor(x[i]), math.ceil(x[i])) for i in opt[:8]]
    for combo in itertools.product(*choices) if choices else [()]:
        y = x.copy()
        y[integer] = np.round(x[integer])
        y[opt[:8]] = combo
        if d is not None and exact["delta"] and und.size:
            j = und[0]
            rest = G[d] @ y - G[d, j] * y[j] + b0[d]
            y[j] = -rest / G[d, j] if G[d, j] != 0 else y[j]
        res = G @ y + b0
        worst = max((0.0 if exact[t] else abs(res[k]) / tol[t]) if tol[t] > 0 else abs(res[k])
                    for k, t in enumerate(targets))
        key = (max(worst, 1.0), float(costs @ np.abs(y)))
        if best_key is None or key < best_key:
            best, best_key = y, key
    return best
