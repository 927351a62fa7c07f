"""Backtest lab, walk-forward part: the sweep job (grid chunks on the Celery workers when
``REDIS_URL`` is set, a local process pool otherwise), its record in the runs registry, a link's
``wf=<id>`` brought back with its form, and the walk-forward charts. The plain helpers
(:func:`callbacks.backtest.run_sweep`, ``record_sweep``, ``restore_sweep``, ``grid_from_form``,
``celery_mapper``) live beside the backtest's own in :mod:`callbacks.backtest`."""
from __future__ import annotations

import logging

from dash import Input, Output, State, ctx, html, no_update

from callbacks.backtest import (celery_mapper, grid_from_form, history_for, record_sweep, restore_sweep,
                                run_sweep, source_descriptor)
from callbacks.jobs import job_failed
from callbacks.settings import current_settings
from callbacks.registry import callback
from callbacks.theme import theme_name
from components.backtest_figures import pbo_figure, source_line, stability_figure, wf_equity_figure
from components.backtest_state import FIELDS, WF_PARAMS, sweep_form
from components.ids import App, Uploads
from components.ids import Backtest as ids
from components.ids import BacktestMore as more
from core.errors import ParityError

log = logging.getLogger(__name__)
_FIELD_STATES = {key: State(cid, "value") for key, cid, *_ in FIELDS}


@callback(
    output=dict(result=Output(ids.WF_RESULT, "data"), alert=Output(ids.WF_ALERT, "children"),
                show=Output(ids.WF_ALERT, "is_open")),
    inputs=dict(run=Input(ids.WF_RUN, "n_clicks"), source=State(ids.SOURCE, "value"),
                upload=State(Uploads.BACKTEST, "data"), start=State(ids.START, "value"),
                end=State(ids.END, "value"), values=_FIELD_STATES,
                p1=State(ids.WF_PARAM1, "value"), v1=State(ids.WF_VALUES1, "value"),
                p2=State(ids.WF_PARAM2, "value"), v2=State(ids.WF_VALUES2, "value"),
                train=State(ids.WF_TRAIN, "value"), test=State(ids.WF_TEST, "value"),
                anchored=State(ids.WF_ANCHORED, "value"), metric=State(ids.WF_METRIC, "value")),
    background=True, prevent_initial_call=True,
    running=[(Output(ids.WF_RUN, "disabled"), True, False), (Output(ids.WF_CANCEL, "disabled"), False, True)],
    cancel=[Input(ids.WF_CANCEL, "n_clicks")],
    progress=[Output(ids.WF_PROGRESS, "value"), Output(ids.WF_STATUS, "children")],
    interval=500, on_error=job_failed(ids.WF_ALERT, what="The walk-forward"),
)
def sweep_job(set_progress, run, source, upload, start, end, values, p1, v1, p2, v2, train, test, anchored,
              metric):
    settings = current_settings()
    try:
        grid = grid_from_form(p1, v1, p2, v2)
        history = history_for(source, upload, start, end, settings.data_dir)
        descriptor = source_descriptor(source, upload, start, end)
        mapper = celery_mapper(descriptor) if settings.redis_url else None
        payload = run_sweep(history, values, grid, train or 0, test or 0, anchored, metric or "sharpe",
                            mapper=mapper, progress=lambda f, m: set_progress((round(100 * f), m)))
        payload["descriptor"] = descriptor
    except ParityError as exc:
        set_progress((0, ""))
        return dict(result=no_update, alert=f"Walk-forward not run: {exc}", show=True)
    except Exception:
        log.exception("walk-forward job failed")
        return dict(result=no_update, alert="Something went wrong in the walk-forward; the error was logged.",
                    show=True)
    set_progress((100, f"done in {payload['elapsed']:.1f} s ({'Celery workers' if settings.redis_url else 'local'})"))
    return dict(result=payload, alert="", show=False)


@callback(output=dict(result=Output(ids.WF_RESULT, "data", allow_duplicate=True),
                      alert=Output(ids.WF_ALERT, "children", allow_duplicate=True),
                      show=Output(ids.WF_ALERT, "is_open", allow_duplicate=True),
                      form=Output(more.WF_FORM, "data")),
          inputs=dict(run_id=Input(more.WF_QUERY, "data"), named=State(more.WF_NAMED, "data")),
          prevent_initial_call="initial_duplicate")
def load_sweep(run_id, named=None):
    """A link's ``wf=<id>``: the stored walk-forward and the form it was run with (grid,
    windows, metric; the rules and data the link does not name)."""
    if not run_id:
        return dict(result=no_update, alert=no_update, show=no_update, form=no_update)
    try:
        payload = restore_sweep(run_id, current_settings().database_url)
    except ParityError as exc:
        return dict(result=no_update, alert=f"Could not load the walk-forward in this link: {exc}",
                    show=True, form=no_update)
    return dict(result=payload, alert="", show=False, form=sweep_form(payload, named))


@callback(output=dict(saved=Output(more.WF_SAVED, "children"), run_id=Output(more.WF_RUN_ID, "data")),
          inputs=dict(payload=Input(ids.WF_RESULT, "data")), prevent_initial_call=True)
