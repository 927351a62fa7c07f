"""Workspaces with sign-in on (``PARITY_AUTH=1``), over HTTP through the whole app.

The real app, users made by ``tools.users``, each user signed in with their own cookie and
calling the workspace callbacks through ``/_dash-update-component`` with their CSRF header, as
the browser does. The expected answers are the rules as the README states them (viewer: opens
own and shared, saves nothing; editor: saves and shares own; admin: all; private / named users /
everyone signed in), checked against the store afterwards, not against the callbacks' output.
"""
from __future__ import annotations

import io
import json
import re

import pytest

from app import create_app
from components.ids import Workspace as ids
from components.ids import WorkspaceShare as sids
from core.store import open_store
from tests.callbacks.dash_post import DashPoster
from tests.test_auth import PASSWORDS, _add_users, _cookie, _settings
from tools.users import main as users_cli

PRIVATE = "This workspace is private: ask its owner to share it with you."
DAN = "dan-password-1"


@pytest.fixture
def signed(tmp_path):
    """``signed(name)`` -> a DashPoster signed in as ann (admin), bob, dan (editors) or cat
    (viewer); ``signed.store``: the app's store."""
    settings = _settings(tmp_path)
    app = create_app(settings)
    _add_users(settings.database_url)
    assert users_cli(["--database-url", settings.database_url, "add", "dan", "--role", "editor"],
                     stdin=io.StringIO(DAN + "\n"), stdout=io.StringIO()) == 0

    def sign_in(name):
        client = app.server.test_client()
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post("/login", data={"username": name, "password": PASSWORDS.get(name, DAN),
                                        "csrf_token": token, "next": "/"})
        assert r.status_code == 302, r.text
        home = client.get("/", headers={"Accept": "text/html"})
        client.environ_base["HTTP_X_CSRFTOKEN"] = _cookie(home, "_csrf_token").split(";")[0].split("=", 1)[1]
        return DashPoster(app, client)

    sign_in.store = open_store(settings.database_url)
    sign_in.app = app
    return sign_in


def _text(value) -> str:
    return json.dumps(value)


def _save(poster, name, *, over=None, mode="new"):
    snap = {"mode": mode, "pages": {"/greeks": "?greek=vega"}, "last": "/greeks", "session": {},
            "report_items": [], "report_meta": {}}
    return poster.post(f"{ids.CURRENT}.data",
                       {f"{ids.SNAPSHOT}.data": snap, f"{ids.CURRENT}.data": over,
                        f"{ids.NAME}.value": name, f"{ids.DESCRIPTION}.value": "",
                        f"{ids.NOTES}.value": ""}, [f"{ids.SNAPSHOT}.data"])


def _view(poster, wid) -> dict:
    return poster.post(f"{ids.VIEW_DOC}.data", {f"{ids.VIEW_ID}.data": wid},
                       [f"{ids.VIEW_ID}.data"])


def _manage(poster, trig=None, *, pick=None, edit=None, mode=None, users=None) -> dict:
    changed = {None: [], ids.GRID: [f"{ids.GRID}.cellValueChanged"],
               sids.APPLY: [f"{sids.APPLY}.n_clicks"],
               ids.DELETE_YES: [f"{ids.DELETE_YES}.n_clicks"]}[trig]
    return poster.post(f"{ids.GRID}.rowData",
                       {f"{ids.GRID}.selectedRows": [pick] if pick else None,
                        f"{ids.GRID}.cellValueChanged": edit, f"{sids.APPLY}.n_clicks": 1,
                        f"{ids.DELETE_YES}.n_clicks": 1,
                        f"{sids.MODE}.value": mode, f"{sids.USERS}.value": users}, changed)


def _names(out) -> list[str]:
    return sorted(r["name"] for r in out[ids.GRID]["rowData"])


