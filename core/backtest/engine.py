"""The backtest engine: :func:`run` walks a :class:`ChainHistory` day by day.

Each quote date, in order:

1. **Settle** positions whose (front) expiry has come: every option leg of that expiry at its
   intrinsic value on that day's underlying close (the close of the last quote date before it
   when the expiry is not a quote date); see :data:`core.backtest.fills.SETTLEMENT_NOTE`.
   A two-expiry position (calendar, diagonal) **closes whole at its front expiry**: the front
   legs settle as above and the back legs are sold/bought back that day at the day's quotes
   under the fill model, paying commission on the back legs only (exit reason "expiry"; the
   back legs are not held on alone, so the position never turns into a naked long option).
2. **Mark** the other positions at the day's mids; a leg not quoted that day is marked from the
   day's smile of its own expiry (:func:`core.backtest.fills.model_mark`) and counted. Check
   exits (not on the entry day), in this order: exit DTE (to the front expiry), max days held,
   stop loss, profit target — open P&L is the mid value less the entry fills, before
   commissions. An exit fills at the day's quotes under the fill model and pays commission and
   fees.
3. **Enter** when the schedule says so and fewer than ``max_positions`` are open: the listed
   expiry nearest the target DTE (within the tolerance) and, for the far legs of a two-expiry
   template, the listed expiry after it nearest ``far_dte``; strikes placed per
   :mod:`core.backtest.rules` on each leg's own expiry, filled under the fill model, sized,
   costs paid.
4. **Record** equity = cash + open positions at mid; the same with mid fills and no costs;
   margin; positions open.

Margin is computed **every day** for every open position: the CBOE customer margin of
:func:`core.strategies.margin` on the day's spot, with the legs at the day's marks and their
remaining time to expiry (on the entry day at the entry fills), all open positions of a day in one
:func:`core.strategies.margin_many` call (the same rule and kernel). ``series["margin"]`` is the sum
over open positions, ``metrics["max_margin"]`` its peak and ``Trade.max_margin`` each trade's.

Positions still open after the last date are closed there ("end of data"), so the equity
change over the run equals the sum of trade P&L exactly.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from core.backtest.fills import SETTLEMENT_NOTE, costs, fill_price, model_mark, settlement
from core.backtest.history import ChainHistory, DayQuotes, contract_key
from core.backtest.history_build import to_date
from core.backtest.metrics import performance, trade_stats
from core.backtest.result import BacktestResult, LegFill, Trade
from core.backtest.rules import Rules
from core.errors import DataError
from core._typing import Progress

__all__ = ["run", "entry_schedule", "EQUAL_SPACED"]

#: Templates whose strikes stay equally spaced around the money (K0 + n * width).
EQUAL_SPACED = frozenset({"iron_butterfly", "call_butterfly", "put_butterfly",
                          "broken_wing_butterfly", "call_condor"})


@dataclass(slots=True)
class _Pos:
    id: int
    entry_i: int
    expiry: int                 # the front (nearest) expiry of the legs
    kinds: np.ndarray
    strike: np.ndarray
    qty: np.ndarray
    is_call: np.ndarray
    option: np.ndarray
    keys: np.ndarray
    entry_price: np.ndarray
    entry_mid: np.ndarray
    entry_bid: np.ndarray
    entry_ask: np.ndarray
    entry_iv: np.ndarray
    contracts: float
    credit: float
    max_profit: float
    max_loss: float
    margin: float
    cost_in: float
    last_iv: np.ndarray
    leg_expiry: np.ndarray      # per leg, days since epoch (stock: the front expiry)
    margin_now: float = math.nan
    value_mid: float = 0.0
    modelled: int = 0
    max_margin: float = math.nan


def entry_schedule(history: ChainHistory, rules: Rules) -> np.ndarray:
    """Boolean per quote date: is it an entry date under ``rules.entry``?

    Parameters
    ----------
    history : ChainHistory
        The quote dates (``history.day_index``, days since 1970-01-01).
    rules : Rules
        ``rules.entry``: ``"daily"`` (every date), ``"weekly"`` (first date of each Monday-based
        week), ``"monthly"`` (first date of each calendar month) or ``"signal"`` (the dates in
        ``rules.signal``).

    Returns
    -------
    ndarray of bool
        One flag per quote date of ``history``, True on entry dates.
    """
    days = history.day_index.astype("datetime64[D]")
    n = days.size
    if rules.entry == "daily":
        return np.ones(n, dtype=bool)
    if rules.entry == "signal":
        wanted = np.array(sorted(set(rules.signal)), dtype="datetime64[D]")
        return np.isin(days, wanted)
    if rules.entry == "weekly":
        period = (history.day_index + 3) // 7       # 1970-01-01 was a Thursday: weeks from Monday
    else:
        period = days.astype("datetime64[M]").astype(np.int64)
    return np.r_[True, period[1:] != period[:-1]]


def run(history: ChainHistory, rules: Rules | None = None, *, progress: Progress = None,
        margin: bool = True) -> BacktestResult:
    """Backtest ``rules`` over ``history``.

    Parameters
    ----------
    history : ChainHistory
        From :func:`core.backtest.load_history` or :func:`core.backtest.modelled_history`.
    rules : Rules, optional
        Default ``Rules()`` (daily 30-DTE 16-delta iron condor).
    progress : callable(fraction, message), optional
    margin : bool
        Compute each open position's margin requirement every day (CBOE rule, module notes);
        sweeps that only need the equity turn it off (margin then reads NaN).

    Returns
    -------
    BacktestResult
        Trades, daily equity (modelled fills and costs, and mid fills without costs), margin,
        metrics beside buy-and-hold of the underlying on the same dates, and notes saying which
        dates were skipped and why.

    Raises
    ------
    DataError
        ``history`` is not a ChainHistory with at least two dates, or ``rules`` is not Rules.
    """
    t0 = time.perf_counter()
    rules = Rules() if rules is None else rules
    if not isinstance(history, ChainHistory):
        raise DataError(f"history must be a ChainHistory (from load_history or "
                        f"modelled_history), got {type(history).__name__}")
    if not isinstance(rules, Rules):
        raise DataError(f"rules must be a Rules, got {type(rules).__name__}")
    n = len(history)
    if n < 2:
        raise DataError(f"history has {n} quote date(s); a backtest needs at least two")
    from core.strategies import strategy_info

    template = [(leg["kind"], int(leg["steps"]), float(leg["qty"]), bool(leg["far"]))
                for leg in strategy_info(rules.strategy)["legs"]]
    schedule = entry_schedule(history, rules)
    f, mult = rules.fraction, rules.multiplier
    cash = cash_mid = float(rules.capital)
    open_: list[_Pos] = []
    trades: list[Trade] = []
    skipped: dict[str, int] = {}
    full_days = 0
    series = {k: np.zeros(n) for k in ("equity", "equity_mid", "margin", "n_open")}
    closes = history.closes
    say = progress or (lambda *_: None)
    every = max(1, n // 50)

    def close(pos: _Pos, i: int, exit_price, exit_mid, exit_bid, exit_ask, reason: str,
              pay_costs, exit_day: int) -> None:
        """``pay_costs``: True (every option leg pays commission), False (none: settled), or
        a per-leg mask (the back legs of a two-expiry position closed at the front expiry)."""
        nonlocal cash, cash_mid
        c = pos.contracts
        paying = pos.option & (pay_costs if isinstance(pay_costs, np.ndarray) else bool(pay_costs))
        cost_out = costs(pos.qty[paying], c, rules.commission, rules.fees) if paying.any() else 0.0
        cash += float(pos.qty @ exit_price) * c * mult - cost_out
        cash_mid += float(pos.qty @ exit_mid) * c * mult
        pnl = float(pos.qty @ (exit_price - pos.entry_price)) * c * mult - pos.cost_in - cost_out
        pnl_mid = float(pos.qty @ (exit_mid - pos.entry_mid)) * c * mult
        legs = tuple(LegFill(str(pos.kinds[j]), float(pos.strike[j]), float(pos.qty[j]),
                             float(pos.entry_price[j]), float(exit_price[j]),
                             float(pos.entry_bid[j]), float(pos.entry_ask[j]),
                             float(exit_bid[j]), float(exit_ask[j]), float(pos.entry_mid[j]),
                             float(exit_mid[j]), float(pos.entry_iv[j]))
                     for j in range(pos.qty.size))
        entry_day = int(history.day_index[pos.entry_i])
        trades.append(Trade(pos.id, to_date(entry_day), to_date(exit_day), to_date(pos.expiry),
                            c, legs, pos.credit, pos.cost_in + cost_out, pnl, pnl_mid,
                            pos.max_profit, pos.max_loss, reason, exit_day - entry_day,
                            pos.modelled, pos.margin, pos.max_margin,
                            tuple(to_date(int(e)) for e in pos.leg_expiry)))

    next_id = 1
    for i in range(n):
        day = history.day(i)
        d, S = int(history.day_index[i]), float(closes[i])
        keep: list[_Pos] = []
        live = []
        for pos in open_:
            if pos.expiry <= d:      # cash settlement on the close (of the expiry or before it)
                close_px = S if pos.expiry == d else float(closes[i - 1])
                v = settlement(pos.kinds, pos.strike, close_px)
                nan = np.full(v.shape, np.nan)
                back = pos.leg_expiry > pos.expiry
                if back.any():       # two expiries: the back legs close at today's quotes
                    mid, bid, ask = _marks(pos, day)
                    side = -np.sign(pos.qty)
                    px = np.where(np.isfinite(bid), fill_price(bid, ask, side, f), mid)
                    close(pos, i, np.where(back, px, v), np.where(back, mid, v),
                          np.where(back, bid, nan), np.where(back, ask, nan), "expiry", back,
                          min(pos.expiry, d))
                else:
                    close(pos, i, v, v, nan, nan, "expiry", False, min(pos.expiry, d))
            else:
                live.append(pos)
        due: list = []               # (position, today's marks) whose margin is recomputed
        for pos, (mid, bid, ask) in zip(live, _marks_all(live, day)):
            pos.value_mid = float(pos.qty @ mid) * pos.contracts * mult
            reason = None if i == pos.entry_i else _exit_reason(pos, rules, d, mid, history)
            if reason:
                side = -np.sign(pos.qty)
                px = np.where(np.isfinite(bid), fill_price(bid, ask, side, f), mid)
                close(pos, i, px, mid, bid, ask, reason, True, d)
            else:
                if margin and i != pos.entry_i:
                    due.append((pos, mid))
                keep.append(pos)
        if due:                      # every open position's margin today, in one call
            for (pos, _), m in zip(due, _margins([p for p, _ in due], [x for _, x in due],
                                                  S, d)):
                pos.margin_now = m * pos.contracts * mult
                if not (math.isnan(pos.margin_now) or pos.max_margin >= pos.margin_now):
                    pos.max_margin = pos.margin_now
        open_ = keep
        if i == n - 1:
            for pos in open_:
                mid, bid, ask = _marks(pos, day) if pos.entry_i != i else (
                    pos.entry_mid, pos.entry_bid, pos.entry_ask)
                side = -np.sign(pos.qty)
                px = np.where(np.isfinite(bid), fill_price(bid, ask, side, f), mid)
                close(pos, i, px, mid, bid, ask, "end of data", True, d)
            open_ = []
        elif schedule[i]:
            if len(open_) >= rules.max_positions:
                full_days += 1
            else:
                equity_now = cash + sum(p.value_mid for p in open_)
                pos, why = _open(day, i, rules, template, equity_now, next_id, margin)
                if pos is None:
                    skipped[why] = skipped.get(why, 0) + 1
                else:
                    next_id += 1
                    c = pos.contracts
                    cash -= float(pos.qty @ pos.entry_price) * c * mult + pos.cost_in
                    cash_mid -= float(pos.qty @ pos.entry_mid) * c * mult
                    pos.value_mid = float(pos.qty @ pos.entry_mid) * c * mult
                    open_.append(pos)
        value = sum(p.value_mid for p in open_)
        series["equity"][i] = cash + value
        series["equity_mid"][i] = cash_mid + value
        series["margin"][i] = sum(p.margin_now for p in open_) if margin else np.nan
        series["n_open"][i] = len(open_)
        if i % every == 0:
            say(i / n, f"day {i + 1} of {n}: {len(trades)} trades closed")

    trades.sort(key=lambda t: t.id)
    series["underlying"] = closes.astype(np.float64).copy()
    series["buy_hold"] = rules.capital * closes / closes[0]
    n_sched = int(schedule[:-1].sum())
    notes, counts = _notes(skipped, full_days, n_sched, rules, trades)
    pnl = np.array([t.pnl for t in trades])
    pnl_mid = np.array([t.pnl_mid for t in trades])
    held = np.array([t.days_held for t in trades])
    peak = float(np.nanmax(series["margin"])) if margin and _any_open(series) else \
        (0.0 if margin else math.nan)
    metrics = performance(series["equity"]) | trade_stats(pnl, held, series["n_open"]) | \
        {"max_margin": peak}
    metrics_mid = performance(series["equity_mid"]) | trade_stats(pnl_mid, held, series["n_open"]) \
        | {"max_margin": peak}
    say(1.0, f"done: {len(trades)} trades")
    return BacktestResult(
        rules=rules.to_dict(), trades=tuple(trades), dates=history.day_index.astype("datetime64[D]"),
        series=series, metrics=metrics, metrics_mid=metrics_mid,
        benchmark=performance(series["buy_hold"]), counts=counts, notes=tuple(notes),
        source=history.source, label=history.label, history_path=history.path,
        elapsed=time.perf_counter() - t0)


def _any_open(series: dict) -> bool:
    return bool(np.any(series["n_open"] > 0))


def _notes(skipped, full_days, n_sched, rules, trades):
    notes, counts = [], {"entry_dates": n_sched, "trades": len(trades), "at_max_positions": full_days}
    for why, k in sorted(skipped.items(), key=lambda kv: -kv[1]):
        counts[f"skipped: {why}"] = k
        notes.append(f"{why} on {k} of {n_sched} entry dates; those dates skipped.")
    if full_days:
        notes.append(f"{full_days} entry date(s) passed with {rules.max_positions} position(s) "
                     "already open (max_positions).")
    modelled = sum(t.modelled_marks for t in trades)
    counts["modelled_marks"] = modelled
    if modelled:
        notes.append(f"{modelled} leg mark(s) on {sum(t.modelled_marks > 0 for t in trades)} "
                     "trade(s) were missing from the day's quotes and marked from the day's "
                     "smile (Black-76).")
    if not trades:
        reasons = "; ".join(f"{w} ({k} dates)" for w, k in skipped.items()) or \
            "no entry date in the history"
        notes.insert(0, f"No trade was opened: {reasons}. Change the rule (DTE, tolerance, "
                        "delta or width) or the data.")
    notes.append(SETTLEMENT_NOTE)
    return notes, counts


def _marks_all(positions: list, day: DayQuotes) -> list:
    """``_marks`` of every open position in one vectorised pass over all their legs: one
    lookup into the day's quotes, and one smile evaluation per expiry for the legs missing."""
    if not positions:
        return []
    if not day.n:
        return [_marks(p, day) for p in positions]
    sizes = [p.keys.size for p in positions]
    keys = np.concatenate([p.keys for p in positions])
    rows = day.lookup(keys)
    option = np.concatenate([p.option for p in positions])
    hit = option & (rows >= 0)
    r = np.where(hit, rows, 0)
    mid = np.where(hit, day.mid[r], day.spot)
    bid = np.where(hit, day.bid[r], np.nan)
    ask = np.where(hit, day.ask[r], np.nan)
    iv = np.where(hit, day.iv[r], np.nan)
    last = np.concatenate([p.last_iv for p in positions])
    miss = option & ~hit
    if miss.any():
        expiry = np.concatenate([p.leg_expiry for p in positions])
        strike = np.concatenate([p.strike for p in positions])
        is_call = np.concatenate([p.is_call for p in positions])
        for e in np.unique(expiry[miss]):
            sel = np.flatnonzero(miss & (expiry == e))
            v, vols = model_mark(day, int(e), strike[sel], is_call[sel], last[sel])
            mid[sel] = v
            iv[sel] = vols
    new_iv = np.where(np.isfinite(iv), iv, last)
    out, a = [], 0
    for p, n in zip(positions, sizes):
        b = a + n
        p.last_iv = new_iv[a:b].copy()
        p.modelled += int(miss[a:b].sum())
        out.append((mid[a:b], bid[a:b], ask[a:b]))
        a = b
    return out


