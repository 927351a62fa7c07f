"""Issue 11 §6: the Surface and Calibration callbacks called as Dash calls them (the functions
the registry hands to the app), through every error branch and the export callback.

Each branch is reached with a real cause where one exists (an unreadable upload, a key that is
not in the cache, a chain too small for any smile, a missing run id, no models) and with a
patched core call only for the "anything else" branches (an unexpected exception must become a
readable alert and a log line, never a traceback in the browser). Exported content is checked
against an independent computation (the core fit of the same chain, a JSON round trip)."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import logging
import re

import numpy as np
import pandas as pd
import pytest
from dash import no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app import Settings, create_app
from callbacks.uploads import GONE
from components.ids import Calibration as cal_ids
from components.ids import Surface as srf_ids
from core.data import sample_chain
from core.errors import ParityError


@contextlib.contextmanager
def triggered(prop_id: str):
    """Dash's callback context as if ``prop_id`` had fired."""
    token = context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": 1}]))
    try:
        yield
    finally:
        context_value.reset(token)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(data_dir=str(tmp_path_factory.mktemp("var")), warm_numba=False))


@pytest.fixture()
def ctx(app):
    with app.server.test_request_context():
        yield app


def _upload(frame: pd.DataFrame, name: str = "chain.csv") -> dict:
    body = base64.b64encode(frame.to_csv(index=False).encode()).decode()
    return {"contents": "data:text/csv;base64," + body, "filename": name}


GARBAGE = {"contents": "data:text/csv;base64," + base64.b64encode(b"\x00\x01not,a\nchain").decode(),
           "filename": "broken.csv"}


def _tiny_frame() -> pd.DataFrame:
    """One expiry with three strikes: loads, but too few quotes for any smile fit."""
    return pd.DataFrame({"expiry": ["2024-03-15"] * 6, "strike": [95, 100, 105] * 2,
                         "type": ["C"] * 3 + ["P"] * 3, "bid": [6.0, 2.9, 1.0, 0.9, 2.7, 5.9],
                         "ask": [6.2, 3.1, 1.1, 1.0, 2.9, 6.1], "quote_date": ["2024-02-15"] * 6,
                         "spot": [100.0] * 6})


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=str) if hasattr(component, "to_plotly_json") \
        else str(component)


# ============================================================================================
# Surface: load
# ============================================================================================
def test_surface_load_unreadable_upload_is_an_alert_and_keeps_the_last_chain(ctx):
    from callbacks.surface import load

    with triggered(f"{srf_ids.UPLOAD_STORE}.data"):
        out = load(upload=GARBAGE, _sample=None, linked=None)
    assert out["show"] is True and "broken.csv" in out["alert"]
    assert "Traceback" not in out["alert"]
    for k in ("key", "record", "info", "report", "options", "expiries"):
        assert out[k] is no_update, k


def test_surface_load_sample_and_upload(ctx):
    from callbacks.surface import load

    with triggered(f"{srf_ids.SAMPLE}.n_clicks"):
        out = load(upload=None, _sample=1, linked=None)
    assert out["key"] == "sample" and out["show"] is False and out["record"] is None
    assert out["options"] and set(out["expiries"]) <= set(out["options"])
    frame = _tiny_frame()
    with triggered(f"{srf_ids.UPLOAD_STORE}.data"):
        up = load(upload=_upload(frame, "tiny.csv"), _sample=None, linked=None)
    assert up["show"] is False and up["key"] != "sample" and len(up["options"]) == 1
    # the upload is kept by the SHA-256 of its bytes, and the chain key is that record's key
    raw = frame.to_csv(index=False).encode()
    assert up["record"]["key"] == up["key"] == hashlib.sha256(raw).hexdigest()
    assert up["record"]["name"] == "tiny.csv" and up["record"]["size"] == len(raw)


