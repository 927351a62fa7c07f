"""Portfolio optimizer callbacks: controls -> core.portfolio.allocate (background job) -> figures.

Uploaded prices and sector maps travel as the browser's data URLs in a store, so the background
job (another process, or a Celery worker on another host) can re-read them without server state.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update
from callbacks.registry import callback, clientside_callback

from callbacks import uploads
from callbacks.browser_js import REPLACE_URL_QUERY, upload_guard, url_upload
from callbacks.cache import cache, cache_context
from callbacks.jobs import job_failed
from callbacks.theme import theme_name
from components.ids import App, Uploads

from components.ids import Portfolio as ids
from components.ids import PortfolioDesk as pids
from components.ids import PortfolioKept as kids
from components.ids import Wiring as wids
from components.export import safe_csv
from components.figures import data_source
from components.portfolio_figures import (backtest_figure, bl_figure, frontier_figure, portfolio_view,
                                          weights_figure)
from components.figures import empty_figure
from components.portfolio_state import from_query, to_query, views_from_text, views_to_text
from components.risk_state import rows_to_text as book_text
from components.uploads import upload_failure
from core.data import index_prices, load_prices, load_sectors, sample_prices, sample_sectors
from core._validate import number
from core.errors import ParityError
from core.portfolio.allocation import Allocation, AllocationSpec, allocate, parse_sector_caps

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
def _source(entry):
    """The bytes of a data store entry: an upload record ``{key, name, size}`` (fetched from the
    store), or a raw upload (a data URL: tests, stores saved before uploads were kept)."""
    return uploads.fetch(entry)[0] if isinstance(entry, dict) else entry


def data_for(store: dict | None) -> tuple[pd.DataFrame, dict]:
    """Prices and sector map for a data store ``{"prices": record, "sectors": record}``
    (``None`` entries mean the embedded sample)."""
    store = store or {}
    limit = uploads.max_upload_bytes()
    prices = (load_prices(_source(store["prices"]), max_bytes=limit) if store.get("prices")
              else _sample_with_indices())
    sectors = (load_sectors(_source(store["sectors"]), max_bytes=limit) if store.get("sectors")
               else sample_sectors())
    return prices, sectors


def next_store(trigger, store: dict | None, prices_up: dict | None, sectors_up: dict | None,
               links: tuple[str | None, str | None]) -> tuple[dict, str]:
    """``(data store, message)`` after an upload (kept in the store: the page keeps records),
    the Sample button, or a first load (``trigger`` ``None``) from a link's ``data=`` /
    ``sectors=`` keys; a linked key that is gone leaves the sample and says :data:`uploads.GONE`."""
    store = dict(store or {})
    if trigger == ids.SAMPLE:
        return {"prices": None, "sectors": None}, ""
    if trigger == Uploads.PORTFOLIO_PRICES_FILE and prices_up:
        rec = uploads.keep(prices_up["contents"], prices_up.get("filename"))
        return {**store, "prices": rec, "prices_name": rec["name"]}, ""
    if trigger == Uploads.PORTFOLIO_SECTORS_FILE and sectors_up:
        rec = uploads.keep(sectors_up["contents"], sectors_up.get("filename"))
        return {**store, "sectors": rec, "sectors_name": rec["name"]}, ""
    message = ""
    if any(links):      # a first load (the link stores follow the records afterwards)
        for part, key in zip(("prices", "sectors"), links):
            if not key:
                continue
            rec = uploads.lookup(key)
            if rec is None:
                message = uploads.GONE
            else:
                store.update({part: rec, f"{part}_name": rec["name"]})
    return store, message


@functools.lru_cache(maxsize=1)
def _sample_with_indices() -> pd.DataFrame:
    """The 20 sample stocks with the S&P 500 and NASDAQ closes of the arch package beside them
    (built once per process, ~0.1 s; pandas copy-on-write keeps the shared frame unchanged)."""
    return sample_prices().join(index_prices(), how="outer")


def _value(name: str, x, default=None, **rule):
    """An optional input through core's validation (``core._validate.number``): empty gives
    ``default``; anything else is a number in range or a DataError in the user's words."""
    return default if x in (None, "") else number(name, x, **rule)


def _pct(name: str, x, default=None, **rule):
    """A percent input as a decimal (``12`` -> ``0.12``), validated by core."""
    return _value(name, x, default, scale=0.01, unit="%", **rule)