def _marks(pos: _Pos, day: DayQuotes, rows=None):
    """Mid, bid, ask per leg today (bid/ask NaN for modelled legs and stock)."""
    m = pos.qty.size
    mid = np.empty(m)
    bid = np.full(m, np.nan)
    ask = np.full(m, np.nan)
    if rows is None:
        rows = day.lookup(pos.keys) if day.n else np.full(m, -1)
    opt = pos.option
    hit = opt & (rows >= 0)
    r = rows[hit]
    mid[hit], bid[hit], ask[hit] = day.mid[r], day.bid[r], day.ask[r]
    if hit.any():
        ivs = day.iv[r]
        pos.last_iv[hit] = np.where(np.isfinite(ivs), ivs, pos.last_iv[hit])
    miss = opt & (rows < 0)
    for e in np.unique(pos.leg_expiry[miss]):
        sel = miss & (pos.leg_expiry == e)
        v, vols = model_mark(day, int(e), pos.strike[sel], pos.is_call[sel], pos.last_iv[sel])
        mid[sel] = v
        pos.last_iv[sel] = np.where(np.isfinite(vols), vols, pos.last_iv[sel])
    pos.modelled += int(miss.sum())
    mid[~opt] = day.spot
    return mid, bid, ask


def _exit_reason(pos: _Pos, rules: Rules, d: int, mid: np.ndarray, history) -> str | None:
    if rules.exit_dte is not None and pos.expiry - d <= rules.exit_dte:
        return "exit DTE"
    entry_day = int(history.day_index[pos.entry_i])
    if rules.max_days is not None and d - entry_day >= rules.max_days:
        return "max days"
    open_pnl = float(pos.qty @ (mid - pos.entry_price)) * pos.contracts * rules.multiplier
    if rules.stop_loss is not None:
        basis = abs(pos.credit) if rules.stop_basis == "credit" else pos.max_loss / rules.multiplier
        basis *= pos.contracts * rules.multiplier
        if math.isfinite(basis) and basis > 0 and open_pnl <= -rules.stop_loss * basis:
            return "stop loss"
    if rules.profit_target is not None:
        if math.isnan(pos.max_profit):        # two expiries: a fraction of the debit paid
            basis = abs(pos.credit) * rules.multiplier
        else:
            basis = pos.max_profit if math.isfinite(pos.max_profit) else 0.0
        if basis > 0 and open_pnl >= rules.profit_target * basis * pos.contracts:
            return "profit target"
    return None


