"""Greeks page callbacks: controls -> core.pricing.greek_grid -> components.figures."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, Patch, State, html, no_update
from callbacks.registry import callback, clientside_callback

from callbacks.browser_js import REPLACE_URL_QUERY
from callbacks.theme import theme_name
from components.figures import TEMPLATES, greek_figure
from components.greek_units import GREEK_DISPLAY, fmt_greek
from components.greeks_state import leg_vols, preset_legs, readout_days, to_query, view_style
from components.ids import App
from components.ids import Greeks as ids
from components.ids import GreeksDesk as gids
from components.ids import GreeksViews as vids
from core._validate import number
from core.errors import ParityError
from core.pricing import GREEK_NAMES, bs_greeks, greek_grid, parse_legs, position_greeks

log = logging.getLogger(__name__)
GRID_POINTS = 61  # odd, so spot (the middle of a symmetric range) is a grid point


def render(state: dict, theme: str = "light") -> dict:
    """Compute the figure, readout and URL query for a page state.

    Returns a dict with ``figure``, ``readout`` (a component), ``query``, ``error`` (message or
    None) and ``legs_error`` (message or None). On error the figure is ``None``: the caller keeps
    the one on screen.
    """
    out = dict(figure=None, readout=None, query=None, error=None, legs_error=None, vols_note="")
    legs = ()
    if state["inst"] == "position":
        try:
            legs = parse_legs(state["legs"])
        except ParityError as exc:
            out["legs_error"] = out["error"] = str(exc)
            return out
    try:   # core validates, in the user's words and units ("spot must be a number above 0")
        market = dict(spot=number("spot", state["S"], above=0), sigma=number("vol", state["vol"], at_least=0,
                                                                             scale=0.01, unit="%"),
                      r=number("rate", state["r"], scale=0.01, unit="%"),
                      q=number("dividend yield", state["q"], scale=0.01, unit="%"))
    except ParityError as exc:
        out["error"] = str(exc)
        return out
    vols = leg_vols(state.get("lvol", ""), len(legs)) if legs else None
    if state.get("lvol") and legs and vols is None:
        out["vols_note"] = "The per-leg vols of the link no longer match the legs: every leg uses the vol slider."
    elif vols:
        out["vols_note"] = ("Per-leg vols from the Strategies page: " +
                            ", ".join(f"{leg.qty:+g} {leg.kind[0].upper()} {leg.strike:g} at {v:g}%"
                                      for leg, v in zip(legs, vols) if v is not None) +
                            ". The vol slider applies to legs without one.")
    try:
        grid = _grid(state, legs, vols, market)
    except ParityError as exc:
        out["error"] = str(exc)
        return out
    what = {"call": "Call", "put": "Put", "position": f"Position [{state['legs']}]"}[state["inst"]]
    vol_text = "per-leg vols" if vols else f"vol {market['sigma'] * 100:g}%"
    title = (f"{GREEK_DISPLAY[state['greek']].label} of {what} — spot {market['spot']:,.2f}, "
             f"{vol_text}, r {market['r'] * 100:g}%, q {market['q'] * 100:g}%")
    strikes = tuple(sorted({leg.strike for leg in legs if leg.kind != "stock"}))
    out["figure"] = greek_figure(grid, state["view"], title=title, theme=theme,
                                 spot=market["spot"], strikes=strikes, source=chart_source(bool(vols)))
    days = readout_days(state["dlo"], state["dhi"])
    out["readout"] = _readout(state["inst"], legs, market, days, vols)
    out["query"] = to_query(state)
    return out


def chart_source(leg_vols: bool = False) -> str:
    """What the Greeks chart is computed from: the page's inputs through Black-Scholes (no chain)."""
    vols = "each leg at its own vol from the Strategies link" if leg_vols else "one flat vol"
    return f"Black-Scholes at the inputs above ({vols}; no market data)"


def _sigmas(legs, vols, sigma: float) -> list[float]:
    return [sigma if not vols or vols[i] is None else vols[i] / 100 for i in range(len(legs))]


def _grid(state: dict, legs, vols, market: dict):
    """The Greek grid; with per-leg vols, the sum of each leg's grid at its own vol (Greeks are
    linear in the position)."""
    kw = dict(x_range=(state["xlo"], state["xhi"]), days_range=(state["dlo"], state["dhi"]), n=GRID_POINTS,
              spot=market["spot"], r=market["r"], q=market["q"])
    if not vols:
        return greek_grid(state["greek"], state["inst"], legs=legs, sigma=market["sigma"], **kw)
    grids = [greek_grid(state["greek"], "position", legs=(leg,), sigma=s, **kw)
             for leg, s in zip(legs, _sigmas(legs, vols, market["sigma"]))]
    total = grids[0]
    import dataclasses

    return dataclasses.replace(total, z=np.sum([g.z for g in grids], axis=0))


