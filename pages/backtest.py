"""Backtest lab: options strategy rules over historical chains, trade replay, walk-forward."""
from __future__ import annotations

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components.backtest_state import (FIELDS, MODELLED_SPAN, REAL_LABEL, WF_METRICS, WF_PARAMS, from_query,
                                       named_keys, wf_from_query)
from components.figures import empty_figure
from components.ids import Backtest as ids
from components.ids import Uploads
from components.url_state import link_key
from components.ids import BacktestMore as more

dash.register_page(
    __name__, path="/backtest", name="Backtest", order=7, title="Parity · Backtest",
    description="Backtest options strategy rules on real or modelled SPX chains with honest fills "
                "and costs; replay any trade day by day; walk-forward with PBO and deflated Sharpe.",
)

_CFG = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "scale": 2}}
_IDS = {key: cid for key, cid, *_ in FIELDS}


def _f(label, control, width=None):
    return dbc.Col(html.Div([dbc.Label(label, class_name="small fw-semibold mb-1"), control],
                            className="mb-2"), width=width)


def _num(key, s, **kw):
    return dbc.Input(id=_IDS[key], type="number", value=s[key], size="sm", debounce=True, **kw)


def _sel(key, s, options):
    return dbc.Select(id=_IDS[key], value=s[key], size="sm",
                      options=[{"label": l, "value": v} for v, l in options])


def _data_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Data", className="card-title"),
        dbc.RadioItems(id=ids.SOURCE, value=s["source"], class_name="small mb-2", options=[
            {"label": "Real SPXW sample (2 Jan – 28 Feb 2018)", "value": "real"},
            {"label": "Upload multi-day files", "value": "upload"},
            {"label": "Modelled span (S&P 500 + VIX)", "value": "modelled"}]),
        dcc.Upload(id=ids.UPLOAD, multiple=True, accept=".csv,.txt,.gz,.zip", children=html.Div([
            "Drop CSVs or ", html.A("choose files", className="link-primary")]),
            className="border border-2 rounded-3 text-center p-2 mb-2 text-body-secondary small",
            style={"borderStyle": "dashed", "cursor": "pointer"}),
        dbc.Row([_f("Modelled from", dbc.Input(id=ids.START, type="text", value=s["start"], size="sm",
                                               debounce=True, placeholder=MODELLED_SPAN[0])),
                 _f("to", dbc.Input(id=ids.END, type="text", value=s["end"], size="sm", debounce=True,
                                    placeholder=MODELLED_SPAN[1]))], class_name="g-2"),
        html.Div(id=ids.DATA_INFO, className="small"),
    ]), class_name="shadow-sm mb-3")


