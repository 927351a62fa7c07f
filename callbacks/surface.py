"""Volatility surface studio callbacks: upload -> core.data -> core.surface -> figures.

Chains and fits are kept in the flask cache under a content hash (the sample has the key
``"sample"``); the browser holds only the key.
"""
from __future__ import annotations

import hashlib
import json
import logging

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from callbacks.cache import cache
from callbacks.browser_js import REPLACE_URL_QUERY, upload_guard
from callbacks.theme import theme_name
from components.figures import figures_html
from components.ids import App
from components.ids import Surface as ids
from components.surface_figures import (ARB_K_RANGE, MODEL_LABELS, quoted_range_arbitrage, default_expiries, residual_figure,
                                        smiles_figure, surface_figure, term_structure_figure)
from components.surface_state import MODELS, to_query
from core.data import MAX_BYTES, load_chain, sample_chain
from core.errors import ParityError
from core.surface import fit_sabr, fit_ssvi, fit_svi

log = logging.getLogger(__name__)
SAMPLE_KEY = "sample"
_FITTERS = {"svi": lambda c, beta: fit_svi(c), "ssvi": lambda c, beta: fit_ssvi(c),
            "sabr": lambda c, beta: fit_sabr(c, beta=beta)}


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
def fit_models(chain, models, beta: float) -> tuple[dict, dict]:
    """Fit each model; return ``(fits, errors)`` keyed by model name (errors are messages)."""
    fits, errors = {}, {}
    for model in [m for m in MODELS if m in (models or [])]:
        try:
            fits[model] = _FITTERS[model](chain, float(beta))
        except ParityError as exc:
            errors[model] = str(exc)
    return fits, errors


def comparison_table(fits: dict, errors: dict, arbs: dict | None = None) -> dbc.Table:
    """One row per model: RMSE, max error, share inside the spread, arbitrage status, fit time."""
    head = ["Model", "IV RMSE (vol pts)", "Max error (vol pts)", "Inside bid/ask", "Butterfly arb.",
            "Calendar arb.", "Fit time (ms)", "Slices"]
    rows = []
    for model in MODELS:
        if model in fits:
            f = fits[model]
            arb = (arbs or {}).get(model) or quoted_range_arbitrage(f)
            n = len(f.params)
            rows.append([MODEL_LABELS[model], f"{f.rmse_iv * 100:.3f}", f"{f.max_error * 100:.3f}",
                         f"{f.inside_spread:.1%}", _ok(arb.butterfly_free), _ok(arb.calendar_free),
                         f"{f.elapsed * 1e3:,.1f}",
                         f"{n} fitted" + (f", {len(f.skipped)} skipped" if f.skipped else "")])
        elif model in errors:
            rows.append([MODEL_LABELS[model], html.Span(f"failed: {errors[model]}",
                                                        className="text-danger"), "", "", "", "", "", ""])
    body = [html.Tr([html.Td(c) for c in r]) for r in rows]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                     size="sm", hover=True, responsive=True, class_name="mb-0")


def _ok(flag: bool) -> html.Span:
    return html.Span("none" if flag else "found", className="text-success" if flag else "text-danger fw-bold")


def metrics_table(fit) -> dbc.Table:
    """Smile metrics per expiry in vol points: ATM, 25-delta risk reversal and butterfly, skew."""
    m = fit.metrics()
    head = ["Expiry", "Days", "Forward", "ATM IV (%)", "RR25 (vol pts)", "BF25 (vol pts)",
            "Skew (vol pts per 0.1 k)"]
    body = [html.Tr([html.Td(pd.Timestamp(r.expiry).strftime("%Y-%m-%d")), html.Td(f"{r.T * 365:.0f}"),
                     html.Td(f"{r.forward:,.2f}"), html.Td(f"{r.atm_vol * 100:.2f}"),
                     html.Td(_num(r.rr25 * 100)), html.Td(_num(r.bf25 * 100)),
                     html.Td(_num(r.skew * 10))]) for r in m.itertuples()]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(body)],
                     size="sm", hover=True, responsive=True, class_name="mb-0 font-monospace small")


def _num(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x:+.2f}"


