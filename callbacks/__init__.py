"""Callbacks, one module per page: thin adapters from inputs to ``core`` to figures.

Importing this package imports every page's callback module, which declares its callbacks with
:mod:`callbacks.registry` (``from callbacks.registry import callback, clientside_callback``);
:func:`register` hands them to one app (``create_app`` calls it), so each app built in a process
gets the full set. Nothing lands in Dash's process-wide callback list: a module that used
``dash.callback`` would be given to the first app only (``tests/test_architecture.py`` forbids it).
"""
from callbacks import (backtest, backtest_walkforward, calibration, greeks, home, portfolio, report, risk,  # noqa: F401
                       runs, strategies, surface, theme, workspace)
from callbacks.registry import register

__all__ = ["register"]
