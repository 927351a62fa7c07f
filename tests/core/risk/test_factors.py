"""Stock side: betas against statsmodels OLS, factor stress arithmetic, correlation breakdown
against closed forms."""
import numpy as np
import pandas as pd
import pytest

from core.data import sample_prices
from core.risk import correlation_breakdown, estimate_betas, factor_returns, factor_stress


@pytest.fixture(scope="module")
def returns():
    return sample_prices()[["AAPL", "JPM", "XOM"]].pct_change(fill_method=None)


def test_betas_equal_statsmodels(returns):
    import statsmodels.api as sm
    b = estimate_betas(returns)
    F = factor_returns()
    df = pd.concat([returns["JPM"].rename("y"), F], axis=1, join="inner").dropna()
    fit = sm.OLS(df["y"], sm.add_constant(df[["sp500", "nasdaq"]])).fit()
    assert b.loc["JPM", "sp500"] == pytest.approx(fit.params["sp500"], rel=1e-9)
    assert b.loc["JPM", "nasdaq"] == pytest.approx(fit.params["nasdaq"], rel=1e-9)
    assert b.loc["JPM", "r2"] == pytest.approx(fit.rsquared, rel=1e-9)


def test_factor_stress(returns):
    b = estimate_betas(returns)
    res = factor_stress({"JPM": 100}, {"JPM": 110.0}, b, {"sp500": -0.1, "nasdaq": -0.2})
    move = -0.1 * b.loc["JPM", "sp500"] - 0.2 * b.loc["JPM", "nasdaq"]
    assert res.loc["JPM", "pnl"] == pytest.approx(11000 * move)


def test_correlation_breakdown_closed_forms(returns):
    exp = {"AAPL": 1e5, "JPM": -5e4, "XOM": 1e5}
    none = correlation_breakdown(returns, exp, shrink=0.0, base=("2015-01-01", "2018-04-11"), rng=0)
    t = none.table
    assert t.loc["historical", "var_after"] == pytest.approx(t.loc["historical", "var_before"],
                                                             rel=1e-7)
    full = correlation_breakdown(returns, exp, shrink=1.0, base=("2015-01-01", "2018-04-11"), rng=0)
    R = returns.loc["2015-01-01":"2018-04-11", list(exp)].dropna().to_numpy()
    w = np.array(list(exp.values()))
    sd = R.std(0, ddof=1)
    s1 = abs(w @ sd)                     # perfect correlation: P/L sd = |sum w_i sd_i|
    from scipy.stats import norm
    mu = R.mean(0) @ w
    assert full.table.loc["parametric", "var_after"] == pytest.approx(norm.ppf(0.99) * s1 - mu,
                                                                      rel=1e-4)
    s0 = np.sqrt(w @ np.cov(R.T) @ w)
    assert full.table.loc["parametric", "var_before"] == pytest.approx(norm.ppf(0.99) * s0 - mu,
                                                                       rel=1e-9)
    assert full.table.loc["mc", "var_after"] == pytest.approx(
        full.table.loc["parametric", "var_after"], rel=0.05)


def test_crisis_window_correlations_are_higher(returns):
    cs = correlation_breakdown(returns, {"AAPL": 1e5, "JPM": 1e5, "XOM": 1e5},
                               window=("2008-09-01", "2009-03-31"),
                               base=("2016-04-01", "2018-04-11"), rng=0)
    off = ~np.eye(3, dtype=bool)
    assert cs.corr_after.to_numpy()[off].mean() > cs.corr_before.to_numpy()[off].mean()
    assert cs.table.loc["parametric", "var_after"] > cs.table.loc["parametric", "var_before"]


def test_stock_side_of_a_book():
    from core.risk import Book
    from core.risk.factors import stock_side
    b = Book.from_csv("symbol,quantity\nJPM,100\nZZZZ,5\nSPX,10\n")
    st = stock_side(b, rng=0)
    assert st["tickers"] == ["JPM"] and "ZZZZ" in st["messages"][0]
    px = sample_prices()["JPM"].dropna().iloc[-1]
    betas = estimate_betas(sample_prices()[["JPM"]].pct_change(fill_method=None))
    row = st["factor_stress"][0]
    want = 100 * px * (row["sp500"] * betas.loc["JPM", "sp500"]
                       + row["nasdaq"] * betas.loc["JPM", "nasdaq"])
    assert row["pnl"] == pytest.approx(want)
    assert stock_side(Book.from_csv("symbol,quantity\nSPX,1\n")) is None
