"""Shared inputs for the portfolio tests: PyPortfolioOpt's 20-stock test prices and estimates.

The reference numbers in these tests were measured against PyPortfolioOpt on its own
``tests/resources/stock_prices.csv``; that third-party file is read from ``../shared/data`` by
path (never committed). The app's embedded sample (skfolio's 20 stocks) is tested in
``tests/core/data/test_data_embedded.py``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from core.data.embedded import GICS_SECTORS
from core.data.prices import load_prices, returns
from core.portfolio import mean_return, sample_cov
from tests.conftest import shared_file


@pytest.fixture(autouse=True)
def _quiet_peers():
    """PyPortfolioOpt and cvxpy warn about solver accuracy on peer calls; keep output clean."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture(scope="session")
def prices():
    """PyPortfolioOpt's daily adjusted closes of 20 US stocks, 1989-12-29 to 2018-04-11."""
    return load_prices(shared_file("stock_prices.csv"))


@pytest.fixture(scope="session")
def sectors(prices):
    return {t: GICS_SECTORS[t] for t in prices.columns}


@pytest.fixture(scope="session")
def common_returns(prices):
    """Daily simple returns over the window all 20 stocks share (from BABA's listing)."""
    return returns(prices, "simple").dropna()


@pytest.fixture(scope="session")
def mu(prices):
    return mean_return(prices).to_pandas()


@pytest.fixture(scope="session")
def cov(prices):
    return sample_cov(prices).to_pandas()


@pytest.fixture(scope="session")
def synthetic():
    """A seeded 8-asset universe (numpy): expected returns and a factor covariance."""
    rng = np.random.default_rng(7)
    B = rng.normal(size=(8, 3)) * 0.15
    C = B @ B.T + np.diag(rng.uniform(0.01, 0.05, 8))
    m = rng.uniform(0.02, 0.20, 8)
    return m, C
