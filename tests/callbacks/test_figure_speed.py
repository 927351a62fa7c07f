"""The fast figure path (issue 13 §3, issue 9 §4): the lean templates, ``FigureDraft`` and the
unvalidated figures it makes are checked against plotly's own validated construction."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.utils import PlotlyJSONEncoder

from callbacks.greeks import render, theme_patch
from callbacks.strategies import evaluate, template_rows
from components import strategy_figures as sf
from components.figures import TEMPLATES, FigureDraft, themed
from components.greeks_state import DEFAULTS


def _plain(fig) -> dict:
    return json.loads(json.dumps(fig, cls=PlotlyJSONEncoder))


def _validated(fig: go.Figure) -> dict:
    """The same figure through plotly's validation: raises on any invalid property."""
    return _plain(go.Figure(_plain(fig)))


def _close(a, b, path=""):
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {set(a) ^ set(b)}"
        for k in a:
            _close(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), path
    else:
        assert a == b, path


def test_draft_equals_plotlys_incremental_construction():
    x = np.linspace(80, 120, 41)
    ref = go.Figure(layout=dict(template="none"))
    ref.add_trace(go.Scatter(x=x, y=x ** 2, mode="lines", name="a", line=dict(width=2, dash="dot")))
    ref.add_trace(go.Heatmap(z=np.outer(x, x), colorscale="RdYlGn", zmid=0))
    ref.update_layout(title=dict(text="t", x=0.01), legend=dict(orientation="h"))
    ref.update_layout(dict(xaxis=dict(showgrid=True), font=dict(size=13)))
    ref.update_xaxes(title_text="Strike ($)", tickprefix="$")
    ref.update_yaxes(title_text="Days")
    ref.add_annotation(text="note", x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)

    d = FigureDraft(layout=dict(template="none"))
    d.add_trace(dict(type="scatter", x=x, y=x ** 2, mode="lines", name="a", line=dict(width=2, dash="dot")))
    d.add_trace(dict(type="heatmap", z=np.outer(x, x), colorscale="RdYlGn", zmid=0))
    d.update_layout(title=dict(text="t", x=0.01), legend=dict(orientation="h"))
    d.update_layout(dict(xaxis=dict(showgrid=True), font=dict(size=13)))
    d.update_xaxes(title_text="Strike ($)", tickprefix="$")
    d.update_yaxes(title_text="Days")
    d.add_annotation(text="note", x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    _close(_plain(d.figure()), _plain(ref))


def test_draft_never_mutates_the_callers_dicts():
    shared = dict(orientation="v", font=dict(size=10))
    d = FigureDraft(layout=dict(modebar=shared))
    d.update_layout(modebar=dict(font=dict(size=20)))
    assert shared == dict(orientation="v", font=dict(size=10))


@pytest.mark.parametrize("view", ["surface", "heatmap", "slices"])
@pytest.mark.parametrize("inst", ["call", "position"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_greek_figures_are_valid_plotly(view, inst, theme):
    fig = render({**DEFAULTS, "view": view, "inst": inst}, theme)["figure"]
    _close(_plain(fig), _validated(fig))
    assert fig.layout.template.layout.font.color == TEMPLATES[theme].layout.font.color
    if view == "slices":  # the price axis has $ ticks, the days axis does not
        assert fig.layout.xaxis.tickprefix == "$" and fig.layout.xaxis2.tickprefix is None


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_strategy_figures_are_valid_plotly(theme):
    rows, market = template_rows("iron_condor", spot=100, vol=0.2, r=0.03, q=0.01, days=30, width=0.05,
                                 source="flat")
    a, _ = evaluate(rows, market, dict(dS=1.0))
    for fig in (sf.payoff_figure(a, theme=theme), sf.pnl_heatmap_figure(a, theme=theme), sf.mc_figure(a, theme=theme)):
        _close(_plain(fig), _validated(fig))
        assert isinstance(fig.data[0].x, np.ndarray) or len(fig.data[0].x)


@pytest.mark.parametrize("theme, builtin", [("light", "plotly_white"), ("dark", "plotly_dark")])
def test_lean_templates_keep_the_builtin_colours_at_a_fraction_of_the_size(theme, builtin):
    ours, ref = TEMPLATES[theme].layout, pio.templates[builtin].layout
    assert ours.font.color == ref.font.color and ours.plot_bgcolor == ref.plot_bgcolor
    assert ours.xaxis.gridcolor == ref.xaxis.gridcolor and ours.yaxis.linecolor == ref.yaxis.linecolor
    assert ours.scene.zaxis.backgroundcolor == ref.scene.zaxis.backgroundcolor
    assert ours.scene.xaxis.gridcolor == ref.scene.xaxis.gridcolor
    assert list(ours.colorway) == list(ref.colorway)
    lean = len(json.dumps(themed(go.Figure(), theme).to_plotly_json(), cls=PlotlyJSONEncoder))
    full = len(json.dumps(go.Figure(layout=dict(template=builtin)).to_plotly_json(), cls=PlotlyJSONEncoder))
    assert lean < 3000 < full


def test_greeks_theme_patch_sends_only_the_template():
    ops = theme_patch("dark").to_plotly_json()["operations"]
    assert len(ops) == 1 and ops[0]["location"] == ["layout", "template"]
    assert ops[0]["params"]["value"]["layout"]["plot_bgcolor"] == pio.templates["plotly_dark"].layout.plot_bgcolor
    assert len(json.dumps(ops, cls=PlotlyJSONEncoder)) < 3000
