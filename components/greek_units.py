"""How each Greek is shown in the UI: label, scale from core units, and unit text.

Core returns QuantLib's conventions (vega per 1.00 vol, theta per year, rho per 1.00 rate). The
desk reads vega per vol point, theta and charm per calendar day, rho per 1% of rate.
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["GreekDisplay", "GREEK_DISPLAY", "fmt_greek"]


class GreekDisplay(NamedTuple):
    label: str
    scale: float
    unit: str


GREEK_DISPLAY: dict[str, GreekDisplay] = {
    "price": GreekDisplay("Price", 1.0, "$"),
    "delta": GreekDisplay("Delta", 1.0, "$ per $1 spot"),
    "gamma": GreekDisplay("Gamma", 1.0, "delta per $1 spot"),
    "vega": GreekDisplay("Vega", 0.01, "$ per vol point"),
    "theta": GreekDisplay("Theta", 1.0 / 365.0, "$ per day"),
    "rho": GreekDisplay("Rho", 0.01, "$ per 1% rate"),
    "vanna": GreekDisplay("Vanna", 0.01, "delta per vol point"),
    "volga": GreekDisplay("Volga", 1e-4, "vega ($/vol pt) per vol point"),
    "charm": GreekDisplay("Charm", 1.0 / 365.0, "delta per day"),
}


def fmt_greek(v: float, digits: int = 4) -> str:
    """A Greek in desk units with ``digits`` significant digits (thousands separated): small
    second-order Greeks (vanna, volga, charm) keep their digits instead of reading 0.0000.

    Parameters
    ----------
    v : float
        The Greek, desk units.
    digits : int
        Significant digits.

    Returns
    -------
    str
        ``"–"`` for None or NaN.
    """
    if v is None or v != v:
        return "–"
    if abs(v) < 1e-12:  # rounding noise of a cancelling position, not a value
        return "0"
    a = abs(v)
    if a >= 10 ** digits:
        return f"{v:,.0f}"
    if a >= 1e-4:
        import math

        decimals = max(digits - 1 - int(math.floor(math.log10(a))), 0)
        return f"{v:,.{decimals}f}"
    return f"{v:.{digits - 1}e}"
