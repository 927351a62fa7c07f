"""Real-browser tests (headless Debian chromium via dash.testing): open every page, use the
Greeks controls, and see no error in the browser console."""
from __future__ import annotations

import dash
import pytest

pytestmark = pytest.mark.browser


def _severe(logs):
    return [entry for entry in logs if entry.get("level") == "SEVERE"]


def test_every_page_opens_without_console_errors(dash_duo, parity):
    """With debug off, a failing callback shows no ``.dash-fe-error`` element (that is the dev
    tools overlay); what can be seen is (1) a server exception (Flask's
    ``got_request_exception``, the 500 the browser receives), (2) a SEVERE browser console
    entry (the failed request, a JS error), (3) a danger alert the page shows the user. All
    three are collected per page; the first-load defaults must produce none of them."""
    import flask

    exceptions = []

    def on_exception(sender, exception, **extra):
        exceptions.append(repr(exception))

    flask.got_request_exception.connect(on_exception, parity.server)
    dash_duo.start_server(parity)
    dash_duo.wait_for_text_to_equal("h2", "Parity", timeout=10)
    paths = [p["relative_path"] for p in dash.page_registry.values()]
    assert "/greeks" in paths
    problems = {}
    for path in paths:
        exceptions.clear()
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element("#_pages_content", timeout=10)
        dash_duo.wait_for_no_elements("._dash-loading", timeout=10)
        severe = _severe(dash_duo.get_logs())
        alerts = [el.text for el in dash_duo.find_elements(".alert-danger") if el.is_displayed()]
        if exceptions or severe or alerts:
            problems[path] = {"server": list(exceptions), "console": severe, "alerts": alerts}
    assert problems == {}


def test_the_error_checks_of_the_page_test_can_fire(dash_duo, parity):
    """The detectors above are live: a callback that raises (debug off) is seen both as a
    server exception and as a SEVERE console entry."""
    import flask
    from dash import Input, Output, html

    exceptions = []

    def on_exception(sender, exception, **extra):
        exceptions.append(exception)

    flask.got_request_exception.connect(on_exception, parity.server)
    original = parity.layout
    parity.layout = lambda: html.Div([original() if callable(original) else original,
                                      html.Button("go", id="boom-button"),
                                      html.Div(id="boom-out")])

    @parity.callback(Output("boom-out", "children"), Input("boom-button", "n_clicks"),
                     prevent_initial_call=True)
    def boom(n):
        raise RuntimeError("deliberate failure")

    dash_duo.start_server(parity)
    button = dash_duo.wait_for_element("#boom-button", timeout=10)
    dash_duo.driver.execute_script("arguments[0].click();", button)   # below the fold of the home page
    dash_duo.wait_for_element("#boom-out", timeout=5)
    import time
    deadline = time.time() + 5
    while not exceptions and time.time() < deadline:
        time.sleep(0.1)
    assert exceptions and "deliberate failure" in repr(exceptions[0])
    assert _severe(dash_duo.get_logs())


def test_greeks_controls_change_the_figure_and_the_url(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/greeks")
    title = "#greeks-graph .gtitle"
    dash_duo.wait_for_contains_text(title, "Delta of Call", timeout=15)
    dash_duo.select_dcc_dropdown("#greeks-greek", index=3)  # Vega
    dash_duo.wait_for_contains_text(title, "Vega of Call", timeout=10)
    dash_duo.find_element("label[for='_dbcprivate_radioitems_greeks-instrument_input_put']").click()
    dash_duo.wait_for_contains_text(title, "Vega of Put", timeout=10)
    dash_duo.find_element("label[for='_dbcprivate_radioitems_greeks-view_input_heatmap']").click()
    dash_duo.wait_for_element("#greeks-graph .heatmaplayer", timeout=10)
    url = dash_duo.driver.current_url
    assert "greek=vega" in url and "inst=put" in url and "view=heatmap" in url
    # the link reproduces the view
    dash_duo.driver.get(url.replace("greek=vega", "greek=theta"))
    dash_duo.wait_for_contains_text(title, "Theta of Put", timeout=15)
    dash_duo.wait_for_element("#greeks-graph .heatmaplayer", timeout=10)
    assert _severe(dash_duo.get_logs()) == []


def test_bad_legs_show_a_message_and_keep_the_chart(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/greeks?inst=position&greek=gamma")
    title = "#greeks-graph .gtitle"
    dash_duo.wait_for_contains_text(title, "Gamma of Position", timeout=15)
    legs = dash_duo.find_element("#greeks-legs")
    dash_duo.clear_input(legs)
    legs.send_keys("+1 C 100, -2 Q 90\n")
    dash_duo.wait_for_contains_text("#greeks-alert", "cannot read leg", timeout=10)
    assert "Gamma of Position" in dash_duo.find_element(title).text
    dash_duo.find_element("#app-theme-switch").click()
    dash_duo.wait_for_element("html[data-bs-theme='dark']", timeout=5)
    assert _severe(dash_duo.get_logs()) == []
