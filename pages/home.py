"""Home: where to start, which data are loaded (with dates), the latest runs, and every page."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.ids import Home as ids

dash.register_page(__name__, path="/", name="Home", order=0, title="Parity",
                   description="Overview of the analyses.")

#: The first steps a new desk user takes, in order (page path, what to do there).
START = (
    ("/greeks", "Greeks", "See how delta, gamma and vega of one option move with spot and time."),
    ("/surface", "Vol surface", "Fit SVI, SSVI, eSSVI and SABR to the SPX sample chain (or upload your own) "
                                "and check it for arbitrage."),
    ("/strategies", "Strategies", "Price a template (a vertical, a condor…) and read its P/L and risk."),
    ("/portfolio", "Portfolio", "Optimise the 20-stock sample under real constraints and backtest it."),
)


def _start() -> dbc.Card:
    steps = [html.Li([html.A(name, href=path, className="fw-semibold"), f" — {what}"])
             for path, name, what in START]
    return dbc.Card(dbc.CardBody([html.H5("Where to start", className="card-title"),
                                  html.Ol(steps, className="mb-0 ps-3")]),
                    id=ids.START, class_name="h-100 shadow-sm")


def layout(**_query) -> dbc.Container:
    """Where to start, loaded data and recent runs (filled by ``callbacks.home``), then a card
    for every registered analysis page."""
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
        dbc.Row([
            dbc.Col(_start(), lg=4, class_name="mb-4"),
            dbc.Col(dbc.Card(dbc.CardBody([html.H5("Data loaded", className="card-title"),
                                           html.Div(id=ids.DATA, className="small")]),
                             class_name="h-100 shadow-sm"), lg=4, class_name="mb-4"),
            dbc.Col(dbc.Card(dbc.CardBody([html.H5("Your recent runs", className="card-title"),
                                           html.Div(id=ids.RUNS, className="small")]),
                             class_name="h-100 shadow-sm"), lg=4, class_name="mb-4"),
        ]),
        dbc.Row(cards),
    ], class_name="py-2")
