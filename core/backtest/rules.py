"""Backtest rules: what to trade, when to enter and exit, how to size and fill.

:class:`Rules` is a frozen, validated description of one options strategy rule; every field
has a default so ``Rules()`` is a daily 30-DTE iron condor at 16 delta with 50-point wings,
a 50 % profit target, 1 contract, 66 %-of-spread fills and $0.65 a contract.

Strike placement (from the catalogue template's leg steps ``n``)
---------------------------------------------------------------
* ``n = 0``: the listed strike nearest the expiry's forward (at the money).
* ``n = +1`` / ``-1``: ``select="delta"``: the call strike whose forward delta is nearest
  ``delta`` / the put strike whose delta is nearest ``-delta``; ``select="moneyness"``:
  ``spot * (1 + moneyness)`` / ``spot * (1 - moneyness)``.
* ``|n| >= 2``: ``width`` index points further out per extra step (wings).
* Equally spaced templates (butterflies, condors of one type, the iron butterfly): ``K0 + n *
  width`` around the at-the-money strike.
Every strike snaps to the nearest listed strike of its type on that day's chain.

Fills
-----
``fill="spread"`` buys at ``bid + f (ask - bid)`` and sells at ``ask - f (ask - bid)`` with
``f = fill_fraction`` (default 0.66: the common "66 % of the spread" convention for multi-leg
orders); ``"mid"`` is ``f = 0.5`` and ``"natural"`` (pay the ask, sell the bid) is ``f = 1``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from core.errors import DataError

__all__ = ["Rules", "ENTRY_SCHEDULES", "SELECTIONS", "SIZINGS", "FILLS", "STOP_BASES"]

ENTRY_SCHEDULES = ("daily", "weekly", "monthly", "signal")
SELECTIONS = ("delta", "moneyness")
SIZINGS = ("fixed", "risk_pct", "vol_scaled")
FILLS = ("mid", "natural", "spread")
STOP_BASES = ("credit", "max_loss")


@dataclass(frozen=True, slots=True)
class Rules:
    """An options strategy rule for :func:`core.backtest.run`.

    Parameters
    ----------
    strategy : str
        A template of :func:`core.strategies.catalog` (e.g. ``"iron_condor"``); two-expiry
        templates (``"calendar_spread"``, ``"diagonal_spread"``) place their far legs on the
        listed expiry nearest ``far_dte`` after the near one, and close whole at the front
        expiry (front legs cash settled, back legs closed at that day's quotes).
    entry : {"daily", "weekly", "monthly", "signal"}
        Every quote date; the first quote date of each week / month; or the dates in ``signal``.
    signal : tuple of str
        ISO dates on which to enter (``entry="signal"``).
    dte, dte_tolerance : int
        Target days to expiry at entry, calendar days; the nearest listed expiry within the
        tolerance is traded, else the date is skipped (and counted).
    far_dte : int
        Target DTE of the far legs of two-expiry templates (same tolerance), > ``dte``;
        ignored by single-expiry templates.
    select : {"delta", "moneyness"}
        How the one-step strikes are placed (module notes).
    delta : float
        Absolute forward delta of the one-step strikes, in (0, 0.5).
    moneyness : float
        Distance of the one-step strikes from spot as a fraction of spot, in (0, 0.5).
    width : float
        Index points per further step (wing width), > 0.
    profit_target : float or None
        Close when open P&L reaches this fraction of the position's maximum profit (0.5 = 50 %);
        for two-expiry positions, whose maximum profit has no closed form, of the net debit.
    stop_loss : float or None
        Close when the open loss reaches this fraction of ``stop_basis`` (2.0 = 200 % of the
        credit), > 0.
    stop_basis : {"credit", "max_loss"}
        What ``stop_loss`` is a fraction of (for a debit trade "credit" means the debit paid).
    exit_dte : int or None
        Close when days to expiry fall to this or fewer.
    max_days : int or None
        Close after this many calendar days held.
    sizing : {"fixed", "risk_pct", "vol_scaled"}
        ``contracts`` per trade; ``floor(risk_pct * equity / max loss of one contract)``; or
        ``round(contracts * vol_target / ATM vol)``.
    contracts, risk_pct, vol_target : float
        Sizing parameters (contracts > 0; risk_pct in (0, 1]; vol_target > 0, decimal).
    max_positions : int
        Most positions open at once, >= 1.
    capital : float
        Starting capital (currency), > 0.
    fill : {"mid", "natural", "spread"}; fill_fraction : float in [0, 1]
        Fill model (module notes).
    commission, fees : float
        Per contract per leg on every opening and closing order (currency), >= 0; cash
        settlement at expiry pays neither.
    multiplier : float
        Currency per index point per contract (100 for SPX).
    """

    strategy: str = "iron_condor"
    entry: str = "daily"
    signal: tuple[str, ...] = ()
    dte: int = 30
    dte_tolerance: int = 10
    far_dte: int = 60
    select: str = "delta"
    delta: float = 0.16
    moneyness: float = 0.03
    width: float = 50.0
    profit_target: float | None = 0.5
    stop_loss: float | None = None
    stop_basis: str = "credit"
    exit_dte: int | None = None
    max_days: int | None = None
    sizing: str = "fixed"
    contracts: float = 1.0
    risk_pct: float = 0.02
    vol_target: float = 0.15
    max_positions: int = 5
    capital: float = 100_000.0
    fill: str = "spread"
    fill_fraction: float = 0.66
    commission: float = 0.65
    fees: float = 0.0
    multiplier: float = 100.0

    def __post_init__(self) -> None:
        from core.strategies import catalog, strategy_info

        if self.strategy not in catalog():
            raise DataError(f"strategy must be one of the catalogue ({', '.join(catalog())}), "
                            f"got {self.strategy!r}")
        for name, allowed in (("entry", ENTRY_SCHEDULES), ("select", SELECTIONS),
                              ("sizing", SIZINGS), ("fill", FILLS), ("stop_basis", STOP_BASES)):
            if getattr(self, name) not in allowed:
                raise DataError(f"{name} must be one of {', '.join(allowed)}, "
                                f"got {getattr(self, name)!r}")
        object.__setattr__(self, "signal", tuple(str(s)[:10] for s in (self.signal or ())))
        if self.entry == "signal" and not self.signal:
            raise DataError("entry='signal' needs signal dates (ISO strings); none were given")
        _int(self, "dte", 1)
        _int(self, "dte_tolerance", 0)
        _int(self, "max_positions", 1)
        _int(self, "far_dte", 2)
        if any(leg["far"] for leg in strategy_info(self.strategy)["legs"]) \
                and self.far_dte <= self.dte:
            raise DataError(f"far_dte ({self.far_dte}) must be above dte ({self.dte}): the far "
                            f"legs of {self.strategy!r} expire after the near ones")
        _num(self, "delta", lo=0.0, hi=0.5, open_hi=True)
        _num(self, "moneyness", lo=0.0, hi=0.5, open_hi=True)
        _num(self, "width", lo=0.0)
        _num(self, "contracts", lo=0.0)
        _num(self, "risk_pct", lo=0.0, hi=1.0)
        _num(self, "vol_target", lo=0.0)
        _num(self, "multiplier", lo=0.0)
        if not (isinstance(self.capital, (int, float)) and math.isfinite(self.capital)
                and self.capital > 0):
            raise DataError(f"capital must be > 0 (the starting equity), got {self.capital!r}")
        _num(self, "fill_fraction", lo=0.0, hi=1.0, closed_lo=True)
        for name in ("commission", "fees"):
            _num(self, name, lo=0.0, closed_lo=True)
        if self.profit_target is not None:
            _num(self, "profit_target", lo=0.0)
        if self.stop_loss is not None and not (math.isfinite(self.stop_loss)
                                               and self.stop_loss > 0):
            raise DataError(f"stop_loss must be > 0 (close when the loss reaches that fraction "
                            f"of the {self.stop_basis}), got {self.stop_loss!r}: a stop at or "
                            "above break-even sits above the profit target and would close "
                            "every trade on entry")
        if self.exit_dte is not None:
            _int(self, "exit_dte", 0)
            if self.exit_dte >= self.dte + self.dte_tolerance:
                raise DataError(f"exit_dte ({self.exit_dte}) must be below the entry DTE "
                                f"({self.dte} +- {self.dte_tolerance}): every trade would close "
                                "on the day it opens")
        if self.max_days is not None:
            _int(self, "max_days", 1)

    @property
    def fraction(self) -> float:
        """The fill fraction ``f`` in use (0.5 mid, 1 natural, else ``fill_fraction``)."""
        return {"mid": 0.5, "natural": 1.0}.get(self.fill, self.fill_fraction)

    def with_(self, **changes: Any) -> Rules:
        """A copy with some fields changed (validated again).

        Parameters
        ----------
        **changes
            Field name -> new value, in the units of the class attributes.

        Returns
        -------
        Rules
            The new rules.

        Raises
        ------
        DataError
            When a changed value is out of range (the message names the field).
        """
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            Every field by name (``signal`` as a list); :meth:`from_dict` reads it back.
        """
        d = asdict(self)
        d["signal"] = list(self.signal)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> Rules:
        """Inverse of :meth:`to_dict` (unknown keys are refused).

        Parameters
        ----------
        data : dict
            Field name -> value; missing fields take their defaults.

        Returns
        -------
        Rules
            The validated rules.

        Raises
        ------
        DataError
            An unknown field, or a value out of range.
        """
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise DataError(f"unknown rule field(s): {', '.join(sorted(unknown))}")
        d = dict(data)
        if "signal" in d:
            d["signal"] = tuple(d["signal"] or ())
        return cls(**d)


def _int(rules: Rules, name: str, lo: int) -> None:
    v = getattr(rules, name)
    if isinstance(v, float) and v.is_integer():
        object.__setattr__(rules, name, int(v))
        v = int(v)
    if not isinstance(v, int) or isinstance(v, bool) or v < lo:
        raise DataError(f"{name} must be a whole number >= {lo}, got {v!r}")


def _num(rules: Rules, name: str, *, lo: float, hi: float | None = None, open_hi: bool = False,
         closed_lo: bool = False) -> None:
    v = getattr(rules, name)
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if ok:
        ok = (v >= lo) if closed_lo else (v > lo)
        if ok and hi is not None:
            ok = v < hi if open_hi else v <= hi
    if not ok:
        lo_s = f">= {lo:g}" if closed_lo else f"> {lo:g}"
        rng = lo_s if hi is None else f"in {'[' if closed_lo else '('}{lo:g}, {hi:g}" \
                                      f"{')' if open_hi else ']'}"
        raise DataError(f"{name} must be {rng}, got {v!r}")
    object.__setattr__(rules, name, float(v))
