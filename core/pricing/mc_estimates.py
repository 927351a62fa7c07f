"""Monte Carlo estimates: the frozen results (:class:`MCResult`, :class:`MCGreeks`) and
:func:`mc_estimate` (mean, standard error and confidence interval, with antithetic pairs averaged
first and an optional control variate). The simulators that produce the samples are in
:mod:`core.pricing.montecarlo`, which re-exports these names.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from statistics import NormalDist
import math

import numpy as np

from core._typing import ArrayLike
from core.errors import DataError

__all__ = ["MCResult", "MCGreeks", "mc_estimate"]


@dataclass(frozen=True, slots=True)
class MCResult:
    """A Monte Carlo estimate.

    Attributes
    ----------
    price : float
        Estimate (currency for prices).
    stderr : float
        Standard error of the estimate.
    ci : tuple of float
        Two-sided normal confidence interval ``price -+ z stderr``.
    confidence : float
        Confidence level of ``ci`` (e.g. 0.95).
    n_paths : int
        Simulated paths (each antithetic partner counted).
    method : str
        Model and variance reduction used.
    """

    price: float
    stderr: float
    ci: tuple[float, float]
    confidence: float
    n_paths: int
    method: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields, ``ci`` as a list; :meth:`from_dict` reads it back.
        """
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["ci"] = list(self.ci)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> MCResult:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        MCResult
        """
        return cls(float(data["price"]), float(data["stderr"]), tuple(map(float, data["ci"])),
                   float(data["confidence"]), int(data["n_paths"]), data.get("method", ""))


@dataclass(frozen=True, slots=True)
class MCGreeks:
    """Price and finite-difference Greeks, each an :class:`MCResult` (units as ``bs_greeks``:
    vega per 1.00 vol, rho per 1.00 rate)."""

    price: MCResult
    delta: MCResult
    gamma: MCResult
    vega: MCResult
    rho: MCResult

    def to_dict(self) -> dict:
        """JSON-ready dict of dicts.

        Returns
        -------
        dict
            One :meth:`MCResult.to_dict` per Greek.
        """
        return {f.name: getattr(self, f.name).to_dict() for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> MCGreeks:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        MCGreeks
        """
        return cls(**{f.name: MCResult.from_dict(data[f.name]) for f in fields(cls)})


# ---------------------------------------------------------------------------------------------
# estimator
# ---------------------------------------------------------------------------------------------
def mc_estimate(samples: ArrayLike, *, control: ArrayLike | None = None,
                control_mean: float | None = None, antithetic: bool = False,
                confidence: float = 0.95, method: str = '') -> MCResult:
    """Mean, standard error and confidence interval of i.i.d. (or antithetic-paired) samples.

    Parameters
    ----------
    samples : array_like, shape (n,)
        Discounted payoffs (or any quantity whose mean is wanted).
    control, control_mean : array_like and float, optional
        Control-variate samples with known mean; the estimate is ``mean(Y - beta (X - EX))``
        with ``beta = cov(Y, X) / var(X)`` fitted on the same samples.
    antithetic : bool
        Samples ``2i`` and ``2i+1`` are an antithetic pair: they are averaged first (``n`` even).
    confidence : float
        Level of the two-sided normal interval, in (0, 1).
    method : str
        Label stored in the result (e.g. ``"gbm, antithetic, control: forward"``).

    Returns
    -------
    MCResult
        Estimate, standard error and confidence interval, in the samples' units.
    """
    y = np.asarray(samples, dtype=np.float64).ravel()
    n = y.size
    if n < 2:
        raise DataError(f"need at least 2 samples, got {n}")
    if not 0.0 < confidence < 1.0:
        raise DataError(f"confidence must be in (0, 1), got {confidence}")
    x = None
    if control is not None:
        if control_mean is None:
            raise DataError("control_mean is required with control")
        x = np.asarray(control, dtype=np.float64).ravel()
        if x.size != n:
            raise DataError(f"control has {x.size} samples, expected {n}")
    if antithetic:
        if n % 2:
            raise DataError(f"antithetic samples come in pairs: n must be even, got {n}")
        y = 0.5 * (y[0::2] + y[1::2])
        x = None if x is None else 0.5 * (x[0::2] + x[1::2])
    if x is not None:
        xc = x - x.mean()
        vx = float(xc @ xc)
        if vx > 0.0:
            beta = float((y - y.mean()) @ xc) / vx
            y = y - beta * (x - control_mean)
    m = y.size
    mean = float(y.mean())
    se = float(y.std(ddof=1) / math.sqrt(m)) if m > 1 else math.inf
    z = NormalDist().inv_cdf(0.5 + 0.5 * confidence)
    return MCResult(mean, se, (mean - z * se, mean + z * se), float(confidence), int(n), method)
