"""Value at risk and conditional value at risk (expected shortfall).

Sign convention: VaR and CVaR are reported as positive losses in currency (per unit of
quantity for strategies). At level ``alpha`` (e.g. 0.99):

* ``VaR_alpha = -q_{1-alpha}(P/L)``: the loss exceeded with probability at most ``1 - alpha``.
* ``CVaR_alpha = -E[P/L | P/L <= -VaR_alpha]``, computed for samples as the exact CVaR of the
  empirical distribution (Acerbi & Tasche 2002): the mean of the worst ``n (1 - alpha)``
  outcomes, the boundary sample weighted fractionally.
* Parametric normal: for P/L ~ N(mu, s^2), ``VaR = s z - mu`` and
  ``CVaR = s phi(z) / (1 - alpha) - mu`` with ``z = Phi^-1(alpha)``.

:func:`strategy_var` revalues a strategy in full at a horizon ``h`` (years ACT/365): each leg at
its residual time ``T - h`` and vol (flat, surface, or its own), P/L relative to today's model
value ``pnl(S_0, at_T=0)``. Underlying scenarios: ``"mc"`` GBM with drift ``mu`` (real-world,
default 0) and vol ``sigma``; ``"historical"`` ``S_h = S_0 exp(x_i)`` for the given log-returns
over one horizon each; ``"parametric"`` delta-gamma normal: with the price move
``X ~ N(S mu h, S^2 sigma^2 h)``, ``P/L ~ theta h + delta X + gamma X^2 / 2`` is replaced by the
normal of the same mean ``theta h + delta S mu h + gamma S^2 sigma^2 h / 2`` and variance
``delta^2 S^2 sigma^2 h + (gamma S^2 sigma^2 h)^2 / 2`` (exact for a delta-one position).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from statistics import NormalDist

import numpy as np

from core.errors import DataError
from core.pricing.montecarlo import gbm_terminal
from core.strategies.legs import Strategy
from core._typing import ArrayLike, RngLike

__all__ = ["VaRResult", "var_cvar", "parametric_var", "parametric_cvar", "strategy_var",
           "VAR_METHODS"]

VAR_METHODS = ("mc", "historical", "parametric")


@dataclass(frozen=True, slots=True)
class VaRResult:
    """VaR and CVaR at one level and horizon.

    Attributes
    ----------
    var, cvar : float
        Positive losses (currency per unit of quantity).
    alpha : float
        Confidence level, e.g. 0.99.
    horizon : float
        Years (ACT/365).
    method : str
        'mc', 'historical' or 'parametric'.
    mean_pnl, std_pnl : float
        Mean and standard deviation of the P/L distribution used.
    n_samples : int
        Scenarios (0 for parametric).
    note : str
        Conventions: drift, vol, revaluation.
    """

    var: float
    cvar: float
    alpha: float
    horizon: float
    method: str
    mean_pnl: float
    std_pnl: float
    n_samples: int
    note: str = ""

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
    def from_dict(cls, data: dict) -> VaRResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        VaRResult
        """
        return cls(**data)


def _alpha(alpha: float) -> float:
    a = float(alpha)
    if not 0.0 < a < 1.0:
        raise DataError(f"alpha must be in (0, 1), got {alpha}")
    return a


def var_cvar(pnl: ArrayLike, alpha: float = 0.99) -> tuple[float, float]:
    """Historical / Monte Carlo VaR and CVaR of P/L samples.

    Parameters
    ----------
    pnl : array_like
        P/L samples (currency; gains positive), at least 2, finite.
    alpha : float
        Confidence level in (0, 1).

    Returns
    -------
    (float, float)
        ``(VaR, CVaR)`` as positive losses, ``CVaR >= VaR``.
    """
    a = _alpha(alpha)
    x = np.sort(np.asarray(pnl, dtype=np.float64).ravel())
    n = x.size
    if n < 2 or not np.all(np.isfinite(x)):
        raise DataError(f"pnl must hold at least 2 finite samples, got {n}")
    tail = round(n * (1.0 - a), 9)  # tail mass in samples (rounded: 100 * (1 - 0.95) = 5)
    k = int(math.floor(tail))
    idx = min(max(int(math.ceil(tail)) - 1, 0), n - 1)
    var = -float(x[idx])
    frac = tail - k
    total = float(x[:k].sum()) + (frac * float(x[k]) if k < n else 0.0)
    cvar = -total / tail if tail > 0 else var
    return var, max(cvar, var)


def parametric_var(mean: float, std: float, alpha: float = 0.99) -> float:
    """Normal VaR ``std * Phi^-1(alpha) - mean`` of P/L ~ N(mean, std^2).

    Parameters
    ----------
    mean, std : float
        Mean and standard deviation of P/L over the horizon (currency), ``std >= 0``.
    alpha : float
        Confidence level in (0, 1), e.g. 0.99.

    Returns
    -------
    float
        VaR as a positive loss (currency).

    Raises
    ------
    DataError
        ``alpha`` outside (0, 1) or ``std`` negative or not finite.
    """
    a = _alpha(alpha)
    if not (math.isfinite(std) and std >= 0):
        raise DataError(f"std must be >= 0, got {std}")
    return std * NormalDist().inv_cdf(a) - mean


