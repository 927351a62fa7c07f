"""Risk page callbacks: grid rows -> core.risk.analyse -> report store -> figures.

The book lives in the AG Grid's rows (and in the URL and a session store); every change re-reads
them with :meth:`Book.from_rows`, so a bad row is reported and left out while the rest is valued.
"""
from __future__ import annotations

import datetime as _dt
import functools
import json
import logging

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update
from callbacks.registry import callback, clientside_callback

from callbacks import uploads
from callbacks.browser_js import REPLACE_URL_QUERY, upload_guard
from callbacks.theme import theme_name
from components.figures import figures_html, with_source
from components.ids import App, Uploads, Wiring
from components.ids import Risk as ids
from components.risk_figures import (bucket_figure, cards, drill_figure, explain_figure,
                                     hedge_block, ladder_figure, limits_block, scenario_figure,
                                     scenario_table, stocks_block, var_block)
from components.risk_state import BUILDER_FIELDS, LIMIT_FIELDS, rows_from_text, rows_to_text, to_query
from components.uploads import upload_failure
from core.data import sample_chain
from core.errors import ParityError
from core.risk import Book, Market, analyse, example_book, hedge, read_rows

log = logging.getLogger(__name__)
_SCALE = {"spot": 0.01, "vol": 0.01, "skew": 0.01, "term": 0.01, "days": 1.0, "rate": 1e-4}


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def market(sticky: str = "strike", vdays: int = 0) -> Market:
    """The page's market: the default chain with an SVI surface, valued ``vdays`` calendar
    days after its quote date (cached; immutable)."""
    chain = sample_chain()
    vd = chain.quote_date + _dt.timedelta(days=int(vdays)) if vdays else None
    return Market.from_chain(chain, "svi", sticky=sticky, valuation_date=vd)


def _vdays(v) -> int:
    try:
        return int(min(max(float(v), 0.0), 365.0))
    except (TypeError, ValueError):
        return 0


def book_to_rows(book: Book) -> list[dict]:
    """Grid rows of a book (symbol, quantity, trade_price, multiplier)."""
    out = []
    for p in book.positions:
        tp = p.trade_price if p.trade_price == p.trade_price else None
        out.append({"symbol": p.symbol, "quantity": p.quantity, "trade_price": tp,
                    "multiplier": p.multiplier})
    return out


def default_rows() -> list[dict]:
    """The example book on the default market."""
    return book_to_rows(example_book(market()))


def spec_from_inputs(sticky, limits: dict, builder: dict) -> dict:
    """The analyse() spec of the page's controls (display units -> decimals)."""
    lim = {k: float(v) for k, v in (limits or {}).items() if isinstance(v, (int, float)) and v > 0}
    scen = {}
    for k, scale in _SCALE.items():
        v = (builder or {}).get(k)
        scen[k] = float(v) * scale if isinstance(v, (int, float)) else 0.0
    scen["name"] = "Custom: " + ", ".join(
        f"{BUILDER_FIELDS[k][0].lower()} {float(builder[k]):+g} {BUILDER_FIELDS[k][1]}"
        for k in _SCALE if isinstance((builder or {}).get(k), (int, float)) and builder[k])
    scen["source"] = "scenario builder"
    return {"sticky": sticky if sticky in ("strike", "moneyness") else "strike",
            "limits": lim, "scenarios": [scen]}


def evaluate(rows: list[dict], sticky, limits: dict, builder: dict, vdays=0) -> dict:
    """Report dict and messages for the page: ``{"report": dict | None, "errors": [...],
    "alert": str}``."""
    try:
        book = Book.from_rows(rows or [{"symbol": "", "quantity": ""}])
    except ParityError as exc:
        return {"report": None, "errors": [], "alert": str(exc)}
    try:
        rep = analyse(book, market("strike", _vdays(vdays)),
                      spec_from_inputs(sticky, limits, builder)).to_dict()
    except ParityError as exc:
        return {"report": None, "errors": list(book.errors), "alert": str(exc)}
    alert = "" if rep["greeks"]["totals"]["n_valued"] else \
        "Nothing in the book could be valued: fix the rows listed under the grid."
    return {"report": rep, "errors": rep["messages"], "alert": alert}