def save_sweep(payload):
    if not payload:
        return dict(saved=no_update, run_id=no_update)
    if payload.get("restored"):
        return dict(saved=html.Span(["Walk-forward loaded from the ", html.A("runs registry", href="/runs"),
                                     "."]), run_id=payload["run_id"])
    try:
        run_id = record_sweep(payload, current_settings().database_url)
    except Exception:
        log.exception("could not record the walk-forward")
        return dict(saved=html.Span("The walk-forward could not be saved to the registry; the error was "
                                    "logged.", className="text-danger"), run_id=no_update)
    return dict(saved=html.Span(["Walk-forward saved to the ", html.A("runs registry", href="/runs"),
                                 "; this page's link now brings it back."]), run_id=run_id)


@callback(
    output=dict(equity=Output(ids.WF_EQUITY_GRAPH, "figure"), heat=Output(ids.WF_HEAT_GRAPH, "figure"),
                pbo=Output(ids.WF_PBO_GRAPH, "figure"), summary=Output(ids.WF_SUMMARY, "children")),
    inputs=dict(wf=Input(ids.WF_RESULT, "data"), dark=Input(App.THEME_SWITCH, "value")),
)
def render_sweep(wf, dark):
    theme = theme_name(dark)
    if not wf:
        return dict(equity=no_update, heat=no_update, pbo=no_update, summary=no_update)
    o, fm = wf["oos_metrics"], wf["full_metrics"]
    pct = lambda v: "–" if v is None else f"{100 * v:.2f}%"  # noqa: E731
    num = lambda v: "–" if v is None else f"{v:.2f}"  # noqa: E731
    summary = html.Div([
        html.Div(f"{len(wf['configs'])} grid points × {len(wf['windows'])} windows "
                 f"({'anchored' if wf['anchored'] else 'rolling'}), chosen by in-sample {wf['metric']}; "
                 f"{source_line(wf['label'], wf['source'])}."),
        html.Div(f"Out of sample (stitched): total return {pct(o.get('total_return'))}, Sharpe {num(o.get('sharpe'))}, "
                 f"max drawdown {pct(o.get('max_drawdown'))}. Best full-history grid point {fm.get('config')}: "
                 f"Sharpe {num(fm.get('sharpe'))}."),
        html.Div(["Deflated Sharpe of that best point: ", html.B(num(wf.get("dsr"))),
                  " (probability its true Sharpe is above zero after trying "
                  f"{len(wf['configs'])} grid points; ≥ 0.95 is significant). PBO: ",
                  html.B(pct((wf.get("pbo") or {}).get("pbo")))]),
    ])
    return dict(equity=wf_equity_figure(wf, wf["capital"], label=wf["label"], source=wf["source"], theme=theme),
                heat=stability_figure(wf, theme=theme), pbo=pbo_figure(wf, theme=theme), summary=summary)


_WF_FORM_OUT = dict(p1=Output(ids.WF_PARAM1, "value"), v1=Output(ids.WF_VALUES1, "value"),
                    p2=Output(ids.WF_PARAM2, "value"), v2=Output(ids.WF_VALUES2, "value"),
                    train=Output(ids.WF_TRAIN, "value"), test=Output(ids.WF_TEST, "value"),
                    metric=Output(ids.WF_METRIC, "value"), anchored=Output(ids.WF_ANCHORED, "value"),
                    rules={key: Output(cid, "value") for key, cid, *_ in FIELDS},
                    source=Output(ids.SOURCE, "value", allow_duplicate=True),
                    start=Output(ids.START, "value"), end=Output(ids.END, "value"))


def wf_form_update(trigger, form: dict | None, p1: str | None, p2: str | None) -> dict:
    """The walk-forward form's outputs for what changed: a brought-back run's ``form``
    (:func:`components.backtest_state.sweep_form`) fills the whole form; a parameter picked
    (``p1``/``p2``) gets that parameter's default values."""
    out = {k: no_update for k in _WF_FORM_OUT if k != "rules"}
    out["rules"] = {key: no_update for key, *_ in FIELDS}
    if trigger == more.WF_FORM and form:
        out.update({k: form[k] for k in ("p1", "v1", "p2", "v2", "train", "test", "metric", "anchored")
                    if form.get(k) is not None})
        out["rules"].update({k: v for k, v in (form.get("rules") or {}).items() if k in out["rules"]})
        out.update(form.get("data") or {})
    elif trigger == ids.WF_PARAM1:
        out["v1"] = next((v for f, _, v in WF_PARAMS if f == p1), no_update)
    elif trigger == ids.WF_PARAM2:
        out["v2"] = next((v for f, _, v in WF_PARAMS if f == p2), "")
    return out


@callback(output=_WF_FORM_OUT,
          inputs=dict(form=Input(more.WF_FORM, "data"), p1=Input(ids.WF_PARAM1, "value"),
                      p2=Input(ids.WF_PARAM2, "value")),
          prevent_initial_call=True)
def wf_form(form, p1, p2):
    """One callback for the walk-forward form, so a brought-back run's values are not
    overwritten by the defaults of the parameters it sets (a callback's own outputs do not
    trigger it again; two separate callbacks chained on the parameter did)."""
    return wf_form_update(ctx.triggered_id, form, p1, p2)
