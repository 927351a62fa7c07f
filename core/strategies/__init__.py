"""Option strategies: legs, the strategy catalogue, payoffs and P/L before expiry, breakevens,
extremes, probability of profit, margin, and a one-call analysis for the strategies page."""
from core.strategies.legs import KINDS, STICKY, Leg, Strategy
from core.strategies.catalog import PLACEMENTS, ChainRates, build, catalog, chain_rates, strategy_info
from core.strategies.probability import (POP_METHODS, ProfitProbability, lognormal_cdf,
                                         probability_of_profit, risk_neutral_cdf,
                                         risk_neutral_density)
from core.strategies.margin import UNDERLYINGS, MarginBatch, MarginEstimate, margin, margin_many
from core.strategies.analysis import StrategyAnalysis, analyse, default_grid
from core.strategies.mc_paths import terminal_prices
from core.strategies.whatif import (VAR_HORIZONS, VOL_MODES, PositionAnalysis, WhatIf,
                                    analyse_position)

__all__ = ["terminal_prices", "Leg", "Strategy", "KINDS", "STICKY", "catalog", "strategy_info", "build",
           "PLACEMENTS", "ChainRates", "chain_rates", "ProfitProbability", "probability_of_profit", "lognormal_cdf",
           "risk_neutral_cdf", "risk_neutral_density", "POP_METHODS", "MarginEstimate", "margin", "UNDERLYINGS",
           "MarginBatch", "margin_many",
           "StrategyAnalysis", "analyse", "default_grid",
           "WhatIf", "PositionAnalysis", "analyse_position", "VOL_MODES", "VAR_HORIZONS"]
