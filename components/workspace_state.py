"""Workspace documents from the browser's state, and back: plain functions the callbacks call.

What the browser holds (collected by ``assets/workspace.js``, ``parityWorkspace.collect``)::

    {"mode": "save" | "new",
     "pages": {"/greeks": "?greek=gamma&...", ...},   # each page's last URL query (localStorage)
     "last": "/greeks",                               # the page the user was on
     "session": {store id: JSON, ...},                # the tab's session stores (sessionStorage)
     "report_items": [...], "report_meta": {...}}     # the report builder's two stores

What a workspace keeps (``Workspace.state``; the report items go to ``Workspace.report``)::

    {"pages": {...}, "last": "/greeks",
     "session": {only SESSION_STORES},                # e.g. the Strategies legs, the Risk book
     "uploads": {blob key: {"name", "size", "pages"}},  # every ``data=<key>`` the pages name
     "runs": ["run id", ...],                         # calibration ``runs=`` / backtest ``run=``
     "book": {"rows": [...]} ,                        # the Risk page's book rows, when there
     "notes": str, "report_meta": {...}}

Uploaded files are referenced by their store blob key (a SHA-256), never copied: the bytes stay
in the store's ``blobs`` table, once. Page inputs are the pages' own URL queries, so opening a
workspace is opening each page's last link; results are recomputed from those inputs.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import parse_qs

__all__ = ["SESSION_STORES", "EXCLUDED_PATHS", "MAX_SESSION_CHARS", "state_from_snapshot",
           "restore_payload", "page_query", "query_dict", "upload_keys", "run_ids",
           "workspace_rows", "valid_id", "page_label", "sharing_text"]

#: Session stores (``dcc.Store(storage_type="session")`` ids) a workspace keeps: inputs that live
#: outside the URL. Results (e.g. the portfolio's optimisation) are recomputed, never kept.
SESSION_STORES = ("st-session",          # Strategies: the tab's last view (its query)
                  "risk-saved-book",     # Risk: the book rows
                  "pf-data-key",         # Portfolio: the data in use (upload keys)
                  "pf-views",            # Portfolio: Black-Litterman views (when kept in session)
                  "pf-views-kept",       # Portfolio: the views grid's rows kept for the session
                  )
#: Paths that are not desk pages (their state is not a page's inputs).
EXCLUDED_PATHS = ("/", "/report", "/runs", "/workspaces", "/404")
#: Largest session store kept (characters of JSON); bigger ones are left out and named.
MAX_SESSION_CHARS = 512_000
_KEY = re.compile(r"^[0-9a-f]{64}$")
_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_RUN_PARAMS = ("runs", "run", "wf")
_MAX_QUERY = 20_000


def valid_id(text: object) -> bool:
    """Whether ``text`` looks like a workspace id (URL-safe, 16-64 characters).

    Parameters
    ----------
    text : object
        The ``<id>`` of a ``/w/<id>`` link, as it came in.

    Returns
    -------
    bool
        False for anything that is not such a string (then no store is asked).
    """
    return isinstance(text, str) and bool(_ID.match(text))


def query_dict(query: str) -> dict:
    """A URL query (``"?a=1&b=2"``) as the keyword arguments Dash passes to ``layout(**query)``.

    Parameters
    ----------
    query : str
        The query with its leading ``?``; anything else gives ``{}``.

    Returns
    -------
    dict
        ``{name: value}`` (one string per name, a list of strings when a name repeats; blank
        values kept).
    """
    if not isinstance(query, str) or not query.startswith("?"):
        return {}
    parsed = parse_qs(query[1:], keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def upload_keys(pages: Mapping[str, str]) -> dict[str, list[str]]:
    """The uploads the pages' links name.

    Parameters
    ----------
    pages : dict
        ``{page path: URL query}``.

    Returns
    -------
    dict
        ``{blob key (64 hex digits, lower case): [paths that name it]}`` from every
        ``data=<key>`` (comma-separated keys too), ``data_*=`` and the Portfolio's
        ``sectors=``; values that are not keys are ignored.
    """
    out: dict[str, list[str]] = {}
    for path, query in pages.items():
        for name, value in query_dict(query).items():
            if name not in ("data", "sectors") and not name.startswith("data_"):
                continue
            for v in value if isinstance(value, list) else [value]:
                for key in str(v).split(","):
                    key = key.strip().lower()
                    if _KEY.match(key):
                        out.setdefault(key, [])
                        if path not in out[key]:
                            out[key].append(path)
    return out


def _records(value, found: dict) -> None:
    """Upload records ``{key, name, size}`` anywhere inside a session store's JSON."""
    if isinstance(value, Mapping):
        key = value.get("key")
        if isinstance(key, str) and _KEY.match(key.lower()):
            found[key.lower()] = {"name": str(value.get("name") or ""),
                                  "size": value.get("size") if isinstance(value.get("size"), int) else None}
        for v in value.values():
            _records(v, found)
    elif isinstance(value, list):
        for v in value:
            _records(v, found)


