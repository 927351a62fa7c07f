"""One call for the Risk page: :func:`analyse` runs every view of a book in a market and returns
a frozen, JSON-ready :class:`RiskReport`.

``spec`` (a dict; every key optional):

* ``sticky``: 'strike' (default) or 'moneyness' — smile dynamics under spot moves;
* ``limits``: ``{metric: bound or (lo, hi)}`` (see :mod:`core.risk.limits`);
* ``hedge``: targets to hedge, e.g. ``["delta"]`` or ``[]`` for none (default none);
* ``scenarios``: the scenario builder's scenarios (dicts of :class:`Scenario` fields);
* ``alpha``: VaR/ES level (default 0.99); ``mc_paths`` (default 20,000); ``seed`` (default 7);
* ``psr``, ``vsr``: SPAN price and vol scan ranges (default 6%, 4 vol points).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from core.errors import DataError, InfeasibleError
from core.risk.book import Book, Position
from core.risk.factors import stock_side
from core.risk.greeks import book_greeks
from core.risk.hedge import hedge
from core.risk.historical import book_var, historical_scenarios
from core.risk.limits import check_limits
from core.risk.market import STICKY, Market
from core.risk.scenarios import Scenario, ladder, pm_grid, pnl_explain, span_scenarios, stress
from core.risk.valuation import prepare
from core._typing import DateLike

__all__ = ["RiskReport", "analyse", "example_book", "EXPLAIN_MOVES", "SPEC_KEYS"]

SPEC_KEYS = ("sticky", "limits", "hedge", "scenarios", "alpha", "mc_paths", "seed", "psr", "vsr")
#: Spot moves of the P/L-explain chart (vol unchanged, one day passing).
EXPLAIN_MOVES = (-0.20, -0.15, -0.10, -0.07, -0.05, -0.03, -0.02, -0.01, -0.005, 0.005, 0.01,
                 0.02, 0.03, 0.05, 0.07, 0.10, 0.15, 0.20)


def _clean(x):
    """NaN/inf -> None, numpy scalars -> Python, recursively."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


