"""The application shell: navbar built from the page registry, theme switch, page container."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import App
from components.ids import Report as rids
from components.ids import Wiring
from components.ids import WorkspaceShare as sids
from components.workspace_controls import workspace_helpers, workspace_menu

#: Largest upload when no app settings are at hand (layout validation outside a request), MiB.
DEFAULT_UPLOAD_MB = 50.0


def navbar() -> dbc.Navbar:
    """Top bar with one link per registered page (in ``order``) and the dark-mode switch.

    Returns
    -------
    dash_bootstrap_components.Navbar
        Brand, page links, the Workspace menu, "Add to report", the account link when sign-in
        is on, and the theme switch.
    """
    pages = sorted((p for p in dash.page_registry.values() if p.get("order", 99) < 90),
                   key=lambda p: p.get("order", 99))
    links = [dbc.NavItem(dbc.NavLink(p["name"], href=p["relative_path"], active="exact"))
             for p in pages if p["path"] != "/"]
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand([html.Img(src=dash.get_asset_url("favicon.svg"), height="26px",
                                  className="me-2"), "Parity"], href="/", class_name="fw-bold"),
        dbc.Nav(links, navbar=True, class_name="me-auto"),
        dbc.Button(["Add to report ", dbc.Badge("0", id=rids.COUNT, color="light", text_color="dark",
                                                 class_name="ms-1")],
                   id=rids.ADD, color="outline-light", size="sm", class_name="me-3 no-print",
                   title="Add this page's charts, inputs and data source to the report (/report)"),
        workspace_menu(),
        account_link(),
        dbc.Switch(id=App.THEME_SWITCH, label="Dark", value=False, persistence=True,
                   persistence_type="local", class_name="mb-0 text-light"),
    ], fluid=True), id=App.NAVBAR, color="dark", dark=True, class_name="mb-2 shadow-sm")


def account_link() -> dbc.NavLink | None:
    """The navbar's account link for the signed-in user.

    Returns
    -------
    dash_bootstrap_components.NavLink or None
        "NAME · Sign out" (to ``/logout``) when sign-in is on (``PARITY_AUTH``) and someone is
        signed in; None without sign-in or outside a request. The layout is built per request,
        so each user sees their own name.
    """
    from flask import current_app, has_request_context

    if not (has_request_context() and current_app.config.get("PARITY_AUTH")):
        return None
    from flask_login import current_user as account

    try:
        if not account.is_authenticated:
            return None
        name = account.name
    except Exception:  # no login manager on this app
        return None
    return dbc.NavLink([html.Span(name, className="fw-semibold"), " · Sign out"], href="/logout",
                       external_link=True, id=sids.ACCOUNT,
                       class_name="text-light small me-3 text-nowrap no-print")


def upload_limit_bytes() -> int:
    """The largest uploaded file in bytes: the running app's ``PARITY_MAX_UPLOAD_MB`` (MiB, the
    setting the server's request limit is built from), else :data:`DEFAULT_UPLOAD_MB`.

    Returns
    -------
    int
        Bytes (MiB × 2**20).
    """
    from flask import current_app, has_app_context

    mb = DEFAULT_UPLOAD_MB
    if has_app_context():
        settings = current_app.config.get("PARITY_SETTINGS")
        mb = getattr(settings, "max_upload_mb", mb) or mb
    return int(mb * 1024 * 1024)


def shell() -> html.Div:
    """Navbar, the page container, and hidden helpers (the upload limit the browser checks
    uploads against, from the server's own setting; the session's report items).

    Returns
    -------
    dash.html.Div
        The whole page shell around ``dash.page_container``.
    """
    return html.Div([navbar(), dash.page_container, html.Div(id=App.THEME_DUMMY, hidden=True),
                     dcc.Store(id=Wiring.UPLOAD_LIMIT, data=upload_limit_bytes()),
                     dcc.Store(id=rids.ITEMS, storage_type="session", data=[]),
                     dcc.Store(id=rids.META, storage_type="session", data={}),
                     dbc.Toast(id=rids.TOAST, header="Report", is_open=False, duration=4000,
                               dismissable=True, class_name="position-fixed top-0 end-0 m-3",
                               style={"zIndex": 2000}),
                     *workspace_helpers()])
