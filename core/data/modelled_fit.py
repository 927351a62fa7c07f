"""The fitted constants behind :func:`core.data.modelled_chain`, and the fits that produce them.

Only numbers live here. They were measured on real end-of-day chains that Parity does not ship
(the 2011-01-24 SPX chain and the January–February 2018 SPXW history in ``../shared/data``), and
on the ``arch`` wheel's S&P 500 and VIX series; ``tests/core/data/test_data_modelled_fit.py``
re-runs these fits on those files and checks the stored values within a tolerance.

Model (all vols decimals, ``T`` in years ACT/365, ``k = ln(K/F)``):

* **ATM level from VIX.** ``sigma_30 = VIX_RATIO * VIX / 100`` is the at-the-money vol at 30
  days. Outside the VIX data, ``VIX ~ exp(PROXY_C0) * RV21^PROXY_C1`` from the S&P 500's
  21-day realised vol ``RV21`` (annualised close-to-close).
* **Term structure.** ATM variance averaged over ``[0, T]`` of a mean-reverting variance:
  ``sigma_atm(T)^2 = S_INF^2 + (v0 - S_INF^2) (1 - exp(-KAPPA T)) / (KAPPA T)``, with ``v0``
  chosen so that ``sigma_atm(30 / 365) = sigma_30``.
* **Smile.** SSVI (Gatheral & Jacquier 2014) with the power-law ``phi``, one
  ``(SSVI_RHO, SSVI_ETA, SSVI_GAMMA)`` for every date: ``w(k) = theta/2 (1 + rho phi k +
  sqrt((phi k + rho)^2 + 1 - rho^2))``, ``theta = sigma_atm(T)^2 T``; the power law makes the
  skew steeper when the ATM variance is low, as in the real files.
* **Bid/ask spread.** ``ask - bid = exp(c(t)) * mid^SPREAD_BETA`` (index points), ``c(t)``
  interpolated linearly in time between the two files' fitted intercepts (2011-01-24 and the
  2018 mean date), constant outside; fitted on out-of-the-money quotes.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.errors import DataError
from core._typing import DatesLike, FloatLike

__all__ = ["VIX_RATIO", "S_INF", "KAPPA", "SSVI_RHO", "SSVI_ETA", "SSVI_GAMMA", "PROXY_C0",
           "PROXY_C1", "SPREAD_BETA", "SPREAD_ANCHORS", "DIVIDEND_YIELD", "fit_vix_proxy",
           "fit_shape", "fit_spread", "realised_vol", "atm_vol", "spread_intercept"]

# ---- fitted constants (re-derived by tests/core/data/test_data_modelled_fit.py) -------------
#: ATM 30-day implied vol / VIX, fitted on the 2018 SPXW days (VIX from arch).
VIX_RATIO: float = 0.7961
#: Long-run ATM vol of the term structure (decimal).
S_INF: float = 0.2240
#: Mean-reversion speed of the ATM variance term structure (per year).
KAPPA: float = 1.0
#: SSVI correlation (skew direction and size).
SSVI_RHO: float = -0.5411
#: SSVI power-law level ``eta`` (curvature scale).
SSVI_ETA: float = 1.2978
#: SSVI power-law exponent ``gamma``.
SSVI_GAMMA: float = 0.5
#: Realised-vol proxy for VIX: ``ln VIX = PROXY_C0 + PROXY_C1 ln(100 RV21)``, fitted on
#: 2014-01-03..2018-12-31 (arch's S&P 500 and VIX; VIX 9-37 there, so in a 2008-like crash
#: the proxy stays well below the VIX of the day: RV21 = 70 % gives about 41).
PROXY_C0: float = 1.3661
PROXY_C1: float = 0.5519
#: Exponent of the spread power law ``ask - bid = exp(c) mid^beta``.
SPREAD_BETA: float = 0.5097
#: ``(date, c)`` anchors of the spread intercept: one per real file.
SPREAD_ANCHORS: tuple[tuple[_dt.date, float], ...] = ((_dt.date(2011, 1, 24), -0.2732),
                                                     (_dt.date(2018, 1, 29), -1.6059))
#: Dividend yield (continuously compounded, a stated flat assumption: the S&P 500's trailing
#: yield was about 1.8–2.3 % over 1999–2018; not fitted).
DIVIDEND_YIELD: float = 0.019

#: Lower bound of the term-structure fit's kappa (per year). The two files do not identify
#: kappa (the 2011 term structure is nearly flat; the 2018 expiries are <= 29 days): fits with
#: kappa from 0.1 to 1.5 differ by < 0.1 vol point, so it is bounded at a variance half-life of
#: about 8 months, the order of published S&P 500 estimates, where the fit then sits.
KAPPA_MIN: float = 1.0

_T30 = 30.0 / 365.0


# ---- model functions used by the generator ---------------------------------------------------
def atm_vol(T: FloatLike, sigma_30: FloatLike, s_inf: float = None,
            kappa: float = None) -> np.ndarray:
    """ATM implied vol at maturity ``T`` (years) given the 30-day ATM vol ``sigma_30``.

    Broadcasts ``T`` against ``sigma_30``. ``v0`` is floored at 1e-6 (a 30-day vol far below
    the long-run level cannot make the instantaneous variance negative).

    Parameters
    ----------
    T : float or array_like
        Maturities, years (ACT/365); ``T -> 0`` gives the instantaneous vol ``sqrt(v0)``.
    sigma_30 : float or array_like
        30-day ATM implied vol, decimal (e.g. ``VIX_RATIO * VIX / 100``).
    s_inf : float, optional
        Long-run ATM vol, decimal; default :data:`S_INF`.
    kappa : float, optional
        Mean-reversion speed of the variance, per year; default :data:`KAPPA`.

    Returns
    -------
    numpy.ndarray
        ATM implied vol at each ``T``, decimal (float64, the broadcast shape of ``T`` and
        ``sigma_30``).
    """
    s_inf = S_INF if s_inf is None else s_inf
    kappa = KAPPA if kappa is None else kappa
    T = np.asarray(T, dtype=np.float64)
    s30 = np.asarray(sigma_30, dtype=np.float64)
    g30 = _g(_T30, kappa)
    v0 = np.maximum(s_inf ** 2 + (s30 ** 2 - s_inf ** 2) / g30, 1e-6)
    return np.sqrt(s_inf ** 2 + (v0 - s_inf ** 2) * _g(T, kappa))


def _g(T, kappa):
    x = kappa * np.asarray(T, dtype=np.float64)
    return np.where(x > 1e-8, -np.expm1(-x) / np.where(x > 1e-8, x, 1.0), 1.0 - 0.5 * x)


def spread_intercept(dates: DatesLike) -> np.ndarray:
    """Spread intercept ``c(t)`` for each date: linear between the anchors, flat outside.

    Parameters
    ----------
    dates : date-like or sequence of date-like
        Quote dates (anything :func:`pandas.to_datetime` reads); the time of day is dropped.

    Returns
    -------
    numpy.ndarray
        ``c(t)`` per date (float64): the intercept of ``ln(ask - bid) = c + SPREAD_BETA
        ln(mid)``, with spread and mid in index points, interpolated in calendar days
        between :data:`SPREAD_ANCHORS`.
    """
    d = pd.DatetimeIndex(pd.to_datetime(dates)).to_numpy("datetime64[D]").astype(np.float64)
    xs = np.array([np.datetime64(a, "D").astype(np.float64) for a, _ in SPREAD_ANCHORS])
    ys = np.array([c for _, c in SPREAD_ANCHORS])
    return np.interp(d, xs, ys)


def realised_vol(close: pd.Series, window: int = 21) -> pd.Series:
    """Annualised close-to-close realised vol over ``window`` trading days (decimal).

    Parameters
    ----------
    close : pandas.Series
        Daily closing levels (index points or $, > 0), in date order.
    window : int, optional
        Rolling window, trading days; default 21 (about one month).

    Returns
    -------
    pandas.Series
        Sample standard deviation (``ddof=1``) of the daily log returns over the window,
        times ``sqrt(252)``, decimal per year; NaN for the first ``window`` days.
    """
    lr = np.log(close.astype(np.float64)).diff()
    return lr.rolling(window).std(ddof=1) * np.sqrt(252.0)


# ---- the fits --------------------------------------------------------------------------------
def fit_vix_proxy(close: pd.Series, vix: pd.Series) -> tuple[float, float]:
    """Line ``ln VIX = c0 + c1 ln(100 RV21)`` through the days both series exist.

    A reduced-major-axis fit (slope = sd(ln VIX) / sd(ln RV), through the means): the realised
    vol is a noisy measure of the vol level, and ordinary least squares on it would flatten the
    slope (errors in variables). Returns ``(c0, c1)``.

    Parameters
    ----------
    close : pandas.Series
        Daily index closes (index points), date-indexed; RV21 is computed from them with
        :func:`realised_vol`.
    vix : pandas.Series
        Daily VIX closes (vol points, e.g. 18.5), date-indexed.

    Returns
    -------
    tuple of (float, float)
        ``(c0, c1)``: intercept and slope of ``ln VIX = c0 + c1 ln(100 RV21)`` (as
        :data:`PROXY_C0`, :data:`PROXY_C1`).

    Raises
    ------
    DataError
        Fewer than 100 days with both a realised vol and a VIX close.
    """
    rv = realised_vol(close)
    both = pd.concat([rv.rename("rv"), vix.rename("vix")], axis=1, join="inner").dropna()
    if len(both) < 100:
        raise DataError(f"the VIX proxy fit needs >= 100 common days, got {len(both)}")
    x = np.log(100.0 * both["rv"].to_numpy())
    y = np.log(both["vix"].to_numpy())
    c1 = float(np.std(y) / np.std(x))
    return float(np.mean(y) - c1 * np.mean(x)), c1


def _slices(chain, min_quotes: int = 8):
    """Per expiry of a chain: (T, atm_iv, k, iv) of the OTM, non-wide quotes with |k| <= 0.4."""
    q = chain.otm_quotes(0.6, 1.4, exclude_wide=True)
    out = []
    for _, e in chain.expiries.iterrows():
        if not np.isfinite(e["atm_iv"]) or e["T"] < 5.0 / 365.0:
            continue
        s = q[q["expiry"] == e["expiry"]]
        if len(s) < min_quotes:
            continue
        out.append((float(e["T"]), float(e["atm_iv"]), s["log_moneyness"].to_numpy(),
                    s["iv"].to_numpy()))
    return out


def fit_shape(chains: Sequence, vix: Sequence[float | None], groups: Sequence[str]) -> dict:
    """Fit the term structure and the SSVI smile to real chains.

    Parameters
    ----------
    chains : sequence of Chain
        Real end-of-day chains.
    vix : sequence of float or None
        That day's VIX close per chain (vol points); ``None`` where unknown: that chain's
        30-day ATM vol is then a free parameter of the term-structure fit.
    groups : sequence of str
        A label per chain (e.g. the file); each group gets equal total weight.

    Returns
    -------
    dict
        ``vix_ratio, s_inf, kappa, rho, eta, gamma`` and the per-group RMSE of the smile fit
        (``rmse_<group>``, vol decimals).
    """
    from scipy.optimize import least_squares
    from core.surface.ssvi import ssvi_total_variance   # lazy: core.surface imports core.data

    if not (len(chains) == len(vix) == len(groups)):
        raise DataError("chains, vix and groups must have the same length")
    per = [_slices(c) for c in chains]
    names = sorted(set(groups))
    n_group = {g: sum(1 for gg in groups if gg == g) for g in names}

    # 1. term structure: ATM vols against (VIX ratio, s_inf, kappa, free sigma_30 per no-VIX chain)
    free = [i for i, v in enumerate(vix) if v is None]
    T_l, atm_l, w_l, idx_l = [], [], [], []
    for i, sl in enumerate(per):
        for T, atm, _, _ in sl:
            T_l.append(T)
            atm_l.append(atm)
            w_l.append(1.0 / np.sqrt(n_group[groups[i]] * len(sl)))
            idx_l.append(i)
    T_a, atm_a, w_a, idx_a = map(np.asarray, (T_l, atm_l, w_l, idx_l))
    vix_a = np.array([np.nan if v is None else v / 100.0 for v in vix])

    def term_resid(x):
        ratio, s_inf, kappa = x[:3]
        s30 = ratio * vix_a
        s30[free] = x[3:]
        return w_a * (atm_vol(T_a, s30[idx_a], s_inf, kappa) - atm_a)

    x0 = np.r_[0.85, 0.2, 2.0, np.full(len(free), 0.2)]
    lb = np.r_[0.3, 0.05, KAPPA_MIN, np.full(len(free), 0.02)]
    ub = np.r_[1.5, 0.6, 20.0, np.full(len(free), 1.5)]
    term = least_squares(term_resid, x0, bounds=(lb, ub), x_scale="jac")

    # 2. smile: (rho, eta, gamma) on all OTM quotes, theta = the slice's measured ATM variance
    k_l, iv_l, th_l, T2_l, w2_l, g_l = [], [], [], [], [], []
    for i, sl in enumerate(per):
        n_pts = sum(len(k) for _, _, k, _ in sl)
        for T, atm, k, iv in sl:
            k_l.append(k)
            iv_l.append(iv)
            th_l.append(np.full(len(k), atm * atm * T))
            T2_l.append(np.full(len(k), T))
            w2_l.append(np.full(len(k), 1.0 / np.sqrt(n_group[groups[i]] * n_pts)))
            g_l.append(np.full(len(k), names.index(groups[i])))
    k, iv, th, T2, w2, g = (np.concatenate(a) for a in (k_l, iv_l, th_l, T2_l, w2_l, g_l))

    # inside the no-arbitrage set of Gatheral & Jacquier (their Corollary 4.1):
    # eta (1 + |rho|) <= 2 and gamma <= 1/2, written eta = 2 s / (1 + |rho|) with s in (0, 1]
    def model(x):
        eta = 2.0 * x[1] / (1.0 + abs(x[0]))
        return np.sqrt(ssvi_total_variance(k, th, x[0], eta, x[2]) / T2)

    smile = least_squares(lambda x: w2 * (model(x) - iv), np.array([-0.7, 0.8, 0.4]),
                          bounds=([-0.999, 0.01, 0.01], [0.999, 1.0, 0.5]), x_scale="jac")
    res = model(smile.x) - iv
    rho = float(smile.x[0])
    out = dict(vix_ratio=float(term.x[0]), s_inf=float(term.x[1]), kappa=float(term.x[2]),
               rho=rho, eta=float(2.0 * smile.x[1] / (1.0 + abs(rho))), gamma=float(smile.x[2]))
    for j, name in enumerate(names):
        out[f"rmse_{name}"] = float(np.sqrt(np.mean(res[g == j] ** 2)))
    out["sigma_30_free"] = [float(v) for v in term.x[3:]]
    return out


def fit_spread(chains: Sequence, groups: Sequence[str]) -> dict:
    """Fit ``ln(ask - bid) = c_group + beta ln(mid)`` on the OTM quotes of real chains.

    One slope for all groups, one intercept per group; each group has equal total weight.

    Parameters
    ----------
    chains : sequence of Chain
        Real end-of-day chains; their out-of-the-money quotes (strike/forward 0.6-1.4) with
        positive spread and mid (index points) are used.
    groups : sequence of str
        A label per chain (e.g. the file), one intercept each.

    Returns
    -------
    dict
        ``beta``, ``c_<group>`` per group, ``date_<group>`` (mean quote date, ISO) and
        ``resid_sd`` (of ln spread).
    """
    names = sorted(set(groups))
    n_group = {g: sum(1 for gg in groups if gg == g) for g in names}
    y_l, x_l, gi_l, w_l = [], [], [], []
    dates: dict[str, list] = {g: [] for g in names}
    for chain, grp in zip(chains, groups):
        q = chain.otm_quotes(0.6, 1.4)
        q = q[(q["spread"] > 0) & (q["mid"] > 0)]
        y_l.append(np.log(q["spread"].to_numpy()))
        x_l.append(np.log(q["mid"].to_numpy()))
        gi_l.append(np.full(len(q), names.index(grp)))
        w_l.append(np.full(len(q), 1.0 / np.sqrt(n_group[grp] * max(len(q), 1))))
        dates[grp].append(pd.Timestamp(chain.quote_date).value)
    y, x, gi, w = (np.concatenate(a) for a in (y_l, x_l, gi_l, w_l))
    X = np.column_stack([x] + [(gi == j).astype(np.float64) for j in range(len(names))])
    coef, *_ = np.linalg.lstsq(X * w[:, None], y * w, rcond=None)
    out = {"beta": float(coef[0]), "resid_sd": float(np.std(y - X @ coef))}
    for j, name in enumerate(names):
        out[f"c_{name}"] = float(coef[1 + j])
        out[f"date_{name}"] = pd.Timestamp(int(np.mean(dates[name]))).date().isoformat()
    return out
