"""Portfolio optimizer: efficient frontiers under real constraints, Black-Litterman, risk parity, Kelly."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.figures import GRAPH_CONFIG as _CFG, empty_figure
from components.ids import Portfolio as ids
from components.ids import PortfolioDesk as pids
from components.ids import PortfolioKept as kids
from components.ids import Uploads
from components.url_state import link_key
from components.ids import Wiring as wids
from components.portfolio_state import (OBJECTIVE_KEYS, OBJECTIVE_LABELS as _OBJ_LABELS, SAMPLE_TICKERS,
                                        from_query, views_from_text)

dash.register_page(
    __name__, path="/portfolio", name="Portfolio", order=5, title="Parity · Portfolio",
    description="Efficient frontiers under bounds, sector caps, leverage and turnover limits; "
                "Black-Litterman views, risk parity, HRP, Kelly and CVaR, with a rebalance backtest.",
)

_WAIT = empty_figure("Optimising…")
#: Every control keeps the user's value for the browser session (Dash persistence in
#: sessionStorage): leaving the page and coming back shows the same inputs and result.
_KEEP = dict(persistence=True, persistence_type="session")


def _f(label, control, hint=None):
    kids = [dbc.Label(label, class_name="small fw-semibold mb-1"), control]
    if hint:
        kids.append(html.Div(hint, className="form-text mt-0"))
    return html.Div(kids, className="mb-2")


def _num(id_, value, **kw):
    return dbc.Input(id=id_, type="number", value=value, size="sm", debounce=True, **_KEEP, **kw)


def _data_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Universe", className="card-title"),
        dcc.Dropdown(id=ids.UNIVERSE, options=list(SAMPLE_TICKERS), value=s["universe"], multi=True, **_KEEP),
        dcc.DatePickerRange(id=ids.DATES, start_date=s["start"], end_date=s["end"],
                            display_format="YYYY-MM-DD", className="mt-2 mb-2", **_KEEP),
        html.Div([
            dcc.Upload(id=ids.UPLOAD_PRICES, children=dbc.Button("Upload prices CSV", size="sm",
                                                                 outline=True, color="secondary")),
            dcc.Upload(id=ids.UPLOAD_SECTORS, children=dbc.Button("Upload sector map", size="sm",
                                                                  outline=True, color="secondary")),
            dbc.Button("Sample", id=ids.SAMPLE, size="sm", outline=True, color="secondary"),
        ], className="d-flex gap-1 flex-wrap"),
        html.Div("Prices: dates × tickers (adjusted closes). Sectors: ticker,sector.",
                 className="form-text"),
        html.Div(id=Uploads.PORTFOLIO_PRICES_GUARD, className="small text-danger"),
        html.Div(id=Uploads.PORTFOLIO_SECTORS_GUARD, className="small text-danger"),
        dbc.Alert(id=ids.DATA_ALERT, is_open=False, color="danger", class_name="py-1 small mt-2"),
        html.Div(id=ids.DATA_INFO, className="small mt-1"),
    ]), class_name="shadow-sm mb-3")


def _model_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Estimates and objective", className="card-title"),
        dbc.Row([
            dbc.Col(_f("Expected returns", dbc.Select(id=ids.RET_METHOD, value=s["ret"], size="sm", **_KEEP, options=[
                {"label": "Historical mean", "value": "mean"}, {"label": "Exp. weighted", "value": "ema"},
                {"label": "CAPM-implied", "value": "capm"}]))),
            dbc.Col(_f("Risk model", dbc.Select(id=ids.RISK_METHOD, value=s["risk"], size="sm", **_KEEP, options=[
                {"label": "Sample", "value": "sample"}, {"label": "Ledoit-Wolf", "value": "ledoit_wolf"},
                {"label": "EWMA", "value": "ewma"}, {"label": "Semicovariance", "value": "semicovariance"}]))),
        ], class_name="g-2"),
        _f("Objective", dbc.Select(id=ids.OBJECTIVE, value=s["obj"], size="sm", **_KEEP,
                                   options=[{"label": _OBJ_LABELS[k], "value": k} for k in OBJECTIVE_KEYS])),
        dbc.Row([
            dbc.Col(_f("Target (% / yr)", _num(ids.TARGET, s["target"], step="any"))),
            dbc.Col(_f("Kelly fraction", _num(ids.KELLY, s["kelly"], min=0.01, max=1, step=0.05))),
            dbc.Col(_f("Risk-free (%)", _num(ids.RF, s["rf"], step="any"))),
        ], class_name="g-2"),
    ]), class_name="shadow-sm mb-3")


def _constraint_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Constraints", className="card-title"),
        dbc.Row([
            dbc.Col(_f("Min weight (%)", _num(ids.WMIN, s["wmin"], step="any"))),
            dbc.Col(_f("Max weight (%)", _num(ids.WMAX, s["wmax"], step="any"))),
            dbc.Col(_f("Gross leverage", _num(ids.LEVERAGE, s["lev"], min=1, step=0.1,
                                              placeholder="none"))),
        ], class_name="g-2"),
        _f("Sector caps", dbc.Input(id=ids.SECTOR_CAPS, value=s["caps"], size="sm", debounce=True, **_KEEP,
                                    placeholder="e.g. Financials=20%, Energy=10%")),
        dbc.Row([
            dbc.Col(_f("Turnover limit (%)", _num(ids.TURNOVER, s["turnover"], min=0, step="any",
                                                  placeholder="none"), "vs equal weight")),
            dbc.Col(_f("Rebalance", dbc.Select(id=ids.REBALANCE, value=s["rebal"], size="sm", **_KEEP, options=[
                {"label": "Monthly", "value": "M"}, {"label": "Quarterly", "value": "Q"}]))),
            dbc.Col(_f("Costs (bp)", _num(ids.COST, s["cost"], min=0, step="any"))),
        ], class_name="g-2"),
    ]), class_name="shadow-sm mb-3")


def _views_card(s):
    cols = [
        {"field": "asset", "headerName": "Asset", "editable": True, "cellEditor": "agSelectCellEditor",
         "cellEditorParams": {"values": list(SAMPLE_TICKERS)}},
        {"field": "vs", "headerName": "vs (relative)", "editable": True,
         "cellEditor": "agSelectCellEditor", "cellEditorParams": {"values": [""] + list(SAMPLE_TICKERS)}},
        {"field": "view", "headerName": "View (% / yr)", "editable": True, "type": "numericColumn"},
        {"field": "confidence", "headerName": "Confidence (%)", "editable": True, "type": "numericColumn"},
    ]
    return dbc.Card(dbc.CardBody([
        html.H6("Black-Litterman views", className="card-title"),
        dag.AgGrid(id=ids.VIEWS, columnDefs=cols, rowData=views_from_text(s["views"]),
                   columnSize="sizeToFit", dashGridOptions={"singleClickEdit": True,
                                                            "stopEditingWhenCellsLoseFocus": True},
                   style={"height": "170px"}),
        html.Div([dbc.Button("Add view", id=ids.ADD_VIEW, size="sm", outline=True, color="secondary"),
                  html.Span("Relative: asset outperforms 'vs' by the view. Clear the asset to drop a row.",
                            className="form-text ms-2")], className="mt-1"),
    ]), class_name="shadow-sm mb-3")


def layout(**query) -> dbc.Container:
    """Page layout; every input comes from the URL query (see ``components.portfolio_state``)."""
    s = from_query(query)
    return dbc.Container([
        html.Div([html.H3("Portfolio optimizer", className="mb-0"),
                  html.Div("Annualised over 252 trading days; long-only unless the minimum weight "
                           "is negative. Solved with cvxpy (Clarabel).", className="text-body-secondary small")],
                 className="mb-3"),
        dbc.Row([
            dbc.Col([_data_card(s), _model_card(s), _constraint_card(s), _views_card(s)], lg=4, xl=3,
                    class_name="no-print"),
            dbc.Col([
                html.Div([
                    dbc.Button("Optimise", id=ids.RUN, color="primary", class_name="me-2"),
                    dbc.Button("Cancel", id=ids.CANCEL, color="secondary", outline=True, disabled=True,
                               class_name="me-2"),
                    dbc.Button("Export weights CSV", id=ids.EXPORT, color="primary", outline=True,
                               class_name="me-3"),
                    dcc.Download(id=ids.DOWNLOAD),
                    html.Span("Notional ($)", className="small me-1"),
                    dbc.Input(id=wids.PORTFOLIO_NOTIONAL, type="number", value=1_000_000, min=1, step="any",
                              size="sm", style={"width": "9rem", "display": "inline-block"}, class_name="me-2",
                              persistence=True, persistence_type="session"),
                    dbc.Button("Add to book", id=wids.PORTFOLIO_ADD_BOOK, href="", color="primary",
                               outline=True, disabled=True,
                               title="Open the Risk page with the chosen weights × the notional as share counts"),
                    html.Div(id=wids.PORTFOLIO_BOOK_NOTE, className="small text-body-secondary mt-1"),
                ], className="mb-2 no-print"),
                dbc.Progress(id=ids.PROGRESS, value=0, max=100, class_name="mb-2", style={"height": "6px"}),
                dbc.Alert(id=ids.ALERT, is_open=False, color="warning", class_name="py-2"),
                html.Div(id=ids.SUMMARY, className="mb-3"),
                dbc.Row([
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.FRONTIER_GRAPH, figure=_WAIT, style={"height": "480px"}, config=_CFG),
                                     class_name="shadow-sm mb-3"), xl=7),
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.WEIGHTS_GRAPH, figure=_WAIT, style={"height": "480px"}, config=_CFG),
                                     class_name="shadow-sm mb-3"), xl=5),
                ]),
                dbc.Row([
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.BACKTEST_GRAPH, figure=_WAIT, style={"height": "440px"}, config=_CFG),
                                     class_name="shadow-sm mb-3"), xl=7),
                    dbc.Col(dbc.Card(dcc.Graph(id=ids.BL_GRAPH, figure=_WAIT, style={"height": "440px"}, config=_CFG),
                                     class_name="shadow-sm mb-3"), xl=5),
                ]),
            ], lg=8, xl=9, class_name="print-wide"),
        ]),
        dcc.Store(id=ids.DATA_KEY, data={"prices": None, "sectors": None}, storage_type="session"),
        dcc.Store(id=Uploads.PORTFOLIO_PRICES_FILE),
        dcc.Store(id=Uploads.PORTFOLIO_SECTORS_FILE),
        dcc.Store(id=Uploads.PORTFOLIO_PRICES),
        dcc.Store(id=Uploads.PORTFOLIO_SECTORS),
        dcc.Store(id=Uploads.PORTFOLIO_PRICES_LINK, data=link_key(query, "data")),
        dcc.Store(id=Uploads.PORTFOLIO_SECTORS_LINK, data=link_key(query, "sectors")),
        dcc.Store(id=ids.RESULT, storage_type="session"),
        dcc.Store(id=kids.RESULT_QUERY, storage_type="session"),
        dcc.Store(id=kids.BOOK_BASIS),
        dcc.Store(id=ids.STATE),
        dcc.Store(id=pids.VIEWS_KEPT, storage_type="session"),
        dcc.Store(id=pids.VIEWS_READY),
        dcc.Store(id=pids.AUTO_RUN),
        html.Div(id=ids.URL_DUMMY, hidden=True),
    ], fluid=True, class_name="py-3")
