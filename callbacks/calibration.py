"""Calibration lab callbacks: a background job fits the chosen models; results are recorded in
the runs registry and drawn. The chain travels to the job as the upload's data URL (or ``None``
for the embedded sample), so any worker can run it.

The page's result store holds a small reference (:func:`keep`): the fitted parameters and the
payload's token. The drawn arrays (fitted quotes, market grid, model surfaces: ~330 kB for one
model) stay on the server in the cache under that token, so the browser never uploads them back
with each redraw; :func:`kept` reads them, or rebuilds them from the registry's runs."""
from __future__ import annotations

import dataclasses
import logging
import math
import uuid

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html, no_update
from callbacks.registry import callback, clientside_callback
from callbacks.settings import current_settings

from callbacks import uploads
from callbacks.cache import cache, cache_context
from callbacks.browser_js import REPLACE_URL_QUERY, upload_guard, url_upload
from callbacks.jobs import job_failed
from callbacks.theme import theme_name
from components.param_labels import param_label
from components.figures import data_source, with_source
from components.calibration_figures import (MODEL_LABELS, MODELS, SURFACE_VIEWS, correlation_figure,
                                            fit_residual_figure, fit_smiles_figure, model_surface_figure)
from components.ids import App, CalibrationSurface, Uploads, Wiring
from components.ids import Calibration as ids
from components.registry_notes import loaded_note, not_saved_note, saved_note
from components.uploads import record_line, upload_failure
from core.calibration import (CalibrationResult, CalibrationView, calibrate, calibration_view,
                              quotes_fingerprint)
from core.data import load_chain, sample_chain
from core.errors import ParityError

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
def chain_for(upload: dict | None):
    """The chain of an upload record ``{key, name, size}`` (fetched from the store; or a raw
    ``{contents, filename}`` upload), labelled with its file name; the embedded modelled SPX
    chain when nothing was uploaded."""
    if not upload:
        return sample_chain()
    if "contents" in upload:
        data, name = upload["contents"], upload.get("filename")
    else:
        data, name = uploads.fetch(upload)
    chain = load_chain(data, max_bytes=uploads.max_upload_bytes())
    return dataclasses.replace(chain, label=data_source(chain.label, name or "(no name)"))


def data_key(upload: dict | None) -> str:
    """Identity of the data a payload was fitted to (warm starts only reuse the same data): the
    upload's content key, ``"sample"`` for the embedded chain."""
    if not upload:
        return "sample"
    if "contents" in upload:
        import hashlib

        return hashlib.sha256(str(upload["contents"]).encode()).hexdigest()
    return str(upload["key"])


def open_upload(upload: dict | None, linked: str | None) -> tuple[dict | None, str]:
    """``(record, message)`` for the data card: a new upload kept in the store, a link's stored
    upload, or ``None`` (the embedded chain); a linked key that is gone says :data:`uploads.GONE`."""
    if upload:
        return uploads.keep(upload["contents"], upload.get("filename")), ""
    if linked:
        record = uploads.lookup(linked)
        return record, "" if record else uploads.GONE
    return None, ""


def run_models(chain, models, *, weights: str = "iv", previous: dict | None = None,
               progress=None) -> dict:
    """Calibrate each model and gather what the page draws, as a JSON-ready payload.

    ``previous`` is an earlier payload of the same data: each model in it warm starts from its
    parameters (skipping the global search). Failures are reported per model, never raised, unless every
    model fails.
    """
    say = progress or (lambda f, m: None)
    results, errors = {}, {}
    prev = (previous or {}).get("results", {})
    n = max(len(models), 1)
    for i, model in enumerate(models):
        def step(f, msg, i=i, model=model):
            say((i + min(max(f, 0.0), 1.0)) / n, f"{MODEL_LABELS[model]}: {msg}")

        start = None
        if model in prev:
            old = CalibrationResult.from_dict(prev[model])
            start = old if old.settings.get("weights") == weights else None
        try:
            res = calibrate(chain, model, progress=step, weights=weights, start=start)
        except ParityError as exc:
            errors[model] = str(exc)
            continue
        results[model] = res
    if not results:
        raise ParityError("no model could be calibrated: " +
                          "; ".join(f"{MODEL_LABELS[m]}: {e}" for m, e in errors.items()))
    say(1.0, "SVI reference fit")
    payload = assemble(chain, results, errors)
    payload["weights"] = weights
    return payload


