"""Workspace callbacks: save / save as from the navbar, the /workspaces list, the /w/<id> view.

Thin adapters over :mod:`core.store` (one store call each); the browser side (collecting every
page's last URL and the session stores, restoring them) is ``assets/workspace.js``, and the
conversion between the two is :mod:`components.workspace_state`. Who may do what comes from
:mod:`callbacks.session` only.
"""
from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, ctx, no_update
from flask import current_app, request

from callbacks.registry import callback, clientside_callback
from callbacks.session import (current_user, list_reader, login_enabled, may_change, may_edit,
                              may_read)
from components.ids import Report as rids
from components.ids import ReportDraft as dids
from components.ids import Workspace as ids
from components.ids import WorkspaceShare as sids
from components.workspace_controls import not_found, report_view, view_header
from components.workspace_state import (page_label, query_dict, restore_payload, sharing_text,
                                        state_from_snapshot, valid_id, workspace_rows)
from components.workspace_view import detach_storage, held_store
from core.errors import DataError
from core.store import StoreError, shared_store

log = logging.getLogger(__name__)

REPORT_TAB = "report"


def _store():
    """The store of the app's ``DATABASE_URL``, opened once per process (``shared_store``, as
    the other pages' callbacks); any failure to open it is a ``StoreError`` (a deleted folder,
    a file that is no database, PostgreSQL down), so callers say "nothing is lost" rather than
    blame the user's input."""
    try:
        return shared_store(current_app.config["PARITY_SETTINGS"].database_url)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(f"the database cannot be opened ({exc})") from exc


def failure(exc: Exception, doing: str) -> str:
    """The message for a store failure while ``doing`` something (nothing is lost: say so)."""
    if isinstance(exc, StoreError):
        return (f"The workspace store could not be reached while {doing}: {exc}. Nothing is lost: "
                "this browser still holds every page's inputs and the report. Try again in a "
                "moment; the rest of the app keeps working.")
    if isinstance(exc, DataError):
        text = str(exc)
        return text[:1].upper() + text[1:]
    log.exception("workspace: %s failed", doing)
    return f"Something went wrong {doing}; the error was logged and nothing was changed."


def _pages() -> dict[str, str]:
    """Desk page paths -> navbar names, in navbar order."""
    pages = sorted((p for p in dash.page_registry.values() if p.get("order", 99) < 90),
                   key=lambda p: p.get("order", 99))
    return {p["path"]: p["name"] for p in pages}


def _restore(ws) -> dict:
    return restore_payload(ws.to_dict(), report_items=rids.ITEMS, report_meta=rids.META,
                           current=ids.CURRENT)


class Refused(DataError):
    """The current user may not do this to that workspace (the message says why)."""


def _readable(store, wid: str):
    """The workspace ``wid`` if the current user may open it, else :class:`Refused`."""
    ws = store.open_workspace(wid)
    if not may_read(ws.owner, ws.sharing):
        raise Refused("you are not allowed to open this workspace: ask its owner to share it "
                        "with you")
    return ws


def _changeable(store, wid: str, doing: str):
    """The workspace ``wid`` if the current user may save over, rename, share or delete it
    (``doing``: "rename", ...), else :class:`Refused`, saying whose it is."""
    ws = _readable(store, wid)
    if not may_change(ws.owner):
        whose = f"it belongs to {ws.owner}" if ws.owner else "it has no owner"
        raise Refused(f"you may not {doing} “{ws.name}”: {whose}, and only its owner (an "
                        "editor) or an admin may change it")
    return ws


# --------------------------------------------------------------------------------------------
# navbar: save, save as
# --------------------------------------------------------------------------------------------
clientside_callback(
    ClientsideFunction("parityWorkspace", "save"),
    Output(ids.SNAPSHOT, "data"), Output(ids.DIALOG, "is_open"),
    Input(ids.SAVE, "n_clicks"), Input(ids.SAVE_AS, "n_clicks"), Input(ids.CONFIRM, "n_clicks"),
    State(ids.CURRENT, "data"), prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("parityWorkspace", "label"),
    Output(ids.LABEL, "children"), Input(ids.CURRENT, "data"),
)
clientside_callback(
    ClientsideFunction("parityWorkspace", "restore"),
    Output(ids.RESTORE_DUMMY, "children"), Input(ids.RESTORE, "data"), prevent_initial_call=True,
)


