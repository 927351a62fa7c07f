"""CBOE / Reg-T customer margin on textbook examples."""
from __future__ import annotations

import json

import pytest

from core.errors import DataError
from core.strategies import Leg, MarginEstimate, Strategy, build, margin

T = 0.1


def S_(legs, spot):
    return Strategy(legs, spot=spot)


def test_naked_short_index_put_cboe_example():
    # SPX 1450, short the 1400 put at 12.50: 12.50 + max(15% x 1450 - 50, 10% x 1400) = 180
    m = margin(S_([Leg("put", 1400, T, -1, 12.5)], 1450))
    assert m.initial == pytest.approx(180.0) and m.net == pytest.approx(167.5)
    assert m.premium_received == 12.5 and "15%" in m.rule


def test_naked_short_call_minimum_applies_far_out_of_the_money():
    # 15% x 100 - 30 OTM < 10% x 100: the minimum 10 plus premium
    m = margin(S_([Leg("call", 130, T, -2, 0.2)], 100))
    assert m.initial == pytest.approx(2 * (0.2 + 10)) and m.net == pytest.approx(20)


def test_equity_percentages_and_itm_put():
    m = margin(S_([Leg("put", 55, T, -1, 6.0)], 50), pct=0.20)  # ITM: no OTM deduction
    assert m.initial == pytest.approx(6 + 10)
    m = margin(S_([Leg("put", 45, T, -1, 1.0)], 50), pct=0.20)
    assert m.initial == pytest.approx(1 + max(10 - 5, 4.5))


def test_credit_and_debit_verticals_require_their_max_loss():
    credit = S_([Leg("put", 100, T, -1, 3.0), Leg("put", 95, T, 1, 1.0)], 102)
    m = margin(credit)
    assert m.net == pytest.approx(5 - 2) == pytest.approx(credit.max_loss())
    assert m.initial == pytest.approx(5 + 1)
    debit = S_([Leg("call", 100, T, 1, 5.0), Leg("call", 110, T, -1, 2.0)], 100)
    assert margin(debit).net == pytest.approx(3.0) and margin(debit).initial == pytest.approx(5)


def test_iron_condor_requires_the_greater_side_only():
    ic = S_([Leg("put", 90, T, 1, 1), Leg("put", 95, T, -1, 2), Leg("call", 105, T, -1, 2.2),
             Leg("call", 115, T, 1, 0.5)], 100)
    m = margin(ic)
    credit = 2 + 2.2 - 1 - 0.5
    assert m.net == pytest.approx(10 - credit) == pytest.approx(ic.max_loss())


def test_short_straddle_greater_side_plus_other_premium():
    st = S_([Leg("call", 100, T, -1, 4.0), Leg("put", 100, T, -1, 3.5)], 100)
    m = margin(st)
    assert m.initial == pytest.approx(max(4 + 15, 3.5 + 15) + 3.5)
    assert m.net == pytest.approx(15)


def test_covered_call_adds_nothing_to_the_stock():
    cc = S_([Leg("stock", 0, 0, 1, 100), Leg("call", 105, T, -1, 2.0)], 100)
    assert margin(cc, stock_margin=1.0).net == pytest.approx(100 - 2)
    assert margin(cc).initial == pytest.approx(50)
    naked = margin(S_([Leg("call", 105, T, -1, 2.0)], 100)).initial
    assert naked > 0 and margin(cc).initial - 50 == 0


def test_long_butterfly_and_calendar_pay_the_debit():
    fly = S_([Leg("call", 95, T, 1, 7), Leg("call", 100, T, -2, 4), Leg("call", 105, T, 1, 2)], 100)
    assert margin(fly).net == pytest.approx(1.0)
    cal = S_([Leg("call", 100, T, -1, 2.5), Leg("call", 100, 3 * T, 1, 4.6)], 100)
    assert margin(cal).net == pytest.approx(2.1)
    # a short call is not covered by a long call that expires first
    rev = S_([Leg("call", 100, T, 1, 2.5), Leg("call", 100, 3 * T, -1, 4.6)], 100)
    assert margin(rev).initial == pytest.approx(2.5 + 4.6 + 15)


def test_ratio_spread_margins_the_uncovered_short():
    ratio = S_([Leg("call", 100, T, 1, 5), Leg("call", 105, T, -2, 2)], 100)
    m = margin(ratio)
    assert m.initial == pytest.approx(5 + 0 + (2 + max(15 - 5, 10)))
    assert m.net == pytest.approx(m.initial - 4)


def test_catalogue_strategies_all_have_a_margin_and_round_trip():
    for name in ("short_strangle", "jade_lizard", "collar", "call_backspread", "synthetic_short"):
        m = margin(build(name, 100, 0.1, vol=0.2))
        assert m.initial >= 0 and m.components
        assert MarginEstimate.from_dict(json.loads(json.dumps(m.to_dict()))) == m
    with pytest.raises(DataError, match="spot"):
        margin(Strategy([Leg("put", 100, T, -1, 1)]))
    with pytest.raises(DataError, match="pct"):
        margin(build("short_put", 100, 0.1, vol=0.2), pct=1.5)


def test_cboe_iron_condor_requires_the_wider_wing_and_naked_rules_differ_by_underlying():
    from core.strategies import Leg, Strategy, margin

    # CBOE Margin Manual: short iron condor = the greater of the put-spread and call-spread
    # requirements (strike differences); premiums received may be applied.
    legs = [Leg("put", 90, 0.1, 1, 0.5), Leg("put", 95, 0.1, -1, 1.2),
            Leg("call", 105, 0.1, -1, 1.1), Leg("call", 115, 0.1, 1, 0.2)]
    m = margin(Strategy(legs, spot=100))
    assert m.net == pytest.approx(10.0 - (1.2 + 1.1 - 0.5 - 0.2))          # wider wing 10, less credit
    assert "greater side" in m.rule
    # naked short put 10% OTM, S = 100, premium 1: index 15% - OTM 10 = 5 (> 10% K = 9? no: 9)
    put = Strategy([Leg("put", 90, 0.1, -1, 1.0)], spot=100)
    idx, eq = margin(put, underlying="index"), margin(put, underlying="equity")
    assert idx.initial == pytest.approx(1.0 + max(0.15 * 100 - 10, 0.10 * 90))
    assert eq.initial == pytest.approx(1.0 + max(0.20 * 100 - 10, 0.10 * 90))
    assert "broad-based index" in idx.rule and "equity" in eq.rule and "20%" in eq.rule
    with pytest.raises(Exception, match="underlying must be"):
        margin(put, underlying="bond")
