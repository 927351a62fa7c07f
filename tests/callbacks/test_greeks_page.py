"""Greeks page callbacks and URL state, called directly (no browser)."""
from __future__ import annotations

import numpy as np
import pytest
import QuantLib as ql
from scipy.stats import norm

from callbacks.greeks import render
from components.greek_units import GREEK_DISPLAY
from components.greeks_state import DEFAULTS, PRESETS, from_query, preset_legs, to_query
from core.pricing import parse_legs


def _state(**kw):
    return {**DEFAULTS, **kw}


def _ql_vega(S, K, T, r, q, vol):
    """Black-Scholes vega written out with scipy's normal density (independent of core)."""
    d1 = (np.log(S / K) + (r - q + 0.5 * vol**2) * T) / (vol * np.sqrt(T))
    return S * np.exp(-q * T) * norm.pdf(d1) * np.sqrt(T)


def test_surface_values_are_the_greek_in_desk_units():
    state = _state(view="surface", greek="vega", inst="put", S=120.0, vol=25.0, r=2.0, q=0.5, xlo=0.8, xhi=1.2,
                   dlo=30.0, dhi=365.0)
    res = render(state)
    assert res["error"] is None
    trace = res["figure"].data[0]
    x, days, z = np.asarray(trace.x), np.asarray(trace.y), np.asarray(trace.z)
    assert z.shape == (61, 61)
    assert x[0] == pytest.approx(96.0) and x[-1] == pytest.approx(144.0)
    for i, j in [(0, 0), (30, 17), (60, 60)]:
        expected = _ql_vega(120.0, x[j], days[i] / 365, 0.02, 0.005, 0.25) / 100  # per vol point
        assert z[i, j] == pytest.approx(expected, rel=1e-9)
    assert "Vega of Put" in res["figure"].layout.title.text
    assert res["figure"].layout.scene.zaxis.title.text == "Vega ($ per vol point)"


@pytest.mark.parametrize("view", ["surface", "heatmap", "slices"])
def test_every_view_renders_with_titles_and_units(view):
    res = render(_state(view=view, greek="theta", inst="position", legs="+1 C 100, -1 C 110"))
    fig = res["figure"]
    assert res["error"] is None and fig.layout.title.text.startswith("Theta of Position")
    text = fig.to_json()
    assert "$ per day" in text and "Underlying price ($)" in text


def test_position_theta_is_sum_of_leg_thetas_per_day():
    res = render(_state(view="heatmap", greek="theta", inst="position", legs="+1 C 100, -1 C 110",
                        xlo=0.9, xhi=1.1, dlo=10, dhi=100, r=3.0, q=1.0))
    tr = res["figure"].data[0]
    S, days, z = np.asarray(tr.x), np.asarray(tr.y), np.asarray(tr.z)
    today = ql.Date(1, 6, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    i, j = 0, 25  # days[0] = 10 exactly: an integer day count QuantLib can represent
    spot = ql.SimpleQuote(S[j])
    proc = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot), ql.YieldTermStructureHandle(ql.FlatForward(today, 0.01, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.03, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), 0.2, dc)))
    total = 0.0
    for qty, K in [(1, 100.0), (-1, 110.0)]:
        opt = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call, K),
                                ql.EuropeanExercise(today + int(days[i])))
        opt.setPricingEngine(ql.AnalyticEuropeanEngine(proc))
        total += qty * opt.theta() / 365
    assert z[i, j] == pytest.approx(total, rel=1e-9)


def test_bad_legs_are_flagged_not_fatal():
    res = render(_state(inst="position", legs="+1 X 100"))
    assert res["figure"] is None and "cannot read leg '+1 X 100'" in res["legs_error"]
    res = render(_state(inst="position", legs="+1 C -5"))
    assert res["legs_error"] is not None
    # the same text is ignored when a single option is shown
    assert render(_state(inst="call", legs="+1 X 100"))["error"] is None


def test_missing_spot_gives_message():
    res = render(_state(S=None))
    assert res["figure"] is None and "spot" in res["error"].lower()


@pytest.mark.parametrize("kw, message", [
    (dict(S=None), "spot must be a number above 0, got nothing: enter a value"),
    (dict(S=-5), "spot must be a number above 0, got -5"),
    (dict(S=0), "spot must be a number above 0, got 0"),
    (dict(vol=None), "vol must be a number of 0% or more, got nothing: enter a value"),
    (dict(vol=-5), "vol must be a number of 0% or more, got -5%"),
    (dict(r=None), "rate must be a number, got nothing: enter a value"),
    (dict(q=float("nan")), "dividend yield must be a number, got nan%"),
])
def test_bad_market_inputs_are_said_in_the_users_words(kw, message):
    """Core's validation (core._validate.number), not a callback-side check, answers: the text
    names the input as the page does, in its units, and never a Python type error."""
    res = render(_state(**kw))
    assert res["figure"] is None and res["error"] == message