# the report draft, kept in this browser per user (assets/workspace.js, parityDraft): a tab's
# first page takes the draft back when the tab has no report of its own; every change is kept
clientside_callback(
    ClientsideFunction("parityDraft", "restore"),
    Output(rids.ITEMS, "data", allow_duplicate=True), Output(rids.META, "data", allow_duplicate=True),
    Output(rids.TOAST, "children", allow_duplicate=True),
    Output(rids.TOAST, "is_open", allow_duplicate=True), Output(dids.ASK, "data"),
    Input(dids.OWNER, "data"), prevent_initial_call="initial_duplicate",
)
clientside_callback(
    ClientsideFunction("parityDraft", "synced"),
    Output(dids.SYNCED, "data"), Input(dids.PUSHED, "data"), State(dids.OWNER, "data"),
    prevent_initial_call=True,
)


# the report draft in the store, per user: it follows the user to another browser or machine
def keep_draft(push: dict | None, owner: str) -> dict:
    """Keep the parts of the report ``push`` carries as ``owner``'s draft in the store.

    Parameters
    ----------
    push : dict or None
        From the browser (``assets/workspace.js``): ``fp`` (fingerprints of the tab's items and
        meta) and the parts that changed, ``items`` and/or ``meta``.
    owner : str
        The signed-in user (``""`` without sign-in): from the session, never from the browser.

    Returns
    -------
    dict
        ``{"updated", "fp"}`` of the stored copy; ``{"resend": True}`` when a part not sent is
        not, in the store, the one the browser took it for (another browser changed it: send
        all);
        ``{"error": message}`` when the store could not keep it (the browser's copy stays).
    """
    if not isinstance(push, dict) or not isinstance(push.get("fp"), dict):
        return {"error": "The report draft sent was not readable; it stays in this browser."}
    try:
        store = _store()
        kept = [part for part in ("items", "meta") if part not in push]
        if kept:
            held = store.get_draft(owner)
            if held is None or any(held.fingerprint.get(p) != push["fp"].get(p) for p in kept):
                return {"resend": True}
        draft = store.put_draft(owner, items=push.get("items"), meta=push.get("meta"),
                                fingerprint=push["fp"])
    except Exception as exc:
        log.warning("report draft of %r not kept in the store: %s", owner, exc)
        text = str(exc) if isinstance(exc, DataError) else "the store could not be reached"
        return {"error": f"The report is kept in this browser only ({text}); it follows you to "
                         "another browser once the server can keep it."}
    return {"updated": draft.to_dict()["updated"], "fp": draft.fingerprint}


def draft_for_tab(draft, ask: dict | None):
    """Whether a tab's first page takes the store's draft: the store's :class:`Draft` to show,
    or None.

    Parameters
    ----------
    draft : core.store.Draft or None
        The user's draft in the store.
    ask : dict or None
        From the browser: ``since`` (the store time of the copy this browser last saw, ``""``
        when none), ``local`` (whether this browser holds a draft of its own, empty or not) and
        ``fp``, the fingerprints of that draft (when they are the store's, it is the same copy).

    Returns
    -------
    core.store.Draft or None
        The store's draft when it is another copy than the browser's and newer than what this
        browser last saw, or when the browser has none and the store's is not empty; else None
        (the browser's copy stands).
    """
    if draft is None or not isinstance(ask, dict):
        return None
    if ask.get("fp") and ask["fp"] == draft.fingerprint:     # the browser holds this very copy
        return None
    since = str(ask.get("since") or "")
    if since:
        return draft if draft.to_dict()["updated"] > since else None
    if ask.get("local") or draft.is_empty:
        return None
    return draft


@callback(output=dict(pushed=Output(dids.PUSHED, "data")), inputs=dict(push=Input(dids.PUSH, "data")),
          prevent_initial_call=True)