def _errors_block(errors: list[str]):
    if not errors:
        return ""
    return html.Ul([html.Li(e) for e in errors[:30]], className="mb-0 ps-3")


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
clientside_callback(  # a file over the server's limit never leaves the browser
    upload_guard(), Output(Uploads.RISK_FILE, "data"), Output(Uploads.RISK_GUARD, "children"),
    Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"), State(Wiring.UPLOAD_LIMIT, "data"),
    prevent_initial_call=True)


def rows_from_upload(upload: dict) -> tuple[list[dict], dict, str]:
    """``(grid rows, upload record, message)`` of an uploaded book file ``{contents,
    filename}``: the file is kept in the store (its record is what a workspace saves; the
    book itself then lives in the grid and the URL's ``book=``, which follow edits)."""
    record = uploads.keep(upload["contents"], upload.get("filename"))
    data, _ = uploads.fetch(record)
    book = Book.from_csv(data)
    msg = f"Uploaded {len(book)} positions from {record['name']}." + (
        f" {len(book.errors)} rows left out (listed under the grid)." if book.errors else "")
    raw = read_rows(data)      # bad rows stay in the grid, flagged, to be fixed
    return (raw if raw is not None else book_to_rows(book)), record, msg


@callback(
    output=dict(rows=Output(ids.GRID, "rowData"),
                alert=Output(ids.ALERT, "children", allow_duplicate=True),
                open=Output(ids.ALERT, "is_open", allow_duplicate=True),
                record=Output(Uploads.RISK, "data")),
    inputs=dict(upload=Input(Uploads.RISK_FILE, "data"), add=Input(ids.ADD_ROW, "n_clicks"),
                reset=Input(ids.RESET, "n_clicks"), clear=Input(ids.CLEAR, "n_clicks"),
                apply=Input(ids.HEDGE_APPLY, "n_clicks"), init=Input(ids.INIT, "data"),
                rows=State(ids.GRID, "rowData"), saved=State(ids.SAVED, "data"),
                hedge_data=State(ids.HEDGE_STORE, "data")),
    prevent_initial_call="initial_duplicate",
)
def set_rows(upload, add, reset, clear, apply, init, rows, saved, hedge_data):
    """Fill the grid: first load (URL book, else saved book + ``add`` rows, else the example),
    upload, add row, example, clear, add hedge trades."""
    trig = ctx.triggered_id
    if trig == Uploads.RISK_FILE and upload:
        try:
            rows_up, record, msg = rows_from_upload(upload)
        except Exception as exc:  # every failure is a readable alert; the grid stays
            return {"rows": no_update, "open": True, "record": no_update,
                    "alert": upload_failure(upload, exc, log, expected="a book CSV "
                                            "(symbol,quantity,trade_price[,multiplier])")}
        return {"rows": rows_up, "alert": msg, "open": True, "record": record}
    out = _set_rows(trig, add, reset, clear, apply, init, rows, saved, hedge_data)
    return {**out, "record": no_update}


def _set_rows(trig, add, reset, clear, apply, init, rows, saved, hedge_data) -> dict:
    try:
        if trig == ids.ADD_ROW:
            return {"rows": (rows or []) + [{"symbol": "", "quantity": None, "trade_price": None,
                                             "multiplier": None}], "alert": no_update,
                    "open": no_update}
        if trig == ids.RESET:
            return {"rows": default_rows(), "alert": no_update, "open": no_update}
        if trig == ids.CLEAR:
            return {"rows": [], "alert": no_update, "open": no_update}
        if trig == ids.HEDGE_APPLY and hedge_data and "trades" in hedge_data:
            trades = book_to_rows(Book.from_dict(hedge_data["trades"]))
            return {"rows": (rows or []) + trades, "alert": f"Added {len(trades)} hedge trades.",
                    "open": True}
        # first load
        init = init or {}
        if init.get("book"):
            base = rows or []
        else:
            base = saved if saved else default_rows()
        if init.get("add"):
            base = list(base) + rows_from_text(init["add"])
        return {"rows": base, "alert": no_update, "open": no_update}
    except ParityError as exc:
        return {"rows": no_update, "alert": str(exc), "open": True}


