"""Black-Litterman: a market-implied prior blended with investor views.

Prior (reverse optimisation): Π = δ Σ w_mkt + rf, from market capitalisations or given
weights, δ the risk aversion (:func:`implied_risk_aversion` estimates it from an index).
Views: absolute ("AAPL returns 10% a year") or relative ("XOM beats RRC by 2%"), each a row
p_k of the pick matrix P, a value q_k (decimal per year) and a confidence c_k in [0, 1].
Uncertainty Ω: Idzorek's method in the closed form of Walters (2014),
ω_k = τ (1 - c_k)/c_k · p_k Σ p_k', under which a single view moves the implied weights by
exactly c_k of the move at full confidence; or He-Litterman's ω_k = τ p_k Σ p_k'.

Posterior (He and Litterman 1999):
    μ_BL = Π + τΣP'(τPΣP' + Ω)⁻¹(Q - PΠ)
    Σ_BL = Σ + τΣ - τΣP'(τPΣP' + Ω)⁻¹PτΣ
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import DataError
from core.portfolio._inputs import as_cov, as_mu, as_weights, finite_scalar, wrap
from core._typing import ArrayLike, MatrixLike, VectorLike, WeightsLike

__all__ = ["View", "BlackLitterman", "black_litterman", "market_implied_prior",
           "implied_risk_aversion"]


@dataclass(frozen=True, slots=True)
class View:
    """One view: Σ_i assets[i]·R_i = value (decimal per year), held with ``confidence``.

    ``assets`` maps ticker (or asset index for numpy inputs) -> coefficient: ``{"AAPL": 1}``
    is absolute, ``{"XOM": 1, "RRC": -1}`` relative (coefficients of a relative view sum to
    zero).
    """

    assets: dict = field(default_factory=dict)
    value: float = 0.0
    confidence: float = 0.5

    @classmethod
    def absolute(cls, asset: str | int, value: float, confidence: float = 0.5) -> View:
        """``asset`` returns ``value`` a year.

        Parameters
        ----------
        asset : str or int
            Ticker (or column index).
        value : float
            Expected return, decimal per year.
        confidence : float
            In [0, 1].

        Returns
        -------
        View
        """
        return cls({asset: 1.0}, float(value), float(confidence))

    @classmethod
    def relative(cls, long: str | int, short: str | int, value: float,
                 confidence: float = 0.5) -> View:
        """``long`` outperforms ``short`` by ``value`` a year; each side may be one asset or
        a list (equally weighted).

        Parameters
        ----------
        long, short : str, int or list of them
            The outperforming and the underperforming side.
        value : float
            Outperformance, decimal per year.
        confidence : float
            In [0, 1].

        Returns
        -------
        View
        """
        longs = [long] if isinstance(long, (str, int)) else list(long)
        shorts = [short] if isinstance(short, (str, int)) else list(short)
        assets = {a: 1.0 / len(longs) for a in longs}
        for a in shorts:
            assets[a] = assets.get(a, 0.0) - 1.0 / len(shorts)
        return cls(assets, float(value), float(confidence))

    @property
    def is_relative(self) -> bool:
        """True when the view's asset weights sum to zero (one side against another)."""
        return abs(sum(self.assets.values())) < 1e-12

    def describe(self) -> str:
        """Short text such as ``'1·AAPL - 1·JPM = 2.00% (confidence 50%)'``.

        Returns
        -------
        str
        """
        terms = " ".join(f"{'+' if c >= 0 else '-'} {abs(c):g}·{a}" for a, c in
                         self.assets.items()).lstrip("+ ")
        return f"{terms} = {self.value:.2%} (confidence {self.confidence:.0%})"

    def to_dict(self) -> dict:
        """Plain dict of the view.

        Returns
        -------
        dict
            ``assets`` (ticker -> weight), ``value`` (decimal per year) and ``confidence``;
            :meth:`from_dict` reads it back.
        """
        return {"assets": dict(self.assets), "value": self.value,
                "confidence": self.confidence}

    @classmethod
    def from_dict(cls, d: Mapping) -> View:
        """Inverse of :meth:`to_dict` (``confidence`` defaults to 0.5).

        Parameters
        ----------
        d : mapping
            Output of :meth:`to_dict`.

        Returns
        -------
        View
        """
        return cls(dict(d["assets"]), float(d["value"]), float(d.get("confidence", 0.5)))