def _readout(inst: str, legs, market: dict, days: tuple[int, ...], vols=None) -> dbc.Card:
    """Table of every Greek at the current spot (options struck at spot) for expiries spread over
    the chosen days-to-expiry range; significant digits, so small Greeks never read 0.0000."""
    S = market["spot"]
    T = np.array(days) / 365.0
    if inst == "position":
        parts = [position_greeks((leg,), S, T, market["r"], market["q"], s)
                 for leg, s in zip(legs, _sigmas(legs, vols, market["sigma"]))]
        g = {n: np.sum([p[n] for p in parts], axis=0) for n in GREEK_NAMES}
        caption = "Position at current spot"
    else:
        g = bs_greeks(S, S, T, market["r"], market["q"], market["sigma"], inst == "call")
        caption = f"At-the-money {inst} (strike = spot)"
    header = html.Thead(html.Tr([html.Th("Greek"), html.Th("Unit")] +
                                [html.Th(f"{d} d", className="text-end") for d in days]))
    rows = [html.Tr([html.Td(GREEK_DISPLAY[n].label), html.Td(GREEK_DISPLAY[n].unit, className="small text-body-secondary")] +
                    [html.Td(fmt_greek(float(v) * GREEK_DISPLAY[n].scale), className="text-end font-monospace")
                     for v in np.broadcast_to(g[n], T.shape)]) for n in GREEK_NAMES]
    return dbc.Card(dbc.CardBody([html.H6(caption, className="card-title"),
                                  dbc.Table([header, html.Tbody(rows)], size="sm", hover=True,
                                            class_name="mb-0")]), class_name="shadow-sm")


def page_state(greek, inst, legs, spot, vol, rate, div, x_range, days_range, view, lvol) -> dict:
    """The page state (keys of ``components.greeks_state.DEFAULTS``) of the controls' values."""
    return dict(greek=greek, inst=inst, view=view, S=spot, vol=vol, r=rate, q=div,
                xlo=x_range[0], xhi=x_range[1], dlo=days_range[0], dhi=days_range[1], legs=legs or "",
                lvol=lvol or "")


def drawn_patch(graph: str, query: str) -> Patch:
    """Record in the ``DRAWN`` store that ``graph`` ('2d' or '3d') now shows ``query``, leaving the
    other graph's record alone: two callbacks draw the 3D graph, and a reply carrying a whole dict
    read when its request left could overwrite the other's newer record with an older one."""
    patch = Patch()
    patch[graph] = query
    return patch


def graph_of(view: str) -> str:
    """Which of the page's two graphs draws ``view``: '3d' (the surface) or '2d' (heatmap, slices)."""
    return "3d" if view == "surface" else "2d"