# ============================================================================================
# Surface: update
# ============================================================================================
def test_surface_update_without_a_key_changes_nothing(ctx):
    from callbacks.surface import update

    with triggered(f"{srf_ids.MODELS}.value"):
        out = update(key=None, models=["svi"], beta=0.5, show="svi", expiries=[], dark=False)
    assert all(v is no_update for v in out.values())


def test_surface_update_error_branches(ctx):
    from callbacks.surface import load, update

    with triggered(f"{srf_ids.MODELS}.value"):
        none = update(key="sample", models=[], beta=0.5, show="svi", expiries=[], dark=False)
        assert none["show"] is True and none["alert"] == "Choose at least one model."
        assert none["surface"] is no_update
        # a key in neither the cache nor the store (a chain is rebuilt from the store when only
        # the cache lost it): the page says the upload is gone, and draws nothing
        gone = update(key="0" * 64, models=["svi"], beta=0.5, show="svi", expiries=[], dark=False)
        assert gone["show"] is True and gone["alert"] == GONE
        assert gone["surface"] is no_update
    with triggered(f"{srf_ids.UPLOAD_STORE}.data"):
        key = load(upload=_upload(_tiny_frame(), "tiny.csv"), _sample=None, linked=None)["key"]
    with triggered(f"{srf_ids.MODELS}.value"):
        failed = update(key=key, models=["svi", "sabr"], beta=0.5, show="svi", expiries=[],
                        dark=False)
    assert failed["show"] is True and failed["alert"].startswith("No model could be fitted: ")
    assert "SVI" in failed["alert"] and "SABR" in failed["alert"]
    assert failed["surface"] is no_update and "failed" in _text(failed["compare"]).lower()


def test_surface_update_unexpected_error_is_logged_not_shown(ctx, monkeypatch, caplog):
    import callbacks.surface as page

    def boom(*a, **k):
        raise RuntimeError("internal detail that must not reach the browser")

    monkeypatch.setattr(page, "compare_fits", boom)
    with triggered(f"{srf_ids.MODELS}.value"), caplog.at_level(logging.ERROR):
        out = page.update(key="sample", models=["svi"], beta=0.5, show="svi", expiries=[], dark=False)
    assert out["show"] is True and out["alert"] == ("Something went wrong fitting this chain; the "
                                                    "error was logged.")
    assert "internal detail" not in json.dumps(out["alert"])
    assert any("surface page failed" in r.message for r in caplog.records)


def test_surface_update_names_a_failed_model_beside_the_fitted_ones(ctx, monkeypatch):
    import callbacks.surface as page

    real = page.fit_models

    def sabr_fails(chain, models, beta):
        fits, errors = real(chain, [m for m in models if m != "sabr"], beta)
        return fits, {**errors, "sabr": "no expiry straddles the forward"}

    monkeypatch.setattr(page, "fit_models", sabr_fails)
    page.cache.clear()
    with triggered(f"{srf_ids.MODELS}.value"):
        out = page.update(key="sample", models=["svi", "sabr"], beta=0.5, show="sabr", expiries=[],
                          dark=False)
    assert out["show"] is True and out["alert"] == "SABR failed: no expiry straddles the forward"
    assert out["drawn"] == "svi"                 # the radio moves to what is drawn
    assert [o["disabled"] for o in out["drawn_options"] if o["value"] == "sabr"] == [True]
    page.cache.clear()


# ============================================================================================
# Surface: export
# ============================================================================================
def _export(prop, **kw):
    from callbacks.surface import export

    args = dict(_csv=None, _json=None, _html=None, key="sample", models=["svi"], beta=0.5,
                show="svi", expiries=[])
    args.update(kw)
    with triggered(f"{prop}.n_clicks"):
        return export(**args)