def build_spec(state: dict) -> AllocationSpec:
    """An :class:`AllocationSpec` from the page's values (percent inputs become decimals); a
    value that is not usable raises DataError naming the input, e.g. "risk-free rate must be a
    number, got 'abc'"."""
    views = []
    for i, row in enumerate(state.get("views") or [], start=1):
        if not row.get("asset") or row.get("view") in (None, ""):
            continue
        assets = {row["asset"]: 1.0}
        if row.get("vs"):
            assets[row["vs"]] = -1.0
        views.append({"assets": assets, "value": _pct(f"view {i}", row["view"], 0.0),
                      "confidence": _pct(f"confidence of view {i}", row.get("confidence"), 0.5,
                                         at_least=0, at_most=100)})
    return AllocationSpec(
        tickers=tuple(state["universe"] or ()), start=state.get("start"), end=state.get("end"),
        returns_method=state["ret"], risk_method=state["risk"], objective=state["obj"],
        target=_pct("target", state.get("target")),
        kelly_fraction=_value("Kelly fraction", state.get("kelly"), 0.5, above=0, at_most=1),
        rf=_pct("risk-free rate", state.get("rf"), 0.0),
        bounds=(_pct("minimum weight", state.get("wmin"), 0.0), _pct("maximum weight", state.get("wmax"), 1.0)),
        leverage=_value("leverage", state.get("lev"), None, above=0),
        sector_caps=parse_sector_caps(state.get("caps") or ""),
        turnover=_pct("turnover limit", state.get("turnover"), None, at_least=0),
        rebalance=state.get("rebal") or "M",
        cost=_value("trading cost", state.get("cost"), 0.0, at_least=0, scale=1e-4, unit=" bp"),
        views=tuple(views))


#: The figures' view of an allocation (kept under its old name for the page's tests).
payload = portfolio_view


def summary_view(p: dict) -> dbc.Card:
    """Headline numbers of the chosen portfolio and its backtest, with the estimator notes."""
    s, b = p["backtest"]["stats"], p["backtest"]["benchmark_stats"]

    def stat(label, value):
        return dbc.Col(html.Div([html.Div(label, className="small text-body-secondary"),
                                 html.Div(value, className="fs-5 fw-semibold")]), xs=6, md=2)

    n = p["backtest"].get("universe", len(p["tickers"]))
    rows = [html.Tr([html.Td(name), *[html.Td(v, className="text-end") for v in vals]]) for name, vals in (
        ("chosen", [f"{s['ann_return']:.2%}", f"{s['ann_vol']:.2%}", f"{s['sharpe']:.2f}",
                    f"{s['max_drawdown']:.1%}", f"{s['turnover']:.0%}"]),
        (f"equal weight, all {n} assets", [f"{b['ann_return']:.2%}", f"{b['ann_vol']:.2%}", f"{b['sharpe']:.2f}",
                          f"{b['max_drawdown']:.1%}", f"{b['turnover']:.0%}"]))]
    head = html.Thead(html.Tr([html.Th("Backtest")] + [html.Th(h, className="text-end") for h in (
        "Return / yr", "Vol / yr", "Sharpe", "Max drawdown", "Turnover / yr")]))
    return dbc.Card(dbc.CardBody([
        dbc.Row([stat("Objective", p["objective_label"]), stat("Expected return", f"{p['ret']:.2%}"),
                 stat("Volatility", f"{p['vol']:.2%}"), stat("Sharpe", f"{p['sharpe']:.2f}"),
                 stat("Diversification ratio", f"{p['div_ratio']:.2f}"),
                 stat("Invested", f"{p['invested']:.0%}")], class_name="g-2 mb-2"),
        *_exposure_row(p),
        dbc.Table([head, html.Tbody(rows)], size="sm", class_name="mb-2 small"),
        html.Details([html.Summary("How the estimates were made", className="small"),
                      html.Ul([html.Li(n) for n in p["notes"]], className="small mb-0")]),
    ]), class_name="shadow-sm")


