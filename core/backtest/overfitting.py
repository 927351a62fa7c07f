"""Overfitting statistics: the Probability of Backtest Overfitting by combinatorially symmetric
cross-validation, the probabilistic and deflated Sharpe ratios, and the minimum track record.

References
----------
* Bailey, Borwein, López de Prado & Zhu (2017), "The Probability of Backtest Overfitting",
  Journal of Computational Finance 20(4) — CSCV and PBO.
* Bailey & López de Prado (2012), "The Sharpe Ratio Efficient Frontier", Journal of Risk
  15(2) — PSR and minimum track record length.
* Bailey & López de Prado (2014), "The Deflated Sharpe Ratio: Correcting for Selection Bias,
  Backtest Overfitting and Non-Normality", Journal of Portfolio Management 40(5) — DSR.

All Sharpe ratios here are **per period** (not annualised) and kurtosis is the non-excess one
(3 for a normal distribution).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import comb, ndtr, ndtri

from core.errors import DataError
from core._typing import MatrixLike, Progress

__all__ = ["PBOResult", "pbo", "deflated_sharpe", "probabilistic_sharpe",
           "expected_max_sharpe", "min_track_record_length", "EULER_GAMMA"]

EULER_GAMMA = 0.5772156649015329
_CHUNK = 256


@dataclass(frozen=True, slots=True)
class PBOResult:
    """Output of :func:`pbo`.

    Attributes
    ----------
    pbo : float
        Probability of backtest overfitting: the share of splits whose in-sample best
        configuration ranks at or below the out-of-sample median (logit <= 0).
    logits : ndarray
        ``ln(w / (1 - w))`` per split, ``w`` the relative out-of-sample rank of the in-sample
        best (``rank / (N + 1)``, 1 = worst).
    is_best, oos_of_best : ndarray
        Per split: the in-sample best's in-sample and out-of-sample performance.
    prob_oos_loss : float
        Share of splits where the in-sample best loses out of sample (performance < 0).
    degradation_slope : float
        Least-squares slope of out-of-sample on in-sample performance of the chosen configs.
    n_splits, n_combinations, n_configs, n_periods : int
    metric : str
    """

    pbo: float
    logits: np.ndarray
    is_best: np.ndarray
    oos_of_best: np.ndarray
    prob_oos_loss: float
    degradation_slope: float
    n_splits: int
    n_combinations: int
    n_configs: int
    n_periods: int
    metric: str

    def to_dict(self) -> dict:
        """Plain JSON-able dict (arrays as lists).

        Returns
        -------
        dict
            Every field by name; :meth:`from_dict` reads it back.
        """
        return {"pbo": self.pbo, "logits": self.logits.tolist(), "is_best": self.is_best.tolist(),
                "oos_of_best": self.oos_of_best.tolist(), "prob_oos_loss": self.prob_oos_loss,
                "degradation_slope": self.degradation_slope, "n_splits": self.n_splits,
                "n_combinations": self.n_combinations, "n_configs": self.n_configs,
                "n_periods": self.n_periods, "metric": self.metric}

    @classmethod
    def from_dict(cls, d: dict) -> PBOResult:
        """Rebuild from :meth:`to_dict`'s output.

        Parameters
        ----------
        d : dict
            A dict written by :meth:`to_dict`.

        Returns
        -------
        PBOResult
            The same result (arrays as float64).
        """
        return cls(float(d["pbo"]), np.asarray(d["logits"], float), np.asarray(d["is_best"], float),
                   np.asarray(d["oos_of_best"], float), float(d["prob_oos_loss"]),
                   float(d["degradation_slope"]), int(d["n_splits"]), int(d["n_combinations"]),
                   int(d["n_configs"]), int(d["n_periods"]), str(d["metric"]))


def _perf(n, s, q, metric: str) -> np.ndarray:
    mean = s / n
    if metric == "mean":
        return mean
    var = (q - s * mean) / np.maximum(n - 1, 1)
    sd = np.sqrt(np.maximum(var, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, mean / sd, 0.0)


def pbo(performance: MatrixLike, n_splits: int = 16, *, metric: str = "sharpe",
        progress: Progress = None) -> PBOResult:
    """Probability of Backtest Overfitting by CSCV (Bailey, Borwein, López de Prado & Zhu).

    Parameters
    ----------
    performance : array_like, shape (T, N)
        Per-period returns (rows: periods, columns: the N configurations tried).
    n_splits : int
        ``S``, even, >= 2: the rows are cut into S contiguous blocks and every choice of S/2
        blocks is one in-sample set (its complement out of sample): ``C(S, S/2)`` splits.
    metric : {"sharpe", "mean"}
        Performance of a configuration on a set of rows (per-period Sharpe or mean return).
    progress : callable(fraction, message), optional

    Returns
    -------
    PBOResult

    Notes
    -----
    Memory is ``O(S N + chunk N)``: per-block sums and sums of squares are formed once, and each
    split's in-sample and out-of-sample statistics are sums of S/2 block rows, evaluated a chunk
    of splits at a time — never a ``(splits x N x N)`` or ``(T x splits)`` array.
    """
    M = np.asarray(performance, dtype=np.float64)
    if M.ndim != 2:
        raise DataError(f"performance must be a 2-D array (periods x configurations), got "
                        f"{M.ndim} dimension(s)")
    T, N = M.shape
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or \
            n_splits < 2 or n_splits % 2:
        raise DataError(f"n_splits must be an even whole number >= 2, got {n_splits!r}")
    if N < 2:
        raise DataError(f"performance needs at least 2 configurations (columns), got {N}")
    if T < 2 * n_splits:
        raise DataError(f"performance has {T} periods: need at least 2 per block, i.e. "
                        f">= {2 * n_splits} for n_splits={n_splits}")
    if not np.all(np.isfinite(M)):
        raise DataError("performance holds NaN or infinite values: fill or drop those periods")
    if metric not in ("sharpe", "mean"):
        raise DataError(f"metric must be 'sharpe' or 'mean', got {metric!r}")
    S = int(n_splits)
    edges = np.linspace(0, T, S + 1).round().astype(int)
    n_g = np.diff(edges).astype(np.float64)
    s_g = np.add.reduceat(M, edges[:-1], axis=0)
    q_g = np.add.reduceat(M * M, edges[:-1], axis=0)
    n_tot, s_tot, q_tot = n_g.sum(), s_g.sum(axis=0), q_g.sum(axis=0)
    n_comb = int(comb(S, S // 2, exact=True))
    logits = np.empty(n_comb)
    is_best = np.empty(n_comb)
    oos_best = np.empty(n_comb)
    combos = itertools.combinations(range(S), S // 2)
    done = 0
    while done < n_comb:
        block = list(itertools.islice(combos, _CHUNK))
        c = len(block)
        B = np.zeros((c, S))
        B[np.repeat(np.arange(c), S // 2), np.asarray(block).ravel()] = 1.0
        n_is = B @ n_g
        s_is, q_is = B @ s_g, B @ q_g
        perf_is = _perf(n_is[:, None], s_is, q_is, metric)
        perf_oos = _perf((n_tot - n_is)[:, None], s_tot - s_is, q_tot - q_is, metric)
        best = np.argmax(perf_is, axis=1)
        rows = np.arange(c)
        b_oos = perf_oos[rows, best]
        below = (perf_oos < b_oos[:, None]).sum(axis=1)
        ties = (perf_oos == b_oos[:, None]).sum(axis=1) - 1
        rank = below + 1 + 0.5 * ties
        w = rank / (N + 1)
        logits[done:done + c] = np.log(w / (1 - w))
        is_best[done:done + c] = perf_is[rows, best]
        oos_best[done:done + c] = b_oos
        done += c
        if progress:
            progress(done / n_comb, f"{done:,} of {n_comb:,} splits")
    x = is_best - is_best.mean()
    slope = float(x @ (oos_best - oos_best.mean()) / (x @ x)) if x @ x > 0 else math.nan
    return PBOResult(float(np.mean(logits <= 0)), logits, is_best, oos_best,
                     float(np.mean(oos_best < 0)), slope, S, n_comb, N, T, metric)


def _check(name, v, lo=None, integer=False):
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number, got {v!r}") from None
    if not math.isfinite(x) or (lo is not None and x < lo) or (integer and not x.is_integer()):
        req = f" >= {lo:g}" if lo is not None else ""
        raise DataError(f"{name} must be a finite {'whole ' if integer else ''}number{req}, "
                        f"got {v!r}")
    return x


def _sr_var_factor(sr, skew, kurt):
    return 1.0 - skew * sr + (kurt - 1.0) / 4.0 * sr * sr


def probabilistic_sharpe(sr: float, sr_benchmark: float, T: int, skew: float = 0.0,
                         kurt: float = 3.0) -> float:
    """Probabilistic Sharpe ratio ``PSR(SR*)`` (Bailey & López de Prado 2012).

    ``Phi((SR - SR*) sqrt(T - 1) / sqrt(1 - skew SR + (kurt - 1)/4 SR^2))``: the probability
    that the true Sharpe exceeds ``sr_benchmark`` given an observed per-period ``sr`` over ``T``
    periods with the returns' ``skew`` and non-excess ``kurt``.

    Parameters
    ----------
    sr : float
        Observed Sharpe ratio, per period (not annualised).
    sr_benchmark : float
        Benchmark Sharpe ratio ``SR*``, per period.
    T : int
        Number of return periods observed, >= 2.
    skew : float, default 0
        Skewness of the returns.
    kurt : float, default 3
        Non-excess kurtosis of the returns (3 for normal), >= 1.

    Returns
    -------
    float
        Probability, decimal in [0, 1].

    Raises
    ------
    DataError
        A non-finite argument, ``T < 2``, or a variance factor <= 0 (a Sharpe that is not per
        period, or excess kurtosis).
    """
    sr, srb = _check("sr", sr), _check("sr_benchmark", sr_benchmark)
    T = _check("T", T, lo=2)
    f = _sr_var_factor(sr, _check("skew", skew), _check("kurt", kurt, lo=1))
    if f <= 0:
        raise DataError(f"1 - skew*sr + (kurt-1)/4*sr^2 must be > 0, got {f:.4g}: check that sr "
                        "is per period (not annualised) and kurt non-excess")
    return float(ndtr((sr - srb) * math.sqrt(T - 1) / math.sqrt(f)))


def expected_max_sharpe(n_trials: int, var_trials: float, mean_trials: float = 0.0) -> float:
    """Expected maximum of ``n_trials`` Sharpe ratios with variance ``var_trials`` (per period):
    ``mean + sqrt(V) ((1 - g) Phi^-1(1 - 1/N) + g Phi^-1(1 - 1/(N e)))``, ``g`` Euler's gamma.

    Parameters
    ----------
    n_trials : int
        Number of independent trials ``N``, >= 1 (1 gives ``mean_trials``).
    var_trials : float
        Variance ``V`` of the trials' Sharpe ratios, per period squared, >= 0.
    mean_trials : float, default 0
        Mean of the trials' Sharpe ratios, per period.

    Returns
    -------
    float
        Expected maximum Sharpe ratio, per period.
    """
    N = _check("n_trials", n_trials, lo=1, integer=True)
    V = _check("var_trials", var_trials, lo=0)
    if N == 1:
        return float(mean_trials)
    z = (1 - EULER_GAMMA) * ndtri(1 - 1 / N) + EULER_GAMMA * ndtri(1 - 1 / (N * math.e))
    return float(mean_trials + math.sqrt(V) * z)


def deflated_sharpe(sr: float, n_trials: int, var_trials: float, T: int, skew: float = 0.0,
                    kurt: float = 3.0) -> float:
    """Deflated Sharpe ratio (Bailey & López de Prado 2014): ``PSR(SR_0)`` with the benchmark
    ``SR_0`` the expected maximum Sharpe of ``n_trials`` unskilled trials.

    Parameters
    ----------
    sr : float
        Observed Sharpe ratio of the selected strategy, per period.
    n_trials : int
        Independent trials (configurations) tried, >= 1.
    var_trials : float
        Variance of the trials' Sharpe ratios, per period (squared per-period units).
    T : int
        Number of return periods.
    skew, kurt : float
        Skewness and non-excess kurtosis (3 = normal) of the selected strategy's returns.

    Returns
    -------
    float
        The probability (in [0, 1]) that the true Sharpe is above zero after selection.
    """
    return probabilistic_sharpe(sr, expected_max_sharpe(n_trials, var_trials), T, skew, kurt)


def min_track_record_length(sr: float, sr_benchmark: float = 0.0, skew: float = 0.0,
                            kurt: float = 3.0, alpha: float = 0.05) -> float:
    """Minimum track record length (periods) for ``PSR(sr_benchmark) >= 1 - alpha``:
    ``1 + (1 - skew SR + (kurt-1)/4 SR^2) (Phi^-1(1 - alpha) / (SR - SR*))^2``;
    ``inf`` when ``sr <= sr_benchmark``.

    Parameters
    ----------
    sr : float
        Observed Sharpe ratio, per period.
    sr_benchmark : float, default 0
        Benchmark Sharpe ratio, per period.
    skew : float, default 0
        Skewness of the returns.
    kurt : float, default 3
        Non-excess kurtosis of the returns, >= 1.
    alpha : float, default 0.05
        Significance level, decimal in (0, 1).

    Returns
    -------
    float
        Minimum number of return periods (same period as ``sr``); ``inf`` when
        ``sr <= sr_benchmark``.
    """
    sr, srb = _check("sr", sr), _check("sr_benchmark", sr_benchmark)
    a = _check("alpha", alpha)
    if not 0 < a < 1:
        raise DataError(f"alpha must be in (0, 1), got {alpha!r}")
    if sr <= srb:
        return math.inf
    f = _sr_var_factor(sr, _check("skew", skew), _check("kurt", kurt, lo=1))
    return float(1 + f * (ndtri(1 - a) / (sr - srb)) ** 2)
