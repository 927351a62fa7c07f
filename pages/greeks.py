"""Greeks surfaces: any Greek of a call, a put or a small position against strike (or spot) and time."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.figures import empty_figure
from components.greek_units import GREEK_DISPLAY
from components.greeks_state import PRESETS, from_query, view_style
from components.ids import Greeks as ids
from components.ids import GreeksDesk as gids
from components.ids import GreeksViews as vids

dash.register_page(
    __name__, path="/greeks", name="Greeks", order=1, title="Parity · Greeks",
    description="3D surfaces, heatmaps and slices of every Greek against strike and time, "
                "for a call, a put or a multi-leg position.",
)


def _labelled(label: str, control, hint: str | None = None) -> html.Div:
    children = [dbc.Label(label, class_name="mb-1 small fw-semibold"), control]
    if hint:
        children.append(html.Div(hint, className="form-text mt-0"))
    return html.Div(children, className="mb-3")


def _controls(s: dict) -> dbc.Card:
    greek_options = [{"label": f"{d.label} ({d.unit})", "value": k} for k, d in GREEK_DISPLAY.items()]
    return dbc.Card(dbc.CardBody([
        _labelled("Greek", dcc.Dropdown(greek_options, s["greek"], id=ids.GREEK, clearable=False)),
        _labelled("Instrument", dbc.RadioItems(
            id=ids.INSTRUMENT, value=s["inst"], inline=True,
            options=[{"label": "Call", "value": "call"}, {"label": "Put", "value": "put"},
                     {"label": "Position", "value": "position"}])),
        _labelled("Position template", dcc.Dropdown(
            list(PRESETS), None, id=ids.PRESET, placeholder="Fill legs from a template…")),
        _labelled("Legs", html.Div([
            dbc.Input(id=ids.LEGS, value=s["legs"], debounce=True, type="text"),
            dbc.FormFeedback(id=ids.LEGS_FEEDBACK, type="invalid")]),
            "quantity, C/P/S, strike — e.g. +1 C 100, -1 P 95, +100 S"),
        html.Div(id=gids.LEG_VOLS_NOTE, className="form-text mt-n2 mb-2"),
        _labelled("Spot ($)", dbc.Input(id=ids.SPOT, type="number", value=s["S"],
                                        step="any", debounce=True)),
        _labelled("Volatility (%)", dcc.Slider(1, 100, value=s["vol"], id=ids.VOL, step=0.5,
                                               marks={v: str(v) for v in (1, 25, 50, 75, 100)},
                                               tooltip={"placement": "bottom"})),
        _labelled("Rate (% cont.)", dcc.Slider(-2, 10, value=s["r"], id=ids.RATE, step=0.05,
                                               marks={v: str(v) for v in (-2, 0, 2, 4, 6, 8, 10)},
                                               tooltip={"placement": "bottom"})),
        _labelled("Dividend yield (% cont.)", dcc.Slider(
            0, 10, value=s["q"], id=ids.DIV, step=0.05, marks={v: str(v) for v in (0, 2, 4, 6, 8, 10)},
            tooltip={"placement": "bottom"})),
        _labelled("Strike / spot axis (× spot)", dcc.RangeSlider(
            0.2, 3.0, value=[s["xlo"], s["xhi"]], id=ids.X_RANGE, step=0.05,
            marks={v: f"{v:g}" for v in (0.5, 1, 1.5, 2, 2.5, 3)},
            tooltip={"placement": "bottom"})),
        _labelled("Days to expiry", dcc.RangeSlider(
            0, 1825, value=[s["dlo"], s["dhi"]], id=ids.DAYS_RANGE, step=1,
            marks={0: "0", 365: "1y", 730: "2y", 1095: "3y", 1460: "4y", 1825: "5y"},
            tooltip={"placement": "bottom"})),
    ]), class_name="shadow-sm")


def _not_drawn():
    """The 3D graph before its first draw: a 2D placeholder with one empty trace (no WebGL scene
    until the 3D view is chosen; a chart with a trace, like every other chart on the page)."""
    fig = empty_figure("Drawing the 3D surface…")
    fig.add_scatter(x=[], y=[], hoverinfo="skip", showlegend=False)
    return fig


def _graph_config() -> dict:
    return {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": "parity-greeks", "scale": 2}}


def layout(**query) -> html.Div:
    """Page layout; the URL query (see ``components.greeks_state``) sets the initial inputs."""
    s = from_query(query)
    view = dbc.RadioItems(
        id=ids.VIEW, value=s["view"], class_name="btn-group", input_class_name="btn-check",
        label_class_name="btn btn-outline-primary btn-sm", label_checked_class_name="active",
        options=[{"label": "3D surface", "value": "surface"}, {"label": "Heatmap", "value": "heatmap"},
                 {"label": "Slices", "value": "slices"}])
    return dbc.Container([
        html.Div([html.H3("Greeks", className="mb-0"),
                  html.Div("Black-Scholes-Merton, European exercise; hover the chart for values "
                           "with units.", className="text-body-secondary small")],
                 className="mb-3"),
        dbc.Row([
            dbc.Col(_controls(s), lg=3, md=4, class_name="no-print"),
            dbc.Col([
                html.Div(view, className="mb-2"),
                dbc.Alert(id=ids.ALERT, is_open=False, color="warning", class_name="py-2"),
                # the 3D surface has its own graph beside the 2D one: once drawn, switching views
                # shows the other graph (no new WebGL scene when its inputs are unchanged)
                dbc.Card(html.Div([
                    html.Div(dcc.Graph(id=ids.GRAPH, style={"height": "620px"}, config=_graph_config()),
                             id=vids.WRAP_2D, style=view_style(s["view"] != "surface")),
                    html.Div(dcc.Graph(id=vids.GRAPH_3D, figure=_not_drawn(), style={"height": "620px"},
                                       config=_graph_config()),
                             id=vids.WRAP_3D, style=view_style(s["view"] == "surface")),
                ], style={"position": "relative", "height": "620px"}), class_name="shadow-sm mb-3"),
                html.Div(id=ids.READOUT),
            ], lg=9, md=8, class_name="print-wide"),
        ]),
        html.Div(id=ids.URL_DUMMY, hidden=True),
        dcc.Store(id=ids.STATE),
        dcc.Store(id=vids.DRAWN, data={}),
        dcc.Store(id=vids.PREFETCH),
        dcc.Store(id=vids.PREFETCHED),
        dcc.Store(id=gids.LEG_VOLS, data=s["lvol"]),
    ], fluid=True, class_name="py-3")
