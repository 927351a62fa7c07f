"""The workspace round trip of the background-job pages: Calibration, Backtest and Portfolio.

Each test opens a page in a simulated tab (:class:`tests.callbacks.dash_tab.Tab`: the pages
router, the page's callbacks over Dash's HTTP protocol, background jobs run to their end in the
app's real DiskcacheManager job processes), runs the page's job as a user does (Calibrate, Run
backtest, Run walk-forward, Optimise with a non-default objective and constraints), then saves a
workspace holding the page's address (its URL query, what ``assets/workspace.js`` records) and
session stores, as the navbar's Save does.

The independent truth is what the page drew after its job ran. The shared link ``/w/<id>`` (the
workspace view: the pages router, the view callback, then the saved page's own callbacks) and the
page's own link (its saved address opened in a fresh tab) must draw the same figures: every
trace's arrays compared numerically, titles and axis titles, and the page's tables.
"""
from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl, urlencode

import numpy as np
import pytest

from app import Settings, create_app
from components.ids import Backtest as bt
from components.ids import BacktestMore as btm
from components.ids import Calibration as cal
from components.ids import CalibrationSurface
from components.ids import Portfolio as pf
from components.ids import PortfolioDesk as pfd
from components.ids import Uploads
from components.layout import shell
from tests.callbacks.dash_tab import Tab
from tests.conftest import shared_file

_ARRAYS = ("x", "y", "z", "text", "customdata", "values", "labels", "r", "theta", "lat", "lon",
           "open", "high", "low", "close", "base", "width")


@pytest.fixture
def desk(tmp_path):
    app = create_app(Settings(data_dir=str(tmp_path / "var"), warm_numba=False))
    with app.server.app_context():
        tree = shell()
    return app, app.server.test_client(), tree


# ---------------------------------------------------------------------------------------------
# helpers: the address a page writes, the workspace save, the comparison
# ---------------------------------------------------------------------------------------------
def address(path: str, state: str, **kept) -> str:
    """The page's address as the browser shows it: ``path`` + the page's state query (written by
    ``REPLACE_URL_QUERY``) with the upload keys ``url_upload`` put there (``kept``)."""
    params = dict(parse_qsl(state.lstrip("?"), keep_blank_values=True))
    for name, value in kept.items():
        if value and name not in params:
            params[name] = value
    return f"{path}?{urlencode(params)}"


def save_workspace(app, pages: dict[str, str], session: dict | None = None) -> str:
    """Save ``pages`` ({path: address}) as the navbar's Save as… does; returns the link's id."""
    from callbacks.workspace import save

    snapshot = {"mode": "new", "last": next(iter(pages)),
                "pages": {p: "?" + a.partition("?")[2] for p, a in pages.items()},
                "session": dict(session or {}), "report_items": [], "report_meta": {}}
    with app.server.test_request_context("/"):
        out = save(snapshot, None, "Jobs round trip", "", "")
    assert out["toast_open"] and "Saved" in out["toast"], out
    return out["current"]["id"]