@callback(
    output=dict(figure=Output(ids.GRAPH, "figure"), figure3d=Output(vids.GRAPH_3D, "figure"),
                style2d=Output(vids.WRAP_2D, "style"), style3d=Output(vids.WRAP_3D, "style"),
                drawn=Output(vids.DRAWN, "data"), alert=Output(ids.ALERT, "children"),
                alert_open=Output(ids.ALERT, "is_open"), legs_invalid=Output(ids.LEGS, "invalid"),
                legs_feedback=Output(ids.LEGS_FEEDBACK, "children"), readout=Output(ids.READOUT, "children"),
                state=Output(ids.STATE, "data"), vols_note=Output(gids.LEG_VOLS_NOTE, "children"),
                lvol=Output(gids.LEG_VOLS, "data")),
    inputs=dict(greek=Input(ids.GREEK, "value"), inst=Input(ids.INSTRUMENT, "value"), legs=Input(ids.LEGS, "value"),
                spot=Input(ids.SPOT, "value"), vol=Input(ids.VOL, "value"), rate=Input(ids.RATE, "value"),
                div=Input(ids.DIV, "value"), x_range=Input(ids.X_RANGE, "value"),
                days_range=Input(ids.DAYS_RANGE, "value"), view=Input(ids.VIEW, "value"),
                dark=Input(App.THEME_SWITCH, "value")),
    state=dict(lvol=State(gids.LEG_VOLS, "data"), drawn=State(vids.DRAWN, "data")),
)
def update(greek, inst, legs, spot, vol, rate, div, x_range, days_range, view, dark, lvol, drawn=None):
    from dash import ctx

    drawn = dict(drawn or {})
    dropped = bool(lvol) and ctx.triggered_id == ids.LEGS  # new legs: the link's vols no longer apply
    lvol = "" if dropped else lvol
    state = page_state(greek, inst, legs, spot, vol, rate, div, x_range, days_range, view, lvol)
    out = dict(figure=no_update, figure3d=no_update, style2d=no_update, style3d=no_update, drawn=no_update,
               alert="", alert_open=False, legs_invalid=False, legs_feedback="",
               readout=no_update, state=no_update, vols_note=no_update, lvol="" if dropped else no_update)
    if ctx.triggered_id == App.THEME_SWITCH:  # display only: restyle the charts on screen, no data re-sent
        patch = theme_patch(theme_name(dark))
        return {**out, "figure": patch if drawn.get("2d") else no_update,
                "figure3d": patch if drawn.get("3d") else no_update, "alert": no_update, "alert_open": no_update,
                "legs_invalid": no_update, "legs_feedback": no_update}
    target = graph_of(view)
    shown = dict(style2d=view_style(target == "2d"), style3d=view_style(target == "3d"))
    query = to_query(state)
    if ctx.triggered_id == ids.VIEW and drawn.get(target) == query:
        # the other graph already shows these inputs (and the readout is the same): show it
        return {**out, **shown, "state": query, "alert": no_update, "alert_open": no_update,
                "legs_invalid": no_update, "legs_feedback": no_update}
    try:
        res = render(state, theme_name(dark))
    except Exception:  # a bug, not bad input: log it, never show a traceback
        log.exception("Greeks page failed for %s", state)
        return {**out, "alert": "Something went wrong computing this view; the error was logged.", "alert_open": True}
    if res["error"]:
        return {**out, "alert": f"{res['error']}. The charts show the last valid inputs.", "alert_open": True,
                "legs_invalid": res["legs_error"] is not None,
                "legs_feedback": res["legs_error"] or ""}
    return {**out, **shown, "figure" if target == "2d" else "figure3d": res["figure"],
            "drawn": drawn_patch(target, res["query"]), "readout": res["readout"], "state": res["query"],
            "vols_note": res["vols_note"]}


# Switching between the 2D and 3D views when the other graph already shows the page's inputs
# (its drawn query equals the one on screen but for the view) is a display change: the browser
# shows that graph at once; the server's reply then changes nothing on screen. Otherwise the
# graph on screen stays until the server has drawn the other one (never a stale chart).
clientside_callback(
    """
    function(view, drawn) {
        const nu = window.dash_clientside.no_update;
        const target = view === 'surface' ? '3d' : '2d', other = target === '3d' ? '2d' : '3d';
        if (!drawn || !drawn[target] || !drawn[other]) { return [nu, nu]; }
        const strip = function (q) { const p = new URLSearchParams(q); p.delete('view'); return p.toString(); };
        const want = new URLSearchParams(drawn[target]).get('view');
        if (strip(drawn[target]) !== strip(drawn[other]) || want !== view) { return [nu, nu]; }
        return [%s, %s].map(function (styles) { return styles[target === '2d' ? 0 : 1]; });
    }
    """ % (json.dumps([view_style(True), view_style(False)]), json.dumps([view_style(False), view_style(True)])),
    Output(vids.WRAP_2D, "style", allow_duplicate=True),
    Output(vids.WRAP_3D, "style", allow_duplicate=True),
    Input(ids.VIEW, "value"),
    State(vids.DRAWN, "data"),
    prevent_initial_call=True,
)


# The 3D graph is drawn ahead, in the background: creating a WebGL scene is the slow part of
# the first switch to 3D (in a software renderer ~0.6-1.3 s; updating a live scene costs a
# fraction of it). Once the 2D graph is drawn and the page has been idle for PREFETCH_QUIET_MS
# (no newer draw: a user moving a slider is not made to wait for a scene), the browser asks the
# server for the 3D figure of the same inputs and draws it in the hidden graph. The reply is
# drawn only while the 3D graph is still hidden and the theme unchanged (else it is dropped: the
# view switch draws it the usual way), so a chart drawn for older inputs never comes on screen.
PREFETCH_QUIET_MS = 500
clientside_callback(
    """
    function(drawn, view) {
        const nu = window.dash_clientside.no_update;
        if (!drawn || !drawn['2d'] || view === 'surface') { return nu; }
        const strip = function (q) { const p = new URLSearchParams(q); p.delete('view'); return p.toString(); };
        if (drawn['3d'] && strip(drawn['3d']) === strip(drawn['2d'])) { return nu; }
        const want = drawn['2d'], seq = window.__greeksPrefetch = (window.__greeksPrefetch || 0) + 1;
        const idle = window.requestIdleCallback || function (f) { return setTimeout(f, 0); };
        return new Promise(function (resolve) {
            setTimeout(function () {
                idle(function () { resolve(seq === window.__greeksPrefetch ? want : nu); }, {timeout: 2000});
            }, %d);
        });
    }
    """ % PREFETCH_QUIET_MS,
    Output(vids.PREFETCH, "data"),
    Input(vids.DRAWN, "data"),
    State(ids.VIEW, "value"),
    prevent_initial_call=True,
)


