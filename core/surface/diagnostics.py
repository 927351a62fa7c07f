"""Diagnostics of a fitted surface: static arbitrage (butterfly and calendar) and smile metrics.

Arbitrage
---------
* **Butterfly**: a smile ``w(k)`` at fixed ``T`` admits a non-negative risk-neutral density iff
  Durrleman's ``g(k) >= 0`` (:func:`core.surface.svi.durrleman_g`) — checked on a grid of ``n_k``
  log-moneynesses in ``[k_min, k_max]`` at every fitted expiry *and* on ``n_t`` times spread over
  the fitted range (interpolated SVI/SABR slices, native SSVI slices). ``dw/dk`` and
  ``d2w/dk2`` are analytic for SVI and SSVI, central differences (step 1e-4) for SABR, so the
  tolerance is ``-1e-10`` for the first two and ``-1e-6`` for SABR.
* **Calendar**: the total variance must be non-decreasing in ``T`` at fixed ``k = ln(K/F(T))``
  (Gatheral & Jacquier 2014, Lemma 2.1) — checked between consecutive times of the same grid.
  With linear interpolation in ``T`` this is exact for SVI/SABR surfaces (it reduces to pairs of
  neighbouring expiries); for SSVI it samples ``theta(T)``'s effect on the whole slice.

Smile metrics
-------------
ATM level, skew and curvature, 25-delta risk reversal and butterfly, and the ATM term structure.
Delta convention: **forward (undiscounted) Black delta at the smile's own vol**. With
``k = ln(K/F)`` and ``w = sigma(k)^2 T``, ``d1 = -k / sqrt(w) + sqrt(w) / 2``; a call's delta is
``N(d1)``, a put's ``N(d1) - 1``. The 25-delta call strike solves ``N(d1) = 0.25`` and the 25-delta
put strike ``N(d1) = 0.75`` (put delta -0.25), on the fitted smile (a fixed-point in k, solved
by bisection). Then ``RR25 = sigma(25d call) - sigma(25d put)`` and
``BF25 = (sigma(25d call) + sigma(25d put)) / 2 - sigma_ATM`` (the "smile" butterfly), with ATM
meaning at the forward (k = 0).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from scipy.special import ndtri

from core.errors import DataError
from core.surface.svi import durrleman_g
from core._typing import ArrayLike, FloatLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.surface.result import SurfaceFit

__all__ = ["ArbitrageReport", "check_arbitrage", "MAX_LOCATIONS", "smile_metrics",
           "atm_term_structure", "delta_strike", "crossed_expiries"]

#: Most violation locations listed per kind (all are counted).
MAX_LOCATIONS: int = 500
_G_TOL = {"svi": 1e-10, "ssvi": 1e-10, "sabr": 1e-6, "essvi": 1e-10}
_CAL_REL, _CAL_ABS = 1e-10, 1e-14
_D1_25C = float(ndtri(0.25))        # -0.674...: d1 of a 25-delta call
_D1_25P = float(ndtri(0.75))        # +0.674...: d1 of a 25-delta put (N(d1) - 1 = -0.25)


@dataclass(frozen=True, slots=True)
class ArbitrageReport:
    """Where a surface admits static arbitrage on the checked grid.

    Attributes
    ----------
    butterfly_free, calendar_free : bool
        No violation of ``g >= 0`` / of ``dw/dT >= 0`` anywhere on the grid.
    n_butterfly, n_calendar : int
        Number of grid points in violation.
    butterfly : tuple of dict
        Up to :data:`MAX_LOCATIONS` locations ``{"expiry": ISO date or None (between expiries),
        "T": years, "k": ln(K/F), "g": value}``, most negative first.
    calendar : tuple of dict
        Up to :data:`MAX_LOCATIONS` locations ``{"T1", "T2", "k", "w1", "w2"}`` with
        ``w2 < w1`` although ``T2 > T1``, largest drop first.
    slices : tuple of dict
        Per fitted expiry: ``{"expiry", "T", "min_g", "k_min_g"}``.
    k_range : tuple of float
        ``(k_min, k_max)`` of the grid; ``n_k`` and ``n_t`` its sizes.
    """

    butterfly_free: bool
    calendar_free: bool
    n_butterfly: int = 0
    n_calendar: int = 0
    butterfly: tuple[dict, ...] = ()
    calendar: tuple[dict, ...] = ()
    slices: tuple[dict, ...] = ()
    k_range: tuple[float, float] = (-1.5, 1.5)
    n_k: int = 200
    n_t: int = 100

    @property
    def arbitrage_free(self) -> bool:
        """Free of both butterfly and calendar arbitrage on the grid."""
        return self.butterfly_free and self.calendar_free

    def lines(self) -> list[str]:
        """Human-readable summary for the UI.

        Returns
        -------
        list of str
            Two lines: butterfly, then calendar; each says the grid is free of it or where the
            worst violation is (``T`` in years, ``k`` in log-moneyness).
        """
        lo, hi = self.k_range
        where = f"k in [{lo:g}, {hi:g}] ({self.n_k} points)"
        out = []
        if self.butterfly_free:
            out.append(f"No butterfly arbitrage: g(k) >= 0 on {where}.")
        else:
            worst = self.butterfly[0]
            at = worst["expiry"] or f"T = {worst['T']:.4f} y"
            out.append(f"Butterfly arbitrage at {self.n_butterfly} grid points; worst g = "
                       f"{worst['g']:.3g} at {at}, k = {worst['k']:.3f}.")
        if self.calendar_free:
            out.append(f"No calendar arbitrage: total variance non-decreasing in T on {where}.")
        else:
            worst = self.calendar[0]
            out.append(f"Calendar arbitrage at {self.n_calendar} grid points; worst between "
                       f"T = {worst['T1']:.4f} y ({self._when(worst['T1'])}) and T = {worst['T2']:.4f} y "
                       f"({self._when(worst['T2'])}) at k = {worst['k']:.3f}.")
        return out

    def _when(self, T: float) -> str:
        """A checked time among the fitted expiries: the check also samples the surface between
        expiries, so a crossing can fall between two listed dates."""
        listed = sorted((s["T"], s["expiry"]) for s in self.slices if s.get("expiry"))
        same = [e for t, e in listed if abs(t - T) < 1e-9]
        if same:
            return f"the {same[0]} expiry"
        lo = [e for t, e in listed if t < T]
        hi = [e for t, e in listed if t > T]
        between = f", between the {lo[-1]} and {hi[0]} expiries" if lo and hi else ""
        return f"{T * 365:.0f} days, interpolated{between}"

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            Every field; the location tuples as lists of dicts, ``k_range`` as a list.
        """
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("butterfly", "calendar", "slices"):
            out[key] = [dict(d) for d in out[key]]
        out["k_range"] = list(self.k_range)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ArbitrageReport:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            The output of :meth:`to_dict` (possibly through JSON); ``butterfly_free`` and
            ``calendar_free`` are required, the other fields default.

        Returns
        -------
        ArbitrageReport

        Raises
        ------
        DataError
            A required field is missing or a field has the wrong shape.
        """
        try:
            kw = {f.name: data[f.name] for f in fields(cls) if f.name in data}
            for key in ("butterfly", "calendar", "slices"):
                kw[key] = tuple(dict(d) for d in kw.get(key, ()))
            kw["k_range"] = tuple(float(v) for v in kw.get("k_range", (-1.5, 1.5)))
            return cls(**kw)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not an ArbitrageReport dict: {exc!r}") from exc


def _check_grid(k_min, k_max, n_k, n_t) -> tuple[np.ndarray, int]:
    for name, value in (("k_min", k_min), ("k_max", k_max)):
        if not (isinstance(value, (int, float, np.floating)) and math.isfinite(value)):
            raise DataError(f"{name} must be a finite number, got {value!r}")
    if not k_min < k_max:
        raise DataError(f"need k_min < k_max, got k_min={k_min}, k_max={k_max}")
    for name, value, least in (("n_k", n_k, 3), ("n_t", n_t, 0)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least \
                or value > 100_000:
            raise DataError(f"{name} must be an integer in [{least}, 100000], got {value!r}")
    return np.linspace(float(k_min), float(k_max), int(n_k)), int(n_t)


def check_arbitrage(fit: SurfaceFit, *, k_min: float = -1.5, k_max: float = 1.5, n_k: int = 200,
                    n_t: int = 100) -> ArbitrageReport:
    """Check a :class:`~core.surface.SurfaceFit` for butterfly and calendar arbitrage.

    Parameters
    ----------
    fit : SurfaceFit
        The surface.
    k_min, k_max : float
        Range of log-moneyness ``ln(K/F)`` checked.
    n_k : int
        Grid points in ``k``.
    n_t : int
        Extra times spread evenly over ``[first expiry, last expiry]`` (in addition to the
        fitted expiries), for the interpolated / SSVI parts of the surface.

    Returns
    -------
    ArbitrageReport
    """
    kg, n_t = _check_grid(k_min, k_max, n_k, n_t)
    slices = fit.params
    Ts = slices["T"].to_numpy(dtype=np.float64)
    labels = [None if pd.isna(e) else pd.Timestamp(e).date().isoformat()
              for e in slices["expiry"]]
    extra = np.linspace(Ts[0], Ts[-1], n_t) if (n_t and Ts[-1] > Ts[0]) else np.empty(0)
    tg = np.unique(np.concatenate([Ts, extra]))
    K2, T2 = np.meshgrid(kg, tg)
    w, w1, w2 = fit.total_variance_derivs(K2, T2)
    g = durrleman_g(K2, w, w1, w2)
    tol = _G_TOL.get(fit.model, 1e-10)

    label_at = {}
    for T, lab in zip(Ts, labels):
        label_at[int(np.argmin(np.abs(tg - T)))] = lab or f"T = {T:.4f} y"
    bad_i, bad_j = np.nonzero(~(g >= -tol))
    order = np.argsort(np.nan_to_num(g[bad_i, bad_j], nan=-np.inf), kind="stable")
    butterfly = tuple(
        {"expiry": label_at.get(int(bad_i[o])), "T": float(tg[bad_i[o]]),
         "k": float(kg[bad_j[o]]), "g": float(g[bad_i[o], bad_j[o]])}
        for o in order[:MAX_LOCATIONS])

    drop = w[:-1] - w[1:]                               # > 0 where w falls as T grows
    cal_bad = drop > _CAL_REL * np.abs(w[:-1]) + _CAL_ABS
    ci, cj = np.nonzero(cal_bad)
    corder = np.argsort(-drop[ci, cj], kind="stable")
    calendar = tuple(
        {"T1": float(tg[ci[o]]), "T2": float(tg[ci[o] + 1]), "k": float(kg[cj[o]]),
         "w1": float(w[ci[o], cj[o]]), "w2": float(w[ci[o] + 1, cj[o]])}
        for o in corder[:MAX_LOCATIONS])

    per_slice = []
    for T, lab in zip(Ts, labels):
        row = g[int(np.argmin(np.abs(tg - T)))]
        j = int(np.argmin(np.nan_to_num(row, nan=-np.inf)))
        per_slice.append({"expiry": lab, "T": float(T), "min_g": float(row[j]),
                          "k_min_g": float(kg[j])})
    return ArbitrageReport(
        butterfly_free=bad_i.size == 0, calendar_free=ci.size == 0,
        n_butterfly=int(bad_i.size), n_calendar=int(ci.size), butterfly=butterfly,
        calendar=calendar, slices=tuple(per_slice), k_range=(float(kg[0]), float(kg[-1])),
        n_k=int(kg.size), n_t=n_t)


# --------------------------------------------------------------------------------------------
# smile metrics
# --------------------------------------------------------------------------------------------
def _d1(fit, k: np.ndarray, T: np.ndarray) -> np.ndarray:
    w = fit.total_variance(k, T)
    with np.errstate(invalid="ignore", divide="ignore"):
        sw = np.sqrt(w)
        return np.where(w > 0, -k / sw + 0.5 * sw, np.nan)


def delta_strike(fit: SurfaceFit, T: FloatLike, d1_target: float, *, k_lo: float = -4.0,
                 k_hi: float = 4.0, n_grid: int = 801, n_bisect: int = 45) -> np.ndarray:
    """Log-moneyness ``k`` where the forward delta's ``d1`` on the fitted smile equals a target.

    For every ``T`` the first downward crossing of ``d1(k) = d1_target`` on a grid of ``k`` in
    ``[k_lo, k_hi]`` is bracketed and refined by bisection (all times at once). NaN where there
    is none in the range.

    Parameters
    ----------
    fit : SurfaceFit
    T : array_like
        Times to expiry (years).
    d1_target : float
        ``N^{-1}(delta)`` for calls, ``N^{-1}(1 + delta)`` for puts (e.g. -0.6745 for a 25-delta
        call, +0.6745 for a 25-delta put).
    k_lo, k_hi : float
        Log-moneyness range searched (default ``[-4, 4]``).
    n_grid : int
        Grid points in ``[k_lo, k_hi]`` used to bracket the crossing.
    n_bisect : int
        Bisection steps after bracketing (the bracket shrinks by ``2^-n_bisect``).

    Returns
    -------
    ndarray
        Log-moneyness ``ln(K/F)`` (not strikes: ``K = F exp(k)``) whose ``d1`` equals
        ``d1_target`` on the fitted smile, one per ``T`` (1-D); NaN where there is none.
    """
    T = np.atleast_1d(np.asarray(T, dtype=np.float64))
    kg = np.linspace(k_lo, k_hi, n_grid)
    d = _d1(fit, kg[None, :], T[:, None]) - d1_target
    cross = (d[:, :-1] > 0) & (d[:, 1:] <= 0)
    has = cross.any(axis=1)
    first = np.argmax(cross, axis=1)
    lo = kg[first].copy()
    hi = kg[np.minimum(first + 1, n_grid - 1)].copy()
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        f = _d1(fit, mid, T) - d1_target
        up = f > 0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    return np.where(has, 0.5 * (lo + hi), np.nan)


def smile_metrics(fit: SurfaceFit) -> pd.DataFrame:
    """Per-expiry smile metrics of a :class:`~core.surface.SurfaceFit`.

    Parameters
    ----------
    fit : SurfaceFit
        The surface.

    Returns
    -------
    pandas.DataFrame
        One row per fitted expiry with columns: ``expiry``, ``T`` (years), ``forward``,
        ``atm_vol`` (at K = F, decimal), ``atm_total_variance``, ``forward_vol`` (ATM forward vol
        from the previous expiry, ``sqrt(d theta / d T)``; NaN where theta decreases),
        ``skew`` (d sigma / dk at k = 0, vol per unit of log-moneyness), ``curvature``
        (d2 sigma / dk2 at k = 0), ``k_25c``, ``k_25p`` (log-moneyness of the 25-delta call and
        put), ``strike_25c``, ``strike_25p``, ``vol_25c``, ``vol_25p``, ``rr25`` and ``bf25``
        (decimals; forward-delta convention, see the module docstring).
    """
    p = fit.params
    T = p["T"].to_numpy(dtype=np.float64)
    F = p["forward"].to_numpy(dtype=np.float64)
    zero = np.zeros_like(T)
    w, w1, w2 = fit.total_variance_derivs(zero, T)
    with np.errstate(invalid="ignore", divide="ignore"):
        atm = np.sqrt(w / T)
        swt = np.sqrt(w * T)
        skew = w1 / (2.0 * swt)
        curv = w2 / (2.0 * swt) - w1 * w1 / (4.0 * w * swt)
        dtheta = np.diff(np.concatenate([[0.0], w]))
        dT = np.diff(np.concatenate([[0.0], T]))
        fwd_vol = np.sqrt(np.where(dtheta >= 0, dtheta, np.nan) / dT)
    kc = delta_strike(fit, T, _D1_25C)
    kp = delta_strike(fit, T, _D1_25P)
    vc = fit.implied_vol(F * np.exp(np.nan_to_num(kc, nan=0.0)), T)
    vp = fit.implied_vol(F * np.exp(np.nan_to_num(kp, nan=0.0)), T)
    vc = np.where(np.isfinite(kc), vc, np.nan)
    vp = np.where(np.isfinite(kp), vp, np.nan)
    return pd.DataFrame({
        "expiry": p["expiry"], "T": T, "forward": F, "atm_vol": atm, "atm_total_variance": w,
        "forward_vol": fwd_vol, "skew": skew, "curvature": curv, "k_25c": kc, "k_25p": kp,
        "strike_25c": F * np.exp(kc), "strike_25p": F * np.exp(kp), "vol_25c": vc,
        "vol_25p": vp, "rr25": vc - vp, "bf25": 0.5 * (vc + vp) - atm})


def atm_term_structure(fit: SurfaceFit, T: ArrayLike | None = None, n: int = 100) -> pd.DataFrame:
    """ATM (K = F(T)) vol and total variance of the surface against ``T``.

    Parameters
    ----------
    fit : SurfaceFit
    T : array_like, optional
        Times (years, > 0); by default the fitted expiries plus ``n`` points spread over
        ``(0, last expiry]``.
    n : int
        Number of evenly spread times when ``T`` is not given (default 100).

    Returns
    -------
    pandas.DataFrame
        Columns ``T``, ``atm_vol``, ``atm_total_variance``, ``fitted`` (T is a fitted expiry).
    """
    Ts = fit.expiries
    if T is None:
        T = np.unique(np.concatenate([Ts, np.linspace(Ts[-1] / n, Ts[-1], n)]))
    T = np.asarray(T, dtype=np.float64)
    w = fit.total_variance(np.zeros_like(T), T)
    with np.errstate(invalid="ignore", divide="ignore"):
        vol = np.sqrt(w / T)
    return pd.DataFrame({"T": T, "atm_vol": vol, "atm_total_variance": w,
                         "fitted": np.isin(T, Ts)})


def crossed_expiries(fit: SurfaceFit, *, k_min: float = -1.5, k_max: float = 1.5,
                     n_k: int = 601) -> tuple[dict, ...]:
    """Adjacent listed expiries whose fitted slices cross (calendar arbitrage between them).

    The slices are compared at the listed expiries only, on a ``k`` grid: expiry ``j`` crosses
    the one before when its total variance ``w_j(k) = sigma(k, T_j)^2 T_j`` lies below
    ``w_{j-1}(k)`` somewhere. Independent SVI slices may cross; SSVI, eSSVI and the
    calendar-aware SVI fits should not.

    Parameters
    ----------
    fit : SurfaceFit
        Any fitted surface (read through :meth:`SurfaceFit.total_variance`).
    k_min, k_max : float
        Range of log-moneyness ``ln(K/F)`` checked (default ``[-1.5, 1.5]``, as
        :meth:`SurfaceFit.arbitrage`).
    n_k : int
        Grid points in ``k`` (3 to 100000).

    Returns
    -------
    tuple of dict
        One dict per crossing pair ``{"expiry1", "expiry2"`` (ISO dates or None), ``"k"``
        (where ``w_{j-1} - w_j`` is largest), ``"drop"`` (that difference, total variance in
        vol^2 x years, > 0)``}``, nearest pair first; empty when no pair crosses. The number of
        pairs checked is ``len(fit.params) - 1``.
    """
    if not (isinstance(n_k, (int, np.integer)) and 3 <= n_k <= 100_000):
        raise DataError(f"n_k must be an integer from 3 to 100000, got {n_k!r}")
    if not (math.isfinite(k_min) and math.isfinite(k_max) and k_min < k_max):
        raise DataError(f"k_min must be below k_max (both finite), got {k_min!r}, {k_max!r}")
    k = np.linspace(float(k_min), float(k_max), int(n_k))
    rows = fit.params
    Ts = rows["T"].to_numpy(dtype=np.float64)
    W = [np.asarray(fit.total_variance(k, T), dtype=np.float64) for T in Ts]
    day = [None if pd.isna(e) else pd.Timestamp(e).date().isoformat() for e in rows["expiry"]]
    out = []
    for j in range(1, len(Ts)):
        gap = W[j - 1] - W[j]
        i = int(np.nanargmax(gap))
        if gap[i] > 0.0:
            out.append({"expiry1": day[j - 1], "expiry2": day[j], "k": float(k[i]),
                        "drop": float(gap[i])})
    return tuple(out)
