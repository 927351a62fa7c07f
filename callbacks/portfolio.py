"""Portfolio optimizer callbacks: controls -> core.portfolio.allocate (background job) -> figures.

Uploaded prices and sector maps travel as the browser's data URLs in a store, so the background
job (another process, or a Celery worker on another host) can re-read them without server state.
"""
from __future__ import annotations

import logging
import math

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from callbacks.browser_js import REPLACE_URL_QUERY
from callbacks.theme import theme_name
from components.ids import App
from components.ids import Portfolio as ids
from components.portfolio_figures import backtest_figure, bl_figure, frontier_figure, weights_figure
from components.portfolio_state import to_query, views_to_text
from core.data import index_prices, load_prices, load_sectors, sample_prices, sample_sectors
from core.errors import ParityError
from core.portfolio.allocation import OBJECTIVES, AllocationSpec, allocate, parse_sector_caps

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
def data_for(store: dict | None) -> tuple[pd.DataFrame, dict]:
    """Prices and sector map for a data store (``None`` entries mean the embedded sample)."""
    store = store or {}
    prices = load_prices(store["prices"]) if store.get("prices") else _sample_with_indices()
    sectors = load_sectors(store["sectors"]) if store.get("sectors") else sample_sectors()
    return prices, sectors


def _sample_with_indices() -> pd.DataFrame:
    """The 20 sample stocks with the S&P 500 and NASDAQ closes of the arch package beside them."""
    return sample_prices().join(index_prices(), how="outer")


def _pct(x, default=None):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return default
    return v / 100.0 if math.isfinite(v) else default


def build_spec(state: dict) -> AllocationSpec:
    """An :class:`AllocationSpec` from the page's values (percent inputs become decimals)."""
    views = []
    for row in state.get("views") or []:
        if not row.get("asset") or row.get("view") in (None, ""):
            continue
        assets = {row["asset"]: 1.0}
        if row.get("vs"):
            assets[row["vs"]] = -1.0
        views.append({"assets": assets, "value": _pct(row["view"], 0.0),
                      "confidence": min(max(_pct(row.get("confidence"), 0.5), 0.0), 1.0)})
    lev = state.get("lev")
    return AllocationSpec(
        tickers=tuple(state["universe"] or ()), start=state.get("start"), end=state.get("end"),
        returns_method=state["ret"], risk_method=state["risk"], objective=state["obj"],
        target=_pct(state.get("target")), kelly_fraction=float(state.get("kelly") or 0.5),
        rf=_pct(state.get("rf"), 0.0), bounds=(_pct(state.get("wmin"), 0.0), _pct(state.get("wmax"), 1.0)),
        leverage=float(lev) if lev not in (None, "") else None,
        sector_caps=parse_sector_caps(state.get("caps") or ""),
        turnover=_pct(state.get("turnover")), rebalance=state.get("rebal") or "M",
        cost=(_pct(state.get("cost"), 0.0) or 0.0) / 100.0, views=tuple(views))


def payload(alloc) -> dict:
    """JSON-ready summary of an :class:`~core.portfolio.allocation.Allocation` for the figures."""
    w = alloc.weights
    tickers = [str(t) for t in w.index]
    cov = alloc.cov.loc[tickers, tickers].to_numpy()
    f = alloc.frontier
    i = int(f.max_sharpe_index(alloc.spec.rf))
    bt = alloc.backtest
    return {
        "tickers": tickers, "weights": w.to_numpy().tolist(),
        "risk_contrib": alloc.risk_contributions.reindex(w.index).to_numpy().tolist(),
        "ret": alloc.expected_return, "vol": alloc.volatility, "sharpe": alloc.sharpe,
        "div_ratio": alloc.diversification_ratio, "rf": alloc.spec.rf,
        "invested": float(w.sum()), "objective": alloc.spec.objective,
        "objective_label": OBJECTIVES[alloc.spec.objective],
        "frontier": {"risks": np.asarray(f.risks).tolist(), "returns": np.asarray(f.returns).tolist()},
        "tangency": {"vol": float(f.risks[i]), "ret": float(f.returns[i])},
        "assets": {"tickers": tickers, "mu": alloc.mu.reindex(w.index).to_numpy().tolist(),
                   "vol": np.sqrt(np.diag(cov)).tolist()},
        "prior": None if alloc.prior is None else alloc.prior.reindex(w.index).to_numpy().tolist(),
        "posterior": None if alloc.posterior is None else alloc.posterior.reindex(w.index).to_numpy().tolist(),
        "backtest": {"dates": pd.to_datetime(bt.dates).strftime("%Y-%m-%d").tolist(),
                     "equity": np.asarray(bt.equity).tolist(), "benchmark": np.asarray(bt.benchmark).tolist(),
                     "stats": bt.stats.to_dict(), "benchmark_stats": bt.benchmark_stats.to_dict(),
                     "rule": {"M": "monthly", "Q": "quarterly"}.get(bt.rebalance, bt.rebalance),
                     "cost_bps": alloc.spec.cost * 1e4},
        "notes": list(alloc.notes) + list(bt.notes),
    }


