"""Backtest lab callbacks: a background job loads the history and runs the rule; results are
saved in the runs registry and drawn; a trade is replayed day by day. The walk-forward's plain
helpers are here too (its grid chunks go to the Celery workers when ``REDIS_URL`` is set, a local
process pool otherwise); its callbacks are in :mod:`callbacks.backtest_walkforward`."""
from __future__ import annotations

import hashlib
import logging
import os
import uuid
from pathlib import Path

from dash import Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from callbacks.registry import callback, clientside_callback

from callbacks import uploads
from callbacks.cache import cache, cache_context
from callbacks.browser_js import REPLACE_URL_QUERY, url_upload
from callbacks.jobs import job_failed
from callbacks.settings import current_settings
from callbacks.theme import theme_name
from components.backtest_figures import (attribution_figure, equity_figure, greeks_table, metrics_table,
                                         payoff_figure, pnl_histogram, source_line)
from components.backtest_state import FIELDS, REAL_LABEL, parse_values, rules_kwargs, to_query, wf_query_items
from components.figures import empty_figure
from components.ids import App, Uploads
from components.registry_notes import loaded_note, not_saved_note, saved_note
from components.ids import Backtest as ids
from components.ids import BacktestMore as more
from core.errors import DataError, ParityError

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
REAL_FILE = "spxw_2018-01_02.csv"
_FIELD_STATES = {key: State(cid, "value") for key, cid, *_ in FIELDS}
BACKTEST = "backtest"
WALKFORWARD = "walkforward"


# --------------------------------------------------------------------------------------------
# plain functions (tested without a browser)
# --------------------------------------------------------------------------------------------
def real_path() -> Path | None:
    """The real SPXW sample in ``../shared/data`` beside the project, or None when absent."""
    folder = Path(os.environ.get("PARITY_SHARED_DATA", ROOT.parent / "shared" / "data"))
    p = folder / REAL_FILE
    return p if p.is_file() else None


def _cache_dir(data_dir: str | None) -> str | None:
    return None if not data_dir else str(Path(data_dir) / "histories")


def history_for(source: str, upload: dict | None, start: str | None, end: str | None,
                data_dir: str | None = None, progress=None):
    """The chain history the page's data picker names (one core call per source)."""
    from core.backtest import load_history, modelled_history

    if source == "real":
        path = real_path()
        if path is None:
            raise DataError(f"the real sample {REAL_FILE} is not in ../shared/data beside the project: "
                            "upload a multi-day file or choose a modelled span")
        return load_history(path, source_kind="real", label=REAL_LABEL, cache_dir=_cache_dir(data_dir))
    if source == "upload":
        if not upload or not (upload.get("key") or upload.get("contents")):
            raise DataError("no file uploaded: drop one or more multi-day CSVs on the upload box")
        if upload.get("contents"):                # raw files (tests, scripts)
            files = list(zip(upload["contents"], upload.get("filenames") or [""] * len(upload["contents"])))
        else:                                     # the page's record {key, name, size}: the store's
            files = uploads.fetch_many(upload)
        names = ", ".join(name for _, name in files)[:120]
        return load_history([data for data, _ in files], source_kind="upload",
                            label=f"uploaded: {names}", cache_dir=_cache_dir(data_dir))
    if source == "modelled":
        return modelled_history(start, end, cache_dir=_cache_dir(data_dir), progress=progress)
    raise DataError(f"unknown data source {source!r}")


def source_descriptor(source, upload, start, end) -> dict:
    """What a worker needs to rebuild the same history (and the registry's fingerprint)."""
    if source == "upload":  # the upload's store key (SHA-256 of its bytes, or of its manifest)
        return {"source": "upload", "digest": str((upload or {}).get("key") or "")}
    if source == "modelled":
        return {"source": "modelled", "start": start, "end": end}
    return {"source": "real", "file": REAL_FILE}


