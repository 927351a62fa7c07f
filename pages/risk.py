"""Risk desk: a book of options, index units and cash — Greeks, limits, risk matrix, SPAN /
portfolio-margin / historical / custom scenarios, P/L explain and hedges."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.figures import empty_figure
from components.ids import Risk as ids
from components.ids import Uploads
from components.risk_state import (BAD_ROW_JS, BUILDER_FIELDS, LIMIT_FIELDS, from_query,
                                   rows_from_text)

dash.register_page(
    __name__, path="/risk", name="Risk", order=7, title="Parity · Risk",
    description="A book of SPX options, index units and cash valued off the fitted surface: desk "
                "Greeks and limits, the spot x vol risk matrix, SPAN, portfolio-margin and "
                "historical scenarios, P/L explain and the cheapest hedge.",
)

_CFG = {"displaylogo": False, "toImageButtonOptions": {"format": "svg", "filename": "parity-risk"}}
_LIMIT_LABELS = {"delta": "|Dollar delta| ($)", "gamma": "|Gamma| ($ delta per 1%)",
                 "vega": "|Vega| ($ per vol pt)", "theta": "|Theta| ($ per day)",
                 "var": "VaR 99% 1-day ($)", "es": "ES 99% 1-day ($)"}


def _graph(id_, height):
    return dbc.Card(dcc.Loading(dcc.Graph(id=id_, figure=empty_figure("Valuing…"),
                                          style={"height": height}, config=_CFG), delay_show=400),
                    class_name="shadow-sm mb-3")


def _book_card(s):
    cols = [
        # minimum widths that show a value: the grid scrolls sideways before a column is a sliver
        {"field": "symbol", "headerName": "Symbol", "editable": True, "minWidth": 190, "flex": 3},
        {"field": "quantity", "headerName": "Qty", "editable": True, "type": "numericColumn",
         "minWidth": 80, "flex": 1},
        {"field": "trade_price", "headerName": "Trade $", "editable": True,
         "type": "numericColumn", "minWidth": 90, "flex": 1},
        {"field": "multiplier", "headerName": "Mult", "editable": True, "type": "numericColumn",
         "minWidth": 70, "flex": 1},
    ]
    return dbc.Card(dbc.CardBody([
        html.H6("Book", className="card-title"),
        dag.AgGrid(id=ids.GRID, columnDefs=cols, rowData=rows_from_text(s["book"]),
                   columnSize="responsiveSizeToFit",
                   dashGridOptions={"singleClickEdit": True, "stopEditingWhenCellsLoseFocus": True,
                                    "rowSelection": "multiple"},
                   getRowStyle={"styleConditions": [{"condition": BAD_ROW_JS, "style": {
                       "backgroundColor": "rgba(220,53,69,0.18)"}}]},
                   style={"height": "260px"}),
        html.Div([
            dbc.Button("Add row", id=ids.ADD_ROW, size="sm", outline=True, color="secondary"),
            dbc.Button("Example book", id=ids.RESET, size="sm", outline=True, color="secondary",
                       class_name="ms-1"),
            dbc.Button("Clear", id=ids.CLEAR, size="sm", outline=True, color="secondary",
                       class_name="ms-1"),
            dbc.Button("Download CSV", id=ids.DOWNLOAD_BTN, size="sm", outline=True,
                       color="primary", class_name="ms-1"),
        ], className="mt-2"),
        html.Div([
            dbc.Button("Report JSON", id=ids.EXPORT_JSON, size="sm", outline=True,
                       color="primary"),
            dbc.Button("Figures HTML", id=ids.EXPORT_HTML, size="sm", outline=True,
                       color="primary", class_name="ms-1"),
            html.Span(" PNG/SVG of a chart: its camera icon.", className="form-text"),
        ], className="mt-1"),
        dcc.Upload(id=ids.UPLOAD, children=html.Div(["Drop a book CSV here or ",
                                                     html.A("choose a file")]),
                   className="border border-secondary-subtle rounded text-center small py-2 mt-2",
                   multiple=False),
        html.Div(id=Uploads.RISK_GUARD, className="small text-danger"),
        dcc.Store(id=Uploads.RISK_FILE),
        dcc.Store(id=Uploads.RISK),
        html.Div("Symbols: 'SPX 2011-03-19 1250 P', OCC 'SPXW 180216P02600000', 'SPX' (index "
                 "units), 'CASH'. Qty < 0 is short; multiplier defaults to 100 for options.",
                 className="form-text"),
        html.Div(id=ids.ROW_ERRORS, className="small text-danger mt-1"),
        dcc.Download(id=ids.DOWNLOAD),
    ]), class_name="shadow-sm mb-3")


def _market_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Market and limits", className="card-title"),
        html.Div(id=ids.MARKET_NOTE, className="small text-body-secondary mb-2"),
        dbc.Label("Smile under spot moves", class_name="small fw-semibold mb-0"),
        dbc.RadioItems(id=ids.STICKY, value=s["sticky"], inline=True, class_name="small mb-2",
                       options=[{"label": "Sticky strike", "value": "strike"},
                                {"label": "Sticky moneyness", "value": "moneyness"}]),
        dbc.Label("Valuation date: days after the chain date (surface rolls down)",
                  class_name="small fw-semibold mb-0"),
        dbc.Input(id=ids.VDAYS, type="number", value=s["vdays"], min=0, max=365, step=1,
                  size="sm", debounce=True, class_name="mb-2"),
        dbc.Row([dbc.Col([dbc.Label(_LIMIT_LABELS[k], class_name="small mb-0"),
                          dbc.Input(id={"type": ids.LIMIT, "metric": k}, type="number",
                                    value=s[f"l_{k}"], min=0, step="any", size="sm",
                                    debounce=True)], width=6, class_name="mb-1")
                 for k in LIMIT_FIELDS], class_name="g-2"),
    ]), class_name="shadow-sm mb-3")


def _builder_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Scenario builder", className="card-title"),
        dbc.Row([dbc.Col([dbc.Label(f"{lab} ({unit})", class_name="small mb-0"),
                          dbc.Input(id={"type": ids.BUILDER, "field": k}, type="number",
                                    value=s[f"s_{k}"], min=lo, max=hi, step="any", size="sm",
                                    debounce=True)], width=6, class_name="mb-1")
                 for k, (lab, unit, _, lo, hi) in BUILDER_FIELDS.items()], class_name="g-2"),
        html.Div("Shown under the scenario set 'Custom'. Skew: + raises puts; term: − lifts "
                 "the front.", className="form-text"),
    ]), class_name="shadow-sm mb-3")


def _hedge_card():
    return dbc.Card(dbc.CardBody([
        html.H6("Hedge", className="card-title"),
        dbc.Checklist(id=ids.HEDGE_TARGETS, value=["delta"], inline=True, class_name="small",
                      options=[{"label": g.capitalize(), "value": g}
                               for g in ("delta", "gamma", "vega", "theta")]),
        html.Div([dbc.Button("Find cheapest hedge", id=ids.HEDGE_RUN, size="sm", color="primary"),
                  dbc.Button("Add trades to book", id=ids.HEDGE_APPLY, size="sm", outline=True,
                             color="primary", class_name="ms-1", disabled=True)],
                 className="mt-1"),
        dcc.Loading(html.Div(id=ids.HEDGE_OUT, className="small mt-2"), delay_show=300),
        html.Div("Instruments: the index (2 bp spread) and the chain's listed OTM options; cost "
                 "= half the bid/ask spread per contract.", className="form-text"),
    ]), class_name="shadow-sm mb-3")


def layout(**query) -> dbc.Container:
    """Page layout; the book and the view come from the URL query (or the saved book)."""
    s = from_query(query)
    return dbc.Container([
        html.Div([html.H3("Risk desk", className="mb-0"),
                  html.Div("Positions valued off the fitted SVI surface of the default SPX chain; "
                           "desk units: $ delta, $ gamma per 1%, $ per vol point, $ per day.",
                           className="text-body-secondary small")], className="mb-3"),
        dbc.Alert(id=ids.ALERT, is_open=False, color="warning", class_name="py-2"),
        html.Div(id=ids.CARDS, className="mb-2"),
        dbc.Row([
            dbc.Col([_book_card(s), _market_card(s), _builder_card(s), _hedge_card()], lg=4),
            dbc.Col([
                _graph(ids.LADDER_GRAPH, "480px"),
                dbc.Row([
                    dbc.Col(dbc.Card(dbc.CardBody([
                        html.H6("Limits", className="card-title"),
                        html.Div(id=ids.LIMITS)]), class_name="shadow-sm mb-3"), xl=6),
                    dbc.Col(dbc.Card(dbc.CardBody([
                        html.H6("VaR / ES, 1 day", className="card-title"),
                        html.Div(id=ids.VAR_TABLE, className="small")]),
                        class_name="shadow-sm mb-3"), xl=6),
                ]),
                dbc.Card(dbc.CardBody([
                    dbc.Row([
                        dbc.Col(dbc.RadioItems(id=ids.SET, value=s["set"], inline=True,
                                               class_name="small", options=[
                                                   {"label": "Historical", "value": "historical"},
                                                   {"label": "SPAN 16", "value": "span"},
                                                   {"label": "Portfolio margin grid", "value": "pm"},
                                                   {"label": "Custom (builder)", "value": "custom"}]),
                                width="auto"),
                        dbc.Col(html.Span("Click a bar for the P/L by position.",
                                          className="form-text"), width="auto"),
                    ], class_name="mb-1"),
                    dcc.Graph(id=ids.SCEN_GRAPH, figure=empty_figure("Valuing…"),
                              style={"height": "540px"}, config=_CFG),
                    html.Div(id=ids.SCEN_TABLE, className="small"),
                ]), class_name="shadow-sm mb-3"),
                dbc.Row([dbc.Col(_graph(ids.DRILL_GRAPH, "460px"), xl=6),
                         dbc.Col(_graph(ids.EXPLAIN_GRAPH, "460px"), xl=6)]),
                dbc.Card(dbc.CardBody([
                    html.H6("Stock side: factor stress and correlation breakdown",
                            className="card-title"),
                    html.Div(id=ids.STOCKS)]), class_name="shadow-sm mb-3"),
                dbc.Card(dbc.CardBody([
                    dbc.RadioItems(id=ids.BUCKET_BY, value=s["bucket"], inline=True,
                                   class_name="small", options=[
                                       {"label": "Greeks by expiry", "value": "expiry"},
                                       {"label": "Greeks by moneyness (K/S)",
                                        "value": "moneyness"}]),
                    dcc.Graph(id=ids.BUCKET_GRAPH, figure=empty_figure("Valuing…"),
                              style={"height": "380px"}, config=_CFG)]),
                    class_name="shadow-sm mb-3"),
            ], lg=8),
        ]),
        dcc.Store(id=ids.REPORT),
        dcc.Store(id=ids.HEDGE_STORE),
        dcc.Store(id=ids.SAVED, storage_type="session"),
        dcc.Store(id=ids.INIT, data={"book": bool(s["book"]), "add": s["add"]}),
        html.Div(id=ids.URL_DUMMY, hidden=True),
    ], fluid=True, class_name="py-3")
