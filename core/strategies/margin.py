"""Margin estimate of a strategy under the CBOE / Reg-T customer margin rules.

The rule (CBOE Margin Manual, customer accounts; per unit of underlying, currency):

* **Long options**: paid in full (premium).
* **Stock**: Reg-T initial margin ``stock_margin`` (50 %) of the value of long stock; short stock
  ``(1 + stock_margin)`` of its value, the sale proceeds counting towards it.
* **Covered shorts**: a short call covered by long stock, or a short put covered by short stock,
  adds nothing.
* **Spreads**: a short option paired with a long option of the same type expiring no earlier
  requires the strike difference when the long is further out of the money
  (call: ``max(K_long - K_short, 0)``; put: ``max(K_short - K_long, 0)``), never more than the
  naked requirement; shorts are paired greedily with the nearest-strike longs.
* **Naked shorts** (broad-based index by default): premium +
  ``max(pct * S - OTM amount, min_pct * S)`` for calls and
  ``max(pct * S - OTM amount, min_pct * K)`` for puts, with ``pct`` = 15 % (use 20 % for
  equity options) and ``min_pct`` = 10 %.
* **Both sides short** at one expiry (straddles, strangles, iron condors, jade lizards): only the
  greater of the call-side and put-side requirements, plus the premium of the other side's
  naked shorts.
* **Defined-risk option packages** (option-only, one expiry, every short covered by a long):
  the maximum loss at expiry (butterflies, condors, iron condors, verticals).

``initial`` is the requirement as CBOE states it (long premiums and naked-short premiums
included); ``net = initial - premiums received - short-stock proceeds`` is the cash to deposit
beyond the credits received. Estimates only: brokers apply house rules on top.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

from core.errors import DataError
from core.strategies.legs import Strategy

__all__ = ["MarginEstimate", "margin", "UNDERLYINGS"]

_T_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class MarginEstimate:
    """Margin of a strategy per unit of quantity (currency).

    Attributes
    ----------
    initial : float
        Requirement under the rule, premiums included.
    net : float
        ``initial`` minus premiums received and short-stock proceeds.
    premium_paid, premium_received : float
        Option premiums paid (longs) and received (shorts).
    components : tuple of (str, float)
        The parts of ``initial`` with their labels.
    rule : str
        The rule and parameters applied.
    """

    initial: float
    net: float
    premium_paid: float
    premium_received: float
    components: tuple[tuple[str, float], ...]
    rule: str

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["components"] = [list(c) for c in self.components]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> MarginEstimate:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        MarginEstimate
        """
        d = dict(data)
        d["components"] = tuple((str(a), float(b)) for a, b in d["components"])
        return cls(**d)


UNDERLYINGS = {"index": 0.15, "equity": 0.20}


def margin(strategy: Strategy, spot: float | None = None, *, pct: float | None = None,
           min_pct: float = 0.10, stock_margin: float = 0.5,
           underlying: str = "index") -> MarginEstimate:
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
    MarginEstimate
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
    return MarginEstimate(float(initial), float(net), float(paid), float(received),
                          tuple((a, float(b)) for a, b in comps), rule)


def _naked_excess(kind: str, K: float, S: float, pct: float, min_pct: float) -> float:
    """``max(pct S - OTM amount, min_pct S (call) or min_pct K (put))`` per unit."""
    if kind == "call":
        return max(pct * S - max(K - S, 0.0), min_pct * S)
    return max(pct * S - max(S - K, 0.0), min_pct * K)
