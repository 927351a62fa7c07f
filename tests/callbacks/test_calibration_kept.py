"""Calibration's result store holds a reference, not the drawn arrays (issue 16 §5: a shared
link uploaded the ~330 kB payload back to the server with every redraw).

The independent truth is the page drawn from the whole payload, as it was before: the figures
drawn from the reference (its arrays read back from the server cache) must be the same, number
by number; so must the figures rebuilt from the registry's runs when the cache has lost them.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from dash import no_update

from app import Settings, create_app
from core.data import sample_chain

_FIGS = ("smiles", "residual", "surface", "corr")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return create_app(Settings(data_dir=str(tmp_path_factory.mktemp("var")), warm_numba=False))


@pytest.fixture(scope="module")
def payload():
    from callbacks.calibration import run_models

    return run_models(sample_chain(), ["merton"], weights="iv")


@pytest.fixture()
def ctx(app):
    with app.server.test_request_context():
        yield app


def _size(value) -> int:
    return len(json.dumps(value, default=str))


def _draw(ref, run_ids=None, dark=False):
    """What the page draws: ``render``, then ``render_model`` on the store ``render`` wrote."""
    from callbacks.calibration import render, render_model

    out = render(ref, "merton", dark, run_ids, "heatmap", ["merton"], "iv", None)
    if out["drawn_model"] is no_update:
        return {**out, "surface": no_update, "corr": no_update}
    return {**out, **render_model(out["drawn_model"], ref, run_ids, None)}


def _same(a: dict, b: dict) -> int:
    """The four figures of two renders: the same traces, every array equal (NaN where NaN)."""
    import plotly.graph_objects as go

    n = 0
    for k in _FIGS:
        fa, fb = go.Figure(a[k]), go.Figure(b[k])
        assert len(fa.data) == len(fb.data), k
        for ta, tb in zip(fa.data, fb.data):
            assert (ta.type, ta.name) == (tb.type, tb.name), k
            for key in ("x", "y", "z", "text"):
                va, vb = getattr(ta, key, None), getattr(tb, key, None)
                if va is None:
                    assert vb is None, (k, key)
                    continue
                va, vb = np.asarray(va), np.asarray(vb)
                if va.dtype.kind in "fiu":
                    np.testing.assert_array_equal(vb.astype(float), va.astype(float), err_msg=f"{k}.{key}")
                else:
                    assert vb.tolist() == va.tolist(), (k, key)
                n += va.size
        assert fa.layout.title.text == fb.layout.title.text, k
    assert str(a["params"].to_plotly_json()) == str(b["params"].to_plotly_json())
    return n


def test_the_result_store_is_a_small_reference_and_draws_what_the_payload_draws(ctx, payload):
    from callbacks.calibration import HEAVY, keep

    ref = keep(payload)
    assert _size(payload) > 100_000 and _size(ref) < 10_000, (_size(payload), _size(ref))
    assert not set(HEAVY) & set(ref)
    # what the job, the warm start and the registry read is all there
    assert ref["results"] == payload["results"] and ref["token"] == payload["token"]
    assert _same(_draw(payload), _draw(ref)) > 1000
    assert _same(_draw(payload, dark=True), _draw(ref, dark=True)) > 1000


def test_a_link_answers_with_a_reference_and_draws_the_stored_runs(ctx, payload):
    """``load_runs`` (a link's ``runs=``) answers with a few kB; drawn, it equals the job's payload."""
    from callbacks.calibration import keep, load_runs, save_runs

    saved = save_runs(keep(payload))
    back = load_runs(saved["run_ids"], None)
    assert back["show"] is False and back["result"]["restored"] is True
    assert _size(back["result"]) < 10_000, _size(back["result"])
    assert _same(_draw(payload), _draw(back["result"], saved["run_ids"])) > 1000


def test_a_reference_whose_arrays_left_the_cache_is_rebuilt_from_its_runs(ctx, payload):
    from callbacks.cache import cache
    from callbacks.calibration import _cache_key, keep, save_runs

    ref = keep(payload)
    run_ids = save_runs(ref)["run_ids"]
    cache.delete(_cache_key(ref["token"]))
    assert cache.get(_cache_key(ref["token"])) is None
    assert _same(_draw(payload), _draw(ref, run_ids)) > 1000
    assert cache.get(_cache_key(ref["token"])) is not None          # and kept again


def test_a_lost_reference_without_runs_says_so(ctx, payload):
    from callbacks.cache import cache
    from callbacks.calibration import _cache_key, keep

    ref = keep(payload)
    cache.delete(_cache_key(ref["token"]))
    out = _draw(ref, None)
    assert all(out[k] is no_update for k in _FIGS)
    text = str(out["params"].to_plotly_json())
    assert "no longer kept on the server" in text and "calibrate again" in text
    assert out["state"] == "?models=merton&weights=iv&show=merton"


def test_the_job_answers_with_a_reference(app, monkeypatch):
    """The background job's output (what the browser receives) is the reference; its warm start
    reads the previous reference's parameters."""
    import callbacks.calibration as page

    seen = []
    with app.server.test_request_context():
        out = page.run(seen.append, 1, None, ["merton"], "iv", [], None)
        assert _size(out["result"]) < 10_000 and set(out["result"]["results"]) == {"merton"}
        again = page.run(seen.append, 2, None, ["merton"], "iv", [True], out["result"])
    cold, warm = out["result"]["results"]["merton"], again["result"]["results"]["merton"]
    assert warm["evaluations"] < cold["evaluations"]          # warm started from the reference
    assert warm["rmse_iv"] == pytest.approx(cold["rmse_iv"], rel=1e-2)


def test_the_surface_follows_the_smiles_for_the_model_and_view_drawn(ctx):
    """``render`` answers with the smiles and what it drew; ``render_model`` then draws that
    model's surface in that view and theme (the same figure the whole payload gives), and
    nothing for a result that has since been replaced."""
    from callbacks.calibration import keep, model_figures, render, render_model, run_models
    from components.calibration_figures import correlation_figure, model_surface_figure
    from core.calibration import CalibrationView

    both = run_models(sample_chain(), ["merton", "vg"], weights="vega")
    ref = keep(both)
    out = render(ref, "vg", True, None, "3d", ["merton", "vg"], "vega", None)
    assert "surface" not in out and "corr" not in out
    assert out["drawn_model"] == {"token": both["token"], "model": "vg", "view": "3d", "theme": "dark"}
    figs = render_model(out["drawn_model"], ref, None, None)
    market = CalibrationView.from_dict(both).market
    truth = {"surface": model_surface_figure(both["surfaces"]["vg"], market, "vg", theme="dark", view="3d"),
             "corr": correlation_figure(both["results"]["vg"], theme="dark")}
    for k in ("surface", "corr"):
        a, b = figs[k], truth[k]
        assert [t.type for t in a.data] == [t.type for t in b.data], k
        for ta, tb in zip(a.data, b.data):
            np.testing.assert_array_equal(np.asarray(ta.z, dtype=float), np.asarray(tb.z, dtype=float))
    assert figs["surface"].data[0].type == "surface" and "Variance Gamma" in figs["surface"].layout.title.text
    assert model_figures(both, "vg", "3d", "dark")["surface"].layout.title.text == figs["surface"].layout.title.text
    newer = keep(run_models(sample_chain(), ["merton"], weights="vega"))
    assert render_model(out["drawn_model"], newer, None, None) == dict(surface=no_update, corr=no_update)
