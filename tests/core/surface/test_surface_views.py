"""core.surface.views.compare_fits: the studio's arbitrage and term-structure numbers, computed in
core once, located violations re-derived from the fit itself."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core.errors import DataError
from core.surface import atm_term_structure, fit_sabr, fit_svi
from core.surface.views import QUOTED_K_RANGE, SurfaceComparison, compare_fits
from tests.real_data import spx_2011_chain


@pytest.fixture(scope="module")
def fits():
    chain = spx_2011_chain()       # real quotes: independent SVI slices cross on it
    return {"svi": fit_svi(chain), "sabr": fit_sabr(chain)}


def test_reports_are_the_fit_checker_on_the_quoted_range(fits):
    cmp = compare_fits(fits)
    assert cmp.models == ("svi", "sabr")
    assert QUOTED_K_RANGE == pytest.approx((math.log(0.6), math.log(1.4)))
    for model, fit in fits.items():
        direct = fit.arbitrage(k_min=math.log(0.6), k_max=math.log(1.4))
        assert cmp[model].arbitrage == direct


def test_located_calendar_points_lie_on_the_fitted_surface(fits):
    v = compare_fits(fits)["svi"]
    assert not v.arbitrage.calendar_free          # independent SVI slices cross on the real 2011 chain
    pts = v.points
    assert pts.calendar_strike.size == min(v.arbitrage.n_calendar, 500)
    T2 = pts.calendar_days / 365.0
    k = np.log(pts.calendar_strike / fits["svi"].forward(T2))
    w = fits["svi"].total_variance(k, T2)          # the surface's own total variance there
    np.testing.assert_allclose(pts.calendar_iv, np.sqrt(w / T2), rtol=1e-8)


def test_term_structure_matches_the_core_function_and_round_trips(fits):
    cmp = compare_fits(fits)
    ts = atm_term_structure(fits["sabr"])
    np.testing.assert_allclose(cmp["sabr"].term_days, ts["T"].to_numpy() * 365)
    np.testing.assert_allclose(cmp["sabr"].term_atm_vol, ts["atm_vol"].to_numpy())
    back = SurfaceComparison.from_dict(json.loads(json.dumps(cmp.to_dict())))
    assert back.models == cmp.models and back["svi"].arbitrage == cmp["svi"].arbitrage
    np.testing.assert_allclose(back["svi"].points.calendar_iv, cmp["svi"].points.calendar_iv)
    with pytest.raises(DataError):
        compare_fits({})
