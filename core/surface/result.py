"""The frozen result of every surface fit (:class:`SurfaceFit`) and how it evaluates the surface.

A fit stores per-expiry parameters (and, for SSVI, the global ``rho, eta, gamma``); everything else
(vols anywhere, arbitrage checks, smile metrics) is computed from them, so a fit rebuilt with
:meth:`SurfaceFit.from_dict` behaves exactly like the original.

Interpolation in ``T`` (SVI, eSSVI and SABR): at fixed log-moneyness ``k = ln(K / F(T))`` the total
variance is linear in ``T`` between the two neighbouring fitted expiries; before the first and
after the last expiry the implied vol at fixed ``k`` is held flat (``w = w_edge(k) T / T_edge``).
The forward is interpolated with ``ln F`` linear in ``T`` (through ``ln S`` at ``T = 0``;
constant carry beyond the last expiry). SSVI is evaluated natively: ``theta(T)`` linear between
expiries and proportional to ``T`` outside them (see :mod:`core.surface.ssvi`).
"""
from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core._frames import frame_from_dict, frame_to_dict
from core._validate import as_float_array, check_finite, check_range
from core.errors import CalibrationError, DataError
from core.pricing.sabr import sabr_vol_kernel as _sabr_vol_kernel
from core.surface.quotes import Prepared
from core.surface.ssvi import ssvi_to_raw
from core.surface.svi import svi_derivatives, svi_total_variance
from core._typing import DateLike, FloatLike
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # names used in annotations only
    from core.surface.diagnostics import ArbitrageReport

__all__ = ["SurfaceFit", "MODELS", "PARAM_NAMES", "make_fit", "finish_fit", "fit_options",
           "nothing_fitted", "day_label", "Progress"]

#: Parameter columns of :attr:`SurfaceFit.params` per model.
PARAM_NAMES: dict[str, tuple[str, ...]] = {
    "svi": ("a", "b", "rho", "m", "sigma"),
    "ssvi": ("theta", "a", "b", "rho", "m", "sigma"),
    "sabr": ("alpha", "beta", "rho", "nu"),
    "essvi": ("theta", "psi", "a", "b", "rho", "m", "sigma"),
}
MODELS: tuple[str, ...] = tuple(PARAM_NAMES)
Progress = Callable[[float, str], None] | None
_STAT_COLUMNS = ("n_quotes", "rmse_iv", "max_error", "inside_spread")
_SABR_H = 1e-4        # step of the central differences of a SABR slice in k


# --------------------------------------------------------------------------------------------
# evaluation helpers
# --------------------------------------------------------------------------------------------
def _sabr_w(F, k, T, alpha, beta, rho, nu) -> np.ndarray:
    """SABR total variance at log-moneyness ``k`` (parameters validated when the fit was built)."""
    k = np.ascontiguousarray(k, dtype=np.float64)
    n = k.shape[0]
    out = np.empty(n)
    full = [np.full(n, float(x)) for x in (F, T, alpha, beta, rho, nu)]
    _sabr_vol_kernel(full[0], F * np.exp(k), full[1], *full[2:], out)
    return out * out * T


def _slice_eval(model: str, P: dict[str, np.ndarray], j: int, k: np.ndarray, T: float,
                F: float, derivs: bool) -> tuple[np.ndarray, ...]:
    """``(w,)`` or ``(w, w', w'')`` of fitted slice ``j`` at log-moneyness ``k``."""
    if model in ("svi", "ssvi", "essvi"):
        p = (P["a"][j], P["b"][j], P["rho"][j], P["m"][j], P["sigma"][j])
        return svi_derivatives(k, *p) if derivs else (svi_total_variance(k, *p),)
    args = (T, P["alpha"][j], P["beta"][j], P["rho"][j], P["nu"][j])
    w0 = _sabr_w(F, k, *args)
    if not derivs:
        return (w0,)
    h = _SABR_H
    wp = _sabr_w(F, k + h, *args)
    wm = _sabr_w(F, k - h, *args)
    return w0, (wp - wm) / (2.0 * h), (wp - 2.0 * w0 + wm) / (h * h)


