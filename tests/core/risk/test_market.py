"""Market: curves reproduce the chain's forwards and discount factors at its expiries, every
surface model values positions, serialisation round-trips, sticky rules differ as they should."""
import datetime as dt

import numpy as np
import pytest

from core.errors import DataError
from core.risk import Book, Market, Position, Scenario, book_greeks, revalue


def test_curves_reproduce_the_chain(market, chain):
    exp = chain.expiries
    T = exp["T"].to_numpy()
    r, q = market.rates(T)
    np.testing.assert_allclose(np.exp(-r * T), exp["discount"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(market.forward(T), exp["forward"].to_numpy(), rtol=1e-12)
    # flat forward beyond the last expiry: the rate stays the last one
    r_far, _ = market.rates(np.array([T[-1] * 2]))
    assert r_far[0] == pytest.approx(r[-1])


@pytest.mark.parametrize("model", ["ssvi", "sabr"])
def test_other_surfaces_value_the_book(book, chain, model):
    m = Market.from_chain(chain, model)
    g = book_greeks(book, m)
    assert g.totals["n_valued"] == len(book)
    opt = g.by_position[g.by_position["kind"].isin(["call", "put"])]
    np.testing.assert_allclose(opt["vol"], m.surface.implied_vol(opt["strike"], opt["T"]),
                               rtol=1e-10)


def test_round_trip(book, market):
    again = Market.from_dict(market.to_dict())
    assert again.spot == market.spot and again.valuation_date == market.valuation_date
    np.testing.assert_allclose(revalue(book, again, [Scenario(spot=-0.1, vol=0.05)]),
                               revalue(book, market, [Scenario(spot=-0.1, vol=0.05)]),
                               rtol=1e-12)


def test_sticky_moneyness_raises_put_vols_in_a_sell_off(market):
    put = Book((Position("put", 1, "SPX", 1200.0, dt.date(2011, 6, 18), 100),))
    down = Scenario(spot=-0.1)
    strike = revalue(put, market, [down])[0]
    money = revalue(put, market.with_sticky("moneyness"), [down])[0]
    # the 1200 put becomes nearer the money: sticky moneyness gives it the lower ATM-ish vol
    assert money < strike


def test_bad_arguments(chain):
    with pytest.raises(DataError, match="surface"):
        Market.from_chain(chain, "heston")
    with pytest.raises(DataError, match="sticky"):
        Market.from_chain(chain, sticky="delta-ish")


def test_later_valuation_date_rolls_down_the_surface(chain):
    d = chain.quote_date + dt.timedelta(days=30)
    m = Market.from_chain(chain, valuation_date=d)
    assert m.valuation_date == d and "valued on" in m.source
    put = Book((Position("put", 2, "SPX", 1250.0, dt.date(2011, 6, 18), 100),))
    g = book_greeks(put, m)
    T = (dt.date(2011, 6, 18) - d).days / 365
    r, q = (float(x) for x in m.rates(T))
    from core.pricing import bs_price
    want = bs_price(m.spot, 1250.0, T, r, q, float(m.surface.implied_vol(1250.0, T)), False)
    assert g.totals["value"] == pytest.approx(200 * float(want), rel=1e-10)
    with pytest.raises(DataError, match="before the chain"):
        Market.from_chain(chain, valuation_date="2010-01-01")
