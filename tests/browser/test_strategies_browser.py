"""The strategy builder in a real browser: a template draws; an invalid leg from a shared link is
flagged in words while the rest is valued; the Greeks link opens the position; an edited cell
revalues every number; probability of profit moves with days forward; the view survives
navigating away and back."""
from __future__ import annotations

import re
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser
TITLE = "#st-payoff .gtitle"


def _severe(dash_duo):
    return [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]


def _summary(dash_duo) -> str:
    return dash_duo.find_element("#st-summary").text


def _wait_change(dash_duo, selector, before, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        now = dash_duo.find_element(selector).text
        if now and now != before:
            return now
        time.sleep(0.1)
    raise AssertionError(f"{selector} did not change from {before!r}")


def _pick_template(dash_duo, label):
    dash_duo.find_element("#st-template").click()
    dash_duo.find_element(".dash-dropdown-search").send_keys(label)
    dash_duo.wait_for_contains_text(".dash-dropdown-options", label, timeout=5)
    dash_duo.find_elements(".dash-dropdown-option")[0].click()
    dash_duo.wait_for_contains_text(TITLE, label, timeout=20)


def test_strategy_builder_flow(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/strategies")
    dash_duo.wait_for_contains_text(TITLE, "Iron condor", timeout=30)
    _pick_template(dash_duo, "Long straddle")
    assert "template=long_straddle" in dash_duo.driver.current_url

    legs = "C:100:30:1:2.5:20;P:-5:30:1:1:20"
    dash_duo.driver.get(dash_duo.server_url + f"/strategies?template=custom&legs={legs}")
    dash_duo.wait_for_contains_text("#st-leg-errors", "Row 2: strike must be above 0, got -5", timeout=20)
    dash_duo.wait_for_contains_text(TITLE, "Custom strategy", timeout=20)
    link = dash_duo.find_element("#st-greeks-link")
    dash_duo.driver.execute_script("arguments[0].click();", link)  # dev-tools bar may cover it
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "Gamma of Position [+1 C 100]", timeout=20)
    assert "per-leg vols" in dash_duo.find_element("#greeks-graph .gtitle").text
    assert _severe(dash_duo) == []


def test_editing_a_leg_quantity_revalues_chart_summary_greeks_and_url(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/strategies")
    dash_duo.wait_for_contains_text(TITLE, "Iron condor", timeout=30)
    dash_duo.wait_for_contains_text("#st-summary", "Max loss", timeout=20)
    before, greeks_before = _summary(dash_duo), dash_duo.find_element("#st-greeks").text
    cell = dash_duo.find_element('#st-legs div[row-index="1"] div[col-id="qty"]')
    cell.click()
    editor = dash_duo.driver.switch_to.active_element
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("-10", Keys.ENTER)
    after = _wait_change(dash_duo, "#st-summary", before)
    assert after != before and dash_duo.find_element("#st-greeks").text != greeks_before
    dash_duo.wait_for_contains_text(TITLE, "Custom strategy", timeout=20)
    assert re.search(r"legs=[^&]*%3A-10%3A", dash_duo.driver.current_url) or ":-10:" in dash_duo.driver.current_url
    # an invalid strike is said in words, the rest stays valued
    cell = dash_duo.find_element('#st-legs div[row-index="0"] div[col-id="strike"]')
    cell.click()
    editor = dash_duo.driver.switch_to.active_element
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys("-5", Keys.ENTER)
    dash_duo.wait_for_contains_text("#st-leg-errors", "Row 1: strike must be above 0, got -5", timeout=20)
    assert _severe(dash_duo) == []


def test_probability_of_profit_moves_with_days_forward(dash_duo, parity):
    dash_duo.start_server(parity)
    pops = []
    for dfwd in (0, 15, 29):
        dash_duo.driver.get(dash_duo.server_url + f"/strategies?template=iron_condor&dfwd={dfwd}")
        dash_duo.wait_for_contains_text("#st-summary", f"from day {dfwd}", timeout=30)
        m = re.search(r"([\d.]+)% Lognormal", _summary(dash_duo))
        pops.append(float(m.group(1)))
    assert pops[0] < pops[1] < pops[2], pops          # was 70.7% at all three


def test_the_view_is_kept_when_navigating_away_and_back(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/strategies")
    dash_duo.wait_for_contains_text(TITLE, "Iron condor", timeout=30)
    _pick_template(dash_duo, "Jade lizard")
    dash_duo.driver.find_element(By.LINK_TEXT, "Greeks").click()
    dash_duo.wait_for_element("#greeks-graph", timeout=20)
    dash_duo.driver.find_element(By.LINK_TEXT, "Strategies").click()
    dash_duo.wait_for_contains_text(TITLE, "Jade lizard", timeout=30)
    assert "template=jade_lizard" in dash_duo.driver.current_url
    assert _severe(dash_duo) == []
