"""A value typed out of range is named in the message (issue 13 §4): the number boxes had a
``min``, so the browser sent nothing for -5 and the page said "got nothing: enter a value" while
the box showed -5; and the message says the charts still show the last valid inputs."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser


def _type(dash_duo, css, text):
    box = dash_duo.find_element(css)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text, Keys.TAB)


def test_greeks_and_strategies_name_the_value_typed(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/greeks")
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "spot 100.00", timeout=30)
    _type(dash_duo, "#greeks-spot", "-5")
    dash_duo.wait_for_contains_text("#greeks-alert", "spot must be a number above 0, got -5", timeout=15)
    assert "last valid inputs" in dash_duo.find_element("#greeks-alert").text
    assert "spot 100.00" in dash_duo.find_element("#greeks-graph .gtitle").text   # kept, and said so

    dash_duo.driver.get(dash_duo.server_url + "/strategies")
    dash_duo.wait_for_element("#st-payoff .gtitle", timeout=30)
    _type(dash_duo, "#st-vol", "0")
    dash_duo.wait_for_contains_text("#st-alert", "Vol must be a number above 0, got 0", timeout=15)
    assert "last valid inputs" in dash_duo.find_element("#st-alert").text
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
