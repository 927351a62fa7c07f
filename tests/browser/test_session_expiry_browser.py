"""A sign-in session that ends while a page is open sends the user to /login?next=<the page>,
and signing in again brings them back to it (PARITY_AUTH=1, the app in-process, real browser).

The session is ended as the server sees it: the browser's cookies are dropped (an expired or
signed-out session cookie is the same to the server: no user), then an input is changed, which
fires a callback the server answers 401. Screenshots in ``$PARITY_SHOTS``."""
from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from app import create_app
from components.ids import App
from tests.browser import test_workspace_share_browser as share
from tests.test_auth import _add_users, _settings

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PARITY_SHOTS", "/tmp/parity-workspace-shots"))
PAGE = "/greeks?greek=vega&inst=put&view=heatmap&S=105&vol=30&r=3&q=1&xlo=0.6&xhi=1.4&dlo=7&dhi=365"


def _wait(fn, timeout=30, step=0.2, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def _next_of(url: str) -> str | None:
    parts = urlsplit(url)
    return parse_qs(parts.query).get("next", [None])[0] if parts.path == "/login" else None


def test_an_ended_session_sends_the_open_page_to_sign_in_and_back(dash_duo, tmp_path):
    settings = _settings(tmp_path)
    app = create_app(settings)
    _add_users(settings.database_url)
    duo = dash_duo
    duo.start_server(app, navigate=False)
    duo.driver.set_window_size(1400, 900)
    share._sign_in(duo, "bob", "/greeks")
    duo.driver.get(duo.server.url + PAGE)
    duo.wait_for_element("#greeks-graph .js-plotly-plot", timeout=30)
    time.sleep(1.0)
    here = duo.driver.execute_script(
        "return window.location.pathname + window.location.search")
    assert here.startswith("/greeks?") and "view=heatmap" in here and "S=105" in here
    duo.driver.execute_script("sessionStorage.setItem('vo-marker', 'kept')")

    # the session ends on the server's side; the page stays open and the user changes an input
    duo.driver.delete_all_cookies()
    box = duo.driver.find_element("css selector", f"#{App.THEME_SWITCH}")
    duo.driver.execute_script("arguments[0].click()", box)
    _wait(lambda: _next_of(duo.driver.current_url), what="the sign-in page")
    assert _next_of(duo.driver.current_url) == here
    duo.wait_for_element("#login-submit", timeout=20)
    SHOTS.mkdir(parents=True, exist_ok=True)
    duo.driver.save_screenshot(str(SHOTS / "session-ended-login.png"))

    # signing in again lands on the page as it was, the tab's storage intact
    duo.driver.find_element("css selector", "#username").send_keys("bob")
    duo.driver.find_element("css selector", "#password").send_keys(share.PASSWORDS["bob"])
    duo.driver.find_element("css selector", "#login-submit").click()
    _wait(lambda: duo.driver.current_url.endswith(here), what="back on the page")
    duo.wait_for_element("#greeks-graph .js-plotly-plot", timeout=30)
    assert duo.driver.execute_script("return sessionStorage.getItem('vo-marker')") == "kept"
    # and the page works again: a callback is answered (the figure is redrawn in dark)
    box = duo.driver.find_element("css selector", f"#{App.THEME_SWITCH}")
    duo.driver.execute_script("arguments[0].click()", box)
    time.sleep(2.0)
    assert "/login" not in duo.driver.current_url