def run_backtest(history, values: dict, progress=None) -> dict:
    """Run the form's rule over ``history``; the JSON payload of the result."""
    from core.backtest import Rules, run

    try:
        rules = Rules(**rules_kwargs(values))
    except TypeError as exc:
        raise DataError(f"bad rule: {exc}") from exc
    return run(history, rules, progress=progress).to_dict()


def record(payload: dict, descriptor: dict, database_url: str) -> str:
    """File a backtest in the runs registry (kind ``backtest``); returns the run id."""
    from core.store import shared_store

    store = shared_store(database_url)
    metrics = {k: v for k, v in payload["metrics"].items()}
    metrics.update({f"buy_hold_{k}": v for k, v in payload["benchmark"].items()
                    if k in ("total_return", "sharpe", "max_drawdown")})
    fingerprint = hashlib.sha1(repr(sorted(descriptor.items())).encode()).hexdigest()
    return store.add_run(kind=BACKTEST, model=payload["rules"]["strategy"], fingerprint=fingerprint,
                         params=payload["rules"], metrics=metrics,
                         settings={**descriptor, "label": payload["label"], "notes": payload["notes"]},
                         elapsed=float(payload["elapsed"]), result=payload,
                         label=f"backtest {payload['rules']['strategy']} on {payload['source']} data")


def restore(run_id: str, database_url: str) -> dict:
    """A stored backtest's payload (the registry keeps the whole result)."""
    from core.store import shared_store

    run = shared_store(database_url).get_run(run_id)
    if run.kind != BACKTEST or not run.result:
        raise ParityError(f"run {run_id[:8]} is not a stored backtest")
    payload = dict(run.result)
    payload["restored"] = True
    payload["run_id"] = run.id
    return payload


def record_sweep(payload: dict, database_url: str) -> str:
    """File a walk-forward in the runs registry (kind ``walkforward``); returns the run id.

    ``payload`` is :func:`run_sweep`'s, with the ``descriptor`` of its data and its ``grid``."""
    from core.store import shared_store

    descriptor = payload.get("descriptor", {})
    pbo_v = (payload.get("pbo") or {}).get("pbo")
    metrics = {f"oos_{k}": v for k, v in payload["oos_metrics"].items()
               if k in ("total_return", "cagr", "sharpe", "max_drawdown")}
    metrics.update(dsr=payload.get("dsr"), pbo=pbo_v, n_configs=len(payload["configs"]),
                   n_windows=len(payload["windows"]))
    fingerprint = hashlib.sha1(repr(sorted(descriptor.items())).encode()).hexdigest()
    rules = payload.get("rules", {})
    return shared_store(database_url).add_run(
        kind=WALKFORWARD, model=rules.get("strategy", ""), fingerprint=fingerprint,
        params={**rules, "grid": payload.get("grid", {})}, metrics=metrics,
        settings={**descriptor, "label": payload["label"], "train": payload.get("train"),
                  "test": payload.get("test"), "anchored": payload["anchored"],
                  "metric": payload["metric"]},
        elapsed=float(payload["elapsed"]), result=payload,
        label=f"walk-forward {rules.get('strategy', '')}: {len(payload['configs'])} grid points "
              f"x {len(payload['windows'])} windows on {payload['source']} data")


def restore_sweep(run_id: str, database_url: str) -> dict:
    """A stored walk-forward's payload (the registry keeps the whole result)."""
    from core.store import shared_store

    run = shared_store(database_url).get_run(run_id)
    if run.kind != WALKFORWARD or not run.result:
        raise ParityError(f"run {run_id[:8]} is not a stored walk-forward")
    payload = dict(run.result)
    payload["restored"] = True
    payload["run_id"] = run.id
    return payload


def replay_payload(payload: dict, trade_id: int, data_dir: str | None = None) -> dict:
    """The replay of one trade of a payload: its history reopened from the Parquet file the run
    was cached in, or, when that file is gone (a run stored by another host or before the cache
    was cleared, reopened from the registry or a workspace link), rebuilt from the payload's data
    descriptor (the same source, upload key or modelled span) into ``data_dir``'s cache."""
    from core.backtest import BacktestResult, replay

    result = BacktestResult.from_dict(payload)
    history = None
    descriptor = payload.get("descriptor") or {}
    if not (result.history_path and Path(result.history_path).is_file()) and descriptor.get("source"):
        upload = {"key": descriptor.get("digest")} if descriptor["source"] == "upload" else None
        history = history_for(descriptor["source"], upload, descriptor.get("start"),
                              descriptor.get("end"), data_dir)
    return replay(result, int(trade_id), history).to_dict()


