"""Put-call parity fit: exact on exact prices, robust to a stale quote, refuses nonsense."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.data import MIN_PAIRS, fit_parity


@settings(max_examples=60, deadline=None)
@given(F=st.floats(1.0, 1e4), DF=st.floats(0.5, 1.2), n=st.integers(MIN_PAIRS, 40),
       seed=st.integers(0, 2**32 - 1))
def test_exact_parity_is_recovered(F, DF, n, seed):
    rng = np.random.default_rng(seed)
    K = np.unique(F * np.exp(rng.uniform(-0.5, 0.5, n)))
    if K.size < MIN_PAIRS:
        return
    put = rng.uniform(0.1, 2.0, K.size) * F * 0.01 + np.maximum(DF * (K - F), 0)
    call = put + DF * (F - K)                  # parity, whatever the put prices are
    spread = rng.uniform(0.01, 0.5, K.size)
    fit, why = fit_parity(K, call, put, spread, spread)
    assert fit is not None, why
    assert fit.forward == pytest.approx(F, rel=1e-9)
    assert fit.discount == pytest.approx(DF, rel=1e-9)
    assert fit.n_pairs == min(K.size, 20) and fit.n_available == K.size


def test_a_stale_pair_barely_moves_the_forward():
    F, DF = 1000.0, 0.99
    K = np.arange(950.0, 1050.0, 5.0)
    put = 20.0 + np.maximum(DF * (K - F), 0)
    call = put + DF * (F - K)
    call[K == 1005.0] += 5.0                   # a stale call, 25 spreads off parity
    spread = np.full(K.size, 0.2)
    fit, _ = fit_parity(K, call, put, spread, spread)
    X = np.column_stack([np.ones_like(K), K])
    a, b = np.linalg.lstsq(X, call - put, rcond=None)[0]
    ols_error = abs(a / -b - F)
    assert abs(fit.forward - F) < 0.05 < ols_error
    assert abs(fit.forward - F) < ols_error / 5


def test_refusals():
    fit, why = fit_parity([100.0, 110.0], [5.0, 1.0], [1.0, 5.0])
    assert fit is None and "only 2 put-call pairs (need 3)" in why
    K = np.array([90.0, 100.0, 110.0])
    fit, why = fit_parity(K, 1.0 + 0.1 * K, np.ones(3))      # C - P rising in K
    assert fit is None and "discount factor" in why
    fit, why = fit_parity(K, 30.0 + 2.0 * (100.0 - K), np.full(3, 30.0))   # DF = 2
    assert fit is None and "discount factor 2, outside (0, 1.5]" in why