@callback(
    output=dict(report=Output(ids.REPORT, "data"), cards=Output(ids.CARDS, "children"),
                limits=Output(ids.LIMITS, "children"), var=Output(ids.VAR_TABLE, "children"),
                errors=Output(ids.ROW_ERRORS, "children"), alert=Output(ids.ALERT, "children"),
                open=Output(ids.ALERT, "is_open"), note=Output(ids.MARKET_NOTE, "children"),
                saved=Output(ids.SAVED, "data"), query=Output(ids.URL_DUMMY, "title"),
                stocks=Output(ids.STOCKS, "children")),
    inputs=dict(rows=Input(ids.GRID, "rowData"), sticky=Input(ids.STICKY, "value"),
                vdays=Input(ids.VDAYS, "value"),
                limits={k: Input({"type": ids.LIMIT, "metric": k}, "value") for k in LIMIT_FIELDS},
                builder={k: Input({"type": ids.BUILDER, "field": k}, "value")
                         for k in BUILDER_FIELDS},
                set_=State(ids.SET, "value"), bucket=State(ids.BUCKET_BY, "value")),
)
def update(rows, sticky, limits, builder, set_, bucket, vdays=0):
    """Analyse the book: one core call, its report into the store."""
    out = evaluate(rows, sticky, limits, builder, vdays)
    rep = out["report"]
    state = {"book": rows_to_text(rows), "sticky": sticky, "set": set_, "bucket": bucket,
             "vdays": float(_vdays(vdays)),
             **{f"l_{k}": v for k, v in (limits or {}).items()},
             **{f"s_{k}": v for k, v in (builder or {}).items()}}
    common = {"errors": _errors_block(out["errors"]), "alert": out["alert"],
              "open": bool(out["alert"]), "saved": rows, "query": to_query(state)}
    if rep is None:
        return {"report": None, "cards": "", "limits": "", "var": "", "note": "", "stocks": "",
                **common}
    m = rep["market"]
    note = (f"Spot {m['spot']:,.2f}; valuation date {m['date']} — {m['source']}; "
            f"{rep['elapsed'] * 1e3:,.0f} ms.")
    return {"report": rep, "cards": cards(rep), "limits": limits_block(rep),
            "var": var_block(rep), "note": note, "stocks": stocks_block(rep), **common}


@callback(
    output=dict(ladder=Output(ids.LADDER_GRAPH, "figure"), scen=Output(ids.SCEN_GRAPH, "figure"),
                table=Output(ids.SCEN_TABLE, "children"),
                explain=Output(ids.EXPLAIN_GRAPH, "figure"),
                buckets=Output(ids.BUCKET_GRAPH, "figure")),
    inputs=dict(rep=Input(ids.REPORT, "data"), which=Input(ids.SET, "value"),
                bucket=Input(ids.BUCKET_BY, "value"), dark=Input(App.THEME_SWITCH, "value")),
)
def render(rep, which, bucket, dark):
    """Figures of the stored report (no compute)."""
    from components.figures import empty_figure
    theme = theme_name(dark)
    if not rep:
        blank = empty_figure("Nothing to show: fix the book", theme)
        return {"ladder": blank, "scen": blank, "table": "", "explain": blank, "buckets": blank}
    src = rep["market"]["source"]      # the ladder's own subtitle already names it
    return {"ladder": ladder_figure(rep, theme), "scen": with_source(scenario_figure(rep, which, theme), src),
            "table": scenario_table(rep, which), "explain": with_source(explain_figure(rep, theme), src),
            "buckets": with_source(bucket_figure(rep, bucket, theme), src)}