def _exposure_row(p: dict) -> list:
    """Long, short, gross and net exposure, shown when the portfolio holds shorts."""
    ex = p.get("exposure") or {}
    if not ex or ex.get("short", 0.0) <= 0.0:
        return []
    return [html.Div([html.Span("Exposure ", className="fw-semibold"),
                      f"long {ex['long']:.1%} · short {ex['short']:.1%} · gross {ex['gross']:.1%} · "
                      f"net {ex['net']:.1%} of capital"], className="small mb-2", id=ids.EXPOSURE)]


def weights_csv(p: dict, *, data_name: str | None = None) -> str:
    """The weights as CSV, full precision, headed by what produced them (objective, window,
    estimators, data, time of export); formula-like cells escaped."""
    frame = pd.DataFrame({"ticker": p["tickers"], "weight": p["weights"],
                          "risk_contribution": p["risk_contrib"]})
    win = p.get("window") or {}
    ex = p.get("exposure") or {}
    head = {"objective": p.get("objective_label", p.get("objective")),
            "window": f"{win.get('first') or win.get('start')} to {win.get('last') or win.get('end')}",
            "estimators": "returns {returns}, risk {risk}".format(**p.get("methods", {"returns": "?", "risk": "?"})),
            "risk_free": f"{p.get('rf', 0.0):.4%}", "exposure": ", ".join(f"{k} {v:.6g}" for k, v in ex.items()),
            "data": data_name or "sample: 20 US stocks + S&P 500, NASDAQ",
            "exported_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")}
    return safe_csv(frame, header=head)


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
_DATA_OUT = ("store", "options", "universe", "info")


for _file, _upload, _guard in ((Uploads.PORTFOLIO_PRICES_FILE, ids.UPLOAD_PRICES, Uploads.PORTFOLIO_PRICES_GUARD),
                               (Uploads.PORTFOLIO_SECTORS_FILE, ids.UPLOAD_SECTORS, Uploads.PORTFOLIO_SECTORS_GUARD)):
    clientside_callback(  # a file over the server's limit never leaves the browser
        upload_guard(), Output(_file, "data"), Output(_guard, "children"),
        Input(_upload, "contents"), State(_upload, "filename"), State(wids.UPLOAD_LIMIT, "data"),
        prevent_initial_call=True)


def _record(entry) -> dict | None:
    return entry if isinstance(entry, dict) else None


@callback(
    output=dict(store=Output(ids.DATA_KEY, "data"), options=Output(ids.UNIVERSE, "options"),
                universe=Output(ids.UNIVERSE, "value"), info=Output(ids.DATA_INFO, "children"),
                alert=Output(ids.DATA_ALERT, "children"), show=Output(ids.DATA_ALERT, "is_open"),
                prices_record=Output(Uploads.PORTFOLIO_PRICES, "data"),
                sectors_record=Output(Uploads.PORTFOLIO_SECTORS, "data")),
    inputs=dict(prices_up=Input(Uploads.PORTFOLIO_PRICES_FILE, "data"),
                sectors_up=Input(Uploads.PORTFOLIO_SECTORS_FILE, "data"), _sample=Input(ids.SAMPLE, "n_clicks"),
                store=State(ids.DATA_KEY, "data"), universe=State(ids.UNIVERSE, "value"),
                prices_link=State(Uploads.PORTFOLIO_PRICES_LINK, "data"),
                sectors_link=State(Uploads.PORTFOLIO_SECTORS_LINK, "data")),
)
def load_data(prices_up, sectors_up, _sample, store, universe, prices_link, sectors_link):
    """The only callback that receives an uploaded file: it is kept in the store, and the page's
    data store holds records ``{key, name, size}`` (never the file)."""
    trigger = ctx.triggered_id
    if trigger in (Uploads.PORTFOLIO_PRICES_FILE, Uploads.PORTFOLIO_SECTORS_FILE) and not (
            prices_up if trigger == Uploads.PORTFOLIO_PRICES_FILE else sectors_up):
        trigger = None            # a guard that let nothing through: nothing changed
    try:
        store, message = next_store(trigger, store, prices_up, sectors_up, (prices_link, sectors_link))
        prices, sectors = data_for(store)
    except Exception as exc:  # every failure is a readable alert; the data in use stays
        if trigger is None:   # a session or link naming an upload this server lost: the sample
            log.warning("portfolio data of the session/link could not be reopened", exc_info=True)
            store, message = {"prices": None, "sectors": None}, uploads.GONE
            prices, sectors = data_for(store)
        else:
            upload = prices_up if trigger == Uploads.PORTFOLIO_PRICES_FILE else sectors_up
            what = ("a prices CSV (dates x tickers)" if trigger == Uploads.PORTFOLIO_PRICES_FILE
                    else "a sector map CSV (ticker,sector)")
            return {**dict.fromkeys(_DATA_OUT, no_update), "show": True,
                    "prices_record": no_update, "sectors_record": no_update,
                    "alert": upload_failure(upload, exc, log, expected=what)}
    tickers = [str(c) for c in prices.columns]
    if trigger is None:           # first load: keep the universe from the URL / the session
        value = [t for t in universe or [] if t in tickers] or tickers
    else:
        value = tickers if trigger != Uploads.PORTFOLIO_SECTORS_FILE else no_update
    first, last = prices.index.min(), prices.index.max()
    info = html.Div([html.B(store.get("prices_name") or "Sample: 20 S&P 500 stocks (skfolio) + S&P 500, NASDAQ (arch)"),
                     f" · {len(tickers)} assets · {first:%Y-%m-%d} to {last:%Y-%m-%d} · sectors: ",
                     html.B(store.get("sectors_name") or "GICS sample"),
                     f" ({len(set(sectors.values()))} sectors)"])
    return dict(store=store, options=tickers, universe=value, info=info, alert=message,
                show=bool(message), prices_record=_record(store.get("prices")),
                sectors_record=_record(store.get("sectors")))


