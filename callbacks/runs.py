"""Runs page callbacks: list the registry, compare selected runs, delete runs."""
from __future__ import annotations

import logging
import math

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, ctx, html, no_update
from callbacks.registry import callback
from flask import current_app

from components.ids import Runs as ids
from core.errors import ParityError
from core.store import compare_runs, open_store

log = logging.getLogger(__name__)


def _store():
    return open_store(current_app.config["PARITY_SETTINGS"].database_url)


def run_rows(runs) -> list[dict]:
    """Grid rows of runs: metrics in display units, parameters as one short text."""
    rows = []
    for r in runs:
        rmse = r.metrics.get("rmse_iv")
        rows.append({
            "id": r.id, "created": r.created.strftime("%Y-%m-%d %H:%M:%S"), "model": r.model, "kind": r.kind,
            "rmse": None if rmse is None else rmse * 100, "n_quotes": r.metrics.get("n_quotes"),
            "elapsed": r.elapsed, "fingerprint": r.fingerprint[:12], "label": r.label,
            "params": ", ".join(f"{k}={v:.4g}" for k, v in r.params.items() if isinstance(v, (int, float))),
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


@callback(Output(ids.GRID, "rowData"), Output(ids.ALERT, "children"), Output(ids.ALERT, "is_open"),
          Input(ids.REFRESH, "n_clicks"), Input(ids.MODEL, "value"), Input(ids.DELETE, "n_clicks"),
          State(ids.GRID, "selectedRows"))
def list_runs(_refresh, model, _delete, selected):
    try:
        store = _store()
        note = ""
        if ctx.triggered_id == ids.DELETE and selected:
            for row in selected:
                store.delete_run(row["id"])
            note = f"Deleted {len(selected)} run(s)."
        runs = store.list_runs(model=None if model in (None, "", "all") else model, limit=500)
    except ParityError as exc:
        return no_update, f"The runs registry could not be read: {exc}", True
    return run_rows(runs), note, bool(note)


@callback(Output(ids.COMPARE, "children"), Input(ids.GRID, "selectedRows"), prevent_initial_call=True)
def compare(selected):
    if not selected or len(selected) < 2:
        return html.Div("Tick two or more runs to compare them.", className="text-body-secondary small")
    try:
        store = _store()
        runs = [store.get_run(row["id"]) for row in selected]
    except ParityError as exc:
        return html.Div(str(exc), className="text-danger small")
    return comparison_table(runs)
