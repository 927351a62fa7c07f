"""Black-Litterman against PyPortfolioOpt's BlackLittermanModel, and Idzorek's property."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from pypfopt import black_litterman as pbl

from core.data.prices import index_prices
from core.errors import DataError
from core.portfolio import (BlackLitterman, View, black_litterman, implied_risk_aversion,
                            market_implied_prior)


@pytest.fixture(scope="module")
def caps(cov):
    # stand-in market capitalisations (USD bn), fixed for the test
    vals = [700, 900, 500, 450, 700, 250, 12, 260, 300, 50, 230, 8, 1, 350, 5, 20, 180, 210,
            380, 80]
    return pd.Series(vals, index=cov.index, dtype=float) * 1e9


VIEWS = [View.absolute("AAPL", 0.10, 0.6), View.relative("XOM", "RRC", 0.02, 0.3),
         View.relative(["JPM", "BAC"], "MA", -0.01, 0.9), View.absolute("AMZN", 0.25, 1.0)]


def test_prior_and_risk_aversion_match_pypfopt(cov, caps):
    ours = market_implied_prior(cov, market_caps=caps, delta=3.0, rf=0.01)
    ref = pbl.market_implied_prior_returns(caps, 3.0, cov, risk_free_rate=0.01)
    np.testing.assert_allclose(ours.to_numpy(), ref.loc[ours.index].to_numpy(), rtol=1e-12)
    w = caps / caps.sum()
    np.testing.assert_allclose(market_implied_prior(cov, market_weights=w, delta=3.0, rf=0.01), ours)
    spx = index_prices()["SP500"]
    assert implied_risk_aversion(spx, rf=0.02) == pytest.approx(
        pbl.market_implied_risk_aversion(spx, risk_free_rate=0.02), rel=1e-12)


@pytest.mark.parametrize("omega", ["idzorek", "proportional"])
def test_posterior_matches_pypfopt(cov, caps, omega):
    bl = black_litterman(cov, VIEWS, market_caps=caps, delta=2.5, tau=0.05, omega=omega)
    prior = pbl.market_implied_prior_returns(caps, 2.5, cov)
    kw = dict(omega="idzorek", view_confidences=[v.confidence for v in VIEWS]) \
        if omega == "idzorek" else dict(omega="default")
    ref = pbl.BlackLittermanModel(cov, pi=prior, P=bl.P, Q=bl.Q, tau=0.05, risk_aversion=2.5,
                                  **kw)
    np.testing.assert_allclose(bl.returns().to_numpy(), ref.bl_returns().to_numpy(),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bl.covariance().to_numpy(), ref.bl_cov().to_numpy(),
                               rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(bl.implied_weights().to_numpy(),
                               pd.Series(ref.bl_weights()).to_numpy(), rtol=1e-8, atol=1e-10)
    # P rows: absolute, relative (sums to zero), basket relative
    assert bl.P[0, list(cov.index).index("AAPL")] == 1 and abs(bl.P[1].sum()) < 1e-15
    assert bl.P[2, list(cov.index).index("JPM")] == 0.5


def test_full_confidence_view_is_matched_exactly(cov, caps):
    bl = black_litterman(cov, [View.absolute("AAPL", 0.10, 1.0)], market_caps=caps)
    assert bl.returns()["AAPL"] == pytest.approx(0.10, abs=1e-12)


@pytest.mark.parametrize("conf", [0.2, 0.5, 0.8])
def test_idzorek_tilt_is_confidence_times_full_tilt(cov, caps, conf):
    """Idzorek: a view held with confidence c moves the implied weights c of the way."""
    view = View.relative("XOM", "JPM", 0.05, conf)
    full = View.relative("XOM", "JPM", 0.05, 1.0)
    w_mkt = (caps / caps.sum()).to_numpy()
    part = black_litterman(cov, [view], market_caps=caps)
    whole = black_litterman(cov, [full], market_caps=caps)
    tilt = lambda bl: np.linalg.solve(bl.delta * bl.cov, bl.posterior) - w_mkt
    np.testing.assert_allclose(tilt(part), conf * tilt(whole), atol=1e-10)


def test_zero_confidence_views_are_ignored(cov, caps):
    bl = black_litterman(cov, [View.absolute("AAPL", 0.5, 0.0)], market_caps=caps)
    np.testing.assert_allclose(bl.posterior, bl.prior)
    assert any("Ignored 1 view" in n for n in bl.notes)


def test_dict_views_numpy_inputs_and_round_trip(cov, caps):
    bl = black_litterman(cov, {"AAPL": 0.1, "MA": 0.2}, market_caps=caps)
    assert len(bl.Q) == 2
    C = cov.to_numpy()
    bn = black_litterman(C, [{"assets": {0: 1, 1: -1}, "value": 0.02, "confidence": 0.5}],
                         prior=np.full(20, 0.08))
    assert isinstance(bn.returns(), np.ndarray) and bn.tickers is None
    back = BlackLitterman.from_dict(json.loads(json.dumps(bl.to_dict())))
    np.testing.assert_array_equal(back.posterior_cov, bl.posterior_cov)
    assert back.views == bl.views and back.tickers == bl.tickers
    v = View.from_dict(VIEWS[2].to_dict())
    assert v == VIEWS[2] and v.is_relative


@pytest.mark.parametrize("views, needle", [
    ([View.absolute("MSFT", 0.1)], "names 'MSFT', which is not an asset"),
    ([View.absolute("AAPL", 0.1, 1.5)], "confidence of the view"),
    ([{"assets": {"AAPL": 1}}], "needs 'assets', 'value'"),
    ([], "at least one view"),
])
def test_bad_views(cov, caps, views, needle):
    with pytest.raises(DataError, match=needle):
        black_litterman(cov, views, market_caps=caps)


def test_prior_source_required(cov):
    with pytest.raises(DataError, match="exactly one of market_caps or market_weights"):
        black_litterman(cov, [View.absolute("AAPL", 0.1)])