def assemble(chain, results: dict, errors: dict | None = None) -> dict:
    """The page's store payload: :func:`core.calibration.calibration_view` as a dict, plus a
    token that names this set of results."""
    return {**calibration_view(chain, results, errors).to_dict(), "token": uuid.uuid4().hex,
            "source": data_source(chain.label)}


def restore(run_ids: list[str], database_url: str, upload: dict | None = None) -> dict:
    """Rebuild the page from stored runs, on the chain they were fitted to: ``upload`` (the
    record of a kept upload the link names with ``data=<key>``), else the embedded sample. A run
    fitted to another chain raises ParityError saying so (its fingerprint is of the quotes)."""
    from core.store import calibration_from_run, shared_store

    store = shared_store(database_url)
    chain = chain_for(upload)
    results = {}
    for run_id in run_ids:
        res = calibration_from_run(store.get_run(run_id))
        if res.fingerprint != quotes_fingerprint(chain, res.settings):
            if upload:
                raise ParityError(f"run {run_id[:8]} was not fitted to {upload.get('name') or 'the linked upload'}: "
                                  "open the run from the runs registry, or calibrate again")
            raise ParityError(f"run {run_id[:8]} was fitted to an uploaded chain: upload it again and calibrate")
        results[res.model] = res
    if not results:
        raise ParityError("no runs in the link")
    payload = assemble(chain, results)
    payload.update(restored=True, data_id=data_key(upload), run_ids=list(run_ids),
                   weights=next(iter(results.values())).settings.get("weights", "vega"))
    return payload


#: The parts of a payload kept on the server only: what the figures draw (the fitted quotes, the
#: market grid, the model surfaces, the SVI reference). The rest (parameters, errors, token, run
#: ids: a few kB) is the page's result store.
HEAVY = ("fitted", "market", "surfaces", "svi")


def _cache_key(token: str) -> str:
    return f"calibration:{token}"


def keep(payload: dict) -> dict:
    """Keep a payload in the server cache under its token; return the page's reference to it.

    Parameters
    ----------
    payload : dict
        As :func:`run_models`, :func:`assemble` or :func:`restore` return it.

    Returns
    -------
    dict
        The payload without :data:`HEAVY` (the results' parameters, errors, token, run ids).
    """
    with cache_context():
        cache.set(_cache_key(payload["token"]), {k: payload[k] for k in HEAVY if k in payload})
    return {k: v for k, v in payload.items() if k not in HEAVY}


def kept(ref: dict, upload: dict | None = None, run_ids: list[str] | None = None) -> dict:
    """The whole payload a page's reference names (:func:`keep`): its drawn arrays from the cache;
    when they are gone (expired, evicted, another host's cache) rebuilt from the registry's runs
    (a restored payload's, or the ids the page saved, ``run_ids``) on ``upload``'s chain, and kept
    again.

    Parameters
    ----------
    ref : dict
        The page's result store.
    upload : dict, optional
        The record of the upload the runs were fitted to (``None``: the embedded sample).
    run_ids : list of str, optional
        The registry ids the page saved the results as.

    Returns
    -------
    dict
        The payload, as :func:`run_models` returned it.

    Raises
    ------
    ParityError
        Nothing kept and no runs to rebuild it from: calibrate again.
    """
    if all(k in ref for k in HEAVY):          # a whole payload (tests, older pages)
        return ref
    with cache_context():
        heavy = cache.get(_cache_key(ref.get("token", "")))
    if heavy is None:
        ids_ = ref.get("run_ids") or run_ids
        if not ids_:
            raise ParityError("this result is no longer kept on the server (results are kept an hour) "
                              "and was not saved to the runs registry: calibrate again")
        rebuilt = restore(ids_, current_settings().database_url, upload)
        heavy = {k: rebuilt[k] for k in HEAVY if k in rebuilt}
        with cache_context():
            cache.set(_cache_key(ref["token"]), heavy)
    return {**ref, **heavy}


