"""What the calibration lab shows about a set of results, computed in one place.

:func:`calibration_view` takes calibrated results and their chain and returns a frozen
:class:`CalibrationView`: each model's fitted quotes and implied-vol surface, the SVI reference
fit on the same quotes, and the market quotes. It is what crosses the page's ``dcc.Store``
(:meth:`CalibrationView.to_dict` / :meth:`CalibrationView.from_dict`); figures only draw it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core._frames import frame_from_dict, frame_to_dict
from core.errors import DataError, ParityError
from core.pricing.implied_vol import implied_vol
from core.pricing.models import model_price
from core._typing import ArrayLike

if TYPE_CHECKING:  # names used in annotations only
    from core.data import Chain
    from core.calibration.calibrate import CalibrationResult

__all__ = ["ModelSurface", "model_surface", "SviReference", "CalibrationView", "calibration_view"]


def _nan_list(a: np.ndarray) -> list:
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), a, None).tolist()


def _float(values) -> np.ndarray:
    return np.array(values, dtype=object).astype(np.float64) if len(values) else np.empty(0)


#: Model prices at or below this fraction of spot are below the pricers' accuracy (the Fourier
#: engines' error is ~1e-10 x spot): :func:`model_surface` gives no vol there.
PRICE_RESOLUTION = 1e-9


@dataclass(frozen=True, slots=True)
class ModelSurface:
    """Model-implied Black vols on a (log-moneyness, expiry) grid.

    Attributes
    ----------
    k : ndarray, shape (nk,)
        Log-moneyness ln(K/F).
    T : ndarray, shape (nt,)
        Years to expiry (the chain's expiries).
    strikes : ndarray, shape (nt, nk)
        Strikes K = F(T) e^k (currency).
    iv : ndarray, shape (nt, nk)
        Implied vol (decimal) of the model's out-of-the-money option price; NaN where the price
        is at or below :data:`PRICE_RESOLUTION` x spot (below the pricer's accuracy, e.g. an
        exact 0 far out of the money on a short expiry) or cannot be inverted.
    """

    k: np.ndarray
    T: np.ndarray
    strikes: np.ndarray
    iv: np.ndarray

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN as ``None``).

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"k": self.k.tolist(), "T": self.T.tolist(), "strikes": self.strikes.tolist(),
                "iv": _nan_list(self.iv)}

    @classmethod
    def from_dict(cls, d: Mapping) -> ModelSurface:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        ModelSurface
        """
        try:
            k, T = np.asarray(d["k"], dtype=np.float64), np.asarray(d["T"], dtype=np.float64)
            shape = (T.size, k.size)
            strikes = np.asarray(d["strikes"], dtype=np.float64).reshape(shape)
            iv = np.array(d["iv"], dtype=object).astype(np.float64).reshape(shape)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"not a ModelSurface dict: {exc!r}") from exc
        return cls(k, T, strikes, iv)


def model_surface(result: CalibrationResult, chain: Chain,
                  k: ArrayLike | None = None) -> ModelSurface:
    """Implied vols of a calibrated model over the chain's expiries and a log-moneyness grid.

    Parameters
    ----------
    result : CalibrationResult
    chain : core.data.Chain
        Supplies spot, and per expiry the forward and discount (as r and q).
    k : array_like, optional
        Log-moneyness grid; default 31 points on [-0.4, 0.3].

    Returns
    -------
    ModelSurface
    """
    k = np.linspace(-0.4, 0.3, 31) if k is None else np.asarray(k, dtype=np.float64)
    ex = chain.expiries
    T = ex["T"].to_numpy(dtype=np.float64)
    F = ex["forward"].to_numpy(dtype=np.float64)
    r = ex["r_implied"].to_numpy(dtype=np.float64)
    q = ex["q_implied"].to_numpy(dtype=np.float64)
    K = F[:, None] * np.exp(k[None, :])
    call = np.broadcast_to(k[None, :] >= 0, K.shape)
    price = np.vstack([model_price(result.model, chain.spot, K[i], T[i], r[i], q[i], result.params, call[i])
                       for i in range(len(T))])
    iv = implied_vol(price, chain.spot, K, T[:, None], r[:, None], q[:, None], call)
    # a model price the pricer does not resolve (Fourier/COS: ~1e-10 x spot; far out of the money
    # on a short expiry it comes out as exactly 0) determines no vol: implied_vol's 0.0 for a
    # zero price would be drawn as a confident 0 % vol
    iv = np.where(price > PRICE_RESOLUTION * chain.spot, iv, np.nan)
    return ModelSurface(k, T, K, iv)


