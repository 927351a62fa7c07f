"""Peer check against optopsy (test dependency) on the same real SPXW file.

optopsy enumerates every strike combination of its OTM buckets and fills at mid; to compare one
trade we hand it only the four strikes and the two dates of one of our trades. Where the
conventions match — mid fills, exit on the quotes of an exit date before expiry — both give the
same entry cost and exit proceeds to the cent. Where they differ — a condor held to expiry:
optopsy exits at the mid of the expiry date's end-of-day quotes, we cash settle at intrinsic
value on that day's close — they agree within the half spreads of the expiry-day quotes.
(optopsy also filters strikes by distance from spot on the exit date and drops legs with an
exit bid under 0.05, so it finds no trade for many of our combinations.)
"""
from __future__ import annotations

import pandas as pd
import pytest

from core.backtest import Rules, run

op = pytest.importorskip("optopsy")


@pytest.fixture(scope="module")
def peer(real_path):
    return op.csv_data(str(real_path), underlying_symbol=0, underlying_price=1, option_type=5,
                       expiration=6, quote_date=7, strike=8, bid=10, ask=11, delta=15)


def _peer_row(peer, trade, exit_dte):
    strikes = sorted(l.strike for l in trade.legs)
    days = [pd.Timestamp(trade.entry_date), pd.Timestamp(trade.exit_date)]
    sub = peer[peer.quote_date.isin(days) & peer.strike.isin(strikes)]
    r = op.iron_condor(sub, raw=True, max_entry_dte=60, exit_dte=exit_dte, max_otm_pct=0.5)
    return r[(r.strike_leg1 == strikes[0]) & (r.strike_leg2 == strikes[1])
             & (r.strike_leg3 == strikes[2]) & (r.strike_leg4 == strikes[3])]


def test_condors_exited_at_7_dte_agree_to_the_cent(history, peer):
    rules = Rules(fill="mid", commission=0.0, profit_target=None, exit_dte=7, max_positions=3,
                  select="moneyness", moneyness=0.01, width=25.0)
    trades = run(history, rules).trades
    assert len(trades) == 6
    for t in trades:
        _agree(peer, t)


def _agree(peer, t):
    assert t.exit_reason == "exit DTE" and (t.expiry - t.exit_date).days == 7
    row = _peer_row(peer, t, 7)
    assert len(row) == 1
    assert row.total_entry_cost.iloc[0] == pytest.approx(sum(l.qty * l.entry_mid for l in t.legs), abs=5e-3)
    assert row.total_exit_proceeds.iloc[0] == pytest.approx(sum(l.qty * l.exit_mid for l in t.legs),
                                                            abs=5e-3)
    assert t.pnl_mid == pytest.approx(100 * (row.total_exit_proceeds.iloc[0] - row.total_entry_cost.iloc[0]),
                                      abs=0.5)


def test_held_to_expiry_agrees_within_the_expiry_day_spread(history, peer, raw):
    """optopsy exits at the mid of the expiry date's quotes, we settle at intrinsic value on
    the close: the two may differ by at most the half spreads of those quotes."""
    t = run(history, Rules(fill="mid", commission=0.0, profit_target=None, max_positions=1)).trades[0]
    assert t.exit_reason == "expiry"
    row = _peer_row(peer, t, 0)
    assert len(row) == 1
    assert row.total_entry_cost.iloc[0] == pytest.approx(sum(l.qty * l.entry_mid for l in t.legs), abs=5e-3)
    day = raw[(raw.quotedate == t.expiry) & (raw.expiration == t.expiry)]
    half = sum(abs(l.qty) * float((q := day[(day.type == l.kind) & (day.strike == l.strike)]).ask.iloc[0]
                                  - q.bid.iloc[0]) / 2 for l in t.legs)
    ours = sum(l.qty * l.exit_price for l in t.legs)
    assert abs(row.total_exit_proceeds.iloc[0] - ours) <= half + 1e-9
