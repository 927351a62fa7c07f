"""Reading a shared workspace (/w/<id>) leaves the viewer's own state alone, in a real browser.

The viewer sets up their own Strategies view, Risk book and Portfolio in one tab, then opens a
saved workspace's link in the same tab: the view shows the workspace's pages (its template, its
book), and afterwards the tab's session stores, Dash's persisted control values and the
localStorage "last view" are exactly as before, and the own pages come back as the viewer left
them. Screenshots light and dark in ``$PARITY_SHOTS`` (default /tmp/parity-workspace-shots).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from components.ids import App
from components.ids import Risk as rids
from components.ids import Strategies as sids
from components.ids import Workspace as ids
from components.ids import Wiring as wids
from core.store import open_store
from tests.browser.shots import set_dark, shot

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("PARITY_SHOTS", "/tmp/parity-workspace-shots"))

OWN_ST = "?template=bull_call_spread&source=custom&S=100&vol=25&r=3&q=0&days=45&width=10"
WS_ST = "?template=iron_condor&source=custom&S=100&vol=35&r=3&q=0&days=30&width=10"
OWN_BOOK = "SPX 2019-02-01 2380 P,-20,29.45,100;SPX 2019-02-01 2250 P,20,15.4,100"
WS_BOOK = "SPX 2019-02-15 2510 C,10,70.4,100"
#: Dash persistence's sessionStorage entry of the Portfolio's notional input
NOTIONAL_KEPT = f"_dash_persistence.{wids.PORTFOLIO_NOTIONAL}.value.true"
THEME_KEPT = f"_dash_persistence.{App.THEME_SWITCH}.value.true"
#: everything this tab keeps in the browser's storage (Dash's store timestamps left out), read
#: as named properties: inside /w/ ``getItem`` answers a drawn page's store with the view's copy
STORAGE = """
function dump(s) { var o = {}; for (var i = 0; i < s.length; i++) { var k = s.key(i);
  if (!/-timestamp$/.test(k)) { o[k] = s[k]; } } return o; }
return JSON.stringify({session: dump(window.sessionStorage), local: dump(window.localStorage)});
"""
#: the trace data of the rendered charts under a root, once every chart has data
FIGS = """
var g = Array.from(document.querySelectorAll(arguments[0] + ' .js-plotly-plot'));
if (!g.length || !g.every(function (x) { return x.data && x.data.length > 0; })) { return null; }
return JSON.stringify(g.map(function (x) { return x.data.map(function (t) {
  return {x: t.x, y: t.y, z: t.z, name: t.name}; }); }));
