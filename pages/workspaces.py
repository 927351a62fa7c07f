"""Saved workspaces: list (owner, time, description), open, rename, copy, share, delete."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import Workspace as ids
from components.ids import WorkspaceShare as sids

dash.register_page(
    __name__, path="/workspaces", name="Workspaces", order=91, title="Parity · Workspaces",
    description="Saved workspaces: every page's inputs, the uploaded data by reference, chosen runs, "
                "notes and the report; open, rename, copy, share by link, delete.",
)

_COLS = [
    {"field": "name", "headerName": "Name (click to rename)", "editable": True, "filter": True,
     "minWidth": 200, "flex": 2},
    {"field": "owner", "headerName": "Owner", "filter": True, "minWidth": 120},
    {"field": "shared", "headerName": "Who may open it", "filter": True, "minWidth": 170},
    {"field": "updated", "headerName": "Saved (UTC)", "minWidth": 170, "sort": "desc"},
    {"field": "description", "headerName": "Description", "minWidth": 240, "flex": 3},
    {"field": "link", "headerName": "Share link (read-only)", "cellRenderer": "markdown", "minWidth": 170},
    {"field": "created", "headerName": "Created (UTC)", "minWidth": 170},
    {"field": "id", "hide": True},
]
_SELECTION = {"mode": "singleRow", "checkboxes": True, "enableClickSelection": True}


def share_control() -> dbc.Card:
    """Who may open the selected workspace: private, named users, everyone signed in (hidden
    until a workspace the user may change is selected)."""
    return dbc.Card(dbc.CardBody([
        html.Div("Who may open the selected workspace (besides its owner and admins)",
                 className="small fw-semibold mb-1"),
        dbc.Row([
            dbc.Col(dbc.RadioItems(id=sids.MODE, inline=True, value="private", class_name="small",
                                   options=[{"label": "Private", "value": "private"},
                                            {"label": "Named users", "value": "users"},
                                            {"label": "Everyone signed in", "value": "all"}]),
                    md="auto"),
            dbc.Col(dcc.Dropdown(id=sids.USERS, multi=True, options=[], value=[],
                                 placeholder="choose users", className="small"), md=4),
            dbc.Col(dbc.Button("Share", id=sids.APPLY, size="sm", color="primary", n_clicks=0),
                    md="auto"),
        ], class_name="g-2 align-items-center"),
        html.Div(id=sids.NOTE, className="small text-body-secondary mt-1"),
    ], class_name="py-2"), id=sids.CARD, class_name="mb-2 no-print", style={"display": "none"})


def layout(**_query) -> dbc.Container:
    """Page layout: the actions, the grid of workspaces and the delete confirmation."""
    confirm = dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Delete workspace?")),
        dbc.ModalBody(id=ids.CONFIRM_DELETE_TEXT),
        dbc.ModalFooter([dbc.Button("Cancel", id=ids.DELETE_NO, color="secondary", outline=True),
                         dbc.Button("Delete", id=ids.DELETE_YES, color="danger")]),
    ], id=ids.CONFIRM_DELETE, is_open=False)
    return dbc.Container([
        html.Div([html.H3("Workspaces", className="mb-0"),
                  html.Div("A workspace is every page's inputs, the uploaded data (by reference), the "
                           "chosen calibration and backtest runs, the positions, notes and the report. "
                           "Save from the Workspace menu in the top bar; open one here to continue it, "
                           "or send its link, which opens it read-only.",
                           className="text-body-secondary small")], className="mb-3"),
        dbc.Row([dbc.Col([
            dbc.Button("Open", id=ids.OPEN, size="sm", color="primary", class_name="me-2", disabled=True),
            dbc.Button("Make a copy", id=ids.COPY, size="sm", color="secondary", outline=True,
                       class_name="me-2", disabled=True),
            dbc.Button("Delete…", id=ids.DELETE, size="sm", color="danger", outline=True,
                       class_name="me-2", disabled=True),
            dbc.Button("Refresh", id=ids.REFRESH, size="sm", color="secondary", outline=True,
                       class_name="me-3"),
            html.Span(id=ids.EDIT_NOTE, className="small text-body-secondary"),
        ], md=7), dbc.Col(dbc.InputGroup([
            dbc.InputGroupText("Link"),
            dbc.Input(id=ids.SHARE, readonly=True, placeholder="select a workspace", size="sm"),
        ], size="sm"), md=5)], class_name="mb-2 g-2 no-print"),
        share_control(),
        dbc.Alert(id=ids.ALERT, is_open=False, color="info", dismissable=True, class_name="py-2"),
        dag.AgGrid(id=ids.GRID, columnDefs=_COLS, rowData=[], columnSize="responsiveSizeToFit",
                   getRowId="params.data.id",
                   dashGridOptions={"rowSelection": _SELECTION, "stopEditingWhenCellsLoseFocus": True,
                                    "singleClickEdit": True},
                   style={"height": "420px"}),
        confirm,
    ], fluid=True, class_name="py-3")