def grid_from_form(p1, v1, p2, v2) -> dict:
    """The walk-forward grid from the form (one or two parameters)."""
    grid = {}
    try:
        grid[p1] = parse_values(v1, p1)
        if p2 and p2 != p1:
            grid[p2] = parse_values(v2, p2)
    except ValueError as exc:
        raise DataError(f"grid values: {exc}") from exc
    return grid


def celery_mapper(descriptor: dict, timeout: float = 600.0):
    """A walk-forward mapper that sends each chunk to the Celery workers (``REDIS_URL``).

    Chunk tasks need free worker slots besides the one running the sweep: run workers with
    ``--concurrency`` >= 2, or several workers."""
    def mapper(fn, args_list):
        from celery import group

        sigs = [evaluate_chunk_task.s(a[0].path, descriptor, a[1], a[2], [list(w) for w in a[3]],
                                      *a[4:]) for a in args_list]
        res = group(sigs).apply_async()
        try:
            return res.get(timeout=timeout, disable_sync_subtasks=False)
        finally:
            res.forget()        # drop the chunk results from the backend once collected
    return mapper


def _open_for_worker(path: str, descriptor: dict):
    from core.backtest.history import open_history

    if Path(path).is_file():
        return open_history(path)
    upload = {"key": descriptor.get("digest")} if descriptor["source"] == "upload" else None
    return history_for(descriptor["source"], upload, descriptor.get("start"), descriptor.get("end"),
                       os.environ.get("PARITY_DATA_DIR"))


try:
    from celery import shared_task

    @shared_task(name="parity.backtest.evaluate_chunk")
    def evaluate_chunk_task(path, descriptor, rules, configs, wins, metric,
                            in_sample="continuous"):
        """One sweep chunk on a Celery worker (the same pure function as the local pool)."""
        from core.backtest.walkforward import evaluate_chunk

        out = evaluate_chunk(_open_for_worker(path, descriptor), rules, configs,
                             [tuple(w) for w in wins], metric, in_sample)
        out["scores"] = [[s if s != float("-inf") else -1e300 for s in row] for row in out["scores"]]
        return out
except ImportError:  # pragma: no cover - celery is a runtime dependency (dash[celery])
    evaluate_chunk_task = None


def run_sweep(history, values: dict, grid: dict, train: int, test: int, anchored: bool, metric: str,
              mapper=None, progress=None) -> dict:
    """Walk-forward of the form's rule over ``grid``; the JSON payload."""
    from core.backtest import Rules, walk_forward

    rules = Rules(**rules_kwargs(values))
    wf = walk_forward(history, rules, grid, train=int(train), test=int(test), anchored=bool(anchored),
                      metric=metric, mapper=mapper, progress=progress)
    out = wf.to_dict()
    out.update(label=history.label, source=history.source, capital=rules.capital,
               rules=rules.to_dict(), grid=grid, train=int(train), test=int(test))
    return out


#: The running app's settings; in a background job (no Flask app context) the environment's.
_settings = _job_settings = current_settings


# --------------------------------------------------------------------------------------------
# callbacks
# --------------------------------------------------------------------------------------------
@callback(output=dict(options=Output(ids.STRATEGY, "options")), inputs=dict(_id=Input(ids.SOURCE, "id")))
def strategy_options(_id):
    from core.strategies import catalog, strategy_info

    return dict(options=[{"label": strategy_info(n)["label"]
                          + (" (two expiries)" if any(leg["far"] for leg in strategy_info(n)["legs"]) else ""),
                          "value": n} for n in catalog()])


