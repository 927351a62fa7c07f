"""The quotes a surface fit uses: selection, weights, per-expiry slices and skip reasons.

Selection: the loader's out-of-the-money quotes with ``lo <= K/F <= hi`` and a finite mid implied
vol (:meth:`core.data.Chain.otm_quotes`). By default wide-spread quotes (ask - bid over 50 % of
the mid, flagged by the loader) are *excluded* from the fit: their mids carry little information
about the vol (on the sample SPX chain a 0.05/1.00 put quote has a mid vol 12 vol points above
the tight quotes around it) and one such mid moves an unweighted RMSE more than the whole fit
error. They stay in the quote table (``used = False``) so residuals and inside-spread shares can
be shown for them too.

Weights: every model is fitted by weighted least squares whose residual is, to first order, the
implied-vol error in units of the quote's bid/ask implied-vol band:
``e_i = (sigma_model - sigma_mid) / band_i``, ``band_i = max(iv_ask - iv_bid, BAND_FLOOR)``.
In total variance ``w = sigma^2 T`` (SVI, SSVI) this is
``(w_model - w_mid) / (2 sigma_mid T band_i)``.
Tight quotes pull hard, loose ones little: a spread-aware (rather than vega) weighting.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.data.chain import Chain

__all__ = ["MIN_QUOTES", "BAND_FLOOR", "SliceData", "Prepared", "prepare", "atm_vol_estimate"]

#: Fewest usable quotes for an expiry to be fitted.
MIN_QUOTES: int = 5
#: Smallest bid/ask implied-vol band used in the weights (0.2 vol points).
BAND_FLOOR: float = 0.002
#: Columns of the quote table kept in a fit.
QUOTE_TABLE_COLUMNS: tuple[str, ...] = (
    "expiry", "T", "strike", "type", "forward", "k", "iv", "iv_bid", "iv_ask", "wide", "used",
    "weight")


@dataclass(frozen=True)
class SliceData:
    """The quotes of one expiry used in a fit (arrays sorted by log-moneyness).

    Attributes
    ----------
    expiry : pandas.Timestamp
    T : float
        Years to expiry (ACT/365).
    forward : float
    k : ndarray
        Log-moneyness ln(K/F).
    strike, iv, iv_bid, iv_ask : ndarray
        Strikes and mid / bid / ask implied vols (decimals).
    weight : ndarray
        ``1 / band`` (per unit of vol), see the module docstring.
    atm_vol : float
        At-the-money (K = F) vol estimated from the quotes; NaN when the quotes do not straddle
        the forward.
    """

    expiry: pd.Timestamp
    T: float
    forward: float
    k: np.ndarray
    strike: np.ndarray
    iv: np.ndarray
    iv_bid: np.ndarray
    iv_ask: np.ndarray
    weight: np.ndarray
    atm_vol: float

    @property
    def total_variance(self) -> np.ndarray:
        """Market total implied variance ``iv^2 T`` of the quotes."""
        return self.iv * self.iv * self.T

    @property
    def w_weight(self) -> np.ndarray:
        """Weights of total-variance residuals: ``1 / (2 iv T band)``."""
        return self.weight / (2.0 * self.iv * self.T)


@dataclass(frozen=True)
class Prepared:
    """Output of :func:`prepare`."""

    slices: list[SliceData]                 # expiries that can be fitted, by T
    skipped: list[tuple[str, str]]          # (expiry ISO date, reason)
    table: pd.DataFrame                     # every selected quote, QUOTE_TABLE_COLUMNS
    spot: float
    expiries: pd.DataFrame                  # the chain's per-expiry table


def atm_vol_estimate(k: np.ndarray, iv: np.ndarray, weight: np.ndarray | None = None) -> float:
    """At-the-money vol (at k = 0) from quotes that straddle the forward.

    A weighted quadratic in ``k`` through the (up to) five quotes nearest ``k = 0``, which must
    include quotes on both sides; with only one quote on a side, the straight line between the
    nearest quote on each side. NaN when all quotes lie on one side of the forward.

    Parameters
    ----------
    k : ndarray
        Log-moneyness ln(K/F) of the quotes.
    iv : ndarray
        Their implied vols (decimals).
    weight : ndarray, optional
        Relative weights (e.g. ``1 / band``); equal when omitted.

    Returns
    -------
    float
        ATM vol, decimal (NaN when the quotes do not straddle the forward).
    """
    k = np.asarray(k, dtype=np.float64)
    iv = np.asarray(iv, dtype=np.float64)
    below, above = k <= 0.0, k > 0.0
    if not (below.any() and above.any()):
        return float("nan")
    i0 = np.flatnonzero(below)[np.argmax(k[below])]
    i1 = np.flatnonzero(above)[np.argmin(k[above])]
    if k[i1] - k[i0] <= 0.0:
        return float(iv[i0])
    linear = float(iv[i0] + (0.0 - k[i0]) / (k[i1] - k[i0]) * (iv[i1] - iv[i0]))
    near = np.argsort(np.abs(k), kind="stable")[:5]
    if near.size < 4 or not ((k[near] <= 0).sum() >= 2 and (k[near] > 0).sum() >= 2):
        return linear
    w = np.ones(near.size) if weight is None else np.asarray(weight, dtype=np.float64)[near]
    X = np.column_stack([np.ones(near.size), k[near], k[near] ** 2])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(X * sw[:, None], iv[near] * sw, rcond=None)
    value = float(coef[0])
    lo, hi = min(iv[i0], iv[i1]), max(iv[i0], iv[i1])
    span = hi - lo + 0.01 * hi
    # a quadratic that lands far from the two bracketing quotes is a bad local model
    return value if (np.isfinite(value) and lo - span <= value <= hi + span) else linear


def _band(iv_bid: np.ndarray, iv_ask: np.ndarray) -> np.ndarray:
    band = iv_ask - iv_bid
    ok = np.isfinite(band) & (band > 0)
    fill = 2.0 * float(np.median(band[ok])) if ok.any() else 0.02
    return np.maximum(np.where(ok, band, fill), BAND_FLOOR)


def prepare(chain: Chain, *, lo: float = 0.6, hi: float = 1.4, exclude_wide: bool = True,
            min_quotes: int = MIN_QUOTES, need_atm: bool = False) -> Prepared:
    """Select and weight the quotes of ``chain`` and split them by expiry.

    Parameters
    ----------
    chain : core.data.Chain
        A loaded chain.
    lo, hi : float
        Moneyness bounds on K/F (inclusive).
    exclude_wide : bool
        Leave wide-spread quotes out of the fit (they stay in the table with ``used = False``).
    min_quotes : int
        Fewest usable quotes for an expiry to be fitted; others are skipped with a reason.
    need_atm : bool
        Also skip expiries whose quotes do not straddle the forward (no ATM vol estimate).

    Returns
    -------
    Prepared
        ``slices`` (one :class:`SliceData` per fittable expiry, by ``T`` in years), ``skipped``
        ``(ISO date, reason)`` pairs, ``table`` (every selected quote: strike in currency,
        ``k`` in log-moneyness, vols as decimals, ``used``, ``weight``), ``spot`` (currency)
        and the chain's per-expiry table.

    Raises
    ------
    DataError
        If ``chain`` is not a Chain or ``min_quotes`` is not a positive integer.
    """
    from core.data import Chain

    if not isinstance(chain, Chain):
        raise DataError(f"chain must be a core.data.Chain, got {type(chain).__name__}")
    if isinstance(min_quotes, bool) or not isinstance(min_quotes, (int, np.integer)) \
            or min_quotes < 1:
        raise DataError(f"min_quotes must be a positive integer, got {min_quotes!r}")
    q = chain.otm_quotes(lo, hi)
    exp_table = chain.expiries
    band = _band(q["iv_bid"].to_numpy(), q["iv_ask"].to_numpy())
    used = np.ones(len(q), dtype=bool)
    if exclude_wide:
        used &= ~q["wide"].to_numpy(dtype=bool)
    table = pd.DataFrame({
        "expiry": q["expiry"], "T": q["T"], "strike": q["strike"], "type": q["type"],
        "forward": q["forward"], "k": q["log_moneyness"], "iv": q["iv"], "iv_bid": q["iv_bid"],
        "iv_ask": q["iv_ask"], "wide": q["wide"].astype(bool), "used": used,
        "weight": np.where(used, 1.0 / band, 0.0)})

    # one sort by (expiry, k); each expiry is then a contiguous block of numpy arrays
    order = np.lexsort((table["k"].to_numpy(), table["expiry"].to_numpy()))
    table = table.iloc[order].reset_index(drop=True)
    cols = {c: table[c].to_numpy() for c in ("expiry", "k", "strike", "iv", "iv_bid", "iv_ask",
                                             "weight", "used")}
    slices, skipped = [], []
    exp_t = exp_table["expiry"].to_numpy()
    starts = np.searchsorted(cols["expiry"], exp_t, side="left")
    ends = np.searchsorted(cols["expiry"], exp_t, side="right")
    for j, (a, b) in enumerate(zip(starts, ends)):
        row = exp_table.iloc[j]
        day = pd.Timestamp(exp_t[j]).date().isoformat()
        sel = np.arange(a, b)[cols["used"][a:b]]
        n_all, n = int(b - a), int(sel.size)
        if n_all == 0:
            skipped.append((day, f"no out-of-the-money quote with an implied vol in "
                                 f"{lo:g} <= K/F <= {hi:g}"))
            continue
        if n < min_quotes:
            extra = f" ({n_all - n} wide-spread quotes left out)" if n_all > n else ""
            skipped.append((day, f"{n} usable quote{'s' * (n != 1)}, need {min_quotes}{extra}"))
            continue
        k, iv, weight = cols["k"][sel], cols["iv"][sel], cols["weight"][sel]
        atm = atm_vol_estimate(k, iv, weight)
        if need_atm and not np.isfinite(atm):
            side = "below" if k.max() <= 0 else "above"
            skipped.append((day, f"all {n} usable quotes lie {side} the forward: no at-the-money "
                                 f"vol"))
            continue
        slices.append(SliceData(pd.Timestamp(exp_t[j]), float(row["T"]), float(row["forward"]),
                                k, cols["strike"][sel], iv, cols["iv_bid"][sel],
                                cols["iv_ask"][sel], weight, atm))
    return Prepared(slices, skipped, table, float(chain.spot), exp_table)
