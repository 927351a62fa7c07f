"""Runs page callbacks: list the registry, open, label, compare, delete (confirmed, undoable)."""
from __future__ import annotations

import logging
import math

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update
from callbacks.registry import callback
from callbacks.settings import current_settings

from components.param_labels import param_symbol
from components.ids import Runs as ids
from core.errors import ParityError
from core.store import compare_runs, shared_store

log = logging.getLogger(__name__)


def _store():
    return shared_store(current_settings().database_url)


def run_rows(runs) -> list[dict]:
    """Grid rows of runs: metrics in display units, parameters as one short text."""
    rows = []
    for r in runs:
        rmse = r.metrics.get("rmse_iv")
        rows.append({
            "id": r.id, "created": r.created.strftime("%Y-%m-%d %H:%M:%S"), "model": r.model, "kind": r.kind,
            "rmse": None if rmse is None else rmse * 100, "n_quotes": r.metrics.get("n_quotes"),
            "elapsed": r.elapsed, "fingerprint": r.fingerprint[:12], "label": r.label,
            "params": ", ".join(f"{param_symbol(r.model, k)}={v:.4g}" for k, v in r.params.items()
                                if isinstance(v, (int, float))),
            "open": _open_link(r),
        })
    return rows


def comparison_table(runs) -> dbc.Table:
    """Side-by-side table of runs (one column per run, headed by model and short id; parameters
    of different models share a row only when they share a name, so read them with the header)."""
    frame = compare_runs(runs).reset_index()
    frame.columns = ["section", "field", *frame.columns[2:]]

    def cell(v):
        if isinstance(v, float):
            return "" if math.isnan(v) else f"{v:.6g}"
        if isinstance(v, pd.Timestamp) or hasattr(v, "strftime"):
            return v.strftime("%Y-%m-%d %H:%M")
        return "" if v is None else str(v)

    models = {r.short_id: r.model for r in runs}
    head = html.Thead(html.Tr([html.Th("Field")] + [html.Th(f"{models.get(c, '')} · {c}") for c in frame.columns[2:]]))
    def value(row, c):
        v = row[c]
        if row["field"] == "rmse_iv" and isinstance(v, (int, float)):
            return f"{v * 100:.3f} vol pts"
        if row["field"] == "elapsed" and isinstance(v, (int, float)):
            return f"{v:.3f} s"
        return cell(v)

    body = [html.Tr([html.Td(f"{row['field']}" if row["section"] == "run" else f"{row['section']}: {row['field']}")]
                    + [html.Td(value(row, c), className="font-monospace") for c in frame.columns[2:]])
            for _, row in frame.iterrows()]
    return dbc.Table([head, html.Tbody(body)], size="sm", striped=True, hover=True, responsive=True,
                     class_name="small")


def _open_link(run) -> str:
    """Markdown link that opens a run in its lab (the lab rebuilds it from the id): calibrations,
    backtests and walk-forwards."""
    if run.kind == "backtest":
        return f"[Open](/backtest?run={run.id})"
    if run.kind == "walkforward":
        return f"[Open](/backtest?wf={run.id})"
    if run.kind != "calibration":
        return ""
    return f"[Open](/calibration?runs={run.id}&models={run.model}&show={run.model})"


_SHOW, _HIDE = {"display": "inline"}, {"display": "none"}


@callback(
    output=dict(open=Output(ids.CONFIRM, "is_open"), text=Output(ids.CONFIRM_TEXT, "children")),
    inputs=dict(_ask=Input(ids.DELETE, "n_clicks"), _no=Input(ids.CONFIRM_NO, "n_clicks"),
                _yes=Input(ids.CONFIRM_YES, "n_clicks"), selected=State(ids.GRID, "selectedRows")),
    prevent_initial_call=True,
)
def confirm_delete(_ask, _no, _yes, selected):
    if ctx.triggered_id != ids.DELETE or not selected:
        return dict(open=False, text=no_update)
    names = ", ".join(f"{r['model']} {r['created']}" + (f" ({r['label']})" if r.get("label") else "")
                      for r in selected[:5]) + (" …" if len(selected) > 5 else "")
    return dict(open=True, text=f"Delete {len(selected)} run(s): {names}? You can undo this "
                                f"right after, on this page.")


@callback(
    output=dict(rows=Output(ids.GRID, "rowData"), text=Output(ids.ALERT_TEXT, "children"),
                show=Output(ids.ALERT, "is_open"), color=Output(ids.ALERT, "color"),
                undo=Output(ids.UNDO, "style"), deleted=Output(ids.DELETED, "data")),
    inputs=dict(_refresh=Input(ids.REFRESH, "n_clicks"), model=Input(ids.MODEL, "value"),
                _yes=Input(ids.CONFIRM_YES, "n_clicks"), _undo=Input(ids.UNDO, "n_clicks"),
                _ask=Input(ids.DELETE, "n_clicks"), edit=Input(ids.GRID, "cellValueChanged"),
                selected=State(ids.GRID, "selectedRows"), deleted=State(ids.DELETED, "data")),
)
def manage(_refresh, model, _yes, _undo, _ask, edit, selected, deleted):
    """List the runs, and apply the user's delete (after the confirm), undo or label edit."""
    note, color, undo, keep = "", "info", _HIDE, no_update
    try:
        store = _store()
        trigger = ctx.triggered_id
        if trigger == ids.DELETE and not selected:
            note, color = "Tick the runs to delete first.", "warning"
        elif trigger == ids.CONFIRM_YES and selected:
            gone = [store.get_run(row["id"]).to_dict() for row in selected]
            for run in gone:
                store.delete_run(run["id"])
            note, undo, keep = f"Deleted {len(gone)} run(s).", _SHOW, gone
        elif trigger == ids.UNDO and deleted:
            for run in deleted:
                store.restore_run(run)
            note, keep = f"Restored {len(deleted)} run(s).", None
        elif trigger == ids.GRID and edit:
            change = edit[0] if isinstance(edit, list) else edit
            if change.get("colId") == "label":
                run = store.set_label(change["data"]["id"], change.get("value") or "")
                note = f"Labelled run {run.short_id}: {run.label or '(no label)'}."
        runs = store.list_runs(model=None if model in (None, "", "all") else model, limit=500)
    except ParityError as exc:
        return dict(rows=no_update, text=f"The runs registry could not be changed or read: {exc}",
                    show=True, color="danger", undo=_HIDE, deleted=no_update)
    return dict(rows=run_rows(runs), text=note, show=bool(note), color=color, undo=undo, deleted=keep)


@callback(output=Output(ids.COMPARE, "children"), inputs=dict(selected=Input(ids.GRID, "selectedRows")),
          prevent_initial_call=True)
def compare(selected):
    if not selected or len(selected) < 2:
        return html.Div("Tick two or more runs to compare them.", className="text-body-secondary small")
    try:
        store = _store()
        runs = [store.get_run(row["id"]) for row in selected]
    except ParityError as exc:
        return html.Div(str(exc), className="text-danger small")
    return comparison_table(runs)
