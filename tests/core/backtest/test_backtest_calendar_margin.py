"""Two-expiry positions (calendars, diagonals) and the daily margin, on the real SPXW file,
checked by hand from the file's own bid/ask (pandas only) and against
``core.strategies.margin`` on known days."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from core.backtest import Rules, replay, run


# The real SPXW file quotes one expiry per date (January days 2018-01-31, February days
# 2018-02-28: no date lists both), so two-expiry trades are checked on a modelled history, by
# hand from the generator's own quote table (pandas), independent of the engine.
NEAR, FAR = dt.date(2016, 3, 18), dt.date(2016, 4, 15)
DAYS = ("2016-02-01", "2016-03-22")


@pytest.fixture(scope="module")
def modelled(tmp_path_factory):
    from core.backtest import modelled_history

    return modelled_history(*DAYS, cache_dir=tmp_path_factory.mktemp("cal"))


@pytest.fixture(scope="module")
def quotes():
    from arch.data import sp500

    from core.data import modelled_quotes

    days = sp500.load().loc[DAYS[0]:DAYS[1]].index
    q = modelled_quotes(list(days.date), listing="held")
    q["quotedate"] = q["quote_date"].dt.date
    q["expiration"] = q["expiry"].dt.date
    q["type"] = q["type"].map({"C": "call", "P": "put"})
    q["underlying_last"] = q["spot"]
    return q


def _quote(raw, day, expiry, kind, strike):
    row = raw[(raw.quotedate == day) & (raw.expiration == expiry) & (raw.type == kind)
              & (raw.strike == strike)]
    assert len(row) == 1, (day, expiry, kind, strike)
    return float(row.bid.iloc[0]), float(row.ask.iloc[0])


def _spot(raw, day):
    return float(raw.loc[raw.quotedate == day, "underlying_last"].iloc[0])


def _calendar(history, day, **kw):
    rules = Rules(strategy="calendar_spread", entry="signal", signal=(day.isoformat(),), dte=46,
                  far_dte=74, dte_tolerance=3, profit_target=None, max_positions=1, **kw)
    return run(history, rules)


def test_real_file_has_no_date_with_two_expiries(raw):
    assert raw.groupby("quotedate").expiration.nunique().max() == 1


def test_calendar_held_to_the_front_expiry_by_hand(modelled, quotes):
    day = dt.date(2016, 2, 1)
    res = _calendar(modelled, day)
    assert len(res.trades) == 1
    t = res.trades[0]
    assert t.expiry == NEAR and t.leg_expiries == (NEAR, FAR) and t.exit_reason == "expiry"
    assert t.exit_date == NEAR
    short, long_ = t.legs
    assert (short.kind, short.qty, long_.kind, long_.qty) == ("call", -1.0, "call", 1.0)
    K = short.strike
    assert long_.strike == K and abs(K - _spot(quotes, day)) <= 10      # at the money
    f = 0.66
    b, a = _quote(quotes, day, NEAR, "call", K)
    sell_near = a - f * (a - b)
    b, a = _quote(quotes, day, FAR, "call", K)
    buy_far = b + f * (a - b)
    b, a = _quote(quotes, NEAR, FAR, "call", K)
    sell_far = a - f * (a - b)                                    # back leg closed that day
    mid_far = (a + b) / 2
    settle = max(_spot(quotes, NEAR) - K, 0.0)                    # front leg cash settled
    commissions = 0.65 * (2 + 1)                                  # open 2 legs, close 1
    pnl = 100 * ((sell_near - settle) + (sell_far - buy_far)) - commissions
    assert t.pnl == pytest.approx(pnl, abs=1e-9)
    assert t.costs == pytest.approx(commissions)
    assert long_.exit_price == pytest.approx(sell_far) and short.exit_price == pytest.approx(settle)
    assert t.credit == pytest.approx(sell_near - buy_far)
    # equity identity, and the replay runs through both expiries' legs
    assert res.series["equity"][-1] - 1e5 == pytest.approx(t.pnl, abs=1e-6)
    rp = replay(res, t.id, modelled)
    assert rp.dates[0] == day.isoformat() and rp.dates[-1] == NEAR.isoformat()
    # the replay marks the back leg at mid on the last day, before the exit commission
    assert rp.pnl[-1] == pytest.approx(100 * ((sell_near - settle) + (mid_far - buy_far)) - 1.3,
                                       abs=1e-6)
    # CBOE: the short call is covered by the later long call of the same strike: margin is
    # the long premium (entry day, at the fill)
    assert t.margin == pytest.approx(buy_far * 100)


def test_diagonal_and_profit_target_on_the_debit(modelled, quotes):
    day = dt.date(2016, 2, 2)
    res = run(modelled, Rules(strategy="diagonal_spread", entry="signal", signal=(day.isoformat(),),
                              dte=45, far_dte=73, dte_tolerance=3, profit_target=0.25,
                              max_positions=1, fill="mid"))
    t = res.trades[0]
    short, long_ = t.legs
    assert t.leg_expiries == (NEAR, FAR) and short.strike > long_.strike   # short the OTM call
    debit = -t.credit
    assert debit > 0 and np.isnan(t.max_profit) and t.max_loss == pytest.approx(100 * debit)
    # the first day the mid P&L reached 25 % of the debit (by hand on the quote table)
    hit = None
    for d in sorted(quotes.quotedate.unique()):
        if d <= day or d >= NEAR:
            continue
        bs, as_ = _quote(quotes, d, NEAR, "call", short.strike)
        bl, al = _quote(quotes, d, FAR, "call", long_.strike)
        open_pnl = 100 * ((bl + al) / 2 - long_.entry_price - ((bs + as_) / 2 - short.entry_price))
        if open_pnl >= 0.25 * 100 * debit:
            hit = d
            break
    if hit is None:
        assert t.exit_reason == "expiry"
    else:
        assert (t.exit_reason, t.exit_date) == ("profit target", hit)


def test_far_expiry_missing_is_counted(modelled):
    res = _calendar(modelled, dt.date(2016, 2, 1)).rules
    bad = run(modelled, Rules(strategy="calendar_spread", dte=46, far_dte=300, dte_tolerance=3,
                              entry="signal", signal=("2016-02-01",)))
    assert bad.trades == () and "no far expiry within 3 days of 300 DTE" in bad.notes[0]
    assert res["far_dte"] == 74


def test_margin_every_day_is_the_margin_function_on_that_days_marks(history, raw):
    from core.strategies import Leg, Strategy, margin

    day = dt.date(2018, 1, 8)
    res = run(history, Rules(entry="signal", signal=(day.isoformat(),), profit_target=None,
                             max_positions=1))
    t = res.trades[0]
    dates = [d.isoformat() for d in res.dates.astype("datetime64[D]").tolist()]
    checked = []
    for when in (dt.date(2018, 1, 8), dt.date(2018, 1, 16), dt.date(2018, 1, 22),
                 dt.date(2018, 1, 29)):
        if when >= t.exit_date:
            continue
        S = _spot(raw, when)
        T = (t.expiry - when).days / 365.0
        legs = []
        for leg in t.legs:
            if when == day:
                px = leg.entry_price                    # the entry day: at the fills
            else:
                b, a = _quote(raw, when, t.expiry, leg.kind, leg.strike)
                px = (b + a) / 2
            legs.append(Leg(leg.kind, leg.strike, T, leg.qty, px))
        want = margin(Strategy(tuple(legs), spot=S), S).initial * 100 * t.contracts
        got = res.series["margin"][dates.index(when.isoformat())]
        assert got == pytest.approx(want, rel=1e-12)
        checked.append(got)
    assert len(checked) >= 3
    assert len(set(np.round(checked, 6))) > 1            # it moves with the marks
    open_days = res.series["n_open"] > 0
    assert t.max_margin == pytest.approx(res.series["margin"][open_days].max())
    assert res.metrics["max_margin"] == pytest.approx(np.nanmax(res.series["margin"]))
    assert np.all(res.series["margin"][~open_days] == 0)
    assert t.margin == pytest.approx(res.series["margin"][dates.index(day.isoformat())])
