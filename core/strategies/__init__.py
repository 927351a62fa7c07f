"""Option strategies: legs, the strategy catalogue, payoffs and P/L before expiry, breakevens,
extremes, probability of profit, margin, and a one-call analysis for the strategies page."""
from core.strategies.legs import KINDS, STICKY, Leg, Strategy
from core.strategies.catalog import PLACEMENTS, build, catalog, strategy_info
from core.strategies.probability import (POP_METHODS, ProfitProbability, lognormal_cdf,
                                         probability_of_profit, risk_neutral_cdf,
                                         risk_neutral_density)
from core.strategies.margin import MarginEstimate, margin
from core.strategies.analysis import StrategyAnalysis, analyse, default_grid

__all__ = ["Leg", "Strategy", "KINDS", "STICKY", "catalog", "strategy_info", "build",
           "PLACEMENTS", "ProfitProbability", "probability_of_profit", "lognormal_cdf",
           "risk_neutral_cdf", "risk_neutral_density", "POP_METHODS", "MarginEstimate", "margin",
           "StrategyAnalysis", "analyse", "default_grid"]
