"""Surface studio callbacks called directly: fits, tables, figures, exports, URL state."""
from __future__ import annotations

import re

import numpy as np
import pytest

from callbacks.surface import comparison_table, expiry_options, fit_models, metrics_table
from components.figures import figures_html
from components.surface_figures import (default_expiries, residual_figure, smiles_figure,
                                        surface_figure, term_structure_figure)
from components.surface_state import DEFAULTS, from_query, to_query
from tests.real_data import spx_2011_chain
from core.surface.views import compare_fits


@pytest.fixture(scope="module")
def fitted():
    chain = spx_2011_chain()
    fits, errors = fit_models(chain, ["svi", "ssvi", "sabr"], 0.5)
    return chain, fits, errors


def _text(component) -> str:
    return str(component.to_plotly_json())


def test_all_models_fit_the_sample_and_the_table_reports_them(fitted):
    chain, fits, errors = fitted
    assert errors == {} and list(fits) == ["svi", "ssvi", "sabr"]
    text = _text(comparison_table(fits, errors))
    for label in ("SVI", "SSVI", "SABR", "IV RMSE (vol pts)", "Inside bid/ask"):
        assert label in text
    # the RMSE shown is the fit's own, in vol points
    assert f"{fits['svi'].rmse_iv * 100:.3f}" in text


def test_smiles_figure_draws_market_and_model_vols(fitted):
    chain, fits, _ = fitted
    expiries = expiry_options(chain)
    assert len(expiries) == 9
    fig = smiles_figure(chain, fits, expiries[:2])
    market = [t for t in fig.data if t.name.startswith("market")]
    assert len(market) == 2
    q = chain.otm_quotes(0.6, 1.4)
    first = q[q["expiry"] == q["expiry"].min()]
    np.testing.assert_allclose(np.sort(market[0].y), np.sort(first["iv"].to_numpy() * 100))
    svi = [t for t in fig.data if t.name == "SVI"][0]
    T = float(first["T"].iloc[0])
    np.testing.assert_allclose(svi.y, fits["svi"].implied_vol(np.asarray(svi.x), T) * 100)
    assert fig.layout.yaxis.title.text == "IV (%)"


def test_other_figures_have_titles_and_axis_units(fitted):
    chain, fits, _ = fitted
    s = surface_figure(chain, fits["ssvi"])
    assert s.layout.scene.zaxis.title.text == "IV (%)" and "SSVI" in s.layout.title.text
    r = residual_figure(fits["svi"])
    assert "vol pts" in r.to_json() and r.layout.xaxis.title.text.startswith("Log-moneyness")
    t = term_structure_figure(chain, compare_fits(fits))
    assert t.layout.yaxis.title.text == "ATM IV (%)" and len(t.data) == 4


def test_metrics_table_in_vol_points(fitted):
    _, fits, _ = fitted
    m = fits["svi"].metrics()
    text = _text(metrics_table(fits["svi"]))
    assert f"{m['atm_vol'].iloc[0] * 100:.2f}" in text


def test_figures_html_embeds_plotly_once_without_cdn(fitted):
    chain, fits, _ = fitted
    html = figures_html([term_structure_figure(chain, compare_fits(fits)), residual_figure(fits["svi"])])
    assert html.count("plotly.js v") >= 1 and not re.search(r"<script[^>]+src=.https?:", html)
    assert len(re.findall(r"Plotly\.newPlot", html)) == 2


def test_a_failed_model_is_reported_not_raised():
    from core.data import load_chain
    import pandas as pd
    # one expiry with three strikes: too few quotes for any smile fit
    df = pd.DataFrame({"expiry": ["2024-03-15"] * 6, "strike": [95, 100, 105] * 2,
                       "type": ["C"] * 3 + ["P"] * 3, "bid": [6.0, 2.9, 1.0, 0.9, 2.7, 5.9],
                       "ask": [6.2, 3.1, 1.1, 1.0, 2.9, 6.1], "quote_date": ["2024-02-15"] * 6,
                       "spot": [100.0] * 6})
    chain = load_chain(df)
    fits, errors = fit_models(chain, ["svi", "sabr"], 0.5)
    assert fits == {} and set(errors) == {"svi", "sabr"}
    assert "failed" in _text(comparison_table(fits, errors))


def test_url_state_round_trip():
    from urllib.parse import parse_qsl
    for slices in ("independent", "joint"):
        state = dict(models=["ssvi", "sabr"], beta=0.7, show="sabr", slices=slices)
        assert from_query(dict(parse_qsl(to_query(state)[1:]))) == state
    assert "slices" not in to_query({**state, "slices": "independent"})
    assert from_query({"models": "foo", "beta": "7", "show": "x"}) == DEFAULTS
    assert default_expiries([str(i) for i in range(20)], 5) == ["0", "5", "10", "14", "19"]
