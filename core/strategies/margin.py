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

import numpy as np
from numba import njit

from core.errors import DataError
from core.strategies.legs import Strategy
from core._typing import ArrayLike, FloatArray

__all__ = ["MarginEstimate", "MarginBatch", "margin", "margin_many", "UNDERLYINGS"]

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


@dataclass(frozen=True, slots=True, eq=False)
class MarginBatch:
    """Margins of many positions (:func:`margin_many`), per unit of quantity (currency).

    Attributes
    ----------
    initial, net, premium_paid, premium_received : numpy.ndarray
        Per position, as in :class:`MarginEstimate`; NaN where a position is invalid.
    """

    initial: FloatArray
    net: FloatArray
    premium_paid: FloatArray
    premium_received: FloatArray

    def to_dict(self) -> dict:
        """JSON-ready dict (arrays as lists; NaN stays NaN).

        Returns
        -------
        dict
            :meth:`from_dict` reads it back.
        """
        return {f.name: getattr(self, f.name).tolist() for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> MarginBatch:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        MarginBatch
        """
        return cls(**{f.name: np.asarray(data[f.name], dtype=np.float64) for f in fields(cls)})


UNDERLYINGS = {"index": 0.15, "equity": 0.20}


def margin(strategy: Strategy, spot: float | None = None, *, pct: float | None = None,
           min_pct: float = 0.10, stock_margin: float = 0.5,
           underlying: str = "index") -> MarginEstimate:
    """CBOE / Reg-T customer margin estimate of ``strategy`` (rule in the module docstring).

    One position; :func:`margin_many` applies the same rule (the same kernel) to many positions
    at once.

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
    pct = _check_rule(pct, min_pct, stock_margin, underlying)
    spot = strategy.spot if spot is None else spot
    try:
        spot = float(spot)
    except (TypeError, ValueError) as exc:
        raise DataError(f"spot must be > 0 (pass spot= or set Strategy.spot), got {spot!r}"
                        ) from exc
    if not (math.isfinite(spot) and spot > 0):
        raise DataError(f"spot must be > 0, got {spot!r}")
    legs = strategy.legs
    what = "broad-based index" if underlying == "index" else "equity"
    rule = (f"CBOE customer margin, {what} options: naked short = premium + max({pct:.0%} of "
            f"spot - OTM amount, {min_pct:.0%} of spot (calls) / strike (puts)); a short covered "
            f"by a long of the same type expiring no earlier = the strike difference; both "
            f"sides short (iron condor, strangle) = the greater side; defined-risk packages "
            f"capped at their maximum loss; Reg-T stock {stock_margin:.0%}")
    kind = np.array([[_CODES[x.kind] for x in legs]], dtype=np.int64)
    arr = [np.array([[getattr(x, a) for x in legs]], dtype=np.float64)
           for a in ("strike", "T", "qty", "price")]
    o = _margin_kernel(kind, *arr, np.array([spot]), float(pct), float(min_pct),
                       float(stock_margin))[0]
    comps: list[tuple[str, float]] = []
    if o[_PAID]:
        comps.append(("long options paid in full", o[_PAID]))
    if o[_STOCK_LONG]:
        comps.append((f"long stock at {stock_margin:.0%}", o[_STOCK_LONG]))
    if o[_STOCK_SHORT]:
        comps.append((f"short stock at {1 + stock_margin:.0%}", o[_STOCK_SHORT]))
    for kind_name, col in (("call", _SIDE_CALL), ("put", _SIDE_PUT)):
        if o[col]:
            comps.append((f"short {kind_name}s (spreads and naked)", o[col]))
    if o[_BOTH]:
        big, other = ("call", "put") if o[_BIG_CALL] else ("put", "call")
        comps.append((f"both sides short: greater side ({big}s) + {other} premium", o[_BOTH_ADJ]))
    if o[_CAPPED]:
        comps.append(("defined risk: capped at the maximum loss", o[_CAP_ADJ]))
    return MarginEstimate(float(o[_INITIAL]), float(o[_NET]), float(o[_PAID]),
                          float(o[_RECEIVED]), tuple((a, float(b)) for a, b in comps), rule)


def margin_many(kind: ArrayLike, strike: ArrayLike, T: ArrayLike, qty: ArrayLike,
                price: ArrayLike, spot: ArrayLike, *, pct: float | None = None,
                min_pct: float = 0.10, stock_margin: float = 0.5,
                underlying: str = "index") -> MarginBatch:
    """The rule of :func:`margin` for many positions at once (arrays in, arrays out).

    Each row is one position (a strategy, or one strategy on one day): its legs along the last
    axis, padded with ``qty = 0`` where a position has fewer legs. Leg conventions are those of
    :class:`core.strategies.Leg` (per unit of the underlying; stock legs ignore ``strike`` and
    ``T``).

    Parameters
    ----------
    kind : array_like of str or int, shape (P, L) or (L,)
        'call' / 'put' / 'stock' (or 'C' / 'P' / 'S', or the codes 0 / 1 / 2).
    strike : array_like, shape (P, L) or (L,)
        Strikes, currency (> 0 for options).
    T : array_like, shape (P, L) or (L,)
        Years to each leg's expiry (> 0 for options).
    qty : array_like, shape (P, L) or (L,)
        Signed quantities in units of the underlying (< 0 short; 0 = no leg).
    price : array_like, shape (P, L) or (L,)
        Leg prices per unit, currency (>= 0): option premiums, the stock price for stock legs.
    spot : float or array_like, shape (P,)
        Underlying price of each position, currency (> 0).
    pct, min_pct, stock_margin, underlying
        As in :func:`margin`.

    Returns
    -------
    MarginBatch
        ``initial``, ``net``, ``premium_paid``, ``premium_received`` per position, currency
        per unit of quantity; NaN for a position that :func:`margin` would refuse (a
        non-finite or negative price, a non-positive strike or ``T`` on an option leg, a
        non-finite quantity, spot not > 0).
    """
    pct = _check_rule(pct, min_pct, stock_margin, underlying)
    qty_a = np.asarray(qty, dtype=np.float64)
    if qty_a.ndim not in (1, 2):
        raise DataError(f"qty must be 1-D (legs) or 2-D (positions x legs), got shape "
                        f"{qty_a.shape}")
    shape = qty_a.shape if qty_a.ndim == 2 else (1, qty_a.size)
    kind_a = np.asarray(kind)
    if kind_a.dtype.kind in "iu":
        codes = kind_a.astype(np.int64)
        if codes.size and (codes.min() < 0 or codes.max() > 2):
            raise DataError("kind codes must be 0 (call), 1 (put) or 2 (stock)")
    else:
        try:
            codes = np.vectorize(lambda k: _CODES[_ALIASES[str(k).strip().lower()]],
                                 otypes=[np.int64])(kind_a) if kind_a.size else \
                np.zeros(kind_a.shape, np.int64)
        except KeyError as exc:
            raise DataError(f"kind must be 'call', 'put' or 'stock', got {exc.args[0]!r}"
                            ) from exc
    try:
        arrs = [np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=np.float64), shape))
                for a in (strike, T, qty_a, price)]
        codes = np.ascontiguousarray(np.broadcast_to(codes, shape))
        S = np.ascontiguousarray(np.broadcast_to(np.asarray(spot, dtype=np.float64),
                                                 (shape[0],)))
    except ValueError as exc:
        raise DataError(f"kind, strike, T, qty, price must share the shape {shape} and spot "
                        f"have {shape[0]} value(s): {exc}") from exc
    o = _margin_kernel(codes, *arrs, S, float(pct), float(min_pct), float(stock_margin))
    return MarginBatch(o[:, _INITIAL].copy(), o[:, _NET].copy(), o[:, _PAID].copy(),
                       o[:, _RECEIVED].copy())