def _nearest(strikes: np.ndarray, target: float) -> int:
    return int(np.argmin(np.abs(strikes - target))) if strikes.size else -1


def _expiry_near(exps: np.ndarray, today: int, target: int, tolerance: int) -> int:
    """The listed expiry nearest ``target`` DTE within ``tolerance`` days, or -1."""
    if not exps.size:
        return -1
    dte = exps - today
    j = int(np.argmin(np.abs(dte - target)))
    return int(exps[j]) if abs(int(dte[j]) - target) <= tolerance else -1


def _placement(day: DayQuotes, E: int, rules: Rules):
    """Rows, at-the-money strike and the one-step strikes of expiry ``E`` (module notes of
    :mod:`core.backtest.rules`), or ``(None, reason)``."""
    sl = day.expiry_rows(E)
    rows = np.arange(sl.start, sl.stop)
    F = float(day.forward[rows[0]])
    S = day.spot
    calls = rows[day.is_call[rows]]
    puts = rows[~day.is_call[rows]]
    atm_rows = calls if calls.size else puts
    K0 = float(day.strike[atm_rows[_nearest(day.strike[atm_rows], F)]])
    if rules.select == "delta":
        if not np.isfinite(day.iv[rows]).any():
            return None, "no implied vol on the expiry to place strikes by delta"
        up = calls[_nearest(day.delta[calls], rules.delta)] if calls.size else -1
        dn = puts[_nearest(day.delta[puts], -rules.delta)] if puts.size else -1
        K_up = float(day.strike[up]) if up >= 0 else math.nan
        K_dn = float(day.strike[dn]) if dn >= 0 else math.nan
    else:
        K_up, K_dn = S * (1 + rules.moneyness), S * (1 - rules.moneyness)
    return (rows, F, calls, puts, K0, K_up, K_dn), ""