"""


def _wait(fn, timeout=40, step=0.25, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def _settled(duo, root: str) -> list:
    """The charts under ``root`` once they stop changing for 1 s."""
    last, since, end = None, time.time(), time.time() + 60
    while time.time() < end:
        now = duo.driver.execute_script(FIGS, root)
        if now is not None and now == last:
            if time.time() - since > 1.0:
                return json.loads(now)
        else:
            last, since = now, time.time()
        time.sleep(0.2)
    raise AssertionError(f"charts under {root} did not settle")


def _storage(duo) -> dict:
    return json.loads(duo.driver.execute_script(STORAGE))


def _template(duo) -> str:
    return duo.driver.execute_script(
        "var e = document.querySelector('#%s'); return e ? e.innerText : null;" % sids.TEMPLATE) or ""


def _grid_symbols(duo) -> list[str]:
    return duo.driver.execute_script(
        "return Array.from(document.querySelectorAll('#%s .ag-center-cols-container "
        "div[col-id=symbol]')).map(function (e) { return e.innerText; }).sort();" % rids.GRID)


def _tab(duo, label):
    tab = _wait(lambda: next((a for a in duo.driver.find_elements(
        "css selector", f"#{ids.VIEW_TABS} .nav-link") if a.text == label), None), what=label)
    duo.driver.execute_script("arguments[0].click()", tab)
    time.sleep(0.5)


def _navbar(duo, name):
    link = next(a for a in duo.driver.find_elements("css selector", ".navbar .nav-link")
                if a.text == name)
    duo.driver.execute_script("arguments[0].click()", link)


def _shot(duo, name):
    shot(duo, SHOTS, name)


def _dark(duo, on: bool):
    set_dark(duo, on)


def test_viewing_a_shared_workspace_keeps_the_viewers_own_state(dash_duo, parity, settings):
    store = open_store(settings.database_url)
    wid = store.save_workspace(
        "Desk review", {"pages": {"/strategies": WS_ST, "/risk": "?book=" + WS_BOOK,
                                  "/portfolio": "?obj=min_variance"},
                        "last": "/strategies",
                        "session": {"st-session": WS_ST,
                                    "risk-saved-book": [{"symbol": "SPX 2019-02-15 2510 C",
                                                         "quantity": 10.0, "trade_price": 70.4,
                                                         "multiplier": 100.0}]}},
        description="someone else's desk").id
    duo = dash_duo
    duo.start_server(parity)
    duo.driver.set_window_size(1400, 1000)

    # the viewer's own desk in this tab: a Strategies view, a Risk book, the Portfolio with an
    # edited notional (a control Dash persists in sessionStorage)
    duo.driver.get(duo.server_url + "/strategies" + OWN_ST)
    _wait(lambda: "Bull call spread" in _template(duo), what="own template")
    own_st_figs = _settled(duo, "#_pages_content")
    own_st = duo.driver.execute_script("return window.location.search")    # as the page wrote it
    duo.driver.get(duo.server_url + "/risk?book=" + OWN_BOOK)
    _wait(lambda: len(_grid_symbols(duo)) == 2, what="own book")
    _wait(lambda: "risk-saved-book" in _storage(duo)["session"], what="own book kept")
    duo.driver.get(duo.server_url + "/portfolio")
    notional = duo.wait_for_element(f"#{wids.PORTFOLIO_NOTIONAL}", timeout=30)
    time.sleep(2.0)
    notional.send_keys(Keys.CONTROL, "a")     # (min 1, step 1000: 2500001 is a valid value)
    notional.send_keys("2500001", Keys.TAB)
    _wait(lambda: "2500001" in (_storage(duo)["session"].get(NOTIONAL_KEPT) or ""),
          what="the notional kept by Dash persistence")
    duo.driver.get(duo.server_url + "/strategies")      # back to the own Strategies
    _wait(lambda: duo.driver.current_url.endswith(own_st), what="own last view")
    _wait(lambda: "Bull call spread" in _template(duo), what="own template")
    _settled(duo, "#_pages_content")
    before = _storage(duo)
    assert json.loads(before["session"]["st-session"]) == own_st
    assert len(json.loads(before["session"]["risk-saved-book"])) == 2

    # the shared link, in the same tab: the workspace's pages
    duo.driver.get(duo.server_url + f"/w/{wid}")
    duo.wait_for_contains_text(f"#{ids.VIEW_HEAD}", "Desk review", timeout=30)
    _wait(lambda: "Iron condor" in _template(duo), what="the workspace's template")
    ws_st_figs = _settled(duo, f"#{ids.VIEW_BODY}")
    assert ws_st_figs != own_st_figs
    _shot(duo, "view-strategies-light")
    _dark(duo, True)
    _shot(duo, "view-strategies-dark")
    _dark(duo, False)
    _tab(duo, "Risk")
    _wait(lambda: _grid_symbols(duo) == ["SPX 2019-02-15 2510 C"], what="the workspace's book")
    _settled(duo, f"#{ids.VIEW_BODY}")
    _tab(duo, "Portfolio")
    duo.wait_for_element(f"#{wids.PORTFOLIO_NOTIONAL}", timeout=30)
    frontier = _wait(lambda: duo.driver.execute_script(
        "var g = document.querySelector('#pf-frontier .js-plotly-plot');"
        "return g && g.data && g.data.length && g.layout.title ? g.layout.title.text : null;"),
        what="the workspace's efficient frontier")
    assert "frontier" in frontier.lower()
    value = duo.driver.execute_script("return document.querySelector('#%s').value" % wids.PORTFOLIO_NOTIONAL)
    assert value == "1000000"                  # the page's own default, not the viewer's edit
    _tab(duo, "Strategies")
    _wait(lambda: "Iron condor" in _template(duo), what="the workspace's template again")
    _settled(duo, f"#{ids.VIEW_BODY}")
    assert duo.driver.current_url.endswith(f"/w/{wid}")

    # nothing of the tab's own state was written by reading the workspace (the theme switch,
    # toggled for the screenshots, is the viewer's own setting)
    after = _storage(duo)
    after["local"].pop(THEME_KEPT, None)
    before["local"].pop(THEME_KEPT, None)
    changed = {k: (before[s].get(k), after[s].get(k)) for s in before
               for k in set(before[s]) | set(after[s]) if before[s].get(k) != after[s].get(k)}
    assert changed == {}
    # a save from here (Workspace menu) collects the viewer's own desk, not the view's copies
    mine = duo.driver.execute_script("return window.dash_clientside.parityWorkspace.collect('new')")
    assert mine["session"]["st-session"] == own_st and len(mine["session"]["risk-saved-book"]) == 2

    # back on the own pages (navbar: in-app navigation), as the viewer left them
    _navbar(duo, "Strategies")
    _wait(lambda: duo.driver.current_url.endswith("/strategies" + own_st), what="own Strategies")
    _wait(lambda: "Bull call spread" in _template(duo), what="own template back")
    assert _settled(duo, "#_pages_content") == own_st_figs
    _navbar(duo, "Risk")
    _wait(lambda: len(_grid_symbols(duo)) == 2, what="own book back")
    assert _grid_symbols(duo) == sorted(["SPX 2019-02-01 2380 P", "SPX 2019-02-01 2250 P"])
    errors = [e for e in duo.driver.get_log("browser") if e["level"] == "SEVERE"
              and "favicon" not in e["message"]]
    assert errors == [], errors
