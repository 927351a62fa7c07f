"""A sweep chunk reads the history's file once and its runs equal cold, separate runs.

The truth is each grid point run alone on a freshly opened history (empty cache, nothing shared
with the other grid points); the history's own cache is made tiny so the pre-fix code re-read the
file for every grid point.
"""
from __future__ import annotations

import numpy as np
import pytest

import core.backtest.history as hist
from core.backtest import Rules, modelled_history, run
from core.backtest import walkforward as wf
from core.backtest.history import open_history
from core.backtest.metrics import performance

CONFIGS = [{"delta": 0.10, "width": 10.0}, {"delta": 0.16, "width": 25.0},
           {"delta": 0.25, "width": 50.0}, {"delta": 0.30, "width": 15.0}]


@pytest.fixture(scope="module")
def span(tmp_path_factory):
    return modelled_history("2016-02-01", "2016-04-29", cache_dir=tmp_path_factory.mktemp("sw"))


def _counting(monkeypatch):
    reads = []
    real = hist.ChainHistory._parquet

    class Counted:
        def __init__(self, pf):
            self.pf = pf

        def read_row_group(self, g, **kw):
            reads.append(g)
            return self.pf.read_row_group(g, **kw)

    monkeypatch.setattr(hist.ChainHistory, "_parquet", lambda self: Counted(real(self)))
    return reads


def test_chunk_reads_each_row_group_once_and_equals_cold_runs(span, monkeypatch):
    monkeypatch.setattr(hist, "CACHE_ROWS", 1_000)        # the history's own cache thrashes
    cold = [run(open_history(span.path), Rules().with_(**c), margin=False) for c in CONFIGS]
    groups = {int(g) for g in span.groups[:, 0] if g >= 0}
    assert len(groups) >= 3
    reads = _counting(monkeypatch)
    h = open_history(span.path)
    wins = wf.windows(len(h), 21, 10)
    out = wf.evaluate_chunk(h, Rules().to_dict(), CONFIGS, wins, "sharpe")
    assert sorted(reads) == sorted(groups)                # once per block, not per grid point
    assert h._budget[0] == 1_000 and len(h._cache) == 0   # the caller's history is untouched
    for j, res in enumerate(cold):
        eq = res.series["equity"]
        assert out["returns"][j] == (eq[1:] / eq[:-1] - 1.0).tolist()
        for w, (a, b, _, _) in enumerate(wins):
            v = performance(eq[a:b])["sharpe"]
            assert out["scores"][j][w] == (v if np.isfinite(v) else -np.inf)
    assert sum(len(r.trades) for r in cold) > 20


def test_run_on_a_warm_shared_cache_equals_a_cold_run(span):
    """Trades and every series bit for bit: days (and their smile memos) cached by other grid
    points change nothing."""
    warm = wf._sweep_view(open_history(span.path))
    for c in CONFIGS[1:]:
        run(warm, Rules().with_(**c), margin=False)
    rule = Rules().with_(**CONFIGS[0])
    for margin in (False, True):
        a = run(open_history(span.path), rule, margin=margin)
        b = run(warm, rule, margin=margin)
        assert repr(a.trades) == repr(b.trades) and len(a.trades) > 5
        for k in a.series:
            np.testing.assert_array_equal(a.series[k], b.series[k])
        assert a.counts == b.counts
