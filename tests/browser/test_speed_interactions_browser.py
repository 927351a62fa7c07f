"""The interactions made faster for issue 13 §3 still redraw the right numbers, in a real browser
(no timing is asserted here; benchmarks/browser.py measures it):

* Strategies: a cell edit revalues on the cached Monte Carlo draws: the VaR on screen is the VaR
  of an independent full revaluation of the edited legs; a template change shows the new legs'
  numbers (a long straddle's max loss is its premium);
* Greeks: the 3D surface lives on its own graph; switching back and forth shows the graph that
  holds the current inputs, and a surface drawn for older inputs is redrawn before it is shown;
  once the page idles on the heatmap the hidden 3D graph is drawn for its inputs, so the first
  switch sends no figure, and a background reply never lands on the 3D graph on screen;
* Portfolio: the foreground callback sends the kept result's query, not the result.
"""
from __future__ import annotations

import re
import time

import numpy as np
import pytest
from scipy.stats import norm
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.browser
TITLE = "#st-payoff .gtitle"
_FETCH = """
if (!window.__req) {
  window.__req = [];
  const orig = window.fetch;
  window.fetch = function (input, init) {
    const url = (typeof input === 'string') ? input : (input && input.url) || '';
    if (url.indexOf('_dash-update-component') < 0) { return orig.apply(this, arguments); }
    const rec = {out: '', sent: (init && init.body || '').length, got: null};
    try { rec.out = JSON.parse(init.body).output; } catch (e) {}
    window.__req.push(rec);
    return orig.apply(this, arguments).then(function (resp) {
      return resp.clone().text().then(function (t) { rec.got = t.length; return resp; });
    });
  };
}
window.__req.length = 0;
"""


