"""Portfolio construction: estimators, optimizers, frontiers, Black-Litterman, risk parity,
Kelly sizing and a periodic-rebalance backtest.

Inputs are annualised: expected returns in decimals per year, covariances in decimals² per
year (252 trading days), as pandas objects (results then come back indexed by ticker), numpy
arrays, or :class:`Estimate` results of the estimators. Optimizers solve with cvxpy + Clarabel;
weights sum to one. Conflicting constraints raise :class:`core.errors.InfeasibleError` naming
the conflict; invalid inputs raise :class:`core.errors.DataError`.
"""
from core.portfolio.black_litterman import (BlackLitterman, View, black_litterman,
                                            implied_risk_aversion, market_implied_prior)
from core.portfolio.estimators import (RETURN_METHODS, RISK_METHODS, Estimate, capm_return,
                                       ema_return, ewma_cov, expected_returns, ledoit_wolf,
                                       mean_return, nearest_psd, risk_model, sample_cov,
                                       semicovariance)
from core.portfolio.constraints import Constraints
from core.portfolio.frontier import Frontier, efficient_frontier
from core.portfolio.optimize import (cvar, efficient_return, efficient_risk, growth_rate,
                                     kelly_weights, max_sharpe, min_cvar, min_variance,
                                     portfolio_performance)
from core.portfolio.rebalance import (REBALANCE_RULES, Performance, RebalanceResult,
                                      performance_stats, rebalance_backtest)
from core.portfolio.risk_parity import (LINKAGE_METHODS, diversification_ratio, hrp,
                                        risk_contributions, risk_parity)
from core.portfolio._inputs import SOLVER

__all__ = [
    # estimators
    "Estimate", "mean_return", "ema_return", "capm_return", "sample_cov", "ledoit_wolf",
    "ewma_cov", "semicovariance", "nearest_psd", "expected_returns", "risk_model",
    "RETURN_METHODS", "RISK_METHODS",
    # optimizers
    "Constraints", "min_variance", "max_sharpe", "efficient_return", "efficient_risk", "min_cvar", "cvar",
    "kelly_weights", "growth_rate", "portfolio_performance", "SOLVER",
    "Frontier", "efficient_frontier",
    # Black-Litterman
    "View", "BlackLitterman", "black_litterman", "market_implied_prior",
    "implied_risk_aversion",
    # risk budgeting
    "risk_contributions", "diversification_ratio", "risk_parity", "hrp", "LINKAGE_METHODS",
    # backtest
    "rebalance_backtest", "RebalanceResult", "Performance", "performance_stats",
    "REBALANCE_RULES",
]