@dataclass(frozen=True, slots=True)
class BlackLitterman:
    """Black-Litterman posterior (decimals per year; covariances decimals² per year)."""

    tickers: tuple[str, ...] | None
    prior: np.ndarray              # Π, (n,)
    posterior: np.ndarray          # μ_BL, (n,)
    posterior_cov: np.ndarray      # Σ_BL, (n, n)
    cov: np.ndarray                # Σ, (n, n)
    P: np.ndarray                  # (k, n)
    Q: np.ndarray                  # (k,)
    omega: np.ndarray              # (k, k) diagonal
    tau: float
    delta: float
    views: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def returns(self) -> np.ndarray | pd.Series:
        """Posterior expected returns: Series by ticker, or ndarray.

        Returns
        -------
        pandas.Series or numpy.ndarray
            Decimals per year.
        """
        return wrap(self.posterior.copy(), self.tickers, "posterior")

    def covariance(self) -> np.ndarray | pd.DataFrame:
        """Posterior covariance: DataFrame by ticker, or ndarray.

        Returns
        -------
        pandas.DataFrame or numpy.ndarray
            Decimals² per year.
        """
        if self.tickers is None:
            return self.posterior_cov.copy()
        idx = pd.Index(list(self.tickers), dtype=object)
        return pd.DataFrame(self.posterior_cov, index=idx, columns=idx)

    def implied_weights(self) -> np.ndarray | pd.Series:
        """Unconstrained optimal weights (δΣ)⁻¹μ_BL, normalised to sum to one.

        Returns
        -------
        pandas.Series or numpy.ndarray
            Weights, fractions of capital.
        """
        raw = np.linalg.solve(self.delta * self.cov, self.posterior)
        return wrap(raw / raw.sum(), self.tickers, "weight")

    def to_dict(self) -> dict:
        """Plain dict of the fields (arrays as lists), for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        out = {k: getattr(self, k) for k in self.__slots__}
        return {k: (v.tolist() if isinstance(v, np.ndarray) else
                    list(v) if isinstance(v, tuple) else v) for k, v in out.items()}

    @classmethod
    def from_dict(cls, d: dict) -> BlackLitterman:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        BlackLitterman
        """
        arr = {k: np.asarray(d[k], dtype=np.float64) for k in
               ("prior", "posterior", "posterior_cov", "cov", "P", "Q", "omega")}
        n, k = arr["prior"].size, arr["Q"].size
        arr["P"], arr["omega"] = arr["P"].reshape(k, n), arr["omega"].reshape(k, k)
        return cls(tickers=None if d["tickers"] is None else tuple(d["tickers"]),
                   tau=float(d["tau"]), delta=float(d["delta"]), views=tuple(d["views"]),
                   notes=tuple(d["notes"]), **arr)


def market_implied_prior(cov: MatrixLike, *, market_caps: WeightsLike | None = None,
                         market_weights: WeightsLike | None = None, delta: float = 2.5,
                         rf: float = 0.0) -> np.ndarray | pd.Series:
    """Equilibrium returns Π = δ Σ w_mkt + rf (decimals per year).

    Parameters
    ----------
    cov : DataFrame, ndarray or Estimate
        Annualised covariance.
    market_caps : Series, dict or array, optional
        Market capitalisations (any currency unit); w_mkt = caps / Σ caps.
    market_weights : Series, dict or array, optional
        Market weights directly (normalised to sum to one). One of the two is required.
    delta : float
        Risk aversion δ > 0 (excess return per unit of variance).
    rf : float
        Risk-free rate, decimal per year.

    Returns
    -------
    ndarray or pandas.Series
        Π, decimals per year, by ticker when ``cov`` is labelled.
    """
    C, tickers = as_cov(cov)
    w = _market_weights(market_caps, market_weights, tickers, C.shape[0])
    delta = finite_scalar("delta", delta, lo=0, strict=True)
    rf = finite_scalar("rf", rf)
    return wrap(delta * C @ w + rf, tickers, "prior")


