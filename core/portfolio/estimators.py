"""Expected returns and risk models from price histories, annualised, ragged-history aware.

Expected returns: :func:`mean_return` (historical, geometric or arithmetic),
:func:`ema_return` (exponentially weighted), :func:`capm_return` (CAPM-implied).
Risk models: :func:`sample_cov`, :func:`ledoit_wolf` (shrinkage to a scaled identity, as
scikit-learn's ``LedoitWolf``), :func:`ewma_cov` and :func:`semicovariance`.

Ragged histories (stocks listed at different dates) are handled explicitly by ``missing``:

``"pairwise"``
    each mean uses the asset's own history; each covariance entry uses the dates both assets
    have. A pairwise covariance need not be positive semi-definite: it is then replaced by the
    nearest PSD matrix with the same variances (Higham's alternating projections on the
    correlation matrix) and the notes say by how much it moved.
``"common"``
    every estimate uses only the dates on which all assets have prices.

Every function returns an :class:`Estimate` whose ``notes`` say what was done. Returns are
simple period returns of the prices; results are annualised with ``frequency`` periods a year
(252 for daily data): decimals per year for returns, decimals² per year for covariances.
"""
from __future__ import annotations

from typing import Any

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.data.prices import returns as _period_returns
from core.errors import DataError
from core.portfolio._inputs import as_cov, finite_scalar
from core._typing import MatrixLike

