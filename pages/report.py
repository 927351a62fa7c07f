"""Report builder: the views added from any page, ordered, annotated, exported, presented."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import Report as ids
from components.ids import ReportDraft as dids

dash.register_page(
    __name__, path="/report", name="Report", order=8, title="Parity · Report",
    description="Views added from any page with “Add to report”: order them, add a title, notes "
                "and a summary, export self-contained HTML, PDF, PNG/SVG, tables; meeting mode.",
)

_FORMATS = [("HTML", "html", "primary"), ("PDF", "pdf", "primary"), ("PNG (zip)", "png", "secondary"),
            ("SVG (zip)", "svg", "secondary"), ("Tables CSV", "csv", "secondary"),
            ("Tables XLSX", "xlsx", "secondary"), ("JSON", "json", "secondary")]


def layout(**_query) -> html.Div:
    """Page layout; the items come from the session store filled by the navbar's button."""
    meta = dbc.Card(dbc.CardBody([
        dbc.Label("Title", class_name="small fw-semibold mb-1"),
        dbc.Input(id=ids.TITLE, placeholder="Parity report", debounce=True, class_name="mb-2"),
        dbc.Label("Author", class_name="small fw-semibold mb-1"),
        dbc.Input(id=ids.AUTHOR, debounce=True, class_name="mb-2"),
        dbc.Label("Date", class_name="small fw-semibold mb-1"),
        dbc.Input(id=ids.DATE, type="date", debounce=True, class_name="mb-2"),
        dbc.Label("Summary", class_name="small fw-semibold mb-1"),
        dbc.Textarea(id=ids.SUMMARY, rows=4, debounce=True, class_name="mb-3"),
        dbc.Label("Paper (PDF)", class_name="small fw-semibold mb-1"),
        dbc.RadioItems(id=ids.PAPER, value="A4", inline=True, options=["A4", "Letter"]),
        dbc.Checklist(id=ids.LANDSCAPE, value=["landscape"], switch=True,
                      options=[{"label": "Landscape", "value": "landscape"}], class_name="mb-3"),
        html.Div([dbc.Button(label, id={"type": ids.EXPORT, "fmt": fmt}, color=color, size="sm",
                             class_name="me-1 mb-1") for label, fmt, color in _FORMATS]),
        dbc.Button("Cancel export", id=ids.CANCEL, size="sm", color="warning", outline=True,
                   disabled=True, class_name="mt-1"),
        dbc.Progress(id=ids.PROGRESS, value=0, class_name="mt-2", style={"height": "6px"}),
        html.Div(id=ids.STATUS, className="small text-body-secondary"),
        html.Hr(),
        dbc.Button("Meeting mode", id=ids.MEETING, color="success", class_name="me-2"),
        dbc.Button("Clear report", id=ids.CLEAR, color="danger", outline=True, size="sm"),
    ]), class_name="shadow-sm position-sticky", style={"top": "0.5rem"})
    return dbc.Container([
        html.Div([html.H3("Report", className="mb-0"),
                  html.Div("Press “Add to report” in the top bar on any page to add its charts, inputs "
                           "and data source here. The report you are building is kept for you, in "
                           "this browser and on the server (a new tab, another browser or the next "
                           "day shows it); save it with the workspace (Workspace → Save in the top "
                           "bar) to keep a copy with its pages and share it.",
                           className="text-body-secondary small"),
                  html.Div(id=dids.NOTE_TEXT, className="small text-warning-emphasis")],
                 className="mb-3"),
        dbc.Alert(id=ids.ALERT, is_open=False, dismissable=True, color="warning"),
        dbc.Row([dbc.Col(meta, lg=3, md=4, class_name="no-print"),
                 dbc.Col(html.Div(id=ids.LIST), lg=9, md=8)]),
        dcc.Download(id=ids.DOWNLOAD),
        dcc.Store(id=ids.SLIDE, data=0),
        dbc.Modal(dbc.ModalBody(html.Div(id=ids.SLIDE_BODY)), id=ids.SLIDES, is_open=False,
                  fullscreen=True, class_name="meeting", keyboard=True),
    ], fluid=True)