def _numeric(value):
    """A trace array as numpy: plotly's typed arrays (``{"dtype", "bdata", "shape"}``, base64)
    decoded, numeric lists as float64 (None -> NaN), anything else as objects."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            arr = arr.reshape([int(s) for s in str(shape).split(",")])
        return arr.astype(float)
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return np.asarray(value, dtype=object)


def trace_arrays(fig: dict) -> list[dict]:
    """Per trace: its type, name and every data array (numeric ones as float64)."""
    out = []
    for tr in fig["data"]:
        row = {"type": tr.get("type"), "name": tr.get("name")}
        for key in _ARRAYS:
            if key in tr and (isinstance(tr[key], (list, tuple)) or
                              (isinstance(tr[key], dict) and "bdata" in tr[key])):
                row[key] = _numeric(tr[key])
        out.append(row)
    return out


def _texts(fig: dict) -> tuple:
    lay = fig.get("layout") or {}

    def t(o):
        return (o or {}).get("text") if isinstance(o, dict) else o
    return (t(lay.get("title")), t((lay.get("xaxis") or {}).get("title")),
            t((lay.get("yaxis") or {}).get("title")))


def assert_same_figures(expected: dict, got: dict, where: str) -> int:
    """Every figure of ``expected`` ({graph id: figure}) is drawn the same in ``got``: the same
    traces (type, name), each data array equal element by element (NaN where NaN), the same
    title and axis titles. Returns the number of numbers compared."""
    assert expected, f"{where}: the reference drew no figure"
    assert sorted(got) == sorted(expected), where
    n = 0
    for gid, fig in expected.items():
        a, b = trace_arrays(fig), trace_arrays(got[gid])
        assert len(a) == len(b), f"{where} {gid}: {len(a)} traces drawn, {len(b)} from the link"
        for i, (ta, tb) in enumerate(zip(a, b)):
            assert ta.keys() == tb.keys(), f"{where} {gid} trace {i}"
            for key in ta:
                if isinstance(ta[key], np.ndarray):
                    if ta[key].dtype == float:
                        np.testing.assert_array_equal(tb[key], ta[key], err_msg=f"{where} {gid}[{i}].{key}")
                        n += ta[key].size
                    else:
                        assert tb[key].tolist() == ta[key].tolist(), f"{where} {gid}[{i}].{key}"
                else:
                    assert tb[key] == ta[key], f"{where} {gid}[{i}].{key}"
        assert _texts(got[gid]) == _texts(fig), f"{where} {gid}: titles"
    return n


def _table(value) -> str:
    return json.dumps(value, sort_keys=True)


def _upload(path) -> dict:
    data = path.read_bytes()
    return {"contents": "data:text/csv;base64," + base64.b64encode(data).decode(),
            "filename": path.name}


# clientside stand-ins (the JavaScript in callbacks/browser_js.py and callbacks/portfolio.py)
def _guard(upload_store: str, info: str, upload: str):
    """``upload_guard``: the file goes on to the page's store when under the limit (it is)."""
    def fn(values):
        contents = values.get(f"{upload}.contents")
        if not contents:
            return {f"{upload_store}.data": None, f"{info}.children": ""}
        return {f"{upload_store}.data": {"contents": contents, "filename": values.get(f"{upload}.filename")},
                f"{info}.children": ""}
    return fn


def _url_upload(record: str, link: str):
    """``url_upload``: the record's key becomes the link store's value (and ``data=`` in the address)."""
    def fn(values):
        rec = values.get(f"{record}.data")
        return {f"{link}.data": rec.get("key") if isinstance(rec, dict) else None}
    return fn


def _views_ready(values):
    """The Portfolio views' session copy in a fresh tab: nothing kept, the grid's rows stand."""
    return {f"{pfd.VIEWS_KEPT}.data": values.get(f"{pf.VIEWS}.rowData") or [],
            f"{pfd.VIEWS_READY}.data": True}


# ---------------------------------------------------------------------------------------------
# Calibration: runs recorded by the job, reopened from the registry
# ---------------------------------------------------------------------------------------------
CAL_JS = {"cal-upload-store.data": _guard(cal.UPLOAD_STORE, cal.UPLOAD_INFO, cal.UPLOAD),
          Uploads.CALIBRATION_LINK + ".data": _url_upload(Uploads.CALIBRATION, Uploads.CALIBRATION_LINK)}
CAL_TABLES = (f"{cal.PARAMS}.children",)


def _cal_view(tab) -> tuple[dict, list]:
    return tab.figures(), [_table(tab.get(*k.rsplit(".", 1))) for k in CAL_TABLES]


