"""The report document: plain JSON (a workspace can store it as it is), validated and edited here.

Format (version 1)::

    {"version": 1, "title": str, "author": str, "date": "YYYY-MM-DD", "summary": str,
     "items": [
        {"id": str,                      # unique within the report (random hex from the browser)
         "added": "ISO time", "page": str, "title": str,
         "url": "/greeks?greek=gamma&...",   # the query string holds the page's inputs
         "source": str,                   # the data-source text the page showed
         "notes": str,
         "figures": [{"data": [...], "layout": {...},    # plotly figure JSON, as rendered
                      "image": "data:image/png;base64,..."}],  # only WebGL (3D) charts: the
                                                 # browser's rendering, used by the PDF
         "tables": [{"title": str, "columns": [str], "rows": [[...]]}]}]}

In the browser the items live in a ``dcc.Store`` (session storage) and the title, author, date,
summary and per-item notes in a second one (so typing a note does not redraw every figure);
:func:`document` joins them into the one document above.
"""
from __future__ import annotations

import datetime as _dt
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["VERSION", "document", "inputs_of", "move", "remove", "figure_count", "EMPTY",
           "MAX_FIGURES_NOTE"]

VERSION = 1
#: Message for an export of a report without items.
EMPTY = ("The report has no items yet: open a page (Greeks, Vol surface, Strategies...), set it up "
         "and press “Add to report” in the top bar, then come back here.")
#: Shown when a report holds many figures (exports still run, with progress).
MAX_FIGURES_NOTE = 40


def _text(value, default: str = "") -> str:
    return default if value is None else str(value)


def _item(raw: dict, k: int) -> dict:
    if not isinstance(raw, dict):
        raise ValueError(f"report item {k} must be an object, got {type(raw).__name__}")
    figures = [f for f in (raw.get("figures") or []) if isinstance(f, dict)]
    tables = [t for t in (raw.get("tables") or []) if isinstance(t, dict)]
    return {
        "id": _text(raw.get("id"), f"item-{k}"),
        "added": _text(raw.get("added")),
        "page": _text(raw.get("page")),
        "title": _text(raw.get("title")) or _text(raw.get("page")) or f"Item {k + 1}",
        "url": _text(raw.get("url")),
        "source": _text(raw.get("source")),
        "notes": _text(raw.get("notes")),
        "figures": [{"data": list(f.get("data") or []), "layout": dict(f.get("layout") or {}),
                     **({"image": f["image"]} if str(f.get("image", "")).startswith("data:image/png;base64,")
                        else {})}
                    for f in figures],
        "tables": [{"title": _text(t.get("title")), "columns": [str(c) for c in t.get("columns") or []],
                    "rows": [list(r) for r in t.get("rows") or []]} for t in tables],
    }


def document(items: list | None, meta: dict | None = None) -> dict:
    """The report document (format above) from the browser's two stores.

    Parameters
    ----------
    items : list of dict or None
        The items store.
    meta : dict or None
        ``{"title", "author", "date", "summary", "notes": {item_id: text}}``.

    Returns
    -------
    dict
        ``{"version", "title", "author", "date", "summary", "items"}``; each item carries its note.

    Raises
    ------
    ValueError
        When ``items`` is not a list or an item is not an object.
    """
    meta = meta or {}
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ValueError(f"items must be a list of report items, got {type(items).__name__}")
    notes = meta.get("notes") or {}
    out = []
    for k, raw in enumerate(items):
        item = _item(raw, k)
        if item["id"] in notes:
            item["notes"] = _text(notes[item["id"]])
        out.append(item)
    return {"version": VERSION,
            "title": _text(meta.get("title")) or "Parity report",
            "author": _text(meta.get("author")),
            "date": _text(meta.get("date")) or _dt.date.today().isoformat(),
            "summary": _text(meta.get("summary")),
            "items": out}


def inputs_of(url: str) -> list[tuple[str, str]]:
    """The page inputs in ``url``'s query string, decoded: ``[(name, value), ...]``.

    Parameters
    ----------
    url : str
        A page address.

    Returns
    -------
    list of (str, str)
    """
    query = urlsplit(url or "").query
    return [(unquote(k), v) for k, v in parse_qsl(query, keep_blank_values=True)]


def move(items: list, item_id: str, step: int) -> list:
    """``items`` with ``item_id`` moved ``step`` places (-1 up, +1 down), clamped at the ends.

    Parameters
    ----------
    items : list of dict
        The report items.
    item_id : str
        The item to move.
    step : int
        Places to move.

    Returns
    -------
    list of dict
        A new list (``items`` unchanged when the id is unknown).
    """
    ids = [i.get("id") for i in items]
    if item_id not in ids:
        return list(items)
    k = ids.index(item_id)
    j = min(max(k + step, 0), len(items) - 1)
    out = list(items)
    out.insert(j, out.pop(k))
    return out


def remove(items: list, item_id: str) -> list:
    """``items`` without ``item_id``.

    Parameters
    ----------
    items : list of dict
        The report items.
    item_id : str
        The item to remove.

    Returns
    -------
    list of dict
    """
    return [i for i in items if i.get("id") != item_id]


def figure_count(items: list | None) -> int:
    """Number of figures over all items.

    Parameters
    ----------
    items : list of dict or None
        The report items.

    Returns
    -------
    int
    """
    return sum(len(i.get("figures") or []) for i in items or [] if isinstance(i, dict))
