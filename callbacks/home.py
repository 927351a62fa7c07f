"""Home page callbacks: which data the pages use (with dates) and the latest stored runs."""
from __future__ import annotations

import logging

from dash import Input, Output, html
from callbacks.settings import current_settings

from callbacks.registry import callback
from components.calibration_figures import MODEL_LABELS
from components.ids import Home as ids
from core.data import sample_chain, sample_prices
from core.errors import ParityError
from core.store import shared_store

log = logging.getLogger(__name__)


def data_summary() -> html.Ul:
    """The embedded data every page starts from, with dates."""
    chain = sample_chain()
    prices = sample_prices()
    ex = chain.expiries
    first, last = prices.index.min(), prices.index.max()
    return html.Ul([
        html.Li([html.B("SPX option chain"), f" ({chain.label or 'embedded'}) quoted {chain.quote_date} "
                 f"(spot {chain.spot:,.2f}): {len(chain.quotes):,} quotes, {len(ex)} expiries to "
                 f"{max(ex['expiry']):%Y-%m-%d} — Vol surface, Calibration, Strategies, Risk."]),
        html.Li([html.B("US stock prices"), f" {prices.shape[1]} stocks (skfolio's bundled S&P 500 "
                 f"sample), daily closes {first:%Y-%m-%d} to {last:%Y-%m-%d}, with the S&P 500 and "
                 f"NASDAQ (arch) — Portfolio."]),
        *_real_sample(),
        html.Li("Uploads are named on the page that received them and kept on this server by their "
                "content hash, so the page's link (and a saved workspace) reopens them here; another "
                "page does not use them unless you upload there too.", className="text-body-secondary"),
    ], className="ps-3 mb-0")


def _real_sample() -> list:
    """The real SPXW quotes the Backtest lab uses when this machine has them."""
    from callbacks.backtest import real_path
    from components.backtest_state import REAL_LABEL

    if real_path() is None:
        return []
    return [html.Li([html.B("SPXW option quotes"), f" ({REAL_LABEL}) — Backtest."])]


def recent_runs(database_url: str, n: int = 5) -> html.Div:
    """The ``n`` latest runs, each opening in the calibration lab."""
    runs = shared_store(database_url).list_runs(limit=n)
    if not runs:
        return html.Div(["No runs yet. ", html.A("Calibrate a model", href="/calibration"),
                         " and every fit is stored in the ", html.A("runs registry", href="/runs"), "."],
                        className="text-body-secondary")
    items = [html.Li([html.A(f"{MODEL_LABELS.get(r.model, r.model)} {r.created:%Y-%m-%d %H:%M}",
                             href=f"/calibration?runs={r.id}&models={r.model}&show={r.model}"),
                      f" · {r.metrics['rmse_iv'] * 100:.2f} vol pts" if isinstance(r.metrics.get("rmse_iv"), float) else "",
                      f" · {r.label}" if r.label else ""]) for r in runs]
    return html.Div([html.Ul(items, className="ps-3 mb-1"), html.A("All runs", href="/runs")])


@callback(output=dict(data=Output(ids.DATA, "children"), runs=Output(ids.RUNS, "children")),
          inputs=dict(_start=Input(ids.START, "id")))
def fill(_start):
    try:
        data = data_summary()
    except Exception:
        log.exception("home: data summary failed")
        data = html.Span("The embedded data could not be read; the error was logged.", className="text-danger")
    try:
        runs = recent_runs(current_settings().database_url)
    except ParityError as exc:
        runs = html.Span(f"The runs registry could not be read: {exc}", className="text-danger")
    return dict(data=data, runs=runs)