def _severe(dash_duo):
    return [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"]


def _grid(dash_duo, grid="#st-legs") -> list[dict]:
    return dash_duo.driver.execute_script(f"""
        const out = [];
        document.querySelectorAll('{grid} .ag-center-cols-container div[role=row]').forEach(r => {{
            const row = {{}};
            r.querySelectorAll('div[col-id]').forEach(c => {{ row[c.getAttribute('col-id')] = c.textContent.trim(); }});
            out[Number(r.getAttribute('row-index'))] = row;
        }});
        return out;""")


def _money(summary: str, label: str) -> float:
    """The per-unit figure of a summary row ("Max loss 1.23 123.00 ...")."""
    m = re.search(re.escape(label) + r"\S*\s+([\d,.]+)\s", summary)
    assert m, (label, summary)
    return float(m.group(1).replace(",", ""))


def _wait(check, timeout=20, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"{what} never held")


def _bs(S, K, T, r, q, vol, call):
    d1 = (np.log(S / K) + (r - q + 0.5 * vol * vol) * T) / (vol * np.sqrt(T))
    d2 = d1 - vol * np.sqrt(T)
    if call:
        return S * np.exp(-q * T) * norm.cdf(d1) - K * np.exp(-r * T) * norm.cdf(d2)
    return K * np.exp(-r * T) * norm.cdf(-d2) - S * np.exp(-q * T) * norm.cdf(-d1)


def _full_revaluation_var(rows, spot=100.0, r=0.03, q=0.01, n=100_000, seed=0, alpha=0.99):
    """99% VaR to expiry, written out here: antithetic GBM draws at the legs' vol, every path's
    payoff at expiry, minus the legs' Black-Scholes value today; the loss at the 1% sample."""
    T = float(rows[0]["days"]) / 365
    vol = float(rows[0]["vol"]) / 100
    half = np.random.default_rng(seed).standard_normal(n // 2)
    z = np.empty(n)
    z[0::2], z[1::2] = half, -half
    ST = spot * np.exp((r - q - 0.5 * vol * vol) * T + vol * np.sqrt(T) * z)
    pay = np.zeros(n)
    now = 0.0
    for row in rows:
        K, qty, call = float(row["strike"]), float(row["qty"]), row["type"] == "C"
        pay += qty * (np.maximum(ST - K, 0.0) if call else np.maximum(K - ST, 0.0))
        now += qty * _bs(spot, K, T, r, q, vol, call)
    pnl = pay - now
    return -np.sort(pnl)[int(round(n * (1 - alpha))) - 1]


def _edit(dash_duo, row, col, value):
    cell = dash_duo.find_element(f'#st-legs div[row-index="{row}"] div[col-id="{col}"]')
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    cell.click()
    editor = dash_duo.driver.switch_to.active_element
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(value, Keys.ENTER)


def test_strategies_cell_edit_and_template_change_draw_the_new_legs_numbers(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/strategies")
    dash_duo.wait_for_contains_text(TITLE, "Iron condor", timeout=30)
    dash_duo.wait_for_contains_text("#st-summary", "VaR 99%", timeout=20)
    summary = dash_duo.find_element("#st-summary").text
    assert _money(summary, "VaR 99%") == pytest.approx(_full_revaluation_var(_grid(dash_duo)), abs=0.011)

    for qty in ("-3", "-2"):                      # the second edit reuses the cached draws
        _edit(dash_duo, 1, "qty", qty)
        _wait(lambda: _grid(dash_duo)[1]["qty"] == qty and
              dash_duo.find_element("#st-summary").text != summary, what=f"revalued at qty {qty}")
        time.sleep(0.5)
        summary = dash_duo.find_element("#st-summary").text
        rows = _grid(dash_duo)
        assert _money(summary, "VaR 99%") == pytest.approx(_full_revaluation_var(rows), abs=0.011), (qty, rows)
    dash_duo.wait_for_contains_text(TITLE, "Custom strategy", timeout=10)

    dash_duo.find_element("#st-template").click()
    dash_duo.find_element(".dash-dropdown-search").send_keys("Long straddle")
    dash_duo.wait_for_contains_text(".dash-dropdown-options", "Long straddle", timeout=5)
    dash_duo.find_elements(".dash-dropdown-option")[0].click()
    dash_duo.wait_for_contains_text(TITLE, "Long straddle", timeout=20)
    _wait(lambda: len([r for r in _grid(dash_duo) if r]) == 2, what="two straddle legs")
    time.sleep(0.5)
    rows, summary = _grid(dash_duo), dash_duo.find_element("#st-summary").text
    premium = sum(float(r["price"]) for r in rows)           # a long straddle loses at most its cost
    assert _money(summary, "Max loss") == pytest.approx(premium, abs=0.011)
    assert _money(summary, "VaR 99%") == pytest.approx(_full_revaluation_var(rows), abs=0.011)
    assert _severe(dash_duo) == []


_VIS = "return getComputedStyle(document.querySelector('{}')).visibility"
_Z = ("const gd = document.querySelector('#greeks-graph-3d .js-plotly-plot');"
      "const t = gd && gd._fullData && gd._fullData[0]; if (!t || !t.z) { return null; }"
      "return [Array.from(t.x), Array.from(t.y), Array.from(t.z).map(r => Array.from(r))];")


def _view(dash_duo, value):
    dash_duo.driver.execute_script(
        f"document.querySelector(\"label[for='_dbcprivate_radioitems_greeks-view_input_{value}']\").click()")


def _delta(S, K, T, r=0.04, q=0.015, vol=0.2):
    d1 = (np.log(S / K) + (r - q + 0.5 * vol**2) * T) / (vol * np.sqrt(T))
    return np.exp(-q * T) * norm.cdf(d1)


def test_greeks_switch_shows_the_graph_of_the_current_inputs(dash_duo, parity):
    dash_duo.start_server(parity)
    dash_duo.driver.get(dash_duo.server_url + "/greeks")
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "Delta of Call", timeout=30)
    d = dash_duo.driver
    assert d.execute_script(_VIS.format("#greeks-wrap-2d")) == "visible"
    assert d.execute_script(_VIS.format("#greeks-wrap-3d")) == "hidden"

    _view(dash_duo, "surface")
    dash_duo.wait_for_contains_text("#greeks-graph-3d .gtitle", "vol 20%", timeout=30)
    _wait(lambda: d.execute_script(_VIS.format("#greeks-wrap-3d")) == "visible", what="3D shown")
    assert d.execute_script(_VIS.format("#greeks-wrap-2d")) == "hidden"
    x, days, z = _wait(lambda: d.execute_script(_Z), what="surface data")
    for i, j in [(0, 0), (30, 17), (60, 60)]:
        assert z[i][j] == pytest.approx(_delta(100.0, x[j], days[i] / 365), abs=1e-4)   # desk units: delta

    d.execute_script(_FETCH)
    _view(dash_duo, "heatmap")                   # back: the heatmap already shows these inputs
    _wait(lambda: d.execute_script(_VIS.format("#greeks-wrap-2d")) == "visible", what="heatmap shown")
    time.sleep(1.0)
    sent = d.execute_script("return window.__req.slice()")
    assert all((r["got"] or 0) < 5000 for r in sent), sent          # no figure re-sent
    assert "view=heatmap" in d.current_url

    handle = dash_duo.find_element("#greeks-vol [role=slider]")
    for _ in range(10):                           # 20% -> 25% (step 0.5) on the heatmap
        handle.send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "vol 25%", timeout=20)
    _view(dash_duo, "surface")                    # the surface was drawn at 20%: redrawn first
    end = time.time() + 30
    while time.time() < end:
        shown = d.execute_script(_VIS.format("#greeks-wrap-3d")) == "visible"
        title = d.execute_script("const t = document.querySelector('#greeks-graph-3d .gtitle'); return t ? t.textContent : '';")
        if shown:
            assert "vol 25%" in title, title      # never the stale 20% surface on screen
            break
        time.sleep(0.02)
    else:
        raise AssertionError("3D view never shown")
    x, days, z = _wait(lambda: d.execute_script(_Z), what="surface data")
    assert z[30][17] == pytest.approx(_delta(100.0, x[17], days[30] / 365, vol=0.25), abs=1e-4)
    assert _severe(dash_duo) == []


_TITLE_3D = "const t = document.querySelector('#greeks-graph-3d .gtitle'); return t ? t.textContent : '';"
_SCENE_3D = ("const gd = document.querySelector('#greeks-graph-3d .js-plotly-plot');"
             "return !!(gd && gd._fullLayout && gd._fullLayout.scene && gd._fullLayout.scene._scene);")


def test_greeks_3d_is_drawn_in_the_background_so_the_first_switch_sends_no_figure(dash_duo, parity):
    dash_duo.start_server(parity)
    d = dash_duo.driver
    d.get(dash_duo.server_url + "/greeks")
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "Delta of Call", timeout=30)
    # the page idles on the heatmap: the hidden 3D graph gets its scene and the surface of these inputs
    _wait(lambda: "vol 20%" in d.execute_script(_TITLE_3D) and d.execute_script(_SCENE_3D), timeout=30,
          what="3D surface drawn in the background")
    assert d.execute_script(_VIS.format("#greeks-wrap-3d")) == "hidden"
    x, days, z = _wait(lambda: d.execute_script(_Z), what="surface data")
    for i, j in [(0, 0), (30, 17), (60, 60)]:
        assert z[i][j] == pytest.approx(_delta(100.0, x[j], days[i] / 365), abs=1e-4)

    d.execute_script(_FETCH)
    _view(dash_duo, "surface")                   # the first switch of the visit: a display change
    _wait(lambda: d.execute_script(_VIS.format("#greeks-wrap-3d")) == "visible", what="3D shown")
    assert d.execute_script(_VIS.format("#greeks-wrap-2d")) == "hidden"
    assert "vol 20%" in d.execute_script(_TITLE_3D)
    time.sleep(1.0)
    sent = d.execute_script("return window.__req.slice()")
    assert all((r["got"] or 0) < 5000 for r in sent), sent          # no figure sent for the switch
    assert "view=surface" in d.current_url

    # a background reply arriving while the 3D graph is on screen is never drawn over it
    d.execute_script("window.dash_clientside.set_props('greeks-prefetched', {data: {query: '?vol=99', dark: false,"
                     " figure: {data: [{type: 'surface', z: [[0, 1], [1, 0]]}], layout: {title: {text: 'stale'}}}}});")
    time.sleep(1.0)
    assert "vol 20%" in d.execute_script(_TITLE_3D)

    # back on the heatmap, a new vol: once the page idles the hidden 3D graph follows it
    _view(dash_duo, "heatmap")
    _wait(lambda: d.execute_script(_VIS.format("#greeks-wrap-2d")) == "visible", what="heatmap shown")
    handle = dash_duo.find_element("#greeks-vol [role=slider]")
    for _ in range(10):                           # 20% -> 25% (step 0.5)
        handle.send_keys(Keys.ARROW_RIGHT)
    dash_duo.wait_for_contains_text("#greeks-graph .gtitle", "vol 25%", timeout=20)
    _wait(lambda: "vol 25%" in d.execute_script(_TITLE_3D), timeout=30, what="3D redrawn in the background")
    assert d.execute_script(_VIS.format("#greeks-wrap-3d")) == "hidden"
    x, days, z = _wait(lambda: d.execute_script(_Z), what="surface data")
    assert z[30][17] == pytest.approx(_delta(100.0, x[17], days[30] / 365, vol=0.25), abs=1e-4)
    d.execute_script(_FETCH)
    _view(dash_duo, "surface")
    _wait(lambda: d.execute_script(_VIS.format("#greeks-wrap-3d")) == "visible", what="3D shown")
    time.sleep(1.0)
    assert all((r["got"] or 0) < 5000 for r in d.execute_script("return window.__req.slice()"))
    assert _severe(dash_duo) == []


