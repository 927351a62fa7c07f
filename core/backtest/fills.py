"""Fills, costs, settlement and model marks for the backtest engine.

* :func:`fill_price`: buy at ``bid + f (ask - bid)``, sell at ``ask - f (ask - bid)``
  (``f`` = 0.5 mid, 1 natural, 0.66 the multi-leg "66 % of the spread" convention).
* :func:`costs`: commission + fees per contract per leg, on opening and closing orders.
* :func:`settlement`: cash settlement at expiry on the day's underlying close. SPXW weeklies and
  end-of-month options are PM-settled on the close, so this is exact for them; monthly SPX
  options are AM-settled on the opening print (SOQ) — the engine uses the close for those too
  (a stated simplification).
* :func:`model_mark`: Black-76 value of a contract whose quote is missing on a day, at the day's
  smile vol for its strike (linear in log-moneyness through the expiry's OTM vols, flat beyond).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from typing import TYPE_CHECKING

from core._typing import ArrayLike, FloatLike

if TYPE_CHECKING:
    from core.backtest.history import DayQuotes

__all__ = ["fill_price", "costs", "settlement", "model_mark", "black76", "SETTLEMENT_NOTE"]

SETTLEMENT_NOTE = ("Options held to expiry are cash settled on the underlying close of the "
                   "expiry date (exact for PM-settled SPXW; AM-settled monthly SPX settles on "
                   "the opening print, which this simplification ignores); no exercise or "
                   "settlement fee.")


def fill_price(bid: FloatLike, ask: FloatLike, side: FloatLike, fraction: float) -> np.ndarray:
    """Fill price of orders at the quote.

    Parameters
    ----------
    bid, ask : array_like
        Quotes, index points.
    side : array_like
        +1 buy, -1 sell.
    fraction : float
        ``f`` in [0, 1]: buys fill at ``bid + f (ask - bid)``, sells at ``ask - f (ask - bid)``.

    Returns
    -------
    ndarray of float64
        Fill price per order, index points (the broadcast shape of the inputs).
    """
    bid = np.asarray(bid, dtype=np.float64)
    ask = np.asarray(ask, dtype=np.float64)
    spread = ask - bid
    return np.where(np.asarray(side) > 0, bid + fraction * spread, ask - fraction * spread)


def costs(qty: ArrayLike, contracts: float, commission: float, fees: float) -> float:
    """Commission and fees of one order: ``(commission + fees) * sum|qty| * contracts`` over
    the option legs.

    Parameters
    ----------
    qty : array_like
        Signed quantity of each option leg per unit of the structure (the sign is ignored).
    contracts : float
        Number of units (contracts) of the structure traded.
    commission, fees : float
        Per-contract commission and exchange/regulatory fees, $ per contract.

    Returns
    -------
    float
        Total cost of the order, $ (non-negative).
    """
    return float((commission + fees) * np.abs(np.asarray(qty, dtype=np.float64)).sum()
                 * contracts)


def settlement(kind: np.ndarray, strike: np.ndarray, close: float) -> np.ndarray:
    """Value at expiry per unit: ``max(S - K, 0)`` calls, ``max(K - S, 0)`` puts, ``S`` stock.

    Parameters
    ----------
    kind : ndarray of str
        ``"call"``, ``"put"`` or ``"stock"`` per leg.
    strike : ndarray
        Strike per leg, index points (ignored for stock).
    close : float
        Underlying settlement price, index points.

    Returns
    -------
    ndarray of float64
        Settlement value per unit of each leg, index points.
    """
    kind = np.asarray(kind)
    strike = np.asarray(strike, dtype=np.float64)
    out = np.where(kind == "call", np.maximum(close - strike, 0.0),
                   np.maximum(strike - close, 0.0))
    return np.where(kind == "stock", close, out)


def _black76_few(F, K, T, sigma, D, is_call) -> np.ndarray:
    """:func:`black76` for a handful of contracts with scalar F, T, D (math, no array overhead)."""
    out = np.empty(len(K))
    rt = math.sqrt(max(T, 0.0))
    for j, (k, s, c) in enumerate(zip(K, sigma, is_call)):
        sd = s * rt
        if not sd > 0:
            out[j] = D * (max(F - k, 0.0) if c else max(k - F, 0.0))
            continue
        d1 = (math.log(F / k) + 0.5 * sd * sd) / sd
        d2 = d1 - sd
        n = lambda x: 0.5 * math.erfc(-x / math.sqrt(2.0))  # noqa: E731
        out[j] = D * (F * n(d1) - k * n(d2)) if c else D * (k * n(-d2) - F * n(-d1))
    return out


def black76(F: FloatLike, K: FloatLike, T: FloatLike, sigma: FloatLike, discount: FloatLike,
            is_call: ArrayLike) -> np.ndarray:
    """Black-76 price ``DF [F N(d1) - K N(d2)]`` (call) / ``DF [K N(-d2) - F N(-d1)]`` (put).

    Parameters
    ----------
    F : array_like
        Forward, index points.
    K : array_like
        Strike, index points.
    T : array_like
        Time to expiry, years (``T <= 0`` gives the discounted intrinsic value).
    sigma : array_like
        Black volatility, decimal per year (0.2 = 20 %).
    discount : array_like
        Discount factor to expiry, decimal in (0, 1].
    is_call : array_like of bool
        True for calls, False for puts.

    Returns
    -------
    ndarray of float64
        Option price, index points (the broadcast shape of the inputs).
    """
    F, K, T, sigma, discount = (np.asarray(x, dtype=np.float64) for x in (F, K, T, sigma, discount))
    sd = sigma * np.sqrt(np.maximum(T, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = (np.log(F / K) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    call = discount * (F * ndtr(d1) - K * ndtr(d2))
    put = discount * (K * ndtr(-d2) - F * ndtr(-d1))
    intrinsic = np.where(is_call, np.maximum(F - K, 0.0), np.maximum(K - F, 0.0)) * discount
    return np.where(sd > 0, np.where(is_call, call, put), intrinsic)


def _smile(day, expiry: int):
    """``(k, iv, F, D)`` of the day's smile of ``expiry`` (log-moneyness sorted), memoised on
    the day; ``None`` when the expiry is not quoted."""
    hit = day.smiles.get(expiry, False)
    if hit is not False:
        return hit
    sl = day.expiry_rows(expiry)
    out = None
    if sl.stop > sl.start:
        F, D = float(day.forward[sl.start]), float(day.discount[sl.start])
        k = np.log(day.strike[sl] / F)
        v = day.iv[sl]
        ok = np.isfinite(v)
        o = np.argsort(k[ok], kind="stable")
        out = (k[ok][o], v[ok][o], F, D)
    day.smiles[expiry] = out
    return out


def smile_vol(day: DayQuotes, expiry: int, strike: FloatLike) -> tuple[np.ndarray, float, float]:
    """The day's smile vol of ``expiry`` at ``strike`` with that expiry's forward and discount.

    Parameters
    ----------
    day : DayQuotes
        One quote date's rows.
    expiry : int
        Expiry, days since 1970-01-01.
    strike : array_like
        Strikes, index points.

    Returns
    -------
    vols : ndarray of float64
        Smile vol at each strike, decimal per year; NaN when the day has no smile for the
        expiry (flat beyond the quoted log-moneyness range).
    forward : float
        The expiry's put-call parity forward, index points (NaN when the expiry is not quoted).
    discount : float
        The expiry's discount factor, decimal (NaN when the expiry is not quoted).
    """
    strike = np.asarray(strike, dtype=np.float64)
    sm = _smile(day, expiry)
    if sm is None:
        return np.full(strike.shape, np.nan), np.nan, np.nan
    k, v, F, D = sm
    if not v.size:
        return np.full(strike.shape, np.nan), F, D
    return np.interp(np.log(strike / F), k, v), F, D


def model_mark(day: DayQuotes, expiry: int, strike: FloatLike, is_call: ArrayLike,
               fallback_vol: FloatLike = np.nan) -> tuple[np.ndarray, np.ndarray]:
    """Model value (index points) and vol of contracts missing from ``day``'s quotes.

    Uses the day's smile of the same expiry; when the day has none (the expiry is not quoted),
    ``fallback_vol`` (the leg's last known vol) with forward = spot and discount 1.

    Parameters
    ----------
    day : DayQuotes
        The quote date the contracts are marked on.
    expiry : int
        Expiry, days since 1970-01-01.
    strike : array_like
        Strikes, index points.
    is_call : array_like of bool
        True for calls, False for puts.
    fallback_vol : array_like, default NaN
        Vol used where the day has no smile, decimal per year (NaN: the mark is NaN).

    Returns
    -------
    value : ndarray of float64
        Black-76 model value per contract, index points.
    vols : ndarray of float64
        The vol each value used, decimal per year.
    """
    strike = np.asarray(strike, dtype=np.float64)
    vols, F, D = smile_vol(day, expiry, strike)
    if not np.isfinite(F):
        F, D = day.spot, 1.0
    vols = np.where(np.isfinite(vols), vols, fallback_vol)
    T = (expiry - day.date) / 365.0
    if strike.size <= 8:
        return _black76_few(F, strike, T, vols, D, np.asarray(is_call, dtype=bool)), vols
    return black76(F, strike, T, vols, D, np.asarray(is_call, dtype=bool)), vols
