"""Positions of European options and stock on one underlying: parsing and aggregate Greeks.

A position is a tuple of :class:`PositionLeg`; its Greeks are the quantity-weighted sums of the
legs' Black-Scholes Greeks (stock contributes its price and a delta of one per share).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.errors import DataError
from core.pricing.black_scholes import GREEK_NAMES, Greeks, bs_greeks
from core._typing import ArrayLike

__all__ = ["PositionLeg", "parse_legs", "format_legs", "position_greeks", "LEG_KINDS", "leg_kind"]

#: The one map from the codes users type (C/P/S, any case, or the words) to leg kinds.
LEG_KINDS: dict[str, str] = {"C": "call", "CALL": "call", "P": "put", "PUT": "put", "S": "stock",
                             "STOCK": "stock"}
_KINDS = LEG_KINDS


def leg_kind(code: str) -> str:
    """``'call'``, ``'put'`` or ``'stock'`` for a code like ``'C'``, ``'p'`` or ``'Stock'``.

    Parameters
    ----------
    code : str
        A leg type code (any case, spaces ignored).

    Returns
    -------
    str

    Raises
    ------
    DataError
        For any other code.

    Examples
    --------
    >>> leg_kind("c"), leg_kind("PUT"), leg_kind("S")
    ('call', 'put', 'stock')
    """
    kind = LEG_KINDS.get(str(code).strip().upper())
    if kind is None:
        raise DataError(f"leg type must be C (call), P (put) or S (stock), got {code!r}")
    return kind
_LEG_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*(\d+(?:\.\d+)?)?\s*$")


@dataclass(frozen=True, slots=True)
class PositionLeg:
    """One leg: ``kind`` in {'call', 'put', 'stock'}, ``strike`` (ignored for stock), ``qty``.

    ``qty`` < 0 is a short position; quantities are in units of the underlying (one option on one
    share), so a contract multiplier is applied by the caller if wanted.
    """

    kind: str
    strike: float
    qty: float

    def __post_init__(self):
        if self.kind not in ("call", "put", "stock"):
            raise DataError(f"leg kind must be 'call', 'put' or 'stock', got {self.kind!r}")
        if self.qty == 0 or not np.isfinite(self.qty):
            raise DataError(f"leg quantity must be a non-zero number, got {self.qty}")
        if self.kind != "stock" and not (np.isfinite(self.strike) and self.strike > 0):
            raise DataError(f"leg strike must be > 0, got {self.strike}")


def parse_legs(text: str) -> tuple[PositionLeg, ...]:
    """Parse legs written as ``"+1 C 100, -2 C 105, +1 P 95, +100 S"``.

    Each leg is ``quantity kind [strike]`` with kind C/call, P/put or S/stock; legs are separated by
    commas or semicolons.

    Parameters
    ----------
    text : str
        The legs; strikes in currency, quantities signed.

    Returns
    -------
    tuple of PositionLeg

    Raises
    ------
    DataError
        Naming the leg that could not be read and the expected form.
    """
    parts = [p for p in re.split(r"[;,\n]", text or "") if p.strip()]
    if not parts:
        raise DataError("no legs given: write legs like '+1 C 100, -1 P 95' (qty, C/P/S, strike)")
    legs = []
    for part in parts:
        m = _LEG_RE.match(part)
        kind = _KINDS.get(m.group(2).upper()) if m else None
        if m is None or kind is None:
            raise DataError(f"cannot read leg {part.strip()!r}: write quantity, C/P/S and strike, "
                            "e.g. '-1 P 95' or '+100 S'")
        if kind != "stock" and m.group(3) is None:
            raise DataError(f"leg {part.strip()!r} needs a strike, e.g. '+1 C 100'")
        strike = float(m.group(3)) if m.group(3) and kind != "stock" else 0.0
        legs.append(PositionLeg(kind, strike, float(m.group(1))))
    return tuple(legs)


def format_legs(legs: tuple[PositionLeg, ...]) -> str:
    """Inverse of :func:`parse_legs` (a canonical text form).

    Parameters
    ----------
    legs : tuple of PositionLeg
        The legs.

    Returns
    -------
    str
        E.g. ``"+1 C 100, -2 C 105"``.
    """
    out = []
    for leg in legs:
        qty = f"{leg.qty:+g}"
        out.append(f"{qty} S" if leg.kind == "stock" else f"{qty} {leg.kind[0].upper()} {leg.strike:g}")
    return ", ".join(out)


def position_greeks(legs: Sequence[PositionLeg], S: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike,
                    sigma: ArrayLike) -> Greeks:
    """Price and Greeks of a position, summed over legs, broadcasting over ``S`` and ``T``.

    Parameters
    ----------
    legs : sequence of PositionLeg
        The position; every option leg shares the expiry ``T``.
    S : array_like
        Spot, > 0, in currency.
    T : array_like
        Time to expiry of the option legs in years (ACT/365), >= 0.
    r, q, sigma : float or array_like
        Rate, dividend yield (continuously compounded) and volatility (decimal).

    Returns
    -------
    Greeks
        Sums of ``qty`` times each leg's values (units as :func:`bs_greeks`).
    """
    if not legs:
        raise DataError("a position needs at least one leg")
    S_b, T_b = np.broadcast_arrays(np.asarray(S, dtype=float), np.asarray(T, dtype=float))
    total = {name: np.zeros(S_b.shape) for name in GREEK_NAMES}
    for leg in legs:
        if leg.kind == "stock":
            total["price"] = total["price"] + leg.qty * S_b
            total["delta"] = total["delta"] + leg.qty
            continue
        g = bs_greeks(S_b, leg.strike, T_b, r, q, sigma, leg.kind == "call")
        for name in GREEK_NAMES:
            total[name] = total[name] + leg.qty * g[name]
    return Greeks(**total)