def test_surface_export_csv_holds_the_fitted_parameters(ctx):
    from core.surface import fit_svi

    out = _export(srf_ids.EXPORT_CSV)
    assert out["filename"] == "parity-surface-params.csv" and out["type"] == "text/csv"
    lines = out["content"].splitlines()
    head = [ln for ln in lines if ln.startswith("#")]
    assert any("surface fit parameters" in ln for ln in head)
    table = pd.read_csv(io.StringIO("\n".join(ln for ln in lines if not ln.startswith("#"))))
    ref = fit_svi(sample_chain()).params           # the core fit of the same chain
    assert list(table["model"].unique()) == ["svi"] and len(table) == len(ref)
    np.testing.assert_allclose(table["b"].to_numpy(), ref["b"].to_numpy(), rtol=1e-9)


def test_surface_export_json_round_trips_to_the_fits(ctx):
    from core.surface import SurfaceFit, fit_svi

    out = _export(srf_ids.EXPORT_JSON, models=["svi", "sabr"])
    assert out["type"] == "application/json"
    payload = json.loads(out["content"])
    assert set(payload) == {"svi", "sabr"}
    back = SurfaceFit.from_dict(payload["svi"])
    ref = fit_svi(sample_chain())
    T = float(ref.params["T"].iloc[2])
    np.testing.assert_allclose(back.implied_vol([90.0, 100.0, 110.0], T),
                               ref.implied_vol([90.0, 100.0, 110.0], T), rtol=1e-9)


def test_surface_export_html_is_standalone_with_the_four_charts(ctx):
    out = _export(srf_ids.EXPORT_HTML)
    assert out["type"] == "text/html" and out["filename"] == "parity-surface.html"
    text = out["content"]
    assert len(re.findall(r"Plotly\.newPlot", text)) == 4
    assert not re.search(r"<script[^>]+src=.https?:", text)      # plotly.js inlined, no CDN
    assert "Data: " in text                                       # the data source line


def test_surface_export_without_fits_or_with_an_expired_chain_downloads_nothing(ctx):
    assert _export(srf_ids.EXPORT_CSV, models=[]) is no_update
    assert _export(srf_ids.EXPORT_CSV, key="f" * 40) is no_update


# ============================================================================================
# Calibration
# ============================================================================================
def test_calibration_data_info_unreadable_upload_is_an_alert(ctx):
    from callbacks.calibration import data_info

    out = data_info(GARBAGE, linked=None)
    assert out["record"] is no_update             # the last good upload's record stays
    js = out["info"].to_plotly_json()
    assert js["type"] == "Alert" and js["props"]["id"] == cal_ids.DATA_ERROR
    assert "broken.csv" in _text(out["info"]) and "Traceback" not in _text(out["info"])


def test_calibration_run_error_branches(ctx, monkeypatch, caplog):
    import callbacks.calibration as page

    seen = []
    out = page.run(seen.append, 1, None, [], "iv", [], None)
    assert out == dict(result=no_update, alert="Choose at least one model.", show=True)
    out = page.run(seen.append, 1, GARBAGE, ["merton"], "iv", [], None)
    assert out["result"] is no_update and out["show"] is True
    assert out["alert"].startswith("Calibration failed: ") and "last good result is kept" in out["alert"]
    assert seen[-1] == (0, "")                   # the progress bar is reset

    def boom(*a, **k):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(page, "run_models", boom)
    with caplog.at_level(logging.ERROR):
        out = page.run(seen.append, 1, None, ["merton"], "iv", [], None)
    assert out["alert"] == "Something went wrong calibrating; the error was logged."
    assert any("calibration job failed" in r.message for r in caplog.records)


def test_calibration_run_reports_a_failed_model_and_keeps_the_rest(ctx, monkeypatch):
    import callbacks.calibration as page

    real = page.calibrate

    def heston_fails(chain, model, **kw):
        if model == "heston":
            raise ParityError("the optimiser left the parameter box")
        return real(chain, model, **kw)

    monkeypatch.setattr(page, "calibrate", heston_fails)
    seen = []
    out = page.run(seen.append, 1, None, ["merton", "heston"], "iv", [], None)
    assert set(out["result"]["results"]) == {"merton"} and out["result"]["data_id"] == "sample"
    assert out["show"] is True and "Heston: the optimiser left the parameter box" in out["alert"]
    assert seen[-1] == (100, "done")
    with pytest.raises(ParityError, match="no model could be calibrated"):
        page.run_models(sample_chain(), ["heston"])