def _rules_card(s):
    return dbc.Card(dbc.CardBody([
        html.H6("Rule", className="card-title"),
        dcc.Dropdown(id=ids.STRATEGY, value=s["strategy"], clearable=False, className="mb-2",
                     options=[{"label": "Iron condor", "value": "iron_condor"}]),
        dbc.Row([_f("Entry", _sel("entry", s, [("daily", "Every day"), ("weekly", "Weekly"),
                                                ("monthly", "Monthly")]), width=4),
                 _f("DTE", _num("dte", s, min=1, step=1)), _f("± days", _num("tol", s, min=0, step=1)),
                 _f("Far DTE (calendars)", _num("far", s, min=2, step=1))],
                class_name="g-2"),
        dbc.Row([_f("Strikes by", _sel("by", s, [("delta", "Delta"), ("moneyness", "Moneyness")])),
                 _f("Delta (%)", _num("delta", s, min=1, max=49, step="any")),
                 _f("Moneyness (%)", _num("mny", s, min=0.1, max=49, step="any"))], class_name="g-2"),
        dbc.Row([_f("Wing width (pts)", _num("width", s, min=1, step="any")),
                 _f("Profit target (% max)", _num("pt", s, min=1, step="any", placeholder="off")),
                 _f("Stop loss (%)", _num("sl", s, min=1, step="any", placeholder="off"))], class_name="g-2"),
        dbc.Row([_f("Stop of", _sel("basis", s, [("credit", "Credit"), ("max_loss", "Max loss")])),
                 _f("Exit at DTE", _num("xdte", s, min=0, step=1, placeholder="off")),
                 _f("Max days held", _num("maxd", s, min=1, step=1, placeholder="off"))], class_name="g-2"),
        dbc.Row([_f("Sizing", _sel("size", s, [("fixed", "Fixed contracts"), ("risk_pct", "% equity at risk"),
                                               ("vol_scaled", "Vol-scaled")]), width=5),
                 _f("Contracts", _num("n", s, min=0.01, step="any")),
                 _f("Risk (% equity)", _num("risk", s, min=0.01, max=100, step="any"))], class_name="g-2"),
        dbc.Row([_f("Max open", _num("maxpos", s, min=1, step=1)),
                 _f("Capital ($)", _num("cap", s, step="any")),
                 _f("Fill", _sel("fill", s, [("spread", "% of spread"), ("mid", "Mid"), ("natural", "Natural")]))],
                class_name="g-2"),
        dbc.Row([_f("Fill (% of spread)", _num("ff", s, min=0, max=100, step="any")),
                 _f("Commission ($/contract)", _num("comm", s, min=0, step="any")),
                 _f("Fees ($/contract)", _num("fees", s, min=0, step="any"))], class_name="g-2"),
        html.Div("Buys fill at bid + f·spread, sells at ask − f·spread (66%: the multi-leg convention). "
                 "Cash settlement on the expiry close. Calendars and diagonals close whole at the front "
                 "expiry (front legs settled, back legs closed at that day's quotes).",
                 className="form-text mt-0"),
        html.Div([dbc.Button("Run backtest", id=ids.RUN, color="primary", class_name="me-2"),
                  dbc.Button("Cancel", id=ids.CANCEL, color="secondary", outline=True, disabled=True)],
                 className="mt-2"),
        dbc.Progress(id=ids.PROGRESS, value=0, max=100, class_name="mt-2", style={"height": "6px"}),
        html.Div(id=ids.STATUS, className="small text-body-secondary mt-1"),
        html.Div(id=ids.SAVED, className="small mt-1"),
    ]), class_name="shadow-sm mb-3")


def _graph(id_, msg, height):
    return dcc.Graph(id=id_, figure=empty_figure(msg), config=_CFG, style={"height": height})


def _replay_card():
    return dbc.Card(dbc.CardBody([
        html.H6("Replay a trade", className="card-title"),
        dbc.Row([
            dbc.Col(dcc.Dropdown(id=ids.TRADE_PICK, placeholder="Pick a trade", clearable=False), md=5),
            dbc.Col(dbc.Button("▶ Play", id=ids.PLAY, size="sm", color="secondary", outline=True), width="auto"),
            dbc.Col(dcc.Slider(id=ids.DAY, min=0, max=1, step=1, value=0, marks=None,
                               tooltip={"placement": "bottom"}), md=5),
        ], class_name="g-2 align-items-center mb-2"),
        dcc.Interval(id=ids.TICK, interval=700, disabled=True),
        dbc.Row([
            dbc.Col(_graph(ids.PAYOFF_GRAPH, "Run a backtest, then pick a trade.", "380px"), xl=7),
            dbc.Col([html.Div(id=ids.GREEKS, className="small mb-2"),
                     _graph(ids.ATTR_GRAPH, "Daily P&L attribution appears here.", "300px")], xl=5),
        ]),
    ]), class_name="shadow-sm mb-3")


