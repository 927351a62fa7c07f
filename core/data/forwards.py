"""Forward and discount factor per expiry from put-call parity.

For European options ``C - P = DF * (F - K)``: regressing the mid differences ``y = C - P`` of
put-call pairs on the strike gives ``DF = -slope`` and ``F = intercept / DF``. We use the
``N_FIT_PAIRS`` pairs whose strikes are closest (in log-strike) to where ``C - P`` changes
sign — a model-free first estimate of the forward — since near-the-money pairs are the most
liquid and, for American-style options, the least affected by early exercise. The regression is
weighted by the pair's quoted spread (``1 / u**2`` with ``u = (spread_C + spread_P) / 2``, the
uncertainty of the mid difference) and made robust with Huber re-weighting of the residuals in
units of ``u``. A fit is accepted when ``0 < DF <= DF_MAX`` and ``F > 0``.

Expiries with fewer than ``MIN_PAIRS`` pairs, or a rejected fit, get the implied rate and
dividend yield interpolated (linearly in T, flat beyond the ends) from the fitted expiries:
``r = -ln(DF) / T``, ``q = r - ln(F / S) / T``.

Sanity: a fit implying a rate outside ``RATE_RANGE`` (-2 % to 15 %) or a dividend yield outside
``DIV_RANGE`` (-5 % to 20 %) is not believed. Its forward is kept and its discount factor
replaced by the user's ``rate`` or the rate interpolated from the plausible expiries (method
``"fallback"``); if the yield is still implausible, the forward is rebuilt from interpolated
rate and yield. Each such expiry gets a sentence in ``Forwards.fallbacks``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core._typing import ArrayLike, BoolArray, FloatArray, FloatLike

__all__ = ["MIN_PAIRS", "N_FIT_PAIRS", "DF_MAX", "RATE_RANGE", "DIV_RANGE", "ParityFit",
           "parity_pairs", "fit_parity", "Forwards", "infer_forwards", "plausible"]

#: Fewest put-call pairs for a parity fit.
MIN_PAIRS: int = 3
#: Pairs nearest the money used in the fit.
N_FIT_PAIRS: int = 20
#: Largest accepted discount factor (allows negative rates, rejects nonsense).
DF_MAX: float = 1.5
#: Plausible implied rates (decimals a year); outside, the expiry falls back (see module doc).
RATE_RANGE: tuple[float, float] = (-0.02, 0.15)
#: Plausible implied dividend yields (decimals a year).
DIV_RANGE: tuple[float, float] = (-0.05, 0.20)
_HUBER_K = 1.345


@dataclass(frozen=True, slots=True)
class ParityFit:
    """Result of :func:`fit_parity`."""

    forward: float
    discount: float
    n_pairs: int         # pairs used in the fit
    n_available: int     # pairs quoted on the expiry
    rmse: float          # weighted residual RMS of C - P, in price units


def _crossing(k: np.ndarray, y: np.ndarray) -> float:
    """Strike where y = C - P changes sign (k ascending), else the strike of smallest |y|."""
    pos = y >= 0
    idx = np.flatnonzero(pos[:-1] & ~pos[1:])
    if idx.size:
        i = idx[0]
        return float(k[i] + y[i] / (y[i] - y[i + 1]) * (k[i + 1] - k[i]))
    return float(k[np.argmin(np.abs(y))])


def fit_parity(strike: ArrayLike, call_mid: ArrayLike, put_mid: ArrayLike,
               call_spread: ArrayLike | None = None, put_spread: ArrayLike | None = None, *,
               n_fit: int = N_FIT_PAIRS) -> tuple[ParityFit | None, str]:
    """Fit ``C - P = DF * (F - K)`` on the pairs nearest the money.

    Parameters
    ----------
    strike, call_mid, put_mid : array_like
        One entry per strike quoted on both a call and a put.
    call_spread, put_spread : array_like, optional
        Quoted spreads (ask - bid); used as weights. Equal weights when omitted.
    n_fit : int
        Number of pairs nearest the money to use.

    Returns
    -------
    (ParityFit or None, str)
        The fit, or ``None`` and the reason it was refused.
    """
    k = np.asarray(strike, dtype=np.float64)
    order = np.argsort(k, kind="stable")
    k = k[order]
    y = (np.asarray(call_mid, dtype=np.float64) - np.asarray(put_mid, dtype=np.float64))[order]
    if call_spread is None or put_spread is None:
        u = np.ones_like(k)
    else:
        u = 0.5 * (np.asarray(call_spread, dtype=np.float64)
                   + np.asarray(put_spread, dtype=np.float64))[order]
    if k.size < MIN_PAIRS:
        return None, f"only {k.size} put-call pair{'s' * (k.size != 1)} (need {MIN_PAIRS})"
    positive = u[u > 0]
    floor = 0.1 * float(np.median(positive)) if positive.size else 1.0
    u = np.maximum(u, max(floor, 1e-12))

    n_available = int(k.size)
    k_star = _crossing(k, y)
    sel = np.argsort(np.abs(np.log(k / k_star)), kind="stable")[:n_fit]
    k, y, u = k[sel], y[sel], u[sel]
    X = np.column_stack([np.ones_like(k), k - k_star])
    w = 1.0 / u**2
    h = np.ones_like(k)
    for _ in range(25):
        sw = np.sqrt(w * h)
        beta, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
        z = np.abs(y - X @ beta) / u
        h_new = np.where(z <= _HUBER_K, 1.0, _HUBER_K / np.maximum(z, 1e-300))
        if np.allclose(h_new, h, rtol=0, atol=1e-10):
            break
        h = h_new
    level, slope = float(beta[0]), float(beta[1])
    df = -slope
    if not (np.isfinite(df) and 0 < df <= DF_MAX):
        return None, f"parity fit gave discount factor {df:.4g}, outside (0, {DF_MAX:g}]"
    fwd = k_star + level / df
    if not (np.isfinite(fwd) and fwd > 0):
        return None, f"parity fit gave forward {fwd:.4g} <= 0"
    resid = y - X @ beta
    rmse = float(np.sqrt(np.sum(w * h * resid**2) / np.sum(w * h)))
    return ParityFit(fwd, df, int(k.size), n_available, rmse), ""


@dataclass(frozen=True)
class Forwards:
    """Output of :func:`infer_forwards`."""

    table: pd.DataFrame       # expiry, T, forward, discount, r_implied, q_implied, n_pairs, method
    spot: float
    spot_source: str          # 'file' | 'argument' | 'forward'
    notes: tuple[str, ...]
    expiry_notes: tuple[str, ...]
    fallbacks: tuple[str, ...] = ()   # expiries whose implausible rate/yield was replaced


def parity_pairs(strike: FloatArray, is_call: BoolArray, mid: FloatArray,
                 spread: FloatArray) -> tuple[np.ndarray, ...]:
    """The put-call pairs of one expiry: strikes quoted both as a call and as a put.

    Parameters
    ----------
    strike : numpy.ndarray
        Strikes of one expiry's quotes (price units), unique per type.
    is_call : numpy.ndarray of bool
        True for a call quote, False for a put.
    mid, spread : numpy.ndarray
        Mid price and ask - bid of each quote (price units).

    Returns
    -------
    tuple of numpy.ndarray
        ``(strike, call_mid, put_mid, call_spread, put_spread)`` of the common strikes, in
        ascending strike order: the arguments of :func:`fit_parity`.
    """
    c, p = is_call, ~is_call
    common, ic, ip = np.intersect1d(strike[c], strike[p], assume_unique=True,
                                    return_indices=True)
    return common, mid[c][ic], mid[p][ip], spread[c][ic], spread[p][ip]


def infer_forwards(quotes: pd.DataFrame, *, spot: float | None = None,
                   spot_source: str = "file", rate: float | None = None) -> Forwards:
    """Forward and discount factor of every expiry in ``quotes``.

    Parameters
    ----------
    quotes : pandas.DataFrame
        Cleaned quotes (columns expiry, T, strike, type, mid, spread), unique per
        (expiry, strike, type).
    spot : float, optional
        Underlying level; when ``None`` the forward of the nearest parity-fitted expiry is used.
    spot_source : str
        Where ``spot`` came from, for the report.
    rate : float, optional
        Continuously compounded rate (decimal a year) used instead of the neighbouring
        expiries' curve where a parity fit implies an implausible rate or yield (see
        :func:`plausible`), and for expiries without enough pairs.

    Returns
    -------
    Forwards
        Per expiry: T (years), forward (currency), discount factor, implied r and q
        (continuous, decimals per year), pairs used and the method (parity / fallback); the
        spot and its source, and notes.

    Raises
    ------
    DataError
        When no expiry has enough put-call pairs for a parity fit.
    """
    quotes = quotes.sort_values("expiry", kind="stable")
    exp = quotes["expiry"].to_numpy()
    t_all, k_all = quotes["T"].to_numpy(), quotes["strike"].to_numpy()
    call_all = quotes["type"].to_numpy() == "C"
    mid_all, spread_all = quotes["mid"].to_numpy(), quotes["spread"].to_numpy()
    uniq, starts = np.unique(exp, return_index=True)
    ends = np.append(starts[1:], len(exp))
    rows = []
    for expiry, a, b in zip(uniq, starts, ends):
        fit, reason = fit_parity(*parity_pairs(k_all[a:b], call_all[a:b], mid_all[a:b],
                                         spread_all[a:b]))
        rows.append((pd.Timestamp(expiry), float(t_all[a]), fit, reason, int(b - a)))

    fitted = [(e, T, f) for e, T, f, _, _ in rows if f is not None]
    if not fitted:
        worst = "; ".join(f"{e.date()}: {why}" for e, _, _, why, _ in rows[:4])
        raise DataError(
            f"no expiry has {MIN_PAIRS}+ strikes quoted on both a call and a put (valid bid and "
            f"ask), so put-call parity cannot give forwards and discount factors ({worst}"
            f"{'; ...' if len(rows) > 4 else ''}): include calls and puts at common strikes "
            f"near the money")

    notes = []
    if spot is None:
        e0, T0, f0 = fitted[0]
        spot, spot_source = f0.forward, "forward"
        notes.append(f"Spot not given: using the forward of the nearest expiry {e0.date()} "
                     f"({f0.forward:.6g}, T = {T0:.3f} y) as spot.")
    else:
        notes.append(f"Spot {spot:g} from the {spot_source}.")

    t_fit = np.array([T for _, T, _ in fitted])
    r_fit = np.array([-np.log(f.discount) / T for _, T, f in fitted])
    q_fit = r_fit - np.array([np.log(f.forward / spot) / T for _, T, f in fitted])
    sane = plausible(r_fit, q_fit)
    if sane.any():
        t_ok, r_ok, q_ok = t_fit[sane], r_fit[sane], q_fit[sane]
    else:
        t_ok, r_ok, q_ok = t_fit, r_fit, q_fit

    out, expiry_notes, fallbacks = [], [], []
    for expiry, T, fit, reason, n in rows:
        day = expiry.date()
        if fit is not None:
            r = -np.log(fit.discount) / T
            q = r - np.log(fit.forward / spot) / T
            if plausible(r, q):
                out.append((expiry, T, fit.forward, fit.discount, r, q, fit.n_pairs, "parity"))
                expiry_notes.append(f"Expiry {day}: forward {fit.forward:.6g}, discount "
                                    f"{fit.discount:.6f} from the {fit.n_pairs} put-call pairs "
                                    f"nearest the money (of {fit.n_available}).")
            else:
                row, note = _fallback(expiry, T, fit, r, q, spot, rate, t_ok, r_ok, q_ok,
                                      have_neighbours=bool(sane.any()))
                out.append(row)
                fallbacks.append(note)
        else:
            r = float(rate) if rate is not None else float(np.interp(T, t_ok, r_ok))
            q = float(np.interp(T, t_ok, q_ok))
            df, fwd = np.exp(-r * T), spot * np.exp((r - q) * T)
            out.append((expiry, T, fwd, df, r, q, 0, "interpolated"))
            src = "the rate argument" if rate is not None else "neighbouring expiries"
            expiry_notes.append(f"Expiry {day}: {reason}; rate {r:.4%} ({src}) and dividend "
                                f"yield {q:.4%} (interpolated from neighbouring expiries; "
                                f"forward {fwd:.6g}).")
    table = pd.DataFrame(out, columns=["expiry", "T", "forward", "discount", "r_implied",
                                       "q_implied", "n_pairs", "method"])
    table["expiry"] = table["expiry"].astype("datetime64[ns]")
    table["n_pairs"] = table["n_pairs"].astype(np.int64)
    return Forwards(table, float(spot), spot_source, tuple(notes), tuple(expiry_notes),
                    tuple(fallbacks))


def plausible(r: FloatLike, q: FloatLike) -> BoolArray:
    """True where an implied rate ``r`` and dividend yield ``q`` (decimals a year) are
    believable: ``RATE_RANGE[0] <= r <= RATE_RANGE[1]`` and ``DIV_RANGE[0] <= q <= DIV_RANGE[1]``.

    Parameters
    ----------
    r, q : float or array_like
        Implied continuously compounded rate and dividend yield, decimals per year.

    Returns
    -------
    numpy.ndarray of bool
        Broadcast shape of ``r`` and ``q``.
    """
    r, q = np.asarray(r, dtype=np.float64), np.asarray(q, dtype=np.float64)
    return ((r >= RATE_RANGE[0]) & (r <= RATE_RANGE[1]) & (q >= DIV_RANGE[0])
            & (q <= DIV_RANGE[1]))


def _fallback(expiry, T, fit, r, q, spot, rate, t_ok, r_ok, q_ok, *, have_neighbours):
    """Row and note for an expiry whose parity fit implies an implausible rate or yield.

    The parity forward (the fit's intercept) is kept and the discount factor (its slope, the
    noisy part on few or short-dated pairs) replaced by the user's ``rate`` or the rate
    interpolated from plausible expiries; if the yield is still implausible the forward is
    replaced too, from interpolated rate and yield.
    """
    day = expiry.date()
    found = (f"Expiry {day}: parity implies rate {r:.2%} and dividend yield {q:.2%} "
             f"(plausible: rate {RATE_RANGE[0]:.0%} to {RATE_RANGE[1]:.0%}, yield "
             f"{DIV_RANGE[0]:.0%} to {DIV_RANGE[1]:.0%})")
    if rate is None and not have_neighbours:
        return ((expiry, T, fit.forward, fit.discount, r, q, fit.n_pairs, "parity"),
                f"{found}; no expiry has plausible values to fall back on, so they are kept: "
                f"pass rate= (e.g. 0.04) to use your own rate.")
    r_new = float(rate) if rate is not None else float(np.interp(T, t_ok, r_ok))
    src = "the rate argument" if rate is not None else "neighbouring expiries"
    q_new = r_new - np.log(fit.forward / spot) / T
    if plausible(r_new, q_new):
        df = float(np.exp(-r_new * T))
        return ((expiry, T, fit.forward, df, r_new, q_new, fit.n_pairs, "fallback"),
                f"{found}; used rate {r_new:.2%} from {src}, kept the parity forward "
                f"{fit.forward:.6g} (yield {q_new:.2%}).")
    q_new = float(np.interp(T, t_ok, q_ok)) if have_neighbours else 0.0
    fwd, df = spot * np.exp((r_new - q_new) * T), float(np.exp(-r_new * T))
    return ((expiry, T, fwd, df, r_new, q_new, fit.n_pairs, "fallback"),
            f"{found}; the parity forward {fit.forward:.6g} is not credible either: used rate "
            f"{r_new:.2%} from {src} and yield {q_new:.2%} from neighbouring expiries "
            f"(forward {fwd:.6g}).")
