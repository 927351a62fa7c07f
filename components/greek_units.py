"""How each Greek is shown in the UI: label, scale from core units, and unit text.

Core returns QuantLib's conventions (vega per 1.00 vol, theta per year, rho per 1.00 rate). The
desk reads vega per vol point, theta and charm per calendar day, rho per 1% of rate.
"""
from __future__ import annotations

from typing import NamedTuple


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