def test_portfolio_callbacks_send_the_kept_query_not_the_result(dash_duo, parity):
    dash_duo.start_server(parity)
    d = dash_duo.driver
    d.get(dash_duo.server_url + "/portfolio")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe", timeout=40)
    kept = _wait(lambda: d.execute_script(
        "const r = JSON.parse(sessionStorage.getItem('pf-result') || 'null');"
        "const q = JSON.parse(sessionStorage.getItem('pf-result-query') || 'null');"
        "return r && q ? [r.query, q, JSON.stringify(r).length] : null;"), what="kept result and query")
    # the session keeps a reference to the result (the ~90 kB allocation stays on the server)
    assert kept[0] == kept[1] and kept[2] < 1_000, kept[1:]
    summary = dash_duo.find_element("#pf-summary").text
    d.execute_script("document.querySelector('nav a.nav-link[href=\"/greeks\"]').click()")
    dash_duo.wait_for_element("#greeks-graph", timeout=20)
    d.execute_script(_FETCH)
    d.execute_script("document.querySelector('nav a.nav-link[href=\"/portfolio\"]').click()")
    dash_duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe", timeout=40)
    time.sleep(1.5)
    reqs = d.execute_script("return window.__req.slice()")
    first = [r for r in reqs if "pf-result.data" in r["out"] and "pf-auto-run" in r["out"]]
    assert first, reqs                                        # first_load ran on the way back
    assert all(r["sent"] < 15_000 for r in first), first      # without the ~90 kB result
    drawn = [r for r in reqs if "pf-frontier.figure" in r["out"]]
    assert drawn and all(r["sent"] < 5_000 for r in drawn), drawn   # the redraw sends the reference
    assert dash_duo.find_element("#pf-summary").text == summary   # the kept result, not recomputed
    # a notional typed: the book link is rebuilt from the tickers and weights, not the result
    _wait(lambda: "add=" in (dash_duo.find_element("#pf-add-to-book").get_attribute("href") or ""),
          what="the book link")
    d.execute_script(_FETCH)
    box = dash_duo.find_element("#pf-book-notional")
    dash_duo.clear_input(box)
    box.send_keys("2500000")
    _wait(lambda: "$2,500,000" in dash_duo.find_element("#pf-book-note").text,
          what=f"the note for $2.5 M (box {box.get_attribute('value')!r}, note "
               f"{dash_duo.find_element('#pf-book-note').text!r})")
    reqs = d.execute_script("return window.__req.slice()")
    book = [r for r in reqs if "pf-add-to-book.href" in r["out"]]
    assert book, reqs                                         # (one per keystroke)
    print("add_to_book requests sent (characters):", [r["sent"] for r in book])
    assert all(r["sent"] < 5_000 for r in book), book         # was ~87 kB each: the whole result
    assert _severe(dash_duo) == []