@callback(
    output=dict(prefetched=Output(vids.PREFETCHED, "data")),
    inputs=dict(want=Input(vids.PREFETCH, "data")),
    state=dict(greek=State(ids.GREEK, "value"), inst=State(ids.INSTRUMENT, "value"), legs=State(ids.LEGS, "value"),
               spot=State(ids.SPOT, "value"), vol=State(ids.VOL, "value"), rate=State(ids.RATE, "value"),
               div=State(ids.DIV, "value"), x_range=State(ids.X_RANGE, "value"),
               days_range=State(ids.DAYS_RANGE, "value"), lvol=State(gids.LEG_VOLS, "data"),
               dark=State(App.THEME_SWITCH, "value")),
    prevent_initial_call=True,
)
def prefetch_3d(want, greek, inst, legs, spot, vol, rate, div, x_range, days_range, lvol, dark):
    """The 3D figure of the inputs the 2D graph shows (``want``, its drawn query), for the hidden
    3D graph; nothing when the inputs have moved on since (a newer request follows) or are invalid."""
    if not want:
        return dict(prefetched=no_update)
    shown_view = dict(parse_qsl(want.lstrip("?"))).get("view", "")
    state = page_state(greek, inst, legs, spot, vol, rate, div, x_range, days_range, shown_view, lvol)
    if to_query(state) != want:
        return dict(prefetched=no_update)
    try:
        res = render({**state, "view": "surface"}, theme_name(dark))
    except Exception:  # a bug, not bad input: log it; the view switch will say so
        log.exception("Greeks 3D prefetch failed for %s", state)
        return dict(prefetched=no_update)
    if res["figure"] is None:
        return dict(prefetched=no_update)
    return dict(prefetched=dict(query=res["query"], dark=bool(dark), figure=res["figure"]))


clientside_callback(
    """
    function(got, view, dark, drawn) {
        const nu = window.dash_clientside.no_update;
        if (!got || view === 'surface' || Boolean(dark) !== got.dark || (drawn && drawn['3d'] === got.query)) {
            return [nu, nu];
        }
        return [got.figure, Object.assign({}, drawn || {}, {'3d': got.query})];
    }
    """,
    Output(vids.GRAPH_3D, "figure", allow_duplicate=True),
    Output(vids.DRAWN, "data", allow_duplicate=True),
    Input(vids.PREFETCHED, "data"),
    State(ids.VIEW, "value"),
    State(App.THEME_SWITCH, "value"),
    State(vids.DRAWN, "data"),
    prevent_initial_call=True,
)

# WebGL draws at plotly's plotGlPixelRatio, 2 by default whatever the screen: on a 1x screen that
# is four times the pixels the screen shows (twice the time to create the 3D scene and to redraw
# it in a software renderer). Draw at the screen's own ratio (1 to 2); exported PNGs keep theirs.
clientside_callback(
    """
    function(_id, config) {
        const ratio = Math.min(2, Math.max(1, window.devicePixelRatio || 1));
        return Object.assign({}, config || {}, {plotGlPixelRatio: ratio});
    }
    """,
    Output(vids.GRAPH_3D, "config"),
    Input(vids.GRAPH_3D, "id"),
    State(vids.GRAPH_3D, "config"),
)


@callback(
    output=dict(legs=Output(ids.LEGS, "value"), inst=Output(ids.INSTRUMENT, "value")),
    inputs=dict(name=Input(ids.PRESET, "value"), spot=State(ids.SPOT, "value")),
    prevent_initial_call=True,
)
def apply_preset(name, spot):
    if not name:
        return dict(legs=no_update, inst=no_update)
    centre = spot if isinstance(spot, (int, float)) and spot > 0 else 100.0   # a default, not a check
    return dict(legs=preset_legs(name, centre), inst="position")


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)


def theme_patch(theme: str) -> Patch:
    """A ``dash.Patch`` that swaps the figure's template for ``theme`` (about 2 kB, no data)."""
    patch = Patch()
    patch["layout"]["template"] = TEMPLATES[theme].to_plotly_json()
    return patch