def chain_info(chain) -> html.Div:
    q = chain.quotes
    return html.Div([
        html.Div([html.B("Quote date "), str(chain.quote_date), html.B("  Spot "), f"{chain.spot:,.2f}",
                  html.Span({"file": " (from the chain file)", "argument": " (given)",
                             "forward": " (from the nearest forward)"}.get(chain.spot_source, ""),
                            className="text-body-secondary")]),
        html.Div([html.B(f"{len(q):,}"), " quotes kept, ", html.B(f"{q['expiry'].nunique()}"),
                  " expiries, ", html.B(f"{int(q['otm'].sum()):,}"), " OTM"]),
        html.Div(chain.label[:1].upper() + chain.label[1:], className="text-body-secondary")
        if chain.label else None,
    ])


def report_view(chain) -> html.Ul:
    return html.Ul([html.Li(line) for line in chain.report.lines()], className="ps-3 mb-0")


def expiry_options(chain) -> list[str]:
    return sorted(pd.to_datetime(chain.otm_quotes(0.6, 1.4)["expiry"]).dt.strftime("%Y-%m-%d").unique())


# --------------------------------------------------------------------------------------------
# cache helpers
# --------------------------------------------------------------------------------------------
def _chain(key: str | None):
    if key in (None, SAMPLE_KEY):
        return sample_chain()
    chain = cache.get(f"chain:{key}")
    if chain is None:
        raise ParityError("The uploaded chain has expired from the cache: upload it again.")
    return chain


def _fits(key: str, models, beta: float) -> tuple[dict, dict]:
    fits, errors, todo = {}, {}, []
    for m in [m for m in MODELS if m in (models or [])]:
        hit = cache.get(f"fit:{key}:{m}:{beta:g}")
        if hit is None:
            todo.append(m)
        else:
            fits[m] = hit
    if todo:
        new, errors = fit_models(_chain(key), todo, beta)
        for m, f in new.items():
            cache.set(f"fit:{key}:{m}:{beta:g}", f)
        fits.update(new)
    return {m: fits[m] for m in MODELS if m in fits}, errors


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
clientside_callback(
    upload_guard(MAX_BYTES),
    Output(ids.UPLOAD_STORE, "data"), Output(ids.UPLOAD_INFO, "children"),
    Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"),
)


@callback(
    Output(ids.CHAIN_KEY, "data"), Output(ids.CHAIN_INFO, "children"), Output(ids.REPORT, "children"),
    Output(ids.EXPIRIES, "options"), Output(ids.EXPIRIES, "value"),
    Output(ids.LOAD_ALERT, "children"), Output(ids.LOAD_ALERT, "is_open"),
    Input(ids.UPLOAD_STORE, "data"), Input(ids.SAMPLE, "n_clicks"),
)
def load(upload, _sample_clicks):
    try:
        if ctx.triggered_id == ids.UPLOAD_STORE and upload:
            key = hashlib.sha1(upload["contents"].encode()).hexdigest()
            chain = load_chain(upload["contents"])
            cache.set(f"chain:{key}", chain)
        else:
            key, chain = SAMPLE_KEY, sample_chain()
    except ParityError as exc:
        name = (upload or {}).get("filename", "the file")
        return (no_update, no_update, no_update, no_update, no_update,
                f"Could not load {name}: {exc}", True)
    except Exception:
        log.exception("chain upload failed")
        return (no_update,) * 5 + ("The file could not be read as an option chain; the error "
                                   "was logged.", True)
    options = expiry_options(chain)
    return key, chain_info(chain), report_view(chain), options, default_expiries(options), "", False


