"""The workspace round trip of the background-job pages in a real browser (DiskcacheManager jobs).

Portfolio optimised with a non-default objective and constraints, and Calibration (its runs
recorded in the registry), each saved from the navbar, then opened from the link ``/w/<id>``
(and Portfolio from its own link): every chart's trace arrays and titles must equal what the page
drew after its job ran. The Portfolio tab then keeps working (other inputs, another optimisation,
another view) and opens the link again: the shared view shows what was saved, not the tab's
newer state. Screenshots light and dark."""
from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from selenium.webdriver.support.ui import Select
from tests.browser.shots import set_dark, shot

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("PARITY_SHOTS", "/tmp/parity-workspace-jobs-shots"))
# every chart under a root: its traces (typed arrays as plain arrays) and the texts a reader sees
FIGS = """
var root = document.querySelector(arguments[0]);
var g = root ? Array.from(root.querySelectorAll('.js-plotly-plot')) : [];
if (!g.length || !g.some(function (x) { return x.data && x.data.length > 0; })) { return null; }
function clean(v) { return JSON.parse(JSON.stringify(v, function (k, x) {
  if (k === 'uid') { return undefined; }
  return (x && ArrayBuffer.isView(x)) ? Array.from(x) : x; })); }
return JSON.stringify(g.filter(function (x) { return x.data && x.data.length; }).map(function (x) {
  var L = x.layout || {}, t = function (o) { return o && (o.text !== undefined ? o.text : o); };
  return {id: (x.closest('[id]') || {}).id, data: clean(x.data), title: t(L.title),
          x: t((L.xaxis || {}).title), y: t((L.yaxis || {}).title)};
}));
"""
ARRAYS = ("x", "y", "z", "values", "labels", "customdata", "text")
# every callback request of the next page loads: the bytes sent and received, by output
REQUESTS = """
window.__req = [];
const _orig = window.fetch;
window.fetch = function (input, init) {
  const url = (typeof input === 'string') ? input : (input && input.url) || '';
  if (url.indexOf('_dash-update-component') < 0) { return _orig.apply(this, arguments); }
  const rec = {out: '', sent: (init && init.body || '').length, got: null};
  try { rec.out = JSON.parse(init.body).output; } catch (e) {}
  window.__req.push(rec);
  return _orig.apply(this, arguments).then(function (resp) {
    return resp.clone().text().then(function (t) { rec.got = t.length; return resp; });
  });
};
"""