def test_url_state_round_trips_and_rejects_junk():
    state = _state(greek="charm", inst="position", view="slices", S=250.0, vol=35.5, r=-0.5,
                   q=2.0, xlo=0.7, xhi=1.3, dlo=3.0, dhi=400.0, legs="+1 C 250, -1 P 240")
    from urllib.parse import parse_qsl
    query = dict(parse_qsl(to_query(state)[1:]))
    assert from_query(query) == state
    junk = from_query({"greek": "zeta", "S": "-3", "vol": "abc", "xlo": "2", "xhi": "1"})
    assert junk == {**DEFAULTS}
    assert "legs" not in to_query(_state(inst="call"))


def test_presets_parse_and_centre_on_spot():
    for name in PRESETS:
        legs = parse_legs(preset_legs(name, 4321.0))
        strikes = [leg.strike for leg in legs if leg.kind != "stock"]
        assert all(s % 5 == 0 for s in strikes) and all(3000 < s < 5500 for s in strikes)


def test_every_greek_has_a_display_unit():
    from core.pricing import GREEK_NAMES
    assert set(GREEK_DISPLAY) == set(GREEK_NAMES)


def test_readout_follows_the_days_range_and_shows_small_greeks():
    """Issue 13: the readout stayed at 7/30/91/365 days whatever the range, and vanna, volga and
    charm read 0.0000 at four decimals."""
    from callbacks.greeks import render
    from components.greek_units import fmt_greek
    from components.greeks_state import readout_days
    from components.greek_units import GREEK_DISPLAY
    from components.greeks_state import DEFAULTS
    from core.pricing import bs_greeks

    assert readout_days(30, 365) == (30, 69, 159, 365)
    assert readout_days(0, 10) == (1, 2, 5, 10)
    state = {**DEFAULTS, "dlo": 30.0, "dhi": 365.0}
    text = str(render(state)["readout"].to_plotly_json())
    for d in (30, 69, 159, 365):
        assert f"'{d} d'" in text
    assert "'7 d'" not in text
    g = bs_greeks(100.0, 100.0, 159 / 365, 0.04, 0.015, 0.20, True)   # independent evaluation
    charm = float(g.charm) * GREEK_DISPLAY["charm"].scale
    assert fmt_greek(charm) in text and fmt_greek(charm) not in ("0", "0.0000", "-0.0000")
    assert fmt_greek(1.23456e-5) == "1.235e-05" and fmt_greek(0.0) == "0"


def test_per_leg_vols_from_the_strategies_link_value_each_leg_at_its_own_vol():
    from components.greeks_state import leg_vols

    legs = "+1 C 100, -1 P 95"
    res = render(_state(view="heatmap", greek="vega", inst="position", legs=legs, lvol="22,28", vol=20.0,
                        S=100.0, r=0.0, q=0.0, xlo=0.9, xhi=1.1, dlo=30, dhi=60))
    tr = res["figure"].data[0]
    S, days, z = np.asarray(tr.x), np.asarray(tr.y), np.asarray(tr.z)
    i, j = 0, 30
    T = days[i] / 365
    expected = (_ql_vega(S[j], 100, T, 0, 0, 0.22) - _ql_vega(S[j], 95, T, 0, 0, 0.28)) / 100
    assert z[i, j] == pytest.approx(expected, rel=1e-9)
    assert "per-leg vols" in res["figure"].layout.title.text and "at 28%" in res["vols_note"]
    assert leg_vols("22,28", 3) is None and leg_vols("22,,", 3) == (22.0, None, None)


def test_readout_follows_the_chosen_days_range_with_significant_digits():
    import json

    from plotly.utils import PlotlyJSONEncoder

    from components.greeks_state import readout_days

    res = render(_state(greek="delta", inst="call", dlo=2, dhi=20))
    text = json.dumps(res["readout"], cls=PlotlyJSONEncoder)
    assert readout_days(2, 20) == (2, 4, 9, 20)
    for d in readout_days(2, 20):
        assert f'"{d} d"' in text
    assert '"365 d"' not in text and "0.0000" not in text


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_slices_price_levels_are_told_apart(theme):
    """The 90%, 100% and 110% lines of the across-time panel each have their own colour and dash
    (the 90 and 110 lines were the same pink dash in dark mode)."""
    fig = render(_state(view="slices"), theme)["figure"]
    levels = [t for t in fig.data if t.legendgroup == "x"]
    assert len(levels) == 3
    styles = {(t.line.color, t.line.dash) for t in levels}
    assert len(styles) == 3 and len({c for c, _ in styles}) == 3
