"""Uploads kept on the server, in a real browser: an upload travels in one request, the URL then
carries ``data=<key>``, a reload (or the copied link) reopens the uploaded data, and no later
callback request carries the file. Request bodies are measured by wrapping ``window.fetch``
before the page's scripts run. ``PARITY_SHOTS=<folder>`` saves light and dark screenshots."""
from __future__ import annotations

import hashlib
import os
import time

import pytest

from tests.conftest import shared_file

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PARITY_SHOTS")

_MEASURE = """
window.__parityBodies = [];
const _fetch = window.fetch;
window.fetch = function(url, opts) {
    if (String(url).includes('_dash-update-component') && opts && opts.body) {
        window.__parityBodies.push(String(opts.body).length);
    }
    return _fetch.apply(this, arguments);
};
"""


def _measure(dash_duo) -> None:
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _MEASURE})


def _bodies(dash_duo) -> list[int]:
    return dash_duo.driver.execute_script("return window.__parityBodies || [];")


def _wait_url(dash_duo, text: str, timeout: float = 20) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in dash_duo.driver.current_url:
            return dash_duo.driver.current_url
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never in the URL: {dash_duo.driver.current_url}")


def _severe(dash_duo):
    return [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]


def _shots(dash_duo, name: str) -> None:
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    dash_duo.driver.set_window_size(1400, 1000)
    time.sleep(1.0)
    dash_duo.driver.save_screenshot(os.path.join(SHOTS, f"{name}-light.png"))
    dash_duo.find_element("#app-theme-switch").click()
    dash_duo.wait_for_element("html[data-bs-theme='dark']", timeout=5)
    time.sleep(1.5)
    dash_duo.driver.save_screenshot(os.path.join(SHOTS, f"{name}-dark.png"))
    dash_duo.find_element("#app-theme-switch").click()


def test_surface_upload_then_reload_shows_the_upload_and_sends_it_once(dash_duo, parity):
    path = shared_file("spx_2011-01-24.csv")
    size = path.stat().st_size
    key = hashlib.sha256(path.read_bytes()).hexdigest()
    _measure(dash_duo)
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/surface")
    dash_duo.wait_for_contains_text("#surface-3d .gtitle", "implied volatility surface", timeout=60)
    assert "2011-01-24" not in dash_duo.find_element("#surface-chain-info").text   # the default
    dash_duo.find_element("#surface-upload input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#surface-chain-info", "2011-01-24", timeout=60)
    dash_duo.wait_for_contains_text("#surface-chain-info", "spx_2011-01-24.csv", timeout=10)
    link = _wait_url(dash_duo, f"data={key}")
    dash_duo.wait_for_contains_text("#surface-3d .gtitle", "spx_2011-01-24.csv", timeout=60)
    bodies = _bodies(dash_duo)
    big = [b for b in bodies if b > size]               # a request that could carry the file
    assert len(big) == 1, bodies                        # the upload itself, once
    assert big[0] >= size * 4 / 3                       # ... base64-encoded
    assert max(b for b in bodies if b != big[0]) < 20_000, bodies
    # a reload of the page's URL: the same uploaded chain, fetched by key on the server
    dash_duo.driver.get(link)
    dash_duo.wait_for_contains_text("#surface-chain-info", "2011-01-24", timeout=60)
    dash_duo.wait_for_contains_text("#surface-3d .gtitle", "spx_2011-01-24.csv", timeout=60)
    assert "spot" in dash_duo.find_element("#surface-chain-info").text.lower()
    after = _bodies(dash_duo)
    assert after and max(after) < 20_000, after        # nothing carries the file after a reload
    assert f"data={key}" in dash_duo.driver.current_url
    assert _severe(dash_duo) == []
    _shots(dash_duo, "surface-upload")
    # a link to an upload this server does not have: a plain message, the default chain
    dash_duo.driver.get(dash_duo.server_url + "/surface?data=" + "ab" * 32)
    dash_duo.wait_for_contains_text("#surface-load-alert", "no longer on this server", timeout=60)
    dash_duo.wait_for_contains_text("#surface-3d .gtitle", "implied volatility surface", timeout=60)
    assert "2011-01-24" not in dash_duo.find_element("#surface-chain-info").text
    _shots(dash_duo, "surface-gone")


def test_portfolio_prices_upload_survives_a_reload(dash_duo, parity):
    path = shared_file("stock_prices.csv")
    key = hashlib.sha256(path.read_bytes()).hexdigest()
    _measure(dash_duo)
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-data-info", "Sample", timeout=60)
    dash_duo.find_element("#pf-upload-prices input[type=file]").send_keys(str(path))
    dash_duo.wait_for_contains_text("#pf-data-info", "stock_prices.csv", timeout=60)
    link = _wait_url(dash_duo, f"data={key}")
    bodies = _bodies(dash_duo)
    assert len([b for b in bodies if b > path.stat().st_size]) == 1, bodies
    dash_duo.driver.get(link)
    dash_duo.wait_for_contains_text("#pf-data-info", "stock_prices.csv", timeout=60)
    # after the reload no request carries the 1.1 MB upload; the kept allocation (~90 kB, the
    # session's result store that the charts are drawn from) may travel, the file may not
    assert max(_bodies(dash_duo)) < path.stat().st_size // 8
    assert _severe(dash_duo) == []
    _shots(dash_duo, "portfolio-upload")