@callback(
    output=dict(fig=Output(ids.DRILL_GRAPH, "figure")),
    inputs=dict(click=Input(ids.SCEN_GRAPH, "clickData"), rep=Input(ids.REPORT, "data"),
                which=Input(ids.SET, "value"), dark=Input(App.THEME_SWITCH, "value")),
)
def drill(click, rep, which, dark):
    """P/L by position of the clicked scenario (default: the worst one of the set)."""
    from components.figures import empty_figure
    theme = theme_name(dark)
    if not rep:
        return {"fig": empty_figure("Nothing to show", theme)}
    st = rep.get(which) if which != "custom" else rep.get("custom")
    if not st:
        return {"fig": empty_figure("No scenario in this set", theme)}
    idx = None
    if click and ctx.triggered_id == ids.SCEN_GRAPH:
        idx = click["points"][0].get("pointIndex", click["points"][0].get("pointNumber"))
    if idx is None:
        pnl = [r["pnl"] if r["pnl"] is not None else 0.0 for r in st["table"]]
        idx = int(min(range(len(pnl)), key=pnl.__getitem__))
    return {"fig": with_source(drill_figure(rep, which, int(idx), theme), rep["market"]["source"])}


@callback(
    output=dict(out=Output(ids.HEDGE_OUT, "children"), store=Output(ids.HEDGE_STORE, "data"),
                apply=Output(ids.HEDGE_APPLY, "disabled")),
    inputs=dict(n=Input(ids.HEDGE_RUN, "n_clicks"), rows=State(ids.GRID, "rowData"),
                targets=State(ids.HEDGE_TARGETS, "value"), sticky=State(ids.STICKY, "value"),
                vdays=State(ids.VDAYS, "value")),
    prevent_initial_call=True,
)
def run_hedge(n, rows, targets, sticky, vdays=0):
    """The cheapest hedge of the chosen Greeks: one core call."""
    if not targets:
        return {"out": dbc.Alert("Choose at least one Greek to hedge.", color="warning",
                                 class_name="py-1 mb-0"), "store": None, "apply": True}
    try:
        book = Book.from_rows(rows or [])
        h = hedge(book, market(sticky if sticky in ("strike", "moneyness") else "strike",
                               _vdays(vdays)), tuple(targets)).to_dict()
    except ParityError as exc:
        h = {"error": str(exc)}
    except Exception:  # solver failure: say so, never a traceback
        log.exception("hedge failed")
        h = {"error": "The hedge solver failed on this book; try fewer targets."}
    return {"out": hedge_block(h), "store": h, "apply": "error" in h}


@callback(
    output=dict(data=Output(ids.DOWNLOAD, "data")),
    inputs=dict(n=Input(ids.DOWNLOAD_BTN, "n_clicks"), nj=Input(ids.EXPORT_JSON, "n_clicks"),
                nh=Input(ids.EXPORT_HTML, "n_clicks"), rows=State(ids.GRID, "rowData"),
                rep=State(ids.REPORT, "data"), which=State(ids.SET, "value"),
                bucket=State(ids.BUCKET_BY, "value")),
    prevent_initial_call=True,
)
def download(n, rows, nj=None, nh=None, rep=None, which="historical", bucket="expiry"):
    """Exports: the book as canonical CSV (bad rows left out), the report as JSON, the
    figures as one standalone HTML page."""
    if ctx.triggered_id == ids.EXPORT_JSON and rep:
        return {"data": {"content": json.dumps(rep, indent=1), "filename": "parity-risk.json"}}
    if ctx.triggered_id == ids.EXPORT_HTML and rep:
        figs = [ladder_figure(rep), scenario_figure(rep, which or "historical"),
                explain_figure(rep), bucket_figure(rep, bucket or "expiry")]
        return {"data": {"content": figures_html(figs, "Parity risk report"),
                         "filename": "parity-risk.html"}}
    try:
        text = Book.from_rows(rows or []).to_csv()
    except ParityError:
        text = "symbol,quantity,trade_price,multiplier\n"
    return {"data": {"content": text, "filename": "parity-book.csv"}}


clientside_callback(REPLACE_URL_QUERY, Output(ids.URL_DUMMY, "children"),
                    Input(ids.URL_DUMMY, "title"))

__all__ = ["market", "evaluate", "spec_from_inputs", "default_rows", "book_to_rows"]