def push_draft(push):
    """The browser's changed report parts, kept in the store for the signed-in user."""
    return dict(pushed=keep_draft(push, current_user()))


@callback(output=dict(items=Output(rids.ITEMS, "data", allow_duplicate=True),
                      meta=Output(rids.META, "data", allow_duplicate=True),
                      toast=Output(rids.TOAST, "children", allow_duplicate=True),
                      show=Output(rids.TOAST, "is_open", allow_duplicate=True),
                      pushed=Output(dids.PUSHED, "data", allow_duplicate=True)),
          inputs=dict(ask=Input(dids.ASK, "data")), prevent_initial_call=True)
def fetch_draft(ask):
    """A tab's first page: the user's draft from the store, when the browser has none or the
    store's is newer (from another browser)."""
    none = dict(items=no_update, meta=no_update, toast=no_update, show=no_update)
    try:
        held = _store().get_draft(current_user())
    except Exception as exc:
        log.warning("report draft not read from the store: %s", exc)
        return dict(none, pushed={"error": "The report is kept in this browser only (the store "
                                           "could not be reached); it follows you to another "
                                           "browser once the server can keep it."})
    # the browser learns what the store holds (nothing: its next change is sent whole)
    pushed = ({"updated": held.to_dict()["updated"], "fp": held.fingerprint} if held else
              {"updated": "", "fp": {}})
    draft = draft_for_tab(held, ask)
    if draft is None:
        return dict(none, pushed=pushed)
    n = len(draft.items)
    text = ("The report was cleared in another browser; this tab follows." if draft.is_empty else
            f"The report you were building is back ({n} item{'' if n == 1 else 's'}, kept on the "
            "server for you).")
    return dict(items=draft.items, meta=draft.meta, toast=text, show=True, pushed=pushed)
clientside_callback(
    ClientsideFunction("parityDraft", "keep"),
    Output(dids.NOTE, "data"), Input(rids.ITEMS, "data"), Input(rids.META, "data"),
    State(dids.OWNER, "data"), prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("parityDraft", "note"),
    Output(dids.NOTE_TEXT, "children"), Input(dids.NOTE, "data"),
)


@callback(
    output=dict(name=Output(ids.NAME, "value"), description=Output(ids.DESCRIPTION, "value"),
                notes=Output(ids.NOTES, "value"), alert=Output(ids.DIALOG_ALERT, "is_open"),
                confirm=Output(ids.CONFIRM, "disabled"), text=Output(ids.DIALOG_ALERT, "children")),
    inputs=dict(is_open=Input(ids.DIALOG, "is_open"), current=State(ids.CURRENT, "data")),
    prevent_initial_call=True,
)
def fill_dialog(is_open, current):
    """The dialog starts from the workspace in use (save as keeps its details, under a new id)."""
    if not is_open:
        return {k: no_update for k in ("name", "description", "notes", "alert", "confirm", "text")}
    current = current or {}
    editable = may_edit()
    return dict(name=current.get("name") or "", description=current.get("description") or "",
                notes=current.get("notes") or "", alert=not editable, confirm=not editable,
                text="" if editable else "You may view but not save workspaces (viewer role).")