def test_calibration_job_round_trips_through_the_link(desk):
    app, client, tree = desk
    page = Tab(client, "/calibration?models=heston,vg&weights=vega&show=vg", tree, clientside=CAL_JS)
    assert page.figures() == {}                                  # nothing drawn before the job
    page.click(cal.RUN)                                          # the background job
    assert "Saved 2 run" in json.dumps(page.get(cal.SAVED, "children"))
    runs = page.get(cal.RUN_IDS, "data")
    assert len(runs) == 2
    state = page.get(cal.STATE, "data")
    assert f"runs={','.join(runs)}" in state and "weights=vega" in state and "show=vg" in state
    figs, tables = _cal_view(page)
    assert set(figs) == {cal.SMILES_GRAPH, cal.RESIDUAL_GRAPH, cal.SURFACE_GRAPH, cal.CORR_GRAPH}
    assert "Variance Gamma" in json.dumps(figs[cal.SURFACE_GRAPH]["layout"]["title"])
    here = address("/calibration", state)
    wid = save_workspace(app, {"/calibration": here})

    shared = Tab(client, f"/w/{wid}", tree, clientside=CAL_JS)
    n = assert_same_figures(figs, shared.figures(), "/w/<id> calibration")
    assert _cal_view(shared)[1] == tables
    assert "Loaded 2 run" in json.dumps(shared.get(cal.SAVED, "children"))
    assert n > 1000
    linked = Tab(client, here, tree, clientside=CAL_JS)
    assert_same_figures(figs, linked.figures(), "page link calibration")
    assert _cal_view(linked)[1] == tables
    # not vacuous: the other model's run draws another surface
    other = Tab(client, address("/calibration", state.replace("show=vg", "show=heston")), tree,
                clientside=CAL_JS)
    assert other.figures()[cal.SURFACE_GRAPH]["data"] != figs[cal.SURFACE_GRAPH]["data"]
    # the surface is a heatmap until the user asks for the 3D one (a WebGL scene: the slow part of
    # a load); the 3D view is then in the address and round-trips through a link like the rest
    assert figs[cal.SURFACE_GRAPH]["data"][0]["type"] == "heatmap"
    page.set(CalibrationSurface.VIEW, "value", "3d")
    solid = page.figures()
    assert solid[cal.SURFACE_GRAPH]["data"][0]["type"] == "surface"
    assert "view=3d" in page.get(cal.STATE, "data")
    wid3 = save_workspace(app, {"/calibration": address("/calibration", page.get(cal.STATE, "data"))})
    assert assert_same_figures(solid, Tab(client, f"/w/{wid3}", tree, clientside=CAL_JS).figures(),
                               "/w/<id> calibration 3D") > 1000


def test_calibration_run_chosen_from_the_registry_round_trips(desk):
    from callbacks.runs import _open_link
    from core.store import shared_store

    app, client, tree = desk
    page = Tab(client, "/calibration?models=heston,vg&weights=iv&show=heston", tree, clientside=CAL_JS)
    page.click(cal.RUN)
    job_figs = page.figures()
    store = shared_store(app.server.config["PARITY_SETTINGS"].database_url)
    run = next(r for r in store.list_runs() if r.model == "heston")
    link = _open_link(run)                                       # the registry's Open link
    chosen = Tab(client, link[link.index("(") + 1:-1], tree, clientside=CAL_JS)
    figs = chosen.figures()
    # the registry's run draws what the job drew for that model (the stored result, not a refit)
    for gid in (cal.SURFACE_GRAPH, cal.CORR_GRAPH):
        assert_same_figures({gid: job_figs[gid]}, {gid: figs[gid]}, "registry run vs job")
    wid = save_workspace(app, {"/calibration": address("/calibration", chosen.get(cal.STATE, "data"))})
    shared = Tab(client, f"/w/{wid}", tree, clientside=CAL_JS)
    assert_same_figures(figs, shared.figures(), "/w/<id> registry run")
    assert _cal_view(shared)[1] == _cal_view(chosen)[1]


def test_calibration_of_an_uploaded_chain_round_trips(desk):
    """A workspace keeps the upload by its key; the stored runs were fitted to it, so the link
    rebuilds them on that chain (not the embedded one)."""
    app, client, tree = desk
    page = Tab(client, "/calibration?models=heston&weights=vega&show=heston", tree, clientside=CAL_JS)
    page.set(cal.UPLOAD, "filename", "spx_2011-01-24.csv")
    page.set(cal.UPLOAD, "contents", _upload(shared_file("spx_2011-01-24.csv"))["contents"])
    key = page.get(Uploads.CALIBRATION_LINK, "data")
    assert key and len(key) == 64
    assert "spx_2011-01-24.csv" in json.dumps(page.get(cal.DATA_INFO, "children"))
    page.click(cal.RUN)
    figs, tables = _cal_view(page)
    assert "spx_2011-01-24.csv" in json.dumps(figs[cal.SMILES_GRAPH]["layout"])   # the data named
    here = address("/calibration", page.get(cal.STATE, "data"), data=key)
    wid = save_workspace(app, {"/calibration": here})
    shared = Tab(client, f"/w/{wid}", tree, clientside=CAL_JS)
    assert shared.get(cal.ALERT, "is_open") in (None, False), shared.get(cal.ALERT, "children")
    assert_same_figures(figs, shared.figures(), "/w/<id> uploaded calibration")
    assert _cal_view(shared)[1] == tables
    linked = Tab(client, here, tree, clientside=CAL_JS)
    assert_same_figures(figs, linked.figures(), "page link uploaded calibration")


