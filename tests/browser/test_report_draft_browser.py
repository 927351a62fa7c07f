"""The report being built survives a closed tab and a closed browser (real chromium).

A desk user adds a page's view to the report and types a title, then (1) opens a new tab: the
Report page shows the same item and title, with a note that it came back; (2) closes the
browser and opens it again on the same browser profile (a new WebDriver session on the same
user-data dir): the report is still there. A tab that has its own report (here: a workspace
opened in it) keeps it, and that report becomes the draft. Screenshots in ``$PARITY_SHOTS``.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.keys import Keys

from components.ids import App
from components.ids import Report as rids
from core.store import open_store
from tests.conftest import FLAGS

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PARITY_SHOTS", "/tmp/parity-workspace-shots"))
PAGE = "/greeks?greek=vega&inst=put&view=heatmap&S=105&vol=30&r=3&q=1&xlo=0.6&xhi=1.4&dlo=7&dhi=365"
DRAFT = "parity.draft."          # + the user ("" single user)


def _wait(fn, timeout=40, step=0.25, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = fn()
        except Exception:      # an element not there yet
            value = None
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def _cards(driver) -> list[str]:
    """The report page's item titles, as shown."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#%s .card h5, #%s .card h6'))"
        ".map(function (e) { return e.innerText; });" % (rids.LIST, rids.LIST))


def _value(driver, cid) -> str:
    return driver.execute_script("var e = document.getElementById(arguments[0]);"
                                 "return e ? e.value : null;", cid)


def _build_report(driver, url):
    driver.get(url + PAGE)
    _wait(lambda: driver.execute_script(
        "var g = document.querySelector('#_pages_content .js-plotly-plot');"
        "return g && g.data && g.data.length > 0;"), what="the Greeks chart")
    time.sleep(1.0)
    driver.find_element("css selector", f"#{rids.ADD}").click()
    _wait(lambda: "Added" in driver.find_element("css selector", f"#{rids.TOAST}").text,
          what="added to the report")
    driver.find_element("css selector", ".navbar a[href='/report']").click()
    box = _wait(lambda: driver.find_element("css selector", f"#{rids.TITLE}"), what="report page")
    _wait(lambda: len(_cards(driver)) == 1, what="one item on the report page")
    box.send_keys("Monday meeting prep", Keys.TAB)       # debounced: sent on blur
    _wait(lambda: "Monday meeting prep" in (driver.execute_script(
        "return localStorage.getItem(arguments[0])", DRAFT) or ""), what="the draft kept")
    return _cards(driver)


def _driver(profile: str) -> webdriver.Chrome:
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    return webdriver.Chrome(options=options)