@callback(
    output=dict(current=Output(ids.CURRENT, "data"), toast=Output(ids.TOAST, "children"),
                toast_open=Output(ids.TOAST, "is_open"),
                dialog=Output(ids.DIALOG, "is_open", allow_duplicate=True),
                alert=Output(ids.DIALOG_ALERT, "children", allow_duplicate=True),
                alert_open=Output(ids.DIALOG_ALERT, "is_open", allow_duplicate=True)),
    inputs=dict(snapshot=Input(ids.SNAPSHOT, "data"), current=State(ids.CURRENT, "data"),
                name=State(ids.NAME, "value"), description=State(ids.DESCRIPTION, "value"),
                notes=State(ids.NOTES, "value")),
    prevent_initial_call=True,
)
def save(snapshot, current, name, description, notes):
    """Save the browser's state: over the workspace in use, or (dialog) as a new one."""
    keep = {k: no_update for k in ("current", "toast", "toast_open", "dialog", "alert", "alert_open")}
    if not isinstance(snapshot, dict):
        return keep
    new = snapshot.get("mode") != "save"
    current = current if isinstance(current, dict) else {}
    if not may_edit():
        msg = "You may view but not save workspaces (viewer role)."
        return {**keep, **({"alert": msg, "alert_open": True} if new else {"toast": msg, "toast_open": True})}
    if not new:
        name, description, notes = current.get("name"), current.get("description", ""), current.get("notes", "")
    state, report, left_out = state_from_snapshot(snapshot, notes=notes or "", known=tuple(_pages()))
    try:
        store, owner = _store(), current_user()
        if not new and current.get("id"):
            try:
                owner = _changeable(store, current["id"], "save over").owner
            except Refused as exc:
                raise Refused(f"{exc}. Use Save as… to keep this as your own workspace") from exc
            except DataError as exc:       # gone: the save below says "use save as"
                if not str(exc).startswith("no workspace"):
                    raise StoreError(f"the workspace could not be read ({exc})") from exc
            except StoreError:
                raise
            except Exception as exc:
                raise StoreError(f"the workspace could not be read ({exc})") from exc
        ws = store.save_workspace(name or "", state, report=report, owner=owner,
                                  description=description or "",
                                  workspace_id=None if new else current.get("id"))
    except Exception as exc:  # every failure is a message; the browser keeps its state
        msg = failure(exc, "saving the workspace")
        return {**keep, **({"alert": msg, "alert_open": True} if new else {"toast": msg, "toast_open": True})}
    info = {"id": ws.id, "name": ws.name, "description": ws.description, "notes": state["notes"],
            "owner": ws.owner}
    text = (f"Saved “{ws.name}”: {len(state['pages'])} pages, {len(report)} report items, "
            f"{len(state['uploads'])} uploads by reference. Share link: /w/{ws.id}")
    if left_out:
        text += " Not kept: " + "; ".join(left_out) + "."
    return dict(current=info, toast=text, toast_open=True, dialog=False, alert="", alert_open=False)


# --------------------------------------------------------------------------------------------
# /workspaces: list, rename, copy, delete, open, share link
# --------------------------------------------------------------------------------------------
def _rows(store) -> list[dict]:
    """Grid rows of what the current user may open, each with ``can_change`` for them."""
    rows = workspace_rows([w for w in store.list_workspaces(limit=None, reader=list_reader())
                           if may_read(w.owner, w.sharing)])
    return [{**r, "can_change": may_change(r["owner_name"])} for r in rows]


@callback(
    output=dict(rows=Output(ids.GRID, "rowData"), alert=Output(ids.ALERT, "children"),
                show=Output(ids.ALERT, "is_open"), color=Output(ids.ALERT, "color"),
                dialog=Output(ids.CONFIRM_DELETE, "is_open", allow_duplicate=True)),
    inputs=dict(_refresh=Input(ids.REFRESH, "n_clicks"), edit=Input(ids.GRID, "cellValueChanged"),
                _copy=Input(ids.COPY, "n_clicks"), _yes=Input(ids.DELETE_YES, "n_clicks"),
                _share=Input(sids.APPLY, "n_clicks"), selected=State(ids.GRID, "selectedRows"),
                mode=State(sids.MODE, "value"), users=State(sids.USERS, "value")),
    prevent_initial_call="initial_duplicate",
)
def manage(_refresh, edit, _copy, _yes, _share, selected, mode, users):
    """List the workspaces; rename (edited name), copy, share or delete (confirmed) the
    selected one."""
    return manage_action(ctx.triggered_id, edit, selected, mode=mode, users=users)