def test_calibration_load_runs_branches(ctx):
    from callbacks.calibration import load_runs

    assert load_runs([], None) == dict(result=no_update, alert=no_update, show=no_update)
    out = load_runs(["does-not-exist"], None)
    assert out["result"] is no_update and out["show"] is True
    assert out["alert"].startswith("Could not load the runs in this link: ")


def test_calibration_save_runs_branches(ctx, monkeypatch, caplog):
    import callbacks.calibration as page

    assert page.save_runs(None) == dict(saved=no_update, run_ids=no_update)
    restored = page.save_runs({"restored": True, "run_ids": ["a", "b"]})
    assert restored["run_ids"] == ["a", "b"] and "Loaded 2 run(s)" in _text(restored["saved"])

    def full(payload, url):
        raise ParityError("the disk is full")

    monkeypatch.setattr(page, "record", full)
    out = page.save_runs({"results": {}, "token": "t" * 32})
    assert out["run_ids"] is no_update and "could not be saved to the registry: the disk is full" \
        in _text(out["saved"])

    def boom(payload, url):
        raise OSError("errno 5")

    monkeypatch.setattr(page, "record", boom)
    with caplog.at_level(logging.ERROR):
        out = page.save_runs({"results": {}, "token": "t" * 32})
    assert "the error was logged" in _text(out["saved"]) and "errno" not in _text(out["saved"])


def test_calibration_save_then_load_runs_round_trip(ctx):
    import callbacks.calibration as page

    payload = page.run_models(sample_chain(), ["merton"])
    saved = page.save_runs(payload)
    assert isinstance(saved["run_ids"], list) and len(saved["run_ids"]) == 1
    back = page.load_runs(saved["run_ids"], None)
    assert back["show"] is False and back["result"]["restored"] is True
    r0 = payload["results"]["merton"]["params"]
    r1 = back["result"]["results"]["merton"]["params"]
    assert r0 == pytest.approx(r1, rel=1e-12)


def test_calibration_render_without_a_payload_only_writes_the_url_state(ctx):
    from callbacks.calibration import render

    out = render(None, "heston", False, None, "heatmap", ["heston", "bates"], "iv")
    assert out["state"] == "?models=heston,bates&weights=iv&show=heston"
    assert all(out[k] is no_update for k in out if k != "state")


def test_surface_page_says_when_ssvi_cannot_follow_a_short_expiry(ctx):
    """Issue 11 §1: SSVI on the short SPXW expiry of 2018-01-16 (2.9 vol points against SVI's
    0.1) must not be shown without saying so: the fit's note reaches the page, as a warning,
    and names the better fit."""
    import callbacks.surface as page
    from core.data import load_chain
    from core.surface import fit_ssvi
    from tests.conftest import shared_file

    df = pd.read_csv(shared_file("spxw_2018-01_02.csv"), encoding="utf-8-sig")
    df.columns = [c.strip() for c in df.columns]
    day = df[df["quotedate"] == "01/16/2018"]
    chain = load_chain(day.drop(columns=["underlying"]), spot=float(day["underlying_last"].iloc[0]))
    page.cache.set("chain:spxw-test", chain)
    with triggered(f"{srf_ids.MODELS}.value"):
        out = page.update(key="spxw-test", models=["svi", "ssvi"], beta=0.5, show="ssvi",
                          expiries=[], dark=False)
    shown = [d for d in out["arbitrage"] if "slice shape" in _text(d)]
    assert len(shown) == 1
    js = shown[0].to_plotly_json()
    assert "text-warning-emphasis" in js["props"]["className"]
    expected = next(n for n in fit_ssvi(chain).notes if "slice shape" in n)
    assert js["props"]["children"] == f"SSVI: {expected}"
    assert "vol pts" in expected and "SVI" in expected
