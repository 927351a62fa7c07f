"""Shared inputs for the portfolio tests: the embedded 20-stock sample and its estimates."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from core.data.prices import returns, sample_prices, sample_sectors
from core.portfolio import mean_return, sample_cov


@pytest.fixture(autouse=True)
def _quiet_peers():
    """PyPortfolioOpt and cvxpy warn about solver accuracy on peer calls; keep output clean."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@pytest.fixture(scope="session")
def prices():
    return sample_prices()


@pytest.fixture(scope="session")
def sectors():
    return sample_sectors()


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