@callback(output=dict(upload=Output(Uploads.BACKTEST, "data"), error=Output(ids.UPLOAD_STORE, "data"),
                      source=Output(ids.SOURCE, "value")),
          inputs=dict(contents=Input(ids.UPLOAD, "contents"), filenames=State(ids.UPLOAD, "filename"),
                      linked=State(Uploads.BACKTEST_LINK, "data")))
def keep_upload(contents, filenames, linked):
    """The only callback that receives the files: they are kept in the store and the page keeps
    their record ``{key, name, size}`` (a link's ``data=<key>`` reopens them)."""
    if not contents:
        if not linked:
            return dict(upload=no_update, error=no_update, source=no_update)
        record = uploads.lookup(linked)
        if record is None:
            return dict(upload=None, error={"error": uploads.GONE}, source=no_update)
        return dict(upload=record, error=None, source=no_update)   # the URL's source stands
    try:
        record = uploads.keep_many(list(contents), list(filenames or []))
    except Exception as exc:  # too big, not a file: a readable message
        log.warning("backtest upload not kept: %s", exc)
        return dict(upload=None, error={"error": f"{', '.join(filenames or [])[:120]}: {exc}"},
                    source="upload")
    return dict(upload=record, error=None, source="upload")


@callback(output=dict(info=Output(ids.DATA_INFO, "children")),
          inputs=dict(source=Input(ids.SOURCE, "value"), upload=Input(Uploads.BACKTEST, "data"),
                      error=Input(ids.UPLOAD_STORE, "data"),
                      start=Input(ids.START, "value"), end=Input(ids.END, "value")))
def data_info(source, upload, error, start, end):
    if source == "modelled":
        return dict(info=html.Span(f"Modelled chains {start} to {end}: real S&P 500 closes and VIX, fitted "
                                   "smile shape and spreads; built when you press Run.",
                                   className="text-warning-emphasis"))
    if error and error.get("error") and (source == "upload" or not upload):
        return dict(info=html.Span(error["error"], className="text-danger"))
    try:
        h = history_for(source, upload, start, end, _settings().data_dir)
    except ParityError as exc:
        return dict(info=html.Span(str(exc), className="text-danger"))
    return dict(info=html.Div([html.B(source_line(h.label, h.source)), html.Br(),
                               f"{len(h)} quote dates, {h.dates[0]} to {h.dates[-1]}; close "
                               f"{h.closes[0]:,.2f} → {h.closes[-1]:,.2f}."]))


