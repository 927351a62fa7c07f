"""Greeks page: the 3D surface on its own graph beside the 2D one (issue 13 §3). Switching views
shows the graph that already holds the page's inputs without recomputing or re-sending it; a
graph drawn for older inputs is redrawn first; the numbers drawn are the Greek (closed form)."""
from __future__ import annotations

import numpy as np
import pytest
from dash import Patch, no_update
from dash._callback_context import context_value
from dash._utils import AttributeDict
from scipy.stats import norm

from callbacks.greeks import update
from components.greeks_state import DEFAULTS, to_query, view_style


def _call(prop: str | None, drawn: dict | None, **kw):
    s = {**DEFAULTS, **kw}
    trig = [{"prop_id": prop, "value": 1}] if prop else []
    context_value.set(AttributeDict(triggered_inputs=trig))
    return update(s["greek"], s["inst"], s["legs"], s["S"], s["vol"], s["r"], s["q"], [s["xlo"], s["xhi"]],
                  [s["dlo"], s["dhi"]], s["view"], False, "", drawn)


def _apply(drawn: dict, out) -> dict:
    """The ``DRAWN`` store after the browser applies a reply's ``drawn`` output (a ``Patch`` that
    assigns one graph's record: the other graph's record is never rewritten from an old copy)."""
    if out is no_update:
        return drawn
    ops = out.to_plotly_json()["operations"]
    assert all(op["operation"] == "Assign" and len(op["location"]) == 1 for op in ops), ops
    return {**drawn, **{op["location"][0]: op["params"]["value"] for op in ops}}


def _delta_call(S, K, T, r, q, vol):
    d1 = (np.log(S / K) + (r - q + 0.5 * vol**2) * T) / (vol * np.sqrt(T))
    return np.exp(-q * T) * norm.cdf(d1)


def _check_delta(trace, vol):
    x, days, z = np.asarray(trace["x"]), np.asarray(trace["y"]), np.asarray(trace["z"])
    for i, j in [(0, 0), (30, 17), (60, 60)]:
        assert z[i, j] == pytest.approx(_delta_call(100.0, x[j], days[i] / 365, 0.04, 0.015, vol), rel=1e-9)


def test_first_draw_goes_to_the_graph_of_the_view_and_is_recorded():
    out = _call(None, {})
    assert out["figure3d"] is no_update and out["figure"].data[0].type == "heatmap"
    _check_delta(out["figure"].data[0].to_plotly_json(), 0.20)
    assert _apply({"3d": "?older"}, out["drawn"]) == {"2d": to_query({**DEFAULTS}), "3d": "?older"}
    assert out["style2d"] == view_style(True) and out["style3d"] == view_style(False)


def test_switching_to_3d_draws_the_surface_once_then_switching_is_a_display_change():
    first = _apply({}, _call(None, {})["drawn"])
    to3d = _call("greeks-view.value", first, view="surface")
    assert to3d["figure"] is no_update and to3d["figure3d"].data[0].type == "surface"
    _check_delta(to3d["figure3d"].data[0].to_plotly_json(), 0.20)
    drawn = _apply(first, to3d["drawn"])
    assert set(drawn) == {"2d", "3d"} and to3d["style3d"] == view_style(True)
    back = _call("greeks-view.value", drawn, view="heatmap")          # both up to date: no figure
    assert back["figure"] is no_update and back["figure3d"] is no_update and back["drawn"] is no_update
    assert back["style2d"] == view_style(True) and back["style3d"] == view_style(False)
    assert "view=heatmap" in back["state"]
    again = _call("greeks-view.value", drawn, view="surface")
    assert again["figure3d"] is no_update and again["style3d"] == view_style(True)


def test_a_3d_graph_drawn_for_older_inputs_is_redrawn_before_it_is_shown():
    first = _apply({}, _call(None, {})["drawn"])
    drawn = _apply(first, _call("greeks-view.value", first, view="surface")["drawn"])
    moved = _call("greeks-vol.value", drawn, vol=30.0)                  # on the heatmap, vol 20 -> 30
    assert moved["figure3d"] is no_update and _apply(drawn, moved["drawn"])["3d"] == drawn["3d"]
    to3d = _call("greeks-view.value", _apply(drawn, moved["drawn"]), view="surface", vol=30.0)
    assert to3d["figure3d"].data[0].type == "surface" and "vol 30%" in to3d["figure3d"].layout.title.text
    _check_delta(to3d["figure3d"].data[0].to_plotly_json(), 0.30)


def test_the_theme_switch_restyles_every_drawn_graph_only():
    out = _call("app-theme-switch.value", {"2d": "?a"})
    assert isinstance(out["figure"], Patch) and out["figure3d"] is no_update
    both = _call("app-theme-switch.value", {"2d": "?a", "3d": "?b"})
    assert isinstance(both["figure"], Patch) and isinstance(both["figure3d"], Patch)


def _prefetch(want: str, **kw):
    from callbacks.greeks import prefetch_3d

    s = {**DEFAULTS, **kw}
    return prefetch_3d(want, s["greek"], s["inst"], s["legs"], s["S"], s["vol"], s["r"], s["q"],
                       [s["xlo"], s["xhi"]], [s["dlo"], s["dhi"]], "", False)["prefetched"]


def test_the_background_3d_figure_is_the_surface_of_the_inputs_the_heatmap_shows():
    drawn = _apply({}, _call(None, {}, vol=30.0)["drawn"])                 # the heatmap at vol 30 %
    got = _prefetch(drawn["2d"], vol=30.0)
    assert got["dark"] is False and got["figure"].data[0].type == "surface"
    _check_delta(got["figure"].data[0].to_plotly_json(), 0.30)             # closed form, vol 30 %
    # recorded under the query the view switch computes: switching to 3D is then a display change
    both = {**drawn, "3d": got["query"]}
    to3d = _call("greeks-view.value", both, view="surface", vol=30.0)
    assert to3d["figure3d"] is no_update and to3d["figure"] is no_update and to3d["style3d"] == view_style(True)


def test_no_background_3d_figure_once_the_inputs_moved_on_or_for_bad_inputs():
    drawn = _apply({}, _call(None, {})["drawn"])                           # heatmap at vol 20 %
    assert _prefetch(drawn["2d"], vol=25.0) is no_update                   # the slider moved since
    assert _prefetch("", vol=20.0) is no_update
    bad = to_query({**DEFAULTS, "S": -1.0})
    assert _prefetch(bad, S=-1.0) is no_update                             # the heatmap shows an alert
