"""The Strategies page values every change in one callback (issue 13): a template or market input
places the legs and values them in the same call, a cell edit marks the position custom and values
the edited grid. Called as Dash calls it (the triggering props set in the callback context)."""
from __future__ import annotations

import pytest

from callbacks.strategies import template_rows, update
from core.data import sample_chain
from core.strategies import build, strategy_info


def _call(props, **kw):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": p, "value": 1} for p in props]))
    base = dict(rows=None, edit=None, dS=0, dvol=0, dfwd=0, vol_mode="legs", var_horizon="expiry",
                underlying="index", multiplier=100, lots=1, fresh=False, template="iron_condor", source="flat",
                spot=100.0, vol=20.0, rate=3.0, div=1.0, days=30.0, width=5.0, virtual=None, dark=False)
    return update(**{**base, **kw})


def test_a_template_change_places_and_values_the_legs_in_one_call():
    old, _ = template_rows("iron_condor", spot=100, vol=0.2, r=0.03, q=0.01, days=30, width=0.05, source="flat")
    out = _call(["st-template.value"], rows=old, template="long_straddle")
    st = build("long_straddle", 100.0, 30 / 365, vol=0.2, r=0.03, q=0.01)   # the catalogue, independently
    assert [(r["type"], r["strike"], r["qty"]) for r in out["rows"]] == \
        [(x.kind[0].upper(), pytest.approx(x.strike), x.qty) for x in st.legs]
    assert strategy_info("long_straddle")["label"] in out["payoff"].layout.title.text
    assert "template=long_straddle" in out["state"]


def test_spx_source_places_on_the_chain_and_shows_its_spot_and_rates():
    out = _call(["st-source.value"], source="spx", template="bull_call_spread")
    c = sample_chain()
    assert out["spot"] == pytest.approx(round(c.spot, 2))
    strikes = set(c.quotes["strike"])
    assert all(r["strike"] in strikes for r in out["rows"])
    assert f"S={out['spot']:g}" in out["state"]


def test_a_cell_edit_marks_the_position_custom_and_values_the_edited_grid():
    rows, _ = template_rows("long_call", spot=100, vol=0.2, r=0.03, q=0.01, days=30, width=0.05, source="flat")
    edited = [{**rows[0], "qty": 10}]
    one = _call(["st-spot-shift.value"], rows=rows, template="long_call")
    ten = _call(["st-legs.cellValueChanged"], rows=rows, virtual=edited, template="long_call",
                edit=[{"colId": "qty"}])
    assert ten["template"] == "custom" and ten["rows"].__class__.__name__ == "NoUpdate"
    assert "Custom strategy" in ten["payoff"].layout.title.text
    # ten units: the payoff curve is ten times the one-unit curve
    y1, y10 = one["payoff"].data[0].y, ten["payoff"].data[0].y
    assert max(abs(b - 10 * a) for a, b in zip(y1, y10)) < 1e-3 * max(abs(v) for v in y10)


def test_a_custom_position_keeps_its_legs_when_a_market_input_changes():
    rows = [{"type": "C", "strike": 105.0, "days": 30.0, "qty": 2, "price": 1.0, "vol": 25.0}]
    out = _call(["st-spot.value"], rows=rows, template="custom", spot=110.0)
    assert out["rows"].__class__.__name__ == "NoUpdate"
    assert "S=110" in out["state"] and "Custom strategy" in out["payoff"].layout.title.text
