"""Calibration lab and runs registry logic called directly, with a real SQLite file."""
from __future__ import annotations

import numpy as np
import pytest

from callbacks.calibration import fitted_frames, params_table, record, run_models
from callbacks.runs import comparison_table, run_rows
from components.calibration_figures import (correlation_figure, fit_residual_figure, fit_smiles_figure,
                                            model_surface_figure)
from core.data import sample_chain
from core.store import open_store


@pytest.fixture(scope="module")
def payload():
    return run_models(sample_chain(), ["heston", "merton"])


def test_payload_holds_results_fitted_quotes_and_an_svi_reference(payload):
    assert set(payload["results"]) == {"heston", "merton"} and payload["errors"] == {}
    h = payload["results"]["heston"]
    fq = payload["fitted"]["heston"]
    err = np.asarray(fq["model_iv"], dtype=float) - np.asarray(fq["iv"], dtype=float)
    # the RMSE the page shows is the RMS of the fitted-quote errors it draws
    assert h["rmse_iv"] == pytest.approx(float(np.sqrt(np.nanmean(err ** 2))), rel=1e-6)
    assert payload["svi"]["rmse_iv"] < h["rmse_iv"]     # a per-expiry curve fits closer
    text = str(params_table(payload).to_plotly_json())
    assert "kappa" in text and "95% interval" in text and "Feller" in text


def test_warm_start_reuses_the_previous_fit():
    """A warm start must reach the same optimum as an independent calibrator (QuantLib's
    Levenberg-Marquardt on exact implied vols) with much less work than the cold start."""
    from tests.core.calibration._peers import ql_calibrate

    chain = sample_chain()
    cold = run_models(chain, ["heston"], weights="iv")
    warm = run_models(chain, ["heston"], weights="iv", previous=cold)
    a, b = warm["results"]["heston"], cold["results"]["heston"]
    assert a["settings"]["warm_start"] is True and b["settings"]["warm_start"] is False
    assert a["settings"]["start"] == pytest.approx(b["params"], rel=1e-12)   # it did reuse it
    assert a["evaluations"] * 3 < b["evaluations"] and a["iterations"] < b["iterations"]
    ql_rmse, ql_params = ql_calibrate(chain, chain.otm_quotes(0.6, 1.4), "heston")
    assert a["rmse_iv"] <= ql_rmse + 1e-6
    theta, kappa, sigma, rho, v0 = ql_params            # QuantLib's HestonModel order
    peer = {"v0": v0, "kappa": kappa, "theta": theta, "sigma": sigma, "rho": rho}
    for name, value in peer.items():
        assert a["params"][name] == pytest.approx(value, rel=2e-3), name
    # a different weighting must not warm start from a fit made for another objective
    other = run_models(chain, ["heston"], weights="vega", previous=cold)
    assert other["results"]["heston"]["settings"]["warm_start"] is False


def test_figures_have_titles_and_units(payload):
    frames = fitted_frames(payload)
    assert "svi" in frames
    import pandas as pd
    figs = [fit_smiles_figure(frames), fit_residual_figure(frames),
            model_surface_figure(payload["surfaces"]["heston"], pd.DataFrame(payload["market"]), "heston"),
            correlation_figure(payload["results"]["heston"])]
    for fig in figs:
        assert fig.layout.title.text
    assert figs[1].layout.yaxis.title.text == "IV error (vol pts)"


def test_surface_heatmap_draws_the_3d_surfaces_numbers(payload):
    """The page's default 2D view of the model surface holds the grid the 3D view draws (its
    truth: the WebGL figure the page drew before), one row per expiry at that expiry's strikes,
    and the market points on the same IV scale, each in its own expiry's row."""
    import pandas as pd
    surface, market = payload["surfaces"]["heston"], pd.DataFrame(payload["market"])
    flat = model_surface_figure(surface, market, "heston", view="heatmap")
    solid = model_surface_figure(surface, market, "heston")
    assert solid.data[0].type == "surface" and flat.data[0].type == "heatmap"
    assert flat.layout.title.text == solid.layout.title.text == "Heston implied volatility surface"
    assert flat.layout.xaxis.title.text == "Strike ($)" and flat.layout.yaxis.title.text == "Days to expiry"
    assert flat.layout.coloraxis.colorbar.title.text == "IV (%)"
    rows, points = flat.data[:-1], flat.data[-1]
    z3, x3, y3 = (np.asarray(solid.data[0][k], float) for k in ("z", "x", "y"))
    assert len(rows) == z3.shape[0] == len(surface["T"])
    for i, tr in enumerate(rows):
        assert tr.type == "heatmap" and tr.coloraxis == "coloraxis"
        np.testing.assert_allclose(np.asarray(tr.z, float)[0], z3[i], rtol=0, atol=0)
        np.testing.assert_allclose(np.asarray(tr.x, float), np.atleast_2d(x3)[i if x3.ndim == 2 else 0])
        assert tr.y[0] == i and float(flat.layout.yaxis.ticktext[i]) == pytest.approx(y3[i, 0], abs=0.5)
    assert list(flat.layout.yaxis.tickvals) == list(range(len(rows)))
    np.testing.assert_allclose(np.asarray(points.x, float), market["strike"].to_numpy())
    on_row = y3[np.asarray(points.y, int), 0]                          # each point in its expiry's row
    np.testing.assert_allclose(on_row, market["T"].to_numpy() * 365, atol=1e-9)
    np.testing.assert_allclose(np.asarray(points.marker.color, float), market["iv"].to_numpy() * 100)
    assert points.marker.coloraxis == "coloraxis"
    with pytest.raises(ValueError, match="view"):
        model_surface_figure(surface, market, "heston", view="4d")


def test_runs_are_recorded_listed_and_compared(payload, tmp_path):
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    ids = record(payload, url)
    store = open_store(url)
    assert store.count() == 2
    runs = store.list_runs()
    rows = run_rows(runs)
    by_model = {r["model"]: r for r in rows}
    assert by_model["heston"]["rmse"] == pytest.approx(payload["results"]["heston"]["rmse_iv"] * 100)
    assert {r["id"] for r in rows} == set(ids)
    text = str(comparison_table(runs).to_plotly_json())
    assert "params: heston.kappa" in text and "metrics: rmse_iv" in text
    assert "params: merton.sigma" in text and "params: sigma" not in text   # compared by model


def test_restore_rebuilds_the_payload_from_stored_runs(payload, tmp_path):
    from callbacks.calibration import restore

    url = f"sqlite:///{tmp_path / 'runs.db'}"
    ids = record(payload, url)
    again = restore(ids, url)
    assert again["restored"] and set(again["results"]) == {"heston", "merton"}
    for m in ("heston", "merton"):
        assert again["results"][m]["params"] == payload["results"][m]["params"]
        np.testing.assert_allclose(np.asarray(again["fitted"][m]["model_iv"], dtype=float),
                                   np.asarray(payload["fitted"][m]["model_iv"], dtype=float), rtol=1e-12)