def _wait(fn, timeout=60, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        value = fn()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out")


def _settled(duo, root: str, n: int) -> dict:
    """``{graph id: chart}`` under ``root`` once ``n`` charts have traces and stop changing for 1.5 s."""
    last, since = None, time.time()
    end = time.time() + 90
    while time.time() < end:
        now = duo.driver.execute_script(FIGS, root)
        if now is not None and now == last and len(json.loads(now)) >= n:
            if time.time() - since > 1.5:
                return {f["id"]: f for f in json.loads(now)}
        elif now != last:
            last, since = now, time.time()
        time.sleep(0.2)
    raise AssertionError(f"charts under {root} did not settle: {last and len(json.loads(last))}")


def _array(value) -> np.ndarray:
    """A trace array as float64: plotly's typed arrays (``{"dtype", "bdata", "shape"}``) decoded."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        if value.get("shape"):
            arr = arr.reshape([int(s) for s in str(value["shape"]).split(",")])
        return arr.astype(float)
    return np.asarray(value, dtype=float)


def _assert_same(expected: dict, got: dict, where: str) -> int:
    """The same charts, each trace's arrays equal number by number, the same titles."""
    assert sorted(got) == sorted(expected), where
    n = 0
    for gid, fig in expected.items():
        assert len(got[gid]["data"]) == len(fig["data"]), f"{where} {gid}"
        for i, (a, b) in enumerate(zip(fig["data"], got[gid]["data"])):
            assert (a.get("type"), a.get("name")) == (b.get("type"), b.get("name")), f"{where} {gid}[{i}]"
            for key in ARRAYS:
                if key not in a:
                    assert key not in b, f"{where} {gid}[{i}].{key}"
                    continue
                try:
                    va, vb = _array(a[key]), _array(b[key])
                except (TypeError, ValueError):
                    assert b[key] == a[key], f"{where} {gid}[{i}].{key}"
                    continue
                np.testing.assert_array_equal(vb, va, err_msg=f"{where} {gid}[{i}].{key}")
                n += va.size
        texts = [(f.get("title"), f.get("x"), f.get("y")) for f in (fig, got[gid])]
        assert texts[1] == texts[0], f"{where} {gid}"
    return n


def _shot(duo, name):
    shot(duo, SHOTS, name)


def _dark(duo, on: bool):
    set_dark(duo, on, settle=2)


def _type(duo, css, text):
    box = duo.find_element(css)
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    duo.clear_input(box)
    box.send_keys(text + "\n")


def _value(duo, css):
    return duo.driver.execute_script(
        "var e = document.querySelector(arguments[0]); return e ? e.value : null;", css)


#: The walk-forward form the backtest round trip sets (element id suffix -> value as shown).
WF_FORM = {"param1": "dte", "values1": "20, 30", "param2": "", "values2": "", "train": "12",
           "test": "6", "metric": "total_return", "anchored": True}


def _wf_form(duo, root):
    """The walk-forward form under ``root`` as the reader sees it."""
    return duo.driver.execute_script(
        "var r = document.querySelector(arguments[0]), out = {};"
        "if (!r) { return null; }"
        "arguments[1].forEach(function (k) { var e = r.querySelector('#bt-wf-' + k);"
        "  out[k] = !e ? null : (e.type === 'checkbox' ? e.checked : e.value); });"
        "return out;", root, list(WF_FORM))


def _wait_form(duo, root, timeout=20):
    """Wait until the walk-forward form under ``root`` reads :data:`WF_FORM` (else show it)."""
    try:
        _wait(lambda: _wf_form(duo, root) == WF_FORM, timeout=timeout)
    except AssertionError:
        assert _wf_form(duo, root) == WF_FORM, root


def _optimise(duo, label: str):
    """Press Optimise (the background job) and wait for its summary."""
    duo.driver.execute_script("document.getElementById('pf-run').click()")
    _wait(lambda: duo.find_element("#pf-run").get_attribute("disabled") is None
          and label in duo.find_element("#pf-summary").text, timeout=90)


def _save_as(duo, name: str) -> str:
    duo.driver.execute_script("window.scrollTo(0, 0)")
    duo.driver.execute_script("document.querySelector('#ws-menu .dropdown-toggle').click()")
    duo.driver.execute_script("document.getElementById('ws-save-as').click()")
    duo.wait_for_element("#ws-name").send_keys(name)
    duo.driver.execute_script("document.getElementById('ws-confirm').click()")
    duo.wait_for_contains_text("#ws-toast", "Saved", timeout=20)
    return json.loads(duo.driver.execute_script("return localStorage.getItem('ws-current')"))["id"]


def test_portfolio_optimised_round_trips_through_the_link(dash_duo, parity):
    duo = dash_duo
    duo.start_server(parity)
    duo.driver.set_window_size(1400, 1000)
    duo.driver.get(duo.server_url + "/portfolio")
    duo.wait_for_contains_text("#pf-summary", "Maximum Sharpe", timeout=60)
    # a non-default objective and constraints, then the background job
    Select(duo.find_element("#pf-objective")).select_by_value("black_litterman")
    _type(duo, "#pf-wmax", "30")
    _type(duo, "#pf-sector-caps", "Energy=10%, Financials=15%")
    Select(duo.find_element("#pf-rebalance")).select_by_value("Q")
    _optimise(duo, "Black-Litterman")
    _wait(lambda: "obj=black_litterman" in duo.driver.current_url and "Energy" in duo.driver.current_url)
    saved_url = duo.driver.current_url
    normal = _settled(duo, "#_pages_content", 4)
    assert {"pf-frontier", "pf-weights", "pf-backtest", "pf-bl"} <= set(normal)
    summary = duo.find_element("#pf-summary").text
    wid = _save_as(duo, "Portfolio job round trip")

    duo.driver.get(duo.server_url + f"/w/{wid}")
    duo.wait_for_contains_text("#ws-view-head", "Portfolio job round trip", timeout=20)
    linked = _settled(duo, "#ws-view-body", 4)
    n = _assert_same(normal, linked, "/w/<id>")
    assert n > 200
    assert duo.find_element("#ws-view-body #pf-summary").text == summary
    assert duo.driver.current_url.endswith(f"/w/{wid}")
    _shot(duo, "shared-portfolio-light")
    _dark(duo, True)
    _shot(duo, "shared-portfolio-dark")
    _dark(duo, False)

    duo.driver.get(saved_url)                                   # the page's own link
    _assert_same(normal, _settled(duo, "#_pages_content", 4), "page link")

    # the tab keeps working: a field left at its default changes, another objective, new views
    Select(duo.find_element("#pf-risk-method")).select_by_value("sample")
    _type(duo, "#pf-cost", "40")
    duo.driver.execute_script("document.querySelector('#pf-add-view').click()")
    Select(duo.find_element("#pf-objective")).select_by_value("hrp")
    _optimise(duo, "Hierarchical")
    duo.driver.get(duo.server_url + f"/w/{wid}")
    duo.wait_for_contains_text("#ws-view-head", "Portfolio job round trip", timeout=20)
    again = _settled(duo, "#ws-view-body", 4)
    # (before the fix the tab's own edits were laid over the saved inputs: it drew the HRP result)
    assert "Hierarchical" not in duo.find_element("#ws-view-body #pf-summary").text
    _assert_same(normal, again, "/w/<id> after the tab moved on")
    assert duo.find_element("#ws-view-body #pf-summary").text == summary
    errors = [e for e in duo.driver.get_log("browser") if e["level"] == "SEVERE"
              and "favicon" not in e["message"]]
    assert errors == [], errors


def test_calibration_job_round_trips_through_the_link(dash_duo, parity):
    """Calibrate (the background job; the runs go to the registry), save, open the link: the
    stored runs draw the same smiles, residuals, correlation and 3D surface arrays."""
    duo = dash_duo
    duo.start_server(parity)
    duo.driver.set_window_size(1400, 1000)
    duo.driver.get(duo.server_url + "/calibration?models=heston&weights=vega&show=heston")
    duo.wait_for_contains_text("#cal-data-info", "OTM quotes", timeout=30)
    duo.driver.execute_script("document.getElementById('cal-run').click()")
    duo.wait_for_contains_text("#cal-saved", "Saved 1 run", timeout=120)
    _wait(lambda: "runs=" in duo.driver.current_url)
    saved_query = "?" + duo.driver.current_url.split("?", 1)[1]
    normal = _settled(duo, "#_pages_content", 4)
    assert {"cal-smiles", "cal-residuals", "cal-corr", "cal-surface"} <= set(normal)
    params = duo.find_element("#cal-params").text
    assert "Heston" in params and "95%" in duo.find_element("#_pages_content").text
    wid = _save_as(duo, "Calibration job round trip")

    # issue 16 §5: the stored runs' arrays (~320 kB) stay on the server: no request of the
    # link carries them up, and the result comes down as a few kB
    hook = duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": REQUESTS})
    duo.driver.get(duo.server_url + f"/w/{wid}")
    duo.wait_for_contains_text("#ws-view-head", "Calibration job round trip", timeout=20)
    duo.wait_for_contains_text("#ws-view-body #cal-saved", "Loaded 1 run", timeout=30)
    linked = _settled(duo, "#ws-view-body", 4)
    assert _assert_same(normal, linked, "/w/<id> calibration") > 1000
    reqs = duo.driver.execute_script("return window.__req")
    duo.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", hook)
    result = [r for r in reqs if "cal-result.data" in r["out"]]
    drawn = [r for r in reqs if "cal-smiles.figure" in r["out"] and (r["got"] or 0) > 50_000]
    assert result and drawn, [r["out"][:60] for r in reqs]
    assert all(r["got"] < 20_000 for r in result), [(r["sent"], r["got"]) for r in result]
    assert max(r["sent"] for r in reqs) < 20_000, sorted((r["sent"], r["out"][:60]) for r in reqs)[-3:]
    assert duo.find_element("#ws-view-body #cal-params").text == params
    assert normal["cal-surface"]["data"][0]["type"] == "heatmap"      # 3D only when asked for
    _shot(duo, "shared-calibration-light")
    _dark(duo, True)
    _shot(duo, "shared-calibration-dark")
    _dark(duo, False)

    # the 3D surface on demand: drawn, in the address, and round-tripped through a new link
    duo.driver.get(duo.driver.current_url.split("/w/")[0] + "/calibration" + saved_query)
    _settled(duo, "#_pages_content", 4)
    duo.driver.execute_script(
        "Array.from(document.querySelectorAll('#cal-surface-view label'))"
        ".find(function (l) { return l.textContent === '3D surface'; }).click()")
    _wait(lambda: "view=3d" in duo.driver.current_url)
    _wait(lambda: duo.driver.execute_script("return !!document.querySelector('#cal-surface canvas')"))
    solid = _settled(duo, "#_pages_content", 4)
    assert solid["cal-surface"]["data"][0]["type"] == "surface"
    _shot(duo, "calibration-3d-light")
    wid3 = _save_as(duo, "Calibration 3D round trip")
    duo.driver.get(duo.server_url + f"/w/{wid3}")
    duo.wait_for_contains_text("#ws-view-head", "Calibration 3D round trip", timeout=20)
    duo.wait_for_contains_text("#ws-view-body #cal-saved", "Loaded 1 run", timeout=30)
    assert _assert_same(solid, _settled(duo, "#ws-view-body", 4), "/w/<id> calibration 3D") > 1000
    errors = [e for e in duo.driver.get_log("browser") if e["level"] == "SEVERE"
              and "favicon" not in e["message"]]
    assert errors == [], errors


def test_backtest_run_and_walk_forward_round_trip_through_the_link(dash_duo, parity):
    """Run backtest and walk-forward (two background jobs, both recorded), save, open the link:
    equity, histogram, the replayed trade's payoff and attribution, and the three walk-forward
    charts, number by number; the metrics and the walk-forward summary as text."""
    from tests.conftest import shared_file

    shared_file("spxw_2018-01_02.csv")
    duo = dash_duo
    duo.start_server(parity)
    duo.driver.set_window_size(1400, 1000)
    duo.driver.get(duo.server_url + "/backtest?source=real&entry=weekly&delta=20&width=25&pt=40")
    duo.wait_for_contains_text("#bt-data-info", "40 quote dates", timeout=30)
    duo.driver.execute_script("document.getElementById('bt-run').click()")
    duo.wait_for_contains_text("#bt-saved", "Saved to the", timeout=120)
    duo.wait_for_contains_text("#bt-payoff .gtitle", "day", timeout=30)        # a trade replayed
    # a walk-forward form away from its defaults (one parameter, other windows, metric, anchored)
    Select(duo.find_element("#bt-wf-param1")).select_by_value("dte")
    _wait(lambda: _value(duo, "#bt-wf-values1") == "20, 30, 45")              # that parameter's defaults
    _type(duo, "#bt-wf-values1", "20, 30")
    Select(duo.find_element("#bt-wf-param2")).select_by_index(1)   # "(none)" (0: the hidden placeholder)
    _type(duo, "#bt-wf-train", "12")
    _type(duo, "#bt-wf-test", "6")
    Select(duo.find_element("#bt-wf-metric")).select_by_value("total_return")
    duo.driver.execute_script("document.getElementById('bt-wf-anchored').click()")
    _wait_form(duo, "#_pages_content")
    duo.driver.execute_script("document.getElementById('bt-wf-run').click()")
    duo.wait_for_contains_text("#bt-wf-saved", "Walk-forward saved to the", timeout=180)
    _wait(lambda: "wf=" in duo.driver.current_url and "run=" in duo.driver.current_url)
    page_link = duo.driver.current_url
    normal = _settled(duo, "#_pages_content", 7)
    texts = {c: duo.find_element(f"#_pages_content {c}").text for c in ("#bt-metrics", "#bt-wf-summary")}
    wid = _save_as(duo, "Backtest job round trip")

    duo.driver.get(duo.server_url + f"/w/{wid}")
    duo.wait_for_contains_text("#ws-view-head", "Backtest job round trip", timeout=20)
    duo.wait_for_contains_text("#ws-view-body #bt-wf-saved", "loaded from the", timeout=30)
    linked = _settled(duo, "#ws-view-body", 7)
    assert _assert_same(normal, linked, "/w/<id> backtest") > 200
    for css, text in texts.items():
        assert duo.find_element(f"#ws-view-body {css}").text == text, css
    # the walk-forward form is the run's, not its defaults: in the view, on the page's link,
    # after F5, and on the runs page's bare ?wf=<id> (which names no rule: the run's come back)
    _wait_form(duo, "#ws-view-body")
    duo.driver.get(page_link)
    duo.wait_for_contains_text("#bt-wf-saved", "loaded from the", timeout=30)
    _wait_form(duo, "#_pages_content")
    duo.driver.refresh()
    duo.wait_for_contains_text("#bt-wf-saved", "loaded from the", timeout=30)
    _wait_form(duo, "#_pages_content")
    wf_id = page_link.split("wf=")[1].split("&")[0]
    duo.driver.get(duo.server_url + f"/backtest?wf={wf_id}")
    duo.wait_for_contains_text("#bt-wf-saved", "loaded from the", timeout=30)
    _wait_form(duo, "#_pages_content")
    shown = duo.driver.execute_script("var e = document.getElementById('bt-wf-param2');"
                                      "return e.options[e.selectedIndex].text;")
    assert shown == "(none)"                                # not a blank box
    rules = {k: _value(duo, f"#bt-{k}") for k in ("entry", "delta", "width", "target")}
    assert rules == {"entry": "weekly", "delta": "20", "width": "25", "target": "40"}, rules
    _wait(lambda: "entry=weekly" in duo.driver.current_url)                    # and into the link
    # the defaults still follow a parameter picked by hand
    Select(duo.find_element("#bt-wf-param1")).select_by_value("width")
    _wait(lambda: _value(duo, "#bt-wf-values1") == "25, 50")
    duo.driver.set_window_size(1400, 2600)                                   # the whole page
    time.sleep(1)
    _shot(duo, "backtest-wf-form-light")
    _dark(duo, True)
    _shot(duo, "backtest-wf-form-dark")
    _dark(duo, False)
    duo.driver.set_window_size(1400, 1000)
    errors = [e for e in duo.driver.get_log("browser") if e["level"] == "SEVERE"
              and "favicon" not in e["message"]]
    assert errors == [], errors
