"""Opening a shared workspace link ``/w/<id>`` in headless chromium, to a rendered page (target
<= 1.5 s); peer: the same page opened by its own link (``/greeks?...``) in the same run.

A workspace with three pages (Greeks first, as it was last on screen) is saved in a fresh
SQLite store; the app is served by werkzeug (threaded) on a free loopback port; a script
injected before each navigation records the instant the first chart of the page body has drawn
its traces (``.js-plotly-plot`` with data and an SVG/GL layer), and the instant of the page's
last chart draw once every chart with points has drawn and the page is quiet (no callback request
in flight, no loading spinner, for 300 ms; a chart still without points then is a placeholder the
page leaves blank): a page that draws its charts over several round trips is judged by both. Times are from navigation start
(``performance.now()``'s origin): HTML, scripts, layout, the workspace read, the page's
callbacks and the chart drawing. One browser; the first load of each URL is a warm-up (asset
cache, the kernels' first call), then the median of ``repeat`` loads is reported.
"""
from __future__ import annotations

import statistics
import tempfile
import time

from benchmarks import Row

__all__ = ["measure", "rows"]

GREEKS = "?greek=vega&inst=put&view=heatmap&S=105&vol=30&r=3&q=1&xlo=0.6&xhi=1.4&dlo=7&dhi=365"
PAGES = {"/greeks": GREEKS, "/surface": "?models=svi,sabr&beta=0.7&show=sabr",
         "/strategies": "?template=bull_call_spread&source=flat&S=100&vol=25&days=45&width=10"}
_PROBE = r"""
window.__wsReady = null;   // the first chart of the page body has drawn its traces
window.__wsAll = null;     // every chart has: the page's last draw, once it is quiet
(function () {
  var pending = 0, lastNet = 0, lastDraw = 0, drawn = 0;
  var _fetch = window.fetch;
  window.fetch = function (input) {
    var url = (typeof input === 'string') ? input : (input && input.url) || '';
    if (url.indexOf('_dash-update-component') < 0) { return _fetch.apply(this, arguments); }
    pending += 1;
    var done = function () { pending -= 1; lastNet = performance.now(); };
    return _fetch.apply(this, arguments).then(function (r) { done(); return r; },
                                              function (e) { done(); throw e; });
  };
  var LAYER = '.main-svg .overplot .trace, .main-svg .overplot .hm image, .main-svg .overplot path, canvas';
  function isDrawn(g) { return g.data && g.data.length && g.querySelector(LAYER); }
  // a chart with points to draw (a placeholder's empty trace has none)
  function hasPoints(g) {
    return (g.data || []).some(function (t) {
      return ['x', 'y', 'z', 'values', 'lat', 'a'].some(function (k) { return t[k] && t[k].length; });
    });
  }
  (function poll() {
    var now = performance.now();
    var root = document.querySelector(window.location.pathname.indexOf('/w/') === 0 ? '#ws-view-body' : '#_pages_content');
    var gs = root ? Array.from(root.querySelectorAll('.js-plotly-plot')) : [];
    gs.forEach(function (g) {
      if (!g.__wsHooked && g.on) {
        g.__wsHooked = true; g.on('plotly_afterplot', function () { lastDraw = performance.now(); });
      }
    });
    var n = gs.filter(isDrawn).length;
    if (n !== drawn) { drawn = n; lastDraw = now; }
    var first = gs[0];                  // the page's first chart, as the probe always read it
    if (!window.__wsReady && first && isDrawn(first)) { window.__wsReady = now; }
    // all: every shown chart with points has drawn, no callback in flight or spinning, for 300 ms
    // (a chart still without points then is a placeholder the page leaves blank, e.g. a job not run)
    var busy = pending > 0 || gs.some(function (g) { return g.offsetParent !== null && hasPoints(g) && !isDrawn(g); })
      || (root && root.querySelector('._dash-loading, [data-dash-is-loading="true"]'));
    if (window.__wsReady && !busy && now - Math.max(lastNet, lastDraw) > 300) {
      window.__wsAll = Math.max(lastDraw, window.__wsReady); return;
    }
    setTimeout(poll, 5);
  })();
})();
"""


def _open(d, url: str, timeout: float = 30.0) -> tuple[float, float]:
    """(first chart drawn, every chart drawn) of one load, in seconds from navigation start."""
    d.get(url)
    end = time.time() + timeout
    while time.time() < end:
        first, every = d.execute_script("return [window.__wsReady, window.__wsAll]")
        if first and every:
            return first / 1000.0, every / 1000.0
        time.sleep(0.02)
    raise TimeoutError(url)


