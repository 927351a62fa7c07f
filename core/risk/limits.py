"""Risk limits: user-set bounds on total Greeks (desk units) and on VaR/ES, with utilisation
and breaches.

A limit is either a number ``L`` (the bound ``|value| <= L``) or a pair ``(lo, hi)`` (either
side may be None for no bound). Utilisation is ``value / hi`` for a value above zero and
``value / lo`` below zero (for a symmetric bound ``|value| / L``); a breach is a utilisation
above 1. VaR and ES are positive losses, so their limits are ``(None, L)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from core.errors import DataError

__all__ = ["LimitReport", "check_limits", "DEFAULT_LIMITS", "LIMIT_METRICS", "LIMIT_UNITS"]

LIMIT_METRICS = ("delta", "gamma", "vega", "theta", "rho", "shadow_delta", "var", "es")
LIMIT_UNITS = {"delta": "$ per 100% (dollar delta)", "gamma": "$ delta per 1%",
               "vega": "$ per vol point", "theta": "$ per day", "rho": "$ per 1% rate",
               "shadow_delta": "$ (sticky moneyness)", "var": "$ 1-day 99%",
               "es": "$ 1-day 99%"}
#: Defaults sized for a small SPX desk book (currency).
DEFAULT_LIMITS = {"delta": 500_000.0, "gamma": 100_000.0, "vega": 25_000.0,
                  "theta": 5_000.0, "var": 60_000.0, "es": 80_000.0}


def _bounds(metric: str, spec) -> tuple[float | None, float | None]:
    if isinstance(spec, (int, float)):
        x = float(spec)
        if not (math.isfinite(x) and x > 0):
            raise DataError(f"limit for {metric} must be > 0, got {spec}")
        return (None, x) if metric in ("var", "es") else (-x, x)
    try:
        lo, hi = spec
    except (TypeError, ValueError):
        raise DataError(f"limit for {metric} must be a number or (lo, hi), got {spec!r}") from None
    lo = None if lo is None else float(lo)
    hi = None if hi is None else float(hi)
    if lo is not None and hi is not None and lo >= hi:
        raise DataError(f"limit for {metric}: lo must be < hi, got ({lo}, {hi})")
    return lo, hi


@dataclass(frozen=True, slots=True, eq=False)
class LimitReport:
    """``table``: one row per limit: metric, value, lo, hi, utilisation (0..), breach, unit."""

    table: pd.DataFrame

    @property
    def breaches(self) -> list[str]:
        """Metrics whose limit is breached."""
        return [m for m, b in zip(self.table["metric"], self.table["breach"]) if b]

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"table": self.table.astype(object).where(self.table.notna(), None)
                .to_dict("records")}

    @classmethod
    def from_dict(cls, d: dict) -> LimitReport:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        LimitReport
        """
        return cls(pd.DataFrame(d["table"]))


def check_limits(values: dict, limits: dict | None = None) -> LimitReport:
    """Utilisation and breaches of ``limits`` (default :data:`DEFAULT_LIMITS`) for the
    ``values`` (book totals plus ``var``/``es``); metrics without a value are skipped.

    Parameters
    ----------
    values : dict
        Metric -> value in desk units (:data:`LIMIT_UNITS`: dollar delta, dollar gamma per 1%,
        $ per vol point, $ per day, $ per 1% rate; ``var``/``es`` one-day positive losses), e.g.
        ``BookGreeks.totals`` plus ``var`` and ``es``.
    limits : dict, optional
        Metric (one of :data:`LIMIT_METRICS`) -> a number ``x`` (``|value| <= x``; for ``var``
        and ``es`` ``value <= x``), a pair ``(lo, hi)`` (either may be None), or None (no limit).

    Returns
    -------
    LimitReport
        One row per checked limit with utilisation (value / the limit on its side) and breach.

    Raises
    ------
    DataError
        An unknown metric, a limit that is not > 0, or ``lo >= hi``.
    """
    limits = DEFAULT_LIMITS if limits is None else limits
    rows = []
    for metric, spec in limits.items():
        if metric not in LIMIT_METRICS:
            raise DataError(f"unknown limit metric {metric!r}: choose from "
                            f"{', '.join(LIMIT_METRICS)}")
        if spec is None or metric not in values:
            continue
        lo, hi = _bounds(metric, spec)
        v = float(values[metric])
        util = 0.0
        if v > 0 and hi is not None:
            util = v / hi if hi > 0 else math.inf
        elif v < 0 and lo is not None:
            util = v / lo if lo < 0 else math.inf
        breach = (hi is not None and v > hi) or (lo is not None and v < lo)
        rows.append({"metric": metric, "value": v, "lo": lo, "hi": hi,
                     "utilisation": util, "breach": bool(breach),
                     "unit": LIMIT_UNITS.get(metric, "")})
    return LimitReport(pd.DataFrame(rows, columns=["metric", "value", "lo", "hi", "utilisation",
                                                   "breach", "unit"]))
