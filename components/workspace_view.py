"""A saved page drawn inside the read-only view (``/w/<id>``), detached from the browser's storage.

The view draws a page by calling its own ``layout(**saved query)``, so the page's callbacks
recompute its results exactly as its link would. A page's layout, though, also holds components
that mirror their data into the browser: ``dcc.Store(storage_type="session" | "local")`` and
controls with Dash ``persistence``. Drawn as they are inside the view, they would read the
viewer's own copies (showing the viewer's book or inputs instead of the workspace's) and then
write the workspace's values over them (the viewer's Strategies legs and Risk book in that tab
become the workspace's). :func:`detach_storage` rewrites such a tree before it is sent:

* every browser-backed store becomes a memory store holding the workspace's saved value of that
  store (``Workspace.state["session"]``), or the page's own initial data when none was saved;
* every control loses its ``persistence`` (it shows the saved query's value, and edits in the
  view are forgotten with it);
* :func:`held_store` returns the ``{store id: saved value or None}`` of the detached stores, in a
  memory store of its own, which ``assets/workspace.js`` answers a page script's direct
  ``sessionStorage.getItem(id)`` from while the address is a ``/w/`` one.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import dcc
from dash.development.base_component import Component

from components.ids import WorkspaceView as ids

__all__ = ["detach_storage", "held_store", "BROWSER_STORAGE"]

#: ``dcc.Store.storage_type`` values that live in the browser beyond the page.
BROWSER_STORAGE = ("session", "local")


def _components(value: Any):
    """Components directly inside one property value (a component, or a list/tuple of them)."""
    if isinstance(value, Component):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            if isinstance(v, Component):
                yield v


def _walk(node: Component):
    """Every component of the tree under ``node`` (itself included), through every property
    that holds components (``children``, and e.g. labels, tooltips, tab contents)."""
    stack = [node]
    while stack:
        comp = stack.pop()
        yield comp
        for name in getattr(comp, "_prop_names", ()):
            value = getattr(comp, name, None)
            if value is not None and not isinstance(value, (str, int, float, bool, dict)):
                stack.extend(_components(value))


def _key(comp_id: Any) -> str:
    """The key a ``dcc.Store`` uses in browser storage: its id (dict ids as Dash writes them)."""
    if isinstance(comp_id, Mapping):
        from dash._utils import stringify_id

        return stringify_id(comp_id)
    return str(comp_id)


def detach_storage(tree: Component, saved: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Detach a page layout from browser storage, in place, seeding its stores from the workspace.

    Parameters
    ----------
    tree : dash Component
        A page layout, freshly built (``page["layout"](**query)``); it is changed in place.
    saved : dict, optional
        The workspace's saved session stores ``{store id: JSON value}``
        (``Workspace.state["session"]``).

    Returns
    -------
    dict
        ``{store id: value}`` of every store that was browser-backed: the saved value the store
        now holds, or None when the workspace saved none for it (the store keeps the page's own
        initial data, and a direct read of browser storage finds nothing).
    """
    saved = saved if isinstance(saved, Mapping) else {}
    held: dict[str, Any] = {}
    for comp in _walk(tree):
        if isinstance(comp, dcc.Store) and getattr(comp, "storage_type", "memory") in BROWSER_STORAGE:
            key = _key(getattr(comp, "id", ""))
            comp.storage_type = "memory"
            if saved.get(key) is not None:
                comp.data = saved[key]
            held[key] = saved.get(key)
        if getattr(comp, "persistence", None):
            comp.persistence = False
    return held


def held_store(held: Mapping[str, Any]) -> dcc.Store:
    """The memory store ``assets/workspace.js`` answers the view's direct storage reads from.

    Parameters
    ----------
    held : dict
        As :func:`detach_storage` returned it.

    Returns
    -------
    dash.dcc.Store
        Id ``WorkspaceView.HELD``, data ``held``.
    """
    return dcc.Store(id=ids.HELD, data=dict(held))