def _open(day: DayQuotes, i: int, rules: Rules, template, equity: float, pos_id: int,
          with_margin: bool = True):
    """A new position from the day's chain, or ``(None, reason)``."""
    if day.n == 0:
        return None, "no option quotes on the date"
    exps = day.expiries()
    E = _expiry_near(exps, day.date, rules.dte, rules.dte_tolerance)
    if E < 0:
        return None, f"no expiry within {rules.dte_tolerance} days of {rules.dte} DTE"
    two = any(far for *_, far in template)
    E2 = E
    if two:
        later = exps[exps > E]
        E2 = _expiry_near(later, day.date, rules.far_dte, rules.dte_tolerance)
        if E2 < 0:
            return None, (f"no far expiry within {rules.dte_tolerance} days of {rules.far_dte} "
                          "DTE after the near expiry")
    places = {}
    for e in {E, E2}:
        pl, why = _placement(day, e, rules)
        if pl is None:
            return None, why
        places[e] = pl
    rows, F = places[E][0], places[E][1]
    S = day.spot
    equal = rules.strategy in EQUAL_SPACED
    kinds, strikes, qtys, keys, leg_exp = [], [], [], [], []
    for kind, n, q, far in template:
        if kind == "stock":
            kinds.append(kind), strikes.append(0.0), qtys.append(q), keys.append(-1)
            leg_exp.append(E)
            continue
        e = E2 if far else E
        _, _, calls, puts, K0, K_up, K_dn = places[e]
        if equal or n == 0:
            target = K0 + n * rules.width
        elif n > 0:
            target = K_up + (n - 1) * rules.width
        else:
            target = K_dn + (n + 1) * rules.width
        cand = calls if kind == "call" else puts
        cand = cand[day.ask[cand] > 0]
        if q < 0:
            cand = cand[day.bid[cand] > 0]
        k = _nearest(day.strike[cand], target) if math.isfinite(target) else -1
        if k < 0 or target <= 0 or abs(day.strike[cand[k]] - target) > max(0.25 * rules.width, 0.005 * S):
            side = "sell" if q < 0 else "buy"
            return None, f"no {kind} to {side} near the target strike"
        kinds.append(kind), strikes.append(float(day.strike[cand[k]])), qtys.append(q)
        keys.append(int(cand[k]))
        leg_exp.append(e)
    opt_strikes = [(k, s, e) for k, s, e in zip(kinds, strikes, leg_exp) if k != "stock"]
    if len(set(opt_strikes)) < len(opt_strikes):
        return None, "strikes collapse onto the same listed strike (widen the width)"
    kinds_a = np.array(kinds)
    option = kinds_a != "stock"
    rows_a = np.array(keys)
    qty = np.array(qtys, dtype=np.float64)
    strike = np.array(strikes)
    exp_arr = np.array(leg_exp, dtype=np.int64)
    bid = np.full(qty.size, np.nan)
    ask = np.full(qty.size, np.nan)
    mid = np.full(qty.size, S)
    iv = np.full(qty.size, np.nan)
    r = rows_a[option]
    bid[option], ask[option], mid[option], iv[option] = (day.bid[r], day.ask[r], day.mid[r],
                                                         day.iv[r])
    price = np.where(option, fill_price(bid, ask, np.sign(qty), rules.fraction), S)
    if two:
        # no closed form at the front expiry (the back legs keep time value): the net debit
        # bounds the loss of the catalogue's calendar and diagonal (long far call at or below
        # the short near call's strike); max profit is not defined (the profit target then
        # reads as a fraction of the debit, see Rules)
        max_profit, max_loss = math.nan, max(float(qty @ price), 0.0)
    else:
        max_profit, max_loss = _extremes(kinds_a, strike, qty, price)
    mp, ml = max_profit * rules.multiplier, max_loss * rules.multiplier
    if rules.sizing == "fixed":
        contracts = rules.contracts
    elif rules.sizing == "risk_pct":
        if not math.isfinite(ml) or ml <= 0:
            return None, "unbounded or zero max loss: % of equity at risk cannot size it"
        contracts = math.floor(rules.risk_pct * equity / ml)
    else:
        atm_iv = float(np.interp(0.0, *_sorted_smile(day, rows, F)))
        contracts = round(rules.contracts * rules.vol_target / atm_iv) if atm_iv > 0 else 0
    if contracts <= 0:
        return None, "sizing gave 0 contracts"
    is_call = kinds_a == "call"
    m0 = (_margin(kinds_a, strike, qty, price, S, exp_arr - day.date) * contracts
          * rules.multiplier if with_margin else math.nan)
    pos = _Pos(pos_id, i, E, kinds_a, strike, qty, is_call, option,
               np.where(option, contract_key(exp_arr, is_call, strike), -1), price, mid, bid, ask,
               iv, float(contracts), float(-(qty @ price)), mp, ml, m0,
               costs(qty[option], contracts, rules.commission, rules.fees), iv.copy(), exp_arr,
               margin_now=m0, max_margin=m0)
    return pos, ""