def test_the_report_comes_back_in_a_new_tab_and_a_reopened_browser(dash_duo, parity, settings):
    duo = dash_duo
    duo.start_server(parity)
    driver = duo.driver
    cards = _build_report(driver, duo.server_url)
    assert len(cards) == 1 and "Greeks" in cards[0]

    # (1) a new tab (its own, empty session storage): the report comes back by itself
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(duo.server_url + "/report")
    # its own session storage (not a copy of the first tab's, which has visited /greeks)
    assert "/greeks" not in (driver.execute_script(
        "return sessionStorage.getItem('parity.visited')") or "")
    # the toast first: it shows for 4 s, which a loaded machine can spend drawing the cards
    _wait(lambda: "is back (1 item" in driver.find_element("css selector", f"#{rids.TOAST}").text,
          what="the toast saying the report is back")
    _wait(lambda: _cards(driver) == cards, what="the report back in the new tab")
    _wait(lambda: _value(driver, rids.TITLE) == "Monday meeting prep", what="its title")
    assert driver.find_element("css selector", f"#{rids.COUNT}").text == "1"
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / "report-draft-back-light.png"))
    box = driver.find_element("css selector", f"#{App.THEME_SWITCH}")
    driver.execute_script("arguments[0].click()", box)
    time.sleep(1.5)
    driver.save_screenshot(str(SHOTS / "report-draft-back-dark.png"))
    driver.execute_script("arguments[0].click()", box)
    # clearing it in one tab clears the draft: the next new tab starts empty
    driver.execute_script("document.getElementById(arguments[0]).click()", rids.CLEAR)  # under a toast
    _wait(lambda: _cards(driver) == [], what="the report cleared")
    _wait(lambda: json.loads(driver.execute_script(
        "return localStorage.getItem(arguments[0])", DRAFT))["items"] == [], what="draft cleared")
    driver.switch_to.new_window("tab")
    driver.get(duo.server_url + "/report")
    _wait(lambda: driver.find_element("css selector", f"#{rids.TITLE}"), what="report page")
    time.sleep(2.0)
    assert _cards(driver) == [] and driver.find_element("css selector", f"#{rids.COUNT}").text == "0"
    driver.switch_to.window(first)

    # a tab that opens a workspace keeps the workspace's report, which becomes the draft
    wid = open_store(settings.database_url).save_workspace(
        "Saved review", {"pages": {"/greeks": "?greek=gamma"}, "last": "/greeks"},
        report=[{"id": "w1", "title": "Saved item", "url": "/greeks?greek=gamma",
                 "figures": [{"data": [{"type": "bar", "x": [1], "y": [2]}],
                              "layout": {"title": {"text": "Saved"}}}]}]).id
    driver.get(duo.server_url + f"/w/{wid}")
    duo.wait_for_contains_text("#ws-view-head", "Saved review", timeout=30)
    driver.find_element("css selector", "#ws-view-copy").click()
    _wait(lambda: "/greeks" in driver.current_url, what="the copy opened")
    _wait(lambda: driver.find_element("css selector", f"#{rids.COUNT}").text == "1", what="count")
    draft = json.loads(driver.execute_script("return localStorage.getItem(arguments[0])", DRAFT))
    assert [i["title"] for i in draft["items"]] == ["Saved item"]

    # (2) the browser closed and opened again on the same profile. A new profile starts with the
    # draft the server keeps for the user (here the single user: the copied workspace's report),
    # once this browser has sent it (1.5 s after the last change; later when its page is busy)
    store = open_store(settings.database_url)
    _wait(lambda: store.get_draft("") and [i.get("title") for i in store.get_draft("").items]
          == ["Saved item"], what="the copied workspace's report kept on the server")
    profile = tempfile.mkdtemp(prefix="dash-chrome-draft-")
    try:
        one = _driver(profile)
        try:
            one.get(duo.server_url + "/report")
            _wait(lambda: "kept on the server" in one.find_element("css selector", f"#{rids.TOAST}").text,
                  what="the toast saying the report came from the server")
            _wait(lambda: len(_cards(one)) == 1 and "Saved item" in _cards(one)[0],
                  what="the server's draft in a new browser profile")
            one.execute_script("document.getElementById(arguments[0]).click()", rids.CLEAR)
            _wait(lambda: _cards(one) == [], what="cleared")
            cards = _build_report(one, duo.server_url)
        finally:
            one.quit()
        two = _driver(profile)
        try:
            two.get(duo.server_url + "/report")
            _wait(lambda: _cards(two) == cards, what="the report after reopening the browser")
            _wait(lambda: _value(two, rids.TITLE) == "Monday meeting prep", what="its title")
        finally:
            two.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
              and "favicon" not in e["message"]]
    assert errors == [], errors


#: Count the body size of each callback request that sends the draft to the store.
PUSH_SIZES = """
window.__draftPushes = [];
var f = window.fetch;
window.fetch = function (input, init) {
  var body = init && init.body;
  if (typeof body === 'string' && body.indexOf('report-draft-push') >= 0) {
    window.__draftPushes.push(body.length);
  }
  return f.apply(this, arguments);
};
"""


def _sign_in(driver, base: str, name: str, path: str) -> None:
    """Sign ``name`` in on ``driver`` (``tests/test_auth.py``'s users) and land on ``path``."""
    from tests.test_auth import PASSWORDS

    driver.get(base + path)
    box = _wait(lambda: driver.find_element("css selector", "#username"), what="the sign-in form")
    box.send_keys(name)
    driver.find_element("css selector", "#password").send_keys(PASSWORDS[name])
    driver.find_element("css selector", "#login-submit").click()
    _wait(lambda: driver.find_element("css selector", "#nav-account"), what=f"{name} signed in")


