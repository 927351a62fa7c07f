"""The vectorised margin (``margin_many``) against the rule as it was computed one position at
a time before the kernel (``tests/core/strategies/margin_reference.py``): every catalogue
template over spots and expiries, random leg sets (hypothesis), invalid rows, validation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from core.errors import DataError
from core.strategies import (Leg, MarginBatch, Strategy, build, catalog, margin, margin_many)
from tests.core.strategies.margin_reference import reference_margin

TOL = 1e-9          # dollars per unit


def _rows(strategies):
    """(P, L) arrays of the legs, padded with qty 0."""
    L = max(len(s.legs) for s in strategies)
    kind = np.full((len(strategies), L), "stock", dtype=object)
    strike, T, qty, price = (np.zeros((len(strategies), L)) for _ in range(4))
    for r, s in enumerate(strategies):
        for j, x in enumerate(s.legs):
            kind[r, j], strike[r, j], T[r, j], qty[r, j], price[r, j] = (x.kind, x.strike, x.T,
                                                                         x.qty, x.price)
    return kind, strike, T, qty, price


def _assert_same(got_initial, got_net, got_paid, got_received, want):
    assert got_initial == pytest.approx(want[0], abs=TOL, rel=0)
    assert got_net == pytest.approx(want[1], abs=TOL, rel=0)
    assert got_paid == pytest.approx(want[2], abs=TOL, rel=0)
    assert got_received == pytest.approx(want[3], abs=TOL, rel=0)


def _catalogue_cases():
    cases = []
    for name in catalog():
        for spot0 in (100.0, 2700.0):
            for days in (7, 30, 91):
                for width in (0.02, 0.05, 0.12):
                    s = build(name, spot0, days / 365.0, vol=0.22, width=width)
                    for f in (0.6, 0.85, 0.97, 1.0, 1.03, 1.15, 1.6):
                        cases.append((name, s, spot0 * f))
    return cases


CASES = _catalogue_cases()


def test_every_catalogue_template_over_spots_and_expiries_in_one_call():
    names = {c[0] for c in CASES}
    assert names == set(catalog()) and len(CASES) >= 7 * 18 * len(names)
    kind, strike, T, qty, price = _rows([s for _, s, _ in CASES])
    spots = np.array([S for *_, S in CASES])
    got = margin_many(kind, strike, T, qty, price, spots)
    assert isinstance(got, MarginBatch) and got.initial.shape == (len(CASES),)
    capped = both = 0
    for r, (name, s, S) in enumerate(CASES):
        want = reference_margin(s, S)
        _assert_same(got.initial[r], got.net[r], got.premium_paid[r], got.premium_received[r],
                     want)
        labels = " ".join(a for a, _ in want[4])
        capped += "defined risk" in labels
        both += "both sides" in labels
    # the grid reaches the rule's branches: defined-risk caps and both-sides-short
    assert capped > 100 and both > 100


@pytest.mark.parametrize("name", catalog())
def test_single_position_margin_keeps_components_and_rule(name):
    for _, s, S in [c for c in CASES if c[0] == name][::5]:
        got, want = margin(s, S), reference_margin(s, S)
        _assert_same(got.initial, got.net, got.premium_paid, got.premium_received, want)
        assert [a for a, _ in got.components] == [a for a, _ in want[4]]
        assert np.allclose([b for _, b in got.components], [b for _, b in want[4]],
                           atol=TOL, rtol=0)
        assert got.rule == want[5]


def test_equity_rule_and_cash_account_parameters():
    s = build("covered_call", 50.0, 30 / 365, vol=0.3, width=0.05)
    p = build("short_strangle", 50.0, 30 / 365, vol=0.3, width=0.05)
    for strat in (s, p):
        for kw in ({"underlying": "equity"}, {"pct": 0.25, "min_pct": 0.05},
                   {"stock_margin": 1.0}):
            got = margin_many(*_rows([strat]), 48.0, **kw)
            _assert_same(got.initial[0], got.net[0], got.premium_paid[0],
                         got.premium_received[0], reference_margin(strat, 48.0, **kw))


_leg = st.tuples(
    st.sampled_from(["call", "put", "call", "put", "stock"]),
    st.sampled_from([80.0, 90.0, 95.0, 100.0, 105.0, 110.0, 125.0]),   # ties on purpose
    st.sampled_from([7 / 365, 30 / 365, 30 / 365, 91 / 365]),
    st.sampled_from([-3.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0]),
    st.floats(0.0, 25.0, allow_nan=False).map(lambda x: round(x, 2)))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(_leg, min_size=1, max_size=6), min_size=1, max_size=8),
       st.floats(40.0, 200.0), st.sampled_from(["index", "equity"]))
def test_random_leg_sets_match_the_reference(positions, spot, underlying):
    strategies = [Strategy([Leg(k, K, T, q, p) for k, K, T, q, p in legs], spot=spot)
                  for legs in positions]
    got = margin_many(*_rows(strategies), spot, underlying=underlying)
    for r, s in enumerate(strategies):
        want = reference_margin(s, spot, underlying=underlying)
        _assert_same(got.initial[r], got.net[r], got.premium_paid[r], got.premium_received[r],
                     want)
        one = margin(s, spot, underlying=underlying)
        assert (one.initial, one.net) == (got.initial[r], got.net[r])   # same kernel


def test_a_row_the_rule_refuses_is_nan_and_leaves_the_others():
    ic = build("iron_condor", 100.0, 30 / 365, vol=0.2, width=0.05)
    kind, strike, T, qty, price = _rows([ic, ic, ic, ic])
    price[1, 2] = np.nan           # a missing mark
    price[2, 0] = -0.1             # a negative price (Leg refuses it)
    spots = np.array([100.0, 100.0, 100.0, 0.0])   # spot 0 (margin refuses it)
    got = margin_many(kind, strike, T, qty, price, spots)
    want = reference_margin(ic, 100.0)
    assert got.initial[0] == pytest.approx(want[0], abs=TOL)
    assert np.isnan(got.initial[1:]).all() and np.isnan(got.net[1:]).all()
    with pytest.raises(DataError):
        Leg("put", strike[2, 0], T[2, 0], qty[2, 0], -0.1)


def test_kind_codes_broadcasting_and_round_trip():
    s = build("bull_put_spread", 100.0, 30 / 365, vol=0.2, width=0.05)
    kind, strike, T, qty, price = _rows([s])
    codes = np.where(kind == "call", 0, np.where(kind == "put", 1, 2)).astype(int)
    a = margin_many(codes[0], strike[0], T[0, 0], qty[0], price[0], 100.0)   # 1-D legs, scalar T
    b = margin_many(["P" if k == "put" else "C" for k in kind[0]], strike, T, qty, price, [100.0])
    assert a.initial[0] == b.initial[0] == pytest.approx(reference_margin(s, 100.0)[0], abs=TOL)
    back = MarginBatch.from_dict(a.to_dict())
    assert np.array_equal(back.net, a.net) and np.array_equal(back.premium_paid, a.premium_paid)


def test_bad_input_names_the_argument():
    with pytest.raises(DataError, match="kind must be"):
        margin_many([["call", "future"]], [[100, 100]], 0.1, [[1, -1]], [[1, 1]], 100.0)
    with pytest.raises(DataError, match="kind codes"):
        margin_many([[0, 5]], [[100, 100]], 0.1, [[1, -1]], [[1, 1]], 100.0)
    with pytest.raises(DataError, match="share the shape"):
        margin_many([["call", "put"]], [[100, 100, 90]], 0.1, [[1, -1]], [[1, 1]], 100.0)
    with pytest.raises(DataError, match="spot"):
        margin_many([["call"]], [[100]], 0.1, [[1]], [[1]], [100.0, 101.0])
    with pytest.raises(DataError, match="underlying"):
        margin_many([["call"]], [[100]], 0.1, [[1]], [[1]], 100.0, underlying="fx")
    with pytest.raises(DataError, match="pct"):
        margin_many([["call"]], [[100]], 0.1, [[1]], [[1]], 100.0, pct=1.5)
    with pytest.raises(DataError, match="qty must be"):
        margin_many([["call"]], [[100]], 0.1, [[[1]]], [[1]], 100.0)
    assert math.isnan(margin_many([["call"]], [[100]], 0.1, [[1]], [[1]], -5.0).initial[0])