@dataclass(frozen=True, slots=True)
class RiskReport:
    """Every view of the Risk page, as plain JSON-ready data (tables as records).

    Attributes
    ----------
    greeks : dict
        :meth:`BookGreeks.to_dict`.
    ladder : dict
        ``spots``, ``vols`` (decimals), ``pnl`` (len(spots) x len(vols), currency).
    span, pm, historical, custom : dict
        ``table`` (scenario rows), ``by_position`` (P/L per position and scenario), ``margin``
        (SPAN: largest weighted loss; PM: largest loss), ``greeks_after``.
    explain : dict
        :meth:`Explain.to_dict` over :data:`EXPLAIN_MOVES`.
    var : dict
        Per method ('historical', 'parametric', 'mc'): ``var``, ``es``, ``source``.
    limits : list of dict
        :class:`LimitReport` rows.
    hedge : dict or None
        :meth:`Hedge.to_dict`, or ``{"error": message}``.
    messages : list of str
        Rows of the book left out and why.
    market : dict
        ``spot``, ``date``, ``source``, ``sticky``.
    elapsed : float
        Seconds.
    spec : dict
        The spec used (defaults filled in).
    stocks : dict or None
        :func:`core.risk.factors.stock_side` of the single-stock positions.
    """

    greeks: dict
    ladder: dict
    span: dict
    pm: dict
    historical: dict
    custom: dict | None
    explain: dict
    var: dict
    limits: list
    hedge: dict | None
    messages: list
    market: dict
    elapsed: float = 0.0
    spec: dict = field(default_factory=dict)
    stocks: dict | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return _clean({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_dict(cls, d: dict) -> RiskReport:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        RiskReport
        """
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


def _stress_dict(res, *, margin: str | None = None) -> dict:
    table = res.table()
    out = {"table": table.to_dict("records"),
           "by_position": {"symbols": list(res.by_position.index),
                           "names": list(res.by_position.columns),
                           "pnl": res.by_position.to_numpy().T.tolist()},
           "greeks_after": res.greeks_after.to_dict("records")}
    if margin == "weighted":
        out["margin"] = float(max(0.0, -table["weighted_pnl"].min()))
    elif margin == "max":
        out["margin"] = float(max(0.0, -table["pnl"].min()))
    return out


def _spec(spec: dict | None) -> dict:
    s = dict(spec or {})
    unknown = [k for k in s if k not in SPEC_KEYS]
    if unknown:
        raise DataError(f"unknown spec key(s) {', '.join(unknown)}: use {', '.join(SPEC_KEYS)}")
    s.setdefault("sticky", "strike")
    if s["sticky"] not in STICKY:
        raise DataError(f"sticky must be one of {', '.join(STICKY)}, got {s['sticky']!r}")
    s.setdefault("limits", None)
    s.setdefault("hedge", [])
    s.setdefault("scenarios", [])
    s.setdefault("alpha", 0.99)
    s.setdefault("mc_paths", 20_000)
    s.setdefault("seed", 7)
    s.setdefault("psr", 0.06)
    s.setdefault("vsr", 0.04)
    return s


def analyse(book: Book, market: Market, spec: dict | None = None) -> RiskReport:
    """Greeks, ladder, SPAN and PM margins, historical and custom stress, P/L explain, VaR/ES,
    limits and (optionally) a hedge of ``book`` in ``market``.

    Parameters
    ----------
    book : Book
        The positions.
    market : Market
        Spot, forwards, discounts and the fitted surface.
    spec : dict, optional
        Settings, keys of :data:`SPEC_KEYS`: ``sticky`` ('strike' or 'moneyness'), ``limits``
        (desk units), ``hedge`` (targets), ``scenarios`` (custom :class:`Scenario` dicts),
        ``alpha`` (VaR/ES level, default 0.99), ``mc_paths`` (default 20,000), ``seed``
        (default 7), ``psr`` and ``vsr`` (SPAN price and vol scan ranges, decimals: 0.06, 0.04).

    Returns
    -------
    RiskReport
        Every view as a frozen result (currency and desk units), with ``to_dict()``.

    Raises
    ------
    DataError
        On a bad ``spec``. A book with nothing valued still returns a report (empty views and
        the messages saying why).
    """
    t0 = time.perf_counter()
    s = _spec(spec)
    mkt = market if market.sticky == s["sticky"] else market.with_sticky(s["sticky"])
    P = prepare(book, mkt)
    g = book_greeks(book, mkt, prepared=P)
    lad = ladder()
    spots = np.linspace(-0.30, 0.30, 21)
    vols = np.linspace(-0.10, 0.40, 21)
    lad_res = stress(book, mkt, lad, prepared=P)
    span = stress(book, mkt, span_scenarios(s["psr"], s["vsr"]), prepared=P)
    pm = stress(book, mkt, pm_grid(mkt), prepared=P)
    hist = stress(book, mkt, historical_scenarios(), prepared=P)
    custom = None
    if s["scenarios"]:
        custom = _stress_dict(stress(book, mkt, [Scenario.from_dict(x) for x in s["scenarios"]],
                                     prepared=P))
    explain = pnl_explain(book, mkt, [Scenario(spot=x, days=1.0) for x in EXPLAIN_MOVES],
                          prepared=P)
    var = {}
    values = dict(g.totals)
    if P.n:
        for method in ("historical", "parametric", "mc"):
            var[method] = book_var(book, mkt, method=method, alpha=s["alpha"],
                                   n_paths=s["mc_paths"], rng=s["seed"])
        values["var"] = var["historical"]["var"]
        values["es"] = var["historical"]["es"]
    lim = check_limits(values, s["limits"]).to_dict()["table"]
    hg = None
    if s["hedge"]:
        try:
            hg = hedge(book, mkt, tuple(s["hedge"])).to_dict()
        except (InfeasibleError, DataError) as exc:
            hg = {"error": str(exc)}
    stocks = stock_side(book, alpha=s["alpha"], rng=s["seed"], asof=mkt.valuation_date)
    quoted_elsewhere = set(stocks["tickers"]) if stocks else set()
    msgs = list(book.errors) + [m for m in g.left_out
                                if not any(f"({t})" in m for t in quoted_elsewhere)]
    if stocks:
        msgs += stocks["messages"]
    return RiskReport(
        greeks=g.to_dict(),
        ladder={"spots": spots.tolist(), "vols": vols.tolist(),
                "pnl": lad_res.pnl.reshape(21, 21).tolist(),
                "arbitrage": [a["butterfly"] or a["calendar"] for a in lad_res.arbitrage]},
        span=_stress_dict(span, margin="weighted"), pm=_stress_dict(pm, margin="max"),
        historical=_stress_dict(hist), custom=custom, explain=explain.to_dict(), var=var,
        limits=lim, hedge=hg, messages=msgs,
        market={"spot": mkt.spot, "date": mkt.valuation_date.isoformat(), "source": mkt.source,
                "sticky": mkt.sticky},
        elapsed=time.perf_counter() - t0, spec=_clean(s), stocks=stocks)


def example_book(market: Market) -> Book:
    """A small, meaningful index-options book on ``market``'s listed contracts (whatever its
    date): a short 1-month put spread, a long 2-month ATM call, a 6-month collar on index
    units, two single stocks (AAPL, JPM at the sample's closes on the market's date, for the stock-side
    stress), and cash. Option trade prices are the listed mids.

    Parameters
    ----------
    market : Market
        The market whose listed options (expiries, strikes, mids) the book uses.

    Returns
    -------
    Book
        The example positions.

    Raises
    ------
    DataError
        When the market lists no options.
    """
    L = market.listed
    if len(L) == 0:
        raise DataError("the market lists no options to build an example book from")
    exps = sorted(set(L["expiry"]))
    exp_days = np.array([(pd_ts(e).date() - market.valuation_date).days for e in exps])

    def expiry(target):
        return exps[int(np.argmin(np.abs(exp_days - target)))]

    def leg(kind, target_days, moneyness, qty):
        e = expiry(target_days)
        sub = L[(L["expiry"] == e) & (L["type"] == ("C" if kind == "call" else "P"))]
        if len(sub) == 0:
            sub = L[L["expiry"] == e]
        F = float(market.forward((pd_ts(e).date() - market.valuation_date).days / 365.0))
        row = sub.iloc[int(np.argmin(np.abs(sub["strike"].to_numpy() - moneyness * F)))]
        return Position(kind, qty, market.underlying, float(row["strike"]), pd_ts(e).date(),
                        100.0, round(float(row["mid"]), 2))

    from core.data import sample_prices
    px = sample_prices().loc[:pd_ts(market.valuation_date)]     # the closes of the market's day
    stocks = tuple(Position("stock", n, t, trade_price=round(float(px[t].dropna().iloc[-1]), 2))
                   for t, n in (("AAPL", 2000.0), ("JPM", 3000.0)) if t in px.columns and px[t].notna().any())
    spot = round(market.spot, 2)
    return Book((leg("put", 30, 0.95, -20), leg("put", 30, 0.90, 20), leg("call", 60, 1.0, 10),
                 leg("put", 180, 0.90, 15), leg("call", 180, 1.08, -15),
                 Position("stock", 1500.0, market.underlying, trade_price=spot), *stocks,
                 Position("cash", 1_000_000.0)), name="example")


def pd_ts(x: DateLike) -> pd.Timestamp:
    """``pandas.Timestamp`` of a date-like.

    Parameters
    ----------
    x : date-like
        A date, datetime, ISO string or Timestamp.

    Returns
    -------
    pandas.Timestamp
    """
    return pd.Timestamp(x)
