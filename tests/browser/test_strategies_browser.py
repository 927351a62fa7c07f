"""The strategy builder in a real browser: a template draws, an invalid leg from a shared link
is flagged while the rest is valued, and the Greeks link opens the position's Greeks."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_strategy_builder_flow(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/strategies")
    title = "#st-payoff .gtitle"
    dash_duo.wait_for_contains_text(title, "Iron condor", timeout=30)
    dash_duo.find_element("#st-template").click()
    dash_duo.find_element(".dash-dropdown-search").send_keys("Long straddle")
    dash_duo.wait_for_contains_text(".dash-dropdown-options", "Long straddle", timeout=5)
    dash_duo.find_elements(".dash-dropdown-option")[0].click()
    dash_duo.wait_for_contains_text(title, "Long straddle", timeout=20)
    assert "template=long_straddle" in dash_duo.driver.current_url

    legs = "C:100:30:1:2.5:20;P:-5:30:1:1:20"
    dash_duo.driver.get(dash_duo.server_url + f"/strategies?template=custom&legs={legs}")
    dash_duo.wait_for_contains_text("#st-leg-errors", "Row 2: strike must be > 0", timeout=20)
    dash_duo.wait_for_contains_text(title, "Custom strategy", timeout=20)
    link = dash_duo.find_element("#st-greeks-link")
    dash_duo.driver.execute_script("arguments[0].click();", link)  # dev-tools bar may cover it
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "Gamma of Position [+1 C 100]", timeout=20)
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
