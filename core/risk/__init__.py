"""Risk desk: a book of positions valued off a fitted surface, its Greeks and limits, hedges,
scenarios and stress (spot x vol ladder, SPAN-style, portfolio-margin grid, historical), the
stock side's factor stress and correlation breakdown, and VaR/ES.

Entry points: ``Book`` / ``Book.from_csv`` / ``book.to_csv()``; ``Market.from_chain(chain,
surface="svi")``; ``book_greeks(book, market)``; ``Scenario(...)``; ``revalue(book, market,
scenarios)``; ``hedge(book, market, targets=("delta",))``; ``analyse(book, market, spec)`` for
the Risk page. VaR/ES of P/L samples and strategies: ``var_cvar``, ``strategy_var``.
"""
from core.risk.book import KINDS, Book, Position, parse_symbol, read_rows
from core.risk.factors import (CRISIS_WINDOWS, CorrelationStress, correlation_breakdown,
                               estimate_betas, factor_returns, factor_stress)
from core.risk.greeks import GREEK_KEYS, BookGreeks, book_greeks
from core.risk.hedge import HEDGE_TARGETS, Hedge, candidate_options, hedge
from core.risk.historical import (FEB_2018_SURFACE, HISTORICAL_DATES, PUBLISHED, book_var,
                                  historical_scenario, historical_scenarios,
                                  measure_surface_shock)
from core.risk.limits import DEFAULT_LIMITS, LimitReport, check_limits
from core.risk.market import STICKY, Market
from core.risk.report import RiskReport, analyse, example_book
from core.risk.scenarios import (Explain, Scenario, StressResult, check_shocked_surfaces,
                                 ladder, pm_grid, pnl_explain, revalue, revalue_positions,
                                 span_scenarios, stress)
from core.risk.var import (VAR_METHODS, VaRResult, parametric_cvar, parametric_var,
                           strategy_var, var_cvar)

__all__ = ["VaRResult", "var_cvar", "parametric_var", "parametric_cvar", "strategy_var",
           "VAR_METHODS", "Book", "Position", "parse_symbol", "KINDS", "Market", "STICKY",
           "book_greeks", "BookGreeks", "GREEK_KEYS", "Scenario", "revalue", "revalue_positions",
           "stress", "StressResult", "ladder", "span_scenarios", "pm_grid",
           "check_shocked_surfaces", "pnl_explain", "Explain", "hedge", "Hedge",
           "HEDGE_TARGETS", "candidate_options", "historical_scenario", "historical_scenarios",
           "measure_surface_shock", "book_var", "FEB_2018_SURFACE", "HISTORICAL_DATES",
           "PUBLISHED", "check_limits", "LimitReport", "DEFAULT_LIMITS", "factor_returns",
           "estimate_betas", "factor_stress", "correlation_breakdown", "CorrelationStress",
           "CRISIS_WINDOWS", "analyse", "RiskReport", "example_book", "read_rows"]