def run_ids(pages: Mapping[str, str]) -> list[str]:
    """Calibration, backtest and walk-forward run ids the pages name (``runs=a,b`` / ``run=c`` /
    ``wf=d``).

    Parameters
    ----------
    pages : dict
        ``{page path: URL query}``.

    Returns
    -------
    list of str
        Each id once (at most 64 characters), in the order the pages name them.
    """
    out: list[str] = []
    for query in pages.values():
        q = query_dict(query)
        for name in _RUN_PARAMS:
            for v in q.get(name, []) if isinstance(q.get(name), list) else [q.get(name, "")]:
                for rid in str(v).split(","):
                    rid = rid.strip()
                    if rid and rid not in out and len(rid) <= 64:
                        out.append(rid)
    return out


def _pages(raw, known: tuple[str, ...] | None) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    out = {}
    for path, query in raw.items():
        if not isinstance(path, str) or not path.startswith("/") or path in EXCLUDED_PATHS \
                or path.startswith("/w/") or (known is not None and path not in known):
            continue
        query = query if isinstance(query, str) else ""
        if query and not query.startswith("?"):
            query = "?" + query
        out[path] = query[:_MAX_QUERY]
    return out


def state_from_snapshot(snapshot: Mapping, *, notes: str = "",
                        known: tuple[str, ...] | None = None) -> tuple[dict, list, list[str]]:
    """The workspace ``state``, its ``report`` items, and notes on what was left out.

    Parameters
    ----------
    snapshot : dict
        What ``parityWorkspace.collect`` sent (module docstring).
    notes : str
        The user's notes for the workspace.
    known : tuple of str, optional
        The app's page paths; other paths in the snapshot are dropped.

    Returns
    -------
    state : dict
        ``pages``, ``last``, ``session`` (only :data:`SESSION_STORES`), ``uploads`` (by key),
        ``runs``, ``book``, ``notes``, ``report_meta`` (module docstring).
    report : list of dict
        The report items as the browser held them.
    left_out : list of str
        What was not kept and why (e.g. a session store over :data:`MAX_SESSION_CHARS`).
    """
    snapshot = snapshot if isinstance(snapshot, Mapping) else {}
    pages = _pages(snapshot.get("pages"), known)
    session, left_out = {}, []
    raw_session = snapshot.get("session") if isinstance(snapshot.get("session"), Mapping) else {}
    for sid in SESSION_STORES:
        if sid not in raw_session or raw_session[sid] is None:
            continue
        text = json.dumps(raw_session[sid], allow_nan=False, default=str)
        if len(text) > MAX_SESSION_CHARS:
            left_out.append(f"{sid} ({len(text) / 1e6:.1f} MB: too large to keep)")
            continue
        session[sid] = json.loads(text)
    uploads = {k: {"name": "", "size": None, "pages": v} for k, v in upload_keys(pages).items()}
    found: dict = {}
    _records(session, found)
    for key, rec in found.items():
        uploads.setdefault(key, {"name": "", "size": None, "pages": []}).update(
            {k: v for k, v in rec.items() if v})
    last = snapshot.get("last")
    state = {"pages": pages, "last": last if isinstance(last, str) and last in pages else
             (next(iter(pages)) if pages else ""),
             "session": session, "uploads": uploads, "runs": run_ids(pages),
             "book": {"rows": session["risk-saved-book"]} if isinstance(
                 session.get("risk-saved-book"), list) else {},
             "notes": str(notes or ""),
             "report_meta": dict(snapshot.get("report_meta") or {})
             if isinstance(snapshot.get("report_meta"), Mapping) else {}}
    items = snapshot.get("report_items")
    report = [i for i in items if isinstance(i, Mapping)] if isinstance(items, list) else []
    return state, report, left_out


