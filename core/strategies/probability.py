"""Probability of profit and expected P/L of a strategy, under three models of the underlying.

Every method values the strategy at the horizon ``h = at_T`` (default: the first expiry) with
:meth:`Strategy.pnl` and asks how likely ``P/L > 0`` is. Conventions (``h`` in years ACT/365,
``r``, ``q`` the strategy's continuously compounded rates, ``spot`` the strategy's spot unless
given):

``"lognormal"``
    ``S_h = F exp(-sigma^2 h / 2 + sigma sqrt(h) Z)`` with the forward ``F = spot e^{(r-q)h}``
    (risk-neutral). Closed form from the breakevens: the sum over profitable intervals
    ``(a, b)`` of ``N(d(b)) - N(d(a))``, ``d(x) = (ln(x/F) + sigma^2 h/2) / (sigma sqrt h)``.
    ``sigma``: ``vol`` if a number, ``vol(F, h)`` if a surface, else the entry vol of the leg
    struck nearest the forward. Expected P/L in closed form at a single expiry
    (``sum qty (C_undiscounted - price)``), else by quadrature over ``Z``.
``"mc"``
    Risk-neutral GBM with the same ``F`` and ``sigma``, ``n_paths`` antithetic draws from
    :func:`core.pricing.montecarlo.gbm_terminal`; the P/L of each draw is evaluated exactly.
    Standard errors from antithetic pair means.
``"rnd"``
    Breeden-Litzenberger: the risk-neutral density of ``S_h`` is
    ``e^{rh} d^2C/dK^2`` of Black-Scholes calls priced at ``vol(K, h)`` (spot, ``r``, ``q``; a
    flat vol reproduces the lognormal case). Interval probabilities use its exact integral,
    the CDF ``P(S_h <= x) = 1 + e^{rh} dC/dK(x)`` (central differences). Expected P/L: at a
    single expiry exactly (each option's forward value at its own ``vol(K, h)``); otherwise the
    P/L integrated against the density on a strike grid over ``F e^{+-8 sigma sqrt h}``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from scipy.special import ndtr

from core.errors import DataError
from core.pricing.black_scholes import bs_price
from core.pricing.montecarlo import gbm_terminal
from core.strategies.mc_paths import terminal_prices
from core.strategies.legs import Strategy
from core._typing import FloatLike, RngLike, VolLike

__all__ = ["ProfitProbability", "probability_of_profit", "lognormal_cdf",
           "risk_neutral_density", "risk_neutral_cdf", "POP_METHODS"]

POP_METHODS = ("lognormal", "mc", "rnd")


@dataclass(frozen=True, slots=True)
class ProfitProbability:
    """Probability of profit and expected P/L at a horizon.

    Attributes
    ----------
    pop : float
        Probability that the P/L at the horizon is > 0.
    pop_stderr : float
        Standard error of ``pop`` (0 for the closed forms).
    expected_pnl, expected_pnl_stderr : float
        Expected P/L per unit of quantity (currency, undiscounted) and its standard error.
    method : str
        'lognormal', 'mc' or 'rnd'.
    horizon : float
        ``h`` in years (ACT/365).
    sigma : float
        Distribution vol used (ATM vol for 'rnd').
    breakevens : tuple of float
        Breakevens of the P/L at the horizon.
    convention : str
        One line: forward, vol source, day count.
    """

    pop: float
    pop_stderr: float
    expected_pnl: float
    expected_pnl_stderr: float
    method: str
    horizon: float
    sigma: float
    breakevens: tuple[float, ...]
    convention: str

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["breakevens"] = list(self.breakevens)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> ProfitProbability:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        ProfitProbability
        """
        d = dict(data)
        d["breakevens"] = tuple(float(x) for x in d["breakevens"])
        return cls(**d)


def lognormal_cdf(x: FloatLike, forward: float, sigma: float, T: float) -> np.ndarray:
    """``P(S_T <= x)`` for ``S_T`` lognormal with mean ``forward`` and vol ``sigma`` over ``T``.

    Parameters
    ----------
    x : array_like
        Prices at the horizon (currency); negative prices count as 0.
    forward : float
        Mean of ``S_T`` (currency), > 0.
    sigma : float
        Vol, decimal per sqrt(year), >= 0 (0 gives a step at ``forward``).
    T : float
        Horizon in years (ACT/365), >= 0.

    Returns
    -------
    ndarray
        Probabilities in [0, 1], the shape of ``x``.
    """
    x = np.asarray(x, dtype=np.float64)
    sd = sigma * math.sqrt(T)
    with np.errstate(divide="ignore"):
        lx = np.log(np.maximum(x, 0.0) / forward)
    if sd == 0.0:
        return (lx >= 0.0).astype(float)
    return ndtr((lx + 0.5 * sd * sd) / sd)


