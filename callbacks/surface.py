"""Volatility surface studio callbacks: upload -> core.data -> core.surface -> figures.

An upload is kept in the store by content hash (:mod:`callbacks.uploads`); the browser holds
only its record ``{key, name, size}`` and the chain key (the sample's is ``"sample"``). Chains
and fits are cached in the flask cache under that key; a chain missing from the cache is
rebuilt from the stored upload, so a link with ``data=<key>`` reopens it.

SVI's slices are fitted independently, or (``slices=joint`` in the link) jointly under calendar
constraints by :func:`core.surface.fit_svi` with ``calendar="joint"``: seconds on a multi-expiry
chain, so a background job (:func:`fit_joint`, with progress and cancel) fits it into the cache
and the page redraws when its ``done`` store names the chain; until then independent slices are
shown and the page says so.
"""
from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime, timezone

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update
from callbacks.registry import callback, clientside_callback

from callbacks.cache import cache, cache_context
from callbacks import uploads
from callbacks.browser_js import REPLACE_URL_QUERY, upload_guard, url_upload
from callbacks.jobs import job_failed
from callbacks.theme import theme_name
from components.figures import data_source, figures_html, with_source
from components.ids import App, SurfaceSlices, Uploads, Wiring
from components.ids import Surface as ids
from components.export import safe_csv
from components.surface_figures import (MODEL_LABELS, default_expiries, residual_figure,
                                        smiles_figure, surface_figure, term_structure_figure)
from components.surface_state import MODELS, to_query
from components.uploads import record_line, upload_failure
from core.data import load_chain, sample_chain
from core.errors import ParityError
from core.surface import crossed_expiries, fit_essvi, fit_sabr, fit_ssvi, fit_svi
from core.surface.views import SurfaceComparison, compare_fits

log = logging.getLogger(__name__)
SAMPLE_KEY = "sample"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
_FITTERS = {"svi": lambda c, beta: fit_svi(c), "ssvi": lambda c, beta: fit_ssvi(c),
            "essvi": lambda c, beta: fit_essvi(c), "sabr": lambda c, beta: fit_sabr(c, beta=beta)}


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