# ---------------------------------------------------------------------------------------------
# Backtest: the run and the walk-forward, both from the registry
# ---------------------------------------------------------------------------------------------
BT_TABLES = (f"{bt.METRICS}.children", f"{bt.TRADES}.rowData", f"{bt.GREEKS}.children",
             f"{bt.TRADE_PICK}.options", f"{bt.TRADE_PICK}.value", f"{bt.DAY}.value",
             f"{bt.DAY}.max", f"{bt.WF_SUMMARY}.children")
BT_JS = {Uploads.BACKTEST_LINK + ".data": _url_upload(Uploads.BACKTEST, Uploads.BACKTEST_LINK)}
#: A non-default rule on the real SPXW sample: weekly entries, 20-delta shorts, 25-point wings.
BT_PAGE = "/backtest?source=real&entry=weekly&delta=20&width=25&pt=40&maxpos=3"


def _bt_view(tab) -> tuple[dict, dict]:
    return tab.figures(), {k: _table(tab.get(*k.rsplit(".", 1))) for k in BT_TABLES}


def test_backtest_run_and_walk_forward_round_trip_through_the_link(desk):
    shared_file("spxw_2018-01_02.csv")
    app, client, tree = desk
    page = Tab(client, BT_PAGE, tree, clientside=BT_JS)
    page.click(bt.RUN)                                           # the backtest job
    assert page.get(bt.RUN_ID, "data"), page.get(bt.ALERT, "children")
    trades = page.get(bt.TRADES, "rowData")
    assert trades and page.get(bt.TRADE_PICK, "value") is not None   # a trade is replayed
    page.set(bt.WF_VALUES1, "value", "0.12, 0.2")
    page.set(bt.WF_VALUES2, "value", "25, 50")
    page.set(bt.WF_TRAIN, "value", 12)
    page.set(bt.WF_TEST, "value", 6)
    page.set(bt.WF_METRIC, "value", "total_return")
    page.click(bt.WF_RUN)                                        # the walk-forward job
    assert page.get(btm.WF_RUN_ID, "data"), page.get(bt.WF_ALERT, "children")
    state = page.get(bt.STATE, "data")
    assert f"run={page.get(bt.RUN_ID, 'data')}" in state and f"wf={page.get(btm.WF_RUN_ID, 'data')}" in state
    assert "entry=weekly" in state and "delta=20" in state
    figs, tables = _bt_view(page)
    assert set(figs) == {bt.EQUITY_GRAPH, bt.HIST_GRAPH, bt.PAYOFF_GRAPH, bt.ATTR_GRAPH,
                         bt.WF_EQUITY_GRAPH, bt.WF_HEAT_GRAPH, bt.WF_PBO_GRAPH}
    assert "4 grid points" in tables[f"{bt.WF_SUMMARY}.children"]
    here = address("/backtest", state)
    wid = save_workspace(app, {"/backtest": here})
    from core.store import shared_store
    kept = shared_store(app.server.config["PARITY_SETTINGS"].database_url).open_workspace(wid)
    assert kept.state["runs"] == [page.get(bt.RUN_ID, "data"), page.get(btm.WF_RUN_ID, "data")]

    shared = Tab(client, f"/w/{wid}", tree, clientside=BT_JS)
    n = assert_same_figures(figs, shared.figures(), "/w/<id> backtest")
    got = _bt_view(shared)[1]
    for key in BT_TABLES:
        assert got[key] == tables[key], key
    assert n > 200
    linked = Tab(client, here, tree, clientside=BT_JS)
    assert_same_figures(figs, linked.figures(), "page link backtest")
    assert _bt_view(linked)[1] == tables
    # not vacuous: the default rule on the same data draws another equity curve
    default = Tab(client, "/backtest", tree, clientside=BT_JS)
    default.click(bt.RUN)
    assert trace_arrays(default.figures()[bt.EQUITY_GRAPH])[0]["y"].tolist() != \
        trace_arrays(figs[bt.EQUITY_GRAPH])[0]["y"].tolist()