def _market_weights(market_caps, weights, tickers, n) -> np.ndarray:
    if (market_caps is None) == (weights is None):
        raise DataError("give exactly one of market_caps or market_weights")
    name = "market_caps" if weights is None else "market_weights"
    w = as_weights(name, market_caps if weights is None else weights, tickers, n)
    if market_caps is not None and np.any(w < 0):
        raise DataError("market_caps must be >= 0")
    if abs(w.sum()) < 1e-300:
        raise DataError(f"{name} sum to zero")
    return w / w.sum()


def implied_risk_aversion(market_prices: pd.DataFrame | None, *, rf: float = 0.0,
                          frequency: int = 252) -> float:
    """Market-implied risk aversion δ = (E[R_m] - rf) / σ_m², annualised arithmetic moments.

    ``market_prices``: a price Series of the market index (e.g. ``index_prices()["SP500"]``).

    Parameters
    ----------
    market_prices : pandas.Series or one-column DataFrame
        Prices of the market index, one a day (e.g. ``index_prices()["SP500"]``).
    rf : float
        Risk-free rate, decimal per year.
    frequency : int
        Prices per year (252 for daily).

    Returns
    -------
    float
        δ, dimensionless (excess return per unit of variance).

    Raises
    ------
    DataError
        ``market_prices`` is not a price Series with a DatetimeIndex, or has no variance.
    """
    from core.data.prices import returns as _period_returns

    if isinstance(market_prices, pd.DataFrame) and market_prices.shape[1] == 1:
        market_prices = market_prices.iloc[:, 0]
    if not isinstance(market_prices, pd.Series):
        raise DataError("market_prices must be a price Series with a DatetimeIndex")
    r = _period_returns(market_prices.to_frame("m"), kind="simple")["m"].dropna()
    var = float(r.var() * frequency)
    if not var > 0:
        raise DataError("market_prices have no variance")
    return (float(r.mean() * frequency) - finite_scalar("rf", rf)) / var


def _parse_views(views, tickers, n) -> list[View]:
    if isinstance(views, Mapping):
        views = [View.absolute(a, v) for a, v in views.items()]
    if isinstance(views, (View, str)) or not isinstance(views, Sequence):
        raise DataError("views must be a list of View (or dicts with assets, value, "
                        "confidence)")
    out = []
    for v in views:
        if isinstance(v, Mapping):
            try:
                v = View.from_dict(v)
            except (KeyError, TypeError, ValueError) as exc:
                raise DataError(f"a view needs 'assets', 'value' and 'confidence', got "
                                f"{v!r:.80}") from exc
        if not isinstance(v, View) or not v.assets:
            raise DataError(f"a view must name at least one asset, got {v!r:.80}")
        finite_scalar("view value", v.value)
        finite_scalar(f"confidence of the view {v.describe()}", v.confidence, lo=0, hi=1)
        for a in v.assets:
            ok = (str(a) in tickers) if tickers else (isinstance(a, (int, np.integer))
                                                     and 0 <= a < n)
            if not ok:
                raise DataError(f"the view {v.describe()} names {a!r}, which is not an asset")
        out.append(v)
    if not out:
        raise DataError("give at least one view")
    return out


