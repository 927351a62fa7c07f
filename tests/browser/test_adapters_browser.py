"""Issue 13 in a real browser, for the Vol surface, Calibration, Portfolio, Runs and Home pages:
each test would have caught the defect it names."""
from __future__ import annotations

import struct
import zlib

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

pytestmark = pytest.mark.browser


def _png(path):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    return path


def _severe(dash_duo):
    return [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]


def _radio_value(dash_duo, radio_id):
    return dash_duo.driver.execute_script(
        f"const el = document.querySelector('#{radio_id} input:checked'); return el ? el.value : null;")


def test_calibration_drawn_model_radio_names_what_is_drawn(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/calibration?models=merton&weights=vega&show=heston")
    dash_duo.find_element("#cal-run").click()
    dash_duo.wait_for_contains_text("#cal-surface .gtitle", "Merton implied volatility surface", timeout=120)
    assert _radio_value(dash_duo, "cal-show") == "merton"
    assert dash_duo.driver.execute_script(
        "return document.querySelector('#cal-show input[value=heston]').disabled")
    assert _severe(dash_duo) == []


def _wait_title(dash_duo, css: str, title: str, timeout: float) -> None:
    """The chart's title is ``title`` (its data-source line, "Data: ...", follows it)."""
    import time

    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        text = dash_duo.find_element(css).text
        if text.split("Data:")[0].strip() == title:
            return
        time.sleep(0.1)
    raise AssertionError(f"title {title!r} not drawn; found {text!r}")


def test_surface_drawn_model_radio_names_what_is_drawn(dash_duo, parity):
    # SABR is chosen for drawing but not fitted: the page used to draw SVI under a "SABR" radio
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/surface?models=svi,ssvi&beta=0.5&show=sabr")
    dash_duo.wait_for_contains_text("#surface-3d .gtitle", "SVI implied volatility surface", timeout=60)
    _wait_title(dash_duo, "#surface-3d .gtitle", "SVI implied volatility surface", timeout=10)
    assert _radio_value(dash_duo, "surface-show") == "svi"
    disabled = dash_duo.driver.execute_script(
        "return document.querySelector('#surface-show input[value=sabr]').disabled")
    assert disabled
    # choosing SSVI draws SSVI and the radio says so
    label = dash_duo.find_element("label[for='_dbcprivate_radioitems_surface-show_input_ssvi']")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", label)
    label.click()           # a real click, once in view (the model card grew with "SVI slices")
    _wait_title(dash_duo, "#surface-3d .gtitle", "SSVI implied volatility surface", timeout=30)
    assert _radio_value(dash_duo, "surface-show") == "ssvi"
    assert "show=ssvi" in dash_duo.driver.current_url
    assert _severe(dash_duo) == []


def test_uploads_answer_every_file_with_a_readable_message(dash_duo, parity, tmp_path):
    """A PNG used to give HTTP 500 on Portfolio and Calibration; a second upload must replace the
    first error with a message about what was received."""
    png = _png(tmp_path / "chart.png")
    bad = tmp_path / "prices.csv"
    bad.write_text("this,is\nnot,prices\n")
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe ratio", timeout=90)
    dash_duo.find_element("#pf-upload-prices input[type=file]").send_keys(str(bad))
    dash_duo.wait_for_contains_text("#pf-data-alert", "prices.csv", timeout=20)
    dash_duo.find_element("#pf-upload-prices input[type=file]").send_keys(str(png))
    dash_duo.wait_for_contains_text("#pf-data-alert", "chart.png (", timeout=20)
    text = dash_duo.find_element("#pf-data-alert").text
    assert "a PNG image" in text and "prices.csv" not in text
    assert "Maximum Sharpe ratio" in dash_duo.find_element("#pf-summary").text   # the page still works

    dash_duo.driver.get(dash_duo.server_url + "/calibration")
    dash_duo.wait_for_contains_text("#cal-data-info", "Modelled chain for", timeout=20)
    dash_duo.find_element("#cal-upload input[type=file]").send_keys(str(png))
    dash_duo.wait_for_contains_text("#cal-data-info", "a PNG image", timeout=20)

    dash_duo.driver.get(dash_duo.server_url + "/surface")
    dash_duo.wait_for_contains_text("#surface-chain-info", "Quote date", timeout=60)
    dash_duo.find_element("#surface-upload input[type=file]").send_keys(str(png))
    dash_duo.wait_for_contains_text("#surface-load-alert", "a PNG image", timeout=20)
    assert not dash_duo.find_elements(".dash-fe-error__title")
    assert _severe(dash_duo) == []


def test_portfolio_keeps_its_state_for_the_session_and_does_not_rerun(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe ratio", timeout=90)
    Select(dash_duo.find_element("#pf-objective")).select_by_value("min_variance")
    dash_duo.find_element("#pf-run").click()
    dash_duo.wait_for_contains_text("#pf-summary", "Minimum variance", timeout=90)
    # leave through the navbar and come back the same way (no query string in the link)
    dash_duo.find_element("a.nav-link[href='/greeks']").click()
    dash_duo.wait_for_element("#greeks-graph", timeout=20)
    dash_duo.driver.execute_script("window.__stamp = 'same page load';")
    dash_duo.find_element("a.nav-link[href='/portfolio']").click()
    dash_duo.wait_for_contains_text("#pf-summary", "Minimum variance", timeout=10)
    assert Select(dash_duo.find_element("#pf-objective")).first_selected_option.get_attribute("value") \
        == "min_variance"
    # not re-run: the summary is there at once and the progress bar is not running again
    assert "Minimum variance" in dash_duo.find_element("#pf-summary").text
    assert dash_duo.driver.execute_script("return window.__stamp") == "same page load"
    assert not dash_duo.find_element("#pf-run").get_attribute("disabled")
    assert "obj=min_variance" in dash_duo.driver.current_url
    assert _severe(dash_duo) == []


def test_runs_open_label_delete_with_confirm_and_undo(dash_duo, parity, settings):
    from core.store import open_store

    store = open_store(settings.database_url)
    ids = [store.add_run("calibration", m, "f" * 16, {"kappa": 1.0}, {"rmse_iv": 0.01, "n_quotes": 10},
                         {"weights": "vega"}, 0.5, label="") for m in ("heston", "merton")]
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/runs")
    dash_duo.wait_for_contains_text("#runs-grid", "merton", timeout=20)
    links = dash_duo.driver.find_elements(By.CSS_SELECTOR, "#runs-grid a[href^='/calibration?runs=']")
    assert {a.get_attribute("href").split("runs=")[1].split("&")[0] for a in links} == set(ids)
    # label a run in the grid: it is stored
    cell = dash_duo.driver.find_element(By.CSS_SELECTOR, f"#runs-grid .ag-row[row-id='{ids[0]}'] [col-id='label']")
    cell.click()
    editor = dash_duo.driver.switch_to.active_element
    editor.send_keys("baseline\n")
    dash_duo.wait_for_contains_text("#runs-alert", "Labelled run", timeout=10)
    assert store.get_run(ids[0]).label == "baseline"
    # delete asks first; cancel keeps the runs
    dash_duo.driver.find_element(By.CSS_SELECTOR, f"#runs-grid .ag-row[row-id='{ids[1]}'] input[type=checkbox]").click()
    dash_duo.find_element("#runs-delete").click()
    dash_duo.wait_for_contains_text("#runs-confirm-text", "Delete 1 run(s)", timeout=10)
    dash_duo.find_element("#runs-confirm-no").click()
    assert store.count() == 2
    dash_duo.find_element("#runs-delete").click()
    dash_duo.wait_for_contains_text("#runs-confirm-text", "Delete 1 run(s)", timeout=10)
    dash_duo.find_element("#runs-confirm-yes").click()
    dash_duo.wait_for_contains_text("#runs-alert", "Deleted 1 run(s)", timeout=10)
    assert store.count() == 1
    dash_duo.find_element("#runs-undo").click()
    dash_duo.wait_for_contains_text("#runs-alert", "Restored 1 run(s)", timeout=10)
    assert store.count() == 2 and store.get_run(ids[1]).model == "merton"
    logs = dash_duo.get_logs()
    assert not [e for e in logs if "deprecated" in e.get("message", "").lower()], logs
    assert [e for e in logs if e.get("level") == "SEVERE"] == []


def _print_media(dash_duo):
    dash_duo.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})