@callback(
    Output(ids.SURFACE_GRAPH, "figure"), Output(ids.TERM_GRAPH, "figure"),
    Output(ids.SMILES_GRAPH, "figure"), Output(ids.RESIDUAL_GRAPH, "figure"),
    Output(ids.COMPARE, "children"), Output(ids.ARBITRAGE, "children"), Output(ids.METRICS, "children"),
    Output(ids.ALERT, "children"), Output(ids.ALERT, "is_open"), Output(ids.STATE, "data"),
    Input(ids.CHAIN_KEY, "data"), Input(ids.MODELS, "value"), Input(ids.BETA, "value"),
    Input(ids.SHOW, "value"), Input(ids.EXPIRIES, "value"), Input(App.THEME_SWITCH, "value"),
)
def update(key, models, beta, show, expiries, dark):
    if key is None:
        return (no_update,) * 10
    theme = theme_name(dark)
    try:
        chain = _chain(key)
        fits, errors = _fits(key, models, float(beta))
        if not fits:
            msg = "Choose at least one model." if not models else "No model could be fitted: " + \
                "; ".join(f"{MODEL_LABELS[m]}: {e}" for m, e in errors.items())
            return (no_update,) * 4 + (comparison_table(fits, errors), "", "", msg, True, no_update)
        drawn = fits.get(show) or next(iter(fits.values()))
        arbs = {m: quoted_range_arbitrage(f) for m, f in fits.items()}   # once per fit, used thrice
        arb_lines = [html.Div(f"{MODEL_LABELS[m]}: " + " ".join(a.lines())) for m, a in arbs.items()]
        arb_lines.append(html.Div("Arbitrage is checked on the quoted range 0.6–1.4 × forward (k = ln K/F "
                                  f"in [{ARB_K_RANGE[0]:.2f}, {ARB_K_RANGE[1]:.2f}]), 200 points per slice.",
                                  className="text-body-secondary"))
        skipped = [html.Div(f"{MODEL_LABELS[m]} skipped {e}: {why}", className="text-body-secondary")
                   for m, f in fits.items() for e, why in f.skipped]
        alert = "; ".join(f"{MODEL_LABELS[m]} failed: {e}" for m, e in errors.items())
        state = to_query(dict(models=list(fits) + list(errors), beta=float(beta), show=drawn.model))
        return (surface_figure(chain, drawn, theme=theme, arb=arbs[drawn.model]),
                term_structure_figure(chain, fits, theme=theme),
                smiles_figure(chain, fits, expiries or [], theme=theme), residual_figure(drawn, theme=theme),
                comparison_table(fits, errors, arbs), arb_lines + skipped, metrics_table(drawn),
                alert, bool(alert), state)
    except ParityError as exc:
        return (no_update,) * 7 + (str(exc), True, no_update)
    except Exception:
        log.exception("surface page failed for %s %s", key, models)
        return (no_update,) * 7 + ("Something went wrong fitting this chain; the error was logged.",
                                   True, no_update)


@callback(
    Output(ids.DOWNLOAD, "data"),
    Input(ids.EXPORT_CSV, "n_clicks"), Input(ids.EXPORT_JSON, "n_clicks"), Input(ids.EXPORT_HTML, "n_clicks"),
    State(ids.CHAIN_KEY, "data"), State(ids.MODELS, "value"), State(ids.BETA, "value"),
    State(ids.SHOW, "value"), State(ids.EXPIRIES, "value"), prevent_initial_call=True,
)
def export(_csv, _json, _html, key, models, beta, show, expiries):
    try:
        fits, _ = _fits(key or SAMPLE_KEY, models, float(beta))
        if not fits:
            return no_update
        if ctx.triggered_id == ids.EXPORT_CSV:
            frames = [f.params.assign(model=m) for m, f in fits.items()]
            table = pd.concat(frames, ignore_index=True)
            return dcc.send_data_frame(table.to_csv, "parity-surface-params.csv", index=False)
        if ctx.triggered_id == ids.EXPORT_JSON:
            payload = {m: f.to_dict() for m, f in fits.items()}
            return dict(content=json.dumps(payload, default=str, indent=1),
                        filename="parity-surface-fits.json", type="application/json")
        chain = _chain(key or SAMPLE_KEY)
        drawn = fits.get(show) or next(iter(fits.values()))
        figs = [surface_figure(chain, drawn), term_structure_figure(chain, fits),
                smiles_figure(chain, fits, expiries or []), residual_figure(drawn)]
        return dict(content=figures_html(figs, "Parity surface"), filename="parity-surface.html",
                    type="text/html")
    except ParityError:
        return no_update


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)
