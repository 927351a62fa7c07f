"""PBO, PSR, DSR and MinTRL against the papers and a brute-force CSCV."""
from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
from scipy.stats import norm, rankdata

from core.backtest import (deflated_sharpe, expected_max_sharpe, min_track_record_length, pbo,
                           probabilistic_sharpe)
from core.errors import DataError


def test_dsr_paper_numerical_example():
    """Bailey & López de Prado (2014), "The Deflated Sharpe Ratio", JPM 40(5), numerical
    example: annualised SR 2.5 over 5 years of daily data (T = 1250, 250 days a year), N = 100
    trials with annualised Sharpe variance 1/2, skewness -3, kurtosis 10. The paper reports the
    benchmark SR_0 = 0.1132 (per day) and DSR = 0.9004."""
    sr, var = 2.5 / math.sqrt(250), 0.5 / 250
    assert expected_max_sharpe(100, var) == pytest.approx(0.1132, abs=5e-5)
    assert deflated_sharpe(sr, 100, var, 1250, -3.0, 10.0) == pytest.approx(0.9004, abs=5e-5)


def test_psr_normal_case_is_the_t_like_z():
    # skew 0, kurt 3: PSR = Phi((SR - SR*) sqrt(T-1) / sqrt(1 + SR^2/2))
    sr, T = 0.08, 500
    want = norm.cdf(sr * math.sqrt(T - 1) / math.sqrt(1 + sr ** 2 / 2))
    assert probabilistic_sharpe(sr, 0.0, T) == pytest.approx(want, rel=1e-12)


def test_min_track_record_inverts_psr():
    sr, skew, kurt = 0.1, -1.2, 6.0
    n = min_track_record_length(sr, 0.02, skew, kurt, alpha=0.05)
    assert probabilistic_sharpe(sr, 0.02, n, skew, kurt) == pytest.approx(0.95, abs=1e-12)
    assert min_track_record_length(0.01, 0.02) == math.inf


def _pbo_brute(M, S):
    """Textbook CSCV: build every IS/OOS submatrix explicitly and rank with scipy."""
    T, N = M.shape
    edges = np.linspace(0, T, S + 1).round().astype(int)
    blocks = [np.arange(edges[i], edges[i + 1]) for i in range(S)]
    lam = []
    for combo in itertools.combinations(range(S), S // 2):
        is_rows = np.concatenate([blocks[i] for i in combo])
        oos_rows = np.concatenate([blocks[i] for i in range(S) if i not in combo])
        J, Jb = M[is_rows], M[oos_rows]
        r_is = J.mean(0) / J.std(0, ddof=1)
        r_oos = Jb.mean(0) / Jb.std(0, ddof=1)
        n_star = np.argmax(r_is)
        w = rankdata(r_oos)[n_star] / (N + 1)
        lam.append(math.log(w / (1 - w)))
    lam = np.array(lam)
    return float(np.mean(lam <= 0)), lam


@pytest.mark.parametrize("seed,S", [(1, 8), (2, 10), (3, 6)])
def test_pbo_matches_brute_force(seed, S):
    rng = np.random.default_rng(seed)
    M = rng.normal(0, 0.01, (240, 12))
    M[:, 0] += 0.001 * np.sin(np.arange(240) / 9)     # some structure over time
    want, lam = _pbo_brute(M, S)
    got = pbo(M, S)
    assert got.pbo == pytest.approx(want, abs=1e-12)
    assert np.allclose(np.sort(got.logits), np.sort(lam), atol=1e-10)


def test_pbo_noise_and_skill():
    rng = np.random.default_rng(11)
    M = rng.normal(0, 0.01, (1000, 50))
    assert 0.3 < pbo(M).pbo < 0.7                 # pure noise: selection is a coin flip
    M[:, 17] += 0.004                              # one configuration with real skill
    assert pbo(M).pbo == 0.0


def test_pbo_memory_does_not_grow_with_configs_squared():
    rng = np.random.default_rng(0)
    M = rng.normal(0, 0.01, (2500, 1000))
    tracemalloc.start()
    res = pbo(M, 16)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert res.n_combinations == 12870
    # S x N block sums plus a chunk of splits: far below a splits x N array (103 MB)
    assert peak < 40e6, peak


@pytest.mark.parametrize("args,words", [((np.zeros((40, 3)), 3), "n_splits must be an even"),
                                        ((np.zeros(10), 4), "2-D"),
                                        ((np.zeros((10, 4)), 16), "need at least 2 per block")])
def test_pbo_bad_input(args, words):
    with pytest.raises(DataError, match=words):
        pbo(*args)
