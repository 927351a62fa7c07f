"""Portfolio optimisation against PyPortfolioOpt, same data, same run.

* 50-point efficient frontier of PyPortfolioOpt's 20 test stocks (read from
  ``../shared/data/stock_prices.csv``, third-party data, not shipped): ``core.portfolio.efficient_frontier``
  (one DPP-parametrised cvxpy problem re-solved with Clarabel) against PyPortfolioOpt's
  ``EfficientFrontier.efficient_return`` looped over the same targets — a new
  ``EfficientFrontier`` per target, as its documentation loops, and (for reference) one object
  re-used, which lets PyPortfolioOpt update its own target parameter.
* The same for 200 synthetic assets (seeded factor model).
* Accuracy of the minimum-variance and max-Sharpe weights against PyPortfolioOpt.
* HRP and min-CVaR timings against HRPOpt and EfficientCVaR.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from benchmarks import Row, best_time


def _synthetic(n: int, seed: int = 42, days: int = 750):
    """Annualised mu and covariance of a seeded 5-factor daily return model."""
    rng = np.random.default_rng(seed)
    B = rng.normal(0, 1, (n, 5)) * 0.008
    F = rng.normal(0, 1, (days, 5))
    R = F @ B.T + rng.normal(0, 1, (days, n)) * rng.uniform(0.008, 0.02, n)
    idx = pd.Index([f"S{i:03d}" for i in range(n)], dtype=object)
    cov = pd.DataFrame(np.cov(R.T) * 252, index=idx, columns=idx)
    mu = pd.Series(rng.uniform(0.02, 0.25, n), index=idx)
    return mu, cov


def _peer_loop(mu, cov, targets, *, reuse: bool) -> tuple[list, int]:
    from pypfopt import EfficientFrontier
    from pypfopt.exceptions import OptimizationError

    EfficientFrontier(mu, cov).min_volatility()
    out, failed = [], 0
    ef = EfficientFrontier(mu, cov) if reuse else None
    for t in targets[1:]:
        try:
            e = ef if reuse else EfficientFrontier(mu, cov)
            out.append(dict(e.efficient_return(float(t))))
        except (OptimizationError, ValueError):
            failed += 1
    return out, failed


def _frontier_rows(label: str, mu, cov, target: str, peer_repeat: int) -> list[Row]:
    from core.portfolio import SOLVER, efficient_frontier

    F = efficient_frontier(mu, cov, 50)
    t_ours = best_time(lambda: efficient_frontier(mu, cov, 50), repeat=3)
    rows = []
    for reuse in (False, True):
        _, failed = _peer_loop(mu, cov, F.returns, reuse=reuse)
        t_peer = best_time(lambda: _peer_loop(mu, cov, F.returns, reuse=reuse),
                           repeat=peer_repeat)
        how = "one object re-used" if reuse else "new object per target"
        note = f"{SOLVER}; speed-up {t_peer / t_ours:.1f}x"
        if failed:
            note += f"; peer failed {failed} of 49 targets"
        rows.append(Row("portfolio", f"50-point frontier, {label}", t_ours, t_peer,
                        f"PyPortfolioOpt efficient_return loop ({how})", "s",
                        target if not reuse else "", note))
    return rows


def _accuracy_rows(mu, cov) -> list[Row]:
    from pypfopt import EfficientFrontier

    from core.portfolio import max_sharpe, min_variance

    w = min_variance(cov)
    peer = pd.Series(EfficientFrontier(None, cov).min_volatility())
    err_mv = float(np.abs(w - peer).max())
    w = max_sharpe(mu, cov, rf=0.02)
    peer = pd.Series(EfficientFrontier(mu, cov).max_sharpe(risk_free_rate=0.02))
    err_ms = float(np.abs(w - peer).max())
    t_mv = best_time(lambda: min_variance(cov), repeat=5)
    t_mv_peer = best_time(lambda: EfficientFrontier(None, cov).min_volatility(), repeat=5)
    t_ms = best_time(lambda: max_sharpe(mu, cov, rf=0.02), repeat=5)
    t_ms_peer = best_time(lambda: EfficientFrontier(mu, cov).max_sharpe(risk_free_rate=0.02),
                          repeat=5)
    return [
        Row("portfolio", "min_variance max |w - peer|", err_mv, None, "", "", "<= 1e-4",
            "20 stocks, long-only"),
        Row("portfolio", "max_sharpe max |w - peer|", err_ms, None, "", "", "<= 1e-4",
            "20 stocks, rf 2%"),
        Row("portfolio", "min_variance", t_mv * 1e3, t_mv_peer * 1e3, "PyPortfolioOpt", "ms"),
        Row("portfolio", "max_sharpe", t_ms * 1e3, t_ms_peer * 1e3, "PyPortfolioOpt", "ms",
            "", "ours adds a max-return LP (feasibility check)"),
    ]


def _other_rows(prices) -> list[Row]:
    from pypfopt import EfficientCVaR, HRPOpt

    from core.data.prices import returns
    from core.portfolio import hrp, mean_return, min_cvar, risk_parity

    r = returns(prices, "simple").dropna()
    c = r.cov()
    t_h = best_time(lambda: hrp(c), repeat=5)
    t_h_peer = best_time(lambda: HRPOpt(r).optimize(), repeat=5)
    mu = mean_return(prices).to_pandas()
    t_c = best_time(lambda: min_cvar(r, alpha=0.95), repeat=3)
    t_c_peer = best_time(lambda: EfficientCVaR(mu, r, beta=0.95).min_cvar(), repeat=3)
    t_rp = best_time(lambda: risk_parity(c * 252), repeat=5)
    return [
        Row("portfolio", "hrp (single linkage)", t_h * 1e3, t_h_peer * 1e3, "PyPortfolioOpt HRPOpt",
            "ms", "", f"{len(r)} days x 20 stocks"),
        Row("portfolio", "min_cvar (95%)", t_c * 1e3, t_c_peer * 1e3,
            "PyPortfolioOpt EfficientCVaR", "ms", "", f"{len(r)} scenarios, LP"),
        Row("portfolio", "risk_parity (Newton)", t_rp * 1e3, None, "", "ms", "",
            "equal risk contributions to 1e-12"),
    ]


def run() -> list[Row]:
    from benchmarks import shared_data
    from core.data.prices import load_prices
    from core.portfolio import mean_return, sample_cov

    warnings.filterwarnings("ignore", category=UserWarning)
    # PyPortfolioOpt's own test prices (20 US stocks 1989-2018, ../shared/data, not shipped):
    # the peer's reference data, so the accuracy rows compare like with like
    prices = load_prices(shared_data("stock_prices.csv"))
    mu = mean_return(prices).to_pandas()
    cov = sample_cov(prices).to_pandas()
    rows = _frontier_rows("20 stocks (PyPortfolioOpt test prices)", mu, cov, ">= 2x faster", peer_repeat=3)
    mu2, cov2 = _synthetic(200)
    rows += _frontier_rows("200 synthetic", mu2, cov2, "< 3 s", peer_repeat=1)
    rows += _accuracy_rows(mu, cov)
    rows += _other_rows(prices)
    return rows