def comparison_table(fits: dict, errors: dict, comparison: SurfaceComparison | None = None,
                     labels: dict | None = None) -> dbc.Table:
    """One row per model: RMSE, max error, share inside the spread, arbitrage status, fit time
    (``labels`` renames rows, e.g. SVI as "SVI (joint)")."""
    labels = {**MODEL_LABELS, **(labels or {})}
    comparison = comparison or (compare_fits(fits) if fits else None)
    head = ["Model", "IV RMSE (vol pts)", "Max error (vol pts)", "Inside bid/ask", "Butterfly arb.",
            "Calendar arb.", "Fit time (ms)", "Slices"]
    rows = []
    for model in MODELS:
        if model in fits:
            f = fits[model]
            arb = comparison[model].arbitrage
            n = len(f.params)
            rows.append([labels[model], f"{f.rmse_iv * 100:.3f}", f"{f.max_error * 100:.3f}",
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


def crossings_view(independent, joint, slices: str, status: str = "") -> html.Div:
    """The calendar check of SVI's slices at the listed expiries (``k`` in [-1.5, 1.5]): how many
    adjacent pairs cross when fitted independently, and when fitted jointly (``status``: why the
    joint fit is not shown yet, e.g. running, cancelled, failed)."""
    if independent is None:
        return html.Div()
    pairs = max(len(independent.params) - 1, 0)

    def count(fit, name):
        crossed = crossed_expiries(fit)
        text = f"{name}: {len(crossed)} of {pairs} adjacent expiry pairs cross"
        if crossed:
            worst = max(crossed, key=lambda c: c["drop"])
            text += (f" (largest drop {worst['drop']:.3g} in total variance, "
                     f"{worst['expiry1']} → {worst['expiry2']} at k = {worst['k']:.2f})")
        return html.Span(text, className="text-danger" if crossed else "text-success")

    parts = [html.B("SVI calendar check at the listed expiries (k in [-1.5, 1.5]) — "),
             count(independent, "independent slices")]
    if joint is not None:
        parts += ["; ", count(joint, "joint fit"),
                  html.Span(f" (IV RMSE {independent.rmse_iv * 100:.3f} → "
                            f"{joint.rmse_iv * 100:.3f} vol pts, fitted in "
                            f"{joint.elapsed:,.1f} s against {independent.elapsed:,.2f} s)",
                            className="text-body-secondary")]
    elif slices == "joint":
        parts += ["; ", html.Span(status or "joint fit running in the background…",
                                  className="text-body-secondary")]
    elif pairs and crossed_expiries(independent):      # advice only when something crosses
        parts.append(html.Span(" — choose SVI slices: joint to fit them without crossing.",
                               className="text-body-secondary"))
    return html.Div(parts)


def joint_key(key: str) -> str:
    """Cache key of a chain's joint SVI fit."""
    return f"fit:{key}:svi-joint"


def fit_joint_svi(key: str, progress=None):
    """The chain's joint calendar-aware SVI fit, from the cache or fitted (and cached)."""
    with cache_context():
        fit = cache.get(joint_key(key))
        if fit is None:
            fit = fit_svi(_chain(key), calendar="joint", progress=progress)
            cache.set(joint_key(key), fit)
    return fit


def with_joint(key: str, fits: dict, slices: str | None, done: dict | None) -> tuple[dict, object, str]:
    """``(fits, independent SVI fit, status)``: with ``slices == "joint"`` the cached joint SVI
    fit replaces the independent one (``status`` says why not when it is not there yet)."""
    independent = fits.get("svi")
    if slices != "joint" or independent is None:
        return fits, independent, ""
    joint = cache.get(joint_key(key))
    if joint is None:
        error = (done or {}).get("error") if (done or {}).get("key") == key else None
        return fits, independent, (f"the joint fit failed: {error}; independent slices shown"
                                   if error else "joint fit not ready (running in the background, "
                                   "or cancelled): independent slices shown until it is done")
    return {**fits, "svi": joint}, independent, ""


# --------------------------------------------------------------------------------------------
# cache helpers
# --------------------------------------------------------------------------------------------
def chain_from_upload(data: bytes, name: str):
    """The chain of an uploaded file, labelled with its name."""
    chain = load_chain(data, max_bytes=uploads.max_upload_bytes())
    return dataclasses.replace(chain, label=data_source(chain.label, name or "(no name)"))


def _chain(key: str | None):
    if key in (None, SAMPLE_KEY):
        return sample_chain()
    chain = cache.get(f"chain:{key}")
    if chain is None:  # not cached (expired, another worker's cache): rebuild from the store
        chain = chain_from_upload(*uploads.fetch(key))
        cache.set(f"chain:{key}", chain)
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
    upload_guard(),
    Output(ids.UPLOAD_STORE, "data"), Output(ids.UPLOAD_INFO, "children"),
    Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"), State(Wiring.UPLOAD_LIMIT, "data"),
    prevent_initial_call=True,
)


_LOAD_OUT = ("key", "record", "info", "report", "options", "expiries")


def open_chain(upload: dict | None, linked: str | None, uploaded: bool) -> tuple[str, dict | None, object, str]:
    """``(chain key, upload record, chain, message)`` for the load callback: a new upload
    (``uploaded``) is kept in the store and loaded once; a link's key reopens its stored upload;
    else the sample. A linked key that is gone gives the sample and :data:`uploads.GONE`."""
    if uploaded:
        record = uploads.keep(upload["contents"], upload.get("filename"))
        chain = chain_from_upload(*uploads.fetch(record))
        cache.set(f"chain:{record['key']}", chain)
        return record["key"], record, chain, ""
    if linked:
        record = uploads.lookup(linked)
        if record is None:
            return SAMPLE_KEY, None, sample_chain(), uploads.GONE
        return record["key"], record, _chain(record["key"]), ""
    return SAMPLE_KEY, None, sample_chain(), ""


@callback(
    output=dict(key=Output(ids.CHAIN_KEY, "data"), record=Output(Uploads.SURFACE, "data"),
                info=Output(ids.CHAIN_INFO, "children"),
                report=Output(ids.REPORT, "children"), options=Output(ids.EXPIRIES, "options"),
                expiries=Output(ids.EXPIRIES, "value"), alert=Output(ids.LOAD_ALERT, "children"),
                show=Output(ids.LOAD_ALERT, "is_open")),
    inputs=dict(upload=Input(ids.UPLOAD_STORE, "data"), _sample=Input(ids.SAMPLE, "n_clicks"),
                linked=State(Uploads.SURFACE_LINK, "data")),
)
def load(upload, _sample, linked):
    uploaded = ctx.triggered_id == ids.UPLOAD_STORE and bool(upload)
    try:
        key, record, chain, message = open_chain(upload, None if ctx.triggered_id == ids.SAMPLE else linked,
                                                 uploaded)
    except Exception as exc:  # every failure is a readable alert, the last good chain stays
        if not uploaded:      # a linked upload that cannot be read: say so, show the sample
            log.warning("linked upload %s could not be reopened", linked, exc_info=True)
            key, record, chain, message = SAMPLE_KEY, None, sample_chain(), uploads.GONE
        else:
            return {**dict.fromkeys(_LOAD_OUT, no_update), "alert": upload_failure(upload, exc, log),
                    "show": True}
    options = expiry_options(chain)
    info = chain_info(chain)
    if record:
        info.children.insert(0, html.Div(record_line(record), className="text-body-secondary"))
    return dict(key=key, record=record, info=info, report=report_view(chain), options=options,
                expiries=default_expiries(options), alert=message, show=bool(message))


_UPDATE_OUT = ("surface", "term", "smiles", "residual", "compare", "arbitrage", "metrics",
               "alert", "show", "state", "drawn", "drawn_options", "crossings")


def _warns(note: str) -> bool:
    """A fit note that says the fit falls short (a slice shape that cannot follow the smile, a
    constraint not met), shown as a warning rather than as information."""
    return "cannot follow" in note or "NOT " in note


def drawn_model(show: str | None, fits: dict) -> str:
    """The model drawn in 3D and in the residuals: the chosen one when it was fitted, else the
    first fitted (the radio is then moved to it, so it always names what is drawn)."""
    return show if show in fits else next(iter(fits))


def show_options(fits: dict) -> list[dict]:
    """The "drawn model" radio: only fitted models can be chosen."""
    return [{"label": MODEL_LABELS[m], "value": m, "disabled": m not in fits} for m in MODELS]


@callback(
    output=dict(surface=Output(ids.SURFACE_GRAPH, "figure"), term=Output(ids.TERM_GRAPH, "figure"),
                smiles=Output(ids.SMILES_GRAPH, "figure"), residual=Output(ids.RESIDUAL_GRAPH, "figure"),
                compare=Output(ids.COMPARE, "children"), arbitrage=Output(ids.ARBITRAGE, "children"),
                metrics=Output(ids.METRICS, "children"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open"), state=Output(ids.STATE, "data"),
                drawn=Output(ids.SHOW, "value"), drawn_options=Output(ids.SHOW, "options"),
                crossings=Output(SurfaceSlices.CROSSINGS, "children")),
    inputs=dict(key=Input(ids.CHAIN_KEY, "data"), models=Input(ids.MODELS, "value"),
                beta=Input(ids.BETA, "value"), show=Input(ids.SHOW, "value"),
                expiries=Input(ids.EXPIRIES, "value"), dark=Input(App.THEME_SWITCH, "value"),
                slices=Input(SurfaceSlices.SLICES, "value"),
                done=Input(SurfaceSlices.JOINT_DONE, "data")),
)
def update(key, models, beta, show, expiries, dark, slices="independent", done=None):
    out = dict.fromkeys(_UPDATE_OUT, no_update)
    if key is None:
        return out
    theme = theme_name(dark)
    try:
        chain = _chain(key)
        fits, errors = _fits(key, models, float(beta))
        fits, independent, status = with_joint(key, fits, slices, done)
        if not fits:
            msg = "Choose at least one model." if not models else "No model could be fitted: " + \
                "; ".join(f"{MODEL_LABELS[m]}: {e}" for m, e in errors.items())
            return {**out, "compare": comparison_table(fits, errors), "arbitrage": "",
                    "metrics": "", "alert": msg, "show": True, "drawn_options": show_options(fits),
                    "crossings": ""}
        cmp = compare_fits(fits)        # arbitrage and term structures, once per update
        model = drawn_model(show, fits)
        drawn = fits[model]
        arb_lines = [html.Div(f"{MODEL_LABELS[v.model]}: " + " ".join(v.arbitrage.lines()))
                     for v in cmp.views]
        arb_lines.append(html.Div(cmp.note(), className="text-body-secondary"))
        skipped = [html.Div(f"{MODEL_LABELS[m]} skipped {e}: {why}", className="text-body-secondary")
                   for m, f in fits.items() for e, why in f.skipped]
        notes = [html.Div(f"{MODEL_LABELS[m]}: {n}", className="small mt-1 " + (
            "text-warning-emphasis" if _warns(n) else "text-body-secondary"))
            for m, f in fits.items() for n in f.notes]
        alert = "; ".join(f"{MODEL_LABELS[m]} failed: {e}" for m, e in errors.items())
        state = to_query(dict(models=list(fits) + list(errors), beta=float(beta), show=model,
                              slices=slices or "independent"))
        joint = fits["svi"] if independent is not None and fits["svi"] is not independent else None
        labels = {"svi": "SVI (joint)"} if joint is not None else None
        src = data_source(chain.label)
        return dict(surface=with_source(surface_figure(chain, drawn, theme=theme, view=cmp[model]), src),
                    term=with_source(term_structure_figure(chain, cmp, theme=theme, labels=labels),
                                     src),
                    smiles=with_source(smiles_figure(chain, fits, expiries or [], theme=theme), src),
                    residual=with_source(residual_figure(drawn, theme=theme), src),
                    compare=comparison_table(fits, errors, cmp, labels),
                    crossings=crossings_view(independent, joint, slices, status),
                    arbitrage=arb_lines + skipped + notes,
                    metrics=metrics_table(drawn), alert=alert, show=bool(alert), state=state,
                    drawn=model if model != show else no_update, drawn_options=show_options(fits))
    except ParityError as exc:
        return {**out, "alert": str(exc), "show": True}
    except Exception:
        log.exception("surface page failed for %s %s", key, models)
        return {**out, "alert": "Something went wrong fitting this chain; the error was logged.",
                "show": True}


@callback(
    output=Output(ids.DOWNLOAD, "data"),
    inputs=dict(_csv=Input(ids.EXPORT_CSV, "n_clicks"), _json=Input(ids.EXPORT_JSON, "n_clicks"),
                _html=Input(ids.EXPORT_HTML, "n_clicks"), key=State(ids.CHAIN_KEY, "data"),
                models=State(ids.MODELS, "value"), beta=State(ids.BETA, "value"),
                show=State(ids.SHOW, "value"), expiries=State(ids.EXPIRIES, "value"),
                slices=State(SurfaceSlices.SLICES, "value")),
    prevent_initial_call=True,
)
def export(_csv, _json, _html, key, models, beta, show, expiries, slices="independent"):
    try:
        fits, _ = _fits(key or SAMPLE_KEY, models, float(beta))
        fits = with_joint(key or SAMPLE_KEY, fits, slices, None)[0]
        if not fits:
            return no_update
        if ctx.triggered_id == ids.EXPORT_CSV:
            frames = [f.params.assign(model=m) for m, f in fits.items()]
            table = pd.concat(frames, ignore_index=True)
            chain = _chain(key or SAMPLE_KEY)
            head = {"export": "surface fit parameters", "quote_date": chain.quote_date,
                    "spot": f"{chain.spot:.6g}", "data": data_source(chain.label) or f"chain {key[:12]}",
                    "exported_utc": _now()}
            return dict(content=safe_csv(table, header=head), filename="parity-surface-params.csv",
                        type="text/csv")
        if ctx.triggered_id == ids.EXPORT_JSON:
            payload = {m: f.to_dict() for m, f in fits.items()}
            return dict(content=json.dumps(payload, default=str, indent=1),
                        filename="parity-surface-fits.json", type="application/json")
        chain = _chain(key or SAMPLE_KEY)
        model = drawn_model(show, fits)
        cmp = compare_fits(fits)
        src = data_source(chain.label)
        figs = [with_source(f, src) for f in (
            surface_figure(chain, fits[model], view=cmp[model]), term_structure_figure(chain, cmp),
            smiles_figure(chain, fits, expiries or []), residual_figure(fits[model]))]
        return dict(content=figures_html(figs, "Parity surface"), filename="parity-surface.html",
                    type="text/html")
    except ParityError:
        return no_update


@callback(
    output=dict(done=Output(SurfaceSlices.JOINT_DONE, "data")),
    inputs=dict(slices=Input(SurfaceSlices.SLICES, "value"), key=Input(ids.CHAIN_KEY, "data"),
                models=Input(ids.MODELS, "value")),
    background=True, prevent_initial_call=True,
    running=[(Output(SurfaceSlices.JOINT_CANCEL, "disabled"), False, True)],
    cancel=[Input(SurfaceSlices.JOINT_CANCEL, "n_clicks")],
    progress=[Output(SurfaceSlices.JOINT_PROGRESS, "value"),
              Output(SurfaceSlices.JOINT_STATUS, "children")],
    interval=300, on_error=job_failed(ids.ALERT, what="The joint SVI fit"),
)
def fit_joint(set_progress, slices, key, models):
    """The joint SVI fit as a background job; the page redraws when ``done`` names the chain."""
    if slices != "joint" or key is None or "svi" not in (models or []):
        set_progress((0, ""))
        return dict(done=no_update)
    try:
        fit_joint_svi(key, progress=lambda f, m: set_progress((round(100 * f), m)))
    except ParityError as exc:
        set_progress((0, ""))
        return dict(done={"key": key, "error": str(exc)})
    set_progress((100, "joint SVI fit done"))
    return dict(done={"key": key, "slices": "joint"})


clientside_callback(
    REPLACE_URL_QUERY,
    Output(ids.URL_DUMMY, "children"),
    Input(ids.STATE, "data"),
)
clientside_callback(url_upload("data"), Output(Uploads.SURFACE_LINK, "data"),
                    Input(Uploads.SURFACE, "data"), prevent_initial_call=True)
