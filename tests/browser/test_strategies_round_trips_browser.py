"""Strategies redraw work (issue 13): a template change is one request that places and values the
legs, a cell edit is one request, and the theme switch restyles the charts with no request."""
from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser
TITLE = "#st-payoff .gtitle"
_COUNT = """
if (!window.__calls) {
  window.__calls = [];
  const orig = window.fetch;
  window.fetch = function (input, init) {
    const url = (typeof input === 'string') ? input : (input && input.url) || '';
    if (url.indexOf('_dash-update-component') >= 0) {
      try { window.__calls.push(JSON.parse(init.body).output); } catch (e) { window.__calls.push('?'); }
    }
    return orig.apply(this, arguments);
  };
}
window.__calls.length = 0;
"""


def _calls(dash_duo, quiet=1.0) -> list[str]:
    time.sleep(quiet)
    return dash_duo.driver.execute_script("return window.__calls.slice()")


def test_template_edit_and_theme_round_trips(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/strategies")
    dash_duo.wait_for_contains_text(TITLE, "Iron condor", timeout=30)
    time.sleep(1.0)

    dash_duo.driver.execute_script(_COUNT)
    dash_duo.find_element("#st-template").click()
    dash_duo.find_element(".dash-dropdown-search").send_keys("Long straddle")
    dash_duo.wait_for_contains_text(".dash-dropdown-options", "Long straddle", timeout=5)
    dash_duo.find_elements(".dash-dropdown-option")[0].click()
    dash_duo.wait_for_contains_text(TITLE, "Long straddle", timeout=20)
    calls = _calls(dash_duo)
    assert len(calls) == 1 and "st-legs.rowData" in calls[0] and "st-payoff.figure" in calls[0], calls
    assert "template=long_straddle" in dash_duo.driver.current_url

    dash_duo.driver.execute_script(_COUNT)
    cell = dash_duo.find_element('#st-legs div[row-index="0"] div[col-id="qty"]')
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    cell.click()
    editor = dash_duo.driver.switch_to.active_element
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("3", Keys.ENTER)
    dash_duo.wait_for_contains_text(TITLE, "Custom strategy", timeout=20)
    calls = _calls(dash_duo)
    assert len([c for c in calls if "st-payoff.figure" in c]) == 1, calls
    assert "legs=P%3A100%3A30%3A3%3A" in dash_duo.driver.current_url, dash_duo.driver.current_url  # qty 3

    fill = "return getComputedStyle(document.querySelector('#st-payoff .gtitle')).fill"
    light = dash_duo.driver.execute_script(fill)
    dash_duo.driver.execute_script(_COUNT)
    dash_duo.driver.execute_script("document.querySelector('#app-theme-switch').click()")
    dash_duo.wait_for_element("html[data-bs-theme='dark']", timeout=5)
    end = time.time() + 10
    while dash_duo.driver.execute_script(fill) == light and time.time() < end:
        time.sleep(0.1)
    assert dash_duo.driver.execute_script(fill) == "rgb(222, 226, 230)"    # the dark ink, #dee2e6
    for graph in ("#st-heatmap", "#st-mc"):
        assert dash_duo.driver.execute_script(
            f"return getComputedStyle(document.querySelector('{graph} .gtitle')).fill") == "rgb(222, 226, 230)"
    assert _calls(dash_duo) == []                                           # no request for a restyle
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