def test_a_viewer_is_refused_another_users_private_workspace_and_cannot_save(signed):
    bob, cat = signed("bob"), signed("cat")
    saved = _save(bob, "Bob's desk")[ids.CURRENT]["data"]
    assert saved["owner"] == "bob"
    wid = saved["id"]
    out = _view(cat, wid)
    assert out[ids.VIEW_DOC]["data"] is None and out[ids.VIEW_BODY]["children"] == ""
    assert PRIVATE in _text(out[ids.VIEW_HEAD]["children"])
    assert out[ids.VIEW_COPY]["style"] == {"display": "none"}
    assert "Bob's desk" not in _text(out)                       # nothing of it leaks
    assert _names(_manage(cat)) == []                           # nor is it listed
    # the owner opens it, with the page drawn from its saved query
    mine = _view(bob, wid)
    assert mine[ids.VIEW_DOC]["data"]["pages"] == {"/greeks": "?greek=vega"}
    # a viewer saves nothing: not as new, not over a workspace
    refused = _save(cat, "Cat's try")
    assert "viewer" in refused[ids.DIALOG_ALERT]["children"] and ids.CURRENT not in refused
    over = _save(cat, None, over=saved, mode="save")
    assert "viewer" in over[ids.TOAST]["children"]
    assert [w.name for w in signed.store.list_workspaces()] == ["Bob's desk"]
    # a viewer's /workspaces has no share control, even on a workspace shared with them
    signed.store.share_workspace(wid, "users", ["cat"])
    row = _manage(cat)[ids.GRID]["rowData"][0]
    sel = cat.post(f"{ids.OPEN}.disabled", {f"{ids.GRID}.selectedRows": [row]})
    assert sel[sids.CARD]["style"] == {"display": "none"} and sel[ids.DELETE]["disabled"]


def test_an_editor_cannot_save_over_rename_share_or_delete_another_editors_workspace(signed):
    bob, dan, ann = signed("bob"), signed("dan"), signed("ann")
    saved = _save(bob, "Bob's desk")[ids.CURRENT]["data"]
    wid = saved["id"]
    signed.store.share_workspace(wid, "all")                   # dan may open it, not change it
    before = signed.store.open_workspace(wid)
    over = _save(dan, None, over=saved, mode="save")
    assert ids.CURRENT not in over
    assert "may not save over “Bob's desk”: it belongs to bob" in over[ids.TOAST]["children"]
    assert "Save as" in over[ids.TOAST]["children"]
    row = _manage(dan)[ids.GRID]["rowData"][0]
    assert row["can_change"] is False
    renamed = _manage(dan, ids.GRID, edit=[{"data": {"id": wid}, "value": "Dan's now"}])
    shared = _manage(dan, sids.APPLY, pick=row, mode="private")
    deleted = _manage(dan, ids.DELETE_YES, pick=row)
    for out, verb in ((renamed, "rename"), (shared, "share"), (deleted, "delete")):
        assert out[ids.ALERT]["color"] == "danger"
        assert f"may not {verb} “Bob's desk”" in out[ids.ALERT]["children"], verb
    after = signed.store.open_workspace(wid)
    assert (after.name, after.owner, after.sharing.mode, after.updated, after.state) == \
        (before.name, "bob", "all", before.updated, before.state)
    sel = dan.post(f"{ids.OPEN}.disabled", {f"{ids.GRID}.selectedRows": [row]})
    assert sel[sids.CARD]["style"] == {"display": "none"}
    # the owner may; an admin saving over keeps the owner
    assert _save(bob, None, over=saved, mode="save")[ids.CURRENT]["data"]["id"] == wid
    again = _save(ann, None, over=saved, mode="save")
    assert again[ids.CURRENT]["data"]["owner"] == "bob"
    assert signed.store.open_workspace(wid).owner == "bob"


