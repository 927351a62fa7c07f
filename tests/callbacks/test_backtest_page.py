"""Backtest lab logic called directly: data picker, rule form, payloads, figures, the runs
registry round trip (real SQLite file) and the URL state codec."""
from __future__ import annotations

import base64

import pytest

from callbacks import backtest as cb
from callbacks import backtest_walkforward as wfcb
from components import backtest_figures as figs
from components.backtest_state import defaults, from_query, named_keys, parse_values, rules_kwargs, to_query
from core.errors import DataError, ParityError
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    shared_file("spxw_2018-01_02.csv")
    return cb.history_for("real", None, None, None, str(tmp_path_factory.mktemp("var")))


@pytest.fixture(scope="module")
def payload(history):
    return cb.run_backtest(history, from_query({}))


def test_real_source_is_labelled(history):
    assert history.source == "real" and len(history) == 40
    assert "real SPXW end-of-day quotes, 2 Jan – 28 Feb 2018, historicaloptiondata sample" in history.label


def test_missing_upload_and_real_file(monkeypatch, tmp_path):
    with pytest.raises(DataError, match="no file uploaded"):
        cb.history_for("upload", None, None, None)
    monkeypatch.setenv("PARITY_SHARED_DATA", str(tmp_path))
    with pytest.raises(DataError, match="not in ../shared/data"):
        cb.history_for("real", None, None, None)


def test_upload_of_one_date_says_so(tmp_path):
    text = shared_file("spxw_2018-01_02.csv").read_text(encoding="utf-8-sig").splitlines()
    one = "\n".join([text[0]] + [l for l in text[1:] if ",01/02/2018," in l])
    url = "data:text/csv;base64," + base64.b64encode(one.encode()).decode()
    with pytest.raises(DataError, match="one quote date"):
        cb.history_for("upload", {"contents": [url], "filenames": ["one.csv"]}, None, None, str(tmp_path))


def test_payload_and_figures(payload):
    assert payload["source"] == "real" and payload["trades"]
    eq = figs.equity_figure(payload)
    assert "Equity and drawdown vs buy-and-hold" in eq.layout.title.text
    assert "real data" in eq.layout.title.text                     # the source on the chart
    assert eq.layout.yaxis.title.text == "Equity ($)"
    assert eq.layout.yaxis3.title.text == "Margin ($)"           # the daily margin, drawn
    margin = [t for t in eq.data if t.name == "margin requirement (CBOE, daily)"][0]
    assert max(margin.y) == pytest.approx(payload["metrics"]["max_margin"])
    h = figs.pnl_histogram(payload)
    assert h.layout.xaxis.title.text == "P&L per trade ($)"
    text = str(figs.metrics_table(payload).to_plotly_json())
    assert "Same trades at mid" in text and "Buy and hold" in text
    assert "Max margin (CBOE, daily)" in text


def test_replay_payload_figures(payload):
    rp = cb.replay_payload(payload, payload["trades"][0]["id"])
    fig = figs.payoff_figure(rp, 3)
    assert "day 4 of" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "Underlying level (index points)"
    att = figs.attribution_figure(rp, 3)
    assert [b.name for b in att.data] == ["that day", "since entry"]


