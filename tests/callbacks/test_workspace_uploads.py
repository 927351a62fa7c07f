"""A real upload saved in a workspace and reopened through its ``/w/<id>`` link.

The upload goes through the Surface page's own upload callback over HTTP (``callbacks.uploads``
keeps it in the store by SHA-256); the page then carries ``data=<key>`` in its URL, which is
what a save keeps. The truth for "the page shows the uploaded data" is the uploaded file
itself: its quote date and spot (2011-01-24, 1,290.59 for the shared SPX chain), which the
embedded sample does not have.
"""
from __future__ import annotations

import base64
import hashlib
import json

import pytest

from callbacks.workspace import open_shared, page_body
from components.ids import Surface, Uploads
from components.ids import Workspace as ids
from components.layout import shell
from core.store import open_store
from tests.callbacks.dash_post import DashPoster
from tests.callbacks.dash_run import _walk, first_load
from tests.conftest import shared_file

CHAIN = "spx_2011-01-24.csv"
GONE = "The linked upload is no longer on this server; upload it again."


def _text(node) -> str:
    return json.dumps(node, default=lambda c: c.to_plotly_json())


def _save(poster, pages: dict) -> str:
    snap = {"mode": "new", "pages": pages, "last": "/surface", "session": {},
            "report_items": [], "report_meta": {}}
    out = poster.post(f"{ids.CURRENT}.data",
                      {f"{ids.SNAPSHOT}.data": snap, f"{ids.NAME}.value": "Uploaded chain",
                       f"{ids.DESCRIPTION}.value": "", f"{ids.NOTES}.value": ""},
                      [f"{ids.SNAPSHOT}.data"])
    return out[ids.CURRENT]["data"]["id"]


def _surface_body(app, wid):
    """The /w/<id> view's Surface tab after its first-load callbacks (over HTTP)."""
    base: dict = {}
    _walk(shell(), base)
    with app.server.test_request_context(f"/w/{wid}"):
        view = open_shared(wid)
        body = page_body(view["doc"], "/surface").children
    return view, first_load(app.server.test_client(), body, base)


@pytest.fixture
def chain_bytes():
    return shared_file(CHAIN).read_bytes()


def test_an_upload_saved_in_a_workspace_reopens_from_its_link(parity, chain_bytes):
    poster = DashPoster(parity)
    upload = {"contents": "data:text/csv;base64," + base64.b64encode(chain_bytes).decode(),
              "filename": CHAIN}
    out = poster.post(f"{Surface.CHAIN_KEY}.data", {f"{Surface.UPLOAD_STORE}.data": upload},
                      [f"{Surface.UPLOAD_STORE}.data"])
    record = out[Uploads.SURFACE]["data"]
    key = hashlib.sha256(chain_bytes).hexdigest()
    assert record == {"key": key, "name": CHAIN, "size": len(chain_bytes)}
    wid = _save(poster, {"/surface": f"?models=svi&show=svi&data={key}"})
    saved = open_store(parity.server.config["PARITY_SETTINGS"].database_url).open_workspace(wid)
    assert saved.state["uploads"] == {key: {"name": "", "size": None, "pages": ["/surface"]}}
    # the link, over HTTP: the head names the uploaded file (from the store), nothing missing
    view = poster.post(f"{ids.VIEW_DOC}.data", {f"{ids.VIEW_ID}.data": wid}, [f"{ids.VIEW_ID}.data"])
    head = _text(view[ids.VIEW_HEAD]["children"])
    assert CHAIN in head and "no longer stored" not in head
    assert view[ids.VIEW_DOC]["data"]["pages"] == {"/surface": f"?models=svi&show=svi&data={key}"}
    # the Surface tab rebuilt from the saved query loads the upload, not the sample
    shown, props = _surface_body(parity, wid)
    assert props[f"{Uploads.SURFACE_LINK}.data"] == key
    assert props[f"{Surface.CHAIN_KEY}.data"] == key
    assert props[f"{Uploads.SURFACE}.data"] == record
    info = json.dumps(props[f"{Surface.CHAIN_INFO}.children"])
    assert "2011-01-24" in info and "1,290.59" in info
    assert props[f"{Surface.LOAD_ALERT}.is_open"] is False
    title = json.dumps(props[f"{Surface.SURFACE_GRAPH}.figure"]["layout"]["title"])
    assert "2011-01-24" in title
    # not vacuous: the same page without data= draws the sample, another day
    with parity.server.test_request_context("/"):
        import dash
        page = next(p for p in dash.page_registry.values() if p["path"] == "/surface")
        plain = first_load(parity.server.test_client(), page["layout"](models="svi", show="svi"),
                           {})
    assert "2011-01-24" not in json.dumps(plain[f"{Surface.CHAIN_INFO}.children"])


def test_a_workspace_whose_upload_is_gone_says_so(parity):
    poster = DashPoster(parity)
    gone = "ab" * 32
    wid = _save(poster, {"/surface": f"?models=svi&show=svi&data={gone}"})
    view = poster.post(f"{ids.VIEW_DOC}.data", {f"{ids.VIEW_ID}.data": wid}, [f"{ids.VIEW_ID}.data"])
    assert "no longer stored on this server" in _text(view[ids.VIEW_HEAD]["children"])
    _, props = _surface_body(parity, wid)
    assert props[f"{Surface.LOAD_ALERT}.is_open"] is True
    assert GONE in props[f"{Surface.LOAD_ALERT}.children"]
    assert props[f"{Surface.CHAIN_KEY}.data"] == "sample" and props[f"{Uploads.SURFACE}.data"] is None