__all__ = ["Estimate", "mean_return", "ema_return", "capm_return", "sample_cov", "ledoit_wolf",
           "ewma_cov", "semicovariance", "nearest_psd", "expected_returns", "risk_model",
           "RETURN_METHODS", "RISK_METHODS"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """An annualised estimate: expected returns (1-D) or a covariance matrix (2-D).

    Attributes
    ----------
    values : ndarray
        Returns in decimals per year, shape (n,), or covariance in decimals² per year, (n, n).
    tickers : tuple of str
    method : str
        ``mean``, ``ema``, ``capm``, ``sample``, ``ledoit_wolf``, ``ewma``, ``semicovariance``.
    frequency : int
        Periods per year used to annualise (252 for daily data).
    start, end : str
        ISO dates of the first and last return used (over all assets).
    n_obs : tuple of int
        Number of returns used per asset.
    notes : tuple of str
        What was done: windows, ragged-history handling, PSD repair, shrinkage intensity.
    params : dict
        Method parameters and by-products (``span``, ``shrinkage``, ``betas``...).
    """

    values: np.ndarray
    tickers: tuple[str, ...]
    method: str
    frequency: int
    start: str
    end: str
    n_obs: tuple[int, ...]
    notes: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """``"returns"`` or ``"covariance"``."""
        return "returns" if self.values.ndim == 1 else "covariance"

    def to_pandas(self) -> pd.Series | pd.DataFrame:
        """A Series (returns) or DataFrame (covariance) indexed by ticker.

        Returns
        -------
        pandas.Series or pandas.DataFrame
            Values in the estimate's units (decimals, or decimals² for covariance, per year).
        """
        idx = pd.Index(list(self.tickers), dtype=object)
        if self.values.ndim == 1:
            return pd.Series(self.values.copy(), index=idx, name=self.method)
        return pd.DataFrame(self.values.copy(), index=idx, columns=idx)

    def to_dict(self) -> dict:
        """The fields as plain Python data, for a ``dcc.Store``.

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {"values": self.values.tolist(), "tickers": list(self.tickers),
                "method": self.method, "frequency": self.frequency, "start": self.start,
                "end": self.end, "n_obs": list(self.n_obs), "notes": list(self.notes),
                "params": {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                           for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> Estimate:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        Estimate
        """
        return cls(values=np.asarray(d["values"], dtype=np.float64),
                   tickers=tuple(d["tickers"]), method=d["method"],
                   frequency=int(d["frequency"]), start=d["start"], end=d["end"],
                   n_obs=tuple(int(x) for x in d["n_obs"]), notes=tuple(d["notes"]),
                   params=dict(d.get("params", {})))


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def _returns(prices, returns_data: bool, frequency) -> tuple[pd.DataFrame, int, list[str]]:
    if isinstance(prices, pd.Series):
        prices = prices.to_frame(name=prices.name or "asset")
    if not isinstance(prices, pd.DataFrame):
        raise DataError("prices must be a DataFrame of dates × tickers (see load_prices)")
    if returns_data:
        r = prices.astype(np.float64)
        notes = list(prices.attrs.get("notes", ()))
        freq = int(frequency or prices.attrs.get("periods_per_year", 252))
    else:
        r = _period_returns(prices, kind="simple")
        notes = list(r.attrs.get("notes", ()))
        freq = int(frequency or 252)
    if freq <= 0:
        raise DataError(f"frequency must be > 0 periods per year, got {freq}")
    r = r.dropna(axis=1, how="all")
    dropped = [str(c) for c in prices.columns if c not in r.columns]
    if dropped:
        raise DataError(f"no returns for {', '.join(dropped[:5])}: each ticker needs at least "
                        f"two prices")
    if np.isinf(r.to_numpy()).any():
        raise DataError("returns must be finite")
    r.columns = [str(c) for c in r.columns]
    return r, freq, notes


def _window(r: pd.DataFrame, missing: str, notes: list[str], *, force_common=False):
    if missing not in ("pairwise", "common"):
        raise DataError(f"missing must be 'pairwise' or 'common', got {missing!r}")
    counts = r.notna().sum()
    ragged = bool((counts < len(r)).any())
    if (missing == "common" or force_common) and ragged:
        common = r.dropna(how="any")
        if len(common) < 2:
            raise DataError("the assets have fewer than 2 dates in common: drop the shortest "
                            "histories or use missing='pairwise'")
        short = counts.idxmin()
        notes.append(f"Common window {common.index[0].date()} to {common.index[-1].date()} "
                     f"({len(common):,} returns): {short} has the shortest history.")
        return common
    if ragged:
        short = counts.idxmin()
        notes.append(f"Ragged histories used pairwise: from {int(counts.min()):,} returns "
                     f"({short}, from {r[short].first_valid_index().date()}) to "
                     f"{int(counts.max()):,}.")
    if (counts < 2).any():
        raise DataError(f"{counts.idxmin()} has fewer than 2 returns")
    return r


def _estimate(values, r: pd.DataFrame, method, freq, notes, **params) -> Estimate:
    return Estimate(values=np.asarray(values, dtype=np.float64), tickers=tuple(r.columns),
                    method=method, frequency=freq, start=str(r.index[0].date()),
                    end=str(r.index[-1].date()), n_obs=tuple(int(c) for c in r.notna().sum()),
                    notes=tuple(notes), params=params)


def _pairwise_cov(X: np.ndarray, *, center: str, weights: np.ndarray | None = None,
                  unbiased: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete (weighted) second moments of the columns of X (NaN = missing).

    ``center``: ``"pair"`` (means over each pair's common dates, as pandas ``cov``),
    ``"own"`` (each column's mean over its own dates) or ``"none"``.
    Returns the matrix and the pairwise observation counts.
    """
    M = np.isfinite(X).astype(np.float64)
    w = np.ones(X.shape[0]) if weights is None else weights
    if center == "own":
        X = X - np.nanmean(X, axis=0)
    X0 = np.where(M > 0, X, 0.0)
    Mw, Xw = M * w[:, None], X0 * w[:, None]
    W = Mw.T @ M
    counts = M.T @ M
    if np.any(counts < 2):
        i, j = np.argwhere(counts < 2)[0]
        raise DataError(f"assets {i} and {j} have fewer than 2 returns in common")
    S = (Xw.T @ X0) / W
    if center == "pair":
        mean_ij = (Xw.T @ M) / W            # mean of i over the dates shared with j
        S = S - mean_ij * mean_ij.T
    if unbiased:
        S = S * counts / (counts - 1.0)
    return 0.5 * (S + S.T), counts


def _repair(cov: np.ndarray, notes: list[str], what: str) -> np.ndarray:
    eig = np.linalg.eigvalsh(cov)
    if eig[0] >= -1e-12 * max(eig[-1], 1e-300):
        return cov
    fixed = _nearest_psd(cov)
    change = np.linalg.norm(fixed - cov) / np.linalg.norm(cov)
    notes.append(f"The pairwise {what} was not positive semi-definite (smallest eigenvalue "
                 f"{eig[0]:.3g}); replaced by the nearest PSD matrix with the same variances "
                 f"(Higham; relative change {change:.2%}).")
    return fixed


def _nearest_psd(cov: np.ndarray, *, tol: float = 1e-10, max_iter: int = 500) -> np.ndarray:
    """Higham (2002) nearest correlation matrix, rescaled by the original volatilities."""
    sd = np.sqrt(np.maximum(np.diag(cov), 1e-300))
    A = cov / np.outer(sd, sd)
    Y, dS = A.copy(), np.zeros_like(A)
    for _ in range(max_iter):
        R = Y - dS
        vals, vecs = np.linalg.eigh(R)
        X = (vecs * np.maximum(vals, 0.0)) @ vecs.T
        dS = X - R
        Y_new = X.copy()
        np.fill_diagonal(Y_new, 1.0)
        done = np.linalg.norm(Y_new - Y) / max(np.linalg.norm(Y_new), 1e-300) < tol
        Y = Y_new
        if done:
            break
    vals, vecs = np.linalg.eigh(0.5 * (Y + Y.T))
    X = (vecs * np.maximum(vals, 0.0)) @ vecs.T
    d = np.sqrt(np.maximum(np.diag(X), 1e-300))
    C = X / np.outer(d, d)
    out = 0.5 * (C + C.T) * np.outer(sd, sd)
    return out


def nearest_psd(cov: MatrixLike) -> np.ndarray | pd.DataFrame:
    """Nearest positive semi-definite covariance with the same variances.

    Higham's alternating projections on the correlation matrix (unit diagonal kept), then
    rescaled by the volatilities. Returns the input type (DataFrame or ndarray).

    Parameters
    ----------
    cov : pandas.DataFrame, ndarray or Estimate
        Symmetric covariance (any units, e.g. decimals² per year).

    Returns
    -------
    ndarray or pandas.DataFrame
        The repaired covariance, same units and variances, labelled like the input.
    """
    arr, tickers = as_cov(cov, check_psd=False)
    out = _nearest_psd(arr)
    if tickers is None:
        return out
    idx = pd.Index(list(tickers), dtype=object)
    return pd.DataFrame(out, index=idx, columns=idx)


# --------------------------------------------------------------------------------------------
# expected returns
# --------------------------------------------------------------------------------------------
def _annualise(mean_or_growth, freq, compounding):
    return (1.0 + mean_or_growth) ** freq - 1.0 if compounding else mean_or_growth * freq


def mean_return(prices: pd.DataFrame, *, compounding: bool = True, missing: str = "pairwise",
                frequency: int | None = None, returns_data: bool = False) -> Estimate:
    """Historical mean return per asset, annualised.

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices, dates × tickers (or period returns with ``returns_data=True``).
    compounding : bool
        True: geometric, (Π(1 + r))^(frequency / n) - 1 (the realised CAGR); False:
        arithmetic, mean(r) · frequency.
    missing : {"pairwise", "common"}
        Each asset's own history, or only the dates all assets share.
    frequency : int, optional
        Periods per year (default 252, or the ``periods_per_year`` of returns data).
    returns_data : bool
        ``prices`` already holds period returns (decimals), not prices.

    Returns
    -------
    Estimate
        Decimals per year.
    """
    r, freq, notes = _returns(prices, returns_data, frequency)
    r = _window(r, missing, notes)
    if compounding:
        n = r.notna().sum()
        vals = np.exp(np.log1p(r).sum() * freq / n) - 1.0
    else:
        vals = r.mean() * freq
    notes.append("Geometric (compounded) mean." if compounding else "Arithmetic mean.")
    return _estimate(vals.to_numpy(), r, "mean", freq, notes, compounding=compounding)


def ema_return(prices: pd.DataFrame, *, span: float = 500, compounding: bool = True,
               frequency: int | None = None, returns_data: bool = False) -> Estimate:
    """Exponentially weighted mean return per asset, annualised.

    Weights decay with α = 2 / (span + 1) per period (pandas ``ewm(span=...)``), the latest
    return weighted most; each asset uses its own history.

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices, dates × tickers (or period returns with ``returns_data=True``).
    span : float
        Span in periods, >= 1.
    compounding : bool
        Annualise geometrically (True) or arithmetically.
    frequency : int, optional
        Periods per year (default 252, or the ``periods_per_year`` of returns data).
    returns_data : bool
        ``prices`` already holds period returns (decimals).

    Returns
    -------
    Estimate
        (1 + ema)^frequency - 1 with ``compounding``, else ema · frequency (decimals/year).
    """
    span = finite_scalar("span", span, lo=1)
    r, freq, notes = _returns(prices, returns_data, frequency)
    r = _window(r, "pairwise", notes)
    ema = r.ewm(span=span).mean().iloc[-1]
    notes.append(f"Exponentially weighted mean, span {span:g} periods.")
    return _estimate(_annualise(ema.to_numpy(), freq, compounding), r, "ema", freq, notes,
                     span=span, compounding=compounding)


def capm_return(prices: pd.DataFrame, *, market: pd.Series | None = None, rf: float = 0.0,
                compounding: bool = True, frequency: int | None = None,
                returns_data: bool = False) -> Estimate:
    """CAPM-implied expected returns: rf + β_i (E[R_m] - rf), annualised.

    Parameters
    ----------
    market : pandas.Series or DataFrame (one column), optional
        Market prices (or returns with ``returns_data``), e.g. ``index_prices()["SP500"]``.
        Default: the equal-weighted average of the available asset returns each day.
    rf : float
        Risk-free rate, decimal per year.
    prices : pandas.DataFrame
        Prices, dates × tickers (or period returns with ``returns_data=True``).
    compounding : bool
        Geometric (True) or arithmetic (False) annualisation of the market's mean return.
    frequency : int, optional
        Periods per year (default 252, or the ``periods_per_year`` of returns data).
    returns_data : bool
        ``prices`` and ``market`` already hold period returns (decimals).

    Notes
    -----
    β_i = cov(R_i, R_m) / var(R_m) over the dates asset i and the market share; E[R_m] is the
    market's mean return over the dates with asset data (geometric with ``compounding``).

    Returns
    -------
    Estimate
        Expected returns, decimals per year.
    """
    rf = finite_scalar("rf", rf)
    r, freq, notes = _returns(prices, returns_data, frequency)
    if market is None:
        m = r.mean(axis=1)
        notes.append("Market proxy: equal-weighted average of the asset returns.")
    else:
        if isinstance(market, pd.DataFrame):
            if market.shape[1] != 1:
                raise DataError("market must be one price series")
            market = market.iloc[:, 0]
        if not isinstance(market, pd.Series) or not isinstance(market.index, pd.DatetimeIndex):
            raise DataError("market must be a price Series with a DatetimeIndex")
        m = market.astype(np.float64) if returns_data else \
            _period_returns(market.to_frame("mkt"), kind="simple")["mkt"]
        m = m.reindex(r.index)
        keep = m.notna()
        if keep.sum() < 2:
            raise DataError("the market series shares fewer than 2 dates with the prices")
        if not keep.all():
            notes.append(f"Market returns cover {int(keep.sum()):,} of {len(r):,} dates "
                         f"({m[keep].index[0].date()} to {m[keep].index[-1].date()}); betas "
                         f"use the shared dates.")
        r, m = r.loc[keep], m.loc[keep]
    X = np.column_stack([r.to_numpy(), m.to_numpy()])
    cov, _ = _pairwise_cov(X, center="pair")
    betas = cov[:-1, -1] / cov[-1, -1]
    mv = m.to_numpy()
    mkt = (_annualise(np.exp(np.log1p(mv).mean()) - 1.0, freq, True) if compounding
           else mv.mean() * freq)
    notes.append(f"Market return {mkt:.2%} a year; rf {rf:.2%}; betas "
                 f"{betas.min():.2f} to {betas.max():.2f}.")
    vals = rf + betas * (mkt - rf)
    return _estimate(vals, r, "capm", freq, notes, betas=betas.tolist(), market_return=mkt,
                     rf=rf)


# --------------------------------------------------------------------------------------------
# risk models
# --------------------------------------------------------------------------------------------
def sample_cov(prices: pd.DataFrame, *, missing: str = "pairwise", frequency: int | None = None,
               returns_data: bool = False) -> Estimate:
    """Sample covariance of returns (unbiased, n - 1), annualised (decimals² per year).

    Pairwise entries equal pandas ``DataFrame.cov()``; a non-PSD result is repaired (noted).

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices, dates × tickers (or period returns with ``returns_data=True``).
    missing : {"pairwise", "common"}
        Each pair's own overlapping dates, or only the dates all assets share.
    frequency : int, optional
        Periods per year (default 252, or the ``periods_per_year`` of returns data).
    returns_data : bool
        ``prices`` already holds period returns (decimals).

    Returns
    -------
    Estimate
        Covariance in decimals² per year.

    Raises
    ------
    DataError
        Not a DataFrame of dates × tickers, a ticker without returns, or a bad argument.
    """
    r, freq, notes = _returns(prices, returns_data, frequency)
    r = _window(r, missing, notes)
    cov, _ = _pairwise_cov(r.to_numpy(), center="pair")
    cov = _repair(cov * freq, notes, "sample covariance")
    return _estimate(cov, r, "sample", freq, notes)


def ledoit_wolf(prices: pd.DataFrame, *, frequency: int | None = None, returns_data: bool = False
                ) -> Estimate:
    """Ledoit-Wolf (2004) shrinkage of the sample covariance towards μ·I, annualised.

    Σ̂ = (1 - δ) S + δ μ I with S the (biased, 1/n) sample covariance, μ = trace(S) / p and
    the optimal intensity δ of Ledoit and Wolf — the estimator of scikit-learn's
    ``LedoitWolf``. It needs complete data, so ragged histories use the common window (noted).

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices, dates × tickers (or period returns with ``returns_data=True``).
    frequency : int, optional
        Periods per year (default 252, or the ``periods_per_year`` of returns data).
    returns_data : bool
        ``prices`` already holds period returns (decimals).

    Returns
    -------
    Estimate
        Covariance in decimals² per year; ``shrinkage`` holds δ.

    Raises
    ------
    DataError
        Not a DataFrame of dates × tickers, a ticker without returns, or a bad argument.
    """
    r, freq, notes = _returns(prices, returns_data, frequency)
    r = _window(r, "common", notes, force_common=True)
    X = r.to_numpy()
    X = X - X.mean(axis=0)
    n, p = X.shape
    emp = X.T @ X / n
    X2 = X * X
    trace_terms = X2.sum(axis=0) / n
    mu = trace_terms.sum() / p
    delta_ = np.sum(emp ** 2)                    # = sum((X'X)^2) / n^2
    beta = (np.sum(X2.T @ X2) / n - delta_) / (p * n)
    delta = (delta_ - 2.0 * mu * trace_terms.sum() + p * mu ** 2) / p
    beta = min(beta, delta)
    shrink = 0.0 if beta == 0 else beta / delta
    cov = (1.0 - shrink) * emp + shrink * mu * np.eye(p)
    notes.append(f"Ledoit-Wolf shrinkage intensity {shrink:.3f} towards a scaled identity.")
    return _estimate(cov * freq, r, "ledoit_wolf", freq, notes, shrinkage=float(shrink))


def ewma_cov(prices: pd.DataFrame, *, span: float = 180, missing: str = "pairwise",
             frequency: int | None = None, returns_data: bool = False) -> Estimate:
    """Exponentially weighted covariance, annualised (decimals² per year).

    Entry (i, j) is the weighted mean of (r_i - r̄_i)(r_j - r̄_j) over the dates both assets
    have, weights (1 - α)^age with α = 2 / (span + 1) and r̄ each asset's plain mean (as
    PyPortfolioOpt's ``exp_cov``). A non-PSD pairwise result is repaired (noted).

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices, dates × tickers (or period returns with ``returns_data=True``).
    span : float
        Span in periods, >= 1.
    missing : {"pairwise", "common"}
        Each pair's own overlapping dates, or only the dates all assets share.
    frequency : int, optional
        Periods per year (default 252, or the ``periods_per_year`` of returns data).
    returns_data : bool
        ``prices`` already holds period returns (decimals).

    Returns
    -------
    Estimate
        Covariance in decimals² per year.

    Raises
    ------
    DataError
        Not a DataFrame of dates × tickers, a ticker without returns, or a bad argument.
    """
    span = finite_scalar("span", span, lo=1)
    r, freq, notes = _returns(prices, returns_data, frequency)
    r = _window(r, missing, notes)
    alpha = 2.0 / (span + 1.0)
    w = (1.0 - alpha) ** np.arange(len(r) - 1, -1, -1, dtype=np.float64)
    cov, _ = _pairwise_cov(r.to_numpy(), center="own", weights=w, unbiased=False)
    notes.append(f"Exponential weights, span {span:g} periods (half-life "
                 f"{np.log(0.5) / np.log(1 - alpha):.0f}).")
    cov = _repair(cov * freq, notes, "EWMA covariance")
    return _estimate(cov, r, "ewma", freq, notes, span=span)


def semicovariance(prices: pd.DataFrame, *, benchmark: float = 0.0, missing: str = "pairwise",
                   frequency: int | None = None, returns_data: bool = False) -> Estimate:
    """Semicovariance E[min(r_i - B, 0) · min(r_j - B, 0)], annualised (decimals² per year).

    Parameters
    ----------
    benchmark : float
        B, the per-period return below which moves count as downside (0 by default; e.g.
        1.02**(1/252) - 1 for a 2% a year hurdle on daily data).
    prices : pandas.DataFrame
        Prices, dates × tickers (or period returns with ``returns_data=True``).
    missing : {"pairwise", "common"}
        Each pair's shared history, or only the dates all assets share.
    frequency : int, optional
        Periods per year (default 252, or the ``periods_per_year`` of returns data).
    returns_data : bool
        ``prices`` already holds period returns (decimals).

    Returns
    -------
    Estimate
        Downside covariance, decimals² per year.
    """
    b = finite_scalar("benchmark", benchmark)
    r, freq, notes = _returns(prices, returns_data, frequency)
    r = _window(r, missing, notes)
    drops = np.minimum(r.to_numpy() - b, 0.0)       # NaN stays NaN (missing)
    cov, _ = _pairwise_cov(drops, center="none", unbiased=False)
    notes.append(f"Downside below {b:g} per period.")
    cov = _repair(cov * freq, notes, "semicovariance")
    return _estimate(cov, r, "semicovariance", freq, notes, benchmark=b)


RETURN_METHODS = {"mean": mean_return, "ema": ema_return, "capm": capm_return}
RISK_METHODS = {"sample": sample_cov, "ledoit_wolf": ledoit_wolf, "ewma": ewma_cov,
                "semicovariance": semicovariance}


def expected_returns(prices: pd.DataFrame, method: str = "mean", **kwargs: Any) -> Estimate:
    """Dispatch to :data:`RETURN_METHODS` (``mean``, ``ema``, ``capm``) by name.

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices, dates × tickers.
    method : {"mean", "ema", "capm"}
    **kwargs
        Passed to the estimator (:func:`mean_return`, :func:`ema_return`, :func:`capm_return`).

    Returns
    -------
    Estimate
        Expected returns, decimals per year.

    Raises
    ------
    DataError
        Unknown ``method`` (or the estimator's own errors).
    """
    if method not in RETURN_METHODS:
        raise DataError(f"method must be one of {', '.join(RETURN_METHODS)}, got {method!r}")
    return RETURN_METHODS[method](prices, **kwargs)


def risk_model(prices: pd.DataFrame, method: str = "ledoit_wolf", **kwargs: Any) -> Estimate:
    """Dispatch to :data:`RISK_METHODS` (``sample``, ``ledoit_wolf``, ``ewma``,
    ``semicovariance``) by name.

    Parameters
    ----------
    prices : pandas.DataFrame
        Prices, dates × tickers.
    method : {"sample", "ledoit_wolf", "ewma", "semicovariance"}
    **kwargs
        Passed to the estimator.

    Returns
    -------
    Estimate
        Covariance, decimals² per year.

    Raises
    ------
    DataError
        Unknown ``method`` (or the estimator's own errors).
    """
    if method not in RISK_METHODS:
        raise DataError(f"method must be one of {', '.join(RISK_METHODS)}, got {method!r}")
    return RISK_METHODS[method](prices, **kwargs)