def parametric_cvar(mean: float, std: float, alpha: float = 0.99) -> float:
    """Normal CVaR ``std * phi(z) / (1 - alpha) - mean``, ``z = Phi^-1(alpha)``.

    Parameters
    ----------
    mean, std : float
        Mean and standard deviation of P/L over the horizon (currency), ``std >= 0``.
    alpha : float
        Confidence level in (0, 1), e.g. 0.99.

    Returns
    -------
    float
        Expected shortfall beyond the VaR, as a positive loss (currency).

    Raises
    ------
    DataError
        ``alpha`` outside (0, 1) or ``std`` negative or not finite.
    """
    a = _alpha(alpha)
    if not (math.isfinite(std) and std >= 0):
        raise DataError(f"std must be >= 0, got {std}")
    z = NormalDist().inv_cdf(a)
    return std * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) / (1.0 - a) - mean


def strategy_var(strategy: Strategy, horizon: float, *, spot: float | None = None,
                 vol: ArrayLike | None = None, method: str = 'mc', alpha: float = 0.99,
                 mu: float = 0.0, sigma: float | None = None, returns: ArrayLike | None = None,
                 n_paths: int = 100000, rng: RngLike | None = None,
                 sticky: str = 'strike') -> VaRResult:
    """VaR and CVaR of a strategy's P/L over ``horizon`` by full revaluation.

    Parameters
    ----------
    strategy : Strategy
    horizon : float
        Years (ACT/365), > 0 and no later than the first expiry (e.g. 1/365 for one day).
    spot : float, optional
        Underlying price now; default ``strategy.spot``.
    vol : float, callable ``vol(K, T)`` or None
        Valuation vol of the legs (None: each leg's own vol).
    method : {'mc', 'historical', 'parametric'}
    alpha : float
        Confidence level.
    mu : float
        Real-world drift of the underlying (continuously compounded, per year) for 'mc' and
        'parametric'.
    sigma : float, optional
        Vol of the underlying scenarios; default ``vol`` if a number, ``vol(S, h)`` if a
        surface, else the entry vol of the leg struck nearest spot.
    returns : array_like
        Log-returns of the underlying over one horizon each ('historical').
    n_paths, rng
        Monte Carlo scenarios (antithetic) and randomness.
    sticky : {'strike', 'delta'}
        Vol dynamics of a callable ``vol`` when spot moves.

    Returns
    -------
    VaRResult
        VaR and CVaR as positive losses (currency per unit of quantity) at ``alpha`` over the
        horizon (years).
    """
    if method not in VAR_METHODS:
        raise DataError(f"method must be one of {', '.join(VAR_METHODS)}, got {method!r}")
    a = _alpha(alpha)
    spot = strategy.spot if spot is None else float(spot)
    if spot is None or not (math.isfinite(spot) and spot > 0):
        raise DataError(f"spot must be > 0 (pass spot= or set Strategy.spot), got {spot!r}")
    h = float(horizon)
    if not (math.isfinite(h) and h > 0):
        raise DataError(f"horizon must be > 0 (years), got {horizon!r}")
    h = strategy.horizon(h)
    kw = {"vol": vol, "sticky": sticky, "spot_ref": spot}
    v0 = float(strategy.pnl(spot, at_T=0.0, **kw))
    sig = _scenario_vol(strategy, vol, sigma, spot, h)
    note = (f"full revaluation at h = {h:.6g} y (ACT/365), legs at residual time, "
            f"P/L vs today's model value")
    if method == "parametric":
        g = strategy.greeks(spot, at_T=0.0, **kw)
        delta, gamma, theta = float(g.delta), float(g.gamma), float(g.theta)
        sx2 = (spot * sig) ** 2 * h  # variance of the price move over h
        m = theta * h + delta * spot * mu * h + 0.5 * gamma * sx2
        s = math.sqrt(delta * delta * sx2 + 0.5 * (gamma * sx2) ** 2)
        return VaRResult(parametric_var(m, s, a), parametric_cvar(m, s, a), a, h, method, m, s,
                         0, f"delta-gamma normal: delta {delta:.4g}, gamma {gamma:.4g}, theta "
                         f"{theta:.4g}/y, sigma {sig:.4g}, mu {mu:.4g}")
    if method == "mc":
        n = int(n_paths) + int(n_paths) % 2
        S_h = gbm_terminal(spot, h, mu, 0.0, sig, n, rng=rng, antithetic=True)
        note += f"; GBM drift mu = {mu:.4g}, sigma = {sig:.4g}, {n:,} antithetic paths"
    else:
        if returns is None:
            raise DataError("method='historical' needs returns= (log-returns over one horizon)")
        x = np.asarray(returns, dtype=np.float64).ravel()
        if x.size < 2 or not np.all(np.isfinite(x)):
            raise DataError("returns must hold at least 2 finite log-returns")
        S_h = spot * np.exp(x)
        note += f"; {x.size:,} historical log-returns"
    pnl = strategy.pnl(S_h, at_T=h, **kw) - v0
    var, cvar = var_cvar(pnl, a)
    return VaRResult(var, cvar, a, h, method, float(pnl.mean()), float(pnl.std(ddof=1)),
                     int(pnl.size), note)


def _scenario_vol(strategy: Strategy, vol, sigma, spot: float, h: float) -> float:
    if sigma is not None:
        s = float(sigma)
    elif vol is None:
        legs = [x for x in strategy.legs if x.is_option and x.vol is not None]
        if not legs:
            raise DataError("no scenario vol: pass sigma= or vol=")
        s = float(min(legs, key=lambda x: abs(x.strike - spot)).vol)
    elif callable(vol):
        s = float(np.asarray(vol(np.float64(spot), h)).ravel()[0])
    else:
        s = float(vol)
    if not (math.isfinite(s) and s >= 0):
        raise DataError(f"sigma must be >= 0, got {s}")
    return s