def black_litterman(cov: MatrixLike, views: Sequence[View], *, prior: VectorLike | None = None,
                    market_caps: WeightsLike | None = None,
                    market_weights: WeightsLike | None = None, delta: float = 2.5, rf: float = 0.0,
                    tau: float = 0.05, omega: str | ArrayLike = 'idzorek') -> BlackLitterman:
    """Black-Litterman posterior returns and covariance.

    Parameters
    ----------
    cov : DataFrame, ndarray or Estimate
        Annualised covariance Σ.
    views : list of View (or dicts), or dict ticker -> return
        Absolute and relative views, values in decimals per year, confidences in [0, 1]
        (a dict gives absolute views at 50% confidence). Views at 0% confidence are ignored.
    prior : Series or ndarray, optional
        Prior returns Π; default the market-implied prior from ``market_caps`` or
        ``market_weights`` (one is then required).
    delta : float
        Risk aversion δ for the implied prior and the implied weights.
    rf : float
        Risk-free rate added to the implied prior (decimal per year).
    tau : float
        Scale of the prior's uncertainty, in (0, 1].
    omega : {"idzorek", "proportional"} or (k, k) array
        View uncertainty: Idzorek from the confidences, He-Litterman τ·diag(PΣP'), or given.
    market_caps : Series or dict, optional
        Market capitalisations (any currency unit), normalised to the market weights.
    market_weights : Series, dict or array, optional
        Market weights (fractions), instead of ``market_caps``.

    Returns
    -------
    BlackLitterman
    """
    C, tickers = as_cov(cov)
    n = C.shape[0]
    delta = finite_scalar("delta", delta, lo=0, strict=True)
    tau = finite_scalar("tau", tau, lo=0, hi=1)
    if tau == 0:
        raise DataError("tau must be > 0")
    notes = []
    if prior is None:
        pi = delta * C @ _market_weights(market_caps, market_weights, tickers, n) + \
            finite_scalar("rf", rf)
        notes.append(f"Market-implied prior, δ = {delta:g}.")
    else:
        pi = as_weights("prior", prior, tickers, n) if tickers else as_mu(prior, "prior")[0]
        if pi.size != n:
            raise DataError(f"prior has {pi.size} values for {n} assets")
    parsed = _parse_views(views, tickers, n)
    kept = [v for v in parsed if v.confidence > 0]
    if len(kept) < len(parsed):
        notes.append(f"Ignored {len(parsed) - len(kept)} view(s) held with 0% confidence.")
    index = {t: i for i, t in enumerate(tickers)} if tickers else None
    P = np.zeros((len(kept), n))
    for k, v in enumerate(kept):
        for a, c in v.assets.items():
            P[k, index[str(a)] if index else int(a)] += float(c)
    Q = np.array([v.value for v in kept], dtype=np.float64)
    conf = np.array([v.confidence for v in kept])
    if isinstance(omega, str):
        pvar = np.einsum("ij,jk,ik->i", P, C, P)
        if omega == "idzorek":
            Om = np.diag(tau * (1.0 - conf) / conf * pvar)
        elif omega == "proportional":
            Om = np.diag(tau * pvar)
        else:
            raise DataError(f"omega must be 'idzorek', 'proportional' or a matrix, got "
                            f"{omega!r}")
    else:
        Om = np.asarray(omega, dtype=np.float64)
        if Om.shape != (len(kept), len(kept)) or not np.all(np.isfinite(Om)):
            raise DataError(f"omega must be a finite {len(kept)}×{len(kept)} matrix")
    if not kept:
        post, post_cov = pi.copy(), C * (1.0 + tau)
    else:
        tsp = tau * C @ P.T                             # τΣP'  (n, k)
        A = P @ tsp + Om
        try:
            post = pi + tsp @ np.linalg.solve(A, Q - P @ pi)
            post_cov = C + tau * C - tsp @ np.linalg.solve(A, tsp.T)
        except np.linalg.LinAlgError as exc:
            raise DataError("the views are linearly dependent at 100% confidence: lower a "
                            "confidence or drop a duplicate view") from exc
    post_cov = 0.5 * (post_cov + post_cov.T)
    return BlackLitterman(tickers=tickers, prior=pi, posterior=post, posterior_cov=post_cov,
                          cov=C, P=P, Q=Q, omega=Om, tau=tau, delta=delta,
                          views=tuple(v.describe() for v in kept), notes=tuple(notes))
