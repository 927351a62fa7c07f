"""Real browser (headless chromium) against the app served by gunicorn as ``make run`` serves it:
the Content-Security-Policy and the other headers leave every page working with no console error,
and an upload over the server's request limit is answered with a readable message on screen."""
from __future__ import annotations

import dash
import pytest

from tests.deploy.chains import large_chain
from tests.deploy.conftest import start_gunicorn, stop

pytestmark = pytest.mark.browser


def _severe(logs):
    return [e for e in logs if e.get("level") == "SEVERE"]


def _open(dash_duo, url):
    dash_duo.driver.get(url)
    dash_duo.wait_for_element("#_pages_content", timeout=30)
    dash_duo.wait_for_no_elements("._dash-loading", timeout=30)


def test_every_page_renders_under_the_csp_with_no_console_errors(dash_duo, gunicorn_app):
    from app import Settings, create_app

    if not dash.page_registry:
        create_app(Settings(data_dir=str(gunicorn_app.data_dir / "registry"), warm_numba=False))
    paths = [p["relative_path"] for p in dash.page_registry.values()]
    assert {"/greeks", "/strategies", "/calibration", "/surface"} <= set(paths)
    for path in paths:
        _open(dash_duo, gunicorn_app.url + path)
        assert not dash_duo.find_elements(".dash-fe-error__title"), path
    # the default charts drew (plotly under the CSP, including WebGL 3D on the Greeks page)
    _open(dash_duo, gunicorn_app.url + "/greeks")
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "Delta of Call", timeout=30)
    _open(dash_duo, gunicorn_app.url + "/strategies")
    dash_duo.wait_for_element("#st-payoff .main-svg", timeout=30)
    logs = _severe(dash_duo.get_logs())
    assert logs == [], logs
    assert not [e for e in logs if "Content Security Policy" in e.get("message", "")]


def test_upload_over_the_server_limit_shows_a_readable_message(dash_duo, tmp_path):
    served = start_gunicorn(tmp_path, PARITY_MAX_UPLOAD_MB="0.5")
    try:
        big = tmp_path / "big_chain.csv"
        large_chain(n_expiries=40, n_strikes=600).to_csv(big, index=False)
        assert big.stat().st_size * 4 / 3 > 0.5 * 1024 * 1024 * 4 / 3 + 2 * 1024 * 1024
        _open(dash_duo, served.url + "/calibration")
        dash_duo.find_element("#cal-upload input[type=file]").send_keys(str(big))
        # the browser checks the same setting first: the file never leaves it (the server's 413
        # stays the safety net for clients that skip the check: tests/deploy/test_serving.py)
        dash_duo.wait_for_contains_text("#cal-upload-info", "the limit is 0.5 MB", timeout=30)
        text = dash_duo.find_element("#cal-upload-info").text
        assert "big_chain.csv is" in text and "Upload one quote date" in text
        dash_duo.driver.save_screenshot(str(tmp_path / "413.png"))
    finally:
        stop(served)
