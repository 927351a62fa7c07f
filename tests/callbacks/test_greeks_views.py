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
    assert out["drawn"] == {"2d": to_query({**DEFAULTS})}
    assert out["style2d"] == view_style(True) and out["style3d"] == view_style(False)


def test_switching_to_3d_draws_the_surface_once_then_switching_is_a_display_change():
    first = _call(None, {})
    to3d = _call("greeks-view.value", first["drawn"], view="surface")
    assert to3d["figure"] is no_update and to3d["figure3d"].data[0].type == "surface"
    _check_delta(to3d["figure3d"].data[0].to_plotly_json(), 0.20)
    drawn = to3d["drawn"]
    assert set(drawn) == {"2d", "3d"} and to3d["style3d"] == view_style(True)
    back = _call("greeks-view.value", drawn, view="heatmap")          # both up to date: no figure
    assert back["figure"] is no_update and back["figure3d"] is no_update and back["drawn"] is no_update
    assert back["style2d"] == view_style(True) and back["style3d"] == view_style(False)
    assert "view=heatmap" in back["state"]
    again = _call("greeks-view.value", drawn, view="surface")
    assert again["figure3d"] is no_update and again["style3d"] == view_style(True)


def test_a_3d_graph_drawn_for_older_inputs_is_redrawn_before_it_is_shown():
    drawn = _call("greeks-view.value", _call(None, {})["drawn"], view="surface")["drawn"]
    moved = _call("greeks-vol.value", drawn, vol=30.0)                  # on the heatmap, vol 20 -> 30
    assert moved["figure3d"] is no_update and moved["drawn"]["3d"] == drawn["3d"]
    to3d = _call("greeks-view.value", moved["drawn"], view="surface", vol=30.0)
    assert to3d["figure3d"].data[0].type == "surface" and "vol 30%" in to3d["figure3d"].layout.title.text
    _check_delta(to3d["figure3d"].data[0].to_plotly_json(), 0.30)


def test_the_theme_switch_restyles_every_drawn_graph_only():
    out = _call("app-theme-switch.value", {"2d": "?a"})
    assert isinstance(out["figure"], Patch) and out["figure3d"] is no_update
    both = _call("app-theme-switch.value", {"2d": "?a", "3d": "?b"})
    assert isinstance(both["figure"], Patch) and isinstance(both["figure3d"], Patch)
