"""The navbar's Workspace menu, its save dialog and stores, and the read-only view's pieces."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import ReportDraft as dids
from components.ids import Workspace as ids

__all__ = ["workspace_menu", "workspace_helpers", "view_header", "not_found", "report_view",
           "draft_owner"]


def draft_owner() -> str:
    """Whose report draft this page keeps in the browser: the signed-in user's name.

    Returns
    -------
    str
        The name with sign-in on (``PARITY_AUTH``) and someone signed in; ``""`` without
        sign-in (the single user) or outside a request. The shell is built per request, so
        each user's pages keep (and restore) their own draft.
    """
    from flask import current_app, has_request_context

    if not (has_request_context() and current_app.config.get("PARITY_AUTH")):
        return ""
    from flask_login import current_user as account

    try:
        return str(account.name) if account.is_authenticated else ""
    except Exception:  # no login manager on this app
        return ""


def workspace_menu() -> dbc.DropdownMenu:
    """Navbar dropdown: the workspace in use, Save, Save as, Open/manage.

    Returns
    -------
    dash_bootstrap_components.DropdownMenu
    """
    return dbc.DropdownMenu([
        dbc.DropdownMenuItem("Save", id=ids.SAVE, n_clicks=0),
        dbc.DropdownMenuItem("Save as…", id=ids.SAVE_AS, n_clicks=0),
        dbc.DropdownMenuItem(divider=True),
        dbc.DropdownMenuItem("Open, rename, share…", href="/workspaces"),
    ], id=ids.MENU, label=html.Span("Workspace", id=ids.LABEL), nav=False, size="sm",
        color="outline-light", align_end=True, class_name="me-2 no-print",
        toggle_class_name="text-truncate", toggle_style={"maxWidth": "14rem"})


def workspace_helpers() -> list:
    """Stores, the save dialog and the confirmation toast (app level, in the shell).

    Returns
    -------
    list of Dash components
        The workspace in use (localStorage), the snapshot and restore stores, the save dialog
        and the toast.
    """
    dialog = dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Save workspace")),
        dbc.ModalBody([
            html.Div("Saves every page's inputs (their last links), the uploaded data by reference, "
                     "the chosen runs, the Strategies and Risk positions and the report.",
                     className="small text-body-secondary mb-2"),
            dbc.Label("Name", html_for=ids.NAME, class_name="small fw-semibold mb-1"),
            dbc.Input(id=ids.NAME, maxLength=200, placeholder="e.g. Monday risk review",
                      class_name="mb-2"),
            dbc.Label("Short description", html_for=ids.DESCRIPTION, class_name="small fw-semibold mb-1"),
            dbc.Input(id=ids.DESCRIPTION, maxLength=2000, class_name="mb-2"),
            dbc.Label("Notes", html_for=ids.NOTES, class_name="small fw-semibold mb-1"),
            dbc.Textarea(id=ids.NOTES, rows=4, class_name="mb-2"),
            dbc.Alert(id=ids.DIALOG_ALERT, is_open=False, color="danger", class_name="py-2 small"),
        ]),
        dbc.ModalFooter(dbc.Button("Save", id=ids.CONFIRM, color="primary", n_clicks=0)),
    ], id=ids.DIALOG, is_open=False)
    return [dcc.Store(id=ids.CURRENT, storage_type="local"),
            dcc.Store(id=dids.OWNER, data=draft_owner()), dcc.Store(id=dids.NOTE, data=""),
            dcc.Store(id=dids.PUSH), dcc.Store(id=dids.PUSHED), dcc.Store(id=dids.ASK),
            dcc.Store(id=dids.SYNCED),
            dcc.Store(id=ids.SNAPSHOT), dcc.Store(id=ids.RESTORE),
            html.Div(id=ids.RESTORE_DUMMY, hidden=True), dialog,
            dbc.Toast(id=ids.TOAST, header="Workspace", is_open=False, duration=6000,
                      dismissable=True, class_name="position-fixed top-0 end-0 m-3",
                      style={"zIndex": 2001})]


def not_found(text: str) -> dbc.Alert:
    """The plain message for a link that opens nothing.

    Parameters
    ----------
    text : str
        Why (unknown or garbled link, private, store unreachable).

    Returns
    -------
    dash_bootstrap_components.Alert
        A warning with the reason and a link to /workspaces.
    """
    return dbc.Alert([html.H5("This workspace link opens nothing", className="alert-heading"),
                      html.P(text, className="mb-1"),
                      html.A("See the saved workspaces", href="/workspaces")],
                     color="warning", id=ids.VIEW_ALERT)


def view_header(ws: dict, *, missing: list[str]) -> dbc.Card:
    """Name, owner, time, description, notes, data and runs of a workspace opened by link.

    Parameters
    ----------
    ws : dict
        ``Workspace.to_dict()``.
    missing : list of str
        Names of the uploads it references that are no longer stored (warned about).

    Returns
    -------
    dash_bootstrap_components.Card
    """
    state = ws.get("state") or {}
    uploads = state.get("uploads") or {}
    data = ", ".join(f"{u.get('name') or key[:12]}" + (f" ({u['size'] / 1024:,.0f} kB)" if u.get("size") else "")
                     for key, u in uploads.items()) or "the embedded sample data"
    runs = ", ".join(state.get("runs") or []) or "none"
    body = [
        html.Div([html.H4(ws.get("name", ""), className="mb-0 me-auto"),
                  dbc.Badge("read-only", color="secondary", class_name="me-2")],
                 className="d-flex align-items-center flex-wrap gap-2"),
        html.Div(f"Owner {ws.get('owner') or '(single user)'} · saved {ws.get('updated', '')[:19].replace('T', ' ')} UTC"
                 " · each page below is recomputed from its saved inputs; what you change here is "
                 "kept neither in this workspace nor in your own pages", className="small text-body-secondary"),
        html.P(ws.get("description") or "", className="mb-1") if ws.get("description") else None,
        html.Div([html.B("Notes: "), html.Span(state.get("notes"), style={"whiteSpace": "pre-wrap"})],
                 className="small mb-1") if state.get("notes") else None,
        html.Div([html.B("Data: "), data, html.B(" · Runs: "), runs], className="small"),
        dbc.Alert("Uploads this workspace names are no longer stored on this server: "
                  + ", ".join(missing) + ". Pages that use them show the sample data or say so; "
                  "upload the file again and save a copy.", color="warning",
                  class_name="small py-2 mt-2 mb-0") if missing else None,
    ]
    return dbc.Card(dbc.CardBody([b for b in body if b is not None]), class_name="mb-2 shadow-sm")


def report_view(items: list, meta: dict) -> html.Div:
    """The saved report, read-only: each item's title, inputs, data source, notes and charts.

    Parameters
    ----------
    items : list of dict
        The report items (``Workspace.report``).
    meta : dict
        Title, author, date, summary and per-item ``notes`` {item id: text}.

    Returns
    -------
    dash.html.Div or dash_bootstrap_components.Alert
        The cards (at most 6 charts per item), or a note that the report is empty.
    """
    if not items:
        return dbc.Alert("This workspace has no report items: nothing was added to its report "
                         "before it was saved.", color="info", class_name="mt-2")
    notes = (meta or {}).get("notes") or {}
    cards = []
    for n, item in enumerate(items, 1):
        figs = [f for f in item.get("figures") or [] if isinstance(f, dict)]
        text = notes.get(item.get("id")) or item.get("notes")
        cards.append(dbc.Card(dbc.CardBody([
            html.H5(f"{n}. {item.get('title', '')}", className="mb-1"),
            html.Div(html.Code(item.get("url", "")), className="small text-break"),
            html.Div(f"Data source: {item.get('source') or 'not shown on the page'}", className="small mb-1"),
            html.P(text, className="small", style={"whiteSpace": "pre-wrap"}) if text else None,
            dbc.Row([dbc.Col(dcc.Graph(figure={"data": f.get("data") or [], "layout": f.get("layout") or {}},
                                       config={"displaylogo": False}), md=6 if len(figs) > 1 else 12)
                     for f in figs[:6]], class_name="g-2"),
        ]), class_name="mb-3 shadow-sm"))
    head = html.Div([html.H5((meta or {}).get("title") or "Report", className="mb-0"),
                     html.Div(" · ".join(x for x in ((meta or {}).get("author"), (meta or {}).get("date")) if x),
                              className="small text-body-secondary"),
                     html.P((meta or {}).get("summary") or "", className="small")], className="my-2")
    return html.Div([head, *cards])