def _check_rule(pct, min_pct, stock_margin, underlying) -> float:
    """Validated naked-short percentage (from ``underlying`` when ``pct`` is None)."""
    if underlying not in UNDERLYINGS:
        raise DataError(f"underlying must be 'index' or 'equity', got {underlying!r}")
    pct = UNDERLYINGS[underlying] if pct is None else pct
    for name, v in (("pct", pct), ("min_pct", min_pct), ("stock_margin", stock_margin)):
        if not (math.isfinite(v) and 0 <= v <= 1):
            raise DataError(f"{name} must be in [0, 1], got {v}")
    return float(pct)


_ALIASES = {"c": "call", "call": "call", "p": "put", "put": "put", "s": "stock",
            "stock": "stock"}
_CODES = {"call": 0, "put": 1, "stock": 2}
# columns of the kernel's output
(_INITIAL, _NET, _PAID, _RECEIVED, _STOCK_LONG, _STOCK_SHORT, _SIDE_CALL, _SIDE_PUT, _BOTH,
 _BIG_CALL, _BOTH_ADJ, _CAPPED, _CAP_ADJ, _NCOL) = range(14)


@njit(cache=True)
def _margin_kernel(kind, strike, T, qty, price, spot, pct, min_pct, stock_margin):
    """The rule for each row: (P, L) legs (qty 0 = no leg), spot (P,) -> (P, _NCOL) parts.

    Sums run in leg order and ties sort stably, as the single-position rule always did, so
    a position's figures do not depend on how many others are computed with it.
    """
    P, L = qty.shape
    out = np.zeros((P, 14))
    idx = np.empty(L, np.int64)
    lk = np.empty(L)            # long strikes, expiries, remaining units (one kind at a time)
    lt = np.empty(L)
    lq = np.empty(L)
    xs = np.empty(L + 1)
    for p in range(P):
        S = spot[p]
        ok = np.isfinite(S) and S > 0.0
        for j in range(L):
            q = qty[p, j]
            if q == 0.0:
                continue
            if not (np.isfinite(q) and np.isfinite(price[p, j]) and price[p, j] >= 0.0):
                ok = False
            elif kind[p, j] != 2 and not (np.isfinite(strike[p, j]) and strike[p, j] > 0.0
                                          and np.isfinite(T[p, j]) and T[p, j] > 0.0):
                ok = False
        if not ok:
            out[p, :] = np.nan
            continue
        paid = 0.0
        received = 0.0
        st_long = 0.0
        st_short = 0.0
        n_short = 0
        t_min = np.inf
        t_max = -np.inf
        for j in range(L):
            q = qty[p, j]
            if q == 0.0:
                continue
            if kind[p, j] == 2:
                if q > 0:
                    st_long += q
                else:
                    st_short += -q
                continue
            t_min = min(t_min, T[p, j])
            t_max = max(t_max, T[p, j])
            if q > 0:
                paid += q * price[p, j]
            else:
                received += -q * price[p, j]
                n_short += 1
        # shorts by strike (stable), across both kinds
        ns = 0
        for j in range(L):
            if qty[p, j] < 0.0 and kind[p, j] != 2:
                a = ns
                while a > 0 and strike[p, idx[a - 1]] > strike[p, j]:
                    idx[a] = idx[a - 1]
                    a -= 1
                idx[a] = j
                ns += 1
        side = np.zeros(2)          # per kind: call, put
        prem = np.zeros(2)          # premium of the naked shorts
        cover = np.array([st_long, st_short])
        n_naked = 0.0
        for kk in range(2):
            # this kind's longs: calls by strike ascending, puts descending (stable)
            nl = 0
            for j in range(L):
                if qty[p, j] > 0.0 and kind[p, j] == kk:
                    a = nl
                    K = strike[p, j]
                    while a > 0 and ((lk[a - 1] > K) if kk == 0 else (lk[a - 1] < K)):
                        lk[a] = lk[a - 1]
                        lt[a] = lt[a - 1]
                        lq[a] = lq[a - 1]
                        a -= 1
                    lk[a] = K
                    lt[a] = T[p, j]
                    lq[a] = qty[p, j]
                    nl += 1
            for s in range(ns):
                j = idx[s]
                if kind[p, j] != kk:
                    continue
                K = strike[p, j]
                units = -qty[p, j]
                if kk == 0:
                    excess = max(pct * S - max(K - S, 0.0), min_pct * S)
                else:
                    excess = max(pct * S - max(S - K, 0.0), min_pct * K)
                naked_unit = price[p, j] + excess
                c = min(units, cover[kk])
                cover[kk] -= c
                units -= c
                for a in range(nl):
                    if units <= 0:
                        break
                    if lq[a] <= 0 or lt[a] < T[p, j] - _T_TOL:
                        continue
                    c = min(units, lq[a])
                    lq[a] -= c
                    units -= c
                    diff = max(lk[a] - K, 0.0) if kk == 0 else max(K - lk[a], 0.0)
                    side[kk] += c * min(diff, naked_unit)
                if units > 0:
                    side[kk] += units * naked_unit
                    prem[kk] += units * price[p, j]
                    n_naked += units
        side_c, side_p, prem_c, prem_p = side[0], side[1], prem[0], prem[1]
        one_expiry = True
        first = True
        r0 = 0.0
        for s in range(ns):
            r = np.round(T[p, idx[s]], 12)
            if first:
                r0 = r
                first = False
            elif r != r0:
                one_expiry = False
        short_req = side_c + side_p
        if side_c > 0 and side_p > 0 and one_expiry:
            big_call = side_c >= side_p
            combined = side_c + prem_p if big_call else side_p + prem_c
            out[p, _BOTH] = 1.0
            out[p, _BIG_CALL] = 1.0 if big_call else 0.0
            out[p, _BOTH_ADJ] = combined - short_req
            short_req = combined
        initial = (paid + stock_margin * S * st_long + (1 + stock_margin) * S * st_short
                   + short_req)
        net = initial - received - S * st_short
        if (n_naked == 0 and st_long == 0 and st_short == 0 and n_short > 0
                and not t_max - t_min > _T_TOL):
            # maximum loss at expiry: the expiry P/L at S = 0 and at every strike, and its
            # slope beyond the last strike (the exact piecewise-linear extremes)
            nx = 1
            xs[0] = 0.0
            abs_q = 0.0
            slope = 0.0
            for j in range(L):
                q = qty[p, j]
                if q == 0.0:
                    continue
                abs_q += abs(q)
                if kind[p, j] == 0:
                    slope += q
                K = strike[p, j]
                a = nx
                dup = False
                for b in range(1, nx):
                    if xs[b] == K:
                        dup = True
                if not dup:
                    while a > 1 and xs[a - 1] > K:
                        xs[a] = xs[a - 1]
                        a -= 1
                    xs[a] = K
                    nx += 1
            if slope < -1e-9 * abs_q:
                max_loss = np.inf
            else:
                lo = np.inf
                for b in range(nx):
                    x = xs[b]
                    y = 0.0
                    for j in range(L):
                        q = qty[p, j]
                        if q == 0.0:
                            continue
                        K = strike[p, j]
                        pay = max(x - K, 0.0) if kind[p, j] == 0 else max(K - x, 0.0)
                        y += q * (pay - price[p, j])
                    lo = min(lo, y)
                max_loss = max(-lo, 0.0)
            if np.isfinite(max_loss) and max_loss < net:
                out[p, _CAPPED] = 1.0
                out[p, _CAP_ADJ] = max_loss - net
                net = max_loss
                initial = net + received
        out[p, _INITIAL] = initial
        out[p, _NET] = net
        out[p, _PAID] = paid
        out[p, _RECEIVED] = received
        out[p, _STOCK_LONG] = stock_margin * S * st_long
        out[p, _STOCK_SHORT] = (1 + stock_margin) * S * st_short
        out[p, _SIDE_CALL] = side_c
        out[p, _SIDE_PUT] = side_p
    return out