def _shown(dash_duo, selector):
    return dash_duo.driver.execute_script(
        f"return Array.from(document.querySelectorAll('{selector}'))"
        ".some(e => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0)")


def test_home_says_where_to_start_what_data_and_recent_runs(dash_duo, parity, settings):
    from core.store import open_store

    open_store(settings.database_url).add_run("calibration", "heston", "f" * 16, {"kappa": 2.0},
                                              {"rmse_iv": 0.0123}, {}, 0.1, label="desk baseline")
    dash_duo.start_server(parity)
    dash_duo.wait_for_contains_text("#home-start", "Where to start", timeout=20)
    dash_duo.wait_for_contains_text("#home-data", "modelled chain for 2018-12-31", timeout=20)
    text = dash_duo.find_element("#home-data").text
    assert "2022-12-28" in text and "20 stocks" in text
    dash_duo.wait_for_contains_text("#home-runs", "desk baseline", timeout=20)
    assert "1.23 vol pts" in dash_duo.find_element("#home-runs").text
    assert dash_duo.find_elements("#home-runs a[href^='/calibration?runs=']")
    assert _severe(dash_duo) == []


def test_printing_a_page_gives_charts_and_tables_not_navbar_and_controls(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/surface")
    dash_duo.wait_for_contains_text("#surface-compare", "SSVI", timeout=60)
    assert _shown(dash_duo, ".navbar") and _shown(dash_duo, "#surface-models")
    _print_media(dash_duo)
    assert not _shown(dash_duo, ".navbar")
    assert not _shown(dash_duo, "#surface-models") and not _shown(dash_duo, "#surface-upload")
    assert _shown(dash_duo, "#surface-3d .main-svg, #surface-3d canvas") and _shown(dash_duo, "#surface-compare table")
    assert not _shown(dash_duo, ".modebar-container")
    width = dash_duo.driver.execute_script(
        "return document.querySelector('.print-wide').getBoundingClientRect().width / "
        "document.querySelector('#_pages_content').getBoundingClientRect().width")
    assert width > 0.9
