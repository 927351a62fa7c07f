"""crossed_expiries: adjacent listed expiries whose slices cross, against the raw SVI formula
evaluated here (independent of core's interpolation)."""
from __future__ import annotations

import numpy as np
import pytest

from core.errors import DataError
from core.surface import crossed_expiries, surface_from_params


def _w(k, a, b, rho, m, sigma):
    return a + b * (rho * (k - m) + np.sqrt((k - m) ** 2 + sigma ** 2))


SLICES = [  # T, (a, b, rho, m, sigma): the third has a flatter right wing than the second
    (0.1, (0.002, 0.04, -0.6, 0.0, 0.1)),
    (0.3, (0.008, 0.06, -0.6, 0.0, 0.15)),
    (0.6, (0.020, 0.03, -0.9, 0.0, 0.2)),
    (1.0, (0.040, 0.08, -0.5, 0.0, 0.2)),
]


def _fit():
    rows = [dict(expiry=f"2024-0{i + 2}-01", T=T, forward=100.0,
                 **dict(zip(("a", "b", "rho", "m", "sigma"), p))) for i, (T, p) in enumerate(SLICES)]
    return surface_from_params("svi", rows, spot=100.0)


def test_crossing_pairs_match_the_formula():
    k = np.linspace(-1.5, 1.5, 601)
    w = [_w(k, *p) for _, p in SLICES]
    truth = [j for j in range(1, len(w)) if np.any(w[j] < w[j - 1])]
    assert truth == [2]                                  # the test's own premise
    got = crossed_expiries(_fit())
    assert [(c["expiry1"], c["expiry2"]) for c in got] == [("2024-03-01", "2024-04-01")]
    gap = w[1] - w[2]
    assert got[0]["drop"] == pytest.approx(gap.max(), rel=1e-9)
    assert got[0]["k"] == pytest.approx(k[np.argmax(gap)])
    # on a range where they do not cross, nothing is reported
    near = np.linspace(-0.1, 0.1, 201)
    assert np.all(_w(near, *SLICES[2][1]) > _w(near, *SLICES[1][1]))
    assert crossed_expiries(_fit(), k_min=-0.1, k_max=0.1, n_k=201) == ()


def test_bad_arguments_are_named():
    with pytest.raises(DataError, match="n_k"):
        crossed_expiries(_fit(), n_k=2)
    with pytest.raises(DataError, match="k_min"):
        crossed_expiries(_fit(), k_min=1.0, k_max=-1.0)


def test_a_calendar_crossing_between_expiries_is_placed_among_the_listed_dates():
    """The arbitrage check samples the surface between expiries too; its worst crossing on the
    2011 SPX chain falls 36 days out, which is not an expiry. The line used to give bare years
    ("T = 0.0712 and 0.0991 y"), which a reader took for two expiries of the chain; it now names
    the listed expiry and where the other time sits among the listed dates."""
    import re

    from core.data import load_chain
    from core.surface import fit_svi
    from core.surface.diagnostics import check_arbitrage
    from tests.conftest import shared_file

    rep = check_arbitrage(fit_svi(load_chain(shared_file("spx_2011-01-24.csv"))), k_min=-0.51, k_max=0.34)
    assert not rep.calendar_free
    worst, line = rep.calendar[0], rep.lines()[1]
    listed = sorted((s["T"], s["expiry"]) for s in rep.slices)
    for T in (worst["T1"], worst["T2"]):
        same = [e for t, e in listed if abs(t - T) < 1e-9]
        if same:
            assert f"the {same[0]} expiry" in line, line
        else:
            lo = max(e for t, e in listed if t < T)
            hi = min(e for t, e in listed if t > T)
            assert f"{T * 365:.0f} days, interpolated, between the {lo} and {hi} expiries" in line, line
    assert re.search(r"T = [\d.]+ y \(", line)
