"""Callbacks, one module per page: thin adapters from inputs to ``core`` to figures.

Importing this package imports every page's callback module, which declares its callbacks with
:mod:`callbacks.registry` (``from callbacks.registry import callback, clientside_callback``);
:func:`register` hands them to one app (``create_app`` calls it), so each app built in a process
gets the full set.

Modules written against ``from dash import callback, clientside_callback`` still work: while
they are imported here, those two public names point at the registry's, so their declarations
are recorded too instead of landing in Dash's process-wide list (which only the first app would
receive). New modules should import from :mod:`callbacks.registry` directly.
"""
from contextlib import contextmanager

import dash

from callbacks import registry
from callbacks.registry import register


@contextmanager
def _declare_through_registry():
    saved = dash.callback, dash.clientside_callback
    dash.callback, dash.clientside_callback = registry.callback, registry.clientside_callback
    try:
        yield
    finally:
        dash.callback, dash.clientside_callback = saved


with _declare_through_registry():
    from callbacks import (backtest, calibration, greeks, home, portfolio, report, risk,  # noqa: F401,E402
                           runs, strategies, surface, theme)

__all__ = ["register"]