def manage_action(trig, edit, selected, *, mode: str | None = None,
                  users: list | None = None) -> dict:
    """:func:`manage` for the component that fired.

    Parameters
    ----------
    trig : str or None
        The id of the component that fired (None: just list).
    edit : dict or list or None
        The grid's ``cellValueChanged`` (a rename).
    selected : list of dict or None
        The grid's selected rows (the first is acted on).
    mode : str, optional
        With the share button: ``"private"``, ``"users"`` or ``"all"``.
    users : list of str, optional
        With ``mode="users"``: the user names to share with.

    Returns
    -------
    dict
        ``rows``, ``alert``, ``show``, ``color``, ``dialog`` (the callback's outputs).
    """
    pick = (selected or [None])[0] or {}
    msg, color, doing = "", "info", "listing workspaces"
    try:
        store = _store()
        if trig == ids.GRID and edit:
            change = edit[0] if isinstance(edit, list) else edit
            doing = "renaming the workspace"
            if not may_edit():
                raise DataError("you may view but not rename workspaces (viewer role)")
            _changeable(store, change["data"]["id"], "rename")
            info = store.rename_workspace(change["data"]["id"], str(change.get("value") or ""))
            msg = f"Renamed to “{info.name}”."
        elif trig == ids.COPY and pick.get("id"):
            doing = "copying the workspace"
            if not may_edit():
                raise DataError("you may view but not copy workspaces (viewer role)")
            _readable(store, pick["id"])
            copy = store.copy_workspace(pick["id"], owner=current_user())
            msg = f"Copied to “{copy.name}”."
        elif trig == ids.DELETE_YES and pick.get("id"):
            doing = "deleting the workspace"
            if not may_edit():
                raise DataError("you may view but not delete workspaces (viewer role)")
            _changeable(store, pick["id"], "delete")
            store.delete_workspace(pick["id"])
            msg = f"Deleted “{pick.get('name')}” (its uploads stay: other workspaces may use them)."
        elif trig == sids.APPLY and pick.get("id"):
            doing = "sharing the workspace"
            ws = _changeable(store, pick["id"], "share")
            sharing = store.share_workspace(ws.id, mode or "private",
                                            users if mode == "users" else ())
            msg = f"“{ws.name}” is now {sharing_text(sharing.to_dict()).lower()}."
            if not login_enabled():
                msg += (" Sign-in is off (PARITY_AUTH), so everyone using this Parity opens every "
                        "workspace; the sharing applies once sign-in is on.")
        rows = _rows(store)
        if not rows and not msg:
            msg = "No saved workspaces yet: use Workspace → Save as… in the top bar."
    except Exception as exc:
        color = "danger"
        msg = failure(exc, doing)
        try:
            rows = _rows(_store())
        except Exception:
            rows = no_update
    return dict(rows=rows, alert=msg, show=bool(msg), color=color,
                dialog=False if trig == ids.DELETE_YES else no_update)


@callback(
    output=dict(open_off=Output(ids.OPEN, "disabled"), copy_off=Output(ids.COPY, "disabled"),
                delete_off=Output(ids.DELETE, "disabled"), link=Output(ids.SHARE, "value"),
                copy_style=Output(ids.COPY, "style"), delete_style=Output(ids.DELETE, "style"),
                note=Output(ids.EDIT_NOTE, "children"), share=Output(sids.CARD, "style"),
                mode=Output(sids.MODE, "value"), users=Output(sids.USERS, "value"),
                options=Output(sids.USERS, "options"), share_note=Output(sids.NOTE, "children")),
    inputs=dict(selected=Input(ids.GRID, "selectedRows")),
)
def select(selected):
    """Buttons follow the selection; edit controls are hidden from viewers, the share control
    from whoever may not change the selected workspace."""
    pick = (selected or [None])[0]
    editable = may_edit()
    hide = {} if editable else {"display": "none"}
    link = f"{request.host_url.rstrip('/')}/w/{pick['id']}" if pick and request else ""
    out = dict(open_off=pick is None, copy_off=pick is None or not editable,
               delete_off=pick is None or not editable, link=link, copy_style=hide,
               delete_style=hide, note="" if editable else "Read-only: you may open and share workspaces.",
               share={"display": "none"}, mode=no_update, users=no_update, options=no_update,
               share_note="")
    if pick and may_change(str(pick.get("owner_name") or "")):
        out.update(share_control(pick))
    return out


