"""Volatility surface studio: load a chain, fit SVI / SSVI / eSSVI / SABR, check arbitrage, compare."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import Surface as ids
from components.ids import SurfaceSlices, Uploads
from components.figures import GRAPH_CONFIG as _GRAPH_CONFIG
from components.surface_figures import MODEL_LABELS
from components.surface_state import MODELS, from_query
from components.url_state import link_key

dash.register_page(
    __name__, path="/surface", name="Vol surface", order=2, title="Parity · Vol surface",
    description="Load an option chain, clean it, infer forwards, fit SVI, SSVI, eSSVI and SABR, "
                "check butterfly and calendar arbitrage, and compare the fits.",
)

_MODEL_OPTIONS = [{"label": MODEL_LABELS[m], "value": m} for m in MODELS]


def _graph(id_: str, height: str) -> dbc.Card:
    return dbc.Card(dcc.Loading(dcc.Graph(id=id_, style={"height": height}, config=_GRAPH_CONFIG),
                                type="dot", delay_show=300), class_name="shadow-sm mb-3")


def _data_card() -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H6("Option chain", className="card-title"),
        dcc.Upload(id=ids.UPLOAD, children=html.Div([
            "Drop a CSV here or ", html.A("choose a file", className="link-primary")]),
            className="border border-2 rounded-3 text-center p-3 mb-2 text-body-secondary",
            style={"borderStyle": "dashed", "cursor": "pointer"}),
        html.Div("Canonical (expiry, strike, type, bid, ask[, quote_date, spot]), CBOE DataShop "
                 "EOD or vendor layouts; up to 50 MB.", className="form-text mt-0 mb-2"),
        html.Div(id=ids.UPLOAD_INFO, className="small text-danger mb-2"),
        dbc.Button("Use the embedded modelled SPX chain", id=ids.SAMPLE, color="secondary",
                   outline=True, size="sm", class_name="w-100 mb-2"),
        dbc.Alert(id=ids.LOAD_ALERT, is_open=False, color="danger", class_name="py-2 small"),
        html.Div(id=ids.CHAIN_INFO, className="small"),
        html.Details([html.Summary("Cleaning report", className="small fw-semibold"),
                      html.Div(id=ids.REPORT, className="small mt-1")], className="mt-2"),
    ]), class_name="shadow-sm mb-3")


def _model_card(s: dict) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H6("Models", className="card-title"),
        dbc.Checklist(id=ids.MODELS, value=s["models"], inline=True, options=_MODEL_OPTIONS),
        dbc.Label("SVI slices", class_name="small fw-semibold mt-2 mb-1",
                  html_for=SurfaceSlices.SLICES),
        dbc.RadioItems(id=SurfaceSlices.SLICES, value=s["slices"], options=[
            {"label": "independent (fast; may cross)", "value": "independent"},
            {"label": "joint (no calendar crossing)", "value": "joint"}]),
        html.Div("Joint: all slices fitted together, none below the one before (k in "
                 "[-1.5, 1.5]), butterfly-free; a background job.", className="form-text mt-0"),
        dbc.Progress(id=SurfaceSlices.JOINT_PROGRESS, value=0, striped=True, animated=True,
                     class_name="mt-1", style={"height": "6px"}),
        html.Div([html.Span(id=SurfaceSlices.JOINT_STATUS, className="small text-body-secondary me-2"),
                  dbc.Button("Cancel", id=SurfaceSlices.JOINT_CANCEL, size="sm", color="link",
                             class_name="p-0 small", disabled=True)],
                 className="d-flex align-items-center"),
        dbc.Label("SABR β", class_name="small fw-semibold mt-2 mb-0"),
        dcc.Slider(0, 1, 0.05, value=s["beta"], id=ids.BETA, marks={0: "0", 0.5: "0.5", 1: "1"},
                   tooltip={"placement": "bottom"}),
        dbc.Label("Drawn in 3D and residuals", class_name="small fw-semibold mt-2 mb-1"),
        dbc.RadioItems(id=ids.SHOW, value=s["show"], inline=True, options=_MODEL_OPTIONS),
        dbc.Label("Smiles shown", class_name="small fw-semibold mt-2 mb-1"),
        dcc.Dropdown(id=ids.EXPIRIES, multi=True, placeholder="Expiries…"),
    ]), class_name="shadow-sm mb-3")


def _export_card() -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H6("Export", className="card-title"),
        dbc.ButtonGroup([
            dbc.Button("Parameters CSV", id=ids.EXPORT_CSV, size="sm", outline=True, color="primary"),
            dbc.Button("JSON", id=ids.EXPORT_JSON, size="sm", outline=True, color="primary"),
            dbc.Button("Figures HTML", id=ids.EXPORT_HTML, size="sm", outline=True, color="primary"),
        ], class_name="w-100"),
        html.Div("PNG of any chart: the camera icon on the chart.", className="form-text"),
        dcc.Download(id=ids.DOWNLOAD),
    ]), class_name="shadow-sm mb-3")


def layout(**query) -> dbc.Container:
    """Page layout; ``models``, ``beta``, ``show`` and ``slices`` come from the URL query, and ``data`` (the
    key of a chain uploaded to this server) reopens that chain."""
    s = from_query(query)
    return dbc.Container([
        html.Div([html.H3("Volatility surface", className="mb-0"),
                  html.Div("Raw SVI per expiry (quasi-explicit fit; or all slices jointly, "
                           "without calendar crossing), SSVI (Gatheral-Jacquier, "
                           "arbitrage-free by construction), eSSVI (an SSVI slice per expiry "
                           "with its own ρ and ψ, Hendriks-Martini, arbitrage-free), Hagan SABR; "
                           "OTM quotes within "
                           "0.6–1.4 × forward.", className="text-body-secondary small")],
                 className="mb-3"),
        dbc.Row([
            dbc.Col([_data_card(), _model_card(s), _export_card()], lg=3, md=4, class_name="no-print"),
            dbc.Col([
                dbc.Alert(id=ids.ALERT, is_open=False, color="warning", class_name="py-2"),
                dbc.Card(dbc.CardBody([html.H6("Model comparison", className="card-title"),
                                       html.Div(id=ids.COMPARE),
                                       html.Div(id=SurfaceSlices.CROSSINGS, className="small mt-2"),
                                       html.Div(id=ids.ARBITRAGE, className="small mt-2")]),
                         class_name="shadow-sm mb-3"),
                dbc.Row([dbc.Col(_graph(ids.SURFACE_GRAPH, "520px"), xl=7),
                         dbc.Col(_graph(ids.TERM_GRAPH, "520px"), xl=5)]),
                _graph(ids.SMILES_GRAPH, "auto"),
                dbc.Row([dbc.Col(_graph(ids.RESIDUAL_GRAPH, "420px"), xl=6),
                         dbc.Col(dbc.Card(dbc.CardBody([
                             html.H6("Smile metrics (drawn model)", className="card-title"),
                             html.Div(id=ids.METRICS)]), class_name="shadow-sm mb-3"), xl=6)]),
            ], lg=9, md=8, class_name="print-wide"),
        ]),
        dcc.Store(id=ids.UPLOAD_STORE),
        dcc.Store(id=Uploads.SURFACE),
        dcc.Store(id=Uploads.SURFACE_LINK, data=link_key(query)),
        dcc.Store(id=ids.CHAIN_KEY),
        dcc.Store(id=ids.STATE),
        dcc.Store(id=SurfaceSlices.JOINT_DONE),
        html.Div(id=ids.URL_DUMMY, hidden=True),
    ], fluid=True, class_name="py-3")
