"""The strategy desk's one call: a position under a what-if view (spot, vol and date shifts),
valued the same way everywhere on the page.

Every figure the page shows comes from :func:`analyse_position`, so P/L curves, extremes,
Greeks, probability of profit, VaR and margin always describe the same shifted market:

* the **valuation date** is ``days_forward`` after the trade date, capped at the first expiry
  (the cap is reported in :attr:`PositionAnalysis.notes`, never applied silently);
* the **spot** is ``spot * (1 + spot_shift)`` and every leg vol moves by ``vol_shift``;
* **probability of profit** is for the P/L at the first expiry seen from the valuation date and
  the shifted spot: the lognormal and Monte Carlo methods draw the underlying with the same
  ``sigma`` (stated in :attr:`PositionAnalysis.vol_note`), the risk-neutral-density method uses
  the whole smile of a surface when one is given;
* **VaR / CVaR** are of the change in mark-to-model value from the valuation date over the chosen
  horizon (1 day, 10 days or to the first expiry), from ``mc_paths`` antithetic GBM draws, and the
  histogram of *all* the draws is binned here (the page receives bin counts, not paths);
* **max loss / max profit** are reported on the stated price range of the chart, with any
  unbounded tail described in words (:attr:`PositionAnalysis.tail_note`).

P/L is per unit of underlying (one option on one share), premiums included; multiply by
``multiplier * lots`` for a position (:attr:`PositionAnalysis.scale`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from core.errors import DataError
from core.strategies.analysis import default_grid
from core.strategies.legs import Leg, Strategy
from core.strategies.mc_paths import terminal_prices
from core.strategies.margin import UNDERLYINGS, MarginEstimate, margin
from core.strategies.probability import ProfitProbability, probability_of_profit
from collections.abc import Callable
from typing import Any

__all__ = ["WhatIf", "PositionAnalysis", "analyse_position", "path_values", "VOL_MODES", "VAR_HORIZONS"]

VOL_MODES = ("legs", "strike", "delta")
#: VaR horizons: name -> calendar days (None: to the first expiry).
VAR_HORIZONS = {"1d": 1.0, "10d": 10.0, "expiry": None}
_GRID = 241
_HEAT_DAYS, _HEAT_S = 31, 101
_BINS = 80
_PATH_GRID = 4097  # price points a Monte Carlo revaluation is interpolated from (see path_values)
_DAY = 1.0 / 365.0


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The view a position is analysed under.

    Attributes
    ----------
    spot_shift : float
        Relative spot move (-0.10 = spot 10 % lower), > -1.
    vol_shift : float
        Added to every leg vol, decimals (0.05 = +5 vol points).
    days_forward : float
        Calendar days from the trade date to the valuation date, >= 0.
    vol_mode : {'legs', 'strike', 'delta'}
        Each leg at its own vol, or a surface sticky-strike / sticky-delta.
    var_horizon : {'1d', '10d', 'expiry'}
        VaR horizon from the valuation date.
    var_alpha : float
        VaR confidence level in (0.5, 1).
    mc_paths : int
        Monte Carlo draws for VaR and the Monte Carlo probability of profit (even, >= 1000).
    underlying : {'index', 'equity'}
        Naked-short margin rule (broad-based index 15 %, equity 20 %).
    multiplier, lots : float
        Contract multiplier (100 for US listed options) and number of contracts, > 0.
    seed : int
        Seed of the Monte Carlo draws (the same view draws the same paths).
    """

    spot_shift: float = 0.0
    vol_shift: float = 0.0
    days_forward: float = 0.0
    vol_mode: str = "legs"
    var_horizon: str = "expiry"
    var_alpha: float = 0.99
    mc_paths: int = 100_000
    underlying: str = "index"
    multiplier: float = 100.0
    lots: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name, lo, what in (("spot_shift", -1.0, "a spot shift above -100 %"),
                               ("vol_shift", -5.0, "a vol shift in vol points"),
                               ("days_forward", 0.0, "days forward of 0 or more")):
            v = getattr(self, name)
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise DataError(f"{name} must be {what}, got {v!r}") from None
            if not math.isfinite(v) or (v <= lo if name == "spot_shift" else v < lo):
                raise DataError(f"{name} must be {what}, got {v!r}")
            object.__setattr__(self, name, v)
        if self.vol_mode not in VOL_MODES:
            raise DataError(f"vol_mode must be one of {', '.join(VOL_MODES)}, got {self.vol_mode!r}")
        if self.var_horizon not in VAR_HORIZONS:
            raise DataError(f"var_horizon must be one of {', '.join(VAR_HORIZONS)}, "
                            f"got {self.var_horizon!r}")
        if self.underlying not in UNDERLYINGS:
            raise DataError(f"underlying must be 'index' or 'equity', got {self.underlying!r}")
        if not 0.5 < float(self.var_alpha) < 1.0:
            raise DataError(f"var_alpha must be between 0.5 and 1, got {self.var_alpha!r}")
        if int(self.mc_paths) < 1000:
            raise DataError(f"mc_paths must be at least 1000, got {self.mc_paths!r}")
        object.__setattr__(self, "mc_paths", int(self.mc_paths) + int(self.mc_paths) % 2)
        for name in ("multiplier", "lots"):
            v = getattr(self, name)
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise DataError(f"{name} must be a number above 0, got {v!r}") from None
            if not (math.isfinite(v) and v > 0):
                raise DataError(f"{name} must be a number above 0, got {v!r}")
            object.__setattr__(self, name, v)

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
    def from_dict(cls, d: dict) -> WhatIf:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        WhatIf
        """
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True, slots=True)
class PositionAnalysis:
    """Everything the strategies page draws for one position and view (per unit, currency).

    Attributes
    ----------
    strategy : Strategy
        The position with the vol shift applied to its legs.
    spec : WhatIf
    spot, spot_ref : float
        Shifted spot and the spot the position (and any surface) was priced at.
    at_days, expiry_days : float
        Valuation date and first expiry, calendar days after the trade date.
    S, pnl_expiry : ndarray
        Price grid of the chart and the P/L at the first expiry on it.
    curves : tuple of dict
        ``{"label", "days", "pnl"}`` P/L curves before expiry (today, valuation date, midway).
    breakevens : tuple of float
        At the first expiry.
    max_profit, max_loss : float
        Largest profit / loss (>= 0) at the first expiry on ``price_range``.
    max_profit_global, max_loss_global : float
        Over all prices ``S >= 0`` (``math.inf`` when unbounded).
    price_range : (float, float)
        The stated range of ``max_profit`` / ``max_loss`` (the chart's range).
    tail_note : str
        In words: where P/L is unbounded beyond the range, or '' when it is not.
    net_premium : float
        Debit (> 0) or credit (< 0).
    greeks : dict
        Position Greeks at the shifted spot and valuation date (``bs_greeks`` units).
    pops : dict of str -> ProfitProbability
        'lognormal', 'mc' and (with a surface) 'rnd'.
    vol_note : str
        Which vol each probability and the VaR use.
    var : dict
        ``var``, ``cvar``, ``alpha``, ``mean``, ``horizon_days``, ``horizon`` (name), ``n``,
        ``sigma``, ``counts``, ``edges`` (histogram of all draws), ``note``.
    margin : MarginEstimate
    heatmap : dict
        ``S``, ``days``, ``pnl`` (rows = days).
    notes : tuple of str
        What the view changed that the user did not ask for (days forward capped, ...).
    """

    strategy: Strategy
    spec: WhatIf
    spot: float
    spot_ref: float
    at_days: float
    expiry_days: float
    S: np.ndarray
    pnl_expiry: np.ndarray
    curves: tuple
    breakevens: tuple[float, ...]
    max_profit: float
    max_loss: float
    max_profit_global: float
    max_loss_global: float
    price_range: tuple[float, float]
    tail_note: str
    net_premium: float
    greeks: dict
    pops: dict
    vol_note: str
    var: dict
    margin: MarginEstimate
    heatmap: dict
    notes: tuple[str, ...]

    @property
    def scale(self) -> float:
        """Units of underlying per unit of quantity in the position: multiplier times lots."""
        return self.spec.multiplier * self.spec.lots

    def to_dict(self) -> dict:
        """JSON-ready dict (infinities as the string 'inf').

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {
            "strategy": self.strategy.to_dict(), "spec": self.spec.to_dict(), "spot": self.spot,
            "spot_ref": self.spot_ref, "at_days": self.at_days, "expiry_days": self.expiry_days,
            "S": self.S.tolist(), "pnl_expiry": self.pnl_expiry.tolist(),
            "curves": [{**c, "pnl": list(c["pnl"])} for c in self.curves],
            "breakevens": list(self.breakevens), "max_profit": _enc(self.max_profit),
            "max_loss": _enc(self.max_loss), "max_profit_global": _enc(self.max_profit_global),
            "max_loss_global": _enc(self.max_loss_global), "price_range": list(self.price_range),
            "tail_note": self.tail_note, "net_premium": self.net_premium,
            "greeks": dict(self.greeks), "pops": {k: v.to_dict() for k, v in self.pops.items()},
            "vol_note": self.vol_note, "var": dict(self.var), "margin": self.margin.to_dict(),
            "heatmap": dict(self.heatmap), "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, d: dict) -> PositionAnalysis:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        PositionAnalysis
        """
        return cls(
            Strategy.from_dict(d["strategy"]), WhatIf.from_dict(d["spec"]), float(d["spot"]),
            float(d["spot_ref"]), float(d["at_days"]), float(d["expiry_days"]),
            np.asarray(d["S"], dtype=np.float64), np.asarray(d["pnl_expiry"], dtype=np.float64),
            tuple({**c, "pnl": np.asarray(c["pnl"], dtype=np.float64)} for c in d["curves"]),
            tuple(float(x) for x in d["breakevens"]), float(d["max_profit"]),
            float(d["max_loss"]), float(d["max_profit_global"]), float(d["max_loss_global"]),
            tuple(float(x) for x in d["price_range"]), str(d["tail_note"]),
            float(d["net_premium"]), {k: float(v) for k, v in d["greeks"].items()},
            {k: ProfitProbability.from_dict(v) for k, v in d["pops"].items()}, str(d["vol_note"]),
            dict(d["var"]), MarginEstimate.from_dict(d["margin"]), dict(d["heatmap"]),
            tuple(d["notes"]))


def analyse_position(strategy: Strategy, spec: WhatIf | None = None, *,
                     surface: Callable[..., Any] | None = None,
                     surface_label: str = "the vol surface") -> PositionAnalysis:
    """Analyse ``strategy`` under the what-if view ``spec`` (see the module notes).

    Parameters
    ----------
    strategy : Strategy
        Legs with entry prices and vols, ``r``, ``q`` and ``spot`` (the pricing spot) set.
    spec : WhatIf, optional
        Shifts, vol mode, VaR horizon, margin rule and contract size; default no shift.
    surface : callable ``vol(K, T)``, optional
        Implied vol surface (decimals; ``T`` in years) for ``vol_mode`` 'strike' / 'delta' and the
        risk-neutral-density probability of profit. Required by those vol modes.
    surface_label : str
        How the notes name the surface ("SVI fit of the SPX chain").

    Returns
    -------
    PositionAnalysis

    Raises
    ------
    DataError
        Without ``strategy.spot``, a leg without a vol, or a surface mode without a surface.

    Examples
    --------
    >>> from core.strategies import build
    >>> st = build("long_straddle", 100.0, 30 / 365, vol=0.2, r=0.03, q=0.01)
    >>> a = analyse_position(st, WhatIf(days_forward=10))
    >>> a.at_days, a.pops["lognormal"].horizon * 365 < 21
    (10.0, True)
    """
    spec = WhatIf() if spec is None else spec
    if strategy.spot is None:
        raise DataError("the strategy needs its pricing spot (Strategy.spot)")
    if spec.vol_mode != "legs" and surface is None:
        raise DataError(f"vol mode {spec.vol_mode!r} values legs on a vol surface: choose a "
                        "market with a chain (SPX sample) or 'each leg's own vol'")
    dv = spec.vol_shift
    legs = []
    for x in strategy.legs:
        if x.is_option and x.vol is None:
            raise DataError(f"leg {x.describe()} has no vol: give it one")
        legs.append(x if not x.is_option else
                    Leg(x.kind, x.strike, x.T, x.qty, x.price, vol=max(x.vol + dv, 1e-4)))
    spot0 = float(strategy.spot)
    st = Strategy(tuple(legs), strategy.name, strategy.r, strategy.q, spot0)
    vol, sticky = None, "strike"
    if spec.vol_mode != "legs":
        vol, sticky = (lambda K, T: np.maximum(np.asarray(surface(K, T)) + dv, 1e-4)), spec.vol_mode
    kw = dict(vol=vol, sticky=sticky, spot_ref=spot0)
    spot = spot0 * (1.0 + spec.spot_shift)
    first = st.first_expiry
    notes = []
    asked = spec.days_forward * _DAY
    at = asked if first is None else min(asked, first)
    if first is not None and asked > first + 1e-12:
        notes.append(f"Days forward {spec.days_forward:g} is past the first expiry in "
                     f"{first * 365:.0f} days: the position is shown at that expiry.")
    horizon_T = first if first is not None else at + 30 * _DAY  # stock only: a month

    rolled = _rolled(st, at, spot0) if first is None or first - at > 1e-9 else None
    pops, sigma = _pops(st, rolled, spot, spot0, at, vol, sticky, spec, surface, dv)
    S = default_grid(st, spot, sigma, _GRID)
    pnl_expiry = st.pnl(S, None, **kw)
    dates = [("today", 0.0)]
    if at > 0:
        dates.append((f"in {at * 365:.0f} days", at))
    if first is not None and first - at > 2 * _DAY:
        mid = 0.5 * (at + first)
        dates.append((f"in {mid * 365:.0f} days", mid))
    rows = _pnl_dates(st, S, [d for _, d in dates], kw)
    curves = [{"label": lbl, "days": d * 365, "pnl": row} for (lbl, d), row in zip(dates, rows)]
    g = st.greeks(spot, at, **kw)
    lo, hi = float(S[0]), float(S[-1])
    probe = np.union1d(S, [k for k in st.strikes if lo <= k <= hi])
    on_range = st.pnl(probe, None, **kw)
    mp_g, ml_g = st.max_profit(None, **kw), st.max_loss(None, **kw)
    tail = _tail_note(st, mp_g, ml_g, hi)
    var = _var(rolled, st, spot, at, horizon_T, sigma, vol, sticky, spot0, spec)
    heat_days = np.linspace(0.0, (first if first is not None else max(at, 30 * _DAY)) * 365,
                            _HEAT_DAYS)
    Sh = np.linspace(lo, hi, _HEAT_S)
    heat = _pnl_dates(st, Sh, [min(d * _DAY, first) if first else d * _DAY for d in heat_days], kw)
    return PositionAnalysis(
        strategy=st, spec=spec, spot=spot, spot_ref=spot0, at_days=at * 365,
        expiry_days=horizon_T * 365, S=S, pnl_expiry=pnl_expiry, curves=tuple(curves),
        breakevens=st.breakevens(None, **kw),
        max_profit=max(float(on_range.max()), 0.0), max_loss=max(-float(on_range.min()), 0.0),
        max_profit_global=mp_g, max_loss_global=ml_g, price_range=(lo, hi), tail_note=tail,
        net_premium=st.net_premium, greeks={n: float(g[n]) for n in g.to_dict()},
        pops=pops, vol_note=_vol_note(pops, st, spot, at, spec, surface_label),
        var=var, margin=margin(st, spot, underlying=spec.underlying),
        heatmap={"S": Sh.tolist(), "days": heat_days.tolist(), "pnl": heat.tolist()},
        notes=tuple(notes))


# ---------------------------------------------------------------------------------------------
def _rolled(st: Strategy, at: float, spot_ref: float) -> Strategy:
    """The position seen from the valuation date ``at``: every option leg ``at`` years nearer
    its expiry, entry prices unchanged (so P/L still counts from the trade)."""
    legs = tuple(x if not x.is_option else Leg(x.kind, x.strike, x.T - at, x.qty, x.price, x.vol)
                 for x in st.legs)
    return Strategy(legs, st.name, st.r, st.q, spot_ref)


def _pnl_dates(st: Strategy, S: np.ndarray, dates, kw) -> np.ndarray:
    """P/L on ``S`` at each valuation date (rows), equal to ``st.pnl(S, d, **kw)`` row by row.

    With each leg at its own vol (the common case) every date and leg is priced in one
    broadcast Black-Scholes call (legs x dates x prices) instead of one call per date; surface
    vols, whose value depends on the residual time, go date by date."""
    from core.pricing.black_scholes import bs_price

    dates = [st.horizon(d) for d in dates]
    opts = [x for x in st.legs if x.is_option]
    if kw.get("vol") is not None or not opts:
        return np.vstack([st.pnl(S, d, **kw) for d in dates])
    K = np.array([x.strike for x in opts])[:, None, None]
    T = np.array([x.T for x in opts])[:, None, None]
    sig = np.array([x.vol for x in opts])[:, None, None]
    call = np.array([x.kind == "call" for x in opts])[:, None, None]
    qty = np.array([x.qty for x in opts])[:, None, None]
    tau = T - np.asarray(dates, dtype=np.float64)[None, :, None]
    alive = tau > 1e-12
    Sg = np.maximum(np.asarray(S, dtype=np.float64), 1e-12)[None, None, :]
    value = bs_price(Sg, K, np.where(alive, tau, 1.0), st.r, st.q, sig, call)
    intrinsic = np.where(call, np.maximum(Sg - K, 0.0), np.maximum(K - Sg, 0.0))
    total = (qty * np.where(alive, value, intrinsic)).sum(axis=0)
    for x in st.legs:
        if not x.is_option:
            total = total + x.qty * np.asarray(S, dtype=np.float64)[None, :]
    return total - st.net_premium


def _pops(st, rolled, spot, spot0, at, vol, sticky, spec, surface, dv) -> tuple[dict, float]:
    if rolled is None:  # the valuation date is the first expiry: the P/L is known
        p0 = float(st.pnl(spot, at, vol=vol, sticky=sticky, spot_ref=spot0))
        sig = float(np.median([x.vol for x in st.legs if x.is_option]))
        pp = ProfitProbability(float(p0 > 0), 0.0, p0, 0.0, "lognormal", 0.0, sig, (),
                               "at the first expiry: the P/L at the shifted spot is known")
        return {"lognormal": pp, "mc": ProfitProbability(**{**pp.to_dict(), "method": "mc",
                                                             "breakevens": ()})}, sig
    kw = dict(vol=vol, sticky=sticky, spot_ref=spot0)
    pops = {"lognormal": probability_of_profit(rolled, spot, method="lognormal", **kw)}
    pops["mc"] = probability_of_profit(rolled, spot, method="mc", n_paths=spec.mc_paths,
                                       rng=spec.seed + 1, **kw)
    if surface is not None:
        smile = lambda K, T: np.maximum(np.asarray(surface(K, T)) + dv, 1e-4)  # noqa: E731
        pops["rnd"] = probability_of_profit(rolled, spot, method="rnd", vol=smile,
                                            sticky=sticky, spot_ref=spot0)
    return pops, pops["lognormal"].sigma


def _vol_note(pops, st, spot, at, spec, surface_label) -> str:
    ln = pops["lognormal"]
    if spec.vol_mode == "legs":
        F = spot * math.exp((st.r - st.q) * max(ln.horizon, 0.0))
        opts = [x for x in st.legs if x.is_option]
        near = min(opts, key=lambda x: abs(x.strike - F)) if opts else None
        src = (f"the vol of the leg struck nearest the forward ({near.kind} {near.strike:g})"
               if near else "the market vol")
    else:
        src = f"{surface_label} at the forward"
    shift = f", after the {spec.vol_shift * 100:+g} vol-point shift" if spec.vol_shift else ""
    text = (f"Lognormal and Monte Carlo draw the underlying with the same σ = {ln.sigma:.2%} "
            f"({src}{shift}) from spot {spot:,.2f} on day {at * 365:.0f}; they differ only by "
            f"sampling error (± {pops['mc'].pop_stderr:.2%}).")
    if "rnd" in pops:
        text += f" The risk-neutral density uses the whole smile of {surface_label}."
    return text + " VaR uses the same σ."


def _var(rolled, st, spot, at, horizon_T, sigma, vol, sticky, spot0, spec) -> dict:
    from core.risk.var import var_cvar  # core.risk imports core.strategies: import late

    days = VAR_HORIZONS[spec.var_horizon]
    left = horizon_T - at
    h = left if days is None else min(days * _DAY, left) if left > 0 else days * _DAY
    out = dict(alpha=spec.var_alpha, horizon=spec.var_horizon, n=spec.mc_paths, sigma=sigma,
               note="")
    if days is not None and left > 0 and days * _DAY > left + 1e-12:
        out["note"] = (f"The {days:g}-day horizon passes the first expiry: VaR to the expiry "
                       f"({left * 365:.1f} days).")
    if rolled is None or h <= 0:
        out.update(var=0.0, cvar=0.0, mean=0.0, horizon_days=0.0, counts=[], edges=[],
                   note="At the first expiry: no horizon left, VaR is 0.")
        return out
    kw = dict(vol=vol, sticky=sticky, spot_ref=spot0)
    # the draws depend on the market only: a leg edit reprices the legs on the cached draws
    ST = terminal_prices(spot, h, st.r, st.q, sigma, spec.mc_paths, spec.seed)
    if rolled.first_expiry is not None:
        h = min(h, rolled.first_expiry)
    pnl = path_values(rolled, ST, h, **kw) - float(rolled.value(np.array([spot]), 0.0, **kw)[0])
    var, cvar = var_cvar(pnl, spec.var_alpha)
    counts, edges = np.histogram(pnl, bins=_BINS)
    out.update(var=var, cvar=cvar, mean=float(pnl.mean()), horizon_days=h * 365,
               counts=counts.tolist(), edges=edges.tolist())
    return out


def path_values(st: Strategy, ST: np.ndarray, at_T: float, **kw: Any) -> np.ndarray:
    """``st.value(ST, at_T, **kw)`` for many simulated prices, through the value on a fine price
    grid (``_PATH_GRID`` points over the paths' range, plus every strike inside it) and linear
    interpolation: exact where the value is piecewise linear in S (at expiry, kinks at strikes),
    and within ``gamma * dS**2 / 8`` elsewhere (~1e-6 $ here, far below the Monte Carlo error),
    at a fraction of the cost of pricing every path.

    Parameters
    ----------
    st : Strategy
        The position.
    ST : ndarray
        Simulated underlying prices, currency.
    at_T : float
        Valuation date in years (ACT/365).
    **kw
        ``vol``, ``sticky``, ``spot_ref`` as for :meth:`Strategy.value`.

    Returns
    -------
    ndarray
        Mark-to-model values, shape of ``ST``.
    """
    ST = np.asarray(ST, dtype=np.float64)
    if ST.size <= _PATH_GRID:
        return st.value(ST, at_T, **kw)
    lo, hi = float(ST.min()), float(ST.max())
    grid = np.union1d(np.linspace(lo, hi, _PATH_GRID), [k for k in st.strikes if lo < k < hi])
    return np.interp(ST, grid, st.value(grid, at_T, **kw))


def _tail_note(st: Strategy, mp: float, ml: float, hi: float) -> str:
    """Words for an unbounded tail beyond the chart's range (the left end, S = 0, is finite)."""
    if not (math.isinf(mp) or math.isinf(ml)):
        return ""
    slope = st.slope_beyond(None)
    side = "loss" if math.isinf(ml) else "profit"
    text = (f"Beyond this range the {side} is unbounded as the underlying rises: above "
            f"{hi:,.2f} the P/L changes by {slope:+.4g} per $1 of the underlying (per unit)")
    if st.multi_expiry and abs(slope) < 0.05:
        text += (", a slow drift: the later legs' value differs from the stock's by their "
                 "dividend discount e^(−q τ)")
    return text + "."


def _enc(x: float):
    return "inf" if math.isinf(x) else x
