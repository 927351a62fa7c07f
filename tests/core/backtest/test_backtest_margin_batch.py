"""The engine's daily margin, now one ``core.strategies.margin_many`` call per day over every
open position, against the per-call version it replaced (one ``Strategy`` per position and day,
margin by the pre-kernel rule of ``tests/core/strategies/margin_reference.py``): the same
series and per-trade maxima, on the real SPXW file (all templates the engine can open there)
and on a modelled span with calendars and diagonals."""
from __future__ import annotations

import math

import numpy as np
import pytest

import core.backtest.engine as engine
from core.backtest import Rules, run
from core.errors import DataError
from core.strategies import Leg, Strategy
from tests.core.strategies.margin_reference import reference_margin


def _per_call_margin(kinds, strike, qty, price, S, days):
    """The engine's ``_margin`` before the batch (commit 3a56663), on the reference rule."""
    T = np.maximum(np.broadcast_to(np.asarray(days, dtype=np.float64), np.shape(qty)), 1) / 365.0
    legs = tuple(Leg(str(k), float(K) if k != "stock" else 0.0, float(t) if k != "stock" else 0.0,
                     float(q), float(p)) for k, K, t, q, p in zip(kinds, strike, T, qty, price))
    try:
        return float(reference_margin(Strategy(legs, spot=S), S)[0])
    except DataError:
        return math.nan


def _per_call_margins(positions, prices, S, d):
    return np.array([_per_call_margin(p.kinds, p.strike, p.qty, px, S, p.leg_expiry - d)
                     for p, px in zip(positions, prices)])


def _both(history, rules, monkeypatch):
    new = run(history, rules)
    with monkeypatch.context() as m:
        m.setattr(engine, "_margin", _per_call_margin)
        m.setattr(engine, "_margins", _per_call_margins)
        old = run(history, rules)
    return new, old


def _assert_same(new, old):
    a, b = new.series["margin"], old.series["margin"]
    assert np.array_equal(np.isnan(a), np.isnan(b))
    ok = ~np.isnan(a)
    # 1e-9 $ per unit of underlying, x 100 multiplier x contracts x open positions
    assert np.abs(a[ok] - b[ok]).max(initial=0.0) <= 1e-9 * 100 * 10 * 10
    assert len(new.trades) == len(old.trades) > 0
    for s, t in zip(new.trades, old.trades):
        assert s.id == t.id and s.exit_date == t.exit_date
        assert s.margin == pytest.approx(t.margin, abs=1e-6, rel=0)
        assert s.max_margin == pytest.approx(t.max_margin, abs=1e-6, rel=0, nan_ok=True)
    assert new.metrics["max_margin"] == pytest.approx(old.metrics["max_margin"], abs=1e-6)
    return int((a[ok] > 0).sum())


REAL_TEMPLATES = ["iron_condor", "short_strangle", "short_put", "bull_put_spread",
                  "covered_call", "jade_lizard", "iron_butterfly", "call_ratio_spread",
                  "put_backspread", "collar", "long_straddle", "broken_wing_butterfly"]


@pytest.mark.parametrize("name", REAL_TEMPLATES)
def test_daily_margin_series_unchanged_on_the_real_file(history, monkeypatch, name):
    rules = Rules(strategy=name, entry="daily", max_positions=4, profit_target=None)
    new, old = _both(history, rules, monkeypatch)
    assert _assert_same(new, old) >= 20          # margin was computed on many days


def test_the_backtest_engineers_known_days(history, monkeypatch):
    # the four dates of test_backtest_calendar_margin's check, default rule, one position
    rules = Rules(entry="signal", signal=("2018-01-08",), profit_target=None, max_positions=1)
    new, old = _both(history, rules, monkeypatch)
    dates = [str(d) for d in new.dates]
    for day in ("2018-01-08", "2018-01-16", "2018-01-22", "2018-01-29"):
        i = dates.index(day)
        assert new.series["margin"][i] > 0
        assert new.series["margin"][i] == pytest.approx(old.series["margin"][i], abs=1e-9)
    _assert_same(new, old)


@pytest.fixture(scope="module")
def modelled(tmp_path_factory):
    from core.backtest import modelled_history

    return modelled_history("2016-02-01", "2016-04-29", cache_dir=tmp_path_factory.mktemp("mb"))


@pytest.mark.parametrize("name", ["calendar_spread", "diagonal_spread", "iron_condor",
                                  "short_strangle"])
def test_daily_margin_series_unchanged_on_a_modelled_span(modelled, monkeypatch, name):
    rules = Rules(strategy=name, entry="daily", max_positions=3, dte=30, far_dte=60,
                  profit_target=None)
    new, old = _both(modelled, rules, monkeypatch)
    assert _assert_same(new, old) >= 20
