"""The report builder in a real browser: views added from Greeks, Vol surface and Strategies through
the navbar button, listed on /report, exported as HTML and PDF (downloads checked as files),
meeting mode with the arrow keys; screenshots light and dark."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("PARITY_SHOTS", "/tmp/parity-report-shots"))
READY = ("var g=document.querySelectorAll('#_pages_content .js-plotly-plot');"
         "return g.length>0 && Array.from(g).every(function(x){return x.data && x.data.length>0;});")


def _wait(fn, timeout=40, step=0.25):
    end = time.time() + timeout
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def _add(duo, path):
    duo.driver.get(duo.server_url + path)
    _wait(lambda: duo.driver.execute_script(READY))
    time.sleep(1.5)        # let the page's follow-up callbacks settle
    before = len(json.loads(duo.driver.execute_script("return sessionStorage.getItem('report-items')") or "[]"))
    duo.find_element("#report-add").click()
    duo.wait_for_contains_text("#report-toast", "Added", timeout=20)
    _wait(lambda: len(json.loads(duo.driver.execute_script(
        "return sessionStorage.getItem('report-items')") or "[]")) == before + 1)


def test_report_from_three_pages_exports_html_and_pdf(dash_duo, parity, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    downloads = tmp_path / "dl"
    downloads.mkdir()
    dash_duo.start_server(parity)
    dash_duo.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(downloads)})
    dash_duo.driver.set_window_size(1400, 1000)
    dash_duo.driver.get(dash_duo.server_url + "/report")
    dash_duo.wait_for_contains_text("#report-list", "no items yet", timeout=20)

    for path in ("/greeks", "/surface", "/strategies"):
        _add(dash_duo, path)
    items = json.loads(dash_duo.driver.execute_script("return sessionStorage.getItem('report-items')"))
    assert [i["url"].split("?")[0] for i in items] == ["/greeks", "/surface", "/strategies"]
    assert all(i["figures"] for i in items)
    assert "chain" in items[1]["source"].lower() or "spx" in items[1]["source"].lower(), items[1]["source"]
    assert dash_duo.find_element("#report-count").text == "3"

    dash_duo.driver.get(dash_duo.server_url + "/report")
    _wait(lambda: len(dash_duo.driver.find_elements("css selector", "#report-list .card")) == 3)
    dash_duo.find_element("#report-title").send_keys("Desk review\t")
    note = dash_duo.driver.find_elements("css selector", "#report-list textarea")[1]
    note.send_keys("Skew steepened\t")
    time.sleep(1)
    dash_duo.driver.execute_script("window.scrollTo(0, 0)")
    dash_duo.driver.save_screenshot(str(SHOTS / "report-light.png"))

    for fmt in ("html", "pdf"):
        button = dash_duo.driver.execute_script(
            "return document.getElementById(JSON.stringify({fmt: arguments[0], type: 'report-export'}))", fmt)
        dash_duo.driver.execute_script("arguments[0].click()", button)
        dash_duo.wait_for_contains_text("#report-status", f"{fmt.upper()} ready", timeout=90)
    html_file = _wait(lambda: next(iter(downloads.glob("*.html")), None), timeout=20)
    pdf_file = _wait(lambda: next(iter(downloads.glob("*.pdf")), None), timeout=20)
    page = html_file.read_text()
    assert "Desk review" in page and "Skew steepened" in page and page.count('class="plotly-graph-div"') >= 3
    assert "<script src=" not in page and "plotly.js v" in page

    # the HTML opens offline (file://, no server) with its charts drawn
    dash_duo.driver.get(html_file.as_uri())
    _wait(lambda: dash_duo.driver.execute_script(
        "return document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3"))
    dash_duo.driver.get(dash_duo.server_url + "/report")
    _wait(lambda: len(dash_duo.driver.find_elements("css selector", "#report-list .card")) == 3)

    text = subprocess.run(["pdftotext", "-layout", str(pdf_file), "-"], capture_output=True, text=True).stdout
    pages = text.count("\f")
    assert pages >= 4 and "Desk review" in text.split("\f")[0]
    for i in items:
        assert i["title"] in text
    assert "Skew steepened" in text and f"of {pages}" in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf_file), str(SHOTS / "pdf")], check=True)

    # meeting mode: first slide, right arrow to the next, light on a dark app too
    dash_duo.driver.execute_script("document.getElementById('report-meeting').click()")
    dash_duo.wait_for_contains_text("#report-slide-body", "1 /", timeout=20)
    _wait(lambda: dash_duo.driver.execute_script(
        "var g=document.querySelector('#report-slide-body .js-plotly-plot'); return g && g.data && g.data.length"))
    time.sleep(1)
    dash_duo.driver.save_screenshot(str(SHOTS / "meeting-light.png"))
    from selenium.webdriver.common.keys import Keys
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_contains_text("#report-slide-body", "2 /", timeout=20)
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    _wait(lambda: not dash_duo.driver.find_elements("css selector", ".meeting.show"), timeout=10)
    dash_duo.driver.execute_script("document.getElementById('app-theme-switch').click()")
    time.sleep(1)
    dash_duo.driver.execute_script("window.scrollTo(0, 0)")
    dash_duo.driver.save_screenshot(str(SHOTS / "report-dark.png"))
    dash_duo.driver.execute_script("document.getElementById('report-meeting').click()")
    dash_duo.wait_for_contains_text("#report-slide-body", "1 /", timeout=20)
    time.sleep(1)
    dash_duo.driver.save_screenshot(str(SHOTS / "meeting-dark.png"))
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ESCAPE)

    # order and remove survive a reload of the tab
    dash_duo.driver.execute_script(
        "document.querySelector('#report-list .card:nth-child(3) .btn-group button').click()")
    _wait(lambda: json.loads(dash_duo.driver.execute_script(
        "return sessionStorage.getItem('report-items')"))[1]["url"].startswith("/strategies"))
    severe = [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]
    assert severe == []


_SCENE_3D = ("const gd = document.querySelector('#greeks-graph-3d .js-plotly-plot');"
             "return !!(gd && gd.data && gd.data.length && gd._fullLayout.scene && gd._fullLayout.scene._scene);")
_ITEMS = "return JSON.parse(sessionStorage.getItem('report-items') || '[]')"


def test_greeks_view_added_to_the_report_is_the_chart_on_screen(dash_duo, parity):
    """The Greeks page draws its 3D graph ahead, hidden under the heatmap: "Add to report" takes
    the chart the user sees (one heatmap), not the hidden one too, and the 3D surface once shown."""
    dash_duo.start_server(parity)
    d = dash_duo.driver
    d.get(dash_duo.server_url + "/greeks")
    _wait(lambda: d.execute_script(READY))
    _wait(lambda: d.execute_script(_SCENE_3D), timeout=40)       # the hidden 3D graph is drawn
    dash_duo.find_element("#report-add").click()
    dash_duo.wait_for_contains_text("#report-toast", "Added", timeout=20)
    item = _wait(lambda: (d.execute_script(_ITEMS) or [None])[-1])
    assert [[t["type"] for t in f["data"]] for f in item["figures"]] == [["heatmap"]], item["figures"]

    d.execute_script("document.querySelector(\"label[for='_dbcprivate_radioitems_greeks-view_input_surface']\")"
                     ".click()")
    _wait(lambda: d.execute_script(
        "return getComputedStyle(document.getElementById('greeks-wrap-3d')).visibility") == "visible")
    time.sleep(1.0)
    d.execute_script("document.getElementById('report-add').click()")   # the first toast is over it
    _wait(lambda: len(d.execute_script(_ITEMS)) == 2)
    item = d.execute_script(_ITEMS)[-1]
    assert [[t["type"] for t in f["data"]] for f in item["figures"]] == [["surface"]], item["figures"]