def risk_neutral_cdf(vol: VolLike, spot: float, T: float, r: float, q: float,
                     K: FloatLike) -> np.ndarray:
    """Breeden-Litzenberger CDF ``1 + e^{rT} dC/dK`` of ``S_T`` from calls at ``vol(K, T)``.

    ``vol`` is a number or a callable ``vol(K, T)``; ``dC/dK`` by central differences with a
    relative step of 1e-4. Clipped to [0, 1].

    Parameters
    ----------
    vol : float or callable
        Decimal vol, or ``vol(K, T)`` (``T`` in years).
    spot : float
        Underlying price now (currency).
    T : float
        Horizon in years (ACT/365), > 0.
    r, q : float
        Continuously compounded rate and dividend yield (decimals).
    K : array_like
        Prices at which the CDF is taken (currency), > 0.

    Returns
    -------
    ndarray
        ``P(S_T <= K)`` under the risk-neutral measure, 1-d.
    """
    K = np.atleast_1d(np.asarray(K, dtype=np.float64))
    h = 1e-4 * K
    dC = (_calls(vol, spot, T, r, q, K + h) - _calls(vol, spot, T, r, q, K - h)) / (2 * h)
    return np.clip(1.0 + math.exp(r * T) * dC, 0.0, 1.0)


def risk_neutral_density(vol: VolLike, spot: float, T: float, r: float, q: float,
                         K: FloatLike) -> np.ndarray:
    """Breeden-Litzenberger density ``e^{rT} d^2C/dK^2`` (per unit of price) at strikes ``K``,
    from Black-Scholes calls at ``vol(K, T)``; second differences with a relative step 2e-4.
    Negative values (a surface with butterfly arbitrage) are returned as they are.

    Parameters
    ----------
    vol, spot, T, r, q, K
        As in :func:`risk_neutral_cdf`.

    Returns
    -------
    ndarray
        Density of ``S_T`` per unit of price (1 / currency) at ``K``, 1-d.
    """
    K = np.atleast_1d(np.asarray(K, dtype=np.float64))
    h = 2e-4 * K
    c0 = _calls(vol, spot, T, r, q, K)
    cu, cd = _calls(vol, spot, T, r, q, K + h), _calls(vol, spot, T, r, q, K - h)
    return math.exp(r * T) * (cu - 2 * c0 + cd) / (h * h)


def probability_of_profit(strategy: Strategy, spot: float | None = None, *, vol: VolLike = None,
                          method: str = "lognormal", at_T: float | None = None,
                          n_paths: int = 200_000, rng: RngLike = None, sticky: str = "strike",
                          spot_ref: float | None = None) -> ProfitProbability:
    """Probability that ``strategy`` shows a profit at ``at_T``, and its expected P/L.

    Parameters
    ----------
    strategy : Strategy
    spot : float, optional
        Underlying price now (currency); default ``strategy.spot``.
    vol : float, callable ``vol(K, T)`` or None
        Vol for the distribution and for legs still alive at the horizon (None: leg vols).
    method : {'lognormal', 'mc', 'rnd'}
        See the module docstring for each convention.
    at_T : float, optional
        Horizon in years after the trade date; default the first expiry.
    n_paths, rng
        Monte Carlo draws and randomness (``method="mc"``).
    sticky : {'strike', 'delta'}
        Vol dynamics of a callable ``vol`` for legs alive at the horizon.
    spot_ref : float, optional
        Spot at which a callable ``vol`` was fitted (sticky delta); default ``spot``. Pass it when
        ``spot`` is a what-if shift of the fitted spot.

    Returns
    -------
    ProfitProbability
        Probability in [0, 1] of P/L > 0 at the horizon and the expected P/L (currency per unit of
        quantity).
    """
    if method not in POP_METHODS:
        raise DataError(f"method must be one of {', '.join(POP_METHODS)}, got {method!r}")
    spot = strategy.spot if spot is None else float(spot)
    if spot is None or not (math.isfinite(spot) and spot > 0):
        raise DataError(f"spot must be > 0 (pass spot= or set Strategy.spot), got {spot!r}")
    h = strategy.horizon(at_T)
    r, q = strategy.r, strategy.q
    F = spot * math.exp((r - q) * h)
    kw = {"vol": vol, "sticky": sticky, "spot_ref": spot if spot_ref is None else float(spot_ref)}

    def pnl(S):
        return strategy.pnl(S, at_T=h, **kw)

    sigma = _dist_vol(strategy, vol, F, h)
    bes = strategy.breakevens(at_T=h, **kw)
    if h == 0.0:
        p0 = float(pnl(spot))
        return ProfitProbability(float(p0 > 0), 0.0, p0, 0.0, method, 0.0, sigma, bes,
                                 "horizon 0: the P/L at spot")
    if method == "lognormal":
        pop = _interval_prob(pnl, bes, lambda x: lognormal_cdf(x, F, sigma, h), F)
        if strategy.at_expiry(h):
            ev = _expected_expiry(strategy, spot, h, sigma)
        else:
            ev = _expected_quadrature(pnl, F, sigma, h)
        conv = (f"lognormal, forward F = S e^((r-q)h) = {F:.6g}, sigma = {sigma:.4g}, "
                f"h = {h:.6g} y (ACT/365), risk-neutral")
        return ProfitProbability(pop, 0.0, ev, 0.0, method, h, sigma, bes, conv)
    if method == "mc":
        n = int(n_paths) + int(n_paths) % 2
        if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
            ST = terminal_prices(spot, h, r, q, sigma, n, int(rng))  # the same draws, memoised per market
        else:
            ST = gbm_terminal(spot, h, r, q, sigma, n, rng=rng, antithetic=True)
        v = pnl(ST)
        win = 0.5 * ((v[0::2] > 0).astype(float) + (v[1::2] > 0))
        ev = 0.5 * (v[0::2] + v[1::2])
        m = win.size
        conv = (f"Monte Carlo GBM, risk-neutral drift r - q, sigma = {sigma:.4g}, "
                f"{2 * m:,} antithetic draws, h = {h:.6g} y (ACT/365)")
        return ProfitProbability(float(win.mean()), float(win.std(ddof=1) / math.sqrt(m)),
                                 float(ev.mean()), float(ev.std(ddof=1) / math.sqrt(m)),
                                 method, h, sigma, bes, conv)
    vfun = vol if vol is not None else sigma
    pop = _interval_prob(pnl, bes, lambda x: risk_neutral_cdf(vfun, spot, h, r, q, x), F)
    if strategy.at_expiry(h):
        ev = _expected_expiry(strategy, spot, h, vfun)
    else:
        sd = sigma * math.sqrt(h)
        K = np.union1d(np.linspace(F * math.exp(-8 * sd), F * math.exp(8 * sd), 16001),
                       [k for k in strategy.strikes if F * math.exp(-8 * sd) < k])
        dens = np.clip(risk_neutral_density(vfun, spot, h, r, q, K), 0.0, None)
        ev = float(np.trapezoid(pnl(K) * dens, K))
    conv = (f"Breeden-Litzenberger density e^(rh) d2C/dK2 from Black-Scholes calls at "
            f"{'vol(K, h)' if callable(vfun) else f'flat vol {sigma:.4g}'}, spot {spot:.6g}, "
            f"r = {r:.4g}, q = {q:.4g}, h = {h:.6g} y (ACT/365)")
    return ProfitProbability(pop, 0.0, ev, 0.0, method, h, sigma, bes, conv)


