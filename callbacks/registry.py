"""Callback registration per app, through Dash's public ``app.callback`` / ``app.clientside_callback``.

The page modules declare their callbacks with :func:`callback` and :func:`clientside_callback`
(the same arguments as Dash's); importing a module only records the declarations. ``create_app``
calls :func:`register` once for its new app, which hands every declaration to that app. Each app
gets the full set, so tests (and one process serving several apps) can build as many apps as they
like, and nothing depends on Dash's private global callback map.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["callback", "clientside_callback", "register", "declared"]

# Declarations in import order: (kind, args, kwargs, function). Filled once at import time by
# the page modules, only read afterwards (no per-request state).
_DECLARED: list[tuple[str, tuple, dict, Callable | None]] = []
_FLAG = "PARITY_CALLBACKS_REGISTERED"


def callback(*args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
    """Declare a server-side callback (arguments as ``dash.callback``); returns the plain function,
    so tests can call it directly."""
    def record(func: Callable) -> Callable:
        _DECLARED.append(("callback", args, kwargs, func))
        return func
    return record


def clientside_callback(clientside_function: Any, *args: Any, **kwargs: Any) -> None:
    """Declare a clientside callback (arguments as ``dash.clientside_callback``)."""
    _DECLARED.append(("clientside", (clientside_function, *args), kwargs, None))


def declared() -> int:
    """How many callbacks have been declared (for tests)."""
    return len(_DECLARED)


def register(app) -> None:
    """Give ``app`` every declared callback; a second call for the same app does nothing."""
    if app.server.config.get(_FLAG):
        return
    for kind, args, kwargs, func in _DECLARED:
        if kind == "callback":
            app.callback(*args, **kwargs)(func)
        else:
            app.clientside_callback(*args, **kwargs)
    app.server.config[_FLAG] = True
