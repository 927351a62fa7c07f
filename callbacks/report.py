"""Report builder callbacks: add (clientside, app level), list/order/notes, exports, meeting mode."""
from __future__ import annotations

import base64
import logging

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update

from callbacks.jobs import job_failed
from callbacks.registry import callback, clientside_callback
from components.ids import Report as ids
from components.report_export import (ExportError, figure_images, html_report, pdf_report,
                                      tables_bundle, to_json)
from components.report_items import document, move, remove
from components.report_view import item_cards, slide, slides

log = logging.getLogger(__name__)

clientside_callback(
    ClientsideFunction("parityReport", "add"),
    Output(ids.ITEMS, "data"), Output(ids.TOAST, "children"), Output(ids.TOAST, "is_open"),
    Output(ids.COUNT, "children"),
    Input(ids.ADD, "n_clicks"), State(ids.ITEMS, "data"), prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("parityReport", "count"),
    Output(ids.COUNT, "children", allow_duplicate=True), Input(ids.ITEMS, "data"),
    prevent_initial_call="initial_duplicate",
)


@callback(
    output=dict(cards=Output(ids.LIST, "children"), title=Output(ids.TITLE, "value"),
                author=Output(ids.AUTHOR, "value"), date=Output(ids.DATE, "value"),
                summary=Output(ids.SUMMARY, "value")),
    inputs=dict(items=Input(ids.ITEMS, "data"), meta=State(ids.META, "data")),
)
def show(items, meta):
    """The item cards, and the title/author/date/summary as saved in the tab."""
    meta = meta or {}
    doc = document(items if isinstance(items, list) else [], meta)
    return dict(cards=item_cards(doc["items"], meta.get("notes") or {}), title=meta.get("title", ""),
                author=meta.get("author", ""), date=meta.get("date") or doc["date"],
                summary=meta.get("summary", ""))


@callback(
    output=dict(meta=Output(ids.META, "data")),
    inputs=dict(title=Input(ids.TITLE, "value"), author=Input(ids.AUTHOR, "value"),
                date=Input(ids.DATE, "value"), summary=Input(ids.SUMMARY, "value"),
                notes=Input({"type": ids.NOTE, "item": ALL}, "value"),
                meta=State(ids.META, "data")),
    prevent_initial_call=True,
)
def save_meta(title, author, date, summary, notes, meta):
    """Keep the title, author, date, summary and notes in the tab (notes of removed items too)."""
    kept = dict((meta or {}).get("notes") or {})
    for spec, text in zip(ctx.inputs_list[4], notes):
        kept[spec["id"]["item"]] = text or ""
    return dict(meta={"title": title or "", "author": author or "", "date": date or "",
                      "summary": summary or "", "notes": kept})


@callback(
    output=dict(items=Output(ids.ITEMS, "data", allow_duplicate=True)),
    inputs=dict(up=Input({"type": ids.UP, "item": ALL}, "n_clicks"),
                down=Input({"type": ids.DOWN, "item": ALL}, "n_clicks"),
                rm=Input({"type": ids.REMOVE, "item": ALL}, "n_clicks"),
                clear=Input(ids.CLEAR, "n_clicks"), items=State(ids.ITEMS, "data")),
    prevent_initial_call=True,
)
def reorder(up, down, rm, clear, items):
    """Move an item up or down, remove it, or clear the report."""
    trig = ctx.triggered_id
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        return dict(items=no_update)        # buttons appearing after a redraw
    if trig == ids.CLEAR:
        return dict(items=[])
    items = items or []
    if trig["type"] == ids.REMOVE:
        return dict(items=remove(items, trig["item"]))
    return dict(items=move(items, trig["item"], -1 if trig["type"] == ids.UP else 1))


_MIME = {"html": "text/html", "pdf": "application/pdf", "png": "application/zip",
         "svg": "application/zip", "csv": "application/zip",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "json": "application/json"}