def _wf_card(wf: dict):
    opts = [{"label": l, "value": f} for f, l, _ in WF_PARAMS]
    return dbc.Card(dbc.CardBody([
        html.H6("Walk-forward and overfitting", className="card-title"),
        dbc.Row([
            _f("Parameter 1", dbc.Select(id=ids.WF_PARAM1, value=wf["p1"], size="sm", options=opts)),
            _f("Values", dbc.Input(id=ids.WF_VALUES1, value=wf["v1"], size="sm", debounce=True)),
            _f("Parameter 2", dbc.Select(id=ids.WF_PARAM2, value=wf["p2"], size="sm", placeholder="(none)",
                                         options=[{"label": "(none)", "value": ""}] + opts)),
            _f("Values", dbc.Input(id=ids.WF_VALUES2, value=wf["v2"], size="sm", debounce=True)),
        ], class_name="g-2"),
        dbc.Row([
            _f("Train (dates)", dbc.Input(id=ids.WF_TRAIN, type="number", value=wf["train"], min=2, step=1, size="sm")),
            _f("Test (dates)", dbc.Input(id=ids.WF_TEST, type="number", value=wf["test"], min=2, step=1, size="sm")),
            _f("Choose by", dbc.Select(id=ids.WF_METRIC, value=wf["metric"], size="sm", options=[
                {"label": l, "value": v} for v, l in WF_METRICS.items()])),
            _f(" ", dbc.Checkbox(id=ids.WF_ANCHORED, value=wf["anchored"], label="Anchored", class_name="small mt-1")),
        ], class_name="g-2"),
        html.Div([dbc.Button("Run walk-forward", id=ids.WF_RUN, color="primary", size="sm", class_name="me-2"),
                  dbc.Button("Cancel", id=ids.WF_CANCEL, color="secondary", outline=True, size="sm",
                             disabled=True)]),
        dbc.Progress(id=ids.WF_PROGRESS, value=0, max=100, class_name="mt-2", style={"height": "6px"}),
        html.Div(id=ids.WF_STATUS, className="small text-body-secondary mt-1"),
        html.Div(id=more.WF_SAVED, className="small mt-1"),
        dbc.Alert(id=ids.WF_ALERT, is_open=False, color="danger", class_name="py-2 mt-2"),
        html.Div(id=ids.WF_SUMMARY, className="small my-2"),
        dbc.Row([
            dbc.Col(_graph(ids.WF_EQUITY_GRAPH, "In-sample vs out-of-sample equity appears here.", "360px"), xl=6),
            dbc.Col(_graph(ids.WF_HEAT_GRAPH, "Parameter stability across windows appears here.", "360px"), xl=6),
        ]),
        _graph(ids.WF_PBO_GRAPH, "The PBO logit histogram appears here.", "320px"),
    ]), class_name="shadow-sm mb-3")


