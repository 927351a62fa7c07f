"""Hedges leave the targeted Greeks within tolerance of zero (recomputed on the hedged book),
cost is the spread paid, impossible targets raise InfeasibleError."""
import pytest

from core.errors import DataError, InfeasibleError
from core.risk import book_greeks, hedge


def test_delta_hedge_with_the_underlying_is_exact(book, market):
    h = hedge(book, market, ("delta",))
    assert abs(h.after["delta"]) < 1e-3
    assert h.before["delta"] == pytest.approx(book_greeks(book, market).totals["delta"])
    assert [p.kind for p in h.trades.positions] == ["stock"]
    units = h.trades.positions[0].quantity
    assert units == pytest.approx(-h.before["delta"] / market.spot, rel=1e-6)
    assert h.cost == pytest.approx(abs(units) * market.spot * 1e-4, rel=1e-6)


@pytest.mark.parametrize("targets", [("delta", "vega"), ("delta", "gamma", "vega")])
def test_multi_greek_hedge_within_tolerance(book, market, targets):
    h = hedge(book, market, targets)
    after = book_greeks(book.with_positions(h.trades), market).totals
    for t in targets:
        assert abs(after[t]) <= h.tolerance[t] + 1e-6, (t, after[t], h.tolerance[t])
        assert abs(after[t]) < abs(h.before[t])
    assert h.cost > 0
    for p in h.trades.positions:
        if p.is_option:
            assert p.quantity == round(p.quantity)
            row = market.listed[(market.listed["strike"] == p.strike)]
            assert p.trade_price in set(row["ask"]) | set(row["bid"])


def test_continuous_lp_meets_tolerance_exactly(book, market):
    h = hedge(book, market, ("delta", "gamma", "vega"), whole_contracts=False)
    for t in ("gamma", "vega"):
        assert abs(h.after[t]) <= h.tolerance[t] * (1 + 1e-6)
    assert abs(h.after["delta"]) < 1e-3


def test_gamma_with_the_underlying_only_is_infeasible(book, market):
    with pytest.raises(InfeasibleError, match="add listed options"):
        hedge(book, market, ("gamma",), instruments=("underlying",))
    with pytest.raises(DataError, match="targets"):
        hedge(book, market, ("charm",))
