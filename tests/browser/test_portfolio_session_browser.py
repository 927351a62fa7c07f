"""Portfolio in a real browser (issue 13): the first load shows the default allocation without a
background job, and the Black-Litterman views grid is kept for the session like every other input."""
from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


def _rows(dash_duo) -> list[dict]:
    """The views grid as the browser shows it (cell text by column)."""
    return dash_duo.driver.execute_script("""
        const out = [];
        document.querySelectorAll('#pf-views .ag-center-cols-container div[role=row]').forEach(r => {
            const row = {};
            r.querySelectorAll('div[col-id]').forEach(c => { row[c.getAttribute('col-id')] = c.textContent.trim(); });
            out[Number(r.getAttribute('row-index'))] = row;
        });
        return out;""")


def _wait_rows(dash_duo, check, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        rows = _rows(dash_duo)
        if check(rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"views grid never matched: {_rows(dash_duo)}")


def _nav(dash_duo, path):
    """Click the navbar link (a script click: the same event for Dash's client-side routing)."""
    dash_duo.driver.execute_script(f"document.querySelector('nav a.nav-link[href=\"{path}\"]').click()")


def test_first_load_is_computed_in_the_foreground(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe", timeout=30)
    # the data line may be wrapped to fit the card: read its words, not its line breaks
    want = "Data: Sample: 20 stocks + 2 indices, 2015-01-02 to 2018-12-31".replace(" ", "")
    end = time.time() + 10
    while want not in dash_duo.find_element("#pf-frontier .gtitle").text.replace(" ", "").replace("\n", "") \
            and time.time() < end:
        time.sleep(0.2)
    assert want in dash_duo.find_element("#pf-frontier .gtitle").text.replace(" ", "").replace("\n", "")
    # no background job ran: its progress bar was never driven
    bar = dash_duo.find_element("#pf-progress .progress-bar")
    assert bar.get_attribute("aria-valuenow") == "0"
    assert "obj=max_sharpe" in dash_duo.driver.current_url
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []


def test_views_grid_is_kept_when_navigating_away_and_back(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe", timeout=30)
    _wait_rows(dash_duo, lambda r: len(r) == 2 and r[0].get("view") == "12")

    cell = dash_duo.find_element('#pf-views div[row-index="0"] div[col-id="view"]')
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    time.sleep(0.3)
    cell.click()
    editor = dash_duo.driver.switch_to.active_element
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("20", Keys.ENTER)
    dash_duo.driver.execute_script("document.querySelector('#pf-add-view').click()")
    _wait_rows(dash_duo, lambda r: len(r) == 3 and r[0].get("view") == "20")

    _nav(dash_duo, "/greeks")
    dash_duo.wait_for_element("#greeks-graph", timeout=20)
    _nav(dash_duo, "/portfolio")
    dash_duo.wait_for_element("#pf-views", timeout=20)
    rows = _wait_rows(dash_duo, lambda r: len(r) == 3)
    assert rows[0]["asset"] == "AAPL" and rows[0]["view"] == "20", rows
    assert rows[1]["asset"] == "XOM" and rows[1]["vs"] == "RRC", rows
    # the first run on return used the kept views: the URL carries them
    end = time.time() + 30
    while "AAPL%3A20" not in dash_duo.driver.current_url and time.time() < end:
        time.sleep(0.2)
    assert "AAPL%3A20" in dash_duo.driver.current_url, dash_duo.driver.current_url

    # a link's own views win over the session's
    dash_duo.driver.get(dash_duo.server_url + "/portfolio?views=MSFT%3A7%3A30")
    _wait_rows(dash_duo, lambda r: len(r) == 1 and r[0].get("asset") == "MSFT")
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []


def test_an_edit_and_an_added_row_in_the_same_moment_are_both_kept(dash_duo, parity):
    """The grid reports an edit a tick late; a row added in that tick used to lose to the late
    edit's two-row copy of the grid, and the added row was gone on return to the page."""
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe", timeout=30)
    _wait_rows(dash_duo, lambda r: len(r) == 2 and r[0].get("view") == "12")
    dash_duo.driver.execute_script("""
        const api = window.dash_ag_grid.getApi('pf-views');
        api.getDisplayedRowAtIndex(0).setDataValue('view', 20);
        document.querySelector('#pf-add-view').click();""")
    _wait_rows(dash_duo, lambda r: len(r) == 3 and r[0].get("view") == "20")
    end = time.time() + 10
    kept = None
    while time.time() < end:
        kept = dash_duo.driver.execute_script("return JSON.parse(window.sessionStorage.getItem('pf-views-kept'))")
        if kept and len(kept) == 3:
            break
        time.sleep(0.2)
    time.sleep(1.0)  # a late write would land in this second
    kept = dash_duo.driver.execute_script("return JSON.parse(window.sessionStorage.getItem('pf-views-kept'))")
    assert len(kept) == 3 and float(kept[0]["view"]) == 20.0, kept
    _nav(dash_duo, "/greeks")
    dash_duo.wait_for_element("#greeks-graph", timeout=20)
    _nav(dash_duo, "/portfolio")
    dash_duo.wait_for_element("#pf-views", timeout=20)
    rows = _wait_rows(dash_duo, lambda r: len(r) == 3)
    assert rows[0]["view"] == "20", rows
