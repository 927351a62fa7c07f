"""Walk-forward: windows, no look-ahead (shuffling the future changes nothing in sample),
stitching, and the same result through a process pool as in process."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.backtest import Rules, load_history, run, walk_forward, windows
from core.backtest.walkforward import local_mapper
from core.errors import DataError

GRID = {"delta": [0.10, 0.16, 0.25], "width": [25.0, 50.0]}


def test_windows_rolling_and_anchored():
    assert windows(40, 15, 8) == [(0, 15, 15, 23), (8, 23, 23, 31), (16, 31, 31, 39)]
    assert windows(40, 15, 8, anchored=True) == [(0, 15, 15, 23), (0, 23, 23, 31), (0, 31, 31, 39)]
    with pytest.raises(DataError, match="the history has 40"):
        windows(40, 35, 10)


@pytest.mark.parametrize("in_sample", ["continuous", "fresh"])
def test_shuffled_future_leaves_in_sample_choice_unchanged(real_path, tmp_path, in_sample):
    df = pd.read_csv(real_path, encoding="utf-8-sig")
    dates = sorted(df.quotedate.unique(), key=lambda d: pd.Timestamp(d))
    # the future of the first in-sample window (dates[:15]): permute February's quote dates
    # (one expiry, 2018-02-28, so every day's quotes stay valid on the day they move to)
    future = [d for d in dates[15:] if d.startswith("02/") and d != "02/28/2018"]
    rng = np.random.default_rng(3)
    mapping = dict(zip(future, rng.permutation(future)))
    shuffled = df.copy()
    fut = shuffled.quotedate.isin(future)
    shuffled.loc[fut, "quotedate"] = shuffled.loc[fut, "quotedate"].map(mapping)
    h1 = load_history(df, cache_dir=tmp_path / "a")
    h2 = load_history(shuffled, cache_dir=tmp_path / "b")
    w1 = walk_forward(h1, Rules(), GRID, train=15, test=8, in_sample=in_sample)
    w2 = walk_forward(h2, Rules(), GRID, train=15, test=8, in_sample=in_sample)
    assert w1.chosen[0] == w2.chosen[0]
    assert np.array_equal(w1.in_sample[0], w2.in_sample[0])
    assert not np.allclose(w1.returns, w2.returns)   # the future did change


def test_stitched_equity_is_the_windows_runs(history):
    w = walk_forward(history, Rules(), GRID, train=15, test=8)
    parts = []
    for k, (a, b, c, d) in enumerate(w.windows):
        eq = run(history.slice(c, d), Rules().with_(**w.configs[w.chosen[k]])).series["equity"]
        parts.append(np.r_[0.0, eq[1:] / eq[:-1] - 1])
    want = 1e5 * np.r_[1.0, np.cumprod(1 + np.concatenate(parts))]
    assert w.oos_equity == pytest.approx(want, rel=1e-12)
    # in sample: the chosen point is the best of its window
    for k in range(len(w.windows)):
        assert w.in_sample[k, w.chosen[k]] == np.max(w.in_sample[k])
    assert w.returns.shape == (len(history) - 1, 6)
    assert 0.0 <= w.pbo.pbo <= 1.0 and 0.0 <= w.dsr <= 1.0


def _sharpe(eq):
    r = np.diff(eq) / eq[:-1]
    return np.sqrt(252) * r.mean() / r.std(ddof=1)


@pytest.mark.parametrize("anchored", [False, True])
def test_in_sample_scores_by_both_definitions(history, anchored):
    """continuous: the annualised Sharpe (computed here) of each point's whole-history equity
    over the window's dates; fresh: of a run on the window's slice alone."""
    cont = walk_forward(history, Rules(), GRID, train=15, test=8, anchored=anchored)
    fresh = walk_forward(history, Rules(), GRID, train=15, test=8, anchored=anchored,
                         in_sample="fresh")
    for j, cfg in enumerate(cont.configs):
        rule = Rules().with_(**cfg)
        eq = run(history, rule).series["equity"]
        for w, (a, b, _, _) in enumerate(cont.windows):
            want = _sharpe(eq[a:b])
            got = cont.in_sample[w, j]
            assert got == pytest.approx(want, rel=1e-9) if np.isfinite(want) else got == -np.inf
            want = _sharpe(run(history.slice(a, b), rule).series["equity"])
            got = fresh.in_sample[w, j]
            assert got == pytest.approx(want, rel=1e-9) if np.isfinite(want) else got == -np.inf
    assert np.array_equal(cont.returns, fresh.returns)
    assert not np.allclose(cont.in_sample, fresh.in_sample)
    with pytest.raises(DataError, match="in_sample must be one of continuous, fresh, got 'x'"):
        walk_forward(history, Rules(), GRID, train=15, test=8, in_sample="x")


def test_process_pool_gives_the_same_result(history):
    inproc = walk_forward(history, Rules(), GRID, train=15, test=8,
                          mapper=lambda fn, args: [fn(*a) for a in args])
    pooled = walk_forward(history, Rules(), GRID, train=15, test=8, chunk_size=2,
                          mapper=lambda fn, args: local_mapper(fn, args, max_workers=2))
    assert np.array_equal(inproc.in_sample, pooled.in_sample)
    assert np.array_equal(inproc.returns, pooled.returns)
    assert inproc.chosen == pooled.chosen


def test_bad_grid(history):
    with pytest.raises(DataError, match="not a Rules field"):
        walk_forward(history, Rules(), {"deltaa": [0.1]}, train=15, test=8)
    with pytest.raises(DataError, match="capital must be > 0"):
        walk_forward(history, Rules(), {"capital": [0, 1e5]}, train=15, test=8)
