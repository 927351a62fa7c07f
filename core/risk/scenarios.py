"""Scenarios and full revaluation: :class:`Scenario`, :func:`revalue`, :func:`stress`,
built-in sets (spot x vol ladder, SPAN-style 16, portfolio-margin grid), arbitrage checks of the
shocked surfaces, and P/L explain.

A scenario shocks, all at once: spot by ``spot`` (relative), every vol by ``vol`` (decimal:
0.05 = +5 vol points), the skew by ``skew`` (vol per 10% of log-moneyness ``k = ln(K/F)``,
added as ``-skew * k / 0.10``, so a positive skew shock raises puts and lowers calls), the term
structure by ``term`` (vol per year of expiry, pivoting at one month: ``term * (T - 1/12)``; a
negative term shock lifts the front, as in a crash), time by ``days`` (calendar days), and the
rate by ``rate`` (decimal). Spot moves move the smile according to the market's ``sticky`` rule.

Rules of the built-in sets
--------------------------
* :func:`span_scenarios` (CME SPAN's 16 risk scenarios): price scan range ``psr`` (default 6% of
  spot) and volatility scan range ``vsr`` (default 4 vol points); scenarios 1–14 are price
  unchanged, +-1/3, +-2/3, +-3/3 of the range, each with vol up and down (unchanged price twice);
  15–16 are +-3 x the range with vol unchanged, counted at 35% (``weight``). The SPAN-style
  margin is the largest weighted loss.
* :func:`pm_grid` (portfolio margin in the spirit of FINRA Rule 4210(g) / OCC TIMS for
  broad-based indices): 10 equidistant spot moves from -8% to +6% crossed with implied vol
  down / unchanged / up by 15% of the market's one-month ATM vol (in vol points); the
  requirement is the largest loss on the grid.
* :func:`ladder` the desk's risk matrix: spot -30%..+30% x vol -10..+40 points, 21 x 21.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from core.errors import DataError
from core.pricing import bs_greeks
from core.risk.book import Book
from core.risk.market import Market
from core.risk.valuation import (SKEW_UNIT, TERM_PIVOT, VOL_FLOOR, Prepared, prepare,
                                 pnl_matrix, shocked_inputs, shocked_values)
from core.surface import durrleman_g
from core._typing import ArrayLike
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

__all__ = ["Scenario", "revalue", "revalue_positions", "stress", "StressResult", "ladder",
           "span_scenarios", "pm_grid", "check_shocked_surfaces", "pnl_explain", "Explain",
           "SHOCKS"]

SHOCKS = ("spot", "vol", "skew", "term", "days", "rate")


#: What the revaluation functions accept: one :class:`Scenario`, a dict of its fields, or a
#: sequence of either.
ScenariosLike: TypeAlias = "Scenario | Mapping[str, Any] | Sequence[Scenario | Mapping[str, Any]]"


@dataclass(frozen=True, slots=True)
class Scenario:
    """One market scenario (units in the module docstring).

    Attributes
    ----------
    spot : float
        Relative spot move (-0.1 = -10%).
    vol : float
        Parallel vol shift, decimal (0.05 = +5 vol points).
    skew : float
        Skew tilt, vol per 10% of log-moneyness (positive raises puts).
    term : float
        Term tilt, vol per year of expiry, pivoting at one month.
    days : float
        Calendar days passing.
    rate : float
        Rate shift, decimal.
    name, source : str
        Label and where the numbers come from.
    weight : float
        Share of the loss counted (SPAN's extreme scenarios use 0.35).
    """

    spot: float = 0.0
    vol: float = 0.0
    skew: float = 0.0
    term: float = 0.0
    days: float = 0.0
    rate: float = 0.0
    name: str = ""
    source: str = ""
    weight: float = 1.0

    def __post_init__(self) -> None:
        for f in SHOCKS + ("weight",):
            v = getattr(self, f)
            try:
                x = float(v)
            except (TypeError, ValueError):
                raise DataError(f"Scenario {f} must be a number, got {v!r}") from None
            if not math.isfinite(x):
                raise DataError(f"Scenario {f} must be finite, got {v!r}")
            object.__setattr__(self, f, x)
        if self.spot <= -1.0:
            raise DataError(f"Scenario spot must be > -1 (a relative move), got {self.spot}")
        if self.days < 0:
            raise DataError(f"Scenario days must be >= 0, got {self.days}")
        if not self.name:
            object.__setattr__(self, "name", self.label())

    def label(self) -> str:
        """Short description of the shocks, e.g. 'spot -10%, vol +5 pts'.

        Returns
        -------
        str
        """
        parts = []
        if self.spot:
            parts.append(f"spot {self.spot:+.1%}")
        if self.vol:
            parts.append(f"vol {self.vol * 100:+.1f} pts")
        if self.skew:
            parts.append(f"skew {self.skew * 100:+.1f} pts/10%")
        if self.term:
            parts.append(f"term {self.term * 100:+.1f} pts/y")
        if self.days:
            parts.append(f"{self.days:g} d")
        if self.rate:
            parts.append(f"rate {self.rate * 1e4:+.0f} bp")
        return ", ".join(parts) or "unchanged"

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
    def from_dict(cls, data: dict) -> Scenario:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Scenario
        """
        return cls(**{k: v for k, v in data.items() if k in {f.name for f in fields(cls)}})


def _as_scenarios(scenarios) -> list[Scenario]:
    if isinstance(scenarios, Scenario):
        return [scenarios]
    out = [s if isinstance(s, Scenario) else Scenario.from_dict(s) for s in scenarios]
    if not out:
        raise DataError("scenarios is empty: pass at least one Scenario")
    return out


def _shock_arrays(sc: list[Scenario]) -> list[np.ndarray]:
    return [np.fromiter((getattr(s, f) for s in sc), np.float64, len(sc)) for f in SHOCKS]


def _shocked(book: Book, market: Market, scenarios: ScenariosLike, prepared: Prepared | None
             ) -> tuple[Prepared, list[Scenario], list[np.ndarray], tuple[np.ndarray, ...]]:
    """The prepared book, the scenarios, their shock arrays (in ``SHOCKS`` order) and the
    shocked inputs ``(S, T, r, sigma)`` of :func:`core.risk.valuation.shocked_inputs`."""
    P = prepared if prepared is not None else prepare(book, market)
    sc = _as_scenarios(scenarios)
    arrays = _shock_arrays(sc)
    return P, sc, arrays, shocked_inputs(P, *arrays)


def revalue_positions(book: Book, market: Market, scenarios: ScenariosLike, *,
                      prepared: Prepared | None = None) -> np.ndarray:
    """P/L per scenario (rows) and valued position (columns of ``prepare(...).index``),
    currency, by full revaluation.

    Parameters
    ----------
    book : Book
    market : Market
    scenarios : Scenario, dict or sequence of them
        Shocks in :class:`Scenario` units (spot relative, vol and rate as decimals, days
        calendar).
    prepared : Prepared, optional
        Reuse :func:`core.risk.valuation.prepare` output.

    Returns
    -------
    ndarray, shape (n_scenarios, n_valued)
        P/L in currency (quantity x multiplier included) against today's market value.

    Raises
    ------
    DataError
        A scenario with a non-numeric or out-of-range shock.
    """
    P = prepared if prepared is not None else prepare(book, market)
    sc = _as_scenarios(scenarios)
    return pnl_matrix(P, *_shock_arrays(sc))


def revalue(book: Book, market: Market, scenarios: ScenariosLike, *,
            prepared: Prepared | None = None) -> np.ndarray:
    """Total P/L of ``book`` under each scenario by full revaluation (currency).

    Parameters
    ----------
    book : Book
    market : Market
    scenarios : Scenario or sequence of Scenario (or their dicts)
    prepared : Prepared, optional
        :func:`core.risk.valuation.prepare` output to reuse across calls.

    Returns
    -------
    ndarray
        One P/L per scenario (positions the market cannot value are left out; see
        :func:`core.risk.valuation.prepare`).

    Examples
    --------
    Ten index units gain ``10 S x spot`` under a relative spot move, and the empty scenario
    changes nothing:


    >>> from core.data import sample_chain
    >>> market = Market.from_chain(sample_chain())
    >>> book = Book.from_csv("symbol,quantity,trade_price\\nSPX,10,2500\\n")
    >>> pnl = revalue(book, market, [Scenario(spot=-0.10), Scenario(spot=0.05), Scenario()])
    >>> bool(np.allclose(pnl, 10 * market.spot * np.array([-0.10, 0.05, 0.0])))
    True
    """
    return revalue_positions(book, market, scenarios, prepared=prepared).sum(axis=1)


# --------------------------------------------------------------------------------------------
# built-in sets
# --------------------------------------------------------------------------------------------
def ladder(spots: ArrayLike | None = None, vols: ArrayLike | None = None) -> list[Scenario]:
    """Spot x vol grid, spot-major: default spot -30%..+30% (21) x vol -10..+40 pts (21).

    Parameters
    ----------
    spots : array_like, optional
        Relative spot moves (-0.1 = -10%).
    vols : array_like, optional
        Parallel vol shifts, decimals (0.05 = +5 vol points).

    Returns
    -------
    list of Scenario
        ``len(spots) * len(vols)`` scenarios, every vol for the first spot first.
    """
    s = np.linspace(-0.30, 0.30, 21) if spots is None else np.asarray(spots, dtype=float)
    v = np.linspace(-0.10, 0.40, 21) if vols is None else np.asarray(vols, dtype=float)
    return [Scenario(spot=float(a), vol=float(b), name=f"spot {a:+.0%}, vol {b * 100:+.1f}",
                     source="spot x vol ladder") for a in s for b in v]


def span_scenarios(psr: float = 0.06, vsr: float = 0.04) -> list[Scenario]:
    """The 16 SPAN risk scenarios (rules in the module docstring).

    Parameters
    ----------
    psr : float
        Price scan range, relative to spot (0.06 = 6%), in (0, 0.5).
    vsr : float
        Vol scan range, decimal (0.04 = 4 vol points), in [0, 1).

    Returns
    -------
    list of Scenario
        14 scenarios at 0, 1/3, 2/3 and 1 x PSR with vol up/down, then the two extreme
        moves of 3 x PSR counted at ``weight=0.35``.

    Raises
    ------
    DataError
        ``psr`` or ``vsr`` out of range.
    """
    if not (0 < psr < 0.5 and 0 <= vsr < 1):
        raise DataError(f"need 0 < psr < 0.5 and 0 <= vsr < 1, got psr={psr}, vsr={vsr}")
    src = f"SPAN-style, price scan {psr:.0%}, vol scan {vsr * 100:g} pts"
    out = []
    n = 1
    for frac in (0.0, 1 / 3, 2 / 3, 1.0):
        for sign in ((1,) if frac == 0 else (1, -1)):
            for dv in (vsr, -vsr):
                out.append(Scenario(spot=sign * frac * psr, vol=dv, source=src,
                                    name=f"S{n}: price {sign * frac:+.2f} x PSR, vol "
                                         f"{'up' if dv > 0 else 'down'}"))
                n += 1
    for sign in (1, -1):
        out.append(Scenario(spot=sign * 3 * psr, vol=0.0, weight=0.35, source=src,
                            name=f"S{n}: price {sign * 3:+d} x PSR (extreme, 35%)"))
        n += 1
    return out


def pm_grid(market: Market | None = None, atm_vol: float | None = None) -> list[Scenario]:
    """Portfolio-margin style grid (rules in the module docstring).

    Parameters
    ----------
    market : Market, optional
        Gives the one-month ATM vol when ``atm_vol`` is not set.
    atm_vol : float, optional
        ATM vol, decimal; default the market's one-month ATM vol, else 0.20.

    Returns
    -------
    list of Scenario
        Ten spot moves from -8% to +6% x vol shifts of -15%, 0 and +15% of ``atm_vol``.
    """
    if atm_vol is None:
        atm_vol = 0.2 if market is None else float(market.vol(market.forward(1 / 12), 1 / 12))
    dv = 0.15 * atm_vol
    src = "portfolio-margin style: -8%..+6% x vol -/0/+15% of ATM"
    return [Scenario(spot=float(s), vol=float(v), source=src,
                     name=f"PM spot {s:+.1%}, vol {v * 100:+.1f}")
            for s in np.linspace(-0.08, 0.06, 10) for v in (-dv, 0.0, dv)]


# --------------------------------------------------------------------------------------------
# arbitrage of shocked surfaces
# --------------------------------------------------------------------------------------------
def check_shocked_surfaces(market: Market, scenarios: ScenariosLike, *,
                           n_k: int = 41) -> list[dict]:
    """Butterfly (Durrleman ``g >= 0``) and calendar (total variance non-decreasing in ``T``)
    checks of each scenario's shocked surface on ``k`` in the quoted range and the fitted
    expiries. Vol shocks are applied in today's log-moneyness (a spot move under sticky
    strike only shifts the smile, which moves no arbitrage into the quoted range).

    Parameters
    ----------
    market : Market
    scenarios : Scenario, dict or sequence of them
    n_k : int
        Log-moneyness points checked across the quoted range.

    Returns
    -------
    list of dict
        One per scenario: ``butterfly`` and ``calendar`` (True = arbitrage found), ``min_g``
        and ``worst_calendar`` (largest decrease of total variance, vol^2 x years), and
        ``base_butterfly``/``base_calendar``: whether today's unshocked surface already has it.
    """
    sc = _as_scenarios(scenarios)
    kg = np.linspace(market.k_range[0], market.k_range[1], n_k)
    Ts = market.surface.expiries
    Kg, Tg = np.meshgrid(kg, Ts)
    w, w1, w2 = market.surface.total_variance_derivs(Kg, Tg)
    sig = np.sqrt(np.maximum(w, 1e-12) / Tg)
    sk = w1 / (2 * sig * Tg)
    skk = (w2 / (2 * Tg) - sk * sk) / sig
    out = []
    for s in [Scenario(name="today")] + sc:
        s1 = np.maximum(sig + s.vol - s.skew * Kg / SKEW_UNIT + s.term * (Tg - TERM_PIVOT),
                        VOL_FLOOR)
        s1k = sk - s.skew / SKEW_UNIT
        W = s1 * s1 * Tg
        W1 = 2 * s1 * s1k * Tg
        W2 = 2 * Tg * (s1k * s1k + s1 * skk)
        g = durrleman_g(Kg, W, W1, W2)
        dec = -np.diff(W, axis=0) if W.shape[0] > 1 else np.zeros(1)
        out.append({"name": s.name, "butterfly": bool(np.min(g) < -1e-8),
                    "calendar": bool(np.max(dec, initial=0.0) > 1e-10),
                    "min_g": float(np.min(g)), "worst_calendar": float(np.max(dec, initial=0.0))})
    base = out.pop(0)
    for o in out:
        o["base_butterfly"], o["base_calendar"] = base["butterfly"], base["calendar"]
    return out


# --------------------------------------------------------------------------------------------
# stress report
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class StressResult:
    """Stress report of a book over scenarios.

    Attributes
    ----------
    scenarios : tuple of Scenario
    pnl : ndarray
        Total P/L per scenario, currency.
    by_position : pandas.DataFrame
        P/L per valued position (rows: symbols) and scenario (columns: scenario names).
    greeks_after : pandas.DataFrame
        Total desk Greeks (delta, gamma, vega, theta) after each scenario's shock.
    arbitrage : tuple of dict
        :func:`check_shocked_surfaces` per scenario.
    """

    scenarios: tuple[Scenario, ...]
    pnl: np.ndarray
    by_position: pd.DataFrame
    greeks_after: pd.DataFrame
    arbitrage: tuple[dict, ...]

    def worst(self, j: int, n: int = 5) -> pd.Series:
        """The ``n`` worst contributors (P/L per position) to scenario ``j``.

        Parameters
        ----------
        j : int
            Scenario index (column of :attr:`by_position`).
        n : int
            How many contributors.

        Returns
        -------
        pandas.Series
            P/L per position (currency), most negative first.
        """
        col = self.by_position.iloc[:, j]
        return col.sort_values().head(n)

    def table(self) -> pd.DataFrame:
        """One row per scenario: name, source, shocks, P/L, weighted P/L, arbitrage flags.

        Returns
        -------
        pandas.DataFrame
            Shocks in :class:`Scenario` units, P/L in currency.
        """
        rows = []
        for s, p, a in zip(self.scenarios, self.pnl, self.arbitrage):
            rows.append({"name": s.name, "source": s.source, **{f: getattr(s, f) for f in SHOCKS},
                         "pnl": float(p), "weighted_pnl": float(p) * s.weight,
                         "arbitrage": _arb_text(a)})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"scenarios": [s.to_dict() for s in self.scenarios], "pnl": self.pnl.tolist(),
                "by_position": {"index": list(self.by_position.index),
                                "columns": list(self.by_position.columns),
                                "data": self.by_position.to_numpy().tolist()},
                "greeks_after": self.greeks_after.to_dict("list"),
                "arbitrage": list(self.arbitrage)}

    @classmethod
    def from_dict(cls, d: dict) -> StressResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        StressResult
        """
        bp = d["by_position"]
        return cls(tuple(Scenario.from_dict(s) for s in d["scenarios"]), np.asarray(d["pnl"]),
                   pd.DataFrame(bp["data"], index=bp["index"], columns=bp["columns"]),
                   pd.DataFrame(d["greeks_after"]), tuple(d["arbitrage"]))


def _arb_text(a: dict) -> str:
    parts = []
    for kind in ("butterfly", "calendar"):
        if a[kind]:
            parts.append(kind + (" (as today)" if a.get(f"base_{kind}") else " (new)"))
    return ", ".join(parts) or "none"


def stress(book: Book, market: Market, scenarios: ScenariosLike, *,
           prepared: Prepared | None = None) -> StressResult:
    """Full stress report: P/L per scenario and position, Greeks after the shock, arbitrage
    checks of every shocked surface.

    Parameters
    ----------
    book : Book
    market : Market
    scenarios : Scenario, dict or sequence of them
        Shocks in :class:`Scenario` units.
    prepared : Prepared, optional
        Reuse :func:`core.risk.valuation.prepare` output.

    Returns
    -------
    StressResult
        P/L in currency; Greeks after each shock in desk units (:mod:`core.risk.greeks`).
    """
    P, sc, _, (S, T, r, sig) = _shocked(book, market, scenarios, prepared)
    opt = P.is_option
    g = bs_greeks(S, np.where(opt, P.K, 1.0), np.where(opt, T, 0.0), r, P.q,
                  np.where(opt, sig, 0.2), P.is_call)
    V = np.where(opt, g.price, np.where(P.is_stock, np.broadcast_to(S, T.shape), 1.0))
    pnl_pos = (V - P.V0) * P.units
    u = P.units
    Sb = np.broadcast_to(S, T.shape)
    after = pd.DataFrame({
        "scenario": [s.name for s in sc],
        "delta": (np.where(opt, g.delta, np.where(P.is_stock, 1.0, 0.0)) * Sb * u).sum(1),
        "gamma": (np.where(opt, g.gamma, 0.0) * Sb * Sb / 100 * u).sum(1),
        "vega": (np.where(opt, g.vega, 0.0) / 100 * u).sum(1),
        "theta": (np.where(opt, g.theta, 0.0) / 365 * u).sum(1)})
    names = _unique([s.name for s in sc])
    symbols = _unique([book.positions[i].symbol for i in P.index])
    by_pos = pd.DataFrame(pnl_pos.T, index=symbols, columns=names)
    return StressResult(tuple(sc), pnl_pos.sum(1), by_pos, after,
                        tuple(check_shocked_surfaces(market, sc)))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n} #{k + 1}")
    return out


# --------------------------------------------------------------------------------------------
# P/L explain
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Explain:
    """Full revaluation against the Taylor estimate, per scenario (currency).

    ``full``; the Taylor terms ``delta`` (dV/dS dS), ``gamma`` (1/2 d2V/dS2 dS^2), ``vega``
    (dV/dsigma dsigma, each position's own vol change), ``theta`` (dV/dt dt), ``rho``
    (dV/dr dr); ``taylor`` their sum and ``unexplained = full - taylor``.
    """

    names: tuple[str, ...]
    full: np.ndarray
    delta: np.ndarray
    gamma: np.ndarray
    vega: np.ndarray
    theta: np.ndarray
    rho: np.ndarray

    @property
    def taylor(self) -> np.ndarray:
        """Sum of the Taylor terms."""
        return self.delta + self.gamma + self.vega + self.theta + self.rho

    @property
    def unexplained(self) -> np.ndarray:
        """Full revaluation minus the Taylor estimate."""
        return self.full - self.taylor

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"names": list(self.names),
                **{k: getattr(self, k).tolist() for k in ("full", "delta", "gamma", "vega",
                                                          "theta", "rho")}}

    @classmethod
    def from_dict(cls, d: dict) -> Explain:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Explain
        """
        return cls(tuple(d["names"]), *(np.asarray(d[k], dtype=float)
                                        for k in ("full", "delta", "gamma", "vega", "theta",
                                                  "rho")))


def pnl_explain(book: Book, market: Market, scenarios: ScenariosLike, *,
                prepared: Prepared | None = None) -> Explain:
    """P/L explain: full revaluation against the delta-gamma-vega-theta(-rho) Taylor estimate,
    Greeks taken today, each position's own vol change (skew, term and sticky rule included).

    Parameters
    ----------
    book : Book
    market : Market
    scenarios : Scenario, dict or sequence of them
        Shocks in :class:`Scenario` units.
    prepared : Prepared, optional
        Reuse :func:`core.risk.valuation.prepare` output.

    Returns
    -------
    Explain
        Full and Taylor P/L per scenario and the Greek contributions, currency.
    """
    P, sc, arrays, (S1, T1, r1, sig1) = _shocked(book, market, scenarios, prepared)
    full = ((shocked_values(P, *arrays) - P.V0) * P.units).sum(1)
    S0 = market.spot
    opt = P.is_option
    g = bs_greeks(S0, np.where(opt, P.K, 1.0), np.where(opt, P.T, 0.0), P.r, P.q,
                  np.where(opt, P.sigma, 0.2), P.is_call)
    u = P.units
    dS = S1 - S0                                            # (m, 1)
    delta = np.where(opt, g.delta, np.where(P.is_stock, 1.0, 0.0)) * u
    gamma = np.where(opt, g.gamma, 0.0) * u
    dsig = np.where(opt, sig1 - P.sigma, 0.0)
    dt = arrays[4].reshape(-1, 1) / 365.0
    dr = arrays[5].reshape(-1, 1)
    return Explain(tuple(s.name for s in sc), full, (dS * delta).sum(1),
                   (0.5 * dS * dS * gamma).sum(1),
                   (dsig * np.where(opt, g.vega, 0.0) * u).sum(1),
                   (dt * np.where(opt, g.theta, 0.0) * u).sum(1),
                   (dr * np.where(opt, g.rho, 0.0) * u).sum(1))
