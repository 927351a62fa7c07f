"""Book Greeks against QuantLib per position (summed), shadow Greeks against finite
differences of full revaluation, buckets summing to totals, left-out rows."""
import datetime as dt

import numpy as np
import pytest

from core.risk import Book, Position, Scenario, book_greeks, revalue
from core.risk.valuation import prepare


def _ql_greeks(S, K, T, r, q, sig, is_call, day):
    import QuantLib as ql
    today = ql.Date(day.day, day.month, day.year)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    proc = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(S)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), sig, dc)))
    opt = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, K),
                            ql.EuropeanExercise(today + int(round(T * 365))))
    opt.setPricingEngine(ql.AnalyticEuropeanEngine(proc))
    return opt.NPV(), opt.delta(), opt.gamma(), opt.vega(), opt.theta(), opt.rho()


def test_totals_equal_quantlib_per_position_summed(book, market):
    g = book_greeks(book, market)
    P = prepare(book, market)
    S = market.spot
    want = dict.fromkeys(("value", "delta", "gamma", "vega", "theta", "rho"), 0.0)
    for j in range(P.n):
        u = P.units[j]
        if P.is_option[j]:
            npv, d, gm, v, th, rh = _ql_greeks(S, P.K[j], P.T[j], P.r[j], P.q[j], P.sigma[j],
                                               bool(P.is_call[j]), market.valuation_date)
            want["value"] += npv * u
            want["delta"] += d * S * u
            want["gamma"] += gm * S * S / 100 * u
            want["vega"] += v / 100 * u
            want["theta"] += th / 365 * u
            want["rho"] += rh / 100 * u
        elif P.is_stock[j]:
            want["value"] += S * u
            want["delta"] += S * u
        else:
            want["value"] += u
    for k, v in want.items():
        assert g.totals[k] == pytest.approx(v, rel=1e-6, abs=1e-6), k


def test_position_vols_come_from_the_surface(book, market):
    g = book_greeks(book, market)
    opt = g.by_position[g.by_position["kind"].isin(["call", "put"])]
    direct = market.surface.implied_vol(opt["strike"].to_numpy(), opt["T"].to_numpy())
    np.testing.assert_allclose(opt["vol"].to_numpy(), direct, rtol=1e-10)


def test_shadow_greeks_match_sticky_moneyness_finite_differences(book, market):
    mm = market.with_sticky("moneyness")
    g = book_greeks(book, market).totals
    h = 1e-3
    up, mid, dn = revalue(book, mm, [Scenario(spot=h), Scenario(), Scenario(spot=-h)])
    S = market.spot
    fd_delta = (up - dn) / (2 * S * h) * S
    fd_gamma = (up - 2 * mid + dn) / (S * h) ** 2 * S * S / 100
    assert g["shadow_delta"] == pytest.approx(fd_delta, rel=2e-3)
    assert g["shadow_gamma"] == pytest.approx(fd_gamma, rel=2e-2)
    # negative skew: sticky moneyness adds delta to a long-vega book
    assert g["shadow_delta"] > g["delta"]


def test_buckets_sum_to_totals(book, market):
    g = book_greeks(book, market)
    for frame in (g.by_expiry, g.by_moneyness):
        for k in ("value", "delta", "gamma", "vega"):
            assert frame[k].sum() == pytest.approx(g.totals[k], rel=1e-12)
    assert "stock" in set(g.by_expiry["bucket"])


def test_bad_positions_are_left_out_with_messages(market):
    b = Book((Position("put", 1, "SPX", 1300.0, dt.date(2011, 1, 19), 100),   # expired
              Position("call", 1, "SPX", 50.0, dt.date(2011, 6, 18), 100),     # far strike
              Position("call", 1, "SPX", 1300.0, dt.date(2035, 6, 18), 100),   # far expiry
              Position("call", 1, "AAPL", 300.0, dt.date(2011, 6, 18), 100),   # other underlying
              Position("call", 2, "SPX", 1300.0, dt.date(2011, 6, 18), 100)))
    g = book_greeks(b, market)
    assert g.totals["n_valued"] == 1 and g.totals["n_left_out"] == 4
    text = " ".join(g.left_out)
    assert "expired" in text and "far outside" in text and "far beyond" in text
    assert "AAPL" in text


def test_extrapolation_is_flagged_not_silent(market):
    b = Book((Position("call", 1, "SPX", 1300.0, dt.date(2011, 1, 28), 100),
              Position("call", 1, "SPX", 1300.0, dt.date(2015, 6, 18), 100),
              Position("put", 1, "SPX", 700.0, dt.date(2011, 6, 18), 100),
              Position("call", 1, "SPX", 1300.0, dt.date(2011, 6, 18), 100)))
    flags = list(book_greeks(b, market).by_position["flag"])
    assert "before the first" in flags[0]
    assert "beyond the last" in flags[1]
    assert "outside the quoted moneyness" in flags[2]
    assert flags[3] == ""


def test_book_with_no_options(market):
    g = book_greeks(Book((Position("stock", 10, "SPX"),)), market)
    assert g.totals["delta"] == pytest.approx(10 * market.spot)
    assert g.totals["vega"] == 0.0


def test_bucket_membership(market):
    S = market.spot
    b = Book((Position("put", 1, "SPX", round(0.95 * S), dt.date(2011, 6, 18), 100),
              Position("call", 1, "SPX", round(1.2 * S), dt.date(2011, 3, 19), 100),
              Position("stock", 3, "SPX")))
    g = book_greeks(b, market)
    m = g.by_moneyness.set_index("bucket")
    assert list(m.index) == ["90–97%", "> 110%", "stock"]
    assert m.loc["90–97%", "vega"] == pytest.approx(g.by_position["vega"].iloc[0])
    e = g.by_expiry.set_index("bucket")
    assert list(e.index) == ["2011-03-19", "2011-06-18", "stock"]
    assert e.loc["stock", "delta"] == pytest.approx(3 * S)