# ---------------------------------------------------------------------------------------------
def _calls(vol, spot, T, r, q, K):
    sig = np.asarray(vol(K, T), dtype=np.float64) if callable(vol) else float(vol)
    return bs_price(spot, K, T, r, q, sig, True)


def _dist_vol(strategy: Strategy, vol, F: float, h: float) -> float:
    if vol is None:
        legs = [x for x in strategy.legs if x.is_option and x.vol is not None]
        if not legs:
            raise DataError("no vol for the distribution: pass vol= or give the legs a vol")
        return float(min(legs, key=lambda x: abs(x.strike - F)).vol)
    if callable(vol):
        s = float(np.asarray(vol(np.float64(F), max(h, 1e-8))).ravel()[0])
    else:
        s = float(vol)
    if not (math.isfinite(s) and s >= 0):
        raise DataError(f"vol must be a finite number >= 0, got {s}")
    return s


def _interval_prob(pnl, bes: tuple[float, ...], cdf, center: float) -> float:
    """Sum of ``P(a < S <= b)`` over the intervals between breakevens where the P/L is > 0."""
    edges = [0.0, *bes, math.inf]
    probe = []
    for a, b in zip(edges[:-1], edges[1:]):
        if a == 0.0:
            probe.append(0.5 * b if math.isfinite(b) else center)
        elif math.isinf(b):
            probe.append(2.0 * a)
        else:
            probe.append(math.sqrt(a * b))
    win = pnl(np.array(probe)) > 0
    cdf_edges = np.concatenate([[0.0], cdf(np.array(bes)) if bes else [], [1.0]])
    return float(np.clip(np.sum(np.diff(cdf_edges)[win]), 0.0, 1.0))


def _expected_expiry(strategy: Strategy, spot: float, h: float, vol) -> float:
    """Exact expected P/L at a single expiry: each option's undiscounted Black-Scholes value at
    its own vol (``vol`` a number or ``vol(K, h)``: a risk-neutral expectation of a vanilla
    payoff is its forward price) minus the entry prices."""
    r, q = strategy.r, strategy.q
    F = spot * math.exp((r - q) * h)
    total = 0.0
    for x in strategy.legs:
        if x.is_option:
            sig = float(np.asarray(vol(np.float64(x.strike), h)).ravel()[0]) if callable(vol) \
                else float(vol)
            total += x.qty * (float(bs_price(spot, x.strike, h, r, q, sig, x.kind == "call"))
                              * math.exp(r * h) - x.price)
        else:
            total += x.qty * (F - x.price)
    return total


def _expected_quadrature(pnl, F: float, sigma: float, h: float) -> float:
    """E[P/L(S_h)] by Simpson's rule over ``Z`` in [-10, 10] (8001 points)."""
    z = np.linspace(-10.0, 10.0, 8001)
    sd = sigma * math.sqrt(h)
    w = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    f = pnl(F * np.exp(-0.5 * sd * sd + sd * z)) * w
    dz = z[1] - z[0]
    return float(dz / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum()))