@callback(
    output=dict(result=Output(ids.RESULT, "data"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open")),
    inputs=dict(run=Input(ids.RUN, "n_clicks"), source=State(ids.SOURCE, "value"),
                upload=State(Uploads.BACKTEST, "data"), start=State(ids.START, "value"),
                end=State(ids.END, "value"), values=_FIELD_STATES),
    background=True, prevent_initial_call=True,
    running=[(Output(ids.RUN, "disabled"), True, False), (Output(ids.CANCEL, "disabled"), False, True)],
    cancel=[Input(ids.CANCEL, "n_clicks")],
    progress=[Output(ids.PROGRESS, "value"), Output(ids.STATUS, "children")],
    interval=250, on_error=job_failed(ids.ALERT, what="The backtest"),
)
def run_job(set_progress, run, source, upload, start, end, values):
    try:
        set_progress((2, "loading the history"))
        history = history_for(source, upload, start, end, _job_settings().data_dir,
                              progress=lambda f, m: set_progress((round(50 * f), m)))
        payload = run_backtest(history, values, progress=lambda f, m: set_progress((50 + round(50 * f), m)))
        payload["descriptor"] = source_descriptor(source, upload, start, end)
    except ParityError as exc:
        set_progress((0, ""))
        return dict(result=no_update, alert=f"Backtest not run: {exc}", show=True)
    except Exception:
        log.exception("backtest job failed")
        return dict(result=no_update, alert="Something went wrong running the backtest; the error was logged.",
                    show=True)
    set_progress((100, f"done: {len(payload['trades'])} trades in {payload['elapsed']:.2f} s"))
    empty = payload["notes"][0] if not payload["trades"] else ""
    return dict(result=payload, alert=empty, show=bool(empty))


def linked_run(run_id: str) -> tuple[dict | None, str]:
    """``(payload, message)`` of a link's ``run=``: the stored backtest, or ``None`` and why not."""
    try:
        return restore(run_id, _settings().database_url), ""
    except ParityError as exc:
        return None, f"Could not load the backtest in this link: {exc}"


@callback(output=dict(saved=Output(ids.SAVED, "children"), run_id=Output(ids.RUN_ID, "data")),
          inputs=dict(payload=Input(ids.RESULT, "data")), prevent_initial_call=True)
def save_run(payload):
    if not payload:
        return dict(saved=no_update, run_id=no_update)
    if payload.get("restored"):
        return dict(saved=loaded_note(), run_id=payload["run_id"])
    try:
        run_id = record(payload, payload.get("descriptor", {}), _settings().database_url)
    except Exception:
        log.exception("could not record the backtest")
        return dict(saved=not_saved_note("The backtest"), run_id=no_update)
    return dict(saved=saved_note(), run_id=run_id)


_RENDER_OUT = ("equity", "metrics", "trades", "hist", "picks", "pick", "notes", "result", "alert", "show")


@callback(
    output=dict(equity=Output(ids.EQUITY_GRAPH, "figure"), metrics=Output(ids.METRICS, "children"),
                trades=Output(ids.TRADES, "rowData"), hist=Output(ids.HIST_GRAPH, "figure"),
                picks=Output(ids.TRADE_PICK, "options"), pick=Output(ids.TRADE_PICK, "value"),
                notes=Output(ids.NOTES, "children"),
                result=Output(ids.RESULT, "data", allow_duplicate=True),
                alert=Output(ids.ALERT, "children", allow_duplicate=True),
                show=Output(ids.ALERT, "is_open", allow_duplicate=True)),
    inputs=dict(payload=Input(ids.RESULT, "data"), dark=Input(App.THEME_SWITCH, "value"),
                run_id=Input(ids.RUNS_QUERY, "data")),
    prevent_initial_call="initial_duplicate",
)
def render(payload, dark, run_id):
    """Draw the result; a link's ``run=`` (no result yet) is read from the registry and drawn in
    the same response, and becomes the page's result."""
    theme = theme_name(dark)
    out = dict.fromkeys(_RENDER_OUT, no_update)
    if not payload and run_id:
        payload, message = linked_run(run_id)
        if payload is None:
            return {**out, "alert": message, "show": True}
        out.update(result=payload, alert="", show=False)
    if not payload:
        return out
    from core.backtest import BacktestResult

    rows = BacktestResult.from_dict(payload).trade_log().to_dict("records")
    picks = [{"label": f"#{t['id']} {t['entry_date']} → {t['exit_date']} ({t['exit_reason']}, "
                       f"${t['pnl']:,.0f})", "value": t["id"]} for t in payload["trades"]]
    best = max(payload["trades"], key=lambda t: abs(t["pnl"]), default=None)
    notes = html.Ul([html.Li(n) for n in payload["notes"]], className="mb-0 ps-3")
    return {**out, **dict(equity=equity_figure(payload, theme=theme), metrics=metrics_table(payload), trades=rows,
                          hist=pnl_histogram(payload, theme=theme) if payload["trades"] else
                          empty_figure("No trades: see the notes above.", theme),
                          picks=picks, pick=best["id"] if best else None, notes=notes)}


@callback(output=dict(export=Output(ids.TRADES, "exportDataAsCsv")),
          inputs=dict(_n=Input(ids.EXPORT, "n_clicks")), prevent_initial_call=True)
def export_trades(_n):
    return dict(export=True)


def trade_replay(payload: dict | None, trade_id) -> dict | None:
    """The replay of a picked trade (``{"error": why}`` when it cannot be replayed), or ``None``."""
    if trade_id is None or not payload:
        return None
    try:
        return replay_payload(payload, trade_id, _settings().data_dir)
    except ParityError as exc:
        log.info("replay unavailable: %s", exc)
        return {"error": str(exc)}


def _replay_key(token: str) -> str:
    return f"backtest-replay:{token}"


def keep_replay(rp: dict | None) -> dict | None:
    """Keep a replay in the server cache; the page's small reference to it (``{"token", "last"}``;
    an unavailable replay's ``{"error"}`` as it is), so a day step uploads a few bytes, not the
    replay (~57 kB) or the result (~19 kB).

    Parameters
    ----------
    rp : dict or None
        As :func:`trade_replay` returns it.

    Returns
    -------
    dict or None
        ``{"token": str, "last": int}`` (``last``: the index of the trade's exit day), the error as
        it is, or ``None``.
    """
    if not rp or rp.get("error"):
        return rp
    token = uuid.uuid4().hex
    with cache_context():
        cache.set(_replay_key(token), rp)
    return {"token": token, "last": max(len(rp["dates"]) - 1, 1)}


def kept_replay(ref: dict | None) -> dict | None:
    """The replay a reference (:func:`keep_replay`) names; an error when the cache has lost it.

    Parameters
    ----------
    ref : dict or None
        The page's replay store.

    Returns
    -------
    dict or None
        The replay (``{"error": why}`` when it is unavailable), or ``None`` without a reference.
    """
    if not ref or ref.get("error"):
        return ref
    rp = _cached_replay(ref)
    return rp if rp is not None else {
        "error": "the replay is no longer kept on the server (replays are kept an hour): pick the trade again"}


def _cached_replay(ref: dict) -> dict | None:
    with cache_context():
        return cache.get(_replay_key(ref.get("token", "")))


def day_figures(rp: dict | None, day, theme: str) -> dict:
    """``{"payoff", "greeks", "attr"}`` of a replay on one day (``no_update`` without a replay)."""
    if not rp:
        return dict(payoff=no_update, greeks=no_update, attr=no_update)
    if rp.get("error"):
        msg = f"Replay unavailable: {rp['error']}"
        return dict(payoff=empty_figure(msg, theme), greeks="", attr=empty_figure(msg, theme))
    return dict(payoff=payoff_figure(rp, day or 0, theme=theme), greeks=greeks_table(rp, day or 0),
                attr=attribution_figure(rp, day or 0, theme=theme))


_DAY_OUT = dict(payoff=Output(ids.PAYOFF_GRAPH, "figure", allow_duplicate=True),
                greeks=Output(ids.GREEKS, "children", allow_duplicate=True),
                attr=Output(ids.ATTR_GRAPH, "figure", allow_duplicate=True))


@callback(
    output=dict(replay=Output(ids.REPLAY, "data", allow_duplicate=True), last=Output(ids.DAY, "max"),
                day=Output(ids.DAY, "value", allow_duplicate=True), **_DAY_OUT),
    inputs=dict(trade_id=Input(ids.TRADE_PICK, "value"), lost=Input(ids.REPLAY_LOST, "data"),
                payload=State(ids.RESULT, "data"), dark=State(App.THEME_SWITCH, "value")),
    prevent_initial_call=True,
)
def pick_trade(trade_id, lost, payload, dark):
    """A picked trade is replayed (kept on the server) and drawn on its exit day (the whole
    attribution since entry) in one response. When a day step found the kept replay gone
    (``lost``: the cache's hour passed, or another host), the trade is replayed again and drawn on
    that day."""
    theme = theme_name(dark)
    rp = trade_replay(payload, trade_id)
    if rp is None:
        return dict(replay=no_update, last=no_update, day=no_update, **day_figures(None, 0, theme))
    ref = keep_replay(rp)
    last = ref.get("last", 1)
    day = 0 if rp.get("error") else last
    if ctx.triggered_id == ids.REPLAY_LOST and lost and not rp.get("error"):
        day = min(max(int(lost.get("day") or 0), 0), last)
    return dict(replay={**ref, "day": day, "theme": theme}, last=last, day=day, **day_figures(rp, day, theme))


@callback(
    output=dict(replay=Output(ids.REPLAY, "data", allow_duplicate=True),
                lost=Output(ids.REPLAY_LOST, "data"), **_DAY_OUT),
    inputs=dict(day=Input(ids.DAY, "value"), dark=State(App.THEME_SWITCH, "value"),
                ref=State(ids.REPLAY, "data")),
    prevent_initial_call=True,
)
def replay_day(day, dark, ref):
    """A day change (slider, play) redraws the kept replay: the request carries the day and the
    replay's reference only. The day :func:`pick_trade` has just drawn is not drawn again. (A theme
    change redraws through ``render``, which picks the trade again, and :func:`pick_trade`.) A
    replay the server no longer keeps is asked of :func:`pick_trade` again, for this day."""
    theme = theme_name(dark)
    if not ref or (ref.get("day"), ref.get("theme")) == (day, theme):
        raise PreventUpdate
    rp = ref if ref.get("error") else _cached_replay(ref)
    if rp is None:
        return dict(replay=no_update, lost={"day": day, "token": ref.get("token")},
                    **dict.fromkeys(_DAY_OUT, no_update))
    return dict(replay={**ref, "day": day, "theme": theme}, lost=no_update, **day_figures(rp, day, theme))


@callback(output=dict(stopped=Output(ids.TICK, "disabled"), label=Output(ids.PLAY, "children"),
                      day=Output(ids.DAY, "value", allow_duplicate=True)),
          inputs=dict(_n=Input(ids.PLAY, "n_clicks"), disabled=State(ids.TICK, "disabled"),
                      day=State(ids.DAY, "value"), last=State(ids.DAY, "max")),
          prevent_initial_call=True)
def play_pause(_n, disabled, day, last):
    if not disabled:
        return dict(stopped=True, label="▶ Play", day=no_update)
    return dict(stopped=False, label="⏸ Pause",
                day=0 if (day or 0) >= (last or 0) else no_update)   # from the start at the end


@callback(output=dict(day=Output(ids.DAY, "value", allow_duplicate=True),
                      stopped=Output(ids.TICK, "disabled", allow_duplicate=True),
                      label=Output(ids.PLAY, "children", allow_duplicate=True)),
          inputs=dict(_n=Input(ids.TICK, "n_intervals"), day=State(ids.DAY, "value"),
                      last=State(ids.DAY, "max")),
          prevent_initial_call=True)
def advance(_n, day, last):
    nxt = (day or 0) + 1
    if nxt >= (last or 0):
        return dict(day=last, stopped=True, label="▶ Play")
    return dict(day=nxt, stopped=no_update, label=no_update)


@callback(output=dict(state=Output(ids.STATE, "data")),
          inputs=dict(source=Input(ids.SOURCE, "value"), start=Input(ids.START, "value"),
                      end=Input(ids.END, "value"), run_id=Input(ids.RUN_ID, "data"),
                      wf_id=Input(more.WF_RUN_ID, "data"),
                      values={key: Input(cid, "value") for key, cid, *_ in FIELDS},
                      wf=dict(p1=Input(ids.WF_PARAM1, "value"), v1=Input(ids.WF_VALUES1, "value"),
                              p2=Input(ids.WF_PARAM2, "value"), v2=Input(ids.WF_VALUES2, "value"),
                              train=Input(ids.WF_TRAIN, "value"), test=Input(ids.WF_TEST, "value"),
                              metric=Input(ids.WF_METRIC, "value"), anchored=Input(ids.WF_ANCHORED, "value"))))
def url_state(source, start, end, run_id, wf_id, values, wf):
    state = {"source": source, "start": start, "end": end, **values, **wf_query_items(wf)}
    return dict(state=to_query(state, run_id, wf_id))


clientside_callback(REPLACE_URL_QUERY, Output(ids.URL_DUMMY, "children"), Input(ids.STATE, "data"))
clientside_callback(url_upload("data"), Output(Uploads.BACKTEST_LINK, "data"),
                    Input(Uploads.BACKTEST, "data"), prevent_initial_call=True)
