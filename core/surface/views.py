"""What the surface studio shows about a set of fits, computed once: arbitrage on the quoted
range with the violations located in (strike, days, vol), and each fit's ATM term structure.

The page used to run these checks inside its figure code; here they are one plain function,
:func:`compare_fits`, returning a frozen :class:`SurfaceComparison` that figures only draw.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.surface.diagnostics import ArbitrageReport, atm_term_structure

if TYPE_CHECKING:  # names used in annotations only
    from core.surface.result import SurfaceFit

__all__ = ["QUOTED_K_RANGE", "ArbitragePoints", "FitView", "SurfaceComparison",
           "quoted_range_arbitrage", "compare_fits"]

#: Log-moneyness range the studio checks for arbitrage: the quotes it fits (0.6-1.4 x forward).
#: The core checker's default (+-1.5) also covers extrapolated wings with no quotes.
QUOTED_K_RANGE: tuple[float, float] = (math.log(0.6), math.log(1.4))


def quoted_range_arbitrage(fit: SurfaceFit) -> ArbitrageReport:
    """``fit.arbitrage()`` on :data:`QUOTED_K_RANGE` (200 points per slice).

    Parameters
    ----------
    fit : SurfaceFit

    Returns
    -------
    ArbitrageReport
    """
    return fit.arbitrage(k_min=QUOTED_K_RANGE[0], k_max=QUOTED_K_RANGE[1])


def _arr(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(-1)


@dataclass(frozen=True, slots=True)
class ArbitragePoints:
    """Located violations: strike (currency), days to expiry and implied vol (decimal).

    ``butterfly_*`` are points where Durrleman's ``g < 0``; ``calendar_*`` where the total
    variance falls from one expiry to the next (drawn at the later expiry ``T2``).
    """

    butterfly_strike: np.ndarray
    butterfly_days: np.ndarray
    butterfly_iv: np.ndarray
    calendar_strike: np.ndarray
    calendar_days: np.ndarray
    calendar_iv: np.ndarray

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {f: getattr(self, f).tolist() for f in self.__slots__}

    @classmethod
    def from_dict(cls, d: Mapping) -> ArbitragePoints:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        ArbitragePoints
        """
        return cls(**{f: _arr(d[f]) for f in cls.__slots__})


def _points(fit, arb: ArbitrageReport) -> ArbitragePoints:
    empty = np.empty(0)
    bK = bD = bV = cK = cD = cV = empty
    if not arb.butterfly_free:
        pts = pd.DataFrame(list(arb.butterfly))
        T = pts["T"].to_numpy(dtype=np.float64)
        bK = fit.forward(T) * np.exp(pts["k"].to_numpy(dtype=np.float64))
        bD, bV = T * 365.0, fit.implied_vol(bK, T)
    if not arb.calendar_free:
        pts = pd.DataFrame(list(arb.calendar))
        T2 = pts["T2"].to_numpy(dtype=np.float64)
        cK = fit.forward(T2) * np.exp(pts["k"].to_numpy(dtype=np.float64))
        cD, cV = T2 * 365.0, np.sqrt(pts["w2"].to_numpy(dtype=np.float64) / T2)
    return ArbitragePoints(*(_arr(a) for a in (bK, bD, bV, cK, cD, cV)))


@dataclass(frozen=True, slots=True)
class FitView:
    """One fit's diagnostics as the studio shows them.

    Attributes
    ----------
    model : str
    arbitrage : ArbitrageReport
        On :data:`QUOTED_K_RANGE`.
    points : ArbitragePoints
    term_days : ndarray
        Days to expiry of the ATM term structure.
    term_atm_vol : ndarray
        ATM (K = F) implied vol, decimal.
    """

    model: str
    arbitrage: ArbitrageReport
    points: ArbitragePoints
    term_days: np.ndarray
    term_atm_vol: np.ndarray

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"model": self.model, "arbitrage": self.arbitrage.to_dict(),
                "points": self.points.to_dict(), "term_days": self.term_days.tolist(),
                "term_atm_vol": np.where(np.isfinite(self.term_atm_vol), self.term_atm_vol,
                                         None).tolist()}

    @classmethod
    def from_dict(cls, d: Mapping) -> FitView:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        FitView
        """
        return cls(model=str(d["model"]), arbitrage=ArbitrageReport.from_dict(d["arbitrage"]),
                   points=ArbitragePoints.from_dict(d["points"]), term_days=_arr(d["term_days"]),
                   term_atm_vol=np.array([np.nan if v is None else v for v in d["term_atm_vol"]],
                                         dtype=np.float64))


@dataclass(frozen=True, slots=True)
class SurfaceComparison:
    """Diagnostics of several fits of one chain, in the order given.

    Attributes
    ----------
    views : tuple of FitView
    k_range : tuple of float
        The log-moneyness range the arbitrage checks covered.
    """

    views: tuple[FitView, ...]
    k_range: tuple[float, float] = QUOTED_K_RANGE

    @property
    def models(self) -> tuple[str, ...]:
        """The fitted models' names, in view order.
        """
        return tuple(v.model for v in self.views)

    def __getitem__(self, model: str) -> FitView:
        for v in self.views:
            if v.model == model:
                return v
        raise KeyError(model)

    def note(self) -> str:
        """Where the checks ran, in words.

        Returns
        -------
        str
        """
        lo, hi = self.k_range
        return (f"Arbitrage is checked on the quoted range {math.exp(lo):.1f}–{math.exp(hi):.1f} × "
                f"forward (k = ln K/F in [{lo:.2f}, {hi:.2f}]), 200 points per slice.")

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"views": [v.to_dict() for v in self.views], "k_range": list(self.k_range)}

    @classmethod
    def from_dict(cls, d: Mapping) -> SurfaceComparison:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        SurfaceComparison
        """
        return cls(views=tuple(FitView.from_dict(v) for v in d["views"]),
                   k_range=tuple(float(x) for x in d.get("k_range", QUOTED_K_RANGE)))


def compare_fits(fits: Mapping) -> SurfaceComparison:
    """Arbitrage (quoted range, violations located) and ATM term structure of each fit.

    Parameters
    ----------
    fits : mapping of str to SurfaceFit
        Model name -> fit of the same chain.

    Returns
    -------
    SurfaceComparison

    Raises
    ------
    DataError
        When ``fits`` is empty.
    """
    if not fits:
        raise DataError("fits must hold at least one fitted surface")
    views = []
    for model, fit in fits.items():
        arb = quoted_range_arbitrage(fit)
        ts = atm_term_structure(fit)
        views.append(FitView(model=str(model), arbitrage=arb, points=_points(fit, arb),
                             term_days=_arr(ts["T"]) * 365.0, term_atm_vol=_arr(ts["atm_vol"])))
    return SurfaceComparison(views=tuple(views))