def test_backtest_replay_round_trips_when_the_history_cache_is_gone(desk, tmp_path):
    """The stored run names the Parquet file its history was cached in; a link opened after
    that cache was cleared (a restart with a new data folder, another host) replays the same
    trade from the run's data descriptor. A modelled span: nothing else on the page rebuilds it
    (the data card only describes it)."""
    import shutil

    app, client, tree = desk
    page = Tab(client, "/backtest?source=modelled&start=2017-01-03&end=2017-04-28&entry=weekly",
               tree, clientside=BT_JS)
    page.click(bt.RUN)
    figs, tables = _bt_view(page)
    assert {bt.PAYOFF_GRAPH, bt.ATTR_GRAPH} <= set(figs)
    wid = save_workspace(app, {"/backtest": address("/backtest", page.get(bt.STATE, "data"))})
    cache = tmp_path / "var" / "histories"
    assert any(cache.iterdir())
    shutil.rmtree(cache)
    shared = Tab(client, f"/w/{wid}", tree, clientside=BT_JS)
    assert "Replay unavailable" not in json.dumps(shared.get(bt.PAYOFF_GRAPH, "figure"))
    assert_same_figures(figs, shared.figures(), "/w/<id> backtest, cache cleared")
    assert _bt_view(shared)[1] == tables


def test_a_backtest_link_draws_the_run_and_its_replayed_trade_in_two_round_trips(desk):
    """Issue 16 §5: a link's stored run is read and drawn in one response (it was load_run, then
    render), and the replay of the largest trade comes with its exit day's figures in the next
    (it was pick_trade, then render_day). The drawn trade is the one with the largest |P/L|,
    shown on its exit day, as before."""
    from callbacks.backtest import day_figures, kept_replay, replay_payload

    app, client, tree = desk
    page = Tab(client, "/backtest?source=modelled&start=2017-01-03&end=2017-04-28&entry=weekly",
               tree, clientside=BT_JS)
    page.click(bt.RUN)
    figs, tables = _bt_view(page)
    here = address("/backtest", page.get(bt.STATE, "data"))
    for url in (f"/w/{save_workspace(app, {'/backtest': here})}", here):
        tab = Tab(client, url, tree, clientside=BT_JS)
        draws = [c for i, c in enumerate(tab.calls) if i not in tab.unchanged and (
            f"{bt.EQUITY_GRAPH}.figure" in c or f"{bt.RESULT}.data" in c
            or f"{bt.REPLAY}.data" in c or f"{bt.PAYOFF_GRAPH}.figure" in c)]
        assert len(draws) == 2, draws
        assert f"{bt.RESULT}.data" in draws[0] and f"{bt.EQUITY_GRAPH}.figure" in draws[0]
        assert f"{bt.REPLAY}.data" in draws[1] and f"{bt.PAYOFF_GRAPH}.figure" in draws[1]
        assert_same_figures(figs, tab.figures(), url)
        assert _bt_view(tab)[1] == tables
        trades = tab.get(bt.RESULT, "data")["trades"]
        assert tab.get(bt.TRADE_PICK, "value") == max(trades, key=lambda t: abs(t["pnl"]))["id"]
        with app.server.app_context():
            replay = kept_replay(tab.get(bt.REPLAY, "data"))      # kept on the server
        assert tab.get(bt.DAY, "value") == tab.get(bt.DAY, "max") == len(replay["dates"]) - 1
        # a day step redraws the kept replay: the figures of a replay recomputed from the result
        tab.set(bt.DAY, "value", 2)
        pick = tab.get(bt.TRADE_PICK, "value")
        with app.server.app_context():
            again = replay_payload(tab.get(bt.RESULT, "data"), pick)
        assert again["dates"] == replay["dates"]
        want = day_figures(again, 2, "light")
        assert_same_figures({bt.PAYOFF_GRAPH: want["payoff"].to_plotly_json(), bt.ATTR_GRAPH: want["attr"].to_plotly_json()},
                            {k: v for k, v in tab.figures().items() if k in (bt.PAYOFF_GRAPH, bt.ATTR_GRAPH)}, "day 2")


