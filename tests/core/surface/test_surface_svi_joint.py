"""Joint calendar-aware SVI (issue 11 §1, ``fit_svi(chain, calendar="joint")``).

Truths independent of the fit: the surface's own ``arbitrage()`` report, and a check written
here from Black prices alone (undiscounted calls ``c(x) = N(d1) - x N(d2)`` at strike ratio
``x = K/F`` must be convex in ``x`` and non-decreasing in ``T`` at fixed ``x``) on a dense grid
by finite differences; the sequential fit (``calendar=True``) and the independent fit as the
RMSE peers on the dense synthetic short chain (16 expiries, 1 day to 1 year) and the real 2011
SPX chain; a chain whose independent fit is already arbitrage-free is returned unchanged."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from core.data import load_chain
from core.errors import DataError
from core.surface import SurfaceFit, fit_svi
from tests.core.surface._short_chain import short_chain
from tests.real_data import spx_2011_chain

#: Largest RMSE excess of the joint fit over the independent (crossing) fit, in vol (0.02 vol pts).
BOUND = 0.0002


@pytest.fixture(scope="module", params=["short", "spx2011"])
def fits(request):
    chain = short_chain() if request.param == "short" else spx_2011_chain()
    return (request.param, fit_svi(chain), fit_svi(chain, calendar=True),
            fit_svi(chain, calendar="joint"))


def _black_calls(fit, x, T):
    """Undiscounted Black call per unit forward at strike ratios ``x`` on the fitted smile."""
    w = fit.total_variance(np.log(x), np.full_like(x, T))
    assert np.all(w > 0.0)
    sw = np.sqrt(w)
    d1 = -np.log(x) / sw + 0.5 * sw
    return norm.cdf(d1) - x * norm.cdf(d1 - sw)


def test_joint_fit_has_no_arbitrage_by_its_report_and_by_black_prices(fits):
    name, free, seq, joint = fits
    assert not free.arbitrage().calendar_free           # the independent slices cross
    rep = joint.arbitrage()
    assert rep.n_calendar == 0 and rep.n_butterfly == 0, (rep.calendar[:2], rep.butterfly[:2])
    assert joint.options["calendar"] == "joint"
    assert any("Joint calendar-aware" in n and "NOT" not in n for n in joint.notes)
    assert all(m.endswith("+joint") for m in joint.params["method"])
    # dense finite-difference check on k in [-1.5, 1.5] (the range arbitrage() checks)
    x = np.exp(np.linspace(-1.5, 1.5, 20001))
    Ts = joint.expiries
    times = np.unique(np.concatenate([Ts, np.linspace(Ts[0], Ts[-1], 60)]))
    prev = None
    for T in times:
        c = _black_calls(joint, x, T)
        # convexity in strike on a non-uniform grid: slopes of chords never decrease
        slope = np.diff(c) / np.diff(x)
        assert np.all(np.diff(slope) >= -1e-9 * np.abs(slope[1:]).max() - 1e-13), (name, T)
        if prev is not None:
            assert np.all(c >= prev - 1e-14), (name, T)  # calendar: calls never cheaper later
        prev = c
    # the same check sees the independent fit's crossings (so it can fail)
    worst = 0.0
    for T0, T1 in zip(free.expiries[:-1], free.expiries[1:]):
        worst = min(worst, float(np.min(_black_calls(free, x, T1) - _black_calls(free, x, T0))))
    assert worst < -1e-14


def test_joint_fit_beats_sequential_and_is_close_to_independent(fits):
    name, free, seq, joint = fits
    assert joint.rmse_iv <= seq.rmse_iv, (name, joint.rmse_iv, seq.rmse_iv)
    assert joint.rmse_iv <= free.rmse_iv + BOUND, (name, joint.rmse_iv, free.rmse_iv)


def test_joint_fit_round_trips_through_a_dict(fits):
    _, _, _, joint = fits
    back = SurfaceFit.from_dict(joint.to_dict())
    k = np.linspace(-1.0, 0.5, 7)
    T = joint.expiries[len(joint.expiries) // 2]
    np.testing.assert_array_equal(back.total_variance(k, np.full_like(k, T)),
                                  joint.total_variance(k, np.full_like(k, T)))


def test_arbitrage_free_independent_fit_is_kept_unchanged(make_csv, svi_smile):
    # ordered, butterfly-free SVI slices (those of test_surface_svi's recovery test)
    true = [(30, 0.0010, 0.030, -0.60, 0.010, 0.050), (91, 0.0040, 0.060, -0.50, 0.020, 0.100),
            (182, 0.0100, 0.080, -0.45, 0.030, 0.150), (365, 0.0200, 0.100, -0.40, 0.050, 0.200)]
    by_days = {d: svi_smile(*p) for d, *p in true}
    data, _ = make_csv(lambda k, T, F, K: by_days[round(T * 365)](k, T, F, K),
                       [d for d, *_ in true], n_strikes=41, width=4.0)
    chain = load_chain(data)
    free = fit_svi(chain)
    rep = free.arbitrage()
    assert rep.calendar_free and rep.butterfly_free
    joint = fit_svi(chain, calendar="joint")
    cols = ["a", "b", "rho", "m", "sigma", "method"]
    assert joint.params[cols].equals(free.params[cols])
    assert any("kept unchanged" in n for n in joint.notes)


def test_bad_calendar_argument_is_named():
    with pytest.raises(DataError, match="calendar"):
        fit_svi(short_chain(days=(7, 14)), calendar="both")


@pytest.mark.parametrize("p", [(0.01, 0.1, -0.6, 0.05, 0.1), (1e-5, 0.005, -0.9, -0.02, 0.013)])
def test_constraint_jacobians_match_central_differences(p):
    from core.surface import svi_g, svi_total_variance
    from core.surface.svi_joint import _g_and_grad, _w_and_grad

    p = np.array(p)
    k = np.linspace(-3.0, 3.0, 25)
    h = 1e-7 * np.maximum(np.abs(p), 1e-4)
    for fun, mine in ((svi_g, _g_and_grad), (svi_total_variance, _w_and_grad)):
        fd = np.array([(fun(k, *(p + hh * e)) - fun(k, *(p - hh * e))) / (2 * hh)
                       for e, hh in zip(np.eye(5), h)]).T
        val, J = mine(k, p)
        np.testing.assert_allclose(val, fun(k, *p), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(J, fd, rtol=1e-5, atol=1e-6 * np.abs(fd).max())