clientside_callback(url_upload("data"), Output(Uploads.PORTFOLIO_PRICES_LINK, "data"),
                    Input(Uploads.PORTFOLIO_PRICES, "data"), prevent_initial_call=True)
clientside_callback(url_upload("sectors"), Output(Uploads.PORTFOLIO_SECTORS_LINK, "data"),
                    Input(Uploads.PORTFOLIO_SECTORS, "data"), prevent_initial_call=True)


@callback(output=Output(ids.VIEWS, "rowData"),
          inputs=dict(_n=Input(ids.ADD_VIEW, "n_clicks"), rows=State(ids.VIEWS, "rowData")),
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


def kept_query(previous: dict | str | None) -> str | None:
    """The query of the session's kept result: ``previous`` is that query (the page's small
    ``PortfolioKept.RESULT_QUERY`` store) or the kept result itself (a dict with ``"query"``).

    Parameters
    ----------
    previous : dict, str or None
        The kept query, the kept result, or nothing kept.

    Returns
    -------
    str or None
        The page query the kept result was computed for.
    """
    if isinstance(previous, str):
        return previous
    return (previous or {}).get("query") if isinstance(previous, dict) else None


def first_result(data: dict | None, state: dict, previous: dict | str | None) -> dict:
    """What the first load shows, decided in the foreground: the session's kept result when it is
    for these inputs (``previous``: its query, or the result itself); on the embedded sample the
    allocation computed here (~0.1 s, memoised per process by the inputs); uploaded data go to the
    background job (``auto``)."""
    query = to_query({**state, "views": views_to_text(state.get("views"))})
    out = dict(result=no_update, auto=no_update, alert="", show=False, query=query)
    if kept_query(previous) == query:
        return out
    if (data or {}).get("prices") or (data or {}).get("sectors"):
        return {**out, "auto": query}
    try:
        # memo keyed by the validated spec: the browser sends 25 where the defaults hold 25.0
        key = json.dumps(build_spec(state).to_dict(), sort_keys=True, default=str)
        return {**out, "result": keep_result(_sample_allocation(key)["allocation"], query, None)}
    except ParityError as exc:
        return {**out, "alert": f"{exc}.", "show": True}


def _result_key(token: str) -> str:
    return f"portfolio:{token}"


def keep_result(allocation: dict, query: str, data: dict | None) -> dict:
    """Keep an allocation in the server cache; the page's reference to it, which is what the
    session store holds (~0.3 kB where the allocation is ~90 kB), so drawing it again (a theme
    switch, a return to the page, a link) uploads a few hundred bytes.

    Parameters
    ----------
    allocation : dict
        ``Allocation.to_dict()``.
    query : str
        The page query the allocation was computed for (``?obj=...``).
    data : dict or None
        The page's data store (upload records; ``None`` or empty entries: the embedded sample).

    Returns
    -------
    dict
        ``{"token", "query", "data_name", "data"}``: ``token`` names the cache entry and is a
        hash of the query and the data, so the same inputs share one entry.
    """
    data = {k: (data or {}).get(k) for k in ("prices", "sectors", "prices_name", "sectors_name")}
    token = hashlib.sha256(json.dumps([query, data], sort_keys=True, default=str).encode()).hexdigest()[:32]
    with cache_context():
        cache.set(_result_key(token), allocation)
    return {"token": token, "query": query, "data_name": data.get("prices_name"), "data": data}


def kept_allocation(result: dict) -> dict:
    """The allocation a page's result names: from the server cache, or, when the cache has lost it
    (an hour passed, another host), computed again from the result's query and data and kept.
    A whole result (``{"allocation": ...}``: a session kept before results were references) is
    read as it is.

    Parameters
    ----------
    result : dict
        The page's result store (:func:`keep_result`).

    Returns
    -------
    dict
        ``Allocation.to_dict()``.

    Raises
    ------
    ParityError
        The inputs no longer give an allocation (an uploaded file gone from the store).
    """
    if "allocation" in result:
        return result["allocation"]
    with cache_context():
        alloc = cache.get(_result_key(result.get("token", "")))
    if alloc is None:
        state = from_query(dict(parse_qsl(str(result.get("query", "")).lstrip("?"), keep_blank_values=True)))
        state["views"] = views_from_text(state["views"])
        prices, sectors = data_for(result.get("data"))
        alloc = allocate(prices, sectors, build_spec(state)).to_dict()
        with cache_context():
            cache.set(_result_key(result["token"]), alloc)
    return alloc


@functools.lru_cache(maxsize=16)
def _sample_allocation(spec_json: str) -> dict:
    """The allocation of the embedded sample for one spec (a pure function of it), as a dict."""
    prices, sectors = data_for(None)
    return {"allocation": allocate(prices, sectors, AllocationSpec.from_dict(json.loads(spec_json))).to_dict()}


def warm_default() -> None:
    """Compute the page's default allocation once (start-up), so a first visit finds it memoised."""
    from components.portfolio_state import DEFAULTS, views_from_text

    first_result(None, {**DEFAULTS, "views": views_from_text(DEFAULTS["views"])}, None)


@callback(
    output=dict(result=Output(ids.RESULT, "data", allow_duplicate=True), auto=Output(pids.AUTO_RUN, "data"),
                alert=Output(ids.ALERT, "children", allow_duplicate=True),
                show=Output(ids.ALERT, "is_open", allow_duplicate=True),
                query=Output(ids.STATE, "data", allow_duplicate=True)),
    inputs=dict(ready=Input(pids.VIEWS_READY, "data"), data=State(ids.DATA_KEY, "data"), state=_STATE_INPUTS,
                previous=State(kids.RESULT_QUERY, "data")),  # the kept query, not the whole result
    prevent_initial_call="initial_duplicate",
)
def first_load(ready, data, state, previous):
    if not ready:
        return dict(result=no_update, auto=no_update, alert=no_update, show=no_update, query=no_update)
    try:
        return first_result(data, state, previous)
    except Exception:
        log.exception("portfolio first load failed for %s", state)
        return dict(result=no_update, auto=no_update, show=True, query=no_update,
                    alert="Something went wrong optimising; the error was logged.")


@callback(
    output=dict(result=Output(ids.RESULT, "data"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open"), query=Output(ids.STATE, "data")),
    inputs=dict(run=Input(ids.RUN, "n_clicks"), auto=Input(pids.AUTO_RUN, "data"), data=State(ids.DATA_KEY, "data"),
                state=_STATE_INPUTS, previous=State(kids.RESULT_QUERY, "data")),
    prevent_initial_call=True,
    background=True,
    running=[(Output(ids.RUN, "disabled"), True, False), (Output(ids.CANCEL, "disabled"), False, True)],
    cancel=[Input(ids.CANCEL, "n_clicks")],
    progress=[Output(ids.PROGRESS, "value")],
    interval=250, on_error=job_failed(ids.ALERT, what="The optimisation"),
)
def optimise(set_progress, run, auto, data, state, previous):
    query = to_query({**state, "views": views_to_text(state.get("views"))})
    if not run and previous and kept_query(previous) == query:
        # back on the page in the same session: the kept result is for these inputs, don't re-run
        set_progress(100)
        return dict(result=no_update, alert="", show=False, query=query)
    try:
        prices, sectors = data_for(data)
        spec = build_spec(state)
        alloc = allocate(prices, sectors, spec, progress=lambda f, _m: set_progress(round(100 * f)))
        return dict(result=keep_result(alloc.to_dict(), query, data),
                    alert="", show=False, query=query)
    except ParityError as exc:
        set_progress(0)
        return dict(result=no_update, alert=f"{exc}. The last result is kept.", show=True, query=query)
    except Exception:
        log.exception("portfolio optimisation failed for %s", state)
        return dict(result=no_update, alert="Something went wrong optimising; the error was logged.",
                    show=True, query=no_update)


_RENDER_OUT = ("frontier", "weights", "backtest", "bl", "summary", "basis")


@callback(
    output=dict(frontier=Output(ids.FRONTIER_GRAPH, "figure"), weights=Output(ids.WEIGHTS_GRAPH, "figure"),
                backtest=Output(ids.BACKTEST_GRAPH, "figure"), bl=Output(ids.BL_GRAPH, "figure"),
                summary=Output(ids.SUMMARY, "children"), basis=Output(kids.BOOK_BASIS, "data")),
    inputs=dict(result=Input(ids.RESULT, "data"), dark=Input(App.THEME_SWITCH, "value")),
)
def render(result, dark):
    if not result:
        return dict.fromkeys(_RENDER_OUT, no_update)
    theme = theme_name(dark)
    try:
        p = portfolio_view(Allocation.from_dict(kept_allocation(result)))
    except ParityError as exc:
        blank = empty_figure(f"This result can no longer be drawn: {exc}. Press Optimise.", theme)
        return dict(frontier=blank, weights=blank, backtest=blank, bl=blank, summary="", basis=None)
    src = chart_source(p, result.get("data_name"))
    return dict(frontier=frontier_figure(p, theme=theme, source=src), weights=weights_figure(p, theme=theme, source=src),
                backtest=backtest_figure(p, theme=theme, source=src), bl=bl_figure(p, theme=theme, source=src),
                summary=summary_view(p), basis=book_basis(p))


#: The embedded prices, as the charts name them (short: the line must fit the narrow cards; the
#: data card above says the rest).
SAMPLE_SOURCE = "sample: 20 stocks + 2 indices"


def chart_source(p: dict, data_name: str | None = None) -> str:
    """The data every Portfolio chart names: the uploaded file or the sample, and the window used."""
    win = p.get("window") or {}
    first, last = win.get("first") or win.get("start"), win.get("last") or win.get("end")
    span = f", {first} to {last}" if first and last else ""
    src = data_source(SAMPLE_SOURCE, filename=data_name)
    return src[:1].upper() + src[1:] + span


def book_basis(view: dict) -> dict:
    """What the book link needs of a result (a few hundred bytes, where the result is ~90 kB):
    the tickers, their chosen weights and the last date of the optimisation window.

    ``view`` is :func:`components.portfolio_figures.portfolio_view`'s dict, or the kept result
    itself (``{"allocation": ...}``)."""
    p = portfolio_view(Allocation.from_dict(view["allocation"])) if "allocation" in view else view
    return {"tickers": list(p["tickers"]), "weights": [float(w) for w in p["weights"]],
            "last": p["window"].get("last") or p["window"].get("end")}


def book_link(result: dict, data: dict | None, notional) -> tuple[str, str]:
    """``(href, note)``: ``/risk?add=<rows>`` holding the chosen weights × ``notional`` as share
    counts at the last close of the optimisation window (``core.risk.Book.from_weights``).
    ``result`` is the :func:`book_basis` of the result (what the page sends) or the result."""
    from callbacks.risk import book_to_rows
    from core.risk import Book

    p = book_basis(result) if "allocation" in result else result
    try:
        n = float(notional)
    except (TypeError, ValueError):
        raise ParityError("notional must be a number of dollars above 0; the box is empty or not a number") from None
    prices, _ = data_for(data)
    last = p["last"]
    close = prices.loc[:last].ffill().iloc[-1] if last else prices.ffill().iloc[-1]
    weights = dict(zip(p["tickers"], p["weights"]))
    book = Book.from_weights(weights, {t: float(close[t]) for t in weights}, n)
    note = (f"{len(book)} stock positions: weights × ${n:,.0f} at the closes of "
            f"{pd.Timestamp(close.name):%Y-%m-%d}.")
    return "/risk?" + urlencode({"add": book_text(book_to_rows(book))}), note


@callback(output=dict(href=Output(wids.PORTFOLIO_ADD_BOOK, "href"), off=Output(wids.PORTFOLIO_ADD_BOOK, "disabled"),
                      note=Output(wids.PORTFOLIO_BOOK_NOTE, "children")),
          inputs=dict(result=Input(kids.BOOK_BASIS, "data"), notional=Input(wids.PORTFOLIO_NOTIONAL, "value"),
                      data=State(ids.DATA_KEY, "data")))
def add_to_book(result, notional, data):
    """The book link for the shown weights: from their :func:`book_basis` (which ``render``
    keeps), so a notional typed sends a few hundred bytes, not the ~90 kB result."""
    if not result:
        return dict(href="", off=True, note="")
    try:
        href, note = book_link(result, data, notional)
    except ParityError as exc:
        return dict(href="", off=True, note=str(exc))
    except Exception:
        log.exception("portfolio add-to-book link failed")
        return dict(href="", off=True, note="The book link could not be built; the error was logged.")
    return dict(href=href, off=False, note=note)


@callback(output=Output(ids.DOWNLOAD, "data"),
          inputs=dict(_n=Input(ids.EXPORT, "n_clicks"), result=State(ids.RESULT, "data")),
          prevent_initial_call=True)
def export(_n, result):
    if not result:
        return no_update
    p = portfolio_view(Allocation.from_dict(kept_allocation(result)))
    name = f"parity-weights-{p['objective']}-{(p['window'].get('first') or '')}-{(p['window'].get('last') or '')}.csv"
    return dict(content=weights_csv(p, data_name=result.get("data_name")), filename=name, type="text/csv")


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)

# The kept result's query in its own small session store, copied in the browser: ``first_load``
# and ``optimise`` only compare queries, so they don't upload the whole result (~90 kB) each call.
clientside_callback(
    "function(result) { return (result && result.query) || null; }",
    Output(kids.RESULT_QUERY, "data"),
    Input(ids.RESULT, "data"),
)

# The views grid for the session: every change is copied to a sessionStorage store; on a visit
# whose link names no views the kept rows come back into the grid before the first run reads it
# (``first_load`` waits on VIEWS_READY). A link's own views win, and become the kept ones.
clientside_callback(
    """
    function(ready, rows) {
        const nu = window.dash_clientside.no_update;
        let saved = null;
        try { saved = JSON.parse(window.sessionStorage.getItem('%s')); } catch (e) { saved = null; }
        // a shared workspace (/w/<id>) shows its saved views, never this tab's kept ones
        const linked = new URLSearchParams(window.location.search).has('views')
            || window.location.pathname.indexOf('/w/') === 0;
        if (!linked && Array.isArray(saved)) { return [saved, saved, true]; }
        return [nu, rows || [], true];
    }
    """ % pids.VIEWS_KEPT,
    Output(ids.VIEWS, "rowData", allow_duplicate=True),
    Output(pids.VIEWS_KEPT, "data", allow_duplicate=True),
    Output(pids.VIEWS_READY, "data"),
    Input(pids.VIEWS_READY, "data"),
    State(ids.VIEWS, "rowData"),
    prevent_initial_call="initial_duplicate",
)

clientside_callback(
    """
    function(rows, edit, virtual) {
        // An edit reaches Dash a tick late (the grid debounces it); when it lands with new rows
        // (a row added in that tick) the rows are the newer state: they hold the edit already
        // and the grid's virtual copy does not hold the added row yet.
        const t = window.dash_clientside.callback_context.triggered.map(x => x.prop_id);
        const newRows = t.some(p => p.endsWith('.rowData'));
        return (!newRows && t.some(p => p.endsWith('.cellValueChanged')) && virtual) ? virtual : (rows || []);
    }
    """,
    Output(pids.VIEWS_KEPT, "data"),
    Input(ids.VIEWS, "rowData"),
    Input(ids.VIEWS, "cellValueChanged"),
    State(ids.VIEWS, "virtualRowData"),
    prevent_initial_call=True,
)
