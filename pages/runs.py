"""Runs registry: every calibration run, filtered, listed, labelled, opened and compared."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.calibration_figures import MODEL_LABELS, MODELS
from components.ids import Runs as ids

dash.register_page(
    __name__, path="/runs", name="Runs", order=6, title="Parity · Runs",
    description="The registry of calibration runs: model, data fingerprint, parameters, metrics and "
                "time; filter, label, open and compare runs side by side.",
)

_NUM = {"type": "rightAligned", "cellDataType": "number"}
_COLS = [
    {"field": "open", "headerName": "", "cellRenderer": "markdown", "minWidth": 90, "maxWidth": 100,
     "sortable": False},
    {"field": "created", "headerName": "Created (UTC)", "minWidth": 170},
    {"field": "model", "headerName": "Model", "filter": True, "minWidth": 110},
    {"field": "kind", "headerName": "Kind", "filter": True, "minWidth": 120},
    {"field": "label", "headerName": "Label (click to edit)", "editable": True, "filter": True,
     "minWidth": 200},
    {"field": "rmse", "headerName": "IV RMSE (vol pts)", **_NUM, "minWidth": 160,
     "valueFormatter": {"function": "params.value == null ? '' : d3.format('.3f')(params.value)"}},
    {"field": "n_quotes", "headerName": "Quotes", **_NUM, "minWidth": 100},
    {"field": "elapsed", "headerName": "Time (s)", **_NUM, "minWidth": 100,
     "valueFormatter": {"function": "params.value == null ? '' : d3.format('.3f')(params.value)"}},
    {"field": "fingerprint", "headerName": "Data", "filter": True, "minWidth": 130},
    {"field": "params", "headerName": "Parameters", "minWidth": 320, "flex": 2},
    {"field": "id", "hide": True},
]
#: AG Grid 35 selection API (the column-level checkboxSelection flags are deprecated).
_SELECTION = {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True,
              "enableClickSelection": False}


def _confirm() -> dbc.Modal:
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Delete runs?")),
        dbc.ModalBody(id=ids.CONFIRM_TEXT),
        dbc.ModalFooter([dbc.Button("Cancel", id=ids.CONFIRM_NO, color="secondary", outline=True),
                         dbc.Button("Delete", id=ids.CONFIRM_YES, color="danger")]),
    ], id=ids.CONFIRM, is_open=False)


def layout(**_query) -> dbc.Container:
    """Page layout: filters, the runs grid, and the comparison table."""
    return dbc.Container([
        html.Div([html.H3("Runs", className="mb-0"),
                  html.Div("Every calibration is stored with its data fingerprint, parameters, "
                           "metrics and settings (SQLite by default; DATABASE_URL chooses). "
                           "Open a run in the calibration lab, label it, or tick runs to compare.",
                           className="text-body-secondary small")], className="mb-3"),
        dbc.Row([
            dbc.Col(dbc.Select(id=ids.MODEL, value="all", size="sm", options=[
                {"label": "All models", "value": "all"}] + [{"label": MODEL_LABELS[m], "value": m}
                                                         for m in MODELS]), md=2),
            dbc.Col([dbc.Button("Refresh", id=ids.REFRESH, size="sm", color="secondary", outline=True,
                                class_name="me-2"),
                     dbc.Button("Delete selected…", id=ids.DELETE, size="sm", color="danger", outline=True)]),
        ], class_name="mb-2 g-2 no-print"),
        dbc.Alert([html.Span(id=ids.ALERT_TEXT),
                   dbc.Button("Undo", id=ids.UNDO, size="sm", color="link", class_name="ms-2 p-0 align-baseline",
                              style={"display": "none"})],
                  id=ids.ALERT, is_open=False, color="info", class_name="py-2"),
        dag.AgGrid(id=ids.GRID, columnDefs=_COLS, rowData=[], columnSize="responsiveSizeToFit",
                   getRowId="params.data.id",
                   dashGridOptions={"rowSelection": _SELECTION, "stopEditingWhenCellsLoseFocus": True,
                                    "singleClickEdit": True},
                   style={"height": "360px"}),
        html.H5("Compare selected runs", className="mt-4"),
        html.Div(id=ids.COMPARE, children=html.Div("Tick two or more runs to compare them.",
                                                    className="text-body-secondary small")),
        _confirm(),
        dcc.Store(id=ids.DELETED),
    ], fluid=True, class_name="py-3")
