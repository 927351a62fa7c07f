"""Joint (calendar-aware) SVI on the Vol surface page in a real browser: the real SPX chain of
2011-01-24 uploaded, SVI slices switched to joint, the background job's result drawn with the
crossing counts, the choice kept in the link, and the link reopening it. PARITY_SHOTS=<folder>
saves light and dark screenshots."""
from __future__ import annotations

import os
import re
import time

import pytest

from tests.conftest import shared_file

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PARITY_SHOTS")


def _wait_url(driver, part: str, seconds: float = 20) -> str:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if part in driver.current_url:
            return driver.current_url
        time.sleep(0.2)
    raise AssertionError(f"{part!r} not in {driver.current_url}")


def test_joint_svi_slices_on_a_real_chain(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.set_window_size(1400, 2200)
    dash_duo.driver.get(dash_duo.server_url + "/surface")
    dash_duo.wait_for_contains_text("#surface-compare", "SSVI", timeout=30)
    dash_duo.find_element("#surface-upload input[type=file]").send_keys(
        str(shared_file("spx_2011-01-24.csv")))
    dash_duo.wait_for_contains_text("#surface-chain-info", "spx_2011-01-24.csv", timeout=30)
    dash_duo.wait_for_contains_text("#surface-crossings", "of 8 adjacent expiry pairs", timeout=60)
    indep = dash_duo.find_element("#surface-crossings").text
    n = int(re.search(r"independent slices: (\d+) of 8", indep).group(1))
    assert n >= 2
    dash_duo.find_element(
        "label[for='_dbcprivate_radioitems_surface-svi-slices_input_joint']").click()
    dash_duo.wait_for_contains_text("#surface-compare", "SVI (joint)", timeout=180)
    text = dash_duo.find_element("#surface-crossings").text
    assert f"independent slices: {n} of 8" in text and "joint fit: 0 of 8" in text
    assert dash_duo.find_element("#surface-joint-status").text == "joint SVI fit done"
    link = _wait_url(dash_duo.driver, "slices=joint")
    assert "data=" in link
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        time.sleep(1.5)
        dash_duo.driver.save_screenshot(os.path.join(SHOTS, "surface-joint-light.png"))
        dash_duo.driver.execute_script("document.getElementById('app-theme-switch').click()")
        time.sleep(6)
        dash_duo.driver.save_screenshot(os.path.join(SHOTS, "surface-joint-dark.png"))
        dash_duo.driver.execute_script("document.getElementById('app-theme-switch').click()")
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
    dash_duo.driver.get(link)                    # the link reopens the chain and the joint fit
    dash_duo.wait_for_contains_text("#surface-compare", "SVI (joint)", timeout=60)
    assert "joint fit: 0 of 8" in dash_duo.find_element("#surface-crossings").text
    radio = dash_duo.find_element("#_dbcprivate_radioitems_surface-svi-slices_input_joint")
    assert radio.is_selected()
