"""Workspaces in a real browser: set up Greeks, Vol surface and Strategies, add to the report, save
from the navbar, reopen the link /w/<id> and compare every chart's figure JSON with the page
opened normally; a garbled link is a plain message; "Make a copy to edit" continues the copy with
its pages, report and name; a page visited again without a query shows its last view.
Screenshots light and dark."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from tests.browser.shots import set_dark, shot

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("PARITY_SHOTS", "/tmp/parity-workspace-shots"))
PAGES = {
    "/greeks": "?greek=vega&inst=put&view=heatmap&S=105&vol=30&r=3&q=1&xlo=0.6&xhi=1.4&dlo=7&dhi=365",
    "/surface": "?models=svi,sabr&beta=0.7&show=sabr",
    "/strategies": "?template=bull_call_spread&source=custom&S=100&vol=25&r=3&q=0&days=45&width=10",
}
# the rendered charts under ``root``: trace data and the texts a reader sees (titles, axis titles)
FIGS = """
var root = document.querySelector(arguments[0]);
var g = root ? Array.from(root.querySelectorAll('.js-plotly-plot')) : [];
if (!g.length || !g.every(function (x) { return x.data && x.data.length > 0; })) { return null; }
function clean(v) { return JSON.parse(JSON.stringify(v, function (k, x) { return k === 'uid' ? undefined : x; })); }
return JSON.stringify(g.map(function (x) {
  var L = x.layout || {}, t = function (o) { return o && (o.text !== undefined ? o.text : o); };
  return {id: (x.closest('[id]') || {}).id, data: clean(x.data), title: t(L.title),
          x: t((L.xaxis || {}).title), y: t((L.yaxis || {}).title)};
}));
"""


def _wait(fn, timeout=40, step=0.25):
    end = time.time() + timeout
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def _settled(duo, root: str) -> list:
    """The charts under ``root`` once they stop changing for 1 s."""
    last, since = None, time.time()
    end = time.time() + 60
    while time.time() < end:
        now = duo.driver.execute_script(FIGS, root)
        if now is not None and now == last:
            if time.time() - since > 1.0:
                return json.loads(now)
        else:
            last, since = now, time.time()
        time.sleep(0.2)
    raise AssertionError(f"charts under {root} did not settle")


def _shot(duo, name):
    shot(duo, SHOTS, name)


def _dark(duo, on: bool):
    set_dark(duo, on)


def test_workspace_link_reproduces_three_pages(dash_duo, parity):
    duo = dash_duo
    duo.start_server(parity)
    duo.driver.set_window_size(1400, 1000)
    normal = {}
    for path, query in PAGES.items():
        duo.driver.get(duo.server_url + path + query)
        normal[path] = _settled(duo, "#_pages_content")
        assert normal[path], path
    duo.find_element("#report-add").click()                     # the report goes with it
    duo.wait_for_contains_text("#report-toast", "Added", timeout=20)

    # coming back to a page without a query shows its last view
    duo.driver.get(duo.server_url + "/greeks")
    _wait(lambda: duo.driver.current_url.endswith(PAGES["/greeks"]))

    recorded = json.loads(duo.driver.execute_script("return localStorage.getItem('parity.pages')"))
    assert set(PAGES) <= set(recorded)               # each page's last (canonical) query
    duo.find_element("#ws-menu .dropdown-toggle").click()
    duo.find_element("#ws-save-as").click()
    duo.wait_for_element("#ws-name").send_keys("Browser round trip")
    duo.find_element("#ws-notes").send_keys("three pages")
    _shot(duo, "save-dialog-light")
    _dark(duo, True)
    _shot(duo, "save-dialog-dark")
    _dark(duo, False)
    duo.find_element("#ws-confirm").click()
    duo.wait_for_contains_text("#ws-toast", "Saved", timeout=20)
    current = json.loads(duo.driver.execute_script("return localStorage.getItem('ws-current')"))
    wid = current["id"]
    assert len(wid) == 32 and duo.find_element("#ws-label").text == "Browser round trip"

    duo.driver.get(duo.server_url + f"/w/{wid}")
    duo.wait_for_contains_text("#ws-view-head", "Browser round trip", timeout=20)
    assert duo.driver.current_url.endswith(f"/w/{wid}")
    for path in PAGES:
        label = {"/greeks": "Greeks", "/surface": "Vol surface", "/strategies": "Strategies"}[path]
        tab = next(a for a in duo.driver.find_elements("css selector", "#ws-view-tabs .nav-link")
                   if a.text == label)
        duo.driver.execute_script("arguments[0].click()", tab)
        time.sleep(0.5)
        linked = _settled(duo, "#ws-view-body")
        assert [f["data"] for f in linked] == [f["data"] for f in normal[path]], path
        assert [(f.get("title"), f.get("x"), f.get("y")) for f in linked] == \
               [(f.get("title"), f.get("x"), f.get("y")) for f in normal[path]], path
        assert duo.driver.current_url.endswith(f"/w/{wid}")     # the link stays the workspace's
        if path == "/greeks":
            _shot(duo, "shared-greeks-light")
    report = next(a for a in duo.driver.find_elements("css selector", "#ws-view-tabs .nav-link")
                  if a.text.startswith("Report"))
    assert report.text == "Report (1)"
    _dark(duo, True)
    _shot(duo, "shared-greeks-dark")
    _dark(duo, False)

    # make a copy to edit: the desk continues the copy (its pages, report, name)
    duo.driver.execute_script("sessionStorage.clear(); localStorage.removeItem('parity.pages');")
    duo.find_element("#ws-view-copy").click()
    _wait(lambda: "/w/" not in duo.driver.current_url)
    assert duo.driver.current_url.endswith("/greeks" + recorded["/greeks"])
    duo.wait_for_text_to_equal("#ws-label", "Browser round trip (copy)", timeout=20)
    assert duo.find_element("#report-count").text == "1"
    pages = json.loads(duo.driver.execute_script("return localStorage.getItem('parity.pages')"))
    assert {k: pages[k] for k in PAGES} == {k: recorded[k] for k in PAGES}

    duo.driver.get(duo.server_url + "/workspaces")
    duo.wait_for_contains_text("#ws-grid", "Browser round trip (copy)", timeout=20)
    _shot(duo, "workspaces-light")
    _dark(duo, True)
    _shot(duo, "workspaces-dark")
    _dark(duo, False)

    duo.driver.get(duo.server_url + "/w/not-a-real-link")
    duo.wait_for_contains_text("#ws-view-head", "No saved workspace has this link", timeout=20)
    _shot(duo, "garbled-light")
    _dark(duo, True)
    _shot(duo, "garbled-dark")
    _dark(duo, False)
    errors = [e for e in duo.driver.get_log("browser") if e["level"] == "SEVERE"
              and "favicon" not in e["message"]]
    assert errors == [], errors
