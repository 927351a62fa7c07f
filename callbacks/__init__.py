"""Callbacks, one module per page: thin adapters from inputs to ``core`` to figures.

Importing this package registers every callback with ``dash.callback``. Dash hands those global
registrations to the first app that serves and then clears them; :func:`reregister` puts them back
so that each ``create_app()`` (tests build several) gets the full set.
"""
from dash import _callback

from callbacks import backtest, calibration, greeks, portfolio, runs, strategies, surface, theme  # noqa: F401  (registers callbacks)

_REGISTERED = (dict(_callback.GLOBAL_CALLBACK_MAP), list(_callback.GLOBAL_CALLBACK_LIST),
               list(_callback.GLOBAL_INLINE_SCRIPTS))


def reregister() -> None:
    """Restore the global callback registrations for a newly created app."""
    cb_map, cb_list, scripts = _REGISTERED
    _callback.GLOBAL_CALLBACK_MAP.update(cb_map)
    _callback.GLOBAL_CALLBACK_LIST[:] = cb_list
    _callback.GLOBAL_INLINE_SCRIPTS[:] = scripts
