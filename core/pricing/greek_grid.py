"""Greeks on a (strike or spot) x (time to expiry) grid, for the Greeks surfaces page."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core._validate import as_float_array, check_finite, check_range
from core.errors import DataError
from core.pricing.black_scholes import GREEK_NAMES, bs_greeks
from core.pricing.position import PositionLeg, position_greeks

__all__ = ["GreekGrid", "greek_grid", "INSTRUMENTS"]

INSTRUMENTS = ("call", "put", "position")


@dataclass(frozen=True, slots=True)
class GreekGrid:
    """One Greek on a grid.

    Attributes
    ----------
    greek : str
        Name from ``GREEK_NAMES``.
    axis : str
        ``"strike"`` for a single option (spot fixed), ``"spot"`` for a position (strikes fixed).
    x : ndarray, shape (nx,)
        Strikes or spots, in currency.
    days : ndarray, shape (nt,)
        Calendar days to expiry (ACT/365: T = days / 365).
    z : ndarray, shape (nt, nx)
        The Greek in :func:`core.pricing.bs_greeks` units (per 1.00 vol, per year, per 1.00 rate).
    """

    greek: str
    axis: str
    x: np.ndarray
    days: np.ndarray
    z: np.ndarray

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"greek": self.greek, "axis": self.axis, "x": self.x.tolist(),
                "days": self.days.tolist(), "z": self.z.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> "GreekGrid":
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        GreekGrid
        """
        return cls(d["greek"], d["axis"], np.asarray(d["x"], float), np.asarray(d["days"], float),
                   np.asarray(d["z"], float))


def greek_grid(greek: str, instrument: str, *, spot: float, sigma: float, r: float, q: float,
               x_range: tuple[float, float], days_range: tuple[float, float], n: int = 60,
               legs: tuple[PositionLeg, ...] = ()) -> GreekGrid:
    """Evaluate ``greek`` on an ``n x n`` grid of (strike or spot) and days to expiry.

    Parameters
    ----------
    greek : str
        One of ``GREEK_NAMES`` ("price", "delta", ... "charm").
    instrument : {"call", "put", "position"}
        A single option (x axis = strike, at the given spot) or a position (x axis = spot).
    spot : float
        Spot price, > 0.
    sigma, r, q : float
        Volatility, rate and dividend yield, decimals (continuously compounded).
    x_range : (float, float)
        Range of the x axis as fractions of spot, e.g. (0.5, 1.5).
    days_range : (float, float)
        Range of calendar days to expiry, >= 0.
    n : int
        Points per axis.
    legs : tuple of PositionLeg
        The position, required when ``instrument == "position"``.

    Returns
    -------
    GreekGrid
        The Greek on the strike (single option) or spot (position) axis by days to expiry, in
        :func:`core.pricing.bs_greeks` units (per 1.00 vol, per year, per 1.00 rate).
    """
    if greek not in GREEK_NAMES:
        raise DataError(f"greek must be one of {', '.join(GREEK_NAMES)}, got {greek!r}")
    if instrument not in INSTRUMENTS:
        raise DataError(f"instrument must be one of {', '.join(INSTRUMENTS)}, got {instrument!r}")
    vals = {k: as_float_array(k, v) for k, v in
            (("spot", spot), ("sigma", sigma), ("r", r), ("q", q))}
    for k, v in vals.items():
        check_finite(k, v)
    check_range("spot", vals["spot"], lo=0.0)
    check_range("sigma", vals["sigma"], lo=0.0, strict=False)
    lo, hi = float(x_range[0]), float(x_range[1])
    if not (0 < lo < hi):
        raise DataError(f"x_range must satisfy 0 < low < high, got ({lo:g}, {hi:g})")
    d_lo, d_hi = float(days_range[0]), float(days_range[1])
    if not (0 <= d_lo < d_hi):
        raise DataError(f"days_range must satisfy 0 <= low < high, got ({d_lo:g}, {d_hi:g})")
    if not 2 <= n <= 400:
        raise DataError(f"n must be between 2 and 400, got {n}")
    x = np.linspace(lo, hi, n) * float(spot)
    days = np.linspace(d_lo, d_hi, n)
    T = days[:, None] / 365.0
    if instrument == "position":
        if not legs:
            raise DataError("a position needs at least one leg, e.g. '+1 C 100, +1 P 100'")
        z = position_greeks(legs, x[None, :], T, r, q, sigma)[greek]
        axis = "spot"
    else:
        z = bs_greeks(float(spot), x[None, :], T, r, q, sigma, instrument == "call")[greek]
        axis = "strike"
    return GreekGrid(greek, axis, x, days, np.asarray(z, dtype=np.float64))