def test_registry_round_trip(payload, tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    run_id = cb.record(payload, {"source": "real"}, url)
    back = cb.restore(run_id, url)
    assert back["restored"] and back["trades"] == payload["trades"]
    from core.store import open_store
    run = open_store(url).get_run(run_id)
    assert run.kind == "backtest" and run.model == "iron_condor"
    assert run.metrics["sharpe"] == pytest.approx(payload["metrics"]["sharpe"])
    with pytest.raises(ParityError):
        cb.restore("0" * 32, url)


def test_sweep_payload(history):
    wf = cb.run_sweep(history, from_query({}), cb.grid_from_form("delta", "0.1, 0.2", "width", "25, 50"),
                      15, 8, False, "sharpe")
    assert len(wf["configs"]) == 4 and len(wf["chosen"]) == 3
    assert "Probability of backtest overfitting" in figs.pbo_figure(wf).layout.title.text
    assert figs.stability_figure(wf).layout.yaxis.title.text == "Window"
    with pytest.raises(DataError, match="not a number"):
        cb.grid_from_form("delta", "0.1, abc", "", "")


def test_url_state_round_trip():
    s = defaults() | {"source": "modelled", "start": "2015-01-02", "delta": 20, "sl": 200, "pt": None}
    q = to_query(s, "abc")
    from urllib.parse import parse_qsl
    back = from_query(dict(parse_qsl(q[1:], keep_blank_values=True)))
    assert back["source"] == "modelled" and back["delta"] == 20 and back["sl"] == 200 and back["pt"] is None
    kw = rules_kwargs(back)
    assert kw["delta"] == pytest.approx(0.20) and kw["stop_loss"] == pytest.approx(2.0)
    assert kw["profit_target"] is None and kw["fill_fraction"] == pytest.approx(0.66)
    assert parse_values("20, 30", "dte") == [20, 30]


def test_bad_rule_from_the_form(history):
    with pytest.raises(DataError, match="capital must be > 0"):
        cb.run_backtest(history, from_query({"cap": "0"}))


def test_job_settings_outside_the_app_match_app_settings(monkeypatch, tmp_path):
    """A Celery worker has no Flask app: the job reads the same data_dir/redis_url as app.Settings."""
    from app import Settings
    from callbacks.backtest import _job_settings

    for env in ({"PARITY_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6399"},
                {"PARITY_DATA_DIR": "", "REDIS_URL": ""}):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        want = Settings.from_env()
        got = _job_settings()
        assert (got.data_dir, got.redis_url) == (want.data_dir, want.redis_url)


def test_walk_forward_registry_round_trip(history, tmp_path):
    """A sweep is filed in the runs registry (kind walkforward) with its whole result; the
    page's ?wf=<id> brings it back, and the runs page links there."""
    import json

    from callbacks.runs import _open_link
    from core.store import open_store

    grid = cb.grid_from_form("delta", "0.1, 0.2", "width", "25, 50")
    wf = cb.run_sweep(history, from_query({}), grid, 15, 8, False, "sharpe")
    wf["descriptor"] = cb.source_descriptor("real", None, None, None)
    wf = json.loads(json.dumps(wf))                       # as the dcc.Store carries it
    url = f"sqlite:///{tmp_path / 'p.db'}"
    run_id = cb.record_sweep(wf, url)
    run = open_store(url).get_run(run_id)
    assert run.kind == "walkforward" and run.model == "iron_condor"
    assert run.params["grid"] == {"delta": [0.1, 0.2], "width": [25.0, 50.0]}
    assert run.metrics["dsr"] == pytest.approx(wf["dsr"]) and run.metrics["n_configs"] == 4
    assert run.metrics["oos_sharpe"] == pytest.approx(wf["oos_metrics"]["sharpe"])
    assert run.settings["train"] == 15 and run.settings["source"] == "real"
    back = cb.restore_sweep(run_id, url)
    assert back["restored"] and back["run_id"] == run_id
    for k in ("configs", "windows", "chosen", "in_sample", "oos_equity", "pbo", "label", "capital"):
        assert back[k] == wf[k]
    # the restored payload draws like a fresh one
    assert figs.stability_figure(back).layout.yaxis.title.text == "Window"
    assert "wf=" + run_id in to_query(defaults(), None, run_id)
    assert _open_link(run) == f"[Open](/backtest?wf={run_id})"
    with pytest.raises(ParityError, match="not a stored walk-forward"):
        cb.restore_sweep(cb.record(cb.run_backtest(history, from_query({})), {"source": "real"}, url),
                         url)


def test_calendar_from_the_form(history):
    kw = rules_kwargs(from_query({"strategy": "calendar_spread", "far": "57", "dte": "29"}))
    assert kw["far_dte"] == 57 and kw["strategy"] == "calendar_spread"
    opts = cb.strategy_options.__wrapped__("x")["options"] if hasattr(cb.strategy_options, "__wrapped__") \
        else cb.strategy_options("x")["options"]
    values = [o["value"] for o in opts]
    assert "calendar_spread" in values and "diagonal_spread" in values


def test_walk_forward_link_brings_back_its_form(history, tmp_path, monkeypatch):
    """A ``wf=<id>`` link fills the walk-forward form with the run's grid, windows, metric and
    anchoring, and the rules and data its query does not name with the run's; a parameter
    picked afterwards still gets its default values."""
    import json

    from components.ids import Backtest as ids
    from components.ids import BacktestMore as more

    typed = {"entry": "weekly", "delta": "20", "width": "25", "pt": "40"}   # the form the user set
    grid = cb.grid_from_form("dte", "20, 30", "", "")
    wf = cb.run_sweep(history, from_query(typed), grid, 12, 6, True, "total_return")
    wf["descriptor"] = cb.source_descriptor("real", None, None, None)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    run_id = cb.record_sweep(json.loads(json.dumps(wf)), url)
    monkeypatch.setenv("DATABASE_URL", url)

    bare = wfcb.load_sweep(run_id, [])                     # the runs page's /backtest?wf=<id>
    assert bare["result"]["run_id"] == run_id
    out = wfcb.wf_form_update(more.WF_FORM, bare["form"], None, None)
    assert (out["p1"], out["v1"], out["p2"], out["v2"]) == ("dte", "20, 30", "", "")
    assert (out["train"], out["test"], out["metric"], out["anchored"]) == (12, 6, "total_return", True)
    assert out["source"] == "real"
    want = from_query(typed)                              # every rule field as the form showed it
    assert {k: out["rules"][k] for k in want if k in out["rules"]} == \
        {k: want[k] for k in want if k in out["rules"]}
    assert out["rules"]["delta"] == 20 and out["rules"]["pt"] == 40 and out["rules"]["sl"] is None

    # the page's own link names its rules: those stay as the link says
    named = wfcb.load_sweep(run_id, ["source", "delta", "entry"])["form"]
    assert "delta" not in named["rules"] and "entry" not in named["rules"] and named["data"] == {}
    assert named["rules"]["width"] == 25

    # a parameter picked by hand: its defaults, nothing else touched
    picked = wfcb.wf_form_update(ids.WF_PARAM1, None, "width", None)
    assert picked["v1"] == "25, 50" and picked["p1"] is cb.no_update and picked["train"] is cb.no_update
    assert wfcb.wf_form_update(ids.WF_PARAM2, None, None, "")["v2"] == ""


def test_the_walk_forward_form_is_in_the_url_and_a_links_edits_win_over_its_run(history, tmp_path, monkeypatch):
    """The walk-forward form as on screen is written to the URL (``wf_train=`` ...), so an edit
    made after a run survives F5 and travels in a copied link; with ``wf=<id>`` the fields the
    link names keep the link's value and only the others take the run's. Hand-typed nonsense
    falls back to the defaults."""
    import json
    from urllib.parse import parse_qsl

    from components.backtest_state import wf_defaults, wf_from_query, wf_query_items
    from components.ids import BacktestMore as more

    edited = {"p1": "dte", "v1": "20, 30", "p2": "", "v2": "", "train": 20, "test": 6,
              "metric": "calmar", "anchored": True}
    q = to_query(defaults() | wf_query_items(edited), None, "abc")
    assert wf_from_query(dict(parse_qsl(q[1:], keep_blank_values=True))) == edited
    assert wf_from_query({}) == wf_defaults()
    bad = wf_from_query({"wf_p1": "nope", "wf_train": "1", "wf_test": "x", "wf_metric": "luck"})
    assert {k: bad[k] for k in ("p1", "train", "test", "metric")} == \
        {k: wf_defaults()[k] for k in ("p1", "train", "test", "metric")}

    grid = cb.grid_from_form("dte", "20, 30", "", "")
    wf = cb.run_sweep(history, from_query({}), grid, 12, 6, True, "total_return")
    wf["descriptor"] = cb.source_descriptor("real", None, None, None)
    url = f"sqlite:///{tmp_path / 'p.db'}"
    run_id = cb.record_sweep(json.loads(json.dumps(wf)), url)
    monkeypatch.setenv("DATABASE_URL", url)
    # the reloaded link: the run's form written back, then train edited to 20
    query = dict(parse_qsl(to_query(defaults() | wf_query_items(edited | {"train": 20}), None, run_id)[1:],
                           keep_blank_values=True))
    form = wfcb.load_sweep(run_id, named_keys(query))["form"]
    out = wfcb.wf_form_update(more.WF_FORM, form, None, None)
    assert out["train"] is cb.no_update and out["metric"] is cb.no_update   # the link's 20 and calmar stay
    assert wf_from_query(query)["train"] == 20
    # a bare wf=<id> (the runs page) takes the whole form from the run
    out = wfcb.wf_form_update(more.WF_FORM, wfcb.load_sweep(run_id, [])["form"], None, None)
    assert (out["train"], out["test"], out["metric"], out["anchored"]) == (12, 6, "total_return", True)

def test_sweeps_use_the_process_store(history, tmp_path, monkeypatch):
    """Filing and reopening walk-forwards opens the store once per process (``shared_store``,
    as the backtests and every other request handler), not once per call: ``open_store`` checks
    and migrates the schema each time (about 30 ms against PostgreSQL)."""
    import json

    import core.store
    import core.store.factory as factory

    opened = []
    real_open = factory.open_store

    def counting(url, **kw):
        opened.append(url)
        return real_open(url, **kw)

    monkeypatch.setattr(factory, "open_store", counting)
    monkeypatch.setattr(core.store, "open_store", counting)
    wf = cb.run_sweep(history, from_query({}), cb.grid_from_form("delta", "0.1, 0.2", "", ""), 15, 8,
                      False, "sharpe")
    wf["descriptor"] = cb.source_descriptor("real", None, None, None)
    url = f"sqlite:///{tmp_path / 'once.db'}"
    run_id = cb.record_sweep(json.loads(json.dumps(wf)), url)
    assert cb.restore_sweep(run_id, url)["run_id"] == run_id
    assert cb.restore_sweep(run_id, url)["run_id"] == run_id
    bt = cb.record(cb.run_backtest(history, from_query({})), {"source": "real"}, url)
    assert cb.restore(bt, url)["run_id"] == bt
    assert opened == [url]


def test_a_trade_held_to_expiry_shows_no_greeks_on_its_settlement_day(payload, tmp_path):
    """On the expiry the options are settled in cash: the replay said Delta 0.0, Gamma 0.000,
    Vega 0, Theta 0 as if the position were flat; it now says it is settled, and a day before
    expiry still shows the Greeks."""
    import json

    held = [t for t in payload["trades"] if t["exit_reason"] == "expiry"]
    assert held, "expected a trade of the default rule held to its expiry on the real sample"
    rp = cb.replay_payload(payload, held[0]["id"], str(tmp_path))
    last = len(rp["dates"]) - 1
    assert str(rp["dates"][last])[:10] >= str(rp["trade"]["expiry"])[:10]
    settled = json.dumps(figs.greeks_table(rp, last).to_plotly_json(), default=str)
    assert "settled in cash" in settled and "Delta" not in settled
    before = json.dumps(figs.greeks_table(rp, 0).to_plotly_json(), default=str)
    assert "Delta ($/pt)" in before and "settled" not in before