def restore_payload(ws: Mapping, *, report_items: str, report_meta: str, current: str) -> dict:
    """What ``parityWorkspace.restore`` writes into the browser to continue a workspace there.

    Parameters
    ----------
    ws : dict
        ``Workspace.to_dict()``.
    report_items, report_meta, current : str
        The ids of the browser stores of the report items, the report meta and the workspace
        in use.

    Returns
    -------
    dict
        ``id``, ``pages`` {path: query}, ``last`` page, ``to`` (the address to land on),
        ``session`` {store id: data} to write, ``clear`` (session stores to empty) and
        ``local`` {store id: data} (the workspace in use).
    """
    state = ws.get("state") or {}
    pages = _pages(state.get("pages"), None)
    session = {k: v for k, v in (state.get("session") or {}).items() if k in SESSION_STORES}
    session[report_items] = list(ws.get("report") or [])
    session[report_meta] = dict(state.get("report_meta") or {})
    last = state.get("last") if state.get("last") in pages else ""
    return {"id": ws["id"], "pages": pages, "last": last,
            "to": (last + pages[last]) if last else "/",
            "session": session, "clear": [k for k in SESSION_STORES if k not in session],
            "local": {current: {"id": ws["id"], "name": ws.get("name", ""),
                                "description": ws.get("description", ""),
                                "notes": state.get("notes", ""), "owner": ws.get("owner", "")}}}


def page_query(state: Mapping, path: str) -> str:
    """The saved query of one page.

    Parameters
    ----------
    state : dict
        A workspace ``state``.
    path : str
        The page path, e.g. ``"/greeks"``.

    Returns
    -------
    str
        Its query with the leading ``?``; ``""`` when the workspace has none.
    """
    return str(((state or {}).get("pages") or {}).get(path) or "")


def page_label(path: str, names: Mapping[str, str]) -> str:
    """The page's navbar name (``/greeks`` -> ``Greeks``), else a name made from the path.

    Parameters
    ----------
    path : str
        The page path.
    names : dict
        ``{path: navbar name}`` of the app's pages.

    Returns
    -------
    str
    """
    return names.get(path) or path.strip("/").replace("-", " ").capitalize() or path


def workspace_rows(infos, *, pages: Mapping[str, int] | None = None) -> list[dict]:
    """Grid rows of :class:`~core.store.WorkspaceInfo` entries.

    Parameters
    ----------
    infos : iterable of WorkspaceInfo
        As ``list_workspaces`` returns them.
    pages : dict, optional
        Unused; kept for callers that pass it.

    Returns
    -------
    list of dict
        One per workspace: ``id``, ``name``, ``owner`` (shown), ``owner_name`` (as stored),
        ``updated``/``created`` (UTC, to the second), ``description``, ``version``, ``link``
        (markdown), ``sharing`` (``Sharing.to_dict()``) and ``shared`` (:func:`sharing_text`).
    """
    rows = []
    for w in infos:
        rows.append({"id": w.id, "name": w.name, "owner": w.owner or "(single user)",
                     "updated": w.updated.strftime("%Y-%m-%d %H:%M:%S"),
                     "created": w.created.strftime("%Y-%m-%d %H:%M:%S"),
                     "description": w.description, "version": w.version,
                     "link": f"[/w/{w.id[:8]}…](/w/{w.id})", "owner_name": w.owner,
                     "sharing": w.sharing.to_dict(), "shared": sharing_text(w.sharing.to_dict())})
    return rows


def sharing_text(sharing: Mapping | None) -> str:
    """Who besides the owner (and admins) may open a workspace, in words.

    Parameters
    ----------
    sharing : dict or None
        ``{"mode": "private" | "users" | "all", "users": [names]}`` (``Sharing.to_dict()``);
        None is private.

    Returns
    -------
    str
        ``"Private"``, ``"Shared with ann, bob"`` or ``"Shared with everyone signed in"``.
    """
    mode = (sharing or {}).get("mode") or "private"
    if mode == "all":
        return "Shared with everyone signed in"
    if mode == "users":
        return "Shared with " + (", ".join((sharing or {}).get("users") or []) or "nobody")
    return "Private"