def summary_view(p: dict) -> dbc.Card:
    """Headline numbers of the chosen portfolio and its backtest, with the estimator notes."""
    s, b = p["backtest"]["stats"], p["backtest"]["benchmark_stats"]

    def stat(label, value):
        return dbc.Col(html.Div([html.Div(label, className="small text-body-secondary"),
                                 html.Div(value, className="fs-5 fw-semibold")]), xs=6, md=2)

    rows = [html.Tr([html.Td(name), *[html.Td(v, className="text-end") for v in vals]]) for name, vals in (
        ("chosen", [f"{s['ann_return']:.2%}", f"{s['ann_vol']:.2%}", f"{s['sharpe']:.2f}",
                    f"{s['max_drawdown']:.1%}", f"{s['turnover']:.0%}"]),
        ("equal weight", [f"{b['ann_return']:.2%}", f"{b['ann_vol']:.2%}", f"{b['sharpe']:.2f}",
                          f"{b['max_drawdown']:.1%}", f"{b['turnover']:.0%}"]))]
    head = html.Thead(html.Tr([html.Th("Backtest")] + [html.Th(h, className="text-end") for h in (
        "Return / yr", "Vol / yr", "Sharpe", "Max drawdown", "Turnover / yr")]))
    return dbc.Card(dbc.CardBody([
        dbc.Row([stat("Objective", p["objective_label"]), stat("Expected return", f"{p['ret']:.2%}"),
                 stat("Volatility", f"{p['vol']:.2%}"), stat("Sharpe", f"{p['sharpe']:.2f}"),
                 stat("Diversification ratio", f"{p['div_ratio']:.2f}"),
                 stat("Invested", f"{p['invested']:.0%}")], class_name="g-2 mb-2"),
        dbc.Table([head, html.Tbody(rows)], size="sm", class_name="mb-2 small"),
        html.Details([html.Summary("How the estimates were made", className="small"),
                      html.Ul([html.Li(n) for n in p["notes"]], className="small mb-0")]),
    ]), class_name="shadow-sm")


def weights_csv(p: dict) -> str:
    frame = pd.DataFrame({"ticker": p["tickers"], "weight": p["weights"],
                          "risk_contribution": p["risk_contrib"]})
    return frame.to_csv(index=False)


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
@callback(
    Output(ids.DATA_KEY, "data"), Output(ids.UNIVERSE, "options"), Output(ids.UNIVERSE, "value"),
    Output(ids.DATA_INFO, "children"), Output(ids.DATA_ALERT, "children"), Output(ids.DATA_ALERT, "is_open"),
    Input(ids.UPLOAD_PRICES, "contents"), Input(ids.UPLOAD_SECTORS, "contents"), Input(ids.SAMPLE, "n_clicks"),
    State(ids.UPLOAD_PRICES, "filename"), State(ids.UPLOAD_SECTORS, "filename"),
    State(ids.DATA_KEY, "data"), State(ids.UNIVERSE, "value"),
)
def load_data(prices_up, sectors_up, _sample, prices_name, sectors_name, store, universe):
    store = dict(store or {})
    trigger = ctx.triggered_id
    if trigger == ids.SAMPLE:
        store = {"prices": None, "sectors": None}
    elif trigger == ids.UPLOAD_PRICES and prices_up:
        store["prices"], store["prices_name"] = prices_up, prices_name
    elif trigger == ids.UPLOAD_SECTORS and sectors_up:
        store["sectors"], store["sectors_name"] = sectors_up, sectors_name
    try:
        prices, sectors = data_for(store)
    except ParityError as exc:
        name = prices_name if trigger == ids.UPLOAD_PRICES else sectors_name
        return no_update, no_update, no_update, no_update, f"Could not load {name}: {exc}", True
    tickers = [str(c) for c in prices.columns]
    if trigger is None:           # first load: keep the universe from the URL
        value = [t for t in universe or [] if t in tickers] or tickers
    else:
        value = tickers if trigger != ids.UPLOAD_SECTORS else no_update
    first, last = prices.index.min(), prices.index.max()
    info = html.Div([html.B(store.get("prices_name") or "Sample: 20 S&P 500 stocks (skfolio) + S&P 500, NASDAQ (arch)"),
                     f" · {len(tickers)} assets · {first:%Y-%m-%d} to {last:%Y-%m-%d} · sectors: ",
                     html.B(store.get("sectors_name") or "GICS sample"),
                     f" ({len(set(sectors.values()))} sectors)"])
    return store, tickers, value, info, "", False