def params_table(payload: dict) -> html.Div:
    """Per model: each parameter with its 95% interval on a domain-respecting scale (log,
    logit/atanh: asymmetric, never an impossible value; one-sided at a calibration bound), its
    standard error, then RMSE, time, iterations, Feller, and the fit's warnings in words."""
    blocks = []
    for model, d in payload["results"].items():
        r = CalibrationResult.from_dict(d)
        head = html.Thead(html.Tr([html.Th(h) for h in ("Parameter", "Value", "95% interval", "s.e.")]))
        body = []
        for name in r.param_names:
            v, se = r.params[name], r.stderr.get(name, math.nan)
            lo, hi = (r.intervals or {}).get(name, (math.nan, math.nan))
            ok = lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi)
            body.append(html.Tr([html.Td(param_label(model, name)), html.Td(f"{v:.5g}"),
                                 html.Td(f"[{lo:.4g}, {hi:.4g}]" if ok else "not identified"),
                                 html.Td(f"{se:.3g}" if se is not None and math.isfinite(se) else "–")]))
        feller = "" if r.feller is None else (
            f" · Feller 2κθ − σ² = {r.feller_value:.3g} ({'satisfied' if r.feller else 'violated'})")
        warn = [html.Ul([html.Li(w) for w in r.warnings], className="small text-warning-emphasis mb-2 ps-3")] \
            if r.warnings else []
        blocks.append(dbc.Col([
            html.H6(MODEL_LABELS[model], className="mb-1"),
            html.Div(f"IV RMSE {r.rmse_iv * 100:.2f} vol pts over {r.n_quotes} quotes · {r.elapsed:.2f} s · "
                     f"{r.iterations} iterations{feller}", className="small text-body-secondary mb-1"),
            dbc.Table([head, html.Tbody(body)], size="sm", class_name="small font-monospace mb-2"),
            *warn,
        ], xl=6))
    svi = payload.get("svi") or {}
    extra = [html.Div(f"SVI surface on the same quotes: IV RMSE {svi['rmse_iv'] * 100:.2f} vol pts "
                      "(a per-expiry curve fit, the floor a model would need to beat).",
                      className="small text-body-secondary")] if svi.get("rmse_iv") is not None else []
    failed = [html.Div(f"{MODEL_LABELS[m]} failed: {e}", className="small text-danger")
              for m, e in payload.get("errors", {}).items()]
    return html.Div([dbc.Row(blocks), *extra, *failed])


def fitted_frames(payload: dict) -> dict:
    """Model name -> DataFrame of fitted quotes, with the SVI reference when present."""
    return CalibrationView.from_dict(payload).frames()


def show_options(payload: dict | None) -> list[dict]:
    """The "drawn model" radio: only calibrated models can be chosen."""
    done = (payload or {}).get("results", {})
    return [{"label": MODEL_LABELS[m], "value": m, "disabled": bool(payload) and m not in done}
            for m in MODELS]


def record(payload: dict, database_url: str) -> list[str]:
    """Store every result of a payload in the runs registry; returns the run ids."""
    from core.store import record_calibration, shared_store

    store = shared_store(database_url)
    return [record_calibration(store, CalibrationResult.from_dict(d), label=f"calibration lab {payload['token'][:8]}")
            for d in payload["results"].values()]


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
clientside_callback(
    upload_guard(),
    Output(ids.UPLOAD_STORE, "data"), Output(ids.UPLOAD_INFO, "children"),
    Input(ids.UPLOAD, "contents"), State(ids.UPLOAD, "filename"), State(Wiring.UPLOAD_LIMIT, "data"),
    prevent_initial_call=True,
)


@callback(output=dict(upload=Output(ids.UPLOAD_STORE, "data", allow_duplicate=True),
                     link=Output(Uploads.CALIBRATION_LINK, "data", allow_duplicate=True)),
          inputs=dict(_n=Input(ids.SAMPLE, "n_clicks")), prevent_initial_call=True)
def use_sample(_n):
    return dict(upload=None, link=None)   # the embedded chain, and no upload to reopen


@callback(output=dict(info=Output(ids.DATA_INFO, "children"), record=Output(Uploads.CALIBRATION, "data")),
          inputs=dict(upload=Input(ids.UPLOAD_STORE, "data"), linked=State(Uploads.CALIBRATION_LINK, "data")))
def data_info(upload, linked):
    """The only callback that receives the upload's bytes: keeps them in the store, answers
    with the record the page keeps, and describes the chain."""
    record, message = None, ""
    try:
        record, message = open_upload(upload, linked)   # the link store follows the record
        chain = chain_for(record)
    except Exception as exc:  # every failure is a readable message, never an HTTP 500
        if not upload:        # a linked upload that cannot be read: say so, use the default
            log.warning("linked upload %s could not be reopened", linked, exc_info=True)
            record, message, chain = None, uploads.GONE, chain_for(None)
        else:
            return dict(info=dbc.Alert(upload_failure(upload, exc, log), color="danger",
                                       class_name="py-1 small mb-0", id=ids.DATA_ERROR),
                        record=no_update)
    name = data_source(chain.label) or "Embedded chain"
    info = [html.B(name), f" · {chain.quote_date} · spot {chain.spot:,.2f} · "
            f"{len(chain.otm_quotes(0.6, 1.4))} OTM quotes in {chain.expiries.shape[0]} expiries"]
    if record:
        info += [html.Br(), html.Span(record_line(record), className="text-body-secondary")]
    if message:
        info = [dbc.Alert(message, color="warning", class_name="py-1 small mb-1", id=ids.DATA_ERROR), *info]
    return dict(info=html.Div(info), record=record)