def measure(repeat: int = 5, pages: dict | None = None, last: str = "/greeks",
            prepare=None) -> dict:
    """``{"link": [s...], "page": [s...], "link_all": [s...], "page_all": [s...], "wid": id}``
    loads of the shared link and the page: the first chart drawn, and (``_all``) every chart.

    ``pages`` ({path: query}, default the three model pages) is saved with ``last`` on screen;
    ``prepare(settings)``, when given, runs first and returns the pages (e.g. after storing the
    registry runs their queries name)."""
    import app as parity
    from benchmarks.browser import _driver, _free_port, _serve
    from components.workspace_state import state_from_snapshot
    from core.data import sample_chain
    from core.store import open_store
    from core.warmup import warm_kernels

    warm_kernels()
    sample_chain()
    with tempfile.TemporaryDirectory(prefix="parity-bench-ws-") as tmp:
        settings = parity.Settings(data_dir=f"{tmp}/var", warm_numba=False)
        app = parity.create_app(settings)
        pages = prepare(settings) if prepare else dict(pages or PAGES)
        state, _, _ = state_from_snapshot({"pages": pages, "last": last}, notes="benchmark")
        wid = open_store(settings.database_url).save_workspace("Benchmark", state).id
        port = _free_port()
        server = _serve(app, port)
        d = _driver(f"{tmp}/profile")
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _PROBE})
        base = f"http://127.0.0.1:{port}"
        try:
            link, page = f"{base}/w/{wid}", f"{base}{last}{pages[last]}"
            _open(d, link), _open(d, page)                     # warm-up
            out = {"link": [], "page": [], "link_all": [], "page_all": [], "wid": wid}
            for _ in range(repeat):
                for key, url in (("link", link), ("page", page)):
                    first, every = _open(d, url)
                    out[key].append(first)
                    out[f"{key}_all"].append(every)
            return out
        finally:
            d.quit()
            server.shutdown()


def _job_pages_3d(settings) -> dict:
    """:func:`_job_pages` with Calibration's model surface switched to its 3D (WebGL) view, as
    the page drew it before the heatmap became the default: the same-run peer of that change."""
    pages = _job_pages(settings)
    pages["/calibration"] = pages["/calibration"].replace("&runs=", "&view=3d&runs=")
    return pages


def _job_pages(settings) -> dict:
    """The background-job pages as a user leaves them: a Heston calibration and a backtest
    stored in the runs registry (computed here, as their jobs do), a Portfolio optimised with a
    non-default objective and constraints (the embedded sample: recomputed on load)."""
    from callbacks import backtest as bt
    from callbacks.calibration import record as record_calibration
    from callbacks.calibration import run_models
    from components.backtest_state import defaults, to_query
    from core.data import sample_chain

    runs = record_calibration(run_models(sample_chain(), ["heston"], weights="iv"), settings.database_url)
    values = defaults()
    if bt.real_path() is None:          # no real sample beside the project: a modelled span
        values.update(source="modelled", start="2017-01-03", end="2017-06-30")
    history = bt.history_for(values["source"], None, values["start"], values["end"], settings.data_dir)
    payload = bt.run_backtest(history, values)
    descriptor = bt.source_descriptor(values["source"], None, values["start"], values["end"])
    payload["descriptor"] = descriptor
    run_id = bt.record(payload, descriptor, settings.database_url)
    return {"/calibration": f"?models=heston&weights=iv&show=heston&runs={runs[0]}",
            "/backtest": to_query(values, run_id),
            "/portfolio": "?obj=black_litterman&wmax=30&caps=Energy%3D10%25&rebal=Q"}


JOB_PAGES = {"/calibration": "its stored Heston run", "/backtest": "its stored run",
             "/portfolio": "Black-Litterman, caps"}


def _rows(m: dict, metric: str, peer_name: str, repeat: int, note: str = "") -> list[Row]:
    """The first-chart row (``metric`` "... to a rendered chart") and the every-chart row of one
    :func:`measure`."""
    out = []
    for suffix, what in (("", "a rendered chart"), ("_all", "every chart drawn")):
        link, page = statistics.median(m["link" + suffix]), statistics.median(m["page" + suffix])
        out.append(Row("report", f"{metric} to {what}", link, page, peer_name, "s",
                       "<= 1.5 s" if not suffix else "-",
                       f"median of {repeat} headless-chromium loads (max {max(m['link' + suffix]):.2f} s); "
                       f"{note}shared 2-core machine"))
    return out


def rows(repeat: int = 5, jobs: bool = True) -> list[Row]:
    """The benchmark table's rows for ``python -m benchmarks report``: the three model pages'
    workspace (Greeks on screen), then (``jobs``) a workspace of the background-job pages opened
    on each of them, and Calibration's with its 3D surface view asked for. Each link has two
    rows: to the first chart drawn, and to every chart drawn."""
    out = _rows(measure(repeat), "open shared workspace link /w/<id>", "the page's own link /greeks?...", repeat)
    for path, what in JOB_PAGES.items() if jobs else ():
        out += _rows(measure(repeat, last=path, prepare=_job_pages),
                     f"open shared link /w/<id> on {path} ({what})", f"the page's own link {path}?...", repeat)
    if jobs:   # the same link with the 3D surface asked for (the WebGL scene's cost, same run)
        heat = out[2]                     # the Calibration heatmap link, first chart
        m = measure(repeat, last="/calibration", prepare=_job_pages_3d)
        for suffix, row in (("", heat), ("_all", out[3])):
            link = statistics.median(m["link" + suffix])
            label = "" if not suffix else ", to every chart drawn"
            out.append(Row("report", f"open shared link /w/<id> on /calibration, 3D surface view (view=3d){label}",
                           link, row.ours, "the heatmap link (row above, same invocation)", "s", "-",
                           f"median of {repeat} headless-chromium loads (max {max(m['link' + suffix]):.2f} s); the 3D "
                           "view is drawn on demand; shared 2-core machine"))
    return out


if __name__ == "__main__":
    for r in rows():
        print(r)