def test_a_day_step_after_the_server_lost_the_replay_replays_the_trade_again(desk):
    """Replays are kept an hour in the server cache. A day step after that (a page left open
    through a meeting) replays the same trade again and draws the day asked for, where it used to
    say "Replay unavailable: ... pick the trade again"."""
    from callbacks.backtest import _replay_key, day_figures, replay_payload
    from callbacks.cache import cache, cache_context

    app, client, tree = desk
    tab = Tab(client, "/backtest?source=modelled&start=2017-01-03&end=2017-04-28&entry=weekly",
              tree, clientside=BT_JS)
    tab.click(bt.RUN)
    pick, token = tab.get(bt.TRADE_PICK, "value"), tab.get(bt.REPLAY, "data")["token"]
    with app.server.app_context(), cache_context():
        assert cache.get(_replay_key(token)) is not None
        cache.delete(_replay_key(token))
    tab.set(bt.DAY, "value", 2)
    assert "Replay unavailable" not in json.dumps(tab.get(bt.PAYOFF_GRAPH, "figure"))
    assert tab.get(bt.DAY, "value") == 2
    assert tab.get(bt.REPLAY, "data")["token"] != token          # kept again, under a new key
    with app.server.app_context():
        want = day_figures(replay_payload(tab.get(bt.RESULT, "data"), pick), 2, "light")
    assert_same_figures({bt.PAYOFF_GRAPH: want["payoff"].to_plotly_json(), bt.ATTR_GRAPH: want["attr"].to_plotly_json()},
                        {k: v for k, v in tab.figures().items() if k in (bt.PAYOFF_GRAPH, bt.ATTR_GRAPH)}, "day 2")
    tab.set(bt.DAY, "value", 3)                                  # and the next step uses the new one
    with app.server.app_context():
        want = day_figures(replay_payload(tab.get(bt.RESULT, "data"), pick), 3, "light")
    assert_same_figures({bt.PAYOFF_GRAPH: want["payoff"].to_plotly_json()},
                        {k: v for k, v in tab.figures().items() if k == bt.PAYOFF_GRAPH}, "day 3")


# ---------------------------------------------------------------------------------------------
# Portfolio: optimised with a non-default objective and constraints
# ---------------------------------------------------------------------------------------------
PF_JS = {f"{pfd.VIEWS_READY}.data": _views_ready,
         f"{Uploads.PORTFOLIO_PRICES_FILE}.data": _guard(Uploads.PORTFOLIO_PRICES_FILE,
                                                         Uploads.PORTFOLIO_PRICES_GUARD, pf.UPLOAD_PRICES),
         f"{Uploads.PORTFOLIO_PRICES_LINK}.data": _url_upload(Uploads.PORTFOLIO_PRICES,
                                                              Uploads.PORTFOLIO_PRICES_LINK)}
PF_TABLES = (f"{pf.SUMMARY}.children",)
PF_FIGS = {pf.FRONTIER_GRAPH, pf.WEIGHTS_GRAPH, pf.BACKTEST_GRAPH, pf.BL_GRAPH}


def _pf_view(tab) -> tuple[dict, list]:
    return tab.figures(), [_table(tab.get(*k.rsplit(".", 1))) for k in PF_TABLES]


def _pf_edit(tab, **values) -> None:
    names = {"obj": pf.OBJECTIVE, "wmax": pf.WMAX, "caps": pf.SECTOR_CAPS, "rebal": pf.REBALANCE,
             "cost": pf.COST, "risk": pf.RISK_METHOD, "turnover": pf.TURNOVER, "rf": pf.RF}
    for name, value in values.items():
        tab.set(names[name], "value", value)


