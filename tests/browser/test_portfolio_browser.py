"""The portfolio optimizer in a real browser: the background job runs on first load, an
infeasible constraint shows a message and keeps the last result, and a new objective re-runs."""
from __future__ import annotations

import pytest
from selenium.webdriver.support.ui import Select

pytestmark = pytest.mark.browser


def test_portfolio_runs_in_the_background_and_reports_infeasible_constraints(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe ratio", timeout=60)
    dash_duo.wait_for_contains_text("#pf-frontier .gtitle", "Efficient frontier", timeout=10)

    wmax = dash_duo.find_element("#pf-wmax")
    dash_duo.clear_input(wmax)
    wmax.send_keys("3\n")
    dash_duo.find_element("#pf-run").click()
    dash_duo.wait_for_contains_text("#pf-alert", "upper bounds sum to 0.6", timeout=60)
    assert "Maximum Sharpe ratio" in dash_duo.find_element("#pf-summary").text

    dash_duo.clear_input(wmax)
    wmax.send_keys("40\n")
    Select(dash_duo.find_element("#pf-objective")).select_by_value("min_variance")
    dash_duo.find_element("#pf-run").click()
    dash_duo.wait_for_contains_text("#pf-summary", "Minimum variance", timeout=60)
    assert "obj=min_variance" in dash_duo.driver.current_url
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