def _sorted_smile(day, rows, F):
    k = np.log(day.strike[rows] / F)
    v = day.iv[rows]
    ok = np.isfinite(v)
    o = np.argsort(k[ok])
    return k[ok][o], v[ok][o]


def _extremes(kinds, strike, qty, price) -> tuple[float, float]:
    """Max profit and max loss (>= 0, inf when unbounded) at expiry per unit, premiums paid."""
    pts = np.unique(np.r_[0.0, strike[kinds != "stock"]])
    pay = np.zeros(pts.size)
    slope = 0.0
    for kind, K, q, p in zip(kinds, strike, qty, price):
        if kind == "call":
            pay += q * (np.maximum(pts - K, 0) - p)
            slope += q
        elif kind == "put":
            pay += q * (np.maximum(K - pts, 0) - p)
        else:
            pay += q * (pts - p)
            slope += q
    hi, lo = float(pay.max()), float(pay.min())
    max_profit = math.inf if slope > 1e-12 else max(hi, 0.0)
    max_loss = math.inf if slope < -1e-12 else max(-lo, 0.0)
    return max_profit, max_loss


_KIND_CODES = {"call": 0, "put": 1, "stock": 2}


def _margin(kinds, strike, qty, price, S, days) -> float:
    """CBOE margin of one unit of the position (:func:`core.strategies.margin_many`, the rule
    of :func:`core.strategies.margin`), legs at ``price`` with ``days`` (scalar or per leg)
    to their expiries; NaN where the rule refuses the legs (e.g. a price missing)."""
    from core.strategies import margin_many

    T = np.maximum(np.broadcast_to(np.asarray(days, dtype=np.float64), np.shape(qty)), 1) / 365.0
    code = np.array([_KIND_CODES[str(k)] for k in kinds], dtype=np.int64)
    return float(margin_many(code, np.where(code == 2, 0.0, strike), np.where(code == 2, 0.0, T),
                             qty, price, S).initial[0])


def _margins(positions: list, prices: list, S: float, d: int) -> np.ndarray:
    """Per-unit CBOE margin of each open position on day ``d`` (days since epoch), legs at
    ``prices`` (one array per position) and their remaining days (at least 1): one
    :func:`core.strategies.margin_many` call over all of them (legs padded with qty 0)."""
    from core.strategies import margin_many

    L = max(p.qty.size for p in positions)
    shape = (len(positions), L)
    code = np.full(shape, 2, dtype=np.int64)
    strike, T, qty, price = (np.zeros(shape) for _ in range(4))
    for r, (p, px) in enumerate(zip(positions, prices)):
        m = p.qty.size
        c = np.where(p.is_call, 0, np.where(p.option, 1, 2))
        code[r, :m] = c
        strike[r, :m] = np.where(p.option, p.strike, 0.0)
        T[r, :m] = np.where(p.option, np.maximum(p.leg_expiry - d, 1) / 365.0, 0.0)
        qty[r, :m] = p.qty
        price[r, :m] = px
    return margin_many(code, strike, T, qty, price, S).initial
