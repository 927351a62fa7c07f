"""A shared workspace, read-only, at ``/w/<id>``: each saved page rebuilt from its saved inputs."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import Workspace as ids

dash.register_page(
    __name__, path_template="/w/<wid>", name="Shared workspace", order=95,
    title="Parity · Shared workspace",
    description="A saved workspace opened by its link: read-only, every page recomputed from its "
                "saved inputs; make a copy to edit.",
)


def layout(wid: str | None = None, **_query) -> dbc.Container:
    """Page layout; a callback opens the workspace named by the link (no I/O here)."""
    return dbc.Container([
        html.Div([html.Div(id=ids.VIEW_HEAD, children=dbc.Spinner(size="sm"), className="flex-grow-1"),
                  dbc.Button("Make a copy to edit", id=ids.VIEW_COPY, color="primary", size="sm",
                             class_name="ms-2 mt-2 no-print", style={"display": "none"},
                             title="Save a copy of this workspace as yours and open it to edit")],
                 className="d-flex align-items-start"),
        dbc.Tabs(id=ids.VIEW_TABS, children=[], class_name="mb-2"),
        html.Div(id=ids.VIEW_BODY),
        dcc.Store(id=ids.VIEW_ID, data=wid),
        dcc.Store(id=ids.VIEW_DOC),
    ], fluid=True, class_name="py-2")
