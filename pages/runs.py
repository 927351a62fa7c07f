"""Runs registry: every calibration run, filtered, listed and compared side by side."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from components.ids import Runs as ids

dash.register_page(
    __name__, path="/runs", name="Runs", order=6, title="Parity · Runs",
    description="The registry of calibration runs: model, data fingerprint, parameters, metrics and "
                "time; filter them and compare runs side by side.",
)

_COLS = [
    {"field": "created", "headerName": "Created (UTC)", "checkboxSelection": True,
     "headerCheckboxSelection": True, "minWidth": 190},
    {"field": "model", "headerName": "Model", "filter": True},
    {"field": "kind", "headerName": "Kind", "filter": True},
    {"field": "rmse", "headerName": "IV RMSE (vol pts)", "type": "numericColumn",
     "valueFormatter": {"function": "params.value == null ? '' : d3.format('.3f')(params.value)"}},
    {"field": "n_quotes", "headerName": "Quotes", "type": "numericColumn"},
    {"field": "elapsed", "headerName": "Time (s)", "type": "numericColumn",
     "valueFormatter": {"function": "d3.format('.3f')(params.value)"}},
    {"field": "fingerprint", "headerName": "Data", "filter": True},
    {"field": "params", "headerName": "Parameters", "minWidth": 320, "flex": 2},
    {"field": "label", "headerName": "Label", "filter": True},
    {"field": "id", "hide": True},
]


def layout(**_query) -> dbc.Container:
    """Page layout: filters, the runs grid, and the comparison table."""
    return dbc.Container([
        html.Div([html.H3("Runs", className="mb-0"),
                  html.Div("Every calibration is stored with its data fingerprint, parameters, "
                           "metrics and settings (SQLite by default; DATABASE_URL chooses).",
                           className="text-body-secondary small")], className="mb-3"),
        dbc.Row([
            dbc.Col(dbc.Select(id=ids.MODEL, value="all", size="sm", options=[
                {"label": "All models", "value": "all"}] + [{"label": m, "value": m} for m in
                                                         ("heston", "bates", "merton", "vg", "cgmy")]), md=2),
            dbc.Col([dbc.Button("Refresh", id=ids.REFRESH, size="sm", color="secondary", outline=True,
                                class_name="me-2"),
                     dbc.Button("Delete selected", id=ids.DELETE, size="sm", color="danger", outline=True)]),
        ], class_name="mb-2 g-2"),
        dbc.Alert(id=ids.ALERT, is_open=False, color="info", class_name="py-2"),
        dag.AgGrid(id=ids.GRID, columnDefs=_COLS, rowData=[], columnSize="responsiveSizeToFit",
                   dashGridOptions={"rowSelection": "multiple", "suppressRowClickSelection": True},
                   style={"height": "360px"}),
        html.H5("Compare selected runs", className="mt-4"),
        html.Div(id=ids.COMPARE, children=html.Div("Tick two or more runs to compare them.",
                                                    className="text-body-secondary small")),
    ], fluid=True, class_name="py-3")
