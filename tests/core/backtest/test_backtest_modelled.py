"""Modelled histories: built from core.data.modelled_quotes, labelled modelled, closes equal to
the real S&P 500 closes, and bad spans refused with a message."""
from __future__ import annotations

import numpy as np
import pytest

from core.backtest import Rules, modelled_history, run
from core.errors import DataError


@pytest.fixture(scope="module")
def modelled(tmp_path_factory):
    return modelled_history("2016-02-01", "2016-03-31", cache_dir=tmp_path_factory.mktemp("m"))


def test_labelled_and_on_real_closes(modelled):
    from arch.data import sp500

    assert modelled.source == "modelled" and "MODELLED" in modelled.label
    px = sp500.load()["Close"].loc["2016-02-01":"2016-03-31"]
    assert [d.isoformat() for d in modelled.dates] == [d.date().isoformat() for d in px.index]
    assert modelled.closes == pytest.approx(px.to_numpy(), rel=1e-12)
    assert any(n.startswith("Modelled ") for n in modelled.notes)


def test_chain_agrees_with_modelled_chain(modelled):
    """The history's day is the generator's own chain (core.data.modelled_chain), loaded the
    same way: same forwards per expiry."""
    from core.data import modelled_chain

    d = modelled.dates[10]
    ref = modelled_chain(d)
    ours = modelled.chain(d)
    common = set(ref.expiries.expiry) & set(ours.expiries.expiry)
    assert len(common) >= 5
    a = ref.expiries.set_index("expiry").forward.loc[sorted(common)].to_numpy()
    b = ours.expiries.set_index("expiry").forward.loc[sorted(common)].to_numpy()
    assert np.allclose(a, b, rtol=1e-6)


def test_runs_and_is_labelled(modelled):
    res = run(modelled, Rules())
    assert res.trades and res.source == "modelled" and "MODELLED" in res.label
    assert res.series["equity"][-1] - 1e5 == pytest.approx(sum(t.pnl for t in res.trades), abs=1e-6)


@pytest.mark.parametrize("span,words", [(("2012-01-03", "2012-06-29"), "must lie within 2014-01-03"),
                                        (("2016-03-01", "2016-02-01"), "start must be before end"),
                                        (("soon", "later"), "must be dates")])
def test_bad_spans(span, words):
    with pytest.raises(DataError, match=words):
        modelled_history(*span)


def test_vectorised_marks_equal_the_per_position_reference(modelled, monkeypatch):
    """The engine marks all open legs in one pass (one smile evaluation per expiry for the
    legs not listed that day); the readable per-position ``_marks`` gives the same equity."""
    import core.backtest.engine as engine

    fast = run(modelled, Rules())
    assert sum(t.modelled_marks for t in fast.trades) > 0          # the path is exercised
    monkeypatch.setattr(engine, "_marks_all", lambda ps, day: [engine._marks(p, day) for p in ps])
    ref = run(modelled, Rules())
    assert np.allclose(fast.series["equity"], ref.series["equity"], rtol=0, atol=1e-8)
    assert [t.modelled_marks for t in fast.trades] == [t.modelled_marks for t in ref.trades]


def test_open_legs_stay_quoted(modelled):
    """Strikes stay listed until their expiry (listing="held"): few leg marks come from the
    smile (what remains are wings whose bid rounds to zero, unlisted as on the exchange); under
    the day-by-day grid it was 35 % of leg-days on this span."""
    res = run(modelled, Rules())
    leg_days = 4 * res.series["n_open"].sum()           # iron condor: 4 option legs
    assert leg_days > 500
    assert res.counts["modelled_marks"] / leg_days < 0.12


def test_histories_built_under_the_day_listing_are_not_reused(tmp_path, history):
    """A file cached under the earlier key (no listing in it) is ignored: the key names the
    listing, so the history is rebuilt."""
    import hashlib
    import shutil

    from core.backtest.history_build import FORMAT_VERSION

    old_key = f"{FORMAT_VERSION}|SPX|2016-02-01|2016-02-05"
    old = tmp_path / f"{hashlib.sha1(old_key.encode()).hexdigest()[:24]}-modelled.parquet"
    shutil.copy(history.path, old)                       # a valid history, but the wrong one
    h = modelled_history("2016-02-01", "2016-02-05", cache_dir=tmp_path)
    assert h.path != str(old) and h.source == "modelled"
    assert [d.isoformat() for d in h.dates][0] == "2016-02-01"
    assert modelled_history("2016-02-01", "2016-02-05", cache_dir=tmp_path).path == h.path
