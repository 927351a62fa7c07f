"""The surface studio in a real browser: sample fits on first load, switching the drawn model,
a malformed upload that shows a message while the page keeps working, and eSSVI ticked, drawn
and named in the URL."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_surface_page_fits_the_sample_and_rejects_a_bad_upload(dash_duo, parity, tmp_path):
    dash_duo.start_server(parity)
    dash_duo.driver.set_window_size(1400, 1600)    # the model card is taller than the default window
    dash_duo.driver.get(dash_duo.server_url + "/surface")
    dash_duo.wait_for_contains_text("#surface-compare", "SSVI", timeout=30)
    dash_duo.wait_for_contains_text("#surface-residuals .gtitle", "SVI residuals", timeout=20)
    dash_duo.find_element("label[for='_dbcprivate_radioitems_surface-show_input_sabr']").click()
    dash_duo.wait_for_contains_text("#surface-residuals .gtitle", "SABR residuals", timeout=20)
    assert "show=sabr" in dash_duo.driver.current_url

    bad = tmp_path / "quotes.csv"
    bad.write_text("ticker,price\nSPX,1290\n")
    dash_duo.find_element("#surface-upload input[type=file]").send_keys(str(bad))
    dash_duo.wait_for_contains_text("#surface-load-alert", "Could not load quotes.csv", timeout=20)
    # the previous result stays on screen
    assert "SABR residuals" in dash_duo.find_element("#surface-residuals .gtitle").text

    dash_duo.driver.set_window_size(1400, 2000)    # the load alert pushes the models below the fold
    dash_duo.find_element("label[for='_dbcprivate_checklist_surface-models_input_essvi']").click()
    dash_duo.wait_for_contains_text("#surface-compare", "eSSVI", timeout=30)
    dash_duo.wait_for_contains_text("#surface-smiles .legend", "eSSVI", timeout=20)
    dash_duo.wait_for_contains_text("#surface-term .legend", "eSSVI", timeout=20)
    dash_duo.find_element("label[for='_dbcprivate_radioitems_surface-show_input_essvi']").click()
    dash_duo.wait_for_contains_text("#surface-residuals .gtitle", "eSSVI residuals", timeout=20)
    assert "essvi" in dash_duo.driver.current_url and "show=essvi" in dash_duo.driver.current_url
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