def share_control(pick: dict) -> dict:
    """The share control's outputs for a selected grid row the current user may change.

    Parameters
    ----------
    pick : dict
        A grid row (:func:`components.workspace_state.workspace_rows`): ``sharing`` and
        ``owner_name`` are read.

    Returns
    -------
    dict
        ``share`` (style), ``mode``, ``users``, ``options`` (every other user name) and
        ``share_note``.
    """
    sharing = pick.get("sharing") or {}
    note = sharing_text(sharing) + "."
    try:
        names = [u.name for u in _store().list_users() if u.name != pick.get("owner_name")]
    except Exception as exc:
        names, note = [], failure(exc, "listing the users")
    if not login_enabled():
        note += (" Sign-in is off (PARITY_AUTH), so everyone using this Parity opens every "
                 "workspace; the sharing applies once sign-in is on.")
    chosen = [u for u in sharing.get("users") or []]
    return dict(share={}, mode=sharing.get("mode") or "private", users=chosen,
                options=[{"label": n, "value": n} for n in sorted(set(names) | set(chosen))],
                share_note=note)


@callback(
    output=dict(dialog=Output(ids.CONFIRM_DELETE, "is_open"), text=Output(ids.CONFIRM_DELETE_TEXT, "children")),
    inputs=dict(_delete=Input(ids.DELETE, "n_clicks"), _no=Input(ids.DELETE_NO, "n_clicks"),
                selected=State(ids.GRID, "selectedRows")),
    prevent_initial_call=True,
)
def confirm_delete(_delete, _no, selected):
    pick = (selected or [None])[0]
    if ctx.triggered_id != ids.DELETE or not pick:
        return dict(dialog=False, text=no_update)
    return dict(dialog=True, text=f"Delete “{pick.get('name')}” saved {pick.get('updated')} UTC? Its "
                                  "share link stops working. This cannot be undone.")


@callback(
    output=dict(restore=Output(ids.RESTORE, "data"),
                alert=Output(ids.ALERT, "children", allow_duplicate=True),
                show=Output(ids.ALERT, "is_open", allow_duplicate=True)),
    inputs=dict(_open=Input(ids.OPEN, "n_clicks"), selected=State(ids.GRID, "selectedRows")),
    prevent_initial_call=True,
)
def open_selected(_open, selected):
    """Open the selected workspace in this browser: its pages, positions and report."""
    pick = (selected or [None])[0]
    if not pick:
        return dict(restore=no_update, alert=no_update, show=no_update)
    try:
        ws = _readable(_store(), pick["id"])
    except Exception as exc:
        return dict(restore=no_update, alert=failure(exc, "opening the workspace"), show=True)
    return dict(restore=_restore(ws), alert=f"Opening “{ws.name}”…", show=True)


# --------------------------------------------------------------------------------------------
# /w/<id>: read-only view
# --------------------------------------------------------------------------------------------
_GONE = ("No saved workspace has this link. It may have been deleted, or the link was cut short "
         "when it was copied: check the address, or ask whoever shared it for a new link.")


def open_shared(wid) -> dict:
    """The view of a link: ``{"doc", "head", "tabs", "active", "error"}`` (one store call)."""
    if not valid_id(wid):
        return {"error": _GONE}
    try:
        ws = _store().open_workspace(wid)
    except DataError as exc:
        text = str(exc)
        return {"error": _GONE if text.startswith("no workspace") else
                f"This workspace cannot be opened: {text}."}
    except Exception as exc:
        return {"error": failure(exc, "opening the workspace")}
    if not may_read(ws.owner, ws.sharing):
        return {"error": "This workspace is private: ask its owner to share it with you."}
    doc = ws.to_dict()
    names = _pages()
    pages = doc["state"].get("pages") or {}
    order = [p for p in names if p in pages] + [p for p in pages if p not in names]
    tabs = [dbc.Tab(label=page_label(p, names), tab_id=p) for p in order]
    tabs.append(dbc.Tab(label=f"Report ({len(doc['report'])})", tab_id=REPORT_TAB))
    missing = []
    store = _store()
    for key, up in (doc["state"].get("uploads") or {}).items():
        try:
            name, size = store.blob_name(key)
            if not up.get("name"):       # named by a link only: the store knows the file
                up.update(name=name, size=size)
        except DataError:
            missing.append(up.get("name") or key[:12])
        except Exception:
            break
    last = doc["state"].get("last")
    active = last if last in pages else (order[0] if order else REPORT_TAB)
    return {"doc": {"id": ws.id, "pages": pages, "report": doc["report"],
                    "meta": doc["state"].get("report_meta") or {},
                    "session": doc["state"].get("session") or {}},
            "head": view_header(doc, missing=missing), "can_copy": may_edit(), "tabs": tabs,
            "active": active, "error": None}


