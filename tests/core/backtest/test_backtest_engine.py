"""The engine on the real SPXW file: trades checked by hand against the file's own bid/ask,
the equity identity, and the exact effect of each cost setting."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.backtest import Rules, run
from core.errors import DataError


def _quote(raw, date, expiry, kind, strike):
    row = raw[(raw.quotedate == date) & (raw.expiration == expiry) & (raw.type == kind)
              & (raw.strike == strike)]
    assert len(row) == 1, (date, expiry, kind, strike)
    return float(row.bid.iloc[0]), float(row.ask.iloc[0])


def _close(raw, date):
    return float(raw[raw.quotedate == date].underlying_last.iloc[0])


def test_trades_match_the_files_quotes(history, raw):
    res = run(history, Rules())
    assert len(res.trades) >= 5
    f = 0.66
    for t in res.trades:
        for leg in t.legs:
            bid, ask = _quote(raw, t.entry_date, t.expiry, leg.kind, leg.strike)
            assert (leg.entry_bid, leg.entry_ask) == (bid, ask)
            want = bid + f * (ask - bid) if leg.qty > 0 else ask - f * (ask - bid)
            assert leg.entry_price == pytest.approx(want, abs=1e-12)
            if t.exit_reason == "expiry":      # cash settled on the file's close of the expiry
                S = _close(raw, t.expiry)
                intrinsic = max(S - leg.strike, 0) if leg.kind == "call" else max(leg.strike - S, 0)
                assert leg.exit_price == pytest.approx(intrinsic, abs=1e-9)
            elif leg.exit_bid == leg.exit_bid:  # quoted on the exit date: the file's quote
                bid, ask = _quote(raw, t.exit_date, t.expiry, leg.kind, leg.strike)
                assert (leg.exit_bid, leg.exit_ask) == (bid, ask)
                want = ask - f * (ask - bid) if leg.qty > 0 else bid + f * (ask - bid)
                assert leg.exit_price == pytest.approx(want, abs=1e-12)
        gross = sum(l.qty * (l.exit_price - l.entry_price) for l in t.legs) * 100 * t.contracts
        assert t.pnl == pytest.approx(gross - t.costs, abs=1e-9)


def test_first_trade_by_hand(history, raw):
    """Trade 1 of the default rule, worked from the raw file: a 16-delta iron condor on
    2018-01-02 into the 2018-01-31 expiry, held to expiry (SPX rallied through the short call)."""
    t = run(history, Rules()).trades[0]
    assert str(t.entry_date) == "2018-01-02" and str(t.expiry) == "2018-01-31"
    S = _close(raw, t.expiry)
    credit = 0.0
    payoff = 0.0
    for leg in t.legs:
        bid, ask = _quote(raw, t.entry_date, t.expiry, leg.kind, leg.strike)
        px = bid + 0.66 * (ask - bid) if leg.qty > 0 else ask - 0.66 * (ask - bid)
        credit -= leg.qty * px
        payoff += leg.qty * (max(S - leg.strike, 0) if leg.kind == "call" else max(leg.strike - S, 0))
    assert t.credit == pytest.approx(credit, abs=1e-12)
    assert t.exit_reason == "expiry"
    assert t.costs == pytest.approx(4 * 0.65)          # 4 legs, entry only (no settlement fee)
    assert t.pnl == pytest.approx((credit + payoff) * 100 - 4 * 0.65, abs=1e-9)


def test_equity_identity(history):
    for rules in (Rules(), Rules(stop_loss=1.0, profit_target=0.3, max_positions=3),
                  Rules(strategy="short_strangle", sizing="risk_pct", risk_pct=0.5)):
        res = run(history, rules)
        eq = res.series["equity"]
        assert eq[-1] - rules.capital == pytest.approx(sum(t.pnl for t in res.trades), abs=1e-6)
        assert res.series["equity_mid"][-1] - rules.capital == pytest.approx(
            sum(t.pnl_mid for t in res.trades), abs=1e-6)
        assert res.series["n_open"][-1] == 0


def test_commission_moves_pnl_exactly(history):
    base = Rules(commission=0.0, fees=0.0)
    a = run(history, base)
    b = run(history, base.with_(commission=1.25, fees=0.10))
    assert [t.exit_reason for t in a.trades] == [t.exit_reason for t in b.trades]
    for ta, tb in zip(a.trades, b.trades):
        orders = 1 if ta.exit_reason == "expiry" else 2
        n_legs = sum(abs(l.qty) for l in ta.legs)
        assert ta.pnl - tb.pnl == pytest.approx(1.35 * n_legs * orders * ta.contracts, abs=1e-9)


@pytest.mark.parametrize("fill,f", [("mid", 0.5), ("natural", 1.0), ("spread", 0.8)])
def test_fill_model_moves_pnl_exactly(history, fill, f):
    """Held to expiry, the fill model only changes the entry price: by (f - 1/2) of each leg's
    spread, against the trader, per unit."""
    hold = Rules(profit_target=None, commission=0.0, max_positions=2)
    mid = run(history, hold.with_(fill="mid"))
    other = run(history, hold.with_(fill=fill, fill_fraction=f if fill == "spread" else 0.66))
    assert len(mid.trades) == len(other.trades) > 0
    for tm, to in zip(mid.trades, other.trades):
        assert tm.exit_reason == to.exit_reason == "expiry"
        slip = sum(abs(l.qty) * (f - 0.5) * (l.entry_ask - l.entry_bid) for l in tm.legs)
        assert tm.pnl - to.pnl == pytest.approx(slip * 100 * tm.contracts, abs=1e-9)
        assert to.pnl_mid == pytest.approx(tm.pnl_mid, abs=1e-9)


def test_buy_and_hold_is_the_underlying(history, raw):
    res = run(history, Rules())
    closes = [_close(raw, d) for d in history.dates]
    assert res.series["buy_hold"] == pytest.approx(100_000 * np.array(closes) / closes[0])
    assert res.benchmark["total_return"] == pytest.approx(closes[-1] / closes[0] - 1)


def test_dte_rule_that_skips_dates_says_so(history):
    res = run(history, Rules(dte=30, dte_tolerance=5, max_positions=50))
    note = next(n for n in res.notes if n.startswith("no expiry within 5 days of 30 DTE"))
    # count from the file: entry dates (all but the last) whose only expiry is > 5 days off 30
    days = history.day_index
    far = 0
    for i in range(len(days) - 1):
        e = history.day(i).expiries()
        if e.size and abs(int(e[0] - days[i]) - 30) > 5:
            far += 1
    assert f"on {far} of {len(days) - 1} entry dates; those dates skipped" in note


def test_rule_that_never_trades_is_not_silent(history):
    res = run(history, Rules(dte=90, dte_tolerance=10))
    assert res.trades == ()
    assert res.notes[0].startswith("No trade was opened: no expiry within 10 days of 90 DTE")


@pytest.mark.parametrize("kwargs,words", [
    (dict(capital=0), "capital must be > 0"),
    (dict(stop_loss=-0.5), "stop_loss must be > 0"),
    (dict(strategy="calendar_spread", far_dte=30), "far_dte (30) must be above dte (30)"),
    (dict(strategy="nope"), "strategy must be one of"),
    (dict(exit_dte=45), "exit_dte (45) must be below"),
    (dict(fill_fraction=1.5), "fill_fraction must be in [0, 1]"),
])
def test_bad_rules(kwargs, words):
    with pytest.raises(DataError) as exc:
        Rules(**kwargs)
    assert words in str(exc.value)


def test_result_round_trips(history):
    from core.backtest import BacktestResult
    import json

    res = run(history, Rules(stop_loss=2.0))
    d = json.loads(json.dumps(res.to_dict()))
    back = BacktestResult.from_dict(d)
    assert [t.to_dict() for t in back.trades] == [t.to_dict() for t in res.trades]
    assert np.allclose(back.series["equity"], res.series["equity"])
    assert back.metrics["sharpe"] == pytest.approx(res.metrics["sharpe"])
    assert math.isinf(back.trades[0].max_profit) is False


def test_rule_that_never_finds_a_strike_says_so(history, raw):
    res = run(history, Rules(width=2500.0))          # wings far beyond the listed strikes
    assert res.trades == ()
    assert res.notes[0].startswith("No trade was opened: no put to buy near the target strike")
    # every entry date (all but the last) with a tradable expiry (20-40 DTE, not expiring that
    # day) fails on the strike, counted from the raw file
    dates = sorted(raw.quotedate.unique())[:-1]
    tradable = 0
    for d in dates:
        exps = {e for e in raw[raw.quotedate == d].expiration.unique() if e > d}
        tradable += any(abs((e - d).days - 30) <= 10 for e in exps)
    assert any(f"no put to buy near the target strike on {tradable} of 39 entry dates" in n
               for n in res.notes)
