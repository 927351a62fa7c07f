"""Residuals of a calibration: quote selection, model prices, weighting and the Jacobian.

The quotes fitted are the chain's out-of-the-money quotes with ``lo <= K/F <= hi`` and a finite
implied vol, sorted by maturity, each with its own expiry's forward and discount factor; they
are priced in one COS pass over the surface (:func:`core.pricing.fourier._cos_surface`), which
also returns the price Jacobian in the model parameters. :class:`_Objective` turns prices into
weighted residuals for scipy's ``least_squares``:

* ``"vega"`` (default): ``(model - mid) / vega``, vega at the market implied vol: a first-order
  implied-vol error, no implied-vol inversion needed;
* ``"iv"``: the exact implied-vol error, with the Jacobian divided by the model's vega;
* ``"spread"``: vega residuals times ``median spread / spread`` (bid-ask implied-vol spread,
  floored at a quarter of the median);
* ``"price"``: ``(model - mid) / spot``;
* an array: per-quote weights ``w`` on the vega residuals (residual times ``sqrt(w)``).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import DataError
from core.pricing.charfuncs import ModelSpec, get_model
from core.pricing.fourier import COS_L, COS_N_MIN, COS_TOL, cos_surface_kernel as _cos_surface
from core.pricing.implied_vol import implied_vol
from core.pricing.timechange import vg_mixture_price
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.calibration.calibrate import CalibrationResult
    from core.data.chain import Chain

__all__ = ["fitted_quotes", "WEIGHTS"]

#: Named weighting schemes accepted by :func:`core.calibration.calibrate`.
WEIGHTS = ("vega", "iv", "spread", "price")
_N_MAX_FIT = 4096          # cap on cosine terms while fitting (short-dated VG/CGMY)
_TOL_FIT = 1e-8            # COS tail tolerance (x forward) while fitting; final figures use 1e-10
_TOL_GLOBAL = 1e-6         # COS tail tolerance of the global stage
_BIG = 10.0                # residual substituted for a non-finite model price


@dataclass
class _Quotes:
    """Quotes used by a calibration, sorted by maturity (internal)."""

    T: np.ndarray
    K: np.ndarray
    F: np.ndarray
    D: np.ndarray
    w: np.ndarray
    mid: np.ndarray
    iv: np.ndarray
    vega: np.ndarray
    iv_spread: np.ndarray
    expiry: np.ndarray
    Tu: np.ndarray
    start: np.ndarray
    spot: float
    fingerprint: str


def _select_quotes(chain, lo: float, hi: float, exclude_wide: bool,
                   t_min: float = 0.0) -> _Quotes:
    frame = chain.otm_quotes(lo, hi, exclude_wide=exclude_wide)
    if t_min > 0.0:
        frame = frame[frame["T"].to_numpy(np.float64) > t_min]
    frame = frame.sort_values(["T", "strike"], kind="stable").reset_index(drop=True)
    T = frame["T"].to_numpy(np.float64)
    K = frame["strike"].to_numpy(np.float64)
    F = frame["forward"].to_numpy(np.float64)
    D = frame["discount"].to_numpy(np.float64)
    w = np.where(frame["type"].astype(str).str.upper().to_numpy() == "C", 1.0, -1.0)
    mid = frame["mid"].to_numpy(np.float64)
    iv = frame["iv"].to_numpy(np.float64)
    sd = iv * np.sqrt(T)
    d1 = (np.log(F / K) + 0.5 * sd * sd) / sd
    vega = D * F * np.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi) * np.sqrt(T)
    vega = np.maximum(vega, 1e-8 * F)
    spread = (frame["iv_ask"] - frame["iv_bid"]).to_numpy(np.float64)
    Tu, first = np.unique(T, return_index=True)
    start = np.append(first, T.size).astype(np.int64)
    expiry = np.array([pd.Timestamp(x).date().isoformat() for x in frame["expiry"]], dtype=object)
    h = hashlib.sha256()
    for arr in (T, K, w, mid, F, D):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update(f"{lo!r}|{hi!r}|{exclude_wide!r}".encode())
    if t_min > 0.0:                      # (absent from older fingerprints: they stay valid)
        h.update(f"|t_min={t_min!r}".encode())
    return _Quotes(T, K, F, D, w, mid, iv, vega, spread, expiry, Tu, start,
                   float(chain.spot), h.hexdigest()[:16])


def _prices(spec: ModelSpec, p: np.ndarray, q: _Quotes, njac: int, tol: float, n_max: int):
    """Model prices (and Jacobian) of the calibration quotes."""
    n = q.T.size
    out = np.empty(n)
    jac = np.zeros((n, njac))
    n_used = np.zeros(q.Tu.size, dtype=np.int64)
    if spec.name == "vg" and tol < 1e-7:   # (the coarse global stage keeps the cosine sum)
        # exact prices from the gamma-mixture quadrature; the cosine sum only supplies the
        # Jacobian (a search direction), so its slow convergence at short T does not bias the fit
        out = vg_mixture_price(q.F, q.K, q.T, q.D, q.w, *p)
        if njac:
            _cos_surface(spec.model_id, p, q.Tu, q.start, q.F, q.K, q.D, q.w, COS_L, tol,
                         COS_N_MIN, n_max, njac, np.empty(n), jac, n_used)
        return out, jac
    _cos_surface(spec.model_id, p, q.Tu, q.start, q.F, q.K, q.D, q.w, COS_L, tol, COS_N_MIN, n_max,
           njac, out, jac, n_used)
    return out, jac


def _model_iv(price, q: _Quotes):
    rate = -np.log(q.D) / q.T
    return implied_vol(price, q.F, q.K, q.T, rate, rate, q.w > 0.0)


class _Objective:
    """Weighted residuals and Jacobian in parameter space, with a one-point cache."""

    def __init__(self, spec, q, mode, sw, tol, n_max, on_eval):
        self.spec, self.q, self.mode, self.sw = spec, q, mode, sw
        self.tol, self.n_max, self.on_eval = tol, n_max, on_eval
        self.n_eval = 0
        self._key = None
        self._r = self._J = None

    def _compute(self, x, want_jac):
        key = x.tobytes()
        if key == self._key and (self._J is not None or not want_jac):
            return
        self.on_eval()
        self.n_eval += 1
        q = self.q
        njac = self.spec.n_params if want_jac else 0
        price, dp = _prices(self.spec, x, q, njac, self.tol, self.n_max)
        if self.mode == "price":
            r = (price - q.mid) / q.spot
            J = dp / q.spot
        else:
            r = (price - q.mid) / q.vega
            J = dp / q.vega[:, None]
            if self.mode == "iv":
                iv = _model_iv(price, q)
                ok = np.isfinite(iv) & (iv > 0.0)
                sd = iv[ok] * np.sqrt(q.T[ok])
                d1 = (np.log(q.F[ok] / q.K[ok]) + 0.5 * sd * sd) / sd
                vm = np.maximum(q.D[ok] * q.F[ok] * np.exp(-0.5 * d1 * d1)
                                / math.sqrt(2.0 * math.pi) * np.sqrt(q.T[ok]), 1e-8 * q.F[ok])
                r[ok] = iv[ok] - q.iv[ok]
                J[ok] = dp[ok] / vm[:, None]
        r = self.sw * r
        J = self.sw[:, None] * J
        bad = ~np.isfinite(r)
        if bad.any():
            r[bad] = _BIG
            J[bad] = 0.0
        self._key = key
        self._r = r
        self._J = J if want_jac else None

    def residuals(self, x):
        self._compute(np.asarray(x, dtype=np.float64), True)
        return self._r

    def jacobian(self, x):
        self._compute(np.asarray(x, dtype=np.float64), True)
        return self._J

    def cost(self, x):
        self._compute(np.asarray(x, dtype=np.float64), False)
        return float(self._r @ self._r)


def _weights(weights, q: _Quotes) -> tuple[str, np.ndarray]:
    n = q.T.size
    if isinstance(weights, str):
        mode = weights.strip().lower()
        if mode not in WEIGHTS:
            raise DataError(f"weights must be one of {', '.join(WEIGHTS)} or an array, "
                            f"got {weights!r}")
        if mode == "spread":
            s = np.where(np.isfinite(q.iv_spread) & (q.iv_spread > 0), q.iv_spread, np.nan)
            med = np.nanmedian(s) if np.isfinite(s).any() else 1.0
            s = np.clip(np.nan_to_num(s, nan=med), 0.25 * med, None)
            return "vega", med / s
        return mode, np.ones(n)
    arr = np.asarray(weights, dtype=np.float64).reshape(-1)
    if arr.size != n or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise DataError(f"weights array must hold {n} finite non-negative numbers (one per "
                        f"quote used), got {arr.size}")
    return "vega", np.sqrt(arr)


def quotes_fingerprint(chain: Chain, settings: dict | None = None) -> str:
    """Fingerprint of the quotes a calibration with ``settings`` would use on ``chain`` (the
    same hash as ``CalibrationResult.fingerprint``), to tell whether a stored run fits it.

    Parameters
    ----------
    chain : Chain
        The option chain.
    settings : dict, optional
        A calibration's settings (e.g. ``CalibrationResult.settings``); read are ``lo``, ``hi``
        (K/F bounds, default 0.6 and 1.4), ``exclude_wide`` (default False) and ``t_min``
        (shortest maturity in years, default 0).

    Returns
    -------
    str
        16 hex digits of a SHA-256 over the selected quotes' maturities, strikes, types, mids,
        forwards and discount factors and the selection.
    """
    s = settings or {}
    return _select_quotes(chain, s.get("lo", 0.6), s.get("hi", 1.4), s.get("exclude_wide", False),
                          s.get("t_min", 0.0)).fingerprint


def fitted_quotes(result: CalibrationResult, chain: Chain) -> pd.DataFrame:
    """The quotes a calibration used, with the fitted model's prices and implied vols.

    Parameters
    ----------
    result : CalibrationResult
    chain : core.data.Chain
        The chain it was fitted to (selected again with the result's settings).

    Returns
    -------
    pandas.DataFrame
        Columns ``expiry`` (ISO date), ``T``, ``strike``, ``type``, ``forward``, ``mid``, ``iv``,
        ``model_price``, ``model_iv`` and ``error_iv`` (model - market, decimal vol).
    """
    spec = get_model(result.model)
    s = result.settings
    q = _select_quotes(chain, s.get("lo", 0.6), s.get("hi", 1.4), s.get("exclude_wide", False),
                       s.get("t_min", 0.0))
    p = spec.as_array(result.params)
    price, _ = _prices(spec, p, q, 0, COS_TOL, _N_MAX_FIT)
    miv = _model_iv(price, q)
    return pd.DataFrame({"expiry": q.expiry.astype(str), "T": q.T, "strike": q.K,
                         "type": np.where(q.w > 0, "C", "P"), "forward": q.F, "mid": q.mid,
                         "iv": q.iv, "model_price": price, "model_iv": miv,
                         "error_iv": miv - q.iv})



# The pieces core.calibration.calibrate builds its fit from (public so that it needs no
# private name of this module; the objects are the ones above).
#: Cap on cosine terms while fitting (short-dated VG/CGMY need many).
N_MAX_FIT: int = _N_MAX_FIT
#: COS tail tolerance (relative to the forward) while fitting; final figures use ``COS_TOL``.
TOL_FIT: float = _TOL_FIT
#: COS tail tolerance of the global (coarse) stage.
TOL_GLOBAL: float = _TOL_GLOBAL
#: ``select_quotes(chain, lo, hi, exclude_wide, t_min=0.0)``: the out-of-the-money quotes with
#: strike / forward in [lo, hi] and T > t_min (years), sorted by maturity then strike.
select_quotes = _select_quotes
#: ``quote_weights(weights, quotes) -> (mode, weights)``: a named scheme of :data:`WEIGHTS`
#: resolved to the residual mode and one weight per quote.
quote_weights = _weights
#: ``model_prices(spec, params, quotes, njac, tol, n_max) -> (prices, jacobian)`` in one COS pass.
model_prices = _prices
#: ``model_iv(prices, quotes)``: Black-Scholes implied vols (decimals) of model prices.
model_iv = _model_iv
#: Weighted residuals, Jacobian and cost in parameter space, with a one-point cache.
Objective = _Objective
__all__ += ["N_MAX_FIT", "TOL_FIT", "TOL_GLOBAL", "select_quotes", "quote_weights",
            "model_prices", "model_iv", "Objective"]