@dataclass(frozen=True, slots=True)
class SviReference:
    """The SVI surface of the same chain evaluated at the calibration quotes.

    Attributes
    ----------
    model_iv : ndarray
        SVI implied vol (decimal) at each calibration quote, in the order of the fitted quotes.
    rmse_iv : float or None
        Root-mean-square SVI minus market implied vol (decimal) over the quotes where both exist.
    """

    model_iv: np.ndarray
    rmse_iv: float | None

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"model_iv": _nan_list(self.model_iv), "rmse_iv": self.rmse_iv}

    @classmethod
    def from_dict(cls, d: Mapping) -> SviReference:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        SviReference
        """
        return cls(_float(d["model_iv"]), None if d.get("rmse_iv") is None else float(d["rmse_iv"]))


@dataclass(frozen=True, slots=True)
class CalibrationView:
    """Everything the calibration lab draws for a set of results on one chain.

    Attributes
    ----------
    results : dict of str to CalibrationResult
    fitted : dict of str to DataFrame
        Per model, :func:`~core.calibration.fitted_quotes` (market and model IV per quote).
    surfaces : dict of str to ModelSurface
    market : DataFrame
        The chain's OTM quotes in 0.6-1.4 x forward: ``strike``, ``T`` (years), ``iv``.
    svi : SviReference or None
        ``None`` when SVI could not be fitted to the chain.
    errors : dict of str to str
        Models that failed, with the reason.
    """

    results: dict
    fitted: dict
    surfaces: dict
    market: pd.DataFrame
    svi: SviReference | None = None
    errors: dict = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Model -> fitted quotes, plus ``"svi"`` (the reference's IVs at the same quotes).

        Returns
        -------
        dict of str to pandas.DataFrame
            IVs as decimals.
        """
        frames = {m: f.copy() for m, f in self.fitted.items()}
        if self.svi is not None and frames:
            ref = next(iter(frames.values())).copy()
            ref["model_iv"] = self.svi.model_iv
            ref["error_iv"] = self.svi.model_iv - ref["iv"].to_numpy(dtype=np.float64)
            frames["svi"] = ref
        return frames

    def drawn(self, model: str | None) -> str:
        """The model to draw: ``model`` when it was calibrated, else the first result.

        Parameters
        ----------
        model : str or None
            The model asked for.

        Returns
        -------
        str
        """
        return model if model in self.results else next(iter(self.results))

    def to_dict(self) -> dict:
        """JSON-ready dict (the lab's store payload).

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"results": {m: r.to_dict() for m, r in self.results.items()},
                "fitted": {m: frame_to_dict(f, dates=(), strings=("expiry", "type")) for m, f in self.fitted.items()},
                "surfaces": {m: s.to_dict() for m, s in self.surfaces.items()},
                "market": {c: self.market[c].tolist() for c in ("strike", "T", "iv")},
                "svi": None if self.svi is None else self.svi.to_dict(),
                "errors": dict(self.errors)}

    @classmethod
    def from_dict(cls, d: Mapping) -> CalibrationView:
        """Inverse of :meth:`to_dict` (extra keys, e.g. a page's token, are ignored).

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        CalibrationView
        """
        from core.calibration.calibrate import CalibrationResult

        try:
            return cls(results={m: CalibrationResult.from_dict(r) for m, r in d["results"].items()},
                       fitted={m: frame_from_dict(f, dates=(), strings=("expiry", "type"))
                               for m, f in d["fitted"].items()},
                       surfaces={m: ModelSurface.from_dict(s) for m, s in d["surfaces"].items()},
                       market=pd.DataFrame({c: _float(d["market"][c]) for c in ("strike", "T", "iv")}),
                       svi=None if not d.get("svi") else SviReference.from_dict(d["svi"]),
                       errors=dict(d.get("errors") or {}))
        except (KeyError, TypeError, AttributeError) as exc:
            raise DataError(f"not a CalibrationView dict: {exc!r}") from exc


def _svi_reference(chain, quotes: pd.DataFrame) -> SviReference | None:
    from core.surface import fit_svi

    try:
        fit = fit_svi(chain)
    except ParityError:
        return None
    iv = fit.implied_vol(quotes["strike"].to_numpy(), quotes["T"].to_numpy())
    err = iv - quotes["iv"].to_numpy(dtype=np.float64)
    ok = np.isfinite(err)
    return SviReference(np.asarray(iv, dtype=np.float64),
                        float(np.sqrt(np.mean(err[ok] ** 2))) if ok.any() else None)


def calibration_view(chain: Chain, results: Mapping, errors: Mapping | None = None, *,
                     reference: bool = True) -> CalibrationView:
    """Fitted quotes, model surfaces, the SVI reference and the market quotes of ``results``.

    Parameters
    ----------
    chain : core.data.Chain
        The chain the results were calibrated to.
    results : mapping of str to CalibrationResult
        At least one result.
    errors : mapping of str to str, optional
        Models that failed (carried along for the page).
    reference : bool
        Fit SVI to the chain as the per-expiry reference (the floor a model would need to beat).

    Returns
    -------
    CalibrationView

    Raises
    ------
    DataError
        When ``results`` is empty.
    """
    from core.calibration.objective import fitted_quotes

    if not results:
        raise DataError("results must hold at least one calibration")
    fitted = {m: fitted_quotes(r, chain) for m, r in results.items()}
    surfaces = {m: model_surface(r, chain) for m, r in results.items()}
    market = chain.otm_quotes(0.6, 1.4)[["strike", "T", "iv"]].reset_index(drop=True)
    svi = _svi_reference(chain, next(iter(fitted.values()))) if reference else None
    return CalibrationView(results=dict(results), fitted=fitted, surfaces=surfaces,
                           market=market.astype(np.float64), svi=svi, errors=dict(errors or {}))
