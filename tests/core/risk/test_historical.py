"""Historical scenarios equal the returns computed from arch's data; the 5 Feb 2018 surface
shock is re-derived from the SPXW file; the option book's VaR methods agree in size."""
import pandas as pd
import pytest

from core.data import load_chain
from core.risk import (FEB_2018_SURFACE, book_var, historical_scenario, historical_scenarios,
                       measure_surface_shock)
from tests.conftest import shared_file


def test_spot_and_vix_moves_equal_arch_data():
    from arch.data import sp500, vix
    px = sp500.load()["Adj Close"]
    vx = vix.load()["vix"]
    s = historical_scenario("2018-02-05")
    assert s.spot == pytest.approx(px.loc["2018-02-05"] / px.loc["2018-02-02"] - 1, rel=1e-12)
    assert s.vol == pytest.approx((vx.loc["2018-02-05"] - vx.loc["2018-02-02"]) / 100, rel=1e-12)
    assert s.days == 3
    # published magnitudes: S&P 500 -4.10% and VIX 17.31 -> 37.32 on 5 Feb 2018
    assert s.spot == pytest.approx(-0.0410, abs=5e-4)
    assert s.vol == pytest.approx(0.2001, abs=1e-4)
    o = historical_scenario("2008-10-15")
    assert o.spot == pytest.approx(px.loc["2008-10-15"] / px.loc["2008-10-14"] - 1, rel=1e-12)
    assert o.vol == 0.0 and "no VIX data" in o.source


def test_historical_set_cites_sources():
    sc = historical_scenarios()
    assert len(sc) == 10
    assert all(s.source for s in sc)
    assert any("published" in s.name for s in sc)
    with pytest.raises(Exception, match="not a trading day"):
        historical_scenario("2018-02-04")


def _chain(df, day):
    sub = df[df["quotedate"] == day]
    return load_chain(sub, spot=float(sub["underlying_last"].iloc[0]))


def test_feb_2018_surface_shock_rederived_from_the_file():
    df = pd.read_csv(shared_file("spxw_2018-01_02.csv"), encoding="utf-8-sig")
    before, after = _chain(df, "02/02/2018"), _chain(df, "02/05/2018")
    m = measure_surface_shock(before, after)
    assert m["expiry"] == "2018-02-28"
    for k in ("spot", "vol", "skew"):
        assert m[k] == pytest.approx(FEB_2018_SURFACE[k], abs=2e-6), k
    # the spot move is the file's own underlying_last ratio
    assert m["spot"] == pytest.approx(2648.98 / 2761.94 - 1, rel=1e-9)
    # ATM vol roughly doubled, as VIX did (17 -> 37)
    assert m["after"]["atm"] > 2 * m["before"]["atm"]


def test_book_var_methods(book, market):
    h = book_var(book, market, method="historical")
    p = book_var(book, market, method="parametric")
    mc = book_var(book, market, method="mc", rng=1, n_paths=5000)
    assert h["es"] >= h["var"] > 0
    for x in (p, mc):
        assert x["var"] == pytest.approx(h["var"], rel=0.5)
    assert h["n"] > 1000