def _as_frame_dict(frame: pd.DataFrame) -> dict[str, list]:
    return frame_to_dict(frame)


def _from_frame_dict(data: dict[str, list]) -> pd.DataFrame:
    return frame_from_dict(data)


# --------------------------------------------------------------------------------------------
# result object
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class SurfaceFit:
    """A fitted implied-volatility surface (SVI, SSVI, eSSVI or SABR).

    Attributes
    ----------
    model : str
        One of :data:`MODELS`: 'svi', 'ssvi', 'sabr' or 'essvi'.
    spot : float
        Underlying level (anchors the forward interpolation at ``T = 0``).
    rmse_iv : float
        Root-mean-square implied-vol error (decimal: 0.005 = 0.5 vol points) over the quotes
        used in the fit.
    max_error : float
        Largest absolute implied-vol error over those quotes (decimal).
    inside_spread : float
        Share of those quotes whose fitted vol lies inside the bid/ask implied-vol band.
    elapsed : float
        Wall time of the fit in seconds (quote selection to result).
    skipped : tuple of (str, str)
        Expiries (ISO dates) not fitted, with the reason.
    global_params : dict
        Parameters shared by all expiries: SSVI ``rho, eta, gamma``; SABR ``beta``.
    options : dict
        The fit's settings (moneyness range, wide-spread handling, weighting, ...).
    notes : tuple of str
        Human-readable remarks (e.g. slices refitted to remove butterfly arbitrage).
    """

    model: str
    _slices: pd.DataFrame = field(repr=False)
    _quotes: pd.DataFrame = field(repr=False)
    spot: float
    rmse_iv: float = math.nan
    max_error: float = math.nan
    inside_spread: float = math.nan
    elapsed: float = 0.0
    skipped: tuple[tuple[str, str], ...] = ()
    global_params: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.model not in PARAM_NAMES:
            raise DataError(f"model must be one of {', '.join(MODELS)}, got {self.model!r}")
        missing = [c for c in ("expiry", "T", "forward", *PARAM_NAMES[self.model])
                   if c not in self._slices.columns]
        if missing:
            raise DataError(f"{self.model} slice table lacks columns {', '.join(missing)}")
        if len(self._slices) == 0:
            raise DataError("a surface needs at least one fitted expiry")
        slices = self._slices.sort_values("T", kind="stable").reset_index(drop=True)
        object.__setattr__(self, "_slices", slices)
        object.__setattr__(self, "_quotes", self._quotes.copy(deep=False))
        object.__setattr__(self, "spot", float(self.spot))

    # -- views -----------------------------------------------------------------------------
    @property
    def params(self) -> pd.DataFrame:
        """Per-expiry parameters and fit statistics (a copy): expiry, T, forward, the model's
        parameters (see :data:`PARAM_NAMES`), n_quotes, rmse_iv, max_error, inside_spread."""
        return self._slices.copy(deep=False)

    @property
    def expiries(self) -> np.ndarray:
        """Times to expiry (years) of the fitted slices, ascending."""
        return self._slices["T"].to_numpy(dtype=np.float64).copy()

    def residuals(self) -> pd.DataFrame:
        """Every selected quote with its fitted vol: expiry, T, strike, type, k (ln K/F), iv,
        fit_iv, error (fit_iv - iv), iv_bid, iv_ask, inside (fit inside the band), wide, used
        (in the fit), weight (1 / band; 0 when not used).

        Returns
        -------
        pandas.DataFrame
            One row per selected quote: ``T`` in years, ``strike`` in currency, ``k`` in
            log-moneyness, the vols and ``error`` as decimals (0.01 = 1 vol point), ``weight``
            in 1 / vol; a copy (columns absent from the quote table are left out).
        """
        q = self._quotes
        cols = ["expiry", "T", "strike", "type", "k", "iv", "fit_iv", "error", "iv_bid",
                "iv_ask", "inside", "wide", "used", "weight"]
        return q[[c for c in cols if c in q.columns]].copy(deep=False)

    # -- evaluation --------------------------------------------------------------------------
    def forward(self, T: FloatLike) -> np.ndarray:
        """Forward at ``T`` (years): ``ln F`` linear in T through ``ln S`` at 0, constant carry
        beyond the last expiry.

        Parameters
        ----------
        T : array_like
            Times to expiry in years, >= 0 (``T = 0`` gives the spot).

        Returns
        -------
        ndarray
            Forwards (currency, like :attr:`spot`) of the shape of ``T``.
        """
        T = np.asarray(T, dtype=np.float64)
        Ts = self._slices["T"].to_numpy()
        carry = np.log(self._slices["forward"].to_numpy() / self.spot)     # ln(F/S) at Ts
        lnf = np.interp(T, np.concatenate([[0.0], Ts]), np.concatenate([[0.0], carry]))
        beyond = T > Ts[-1]
        lnf = np.where(beyond, carry[-1] / Ts[-1] * T, lnf)
        return self.spot * np.exp(lnf)

    def _param_arrays(self) -> dict[str, np.ndarray]:
        s = self._slices
        return {c: s[c].to_numpy(dtype=np.float64) for c in s.columns
                if c in PARAM_NAMES[self.model] or c in ("T", "forward")}

    def theta(self, T: FloatLike) -> np.ndarray:
        """ATM total variance ``theta(T)`` of an SSVI surface (see the module docstring).

        Parameters
        ----------
        T : array_like
            Times to expiry in years, >= 0.

        Returns
        -------
        ndarray
            ``theta`` (vol^2 x years) of the shape of ``T``: linear between fitted expiries,
            proportional to ``T`` before the first and after the last.

        Raises
        ------
        DataError
            The fit is not an SSVI fit.
        """
        if self.model != "ssvi":
            raise DataError(f"theta(T) is defined for SSVI fits, not {self.model}")
        T = np.asarray(T, dtype=np.float64)
        Ts = self._slices["T"].to_numpy()
        th = self._slices["theta"].to_numpy()
        inside = np.interp(T, Ts, th)
        return np.where(T < Ts[0], th[0] * T / Ts[0],
                        np.where(T > Ts[-1], th[-1] * T / Ts[-1], inside))

    def _evaluate(self, k, T, derivs: bool) -> tuple[np.ndarray, ...]:
        k, T = np.broadcast_arrays(np.asarray(k, dtype=np.float64),
                                   np.asarray(T, dtype=np.float64))
        shape = k.shape
        k, T = k.ravel(), T.ravel()
        g = self.global_params
        if self.model == "ssvi":
            raw = ssvi_to_raw(self.theta(T), g["rho"], g["eta"], g["gamma"])
            out = svi_derivatives(k, *raw) if derivs else (svi_total_variance(k, *raw),)
            return tuple(np.asarray(o).reshape(shape) for o in out)
        P = self._param_arrays()
        Ts, Fs = P["T"], P["forward"]
        n = Ts.shape[0]
        j = np.searchsorted(Ts, T, side="right") - 1
        lo = np.clip(j, 0, n - 1)
        hi = np.clip(j + 1, 0, n - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            lam = np.where(hi > lo, (T - Ts[lo]) / (Ts[hi] - Ts[lo]), 0.0)
        c_lo = np.where(j < 0, T / Ts[0], np.where(j >= n - 1, T / Ts[-1], 1.0 - lam))
        c_hi = np.where((j >= 0) & (j < n - 1), lam, 0.0)
        out = [np.zeros_like(k) for _ in range(3 if derivs else 1)]
        for jj in np.unique(np.concatenate([lo, hi])):
            for idx, coef in ((lo, c_lo), (hi, c_hi)):
                sel = (idx == jj) & (coef != 0.0)
                if not sel.any():
                    continue
                parts = _slice_eval(self.model, P, int(jj), k[sel], float(Ts[jj]),
                                    float(Fs[jj]), derivs)
                for o, part in zip(out, parts):
                    o[sel] += coef[sel] * part
        return tuple(o.reshape(shape) for o in out)

    def total_variance_derivs(self, k: FloatLike,
                              T: FloatLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(w, dw/dk, d2w/dk2)`` of the surface at log-moneyness ``k`` and time ``T``
        (broadcasting arrays; ``k = ln(K / F(T))``). SABR derivatives are central differences
        with step 1e-4; SVI and SSVI ones are analytic.

        Parameters
        ----------
        k : array_like
            Log-moneyness ``ln(K / F(T))`` (dimensionless).
        T : array_like
            Times to expiry in years, > 0; broadcasts against ``k``.

        Returns
        -------
        tuple of ndarray
            ``(w, dw/dk, d2w/dk2)`` of the broadcast shape, ``w`` in vol^2 x years (and its
            derivatives per unit of log-moneyness).
        """
        return self._evaluate(k, T, True)

    def total_variance(self, k: FloatLike, T: FloatLike) -> np.ndarray:
        """Total implied variance ``sigma^2 T`` at log-moneyness ``k = ln(K/F(T))`` and ``T``.

        Parameters
        ----------
        k : array_like
            Log-moneyness ``ln(K / F(T))`` (dimensionless).
        T : array_like
            Times to expiry in years, > 0; broadcasts against ``k``.

        Returns
        -------
        ndarray
            ``w = sigma^2 T`` (vol^2 x years) of the broadcast shape.
        """
        return self._evaluate(k, T, False)[0]

    def implied_vol(self, K: FloatLike, T: FloatLike) -> np.ndarray:
        """Fitted Black implied vol (decimal) at strike ``K`` and time ``T`` (years).

        Parameters
        ----------
        K : array_like
            Strikes, > 0 (currency).
        T : array_like
            Times to expiry in years, >= 0 (at ``T = 0`` the flat-vol extrapolation of the first
            slice is returned). Broadcasts against ``K``.

        Returns
        -------
        ndarray
            Vols of the broadcast shape; NaN where the surface gives a negative variance.
        """
        K = as_float_array("K", K)
        T = as_float_array("T", T)
        check_finite("K", K)
        check_finite("T", T)
        check_range("K", K, lo=0.0)
        check_range("T", T, lo=0.0, strict=False)
        K, T = np.broadcast_arrays(K, T)
        k = np.log(K / self.forward(T))
        Ts = self._slices["T"].to_numpy()
        Te = np.where(T > 0.0, T, Ts[0])                # T = 0: flat vol of the first slice
        w = self.total_variance(k, Te)
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.where(w >= 0.0, w, np.nan) / Te)

    # -- diagnostics (computed on demand) ------------------------------------------------------
    def arbitrage(self, *, k_min: float = -1.5, k_max: float = 1.5, n_k: int = 200,
                  n_t: int = 100) -> ArbitrageReport:
        """Butterfly and calendar arbitrage check; see :func:`core.surface.check_arbitrage`.

        Parameters
        ----------
        k_min, k_max : float
            Range of log-moneyness ``ln(K/F)`` checked (default ``[-1.5, 1.5]``).
        n_k : int
            Grid points in ``k`` (3 to 100000).
        n_t : int
            Extra times spread evenly between the first and last expiry (0 to 100000).

        Returns
        -------
        ArbitrageReport
            Violations found on the grid.
        """
        from core.surface.diagnostics import check_arbitrage

        return check_arbitrage(self, k_min=k_min, k_max=k_max, n_k=n_k, n_t=n_t)

    def metrics(self) -> pd.DataFrame:
        """Smile metrics per expiry; see :func:`core.surface.smile_metrics`.

        Returns
        -------
        pandas.DataFrame
            One row per fitted expiry: ATM vol, skew, curvature, 25-delta strikes, vols, risk
            reversal and butterfly (vols as decimals, ``T`` in years).
        """
        from core.surface.diagnostics import smile_metrics

        return smile_metrics(self)

    def lines(self) -> list[str]:
        """Human-readable summary for the UI.

        Returns
        -------
        list of str
            Model, expiry count and fit time (ms); the IV RMSE and max error in vol points and
            the share inside the band, when there were quotes; skipped expiries and notes.
        """
        n = len(self._slices)
        out = [f"{self.model.upper()} fit of {n} expir{'y' if n == 1 else 'ies'} in "
               f"{self.elapsed * 1e3:.0f} ms."]
        if math.isfinite(self.rmse_iv):
            used = int(self._quotes["used"].sum()) if "used" in self._quotes else 0
            out.append(f"IV RMSE {self.rmse_iv * 100:.2f} vol pts, max error "
                       f"{self.max_error * 100:.2f}, {self.inside_spread:.0%} of {used} quotes "
                       f"inside the bid/ask band.")
        out.extend(f"Expiry {e} skipped: {why}." for e, why in self.skipped)
        out.extend(self.notes)
        return out

    # -- serialisation ---------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict (tables as column lists, dates as ISO strings, NaN as ``None``).

        Returns
        -------
        dict
            ``kind == "SurfaceFit"``, ``version`` and every field; read back by
            :meth:`from_dict`.
        """
        return {
            "kind": "SurfaceFit", "version": 1, "model": self.model, "spot": self.spot,
            "slices": _as_frame_dict(self._slices), "quotes": _as_frame_dict(self._quotes),
            "rmse_iv": None if not math.isfinite(self.rmse_iv) else self.rmse_iv,
            "max_error": None if not math.isfinite(self.max_error) else self.max_error,
            "inside_spread": None if not math.isfinite(self.inside_spread)
            else self.inside_spread,
            "elapsed": self.elapsed, "skipped": [list(s) for s in self.skipped],
            "global_params": dict(self.global_params), "options": dict(self.options),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict) -> SurfaceFit:
        """Inverse of :meth:`to_dict`; raises :class:`DataError` on a malformed dict.

        Parameters
        ----------
        data : dict
            The output of :meth:`to_dict` (possibly through JSON).

        Returns
        -------
        SurfaceFit
            Evaluating exactly like the fit that was saved.

        Raises
        ------
        DataError
            ``data`` is not a SurfaceFit dict, or a field is missing or malformed.
        """
        if not isinstance(data, dict) or data.get("kind") != "SurfaceFit":
            raise DataError("not a SurfaceFit dict (expected the output of SurfaceFit.to_dict())")
        try:
            def num(key):
                v = data.get(key)
                return math.nan if v is None else float(v)
            return cls(
                model=str(data["model"]), _slices=_from_frame_dict(data["slices"]),
                _quotes=_from_frame_dict(data.get("quotes") or {}), spot=float(data["spot"]),
                rmse_iv=num("rmse_iv"), max_error=num("max_error"),
                inside_spread=num("inside_spread"), elapsed=float(data.get("elapsed", 0.0)),
                skipped=tuple((str(e), str(r)) for e, r in data.get("skipped", [])),
                global_params={k: float(v) for k, v in data.get("global_params", {}).items()},
                options=dict(data.get("options", {})), notes=tuple(data.get("notes", [])))
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, DataError):
                raise
            raise DataError(f"malformed SurfaceFit dict: {exc!r}") from exc


# --------------------------------------------------------------------------------------------
# assembling a fit
# --------------------------------------------------------------------------------------------
def make_fit(model: str, slices: pd.DataFrame, quotes: pd.DataFrame, *, spot: float,
             elapsed: float = 0.0, skipped: Sequence[tuple[str, str]] = (),
             global_params: Mapping[str, float] | None = None,
             options: Mapping[str, Any] | None = None, notes: Sequence[str] = ()) -> SurfaceFit:
    """Build a :class:`SurfaceFit` and fill in fitted vols and statistics.

    ``slices`` holds expiry, T, forward and the model's parameters; ``quotes`` the selected quote
    table (columns of :mod:`core.surface.quotes`, possibly empty). Fitted vols are computed for
    every quote from the surface; statistics use the quotes that were fitted (``used`` and of a
    fitted expiry), overall and per expiry.

    Parameters
    ----------
    model : str
        One of :data:`MODELS`.
    slices : pandas.DataFrame
        One row per fitted expiry: ``expiry``, ``T`` (years), ``forward`` (currency) and the
        columns of :data:`PARAM_NAMES` ``[model]``.
    quotes : pandas.DataFrame
        The selected quotes (``strike``, ``T``, ``expiry``, ``iv``, ``iv_bid``, ``iv_ask``,
        ``used``, ``weight``, ...); may be empty.
    spot : float
        Underlying level (currency), > 0.
    elapsed : float
        Wall time of the fit in seconds.
    skipped : sequence of (str, str)
        Expiries (ISO dates) not fitted, with the reason.
    global_params : mapping, optional
        Parameters shared by all expiries (SSVI ``rho, eta, gamma``; SABR ``beta``).
    options : mapping, optional
        The fit's settings (see :func:`fit_options`).
    notes : sequence of str
        Remarks shown with the fit.

    Returns
    -------
    SurfaceFit
        With ``fit_iv``, ``error``, ``inside`` (and ``used``/``weight`` restricted to fitted
        expiries) on the quotes and ``n_quotes``, ``rmse_iv``, ``max_error``, ``inside_spread``
        (decimal vols, shares in [0, 1]) per slice and overall (NaN without used quotes).

    Raises
    ------
    DataError
        An unknown model, missing slice columns or no slice at all.
    """
    base = SurfaceFit(model, slices, quotes.iloc[0:0] if len(quotes) else quotes, spot,
                      global_params=dict(global_params or {}))
    q = quotes.copy()
    slc = base._slices.copy()
    stats = {c: [] for c in _STAT_COLUMNS}
    rmse = mx = inside = math.nan
    if len(q):
        fit_iv = base.implied_vol(q["strike"].to_numpy(), q["T"].to_numpy())
        q["fit_iv"] = fit_iv
        q["error"] = fit_iv - q["iv"].to_numpy()
        q["inside"] = (fit_iv >= q["iv_bid"].to_numpy()) & (fit_iv <= q["iv_ask"].to_numpy())
        fitted = np.isin(q["expiry"].to_numpy(), slc["expiry"].to_numpy())
        q["used"] = q["used"].to_numpy(dtype=bool) & fitted
        q["weight"] = np.where(q["used"], q["weight"], 0.0)
        u = q["used"].to_numpy()
        if u.any():
            err = q["error"].to_numpy()[u]
            rmse = float(np.sqrt(np.mean(err * err)))
            mx = float(np.max(np.abs(err)))
            inside = float(np.mean(q["inside"].to_numpy()[u]))
        for e in slc["expiry"].to_numpy():
            sel = u & (q["expiry"].to_numpy() == e)
            err = q["error"].to_numpy()[sel]
            stats["n_quotes"].append(int(sel.sum()))
            stats["rmse_iv"].append(float(np.sqrt(np.mean(err * err))) if sel.any() else math.nan)
            stats["max_error"].append(float(np.max(np.abs(err))) if sel.any() else math.nan)
            stats["inside_spread"].append(float(np.mean(q["inside"].to_numpy()[sel]))
                                          if sel.any() else math.nan)
        for c in _STAT_COLUMNS:
            slc[c] = np.asarray(stats[c], dtype=np.int64 if c == "n_quotes" else np.float64)
    return SurfaceFit(model, slc, q.reset_index(drop=True), spot, rmse_iv=rmse, max_error=mx,
                      inside_spread=inside, elapsed=float(elapsed),
                      skipped=tuple((str(e), str(r)) for e, r in skipped),
                      global_params=dict(global_params or {}), options=dict(options or {}),
                      notes=tuple(notes))


# --------------------------------------------------------------------------------------------
# helpers shared by the fit entry points
# --------------------------------------------------------------------------------------------
def day_label(ts: DateLike) -> str:
    """ISO date of an expiry timestamp.

    Parameters
    ----------
    ts : date-like
        A timestamp, date, or text pandas can read as one.

    Returns
    -------
    str
        ``"YYYY-MM-DD"`` (the time of day is dropped).

    Examples
    --------
    >>> day_label("2018-01-19 16:00")
    '2018-01-19'
    """
    return pd.Timestamp(ts).date().isoformat()


def fit_options(model: str, lo: float, hi: float, exclude_wide: bool, min_quotes: int,
                **extra: Any) -> dict:
    """The settings recorded in :attr:`SurfaceFit.options`.

    Parameters
    ----------
    model : str
        One of :data:`MODELS`.
    lo, hi : float
        The moneyness range of the quotes fitted (as given to the fit entry point).
    exclude_wide : bool
        Whether quotes with a wide bid/ask band were left out.
    min_quotes : int
        Fewest quotes an expiry needs to be fitted.
    **extra : Any
        Model-specific settings (e.g. ``calendar``, ``fit_theta``, ``beta``), recorded as given.

    Returns
    -------
    dict
        ``model``, ``moneyness`` ``[lo, hi]``, ``exclude_wide``, ``min_quotes``, ``weights`` (a
        description of the quote weights) and ``extra``.
    """
    return {"model": model, "moneyness": [float(lo), float(hi)],
            "exclude_wide": bool(exclude_wide), "min_quotes": int(min_quotes),
            "weights": "1 / (iv_ask - iv_bid), floor 0.2 vol points", **extra}


def nothing_fitted(model: str, prepared: Prepared) -> CalibrationError:
    """The error raised when every expiry was skipped, listing the first reasons.

    Parameters
    ----------
    model : str
        The model whose fit failed (named in the message).
    prepared : Prepared
        The prepared quotes; its ``skipped`` (expiry, reason) pairs are quoted, the first four.

    Returns
    -------
    CalibrationError
        For the caller to raise.
    """
    reasons = "; ".join(f"{e}: {r}" for e, r in prepared.skipped[:4])
    more = "; ..." if len(prepared.skipped) > 4 else ""
    return CalibrationError(f"no expiry could be fitted with {model} ({reasons}{more})")


def finish_fit(model: str, rows: list[dict], prepared: Prepared, t0: float,
               skipped: Sequence[tuple[str, str]], global_params: dict, options: dict,
               notes: Sequence[str]) -> SurfaceFit:
    """:func:`make_fit` from per-expiry rows, with ``elapsed`` measured from ``t0``.

    Parameters
    ----------
    model : str
        One of :data:`MODELS`.
    rows : list of dict
        One dict per fitted expiry: ``expiry``, ``T`` (years), ``forward`` (currency) and the
        model's parameters.
    prepared : Prepared
        The prepared quotes (its ``table`` and ``spot`` are used).
    t0 : float
        :func:`time.perf_counter` reading (seconds) at the start of the fit.
    skipped : sequence of (str, str)
        Expiries not fitted with the reason; stored sorted.
    global_params, options : dict
        As :func:`make_fit`.
    notes : sequence of str
        Remarks shown with the fit.

    Returns
    -------
    SurfaceFit
        With ``elapsed`` in seconds since ``t0``.
    """
    fit = make_fit(model, pd.DataFrame(rows), prepared.table, spot=prepared.spot,
                   skipped=sorted(skipped), global_params=global_params, options=options,
                   notes=notes)
    return dataclasses.replace(fit, elapsed=time.perf_counter() - t0)
