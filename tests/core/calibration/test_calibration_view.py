"""core.calibration.calibration_view: the lab's numbers in core, frozen, through JSON and back."""
from __future__ import annotations

import json

import numpy as np
import pytest

from core.calibration import CalibrationView, ModelSurface, calibrate, calibration_view, fitted_quotes
from core.data import sample_chain
from core.surface import fit_svi


@pytest.fixture(scope="module")
def chain_view():
    chain = sample_chain()
    res = calibrate(chain, "merton")
    return chain, res, calibration_view(chain, {"merton": res}, {"vg": "did not converge"})


def test_svi_reference_is_the_svi_fit_at_the_calibration_quotes(chain_view):
    chain, res, view = chain_view
    q = fitted_quotes(res, chain)
    iv = fit_svi(chain).implied_vol(q["strike"].to_numpy(), q["T"].to_numpy())   # second route
    err = iv - q["iv"].to_numpy()
    ok = np.isfinite(err)
    assert view.svi.rmse_iv == pytest.approx(float(np.sqrt(np.mean(err[ok] ** 2))), rel=1e-12)
    frames = view.frames()
    np.testing.assert_allclose(frames["svi"]["error_iv"], err, equal_nan=True)
    np.testing.assert_allclose(frames["merton"]["model_iv"], q["model_iv"], equal_nan=True)


def test_view_round_trips_through_json(chain_view):
    _, res, view = chain_view
    back = CalibrationView.from_dict(json.loads(json.dumps(view.to_dict())))
    assert back.errors == {"vg": "did not converge"} and back.results["merton"].params == res.params
    s, b = view.surfaces["merton"], back.surfaces["merton"]
    np.testing.assert_allclose(b.iv, s.iv, equal_nan=True)
    np.testing.assert_allclose(b.strikes, s.strikes)
    assert list(back.fitted["merton"]["expiry"]) == list(view.fitted["merton"]["expiry"])
    np.testing.assert_allclose(back.market["iv"], view.market["iv"])
    assert ModelSurface.from_dict(s.to_dict()).k.tolist() == s.k.tolist()


def test_drawn_falls_back_to_a_calibrated_model(chain_view):
    _, _, view = chain_view
    assert view.drawn("merton") == "merton" and view.drawn("heston") == "merton"
