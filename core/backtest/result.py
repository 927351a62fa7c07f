"""Backtest results: :class:`LegFill`, :class:`Trade` and :class:`BacktestResult` (frozen,
``to_dict()/from_dict()``), and the trade log as a table."""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pandas as pd

from core.errors import DataError

__all__ = ["LegFill", "Trade", "BacktestResult"]


def _f(x):
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x


def _nan(x):
    return math.nan if x is None else float(x)


@dataclass(frozen=True, slots=True)
class LegFill:
    """One leg of a trade: contract, signed quantity per contract unit, quotes and fills.

    ``entry_bid/ask`` and ``exit_bid/ask`` are the day's quotes (NaN when the leg was marked
    from the smile instead, or settled); ``entry_price``/``exit_price`` are the fills (the
    settlement value for a leg held to expiry), index points.
    """

    kind: str
    strike: float
    qty: float
    entry_price: float
    exit_price: float
    entry_bid: float
    entry_ask: float
    exit_bid: float
    exit_ask: float
    entry_mid: float
    exit_mid: float
    entry_iv: float

    def to_dict(self) -> dict:
        """Plain JSON-able dict (NaN/inf as ``None``).

        Returns
        -------
        dict
            Every field by name; :meth:`from_dict` reads it back.
        """
        return {k: _f(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> LegFill:
        """Rebuild from :meth:`to_dict`'s output.

        Parameters
        ----------
        d : dict
            A dict written by :meth:`to_dict` (``None`` numbers read as NaN).

        Returns
        -------
        LegFill
            The same leg.
        """
        return cls(kind=d["kind"], **{f.name: _nan(d.get(f.name)) for f in fields(cls)
                                      if f.name != "kind"})


@dataclass(frozen=True, slots=True)
class Trade:
    """A closed trade.

    Attributes
    ----------
    id : int
    entry_date, exit_date, expiry : datetime.date
    contracts : float
    legs : tuple of LegFill
    credit : float
        Net premium received per contract unit at the entry fills, index points (negative: a
        debit paid).
    costs : float
        Commissions and fees of the trade, currency.
    pnl : float
        Net P&L, currency: ``sum(qty * (exit - entry)) * contracts * multiplier - costs``.
    pnl_mid : float
        The same trade at mid prices on entry and exit, before costs (currency).
    max_profit, max_loss : float
        Per contract, currency, at the entry fills (``inf`` when unbounded).
    exit_reason : str
        ``"profit target"``, ``"stop loss"``, ``"exit DTE"``, ``"max days"``, ``"expiry"``
        (cash settled on the close), ``"end of data"``.
    days_held : int
        Calendar days.
    modelled_marks : int
        Leg quotes missing on the trade's days and marked from the day's smile instead.
    margin : float
        Margin requirement at entry (currency, CBOE rule of :func:`core.strategies.margin`).
    max_margin : float
        The largest daily margin requirement while the trade was open (currency).
    leg_expiries : tuple of datetime.date
        Each leg's expiry (``expiry`` is the front one; two differ for calendars and
        diagonals). Empty in results stored before two-expiry trades existed: all ``expiry``.
    max_profit : float
        NaN for two-expiry trades (no closed form at the front expiry).
    """

    id: int
    entry_date: _dt.date
    exit_date: _dt.date
    expiry: _dt.date
    contracts: float
    legs: tuple[LegFill, ...]
    credit: float
    costs: float
    pnl: float
    pnl_mid: float
    max_profit: float
    max_loss: float
    exit_reason: str
    days_held: int
    modelled_marks: int = 0
    margin: float = 0.0
    max_margin: float = math.nan
    leg_expiries: tuple[_dt.date, ...] = ()

    @property
    def expiries(self) -> tuple[_dt.date, ...]:
        """Each leg's expiry (``leg_expiries``, or ``expiry`` for every leg)."""
        return self.leg_expiries or (self.expiry,) * len(self.legs)

    def to_dict(self) -> dict:
        """Plain JSON-able dict (dates ISO, legs as :meth:`LegFill.to_dict`; an unbounded
        ``max_profit``/``max_loss`` as ``None``, an undefined one as ``"nan"``).

        Returns
        -------
        dict
            Every field by name; :meth:`from_dict` reads it back.
        """
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for k in ("entry_date", "exit_date", "expiry"):
            d[k] = d[k].isoformat()
        d["legs"] = [leg.to_dict() for leg in self.legs]
        d["leg_expiries"] = [e.isoformat() for e in self.leg_expiries]
        out = {k: _f(v) for k, v in d.items()}
        for k in ("max_profit", "max_loss"):      # None means unbounded (inf); NaN: undefined
            if isinstance(d[k], float) and math.isnan(d[k]):
                out[k] = "nan"
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Trade:
        """Rebuild from :meth:`to_dict`'s output.

        Parameters
        ----------
        d : dict
            A dict written by :meth:`to_dict`.

        Returns
        -------
        Trade
            The same trade (dates as :class:`datetime.date`, ``None`` bounds as inf).
        """
        kw = dict(d)
        for k in ("entry_date", "exit_date", "expiry"):
            kw[k] = _dt.date.fromisoformat(kw[k])
        kw["legs"] = tuple(LegFill.from_dict(x) for x in kw["legs"])
        for k in ("max_profit", "max_loss"):
            kw[k] = math.inf if kw[k] is None else float(kw[k])
        kw["max_margin"] = _nan(kw.get("max_margin"))
        kw["leg_expiries"] = tuple(_dt.date.fromisoformat(e) for e in kw.get("leg_expiries") or ())
        return cls(**kw)


_SERIES = ("equity", "equity_mid", "margin", "n_open", "underlying", "buy_hold")


@dataclass(frozen=True, slots=True, eq=False)
class BacktestResult:
    """The output of :func:`core.backtest.run`.

    Attributes
    ----------
    rules : dict
        ``Rules.to_dict()`` of the run.
    trades : tuple of Trade
    dates : ndarray of datetime64[D]
    series : dict of str -> ndarray
        Daily ``equity`` (modelled fills and costs, open positions at mid), ``equity_mid`` (the
        same trades at mid fills, no costs), ``margin`` (requirement of open positions),
        ``n_open``, ``underlying`` (close) and ``buy_hold`` (capital in the underlying).
    metrics, metrics_mid, benchmark : dict
        :func:`core.backtest.metrics.performance` of ``equity``, ``equity_mid`` and ``buy_hold``
        (plus trade statistics for the first two).
    counts : dict
        Dates skipped per reason, modelled marks, entries.
    notes : tuple of str
        What happened, in words (skipped dates, modelled marks, the settlement simplification).
    source, label, history_path : str
        The data (``"real"``/``"upload"``/``"modelled"``), its label, and the Parquet history
        (used by :func:`core.backtest.replay`).
    elapsed : float
        Seconds.
    """

    rules: dict
    trades: tuple[Trade, ...]
    dates: np.ndarray
    series: dict
    metrics: dict
    metrics_mid: dict
    benchmark: dict
    counts: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    source: str = ""
    label: str = ""
    history_path: str = ""
    elapsed: float = 0.0

    @property
    def equity(self) -> pd.Series:
        """Daily equity (currency), indexed by date."""
        return self.frame()["equity"]

    def frame(self) -> pd.DataFrame:
        """The daily series as a DataFrame indexed by date.

        Returns
        -------
        DataFrame
            Columns ``equity``, ``equity_mid``, ``margin`` ($), ``n_open`` (positions),
            ``underlying`` (index points) and ``buy_hold`` ($), indexed by ``date``.
        """
        return pd.DataFrame({k: self.series[k] for k in _SERIES},
                            index=pd.DatetimeIndex(self.dates.astype("datetime64[ns]"),
                                                   name="date"))

    def trade_log(self) -> pd.DataFrame:
        """One row per trade (strikes as text), for tables and CSV export.

        Returns
        -------
        DataFrame
            Columns ``id``, ``entry``, ``exit``, ``expiry`` (ISO dates), ``contracts``,
            ``legs`` (e.g. ``-1P4000 +1P3950``), ``credit``, ``costs``, ``pnl``, ``pnl_mid``
            and ``max_margin`` ($), ``exit_reason``, ``days_held`` (days) and
            ``modelled_marks`` (count).
        """
        rows = []
        for t in self.trades:
            rows.append({
                "id": t.id, "entry": t.entry_date.isoformat(), "exit": t.exit_date.isoformat(),
                "expiry": t.expiry.isoformat(), "contracts": t.contracts,
                "legs": " ".join(f"{'+' if l.qty > 0 else ''}{l.qty:g}{l.kind[0].upper()}"
                                 f"{l.strike:g}" + (f"@{e:%d%b%y}" if e != t.expiry else "")
                                 for l, e in zip(t.legs, t.expiries)),
                "credit": t.credit, "costs": t.costs, "pnl": t.pnl, "pnl_mid": t.pnl_mid,
                "exit_reason": t.exit_reason, "days_held": t.days_held,
                "modelled_marks": t.modelled_marks, "max_margin": t.max_margin})
        cols = ["id", "entry", "exit", "expiry", "contracts", "legs", "credit", "costs", "pnl",
                "pnl_mid", "exit_reason", "days_held", "modelled_marks", "max_margin"]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict:
        """JSON-ready dict (dates ISO, NaN/inf as None).

        Returns
        -------
        dict
            ``kind`` ``"BacktestResult"``, ``version`` and every field; :meth:`from_dict` reads it.
        """
        return {"kind": "BacktestResult", "version": 1, "rules": self.rules,
                "trades": [t.to_dict() for t in self.trades],
                "dates": [str(d) for d in self.dates.astype("datetime64[D]")],
                "series": {k: [_f(float(x)) for x in np.asarray(v, dtype=float)]
                           for k, v in self.series.items()},
                "metrics": {k: _f(v) for k, v in self.metrics.items()},
                "metrics_mid": {k: _f(v) for k, v in self.metrics_mid.items()},
                "benchmark": {k: _f(v) for k, v in self.benchmark.items()},
                "counts": dict(self.counts), "notes": list(self.notes), "source": self.source,
                "label": self.label, "history_path": self.history_path,
                "elapsed": self.elapsed}

    @classmethod
    def from_dict(cls, d: dict) -> BacktestResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            A dict written by :meth:`to_dict`.

        Returns
        -------
        BacktestResult
            The same result (``None`` numbers read as NaN).

        Raises
        ------
        DataError
            When ``d`` is not a ``BacktestResult`` dict.
        """
        if not isinstance(d, dict) or d.get("kind") != "BacktestResult":
            raise DataError("not a BacktestResult dict (expected BacktestResult.to_dict())")
        num = lambda m: {k: _nan(v) for k, v in m.items()}  # noqa: E731
        return cls(rules=dict(d["rules"]), trades=tuple(Trade.from_dict(t) for t in d["trades"]),
                   dates=np.array(d["dates"], dtype="datetime64[D]"),
                   series={k: np.array([_nan(x) for x in v]) for k, v in d["series"].items()},
                   metrics=num(d["metrics"]), metrics_mid=num(d["metrics_mid"]),
                   benchmark=num(d["benchmark"]), counts=dict(d.get("counts", {})),
                   notes=tuple(d.get("notes", ())), source=d.get("source", ""),
                   label=d.get("label", ""), history_path=d.get("history_path", ""),
                   elapsed=float(d.get("elapsed", 0.0)))
