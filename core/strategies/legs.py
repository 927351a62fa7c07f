"""Strategy legs and the :class:`Strategy` object: payoff at expiry, P/L at any date before it,
breakevens, maximum profit and loss, and position Greeks.

Conventions
-----------
* Quantities are in units of the underlying (one option on one share; ``qty < 0`` is short); all
  P/L figures are per unit of quantity as given, premiums included, no contract multiplier.
* ``T`` is the time to expiry in years (ACT/365) measured from the trade date; ``at_T`` is the
  valuation date on the same clock (``0`` = today, ``None`` = the first option expiry), so a
  leg has ``T - at_T`` years left at ``at_T``.
* ``r`` and ``q`` are continuously compounded; vols are decimals. Premiums are not financed:
  P/L = value at ``at_T`` minus the entry price, undiscounted.
* Volatility for valuation before expiry (``vol=``): a float (flat), a callable ``vol(K, T)``
  (e.g. ``SurfaceFit.implied_vol``) evaluated at each leg's strike and residual time, or ``None``
  for each leg's own :attr:`Leg.vol`. With a callable, ``sticky="strike"`` keeps ``vol(K)``
  when spot moves; ``sticky="delta"`` keeps the vol at the same moneyness ``K/S``, i.e. uses
  ``vol(K * spot_ref / S, tau)`` where ``spot_ref`` is the spot the surface was fitted at.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from core._validate import as_float_array, check_finite
from core.errors import DataError
from core.pricing.black_scholes import GREEK_NAMES, Greeks, bs_greeks
from core.pricing.position import PositionLeg
from core.strategies import payoff as _pf
from core._typing import FloatLike, VolLike

__all__ = ["Leg", "Strategy", "KINDS", "STICKY"]

KINDS = ("call", "put", "stock")
STICKY = ("strike", "delta")
_KIND_ALIASES = {"c": "call", "call": "call", "p": "put", "put": "put", "s": "stock",
                 "stock": "stock"}
_T_TOL = 1e-12  # expiries closer than this (years) are the same expiry


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg of a strategy.

    Attributes
    ----------
    kind : str
        'call', 'put' or 'stock' ('C', 'P', 'S' are accepted and normalised).
    strike : float
        Strike in currency, > 0 for options (stored as 0.0 for stock).
    T : float
        Time to expiry in years (ACT/365) from the trade date, > 0 for options (0.0 for stock).
    qty : float
        Signed quantity in units of the underlying; < 0 is short.
    price : float
        Entry price per unit in currency (option premium, or the stock purchase price), >= 0.
    vol : float or None
        Optional leg volatility (decimal), used when a valuation is asked with ``vol=None``;
        :func:`core.strategies.build` sets it to the implied vol of the entry price.
    """

    kind: str
    strike: float
    T: float
    qty: float
    price: float
    vol: float | None = None

    def __post_init__(self) -> None:
        kind = _KIND_ALIASES.get(str(self.kind).strip().lower())
        if kind is None:
            raise DataError(f"leg kind must be 'call', 'put' or 'stock', got {self.kind!r}")
        vals = {}
        for name in ("strike", "T", "qty", "price"):
            try:
                vals[name] = float(getattr(self, name))
            except (TypeError, ValueError) as exc:
                raise DataError(f"leg {name} must be a number, got {getattr(self, name)!r}"
                                ) from exc
            if not math.isfinite(vals[name]):
                raise DataError(f"leg {name} must be finite, got {vals[name]}")
        if vals["qty"] == 0.0:
            raise DataError("leg qty must be non-zero, got 0")
        if vals["price"] < 0.0:
            raise DataError(f"leg price must be >= 0, got {vals['price']:g}")
        if kind == "stock":
            vals["strike"], vals["T"] = 0.0, 0.0
        else:
            if vals["strike"] <= 0.0:
                raise DataError(f"leg strike must be > 0, got {vals['strike']:g}")
            if vals["T"] <= 0.0:
                raise DataError(f"leg T must be > 0 (years), got {vals['T']:g}")
        vol = self.vol
        if vol is not None:
            vol = float(vol)
            if not (math.isfinite(vol) and vol >= 0.0):
                raise DataError(f"leg vol must be a finite number >= 0, got {self.vol!r}")
        object.__setattr__(self, "kind", kind)
        for name, v in vals.items():
            object.__setattr__(self, name, v)
        object.__setattr__(self, "vol", vol)

    @property
    def is_option(self) -> bool:
        """True for calls and puts."""
        return self.kind != "stock"

    def payoff(self, S: FloatLike) -> np.ndarray:
        """Value per unit at expiry: ``max(S-K, 0)``, ``max(K-S, 0)`` or ``S`` (stock).

        Parameters
        ----------
        S : float or array_like
            Underlying prices at expiry, currency.

        Returns
        -------
        numpy.ndarray
            Value per unit of quantity, currency, shape of ``S`` (premium not subtracted).
        """
        S = np.asarray(S, dtype=np.float64)
        if self.kind == "call":
            return np.maximum(S - self.strike, 0.0)
        if self.kind == "put":
            return np.maximum(self.strike - S, 0.0)
        return S.copy()

    def describe(self) -> str:
        """Short text such as ``'-1 C 105 @ 2.35 (T=0.082)'``.

        Returns
        -------
        str
        """
        if self.kind == "stock":
            return f"{self.qty:+g} S @ {self.price:.4g}"
        return (f"{self.qty:+g} {self.kind[0].upper()} {self.strike:g} @ {self.price:.4g} "
                f"(T={self.T:.4g})")

    def to_position_leg(self) -> PositionLeg:
        """The leg as a :class:`core.pricing.PositionLeg` (kind, strike, qty): Greeks page.

        Returns
        -------
        PositionLeg
        """
        return PositionLeg(self.kind, self.strike, self.qty)

    @classmethod
    def from_position_leg(cls, leg: PositionLeg, T: float, price: float,
                          vol: float | None = None) -> Leg:
        """Build a leg from a :class:`core.pricing.PositionLeg` plus expiry and entry price.

        Parameters
        ----------
        leg : PositionLeg
            Kind, strike (currency) and signed quantity.
        T : float
            Time to expiry, years (ACT/365); ignored for stock.
        price : float
            Entry price per unit, currency.
        vol : float, optional
            The leg's own vol, decimal.

        Returns
        -------
        Leg
        """
        return cls(leg.kind, leg.strike, 0.0 if leg.kind == "stock" else T, leg.qty, price, vol)

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> Leg:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Leg
        """
        try:
            return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
        except TypeError as exc:
            raise DataError(f"not a Leg dict: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Strategy:
    """A set of legs on one underlying.

    Attributes
    ----------
    legs : tuple of Leg
        At least one leg (a list is accepted and stored as a tuple).
    name : str
        Catalogue name or a free label.
    r, q : float
        Continuously compounded rate and dividend yield used to value legs before expiry.
    spot : float or None
        Underlying price at entry (currency): the reference for sticky-delta vols and the default
        centre of analyses.

    Notes
    -----
    Methods that value legs before their expiry accept ``vol``, ``sticky`` and ``spot_ref`` as
    described in the module docstring. P/L is per unit of quantity, premiums included.

    Examples
    --------
    A 100/110 bull call spread bought for 5.00 - 2.00 = 3.00 (P/L per unit, currency):


    >>> spread = Strategy([Leg("call", 100.0, 0.5, 1, 5.0), Leg("call", 110.0, 0.5, -1, 2.0)])
    >>> spread.expiry_pnl([90.0, 105.0, 120.0])
    array([-3.,  2.,  7.])
    >>> spread.max_profit(), spread.max_loss(), spread.breakevens()
    (7.0, 3.0, (103.0,))
    """

    legs: tuple[Leg, ...]
    name: str = ""
    r: float = 0.0
    q: float = 0.0
    spot: float | None = None

    def __post_init__(self) -> None:
        legs = tuple(Leg.from_dict(x) if isinstance(x, dict) else x for x in (self.legs or ()))
        if not legs:
            raise DataError("a strategy needs at least one leg")
        if not all(isinstance(x, Leg) for x in legs):
            raise DataError("strategy legs must be Leg objects")
        object.__setattr__(self, "legs", legs)
        for name in ("r", "q"):
            v = float(getattr(self, name))
            if not math.isfinite(v):
                raise DataError(f"{name} must be finite, got {v}")
            object.__setattr__(self, name, v)
        if self.spot is not None:
            s = float(self.spot)
            if not (math.isfinite(s) and s > 0):
                raise DataError(f"spot must be > 0, got {self.spot!r}")
            object.__setattr__(self, "spot", s)

    # -- descriptive ---------------------------------------------------------------------------
    @property
    def expiries(self) -> tuple[float, ...]:
        """Distinct option expiries in years, ascending (empty for a stock-only position)."""
        out: list[float] = []
        for T in sorted(x.T for x in self.legs if x.is_option):
            if not out or T - out[-1] > _T_TOL:
                out.append(T)
        return tuple(out)

    @property
    def first_expiry(self) -> float | None:
        """The earliest option expiry in years, or None without options."""
        e = self.expiries
        return e[0] if e else None

    @property
    def multi_expiry(self) -> bool:
        """True when option legs expire on more than one date (calendars, diagonals)."""
        return len(self.expiries) > 1

    @property
    def strikes(self) -> tuple[float, ...]:
        """Distinct option strikes, ascending."""
        return tuple(sorted({x.strike for x in self.legs if x.is_option}))

    @property
    def net_premium(self) -> float:
        """Sum of ``qty * price`` over legs: > 0 is a net debit paid, < 0 a net credit."""
        return float(sum(x.qty * x.price for x in self.legs))

    def to_position_legs(self) -> tuple[PositionLeg, ...]:
        """Legs as :class:`core.pricing.PositionLeg` (for ``position_greeks`` / the Greeks page).

        Returns
        -------
        tuple of PositionLeg
        """
        return tuple(x.to_position_leg() for x in self.legs)

    # -- valuation -----------------------------------------------------------------------------
    def expiry_pnl(self, S: FloatLike) -> np.ndarray:
        """P/L if every leg is settled at its intrinsic value at underlying price ``S``.

        Exact and piecewise linear in ``S``; for single-expiry strategies it is the P/L at
        expiry. (For calendars it ignores the remaining time of the far legs: use :meth:`pnl`.)

        Parameters
        ----------
        S : array_like
            Underlying prices, >= 0, in currency.

        Returns
        -------
        ndarray
            P/L per unit of quantity, premiums included, shape of ``S``.
        """
        S = _spots(S)
        return _pf.expiry_pnl(self.legs, S)

    def value(self, S: FloatLike, at_T: float | None = None, vol: VolLike = None, *,
              sticky: str = "strike", spot_ref: float | None = None) -> np.ndarray:
        """Mark-to-model value ``sum(qty * V_i)`` at ``at_T`` (premiums not subtracted).

        Option legs with time left are priced by Black-Scholes at their vol (see the module
        notes); legs expiring at ``at_T`` are worth their intrinsic value; stock is worth ``S``.

        Parameters
        ----------
        S : array_like
            Underlying prices, >= 0, in currency.
        at_T : float or None
            Valuation date, years after the trade date; ``None`` means the first expiry.
        vol : float, callable ``vol(K, T)`` or None
            Vol of legs with time left (decimals), as in :meth:`pnl`.
        sticky : {'strike', 'delta'}
            How a callable vol moves with spot.
        spot_ref : float, optional
            Spot at which the callable vol was fitted; default :attr:`spot`.

        Returns
        -------
        numpy.ndarray
            Value per unit of quantity, currency, shape of ``S``.
        """
        S = _spots(S)
        at_T = self.horizon(at_T)
        return _pf.position_value(self.legs, S, at_T, self._vol_fn(vol, sticky, spot_ref),
                                  self.r, self.q)

    def pnl(self, S: FloatLike, at_T: float | None = None, vol: VolLike = None, *,
            sticky: str = "strike", spot_ref: float | None = None) -> np.ndarray:
        """P/L at the valuation date ``at_T`` for underlying prices ``S``.

        Parameters
        ----------
        S : array_like
            Underlying prices, >= 0, in currency.
        at_T : float or None
            Valuation date in years after the trade date (ACT/365), between 0 and the first
            expiry; ``None`` means the first expiry. Multi-expiry strategies are valued with
            the later legs at their residual time ``T - at_T``.
        vol : float, callable ``vol(K, T)`` or None
            Vol of legs with time left: flat, a surface, or each leg's own ``Leg.vol``.
        sticky : {'strike', 'delta'}
            How a callable vol moves with spot (ignored for flat or per-leg vols).
        spot_ref : float, optional
            Spot at which the callable vol was fitted (sticky-delta); default :attr:`spot`.

        Returns
        -------
        ndarray
            P/L per unit of quantity, premiums included, shape of ``S``.
        """
        S = _spots(S)
        at_T = self.horizon(at_T)
        if self.at_expiry(at_T):
            return _pf.expiry_pnl(self.legs, S)
        cost = self.net_premium
        return _pf.position_value(self.legs, S, at_T, self._vol_fn(vol, sticky, spot_ref),
                                  self.r, self.q) - cost

    def greeks(self, S: FloatLike, at_T: float = 0.0, vol: VolLike = None, *,
               sticky: str = "strike", spot_ref: float | None = None) -> Greeks:
        """Position price and Greeks at ``at_T``: sums of ``qty`` times each leg's
        :func:`core.pricing.bs_greeks` (stock adds ``qty * S`` to the price and ``qty`` to delta).

        Units as :func:`core.pricing.bs_greeks` (vega per 1.00 vol, theta per year, rho per 1.00
        rate); ``price`` is the mark-to-model value without premiums. Arguments as :meth:`pnl`.

        Parameters
        ----------
        S : array_like
            Underlying prices, >= 0, in currency.
        at_T : float
            Valuation date, years after the trade date.
        vol : float, callable ``vol(K, T)`` or None
            Vol of legs with time left (decimals), as in :meth:`pnl`.
        sticky : {'strike', 'delta'}
            How a callable vol moves with spot.
        spot_ref : float, optional
            Spot at which the callable vol was fitted; default :attr:`spot`.

        Returns
        -------
        Greeks
            Price and Greeks per unit of quantity, each of the shape of ``S``.
        """
        S = _spots(S)
        at_T = self.horizon(at_T)
        vol_fn = self._vol_fn(vol, sticky, spot_ref)
        total = {n: np.zeros(S.shape) for n in GREEK_NAMES}
        opts = [x for x in self.legs if x.is_option]
        if opts:
            K, tau, is_call, qty = _pf.leg_arrays(opts, at_T)
            sig = vol_fn(opts, S, tau)
            Sb = np.maximum(S, _pf.S_FLOOR)[None, ...]
            shape = (len(opts),) + (1,) * S.ndim
            g = bs_greeks(Sb, K.reshape(shape), tau.reshape(shape), self.r, self.q, sig,
                          is_call.reshape(shape))
            w = qty.reshape(shape)
            for n in GREEK_NAMES:
                total[n] = (w * g[n]).sum(axis=0)
        for x in self.legs:
            if not x.is_option:
                total["price"] = total["price"] + x.qty * S
                total["delta"] = total["delta"] + x.qty
        return Greeks(**total)

    # -- analytics -----------------------------------------------------------------------------
    def breakevens(self, at_T: float | None = None, vol: VolLike = None, *, sticky: str = "strike",
                   spot_ref: float | None = None) -> tuple[float, ...]:
        """All underlying prices where the P/L at ``at_T`` is zero, ascending.

        At the expiry of a single-expiry strategy the P/L is piecewise linear between strikes and
        the roots are solved exactly; otherwise (calendars, or ``at_T`` before expiry) roots are
        bracketed by sign changes on a fine grid (:func:`payoff.numeric_breakevens`) and refined
        by Brent's method (``xtol`` 1e-12 relative); tangential (double) roots may be missed.

        Parameters
        ----------
        at_T : float or None
            Valuation date, years after the trade date; ``None`` means the first expiry.
        vol, sticky, spot_ref
            As in :meth:`pnl` (used before expiry).

        Returns
        -------
        tuple of float
            Underlying prices (currency) where the P/L is zero, ascending.
        """
        at_T = self.horizon(at_T)
        if self.at_expiry(at_T):
            return _pf.exact_breakevens(self.legs)
        f = self._pnl_fn(at_T, vol, sticky, spot_ref)
        return _pf.numeric_breakevens(f, self._scales())

    def max_profit(self, at_T: float | None = None, vol: VolLike = None, *, sticky: str = "strike",
                   spot_ref: float | None = None) -> float:
        """Largest P/L at ``at_T`` over all underlying prices ``S >= 0``; ``math.inf`` when it is
        unbounded (positive slope beyond the last strike), floored at 0.

        Parameters
        ----------
        at_T : float or None
            Valuation date, years after the trade date; ``None`` means the first expiry.
        vol, sticky, spot_ref
            As in :meth:`pnl` (used before expiry).

        Returns
        -------
        float
            Per unit of quantity, currency, premiums included.
        """
        return self._extremes(at_T, vol, sticky, spot_ref)[0]

    def max_loss(self, at_T: float | None = None, vol: VolLike = None, *, sticky: str = "strike",
                 spot_ref: float | None = None) -> float:
        """Largest loss at ``at_T`` as a positive number (``>= 0``); ``math.inf`` when unbounded
        (negative slope beyond the last strike, e.g. a naked short call).

        Parameters
        ----------
        at_T : float or None
            Valuation date, years after the trade date; ``None`` means the first expiry.
        vol, sticky, spot_ref
            As in :meth:`pnl` (used before expiry).

        Returns
        -------
        float
            Per unit of quantity, currency, premiums included.
        """
        return self._extremes(at_T, vol, sticky, spot_ref)[1]

    def slope_beyond(self, at_T: float | None = None) -> float:
        """dP/L/dS as ``S -> inf`` at ``at_T``: stock qty plus call qty times ``exp(-q tau)``.

        Parameters
        ----------
        at_T : float or None
            Valuation date, years after the trade date; ``None`` means the first expiry.

        Returns
        -------
        float
            P/L per unit of underlying price, per unit of quantity.
        """
        at_T = self.horizon(at_T)
        return _pf.right_slope(self.legs, at_T, self.q)

    # -- serialisation -------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict (legs as dicts).

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"legs": [x.to_dict() for x in self.legs], "name": self.name, "r": self.r,
                "q": self.q, "spot": self.spot}

    @classmethod
    def from_dict(cls, data: dict) -> Strategy:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Strategy
        """
        try:
            return cls(tuple(Leg.from_dict(x) for x in data["legs"]), data.get("name", ""),
                       data.get("r", 0.0), data.get("q", 0.0), data.get("spot"))
        except (KeyError, TypeError) as exc:
            raise DataError(f"not a Strategy dict: {exc}") from exc

    # -- helpers -------------------------------------------------------------------------------
    def horizon(self, at_T: float | None = None) -> float:
        """Validated valuation date in years after the trade date: ``at_T``, or the first expiry
        when None (0 for a stock-only position). Raises :class:`DataError` outside
        ``[0, first expiry]``.

        Parameters
        ----------
        at_T : float or None
            Valuation date, years after the trade date (ACT/365).

        Returns
        -------
        float
            Years after the trade date.
        """
        first = self.first_expiry
        if at_T is None:
            return 0.0 if first is None else first
        try:
            at_T = float(at_T)
        except (TypeError, ValueError) as exc:
            raise DataError(f"at_T must be a number of years, got {at_T!r}") from exc
        if not math.isfinite(at_T) or at_T < 0.0:
            raise DataError(f"at_T must be >= 0 (years), got {at_T}")
        if first is not None and at_T > first + _T_TOL:
            raise DataError(f"at_T must be <= the first expiry {first:.6g}, got {at_T:.6g}")
        return min(at_T, first) if first is not None else at_T

    def at_expiry(self, at_T: float) -> bool:
        """True when no option leg has time left at ``at_T`` (the exact piecewise-linear case).

        Parameters
        ----------
        at_T : float
            Valuation date, years after the trade date.

        Returns
        -------
        bool
        """
        return not any(x.is_option and x.T - at_T > _T_TOL for x in self.legs)

    def _vol_fn(self, vol, sticky: str, spot_ref):
        if sticky not in STICKY:
            raise DataError(f"sticky must be 'strike' or 'delta', got {sticky!r}")
        ref = self.spot if spot_ref is None else float(spot_ref)
        return _pf.make_vol_fn(vol, sticky, ref)

    def _pnl_fn(self, at_T, vol, sticky, spot_ref):
        vol_fn = self._vol_fn(vol, sticky, spot_ref)
        cost = self.net_premium
        legs, r, q = self.legs, self.r, self.q
        return lambda S: _pf.position_value(legs, np.asarray(S, float), at_T, vol_fn, r, q) - cost

    def _scales(self) -> tuple[float, ...]:
        refs = [x.strike for x in self.legs if x.is_option]
        refs += [x.price for x in self.legs if not x.is_option and x.price > 0]
        if self.spot is not None:
            refs.append(self.spot)
        return tuple(refs) or (1.0,)

    def _extremes(self, at_T, vol, sticky, spot_ref) -> tuple[float, float]:
        at_T = self.horizon(at_T)
        if self.at_expiry(at_T):
            hi, lo = _pf.exact_extremes(self.legs)
        else:
            f = self._pnl_fn(at_T, vol, sticky, spot_ref)
            hi, lo = _pf.numeric_extremes(f, self._scales(), _pf.right_slope(self.legs, at_T,
                                                                              self.q))
        return max(hi, 0.0), max(-lo, 0.0)


def _spots(S) -> np.ndarray:
    S = as_float_array("S", S)
    check_finite("S", S)
    if np.any(S < 0):
        raise DataError(f"S must be >= 0, got {S[S < 0].ravel()[0]:g}")
    return S