def test_an_editor_shares_with_a_named_user_who_can_then_open_it(signed):
    bob, cat, dan = signed("bob"), signed("cat"), signed("dan")
    wid = _save(bob, "For cat")[ids.CURRENT]["data"]["id"]
    row = _manage(bob)[ids.GRID]["rowData"][0]
    assert row["shared"] == "Private" and row["can_change"] is True
    sel = bob.post(f"{ids.OPEN}.disabled", {f"{ids.GRID}.selectedRows": [row]})
    assert sel[sids.CARD]["style"] == {} and sel[sids.MODE]["value"] == "private"
    # every other user is offered, not the owner
    assert [o["value"] for o in sel[sids.USERS]["options"]] == ["ann", "cat", "dan"]
    assert PRIVATE in _text(_view(cat, wid)[ids.VIEW_HEAD])    # before sharing
    out = _manage(bob, sids.APPLY, pick=row, mode="users", users=["cat"])
    assert out[ids.ALERT]["color"] == "info", out[ids.ALERT]
    assert "“For cat” is now shared with cat" in out[ids.ALERT]["children"]
    sharing = signed.store.open_workspace(wid).sharing
    assert (sharing.mode, sharing.users) == ("users", ("cat",))
    opened = _view(cat, wid)
    assert opened[ids.VIEW_DOC]["data"]["id"] == wid and "For cat" in _text(opened[ids.VIEW_HEAD])
    assert _names(_manage(cat)) == ["For cat"]
    assert PRIVATE in _text(_view(dan, wid)[ids.VIEW_HEAD])     # not named: still refused
    assert _names(_manage(dan)) == []
    # the control shows the saved sharing when selected again
    row = _manage(bob)[ids.GRID]["rowData"][0]
    assert row["shared"] == "Shared with cat"
    sel = bob.post(f"{ids.OPEN}.disabled", {f"{ids.GRID}.selectedRows": [row]})
    assert (sel[sids.MODE]["value"], sel[sids.USERS]["value"]) == ("users", ["cat"])
    # a user name that does not exist is refused and named
    bad = _manage(bob, sids.APPLY, pick=row, mode="users", users=["zed"])
    assert bad[ids.ALERT]["color"] == "danger" and "zed" in bad[ids.ALERT]["children"]
    assert signed.store.open_workspace(wid).sharing.users == ("cat",)


def test_shared_with_everyone_is_open_to_every_signed_in_user(signed):
    bob = signed("bob")
    wid = _save(bob, "For all")[ids.CURRENT]["data"]["id"]
    _save(bob, "Bob only")
    row = next(r for r in _manage(bob)[ids.GRID]["rowData"] if r["name"] == "For all")
    out = _manage(bob, sids.APPLY, pick=row, mode="all")
    assert "shared with everyone signed in" in out[ids.ALERT]["children"]
    assert signed.store.open_workspace(wid).sharing.mode == "all"
    for name in ("cat", "dan", "ann"):
        poster = signed(name)
        assert _view(poster, wid)[ids.VIEW_DOC]["data"]["id"] == wid, name
        listed = _names(_manage(poster))
        assert listed == (["Bob only", "For all"] if name == "ann" else ["For all"]), name
    # signed out: the callback itself is refused
    anon = signed.app.server.test_client()
    assert anon.post("/_dash-update-component", json={}).status_code == 401
    # back to private: the others lose it again
    _manage(bob, sids.APPLY, pick=row, mode="private")
    assert PRIVATE in _text(_view(signed("cat"), wid)[ids.VIEW_HEAD])


def test_the_navbar_names_the_signed_in_user_with_a_sign_out_link(signed, parity):
    layout = signed("cat").client.get("/_dash-layout").get_json()
    links = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("props", {}).get("id") == sids.ACCOUNT:
                links.append(node["props"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(layout)
    assert len(links) == 1 and links[0]["href"] == "/logout"
    assert "cat" in _text(links[0]["children"]) and "Sign out" in _text(links[0]["children"])
    assert signed("bob").client.get("/logout").status_code == 200      # the link's target
    # without sign-in there is no account link
    plain = parity.server.test_client().get("/_dash-layout").get_json()
    assert sids.ACCOUNT not in json.dumps(plain)