_EXT = {"png": "-png.zip", "svg": "-svg.zip", "csv": "-tables.zip"}


def export(fmt: str, items, meta, paper: str = "A4", landscape: bool = False, progress=None) -> dict:
    """The download dict (``dcc.Download`` data) of the report in ``fmt``; raises ExportError."""
    doc = document(items, meta)
    if fmt == "html":
        data = html_report(doc).encode()
    elif fmt == "pdf":
        data = pdf_report(doc, paper=paper, landscape=landscape, progress=progress)
    elif fmt in ("png", "svg"):
        data = figure_images(doc, fmt, progress=progress)
    elif fmt in ("csv", "xlsx"):
        data = tables_bundle(doc, fmt)
    elif fmt == "json":
        data = to_json(doc).encode()
    else:
        raise ExportError(f"unknown export format {fmt!r}")
    stem = "".join(c if c.isalnum() else "-" for c in doc["title"]).strip("-").lower() or "report"
    return {"content": base64.b64encode(data).decode(), "base64": True, "type": _MIME[fmt],
            "filename": f"{stem}{_EXT.get(fmt, '.' + fmt)}"}


@callback(
    output=dict(download=Output(ids.DOWNLOAD, "data"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open")),
    inputs=dict(clicks=Input({"type": ids.EXPORT, "fmt": ALL}, "n_clicks"),
                items=State(ids.ITEMS, "data"), meta=State(ids.META, "data"),
                paper=State(ids.PAPER, "value"), landscape=State(ids.LANDSCAPE, "value")),
    background=True, prevent_initial_call=True,
    running=[(Output(ids.CANCEL, "disabled"), False, True)],
    cancel=[Input(ids.CANCEL, "n_clicks")],
    progress=[Output(ids.PROGRESS, "value"), Output(ids.STATUS, "children")],
    interval=300, on_error=job_failed(ids.ALERT, what="The export"),
)
def run_export(set_progress, clicks, items, meta, paper, landscape):
    """Export in the format of the button pressed, with progress; a failure is a message."""
    if not ctx.triggered or not ctx.triggered[0].get("value"):
        return dict(download=no_update, alert=no_update, show=no_update)
    fmt = ctx.triggered_id["fmt"]
    set_progress((5, f"exporting {fmt.upper()}…"))
    try:
        out = export(fmt, items, meta, paper or "A4", bool(landscape),
                     progress=lambda f, m: set_progress((round(100 * f), m)))
    except ExportError as exc:
        set_progress((0, ""))
        return dict(download=no_update, alert=str(exc), show=True)
    except Exception:
        log.exception("report export failed")
        set_progress((0, ""))
        return dict(download=no_update, show=True,
                    alert=f"The {fmt.upper()} export failed unexpectedly; the error was logged. "
                          "Your report is unchanged; HTML export still works.")
    set_progress((100, f"{fmt.upper()} ready: {out['filename']}"))
    return dict(download=out, alert=no_update, show=False)


@callback(
    output=dict(open=Output(ids.SLIDES, "is_open")),
    inputs=dict(n=Input(ids.MEETING, "n_clicks")), prevent_initial_call=True,
)
def open_meeting(n):
    return dict(open=bool(n))


clientside_callback(
    ClientsideFunction("parityReport", "keys"),
    Output(ids.SLIDE, "data"), Input(ids.SLIDES, "is_open"), State(ids.ITEMS, "data"),
    prevent_initial_call=True,
)


@callback(
    output=dict(body=Output(ids.SLIDE_BODY, "children")),
    inputs=dict(index=Input(ids.SLIDE, "data"), items=State(ids.ITEMS, "data"),
                meta=State(ids.META, "data")),
    prevent_initial_call=True,
)
def show_slide(index, items, meta):
    doc = document(items if isinstance(items, list) else [], meta)
    return dict(body=slide(doc["items"], (meta or {}).get("notes") or {}, index or 0, doc))