@callback(Output(ids.VIEWS, "rowData"), Input(ids.ADD_VIEW, "n_clicks"), State(ids.VIEWS, "rowData"),
          prevent_initial_call=True)
def add_view(_n, rows):
    return list(rows or []) + [{"asset": "", "vs": "", "view": 5.0, "confidence": 50.0}]


_STATE_INPUTS = dict(
    universe=State(ids.UNIVERSE, "value"), start=State(ids.DATES, "start_date"),
    end=State(ids.DATES, "end_date"), ret=State(ids.RET_METHOD, "value"),
    risk=State(ids.RISK_METHOD, "value"), obj=State(ids.OBJECTIVE, "value"),
    target=State(ids.TARGET, "value"), kelly=State(ids.KELLY, "value"), rf=State(ids.RF, "value"),
    wmin=State(ids.WMIN, "value"), wmax=State(ids.WMAX, "value"), lev=State(ids.LEVERAGE, "value"),
    caps=State(ids.SECTOR_CAPS, "value"), turnover=State(ids.TURNOVER, "value"),
    rebal=State(ids.REBALANCE, "value"), cost=State(ids.COST, "value"), views=State(ids.VIEWS, "rowData"),
)


@callback(
    output=dict(result=Output(ids.RESULT, "data"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open"), query=Output(ids.STATE, "data")),
    inputs=dict(run=Input(ids.RUN, "n_clicks"), data=State(ids.DATA_KEY, "data"), state=_STATE_INPUTS),
    background=True,
    running=[(Output(ids.RUN, "disabled"), True, False), (Output(ids.CANCEL, "disabled"), False, True)],
    cancel=[Input(ids.CANCEL, "n_clicks")],
    progress=[Output(ids.PROGRESS, "value")],
    interval=250,
)
def optimise(set_progress, run, data, state):
    query = to_query({**state, "views": views_to_text(state.get("views"))})
    try:
        prices, sectors = data_for(data)
        spec = build_spec(state)
        alloc = allocate(prices, sectors, spec, progress=lambda f, _m: set_progress(round(100 * f)))
        return dict(result=payload(alloc), alert="", show=False, query=query)
    except ParityError as exc:
        set_progress(0)
        return dict(result=no_update, alert=f"{exc}. The last result is kept.", show=True, query=query)
    except Exception:
        log.exception("portfolio optimisation failed for %s", state)
        return dict(result=no_update, alert="Something went wrong optimising; the error was logged.",
                    show=True, query=no_update)


@callback(
    Output(ids.FRONTIER_GRAPH, "figure"), Output(ids.WEIGHTS_GRAPH, "figure"),
    Output(ids.BACKTEST_GRAPH, "figure"), Output(ids.BL_GRAPH, "figure"), Output(ids.SUMMARY, "children"),
    Input(ids.RESULT, "data"), Input(App.THEME_SWITCH, "value"),
)
def render(p, dark):
    if not p:
        return (no_update,) * 5
    theme = theme_name(dark)
    return (frontier_figure(p, theme=theme), weights_figure(p, theme=theme),
            backtest_figure(p, theme=theme), bl_figure(p, theme=theme), summary_view(p))


@callback(Output(ids.DOWNLOAD, "data"), Input(ids.EXPORT, "n_clicks"), State(ids.RESULT, "data"),
          prevent_initial_call=True)
def export(_n, p):
    if not p:
        return no_update
    return dict(content=weights_csv(p), filename="parity-weights.csv", type="text/csv")


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)
