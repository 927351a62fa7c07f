"""The CBOE / Reg-T margin rule as ``core.strategies.margin`` computed it before the vectorised
kernel (commit 3a56663, verbatim apart from the name): the independent second method the
vectorised margin and the backtest engine's daily series are checked against."""
from __future__ import annotations

import math

from core.errors import DataError

UNDERLYINGS = {"index": 0.15, "equity": 0.20}
_T_TOL = 1e-12


def reference_margin(strategy, spot: float | None = None, *, pct: float | None = None,
           min_pct: float = 0.10, stock_margin: float = 0.5,
           underlying: str = "index") -> tuple:
    """CBOE / Reg-T customer margin estimate of ``strategy`` (rule in the module docstring).

    Parameters
    ----------
    strategy : Strategy
    spot : float, optional
        Underlying price (currency); default ``strategy.spot``.
    pct, min_pct : float
        Naked-short percentages: 0.15 / 0.10 for broad-based index options (0.20 / 0.10 equity);
        ``pct=None`` takes it from ``underlying``.
    underlying : {'index', 'equity'}
        Broad-based index (15 %) or equity / narrow-based (20 %) naked-short rule.
    stock_margin : float
        Reg-T initial margin fraction for stock (0.5; 1.0 for a cash account).

    Returns
    -------
    tuple
        ``(initial, net, premium_paid, premium_received, components, rule)``.
    """
    if underlying not in UNDERLYINGS:
        raise DataError(f"underlying must be 'index' or 'equity', got {underlying!r}")
    pct = UNDERLYINGS[underlying] if pct is None else pct
    spot = strategy.spot if spot is None else spot
    try:
        spot = float(spot)
    except (TypeError, ValueError) as exc:
        raise DataError(f"spot must be > 0 (pass spot= or set Strategy.spot), got {spot!r}"
                        ) from exc
    if not (math.isfinite(spot) and spot > 0):
        raise DataError(f"spot must be > 0, got {spot!r}")
    for name, v in (("pct", pct), ("min_pct", min_pct), ("stock_margin", stock_margin)):
        if not (math.isfinite(v) and 0 <= v <= 1):
            raise DataError(f"{name} must be in [0, 1], got {v}")
    legs = strategy.legs
    what = "broad-based index" if underlying == "index" else "equity"
    rule = (f"CBOE customer margin, {what} options: naked short = premium + max({pct:.0%} of "
            f"spot - OTM amount, {min_pct:.0%} of spot (calls) / strike (puts)); a short covered "
            f"by a long of the same type expiring no earlier = the strike difference; both "
            f"sides short (iron condor, strangle) = the greater side; defined-risk packages "
            f"capped at their maximum loss; Reg-T stock {stock_margin:.0%}")
    opt = [[x.kind, x.strike, x.T, x.qty, x.price] for x in legs if x.is_option]
    paid = sum(q * p for _, _, _, q, p in opt if q > 0)
    received = sum(-q * p for _, _, _, q, p in opt if q < 0)
    stock_long = sum(x.qty for x in legs if not x.is_option and x.qty > 0)
    stock_short = sum(-x.qty for x in legs if not x.is_option and x.qty < 0)
    comps: list[tuple[str, float]] = []
    if paid:
        comps.append(("long options paid in full", paid))
    if stock_long:
        comps.append((f"long stock at {stock_margin:.0%}", stock_margin * spot * stock_long))
    if stock_short:
        comps.append((f"short stock at {1 + stock_margin:.0%}", (1 + stock_margin) * spot
                      * stock_short))
    longs = {k: sorted(([K, T, q] for kk, K, T, q, _ in opt if kk == k and q > 0),
                       key=lambda a: a[0], reverse=(k == "put")) for k in ("call", "put")}
    cover = {"call": stock_long, "put": stock_short}
    side = {"call": 0.0, "put": 0.0}
    naked_prem = {"call": 0.0, "put": 0.0}
    n_naked = 0.0
    for kind, K, T, q, price in sorted((o for o in opt if o[3] < 0), key=lambda o: o[1]):
        units = -q
        naked_unit = price + _naked_excess(kind, K, spot, pct, min_pct)
        c = min(units, cover[kind])
        cover[kind] -= c
        units -= c
        for lg in longs[kind]:
            if units <= 0:
                break
            if lg[2] <= 0 or lg[1] < T - _T_TOL:
                continue
            c = min(units, lg[2])
            lg[2] -= c
            units -= c
            diff = max(lg[0] - K, 0.0) if kind == "call" else max(K - lg[0], 0.0)
            side[kind] += c * min(diff, naked_unit)
        if units > 0:
            side[kind] += units * naked_unit
            naked_prem[kind] += units * price
            n_naked += units
    for kind in ("call", "put"):
        if side[kind]:
            comps.append((f"short {kind}s (spreads and naked)", side[kind]))
    shorts = [o for o in opt if o[3] < 0]
    one_expiry = len({round(o[2], 12) for o in shorts}) <= 1
    short_req = side["call"] + side["put"]
    if side["call"] > 0 and side["put"] > 0 and one_expiry:
        big = "call" if side["call"] >= side["put"] else "put"
        other = "put" if big == "call" else "call"
        combined = side[big] + naked_prem[other]
        comps.append((f"both sides short: greater side ({big}s) + {other} premium",
                      combined - short_req))
        short_req = combined
    initial = (paid + stock_margin * spot * stock_long + (1 + stock_margin) * spot * stock_short
               + short_req)
    net = initial - received - spot * stock_short
    defined = (n_naked == 0 and not stock_long and not stock_short and bool(shorts)
               and not strategy.multi_expiry)
    if defined:
        max_loss = strategy.max_loss()
        if math.isfinite(max_loss) and max_loss < net:
            comps.append(("defined risk: capped at the maximum loss", max_loss - net))
            net = max_loss
            initial = net + received
    return (float(initial), float(net), float(paid), float(received),
            tuple((a, float(b)) for a, b in comps), rule)


def _naked_excess(kind: str, K: float, S: float, pct: float, min_pct: float) -> float:
    """``max(pct S - OTM amount, min_pct S (call) or min_pct K (put))`` per unit."""
    if kind == "call":
        return max(pct * S - max(K - S, 0.0), min_pct * S)
    return max(pct * S - max(S - K, 0.0), min_pct * K)