def test_the_draft_follows_the_user_to_another_browser_and_no_one_else(dash_duo, tmp_path):
    """Sign-in on: bob builds a report in one browser profile; a second, fresh profile where bob
    signs in shows it (from the store); signing out there removes that browser's copy, not the
    store's; cat, signed in next in the same browser, does not get bob's report."""
    from app import create_app
    from tests.test_auth import _add_users, _settings

    settings = _settings(tmp_path)
    app = create_app(settings)
    _add_users(settings.database_url)
    store = open_store(settings.database_url)
    duo = dash_duo
    duo.start_server(app, navigate=False)
    base = duo.server.url
    _sign_in(duo.driver, base, "bob", PAGE)
    global DRAFT
    local, DRAFT = DRAFT, DRAFT + "bob"          # _build_report waits for bob's browser copy
    try:
        cards = _build_report(duo.driver, base)
    finally:
        DRAFT = local
    # kept in the store for bob, title included (sent after the last change, a moment later)
    kept = _wait(lambda: (store.get_draft("bob") if store.get_draft("bob") and
                          store.get_draft("bob").meta.get("title") == "Monday meeting prep" else None),
                 what="bob's draft in the store")
    assert len(kept.items) == 1 and "Greeks" in kept.items[0]["title"]
    assert store.get_draft("cat") is None and store.get_draft("") is None

    profile = tempfile.mkdtemp(prefix="dash-chrome-other-")
    try:
        other = _driver(profile)                   # another browser: nothing in its storage
        try:
            other.set_window_size(1400, 1000)
            _sign_in(other, base, "bob", "/report")
            _wait(lambda: "kept on the server" in other.find_element("css selector", f"#{rids.TOAST}").text,
                  what="the toast saying the report came from the server")
            _wait(lambda: _cards(other) == cards, what="bob's report in the other browser")
            _wait(lambda: _value(other, rids.TITLE) == "Monday meeting prep", what="its title")
            # typing a summary sends the report's text, not its charts again (requests counted
            # in the page: the body of every callback request that carries the draft)
            other.execute_script(PUSH_SIZES)
            other.find_element("css selector", f"#{rids.SUMMARY}").send_keys("Skew steeper", Keys.TAB)
            _wait(lambda: store.get_draft("bob").meta.get("summary") == "Skew steeper",
                  what="the summary in the store")
            sizes = other.execute_script("return window.__draftPushes")
            charts = len(json.dumps(kept.items))
            print(f"draft pushes after typing a summary: {sizes} characters; the items: {charts}")
            assert sizes and max(sizes) < 2000 < 20 * 2000 < charts, (sizes, charts)
            assert store.get_draft("bob").items == kept.items
            SHOTS.mkdir(parents=True, exist_ok=True)
            other.save_screenshot(str(SHOTS / "report-draft-other-browser-light.png"))
            switch = other.find_element("css selector", f"#{App.THEME_SWITCH}")
            other.execute_script("arguments[0].click()", switch)
            time.sleep(1.5)
            other.save_screenshot(str(SHOTS / "report-draft-other-browser-dark.png"))
            other.execute_script("arguments[0].click()", switch)
            _wait(lambda: other.execute_script("return localStorage.getItem(arguments[0])",
                                               DRAFT + "bob"), what="the other browser's copy")
            # sign out: this browser's copy goes, the store's stays (it is bob's work)
            other.get(base + "/logout")
            _wait(lambda: other.find_element("css selector", "#logout-submit"), what="sign-out").click()
            _wait(lambda: "signed_out=1" in other.current_url, what="signed out")
            _wait(lambda: other.execute_script(
                "return Object.keys(localStorage).filter(function (k) {"
                " return k.indexOf('parity.draft') === 0; }).length") == 0,
                what="the browser's drafts removed")
            assert store.get_draft("bob").items == kept.items
            # cat at the same browser: an empty report, and nothing of bob's sent as cat's
            _sign_in(other, base, "cat", "/report")
            _wait(lambda: other.find_element("css selector", f"#{rids.TITLE}"), what="report page")
            time.sleep(3.0)                       # the first page's question has been answered
            assert _cards(other) == [] and _value(other, rids.TITLE) in ("", None)
            assert other.find_element("css selector", f"#{rids.COUNT}").text == "0"
            assert store.get_draft("cat") is None
            errors = [e for e in other.get_log("browser") if e["level"] == "SEVERE"
                      and "favicon" not in e["message"]]
            assert errors == [], errors
        finally:
            other.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
