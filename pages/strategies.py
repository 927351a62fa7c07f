"""Strategy builder: multi-leg payoffs, probability of profit, Monte Carlo and what-if."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.figures import empty_figure
from components.ids import Strategies as ids
from components.ids import Wiring as wids
from components.ids import StrategiesDesk as dids
from components.strategy_state import (UNDERLYING_OPTIONS, VAR_HORIZON_OPTIONS, from_query,
                                       rows_from_text, template_options)

dash.register_page(
    __name__, path="/strategies", name="Strategies", order=3, title="Parity · Strategies",
    description="Build multi-leg positions from 31 templates or by hand: P/L today and at expiry, "
                "breakevens, probability of profit, margin, Monte Carlo VaR and what-if sliders.",
)

_CFG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg", "filename": "parity-strategy"}}
_BAD_ROW = ("params.data.type !== 'S' && (!(params.data.strike > 0) || !(params.data.days > 0))"
            " || !params.data.qty || !['C','P','S','c','p','s'].includes(params.data.type)")


def _f(label, control, width=None):
    return dbc.Col(html.Div([dbc.Label(label, class_name="small fw-semibold mb-1"), control], className="mb-2"),
                   width=width)


def _num(id_, value, **kw):
    # no min/max: the browser sends nothing for a value outside them, and the page could only say
    # "the box is empty"; the callbacks check every value and name it ("got -5")
    return dbc.Input(id=id_, type="number", value=value, size="sm", debounce=True, **kw)


def _market_card(s):
    options = template_options()
    return dbc.Card(dbc.CardBody([
        html.H6("Template and market", className="card-title"),
        dcc.Dropdown(options, s["template"], id=ids.TEMPLATE, clearable=False, className="mb-2"),
        dbc.RadioItems(id=ids.SOURCE, value=s["source"], inline=True, class_name="mb-2 small", options=[
            {"label": "Flat vol market", "value": "flat"},
            {"label": "Embedded modelled SPX chain (listed strikes, mids)", "value": "spx"}]),
        dbc.Row([_f("Spot ($)", _num(ids.SPOT, s["S"], step="any")),
                 _f("Vol (%)", _num(ids.VOL, s["vol"], step="any")),
                 _f("Target days", _num(ids.DAYS, s["days"], step="any"))], class_name="g-2"),
        dbc.Row([_f("Rate (%)", _num(ids.RATE, s["r"], step="any")),
                 _f("Div. yield (%)", _num(ids.DIV, s["q"], step="any")),
                 _f("Width (% spot)", _num(ids.WIDTH, s["width"], step="any"))], class_name="g-2"),
        html.Div(id=ids.MARKET_NOTE, className="form-text mt-0"),
        html.Div(id=dids.DATA_NOTE, className="small fw-semibold mt-1"),
    ]), class_name="shadow-sm mb-3")


def _legs_card(s):
    cols = [
        {"field": "type", "headerName": "Type", "editable": True, "cellEditor": "agSelectCellEditor",
         "cellEditorParams": {"values": ["C", "P", "S"]}, "minWidth": 64,
         "checkboxSelection": True},
        {"field": "strike", "headerName": "Strike", "editable": True, "type": "numericColumn"},
        {"field": "days", "headerName": "Days", "editable": True, "type": "numericColumn"},
        {"field": "qty", "headerName": "Qty", "editable": True, "type": "numericColumn"},
        {"field": "price", "headerName": "Entry $", "editable": True, "type": "numericColumn",
         "valueFormatter": {"function": "params.value == null ? '' : d3.format(',.4~f')(params.value)"}},
        {"field": "vol", "headerName": "Vol %", "editable": True, "type": "numericColumn",
         "valueFormatter": {"function": "params.value == null ? '' : d3.format('.2f')(params.value)"}},
    ]
    return dbc.Card(dbc.CardBody([
        html.H6("Legs", className="card-title"),
        # autoHeight: every leg is visible (six and more) without a scrollbar
        dag.AgGrid(id=ids.LEGS, columnDefs=cols, rowData=rows_from_text(s["legs"]), columnSize="sizeToFit",
                   defaultColDef={"minWidth": 58, "resizable": True},
                   dashGridOptions={"singleClickEdit": True, "stopEditingWhenCellsLoseFocus": True,
                                    "domLayout": "autoHeight", "rowHeight": 32, "headerHeight": 34,
                                    "rowSelection": "multiple", "suppressRowClickSelection": True},
                   getRowStyle={"styleConditions": [{"condition": _BAD_ROW,
                                                     "style": {"backgroundColor": "rgba(220,53,69,0.18)"}}]},
                   style={}),
        html.Div([dbc.Button("Add leg", id=ids.ADD_LEG, size="sm", outline=True, color="secondary"),
                  dbc.Button("Delete ticked legs", id=dids.DELETE_LEG, size="sm", outline=True, color="secondary",
                             class_name="ms-1"),
                  html.Span("Qty < 0 is short, in units of the underlying. Empty entry price: Black-Scholes at "
                            "the leg vol. No tick: Delete removes the last leg.", className="form-text ms-2")],
                 className="mt-1"),
        html.Div(id=ids.LEG_ERRORS, className="small text-danger mt-1"),
    ]), class_name="shadow-sm mb-3")


def _whatif_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("What if", className="card-title"),
        dbc.Label("Spot shift (%)", class_name="small fw-semibold mb-0"),
        dcc.Slider(-30, 30, 0.5, value=s["dS"], id=ids.SPOT_SHIFT, marks={v: f"{v:+d}" for v in (-30, -15, 0, 15, 30)},
                   tooltip={"placement": "bottom"}),
        dbc.Label("Vol shift (vol points)", class_name="small fw-semibold mb-0 mt-2"),
        dcc.Slider(-15, 30, 0.5, value=s["dvol"], id=ids.VOL_SHIFT, marks={v: f"{v:+d}" for v in (-15, 0, 15, 30)},
                   tooltip={"placement": "bottom"}),
        dbc.Label("Days forward", class_name="small fw-semibold mb-0 mt-2"),
        dcc.Slider(0, 365, 1, value=s["dfwd"], id=ids.DAYS_FWD, marks={v: str(v) for v in (0, 30, 90, 180, 365)},
                   tooltip={"placement": "bottom"}),
        html.Div(id=dids.VIEW_NOTE, className="small text-warning-emphasis"),
        dbc.Label("Valuation vol before expiry", class_name="small fw-semibold mb-0 mt-2"),
        dbc.RadioItems(id=ids.VOL_MODE, value=s["volmode"], class_name="small", options=[
            {"label": "Each leg's own vol (flat per leg)", "value": "legs"},
            {"label": "SVI surface, sticky strike (SPX chain)", "value": "strike"},
            {"label": "SVI surface, sticky delta (SPX chain)", "value": "delta"}]),
    ]), class_name="shadow-sm mb-3")


def _size_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Position size and risk", className="card-title"),
        dbc.Row([_f("Contract multiplier", _num(dids.MULTIPLIER, s["mult"], step="any")),
                 _f("Lots (contracts)", _num(dids.LOTS, s["lots"], step="any"))], class_name="g-2"),
        dbc.Label("VaR horizon (from the valuation date)", class_name="small fw-semibold mb-0"),
        dbc.RadioItems(id=dids.VAR_HORIZON, value=s["varh"], inline=True, class_name="small mb-2",
                       options=[{"label": lbl, "value": v} for v, lbl in VAR_HORIZON_OPTIONS]),
        dbc.Label("Underlying for margin", class_name="small fw-semibold mb-0"),
        dbc.RadioItems(id=dids.UNDERLYING, value=s["und"], class_name="small",
                       options=[{"label": lbl, "value": v} for v, lbl in UNDERLYING_OPTIONS]),
    ]), class_name="shadow-sm mb-3")


def layout(**query) -> dbc.Container:
    """Page layout; the whole position and view come from the URL query."""
    s = from_query(query, templates=[o["value"] for o in template_options()])
    if s["legs"]:
        s["template"] = s["template"] if query.get("template") else "custom"
    wait = empty_figure("Valuing…")
    return dbc.Container([
        html.Div([html.H3("Strategy builder", className="mb-0"),
                  html.Div("European options, Black-Scholes valuation per leg vol; P/L per unit of underlying "
                           "and per position (multiplier × lots), premiums included; days ACT/365.", className="text-body-secondary small")],
                 className="mb-3"),
        dbc.Row([
            dbc.Col([_market_card(s), _legs_card(s), _whatif_card(s), _size_card(s)], lg=5, xxl=4),
            dbc.Col([
                dbc.Alert(id=ids.ALERT, is_open=False, color="warning", class_name="py-2"),
                dbc.Card(dcc.Graph(id=ids.PAYOFF_GRAPH, figure=wait, style={"height": "470px"}, config=_CFG),
                         class_name="shadow-sm mb-3"),
                dbc.Row([
                    dbc.Col(html.Div(id=ids.SUMMARY), xl=7),
                    dbc.Col(dbc.Card(dbc.CardBody([
                        html.H6("Position Greeks (at shifted spot and date)", className="card-title"),
                        html.Div(id=ids.GREEKS),
                        dbc.Button("Open in the Greeks page", id=ids.GREEKS_LINK, href="", size="sm",
                                   color="primary", outline=True, class_name="mt-2 me-2"),
                        dbc.Button("Add to book", id=wids.STRATEGIES_ADD_BOOK, href="", size="sm",
                                   color="primary", outline=True, class_name="mt-2", disabled=True,
                                   title="Open the Risk page with these legs added to the book"),
                    ]), class_name="shadow-sm mb-3 small"), xl=5),
                ]),
                dbc.Row([
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.HEATMAP_GRAPH, figure=wait, style={"height": "400px"},
                                               config=_CFG), class_name="shadow-sm mb-3"), xl=6),
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.MC_GRAPH, figure=wait, style={"height": "400px"},
                                               config=_CFG), class_name="shadow-sm mb-3"), xl=6),
                ]),
                dbc.ButtonGroup([
                    dbc.Button("Position CSV", id=ids.EXPORT_CSV, size="sm", outline=True, color="primary"),
                    dbc.Button("Position JSON", id=ids.EXPORT_JSON, size="sm", outline=True, color="primary"),
                    dbc.Button("Figures HTML", id=ids.EXPORT_HTML, size="sm", outline=True, color="primary"),
                ]),
                html.Span(" PNG/SVG of a chart: the camera icon on it.", className="form-text"),
                dcc.Download(id=ids.DOWNLOAD),
            ], lg=7, xxl=8),
        ]),
        dcc.Store(id=ids.STATE),
        # the last view of this browser tab: back on the page without a query, it is restored
        dcc.Store(id=dids.SESSION, storage_type="session"),
        dcc.Store(id=dids.FRESH, data=not query),
        html.Div(id=ids.URL_DUMMY, hidden=True),
    ], fluid=True, class_name="py-3")
