"""Greeks page callbacks: controls -> core.pricing.greek_grid -> components.figures."""
from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, html, no_update
from callbacks.registry import callback, clientside_callback

from callbacks.browser_js import REPLACE_URL_QUERY
from callbacks.theme import theme_name
from components.figures import greek_figure
from components.greek_units import GREEK_DISPLAY
from components.greeks_state import preset_legs, to_query
from components.ids import App
from components.ids import Greeks as ids
from core.errors import ParityError
from core.pricing import GREEK_NAMES, bs_greeks, greek_grid, parse_legs, position_greeks

log = logging.getLogger(__name__)
GRID_POINTS = 61  # odd, so spot (the middle of a symmetric range) is a grid point
READOUT_DAYS = (7, 30, 91, 365)   # the default days range's readout (7 to 730 days)


def readout_days(d_lo: float, d_hi: float, n: int = 4) -> tuple[int, ...]:
    """Whole days for the readout columns, spread geometrically over the chosen days range
    (ends included; at least one day)."""
    lo, hi = max(1.0, float(d_lo)), max(1.0, float(d_hi))
    if hi <= lo:
        return (int(round(lo)),)
    days = np.unique(np.round(np.geomspace(lo, hi, n)).astype(int))
    return tuple(int(d) for d in days)


def fmt_greek(value: float) -> str:
    """Four significant digits (vanna, volga and charm are often below 0.0001 in desk units)."""
    if not np.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    return f"{value:,.0f}" if abs(value) >= 1e4 else f"{value:,.4g}"


def render(state: dict, theme: str = "light") -> dict:
    """Compute the figure, readout and URL query for a page state.

    Returns a dict with ``figure``, ``readout`` (a component), ``query``, ``error`` (message or
    None) and ``legs_error`` (message or None). On error the figure is ``None``: the caller keeps
    the one on screen.
    """
    out = dict(figure=None, readout=None, query=None, error=None, legs_error=None)
    legs = ()
    if state["inst"] == "position":
        try:
            legs = parse_legs(state["legs"])
        except ParityError as exc:
            out["legs_error"] = out["error"] = str(exc)
            return out
    if state["S"] is None or not np.isfinite(state["S"]) or state["S"] <= 0:
        out["error"] = "Enter a spot price greater than 0."
        return out
    market = dict(spot=float(state["S"]), sigma=state["vol"] / 100, r=state["r"] / 100,
                  q=state["q"] / 100)
    try:
        grid = greek_grid(state["greek"], state["inst"], x_range=(state["xlo"], state["xhi"]),
                          days_range=(state["dlo"], state["dhi"]), n=GRID_POINTS, legs=legs, **market)
    except ParityError as exc:
        out["error"] = str(exc)
        return out
    what = {"call": "Call", "put": "Put", "position": f"Position [{state['legs']}]"}[state["inst"]]
    title = (f"{GREEK_DISPLAY[state['greek']].label} of {what} — spot {state['S']:,.2f}, "
             f"vol {state['vol']:g}%, r {state['r']:g}%, q {state['q']:g}%")
    strikes = tuple(sorted({leg.strike for leg in legs if leg.kind != "stock"}))
    out["figure"] = greek_figure(grid, state["view"], title=title, theme=theme,
                                 spot=market["spot"], strikes=strikes)
    out["readout"] = _readout(state["inst"], legs, market, readout_days(state["dlo"], state["dhi"]))
    out["query"] = to_query(state)
    return out


def _readout(inst: str, legs, market: dict, days: tuple[int, ...] = READOUT_DAYS) -> dbc.Card:
    """Table of every Greek at the current spot (options struck at spot) for a few expiries in
    the chosen days range."""
    S = market["spot"]
    T = np.array(days) / 365.0
    if inst == "position":
        g = position_greeks(legs, S, T, market["r"], market["q"], market["sigma"])
        caption = "Position at current spot"
    else:
        g = bs_greeks(S, S, T, market["r"], market["q"], market["sigma"], inst == "call")
        caption = f"At-the-money {inst} (strike = spot)"
    header = html.Thead(html.Tr([html.Th("Greek"), html.Th("Unit")] +
                                [html.Th(f"{d} d", className="text-end") for d in days]))
    rows = [html.Tr([html.Td(GREEK_DISPLAY[n].label), html.Td(GREEK_DISPLAY[n].unit, className="small text-body-secondary")] +
                    [html.Td(fmt_greek(v * GREEK_DISPLAY[n].scale), className="text-end font-monospace")
                     for v in g[n]]) for n in GREEK_NAMES]
    return dbc.Card(dbc.CardBody([html.H6(caption, className="card-title"),
                                  dbc.Table([header, html.Tbody(rows)], size="sm", hover=True,
                                            class_name="mb-0")]), class_name="shadow-sm")


_OUT = ("figure", "alert", "show", "legs_invalid", "legs_feedback", "readout", "state")


@callback(
    output=dict(figure=Output(ids.GRAPH, "figure"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open"), legs_invalid=Output(ids.LEGS, "invalid"),
                legs_feedback=Output(ids.LEGS_FEEDBACK, "children"),
                readout=Output(ids.READOUT, "children"), state=Output(ids.STATE, "data")),
    inputs=dict(greek=Input(ids.GREEK, "value"), inst=Input(ids.INSTRUMENT, "value"),
                legs=Input(ids.LEGS, "value"), spot=Input(ids.SPOT, "value"), vol=Input(ids.VOL, "value"),
                rate=Input(ids.RATE, "value"), div=Input(ids.DIV, "value"),
                x_range=Input(ids.X_RANGE, "value"), days_range=Input(ids.DAYS_RANGE, "value"),
                view=Input(ids.VIEW, "value"), dark=Input(App.THEME_SWITCH, "value")),
)
def update(greek, inst, legs, spot, vol, rate, div, x_range, days_range, view, dark):
    state = dict(greek=greek, inst=inst, view=view, S=_float(spot), vol=vol, r=rate, q=div,
                 xlo=x_range[0], xhi=x_range[1], dlo=days_range[0], dhi=days_range[1], legs=legs or "")
    keep = dict.fromkeys(_OUT, no_update)
    try:
        res = render(state, theme_name(dark))
    except Exception:  # a bug, not bad input: log it, never show a traceback
        log.exception("Greeks page failed for %s", state)
        return {**keep, "alert": "Something went wrong computing this view; the error was logged.",
                "show": True, "legs_invalid": False, "legs_feedback": ""}
    if res["error"]:
        return {**keep, "alert": res["error"], "show": True,
                "legs_invalid": res["legs_error"] is not None, "legs_feedback": res["legs_error"] or ""}
    return dict(figure=res["figure"], alert="", show=False, legs_invalid=False, legs_feedback="",
                readout=res["readout"], state=res["query"])


@callback(
    output=dict(legs=Output(ids.LEGS, "value"), inst=Output(ids.INSTRUMENT, "value")),
    inputs=dict(name=Input(ids.PRESET, "value"), spot=State(ids.SPOT, "value")),
    prevent_initial_call=True,
)
def apply_preset(name, spot):
    if not name:
        return dict(legs=no_update, inst=no_update)
    spot = _float(spot)
    return dict(legs=preset_legs(name, spot if spot and spot > 0 else 100.0), inst="position")


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
