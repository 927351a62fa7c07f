"""Sharing a workspace in a real browser with sign-in on: bob (editor) signs in, the navbar
names him with a sign-out link, /workspaces shows the share control for his own workspace,
he shares it with cat, and cat (viewer, signed in in a fresh browser session) opens its
link. Screenshots light and dark in ``$PARITY_SHOTS`` (default /tmp/parity-workspace-shots)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from app import create_app
from components.ids import Workspace as ids
from components.ids import WorkspaceShare as sids
from core.store import open_store
from tests.test_auth import PASSWORDS, _add_users, _settings
from tests.browser.shots import set_dark, shot

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PARITY_SHOTS", "/tmp/parity-workspace-shots"))


def _shot(duo, name):
    shot(duo, SHOTS, name)


def _dark(duo, on: bool):
    set_dark(duo, on)


def _sign_in(duo, name, path):
    duo.driver.delete_all_cookies()
    duo.driver.get(duo.server.url + path)
    duo.wait_for_element("#login-submit", timeout=30)
    duo.driver.find_element("css selector", "#username").send_keys(name)
    duo.driver.find_element("css selector", "#password").send_keys(PASSWORDS[name])
    duo.driver.find_element("css selector", "#login-submit").click()
    duo.wait_for_element(f"#{sids.ACCOUNT}", timeout=30)


def test_an_editor_shares_in_the_browser_and_the_named_viewer_opens_it(dash_duo, tmp_path):
    settings = _settings(tmp_path)
    app = create_app(settings)
    _add_users(settings.database_url)
    store = open_store(settings.database_url)
    wid = store.save_workspace("Monday risk review", {"pages": {"/greeks": "?greek=vega"},
                                                      "last": "/greeks"},
                               owner="bob", description="SPX book, vega by strike").id
    store.save_workspace("Ann's scratch", {}, owner="ann")
    duo = dash_duo
    duo.start_server(app, navigate=False)           # its first page is the sign-in form
    duo.driver.set_window_size(1400, 900)
    _sign_in(duo, "bob", "/workspaces")
    account = duo.find_element(f"#{sids.ACCOUNT}")
    assert account.text == "bob · Sign out" and account.get_attribute("href").endswith("/logout")
    duo.wait_for_contains_text(f"#{ids.GRID}", "Monday risk review", timeout=30)
    assert "Ann's scratch" not in duo.find_element(f"#{ids.GRID}").text     # private to ann
    assert not duo.find_element(f"#{sids.CARD}").is_displayed()
    duo.driver.find_element("css selector", f"#{ids.GRID} .ag-row .ag-selection-checkbox input").click()
    duo.wait_for_style_to_equal(f"#{sids.CARD}", "display", "flex", timeout=20)   # .card
    duo.find_element(f"#{sids.MODE} input[value='users']").click()
    duo.find_element(f"#{sids.USERS}").click()
    duo.find_element(".dash-dropdown-search").send_keys("cat")
    duo.wait_for_contains_text(".dash-dropdown-options", "cat", timeout=5)
    duo.find_elements(".dash-dropdown-option")[0].click()
    duo.driver.find_element("css selector", "body").send_keys("\ue00c")    # Escape: close the list
    duo.find_element(f"#{sids.APPLY}").click()
    duo.wait_for_contains_text(f"#{ids.ALERT}", "is now shared with cat", timeout=30)
    duo.wait_for_contains_text(f"#{ids.GRID}", "Shared with cat", timeout=30)
    assert store.open_workspace(wid).sharing.users == ("cat",)
    _shot(duo, "workspaces-share-light")
    _dark(duo, True)
    _shot(duo, "workspaces-share-dark")
    _dark(duo, False)
    # cat, a viewer named in the sharing, opens the link; no share control for him
    _sign_in(duo, "cat", f"/w/{wid}")
    duo.wait_for_contains_text(f"#{ids.VIEW_HEAD}", "Monday risk review", timeout=30)
    assert duo.find_element(f"#{sids.ACCOUNT}").text == "cat · Sign out"
    _shot(duo, "navbar-viewer-light")
    _dark(duo, True)
    _shot(duo, "navbar-viewer-dark")
    _dark(duo, False)
    errors = [e for e in duo.get_logs() or [] if e.get("level") == "SEVERE"]
    assert errors == [], errors
