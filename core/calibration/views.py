"""What the calibration page draws from a result: the model-implied volatility surface."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.pricing.implied_vol import implied_vol
from core.pricing.models import model_price

__all__ = ["ModelSurface", "model_surface"]


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
        is below what double precision can invert.
    """

    k: np.ndarray
    T: np.ndarray
    strikes: np.ndarray
    iv: np.ndarray


def model_surface(result, chain, k=None) -> ModelSurface:
    """Implied vols of a calibrated model over the chain's expiries and a log-moneyness grid.

    Parameters
    ----------
    result : CalibrationResult
    chain : core.data.Chain
        Supplies spot, and per expiry the forward and discount (as r and q).
    k : array_like, optional
        Log-moneyness grid; default 31 points on [-0.4, 0.3].
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
    return ModelSurface(k, T, K, iv)
