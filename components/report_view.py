"""Report page pieces: the item cards (preview, notes, order buttons) and meeting-mode slides."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.ids import Report as ids
from components.report_export import figure_title, light_figure
from components.report_items import EMPTY, inputs_of

__all__ = ["item_cards", "slides", "slide"]


def _preview(fig: dict, height: int) -> dcc.Graph:
    """The figure as it will be exported (light, on white), whatever the app's theme."""
    lay = light_figure(fig)["layout"]
    shown = lay.get("height") if isinstance(lay.get("height"), (int, float)) else None
    height = int(min(max(shown or height, height), 460))      # faceted charts keep their height
    lay.update(height=height, autosize=True)
    lay.pop("width", None)
    return dcc.Graph(figure={"data": fig.get("data") or [], "layout": lay},
                     config={"displaylogo": False, "responsive": True}, style={"height": f"{height}px"})


def item_cards(items: list, notes: dict) -> list:
    """One card per item, in order; an empty report says how to add items.

    Parameters
    ----------
    items : list of dict
        The report items.
    notes : dict
        Item id -> note text.

    Returns
    -------
    list
        Dash components.
    """
    if not items:
        return [dbc.Alert(EMPTY, color="info", id=ids.EMPTY)]
    cards = []
    for n, item in enumerate(items, 1):
        iid = item.get("id")
        inputs = ", ".join(f"{k}={v}" for k, v in inputs_of(item.get("url", ""))) or "page defaults"
        figs = item.get("figures") or []
        buttons = dbc.ButtonGroup([
            dbc.Button("↑", id={"type": ids.UP, "item": iid}, size="sm", color="secondary",
                       outline=True, disabled=n == 1, title="Move up"),
            dbc.Button("↓", id={"type": ids.DOWN, "item": iid}, size="sm", color="secondary",
                       outline=True, disabled=n == len(items), title="Move down"),
            dbc.Button("Remove", id={"type": ids.REMOVE, "item": iid}, size="sm", color="danger",
                       outline=True)])
        body = [
            html.Div([html.H5(f"{n}. {item.get('title', '')}", className="mb-0 me-auto"), buttons],
                     className="d-flex align-items-center mb-1"),
            html.Div([html.Code(item.get("url", "").split("?")[0]), f" · inputs: {inputs}"],
                     className="small text-body-secondary text-break"),
            html.Div(f"Data source: {item.get('source')}" if item.get("source") else
                     "Data source: not shown on the page", className="small mb-2"),
            dbc.Row([dbc.Col(_preview(f, 300), md=6 if len(figs) > 1 else 12) for f in figs[:4]],
                    class_name="g-2"),
            html.Div(f"+ {len(figs) - 4} more charts (all exported)", className="small") if len(figs) > 4 else None,
            html.Div(f"{len(item.get('tables') or [])} table(s)", className="small text-body-secondary")
            if item.get("tables") else None,
            dbc.Textarea(id={"type": ids.NOTE, "item": iid}, value=(notes or {}).get(iid, item.get("notes", "")),
                         placeholder="Notes for this item (shown under its title in every export)",
                         debounce=True, rows=2, class_name="mt-2"),
        ]
        cards.append(dbc.Card(dbc.CardBody(body), class_name="mb-3 shadow-sm"))
    return cards


def slides(items: list) -> list[tuple[int, int]]:
    """Meeting-mode slides: (item index, figure index or -1 for an item without charts).

    Parameters
    ----------
    items : list of dict
        The report items.

    Returns
    -------
    list of (int, int)
    """
    out = []
    for i, item in enumerate(items or []):
        figs = item.get("figures") or []
        out.extend((i, k) for k in range(len(figs))) if figs else out.append((i, -1))
    return out


def slide(items: list, notes: dict, index: int, meta: dict) -> html.Div:
    """Slide ``index``: the item's title, one chart full width (light), its source and notes.

    Parameters
    ----------
    items : list of dict
        The report items.
    notes : dict
        Item id -> note text.
    index : int
        Slide number (0-based, clamped).
    meta : dict
        Report title, author and date.

    Returns
    -------
    dash.html.Div
    """
    order = slides(items)
    if not order:
        return html.Div(EMPTY, className="meeting-empty")
    index = min(max(int(index or 0), 0), len(order) - 1)
    i, k = order[index]
    item = items[i]
    fig = (item.get("figures") or [None])[k] if k >= 0 else None
    head = html.Div([html.Span(f"{index + 1} / {len(order)}", className="meeting-count"),
                     html.H2(item.get("title", ""), className="mb-0"),
                     html.Div(figure_title(fig) if fig else "", className="meeting-sub")])
    graph = None
    if fig:
        light = light_figure(fig)
        light["layout"].update(autosize=True, font={"size": 18})
        light["layout"].pop("width", None)
        light["layout"].pop("height", None)
        graph = dcc.Graph(figure=light, config={"displaylogo": False, "responsive": True},
                          style={"height": "68vh"})
    note = (notes or {}).get(item.get("id"), item.get("notes", ""))
    foot = html.Div([html.Div(f"Data source: {item['source']}" if item.get("source") else ""),
                     html.Div(note, className="meeting-notes") if note else None,
                     html.Div("← → to move, Esc to close · " + (meta or {}).get("title", "Parity report"),
                              className="meeting-help")])
    body = graph if graph is not None else html.Div("This view had no charts.", className="meeting-empty")
    return html.Div([head, body, foot])
