"""Portfolio's first load (issue 13): computed in the foreground on the embedded sample (no
background job), kept for the session when the inputs match, handed to the background job for
uploaded data; every chart names its data."""
from __future__ import annotations

import html
import json

import numpy as np
import pytest
from dash import no_update
from scipy.optimize import minimize

from callbacks.portfolio import first_result, kept_allocation, render
from components.portfolio_state import DEFAULTS, to_query, views_from_text, views_to_text


def _state(**kw):
    s = {**DEFAULTS, "views": views_from_text(DEFAULTS["views"])}
    s.update(kw)
    return s


def test_first_load_on_the_sample_is_solved_here_and_matches_an_independent_solution():
    from core.portfolio.allocation import Allocation

    state = _state(obj="min_variance", wmax=30.0, universe=["AAPL", "XOM", "JPM", "PFE", "WMT"])
    out = first_result(None, state, None)
    assert out["auto"] is no_update and out["show"] is False
    alloc = Allocation.from_dict(kept_allocation(out["result"]))
    cov = alloc.cov.to_numpy()
    n = len(cov)
    res = minimize(lambda w: w @ cov @ w, np.full(n, 1 / n), method="SLSQP", bounds=[(0, 0.3)] * n,
                   constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1}], options={"ftol": 1e-15})
    np.testing.assert_allclose(alloc.weights.to_numpy(), res.x, atol=1e-4)
    assert out["query"] == out["result"]["query"] == to_query({**state, "views": views_to_text(state["views"])})


def test_a_kept_result_for_the_same_inputs_is_not_recomputed_and_uploads_go_to_the_job():
    state = _state()
    first = first_result(None, state, None)
    again = first_result(None, state, first["result"])
    assert again["result"] is no_update and again["auto"] is no_update
    other = first_result(None, _state(obj="hrp"), first["result"])      # other inputs: a new result
    assert other["result"]["query"] != first["result"]["query"]
    up = first_result({"prices": "data:text/csv;base64,AAAA", "prices_name": "mine.csv"}, state, None)
    assert up["result"] is no_update and up["auto"] == up["query"]


def test_infeasible_inputs_say_so_in_words():
    out = first_result(None, _state(wmax=3.0), None)
    assert out["result"] is no_update and out["show"] is True
    assert "upper bounds sum to 0.6" in out["alert"]


def test_every_portfolio_chart_names_its_data_and_window():
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    result = first_result(None, _state(obj="black_litterman"), None)["result"]
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "pf-result.data", "value": 1}]))
    figs = render(result=result, dark=True)
    from tests.conftest import one_line

    titles = [one_line(figs[k].layout.title.text) for k in ("frontier", "weights", "backtest", "bl")]
    for t in titles:
        assert "Data: Sample: 20 stocks + 2 indices, " in t, t
        assert "2015-01-02 to 2018-12-31" in html.unescape(t), t
    up = render(result={**result, "data_name": "desk <1>.csv"}, dark=False)
    assert "Data: Uploaded file desk &lt;1&gt;.csv" in up["frontier"].layout.title.text


def test_the_memo_is_keyed_by_the_validated_inputs_not_their_spelling():
    from callbacks.portfolio import _sample_allocation

    first_result(None, _state(wmax=25.0, obj="min_variance"), None)
    hits = _sample_allocation.cache_info().hits
    first_result(None, _state(wmax=25, obj="min_variance"), None)          # as the browser sends it
    assert _sample_allocation.cache_info().hits == hits + 1


@pytest.mark.parametrize("obj", ["max_sharpe", "black_litterman"])
def test_portfolio_figures_are_what_plotly_validates(obj):
    """The figures are built unvalidated (FigureDraft): plotly's own validation of the same data
    accepts every property and changes nothing."""
    import plotly.graph_objects as go

    from components.portfolio_figures import backtest_figure, bl_figure, frontier_figure, weights_figure
    from core.portfolio.allocation import Allocation
    from callbacks.portfolio import portfolio_view

    result = first_result(None, _state(obj=obj), None)["result"]
    p = portfolio_view(Allocation.from_dict(kept_allocation(result)))
    for build in (frontier_figure, weights_figure, backtest_figure, bl_figure):
        for theme in ("light", "dark"):
            fig = build(p, theme=theme, source="Sample")
            checked = go.Figure(fig.to_dict())          # validates every property
            assert checked.to_plotly_json() == go.Figure(checked).to_plotly_json()
            assert json.loads(fig.to_json()) == json.loads(checked.to_json())
