"""Backtest lab: chain histories, rules, the engine, fills and costs, metrics, replay,
walk-forward, and overfitting statistics (PBO by CSCV, deflated Sharpe).

``load_history(source) -> ChainHistory`` (``.dates``, ``.chain(date)``, ``.underlying``);
``modelled_history(start, end)``; ``Rules(...)``; ``run(history, rules) -> BacktestResult``
(``.trades``, ``.equity``, ``.metrics``); ``replay(result, trade)``;
``walk_forward(history, rules, grid, *, train, test)``; ``pbo(performance, n_splits=16)``;
``deflated_sharpe(sr, n_trials, var_trials, T, skew, kurt)``.
"""
from core.backtest.engine import run
from core.backtest.history import ChainHistory, DayQuotes, load_history
from core.backtest.metrics import performance, trade_stats
from core.backtest.result import BacktestResult, LegFill, Trade
from core.backtest.rules import Rules

__all__ = ["ChainHistory", "DayQuotes", "load_history", "Rules", "run", "BacktestResult",
           "Trade", "LegFill", "performance", "trade_stats"]
from core.backtest.overfitting import (PBOResult, deflated_sharpe, expected_max_sharpe,
                                       min_track_record_length, pbo, probabilistic_sharpe)
from core.backtest.walkforward import WalkForwardResult, expand_grid, walk_forward, windows

__all__ += ["PBOResult", "pbo", "deflated_sharpe", "expected_max_sharpe",
            "probabilistic_sharpe", "min_track_record_length", "WalkForwardResult",
            "walk_forward", "expand_grid", "windows"]
from core.backtest.replay import ATTRIBUTION, Replay, replay

__all__ += ["replay", "Replay", "ATTRIBUTION"]
from core.backtest.modelled import MODELLED_LABEL, modelled_history

__all__ += ["modelled_history", "MODELLED_LABEL"]
