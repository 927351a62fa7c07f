"""Every chart names its data (issue 10): the embedded chain's own label, or the uploaded file's
name. The callbacks are called as Dash calls them; the expected text is built here from
``sample_chain().label`` and the file name, never from the page's helpers."""
from __future__ import annotations

from tests.conftest import one_line

import base64
import html

import pytest

from app import Settings, create_app
from core.data import sample_chain


def _call(fn, prop_id, **kw):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    return fn(**kw)


def _titles(figs) -> list[str]:
    return [one_line(f.layout.title.text) for f in figs]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(data_dir=str(tmp_path_factory.mktemp("src")), warm_numba=False))


@pytest.fixture(scope="module")
def upload():
    """The modelled chain written as a canonical CSV upload (no third-party data)."""
    c = sample_chain()
    q = c.quotes[["expiry", "strike", "type", "bid", "ask"]].assign(quote_date=str(c.quote_date), spot=c.spot)
    q["expiry"] = q["expiry"].astype(str).str[:10]
    body = base64.b64encode(q.to_csv(index=False).encode()).decode()
    return {"contents": "data:text/csv;base64," + body, "filename": "desk <eod>.csv"}


def _label() -> str:
    label = sample_chain().label
    assert label.startswith("modelled chain for ")
    return label[0].upper() + label[1:]


def _shown() -> str:
    """The label as a Plotly title holds it (HTML-escaped: plotly.js shows "&amp;" as "&")."""
    return html.escape(_label())


def test_surface_charts_name_the_modelled_chain_and_an_upload(app, upload):
    from callbacks.surface import load, update

    with app.server.test_request_context():
        out = _call(update, "surface-models.value", key="sample", models=["svi"], beta=0.5, show="svi",
                    expiries=[], dark=False)
        figs = [out[k] for k in ("surface", "term", "smiles", "residual")]
        assert all(f"Data: {_shown()}" in t for t in _titles(figs)), _titles(figs)
        loaded = _call(load, "surface-upload-store.data", upload=upload, _sample=None, linked=None)
        assert loaded["show"] is False and "Uploaded file desk &lt;eod&gt;.csv" not in str(loaded["info"])
        assert "Uploaded file desk <eod>.csv" in str(loaded["info"].to_plotly_json())
        out = _call(update, "surface-models.value", key=loaded["key"], models=["svi"], beta=0.5, show="svi",
                    expiries=[], dark=True)
        titles = _titles([out[k] for k in ("surface", "term", "smiles", "residual")])
        # the file name is shown as text: escaped, so "<eod>" is no markup
        assert all("Data: Uploaded file desk &lt;eod&gt;.csv" in t for t in titles), titles


def test_calibration_charts_and_data_line_name_the_data(app, upload):
    from callbacks.calibration import data_info, model_figures, render, run_models

    with app.server.test_request_context():     # the upload is kept in the app's store
        assert _label() in str(data_info(None, linked=None)["info"].to_plotly_json())
        kept = data_info(upload, linked=None)
    assert "Uploaded file desk <eod>.csv" in str(kept["info"].to_plotly_json())
    assert kept["record"]["name"] == "desk <eod>.csv"
    payload = run_models(sample_chain(), ["merton"])
    out = _call(render, "cal-result.data", payload=payload, show="merton", dark=False, run_ids=None,
                surface_view="heatmap", models=["merton"], weights="iv")
    out.update(model_figures(payload, out["drawn_model"]["model"], out["drawn_model"]["view"], "light"))
    titles = _titles([out[k] for k in ("smiles", "residual", "surface", "corr")])
    assert all(f"Data: {_shown()}" in t for t in titles), titles


def test_strategies_charts_and_data_line_name_the_chain_or_the_flat_inputs():
    from callbacks.strategies import data_label, evaluate, template_rows, update

    assert data_label("spx").startswith(f"Data: {_label()} (listed strikes, mids)")
    assert "flat-vol" in data_label("flat")
    rows, m = template_rows("iron_condor", spot=100, vol=0.2, r=0.03, q=0.01, days=30, width=0.05,
                            source="spx")
    out = _call(update, "st-spot-shift.value", rows=rows, edit=None, dS=0, dvol=0, dfwd=0, vol_mode="legs",
                var_horizon="expiry", underlying="index", multiplier=100, lots=1, dark=False, fresh=False,
                template="iron_condor", source="spx", spot=m["spot"], vol=20, rate=m["r"] * 100,
                div=m["q"] * 100, days=30, width=5, virtual=None)
    titles = _titles([out[k] for k in ("payoff", "heat", "mc")])
    assert all(f"Data: {_shown()}" in t for t in titles), titles


def test_risk_charts_name_the_market_chain():
    from callbacks.risk import default_rows, drill, render, update
    from components.risk_state import BUILDER_FIELDS, LIMIT_FIELDS

    rep = update(default_rows(), "strike", dict(LIMIT_FIELDS), {k: v[2] for k, v in BUILDER_FIELDS.items()},
                 "historical", "expiry")["report"]
    assert rep["market"]["source"].startswith(_label())
    out = _call(render, "risk-report.data", rep=rep, which="historical", bucket="expiry", dark=False)
    titles = _titles([out[k] for k in ("ladder", "scen", "explain", "buckets")])
    assert all(_label() in html.unescape(t) for t in titles), titles
    d = _call(drill, "risk-report.data", click=None, rep=rep, which="historical", dark=False)["fig"]
    assert _label() in html.unescape(one_line(d.layout.title.text))
