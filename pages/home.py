"""Home: one card per analysis page, built from the page registry."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, path="/", name="Home", order=0, title="Parity",
                   description="Overview of the analyses.")


def layout(**_query) -> dbc.Container:
    """Cards for every registered analysis page (all pages but this one)."""
    pages = [p for p in dash.page_registry.values() if p["path"] not in ("/",) and p.get("order", 99) < 90]
    cards = [
        dbc.Col(dbc.Card([
            dbc.CardBody([
                html.H5(p["name"], className="card-title"),
                html.P(p.get("description", ""), className="card-text text-body-secondary"),
                dbc.Button(f"Open {p['name']}", href=p["relative_path"], color="primary", size="sm"),
            ]),
        ], class_name="h-100 shadow-sm"), md=6, lg=4, class_name="mb-4")
        for p in sorted(pages, key=lambda p: p.get("order", 99))
    ]
    return dbc.Container([
        html.Div([
            html.H2("Parity", className="fw-bold mb-1"),
            html.P("An analytics desk for options and portfolios: Greeks, volatility surfaces, "
                   "model calibration, strategies and portfolio optimisation on real market data.",
                   className="lead text-body-secondary"),
        ], className="py-4"),
        dbc.Row(cards),
    ], class_name="py-2")