def layout(**query) -> dbc.Container:
    """Page layout; the data source, modelled span and every rule field come from the URL query,
    and ``run`` (a registry id) brings back a stored backtest."""
    s = from_query(query)
    trade_cols = [
        {"field": "id", "headerName": "#", "maxWidth": 70},
        # widths that fit a date and four legs: the grid is sized before its rows arrive
        {"field": "entry", "headerName": "Entry", "minWidth": 115}, {"field": "exit", "headerName": "Exit",
                                                                       "minWidth": 115},
        {"field": "expiry", "headerName": "Expiry", "minWidth": 115},
        {"field": "legs", "headerName": "Legs (qty type strike)", "minWidth": 300},
        {"field": "contracts", "headerName": "Contracts", "type": "numericColumn", "maxWidth": 110},
        {"field": "credit", "headerName": "Credit (pts)", "type": "numericColumn",
         "valueFormatter": {"function": "d3.format(',.2f')(params.value)"}},
        {"field": "costs", "headerName": "Costs ($)", "type": "numericColumn",
         "valueFormatter": {"function": "d3.format(',.2f')(params.value)"}},
        {"field": "pnl", "headerName": "P&L ($)", "type": "numericColumn",
         "valueFormatter": {"function": "d3.format(',.0f')(params.value)"},
         "cellStyle": {"function": "params.value < 0 ? {color: '#dc3545'} : {color: '#198754'}"}},
        {"field": "pnl_mid", "headerName": "P&L at mid ($)", "type": "numericColumn",
         "valueFormatter": {"function": "d3.format(',.0f')(params.value)"}},
        {"field": "exit_reason", "headerName": "Exit"},
        {"field": "days_held", "headerName": "Days", "type": "numericColumn", "maxWidth": 90},
        {"field": "modelled_marks", "headerName": "Modelled marks", "type": "numericColumn", "maxWidth": 130},
    ]
    return dbc.Container([
        html.Div([html.H3("Backtest lab", className="mb-0"),
                  html.Div("Options rules over historical chains with fills at a fraction of the quoted spread, "
                           "commissions and cash settlement; every trade can be replayed day by day; "
                           "walk-forward with the probability of backtest overfitting and the deflated Sharpe.",
                           className="text-body-secondary small")], className="mb-3"),
        dbc.Row([
            dbc.Col([_data_card(s), _rules_card(s)], lg=4),
            dbc.Col([
                dbc.Alert(id=ids.ALERT, is_open=False, color="danger", class_name="py-2"),
                html.Div(id=ids.NOTES, className="small text-body-secondary mb-2"),
                dbc.Card(_graph(ids.EQUITY_GRAPH, "Press Run backtest (default: a daily 16-delta iron condor "
                                "on the " + REAL_LABEL + ").", "660px"), class_name="shadow-sm mb-3"),
                dbc.Row([
                    dbc.Col(dbc.Card(dbc.CardBody([html.H6("Metrics", className="card-title"),
                                                   html.Div(id=ids.METRICS, children=html.Div(
                                                       "No backtest yet.", className="text-body-secondary small"))]),
                                     class_name="shadow-sm mb-3"), xl=6),
                    dbc.Col(dbc.Card(_graph(ids.HIST_GRAPH, "Trade P&L histogram appears here.", "400px"),
                                     class_name="shadow-sm mb-3"), xl=6),
                ]),
                dbc.Card(dbc.CardBody([
                    html.Div([html.H6("Trade log", className="card-title d-inline me-3"),
                              dbc.Button("Export CSV", id=ids.EXPORT, size="sm", color="secondary", outline=True)],
                             className="mb-2"),
                    dag.AgGrid(id=ids.TRADES, columnDefs=trade_cols, rowData=[], columnSize="autoSize",
                               defaultColDef={"sortable": True, "resizable": True, "filter": True},
                               csvExportParams={"fileName": "parity-backtest-trades.csv"},
                               dashGridOptions={"rowSelection": "single", "animateRows": False},
                               style={"height": "300px"}),
                ]), class_name="shadow-sm mb-3"),
                _replay_card(),
                _wf_card(wf_from_query(query)),
            ], lg=8),
        ]),
        dcc.Store(id=ids.UPLOAD_STORE),           # {"error": message} of a refused upload
        dcc.Store(id=Uploads.BACKTEST),
        dcc.Store(id=Uploads.BACKTEST_LINK, data=link_key(query)),
        dcc.Store(id=ids.RESULT),
        dcc.Store(id=ids.REPLAY),
        dcc.Store(id=ids.REPLAY_LOST),
        dcc.Store(id=ids.WF_RESULT),
        dcc.Store(id=ids.RUN_ID),
        dcc.Store(id=ids.RUNS_QUERY, data=str(query.get("run", ""))[:40] or None),
        dcc.Store(id=more.WF_RUN_ID),
        dcc.Store(id=more.WF_QUERY, data=str(query.get("wf", ""))[:40] or None),
        dcc.Store(id=more.WF_NAMED, data=named_keys(query)),
        dcc.Store(id=more.WF_FORM),
        dcc.Store(id=ids.STATE),
        html.Div(id=ids.URL_DUMMY, hidden=True),
    ], fluid=True, class_name="py-3")