def test_portfolio_optimised_round_trips_through_the_link(desk):
    app, client, tree = desk
    page = Tab(client, "/portfolio", tree, clientside=PF_JS)
    default_figs = page.figures()
    assert PF_FIGS - {pf.BL_GRAPH} <= set(default_figs)          # the default, computed on load
    _pf_edit(page, obj="black_litterman", wmax=30, caps="Energy=10%, Financials=15%", rebal="Q",
             cost=5, risk="sample")
    rows = page.get(pf.VIEWS, "rowData")
    page.set(pf.VIEWS, "rowData", rows + [{"asset": "MSFT", "vs": "KO", "view": 4.0, "confidence": 70.0}])
    page.click(pf.RUN)                                           # the background job
    assert not page.get(pf.ALERT, "is_open"), page.get(pf.ALERT, "children")
    state = page.get(pf.STATE, "data")
    assert "obj=black_litterman" in state and "MSFT-KO" in state.replace("%3A", ":").replace("%3B", ";")
    figs, tables = _pf_view(page)
    assert PF_FIGS <= set(figs)                                  # Black-Litterman draws its views too
    assert trace_arrays(figs[pf.WEIGHTS_GRAPH]) != [] and \
        figs[pf.WEIGHTS_GRAPH]["data"] != default_figs[pf.WEIGHTS_GRAPH]["data"]   # not the default
    here = address("/portfolio", state)
    wid = save_workspace(app, {"/portfolio": here},
                         session={pf.DATA_KEY: page.get(pf.DATA_KEY, "data")})

    shared = Tab(client, f"/w/{wid}", tree, clientside=PF_JS)
    n = assert_same_figures(figs, shared.figures(), "/w/<id> portfolio")
    assert _pf_view(shared)[1] == tables
    assert n > 200
    linked = Tab(client, here, tree, clientside=PF_JS)
    assert_same_figures(figs, linked.figures(), "page link portfolio")
    assert _pf_view(linked)[1] == tables


def test_portfolio_on_uploaded_prices_round_trips_through_its_background_job(desk):
    """Uploaded prices: the link's first load hands the optimisation to the background job
    (``auto``), which must draw what the user's Optimise drew."""
    app, client, tree = desk
    page = Tab(client, "/portfolio", tree, clientside=PF_JS)
    page.set(pf.UPLOAD_PRICES, "filename", "stock_prices.csv")
    page.set(pf.UPLOAD_PRICES, "contents", _upload(shared_file("stock_prices.csv"))["contents"])
    key = page.get(Uploads.PORTFOLIO_PRICES_LINK, "data")
    assert key and "AMZN" in page.get(pf.UNIVERSE, "value")
    _pf_edit(page, obj="min_variance", wmax=20, turnover=60)
    page.click(pf.RUN)
    assert not page.get(pf.ALERT, "is_open"), page.get(pf.ALERT, "children")
    figs, tables = _pf_view(page)
    assert PF_FIGS - {pf.BL_GRAPH} <= set(figs)
    assert "stock_prices.csv" in json.dumps(figs[pf.WEIGHTS_GRAPH]["layout"])
    here = address("/portfolio", page.get(pf.STATE, "data"), data=key)
    wid = save_workspace(app, {"/portfolio": here}, session={pf.DATA_KEY: page.get(pf.DATA_KEY, "data")})

    shared = Tab(client, f"/w/{wid}", tree, clientside=PF_JS)
    assert any(c.startswith("..pf-result.data...") for c in shared.calls)    # the job ran
    assert_same_figures(figs, shared.figures(), "/w/<id> portfolio upload")
    assert _pf_view(shared)[1] == tables


def test_the_shared_view_neither_persists_nor_reads_the_tabs_storage(desk):
    """The page a link draws holds exactly the saved inputs: no Dash persistence (the tab's own
    edits would be laid over them) and no session/local stores (the tab's Portfolio result,
    data and views would be read, and the link's written into the tab)."""
    import dash
    from dash import dcc

    from callbacks.workspace import open_shared, page_body

    app, _client, _tree = desk
    query = "?obj=hrp&wmax=30&views=AAPL%3A12%3A60"
    wid = save_workspace(app, {"/portfolio": "/portfolio" + query})
    page = next(p for p in dash.page_registry.values() if p["path"] == "/portfolio")

    def kept(tree):
        nodes = [tree, *tree._traverse()]
        return ([n.id for n in nodes if getattr(n, "persistence", None)],
                [n.id for n in nodes if isinstance(n, dcc.Store) and getattr(n, "storage_type", "memory") != "memory"])

    persisted, stored = kept(page["layout"](obj="hrp", wmax="30"))
    assert pf.OBJECTIVE in persisted and pf.RESULT in stored and pf.DATA_KEY in stored   # the page's own
    with app.server.test_request_context(f"/w/{wid}"):
        body = page_body(open_shared(wid)["doc"], "/portfolio")
    assert kept(body) == ([], [])
    values = {n.id: getattr(n, "value", None) for n in body._traverse() if getattr(n, "id", None)}
    assert values[pf.OBJECTIVE] == "hrp" and values[pf.WMAX] == 30.0