@callback(
    output=dict(result=Output(ids.RESULT, "data"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open")),
    inputs=dict(run=Input(ids.RUN, "n_clicks"), upload=State(Uploads.CALIBRATION, "data"),
                models=State(ids.MODELS, "value"), weights=State(ids.WEIGHTS, "value"),
                warm=State(ids.WARM, "value"), previous=State(ids.RESULT, "data")),
    background=True, prevent_initial_call=True,
    running=[(Output(ids.RUN, "disabled"), True, False), (Output(ids.CANCEL, "disabled"), False, True)],
    cancel=[Input(ids.CANCEL, "n_clicks")],
    progress=[Output(ids.PROGRESS, "value"), Output(ids.STATUS, "children")],
    interval=250, on_error=job_failed(ids.ALERT, what="The calibration"),
)
def run(set_progress, run, upload, models, weights, warm, previous):
    if not models:
        return dict(result=no_update, alert="Choose at least one model.", show=True)
    data_id = data_key(upload)
    same_data = previous and previous.get("data_id") == data_id
    try:
        chain = chain_for(upload)
        payload = run_models(chain, models, weights=weights, previous=previous if warm and same_data else None,
                             progress=lambda f, m: set_progress((round(100 * f), m)))
        payload["data_id"] = data_id
    except ParityError as exc:
        set_progress((0, ""))
        return dict(result=no_update, alert=f"Calibration failed: {exc}. The last good result is kept.",
                    show=True)
    except Exception:
        log.exception("calibration job failed")
        return dict(result=no_update, alert="Something went wrong calibrating; the error was logged.",
                    show=True)
    set_progress((100, "done"))
    failed = "; ".join(f"{MODEL_LABELS[m]}: {e}" for m, e in payload["errors"].items())
    return dict(result=keep(payload), alert=f"Some models failed — {failed}" if failed else "",
                show=bool(failed))


@callback(output=dict(result=Output(ids.RESULT, "data", allow_duplicate=True),
                     alert=Output(ids.ALERT, "children", allow_duplicate=True),
                     show=Output(ids.ALERT, "is_open", allow_duplicate=True)),
          inputs=dict(run_ids=Input(ids.RUNS_QUERY, "data"), linked=State(Uploads.CALIBRATION_LINK, "data")),
          prevent_initial_call="initial_duplicate")
def load_runs(run_ids, linked):
    """A link's ``runs=`` rebuilt on the chain its ``data=`` names (a workspace keeps the upload)."""
    if not run_ids:
        return dict(result=no_update, alert=no_update, show=no_update)
    record = uploads.lookup(linked) if linked else None
    if linked and record is None:
        return dict(result=no_update, show=True,
                    alert=f"Could not load the runs in this link: they were fitted to an upload. {uploads.GONE}")
    try:
        return dict(result=keep(restore(run_ids, current_settings().database_url, record)),
                    alert="", show=False)
    except ParityError as exc:
        return dict(result=no_update, alert=f"Could not load the runs in this link: {exc}", show=True)


@callback(output=dict(saved=Output(ids.SAVED, "children"), run_ids=Output(ids.RUN_IDS, "data")),
          inputs=dict(payload=Input(ids.RESULT, "data")), prevent_initial_call=True)
def save_runs(payload):
    if not payload:
        return dict(saved=no_update, run_ids=no_update)
    if payload.get("restored"):
        return dict(saved=loaded_note(f"{len(payload['run_ids'])} run(s)"),
                    run_ids=payload["run_ids"])
    try:
        ids_ = record(payload, current_settings().database_url)
    except ParityError as exc:  # the store says why: deleted, locked, disk full, read-only
        log.warning("could not record calibration runs: %s", exc)
        return dict(saved=not_saved_note("The runs", exc), run_ids=no_update)
    except Exception:
        log.exception("could not record calibration runs")
        return dict(saved=not_saved_note("The runs"), run_ids=no_update)
    return dict(saved=saved_note(f"{len(ids_)} run(s)", them=True), run_ids=ids_)


_RENDER_OUT = ("params", "smiles", "residual", "drawn_model", "drawn", "drawn_options")


@callback(
    output=dict(params=Output(ids.PARAMS, "children"), smiles=Output(ids.SMILES_GRAPH, "figure"),
                residual=Output(ids.RESIDUAL_GRAPH, "figure"), state=Output(ids.STATE, "data"),
                drawn_model=Output(CalibrationSurface.DRAWN, "data"),
                drawn=Output(ids.SHOW, "value"), drawn_options=Output(ids.SHOW, "options")),
    inputs=dict(payload=Input(ids.RESULT, "data"), show=Input(ids.SHOW, "value"),
                dark=Input(App.THEME_SWITCH, "value"), run_ids=Input(ids.RUN_IDS, "data"),
                surface_view=Input(CalibrationSurface.VIEW, "value"),
                models=State(ids.MODELS, "value"), weights=State(ids.WEIGHTS, "value"),
                upload=State(Uploads.CALIBRATION, "data")),
)
def render(payload, show, dark, run_ids, surface_view, models, weights, upload=None):
    """The parameters, smiles and residuals, and what :func:`render_model` draws next (the
    surface and correlations of the drawn model: below the fold, so after the smiles' paint)."""
    out = dict.fromkeys(_RENDER_OUT, no_update)
    drawn = surface_view if surface_view in SURFACE_VIEWS else SURFACE_VIEWS[0]
    if not payload:
        return {**out, "state": _query(models, weights, show, run_ids, drawn)}
    try:
        payload = kept(payload, upload, run_ids)   # the page holds a reference: the arrays are here
    except ParityError as exc:
        return {**out, "params": dbc.Alert(f"{exc}.", color="warning", class_name="py-1 small mb-0"),
                "state": _query(models, weights, show, run_ids, drawn)}
    theme = theme_name(dark)
    view = CalibrationView.from_dict(payload)
    model = view.drawn(show)          # the radio is moved to what is drawn when they differ
    frames = view.frames()
    src = payload.get("source")
    return dict(params=params_table(payload), smiles=with_source(fit_smiles_figure(frames, theme=theme), src),
                residual=with_source(fit_residual_figure(frames, theme=theme), src),
                state=_query(models, weights, model, run_ids, drawn),
                drawn_model={"token": payload.get("token"), "model": model, "view": drawn, "theme": theme},
                drawn=model if model != show else no_update, drawn_options=show_options(payload))


def model_figures(payload: dict, model: str, view: str, theme: str) -> dict:
    """``{"surface", "corr"}``: the drawn model's IV surface (``view``: heatmap or 3D) and its
    parameter correlations, named with the payload's data source."""
    src = payload.get("source")
    market = CalibrationView.from_dict(payload).market
    return dict(surface=with_source(model_surface_figure(payload["surfaces"][model], market, model,
                                                         theme=theme, view=view), src),
                corr=with_source(correlation_figure(payload["results"][model], theme=theme), src))


@callback(
    output=dict(surface=Output(ids.SURFACE_GRAPH, "figure"), corr=Output(ids.CORR_GRAPH, "figure")),
    inputs=dict(drawn=Input(CalibrationSurface.DRAWN, "data"), payload=State(ids.RESULT, "data"),
                run_ids=State(ids.RUN_IDS, "data"), upload=State(Uploads.CALIBRATION, "data")),
    prevent_initial_call=True,
)
def render_model(drawn, payload, run_ids, upload):
    """The surface and correlations of the model :func:`render` drew (its ``drawn`` store)."""
    if not drawn or not payload or drawn.get("token") != payload.get("token"):
        return dict(surface=no_update, corr=no_update)
    try:
        payload = kept(payload, upload, run_ids)
    except ParityError:               # render has said so in the parameters card
        return dict(surface=no_update, corr=no_update)
    return model_figures(payload, drawn["model"], drawn["view"], drawn["theme"])


def _query(models, weights, show, run_ids, view: str = SURFACE_VIEWS[0]) -> str:
    query = f"?models={','.join(models or [])}&weights={weights}&show={show}"
    query += f"&view={view}" if view != SURFACE_VIEWS[0] else ""    # the default stays out of links
    return query + (f"&runs={','.join(run_ids)}" if run_ids else "")


clientside_callback(REPLACE_URL_QUERY, Output(ids.URL_DUMMY, "children"), Input(ids.STATE, "data"))
clientside_callback(url_upload("data"), Output(Uploads.CALIBRATION_LINK, "data"),
                    Input(Uploads.CALIBRATION, "data"), prevent_initial_call=True)
