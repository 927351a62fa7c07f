"""Every background callback reports a dead or failed job on screen (issue 9 §2): each one is
declared with the watchdog's ``on_error=job_failed(...)`` handler aimed at its page's alert, so
a killed job ends in a message and an enabled Run button, never a bar "running" for ever."""
from __future__ import annotations

import callbacks  # noqa: F401  (declares every page's callbacks)
from callbacks import registry
from callbacks.jobs import DIED
from components.ids import Calibration, Portfolio


def _background():
    return [(f, kw) for kind, _a, kw, f in registry._DECLARED if kind == "callback" and kw.get("background")]


def _run(handler, exc):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    ctx = AttributeDict(updated_props={})
    context_value.set(ctx)
    handler(exc)
    return ctx.updated_props


def test_every_background_callback_has_the_watchdog_handler():
    found = {f.__module__ + "." + f.__name__: kw for f, kw in _background()}
    assert {"callbacks.calibration.run", "callbacks.portfolio.optimise"} <= set(found)
    for name, kw in found.items():
        assert callable(kw.get("on_error")), f"{name} has no on_error= handler"


def test_a_dead_portfolio_job_says_so_in_the_pages_alert():
    kw = {f.__name__: kw for f, kw in _background()}["optimise"]
    died = Exception("An error occurred inside a background callback: " + DIED + " (no heartbeat for 16 s).")
    props = _run(kw["on_error"], died)
    alert = props[Portfolio.ALERT]
    assert alert["is_open"] is True
    assert alert["children"].startswith("The optimisation failed: The background job stopped")
    assert alert["children"].endswith("Run it again.")
    other = _run(kw["on_error"], RuntimeError("boom"))[Portfolio.ALERT]
    assert "failed unexpectedly" in other["children"] and "boom" not in other["children"]
    assert Calibration.ALERT != Portfolio.ALERT
