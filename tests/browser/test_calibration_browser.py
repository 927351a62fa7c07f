"""Calibration as a background job in a real browser, recorded in a real SQLite registry and
listed on the Runs page."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def _sample_info() -> str:
    """What the data line must say for the embedded default (the modelled chain of 2018-12-31)."""
    from core.data import sample_chain
    return f"{len(sample_chain().otm_quotes(0.6, 1.4))} OTM quotes"


def test_calibrate_then_see_the_run_in_the_registry(dash_duo, parity, settings):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/calibration?models=merton&show=merton")
    dash_duo.wait_for_contains_text("#cal-data-info", _sample_info(), timeout=20)
    dash_duo.wait_for_contains_text("#cal-data-info", "Modelled chain for 2018-12-31, from the "
                                    "S&P 500 close and VIX", timeout=5)
    dash_duo.find_element("#cal-run").click()
    dash_duo.wait_for_contains_text("#cal-params", "Merton", timeout=60)
    dash_duo.wait_for_contains_text("#cal-saved", "Saved 1 run", timeout=20)
    dash_duo.wait_for_contains_text("#cal-surface .gtitle", "Merton implied volatility surface", timeout=20)

    dash_duo.driver.get(dash_duo.server_url + "/runs")
    dash_duo.wait_for_contains_text("#runs-grid", "merton", timeout=20)
    from core.store import open_store
    assert open_store(settings.database_url).count(model="merton") == 1
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []


def test_a_calibration_link_brings_the_stored_runs_back(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/calibration?models=merton,vg&show=vg")
    dash_duo.wait_for_contains_text("#cal-data-info", _sample_info(), timeout=20)
    dash_duo.find_element("#cal-run").click()
    dash_duo.wait_for_contains_text("#cal-saved", "Saved 2 run", timeout=60)
    import time
    deadline = time.time() + 10
    while "runs=" not in dash_duo.driver.current_url and time.time() < deadline:
        time.sleep(0.1)
    link = dash_duo.driver.current_url
    assert "runs=" in link
    dash_duo.driver.get(link)        # a fresh page from the link: no calibration runs again
    dash_duo.wait_for_contains_text("#cal-saved", "Loaded 2 run(s)", timeout=30)
    dash_duo.wait_for_contains_text("#cal-params", "Variance Gamma", timeout=10)
    dash_duo.wait_for_contains_text("#cal-surface .gtitle", "Variance Gamma implied volatility surface",
                                    timeout=10)
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
