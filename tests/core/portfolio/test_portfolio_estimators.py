"""Expected returns and risk models against PyPortfolioOpt, scikit-learn and pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pypfopt import expected_returns as er
from pypfopt import risk_models as rm
from sklearn.covariance import LedoitWolf

from core.data.prices import index_prices, returns
from core.errors import DataError
from core.portfolio import (Estimate, capm_return, ema_return, ewma_cov, expected_returns,
                            ledoit_wolf, mean_return, nearest_psd, risk_model, sample_cov,
                            semicovariance)

TOL = 1e-12


def _close(est, ref, tol=TOL):
    ours = est.to_pandas()
    ref = ref.loc[ours.index] if isinstance(ref, pd.Series) else ref.loc[ours.index, ours.index]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("compounding", [True, False])
def test_mean_return_matches_pypfopt_on_ragged_data(prices, compounding):
    est = mean_return(prices, compounding=compounding)
    _close(est, er.mean_historical_return(prices, compounding=compounding))
    assert est.kind == "returns" and est.frequency == 252
    assert est.n_obs[est.tickers.index("BABA")] == 895
    assert any("Ragged histories" in n for n in est.notes)


def test_mean_return_common_window(prices):
    est = mean_return(prices, missing="common")
    common = prices.loc[prices.dropna().index[0]:]
    _close(est, er.mean_historical_return(common))
    assert set(est.n_obs) == {895} and any("Common window 2014-09-22" in n for n in est.notes)


def test_ema_and_capm_match_pypfopt(prices):
    _close(ema_return(prices, span=300), er.ema_historical_return(prices, span=300))
    _close(capm_return(prices, rf=0.01), er.capm_return(prices, risk_free_rate=0.01))
    mkt = index_prices()["SP500"]
    common = prices.dropna()
    _close(capm_return(common, market=mkt), er.capm_return(common, market_prices=mkt.to_frame()))
    est = capm_return(prices, market=mkt)
    assert any("Market returns cover" in n for n in est.notes)
    assert len(est.params["betas"]) == 20


def test_covariances_match_pypfopt_pandas_and_sklearn(prices, common_returns):
    r = returns(prices, "simple")
    est = sample_cov(prices)                                 # pairwise on ragged histories
    _close(est, r.cov() * 252)
    assert est.kind == "covariance"
    _close(sample_cov(prices.dropna()), rm.sample_cov(prices.dropna()))
    _close(ewma_cov(prices, span=120), rm.exp_cov(prices, span=120))
    _close(semicovariance(prices.dropna(), benchmark=1e-4),
           rm.semicovariance(prices.dropna(), benchmark=1e-4))
    lw = ledoit_wolf(prices)
    ref = LedoitWolf().fit(common_returns.to_numpy())
    np.testing.assert_allclose(lw.values, ref.covariance_ * 252, rtol=1e-12, atol=1e-14)
    assert lw.params["shrinkage"] == pytest.approx(ref.shrinkage_, rel=1e-12)
    assert any("Common window" in n for n in lw.notes)


def test_semicovariance_pairwise_counts_only_shared_dates(prices):
    est = semicovariance(prices)
    r = returns(prices, "simple")
    d = np.minimum(r[["FB", "AAPL"]].dropna(), 0)
    assert est.to_pandas().loc["FB", "AAPL"] == pytest.approx(
        (d["FB"] * d["AAPL"]).mean() * 252, rel=1e-12)


def test_returns_data_and_frequency(prices):
    monthly = returns(prices, "simple", "M")
    est = sample_cov(monthly, returns_data=True)
    assert est.frequency == 12
    np.testing.assert_allclose(est.values, monthly.cov().to_numpy() * 12, rtol=1e-12)


def test_nearest_psd_repairs_and_keeps_variances():
    # pairwise-complete data whose covariance is indefinite
    X = np.array([[1, 1, np.nan], [2, 2, np.nan], [3, 3, 3], [4, 4, 4], [5, np.nan, 5],
                  [6, np.nan, 6.5], [1, np.nan, -4], [2, -9, np.nan]], dtype=float) / 100
    df = pd.DataFrame(X, columns=list("ABC"), index=pd.bdate_range("2024-01-01", periods=8))
    raw = df.cov().to_numpy() * 252
    assert np.linalg.eigvalsh(raw)[0] < 0
    est = sample_cov(df, returns_data=True)
    assert np.linalg.eigvalsh(est.values)[0] > -1e-12
    np.testing.assert_allclose(np.diag(est.values), np.diag(raw), rtol=1e-10)
    assert any("not positive semi-definite" in n for n in est.notes)
    fixed = nearest_psd(pd.DataFrame(raw, index=list("ABC"), columns=list("ABC")))
    assert isinstance(fixed, pd.DataFrame) and np.linalg.eigvalsh(fixed.to_numpy())[0] > -1e-12
    # a PSD matrix is left (numerically) unchanged
    good = np.array([[0.04, 0.01], [0.01, 0.09]])
    np.testing.assert_allclose(nearest_psd(good), good, atol=1e-12)


def test_estimate_round_trip_and_dispatch(prices):
    est = ledoit_wolf(prices)
    back = Estimate.from_dict(est.to_dict())
    np.testing.assert_array_equal(back.values, est.values)
    assert back.tickers == est.tickers and back.notes == est.notes
    assert back.params["shrinkage"] == est.params["shrinkage"]
    assert risk_model(prices, "sample").method == "sample"
    assert expected_returns(prices, "ema").method == "ema"
    with pytest.raises(DataError, match="method must be one of"):
        risk_model(prices, "magic")


def test_bad_inputs(prices):
    with pytest.raises(DataError, match="DataFrame"):
        sample_cov(np.ones((5, 2)))
    with pytest.raises(DataError, match="missing must be"):
        sample_cov(prices, missing="drop")
    with pytest.raises(DataError, match="span"):
        ewma_cov(prices, span=0)
    df = prices[["AAPL"]].copy()
    df["NEW"] = np.nan
    df.iloc[-1, 1] = 5.0
    with pytest.raises(DataError, match="NEW"):
        mean_return(df)