def page_body(doc: dict | None, tab: str | None):
    """The saved page ``tab`` rebuilt from its saved query (its callbacks recompute the results),
    its browser-backed stores and persisted controls detached from the viewer's storage and
    seeded from the workspace's saved session stores (:func:`detach_storage`)."""
    from dash import html

    if not doc or not tab:
        return ""
    if tab == REPORT_TAB:
        return report_view(doc.get("report") or [], doc.get("meta") or {})
    query = (doc.get("pages") or {}).get(tab)
    page = next((p for p in dash.page_registry.values() if p["path"] == tab), None)
    if page is None or query is None:
        return html.Div(f"This Parity has no page {tab}: the workspace was saved by a version with "
                        "other pages.", className="text-body-secondary")
    tree = page["layout"](**query_dict(query))
    held = detach_storage(tree, doc.get("session") or {})
    return html.Div([tree, held_store(held)], className="ws-readonly")


@callback(
    output=dict(doc=Output(ids.VIEW_DOC, "data"), head=Output(ids.VIEW_HEAD, "children"),
                tabs=Output(ids.VIEW_TABS, "children"), active=Output(ids.VIEW_TABS, "active_tab"),
                copy=Output(ids.VIEW_COPY, "style"), body=Output(ids.VIEW_BODY, "children")),
    inputs=dict(wid=Input(ids.VIEW_ID, "data"), tab=Input(ids.VIEW_TABS, "active_tab"),
                doc=State(ids.VIEW_DOC, "data")),
)
def view(wid, tab, doc):
    """Open the workspace of the link with its last page drawn (one round trip), or say plainly
    why not; a tab click then draws that saved page."""
    if ctx.triggered_id == ids.VIEW_TABS and doc:
        return {**dict.fromkeys(("doc", "head", "tabs", "active", "copy"), no_update),
                "body": page_body(doc, tab)}
    out = open_shared(wid)
    if out["error"]:
        return dict(doc=None, head=not_found(out["error"]), tabs=[], active=None,
                    copy={"display": "none"}, body="")
    return dict(doc=out["doc"], head=out["head"], tabs=out["tabs"], active=out["active"],
                copy={} if out["can_copy"] else {"display": "none"},
                body=page_body(out["doc"], out["active"]))


@callback(
    output=dict(restore=Output(ids.RESTORE, "data", allow_duplicate=True),
                head=Output(ids.VIEW_HEAD, "children", allow_duplicate=True)),
    inputs=dict(_copy=Input(ids.VIEW_COPY, "n_clicks"), doc=State(ids.VIEW_DOC, "data")),
    prevent_initial_call=True,
)
def copy_to_edit(_copy, doc):
    """A copy owned by the current user, opened in this browser to edit."""
    if not _copy or not doc:
        return dict(restore=no_update, head=no_update)
    try:
        if not may_edit():
            raise DataError("you may view but not copy workspaces (viewer role)")
        store = _store()
        _readable(store, doc["id"])
        ws = store.copy_workspace(doc["id"], owner=current_user())
    except Exception as exc:
        return dict(restore=no_update, head=not_found(failure(exc, "copying the workspace")))
    return dict(restore=_restore(ws), head=no_update)
