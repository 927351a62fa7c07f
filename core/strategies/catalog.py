"""The strategy catalogue: named textbook strategies placed by moneyness or delta targets,
snapped to listed strikes and expiries when a chain is given, and priced.

Placement
---------
Each catalogue leg sits ``n`` strike steps from the money (``n`` may be negative):

* ``by="moneyness"``: ``K = spot * (1 + n * width)`` (``width`` = 0.05: steps 5 % of spot).
* ``by="delta"``: one step is the log-strike distance between the 50-delta strike and the
  ``wing_delta`` strike, i.e. ``K = F exp(z n sigma sqrt(T) + sigma^2 T / 2)`` with
  ``z = -Phi^-1(wing_delta)``, ``F = spot e^{(r-q)T}``. Deltas are forward deltas ``N(d1)`` (no
  ``e^{-qT}``), so a 50-delta call and put share a strike; with the default 0.30, ``n = +-1``
  is the 30-delta call/put and ``n = +-2`` the ~15-delta wing. Butterflies, condors and the
  broken-wing butterfly keep equally spaced strikes (``K = K_0 + n d``).

Pricing
-------
Without a chain, legs are priced by Black-Scholes at ``vol`` (a number, or ``vol(K, T)``) and
carry that vol. With a chain (:class:`core.data.Chain`), ``T`` (and ``T2``) snap to the nearest
listed expiries, each strike to the nearest listed strike quoted for the legs' types (keeping
distinct strikes distinct and in order, and butterfly wings equidistant where the listing
allows), legs are priced at the quote mid and carry the Black-Scholes implied vol of that mid
(at the strategy's ``r``, ``q``, which default to the chain's implied rates of the near expiry).
"""
from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from scipy.optimize import brentq

from dataclasses import dataclass

from core._validate import positive_scalar
from core.errors import DataError
from core.pricing.black_scholes import bs_price
from core.pricing.implied_vol import implied_vol
from core.strategies.legs import Leg, Strategy
from core._typing import VolLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names used in annotations only
    from core.data.chain import Chain

__all__ = ["catalog", "strategy_info", "build", "PLACEMENTS", "chain_rates", "ChainRates"]

PLACEMENTS = ("moneyness", "delta")

# name: (label, outlook, description, legs as (kind, n steps, qty, far expiry?), equal spacing?)
_C, _P, _S = "call", "put", "stock"
_SPECS: dict[str, tuple] = {
    "long_call": ("Long call", "bullish", "Buy an at-the-money call.", [(_C, 0, 1)]),
    "short_call": ("Short call", "bearish", "Sell an at-the-money call (unbounded risk).",
                   [(_C, 0, -1)]),
    "long_put": ("Long put", "bearish", "Buy an at-the-money put.", [(_P, 0, 1)]),
    "short_put": ("Short put", "bullish", "Sell an at-the-money put.", [(_P, 0, -1)]),
    "covered_call": ("Covered call", "neutral-bullish", "Long stock, short an OTM call.",
                     [(_S, 0, 1), (_C, 1, -1)]),
    "protective_put": ("Protective put", "bullish", "Long stock, long an OTM put.",
                       [(_S, 0, 1), (_P, -1, 1)]),
    "collar": ("Collar", "neutral", "Long stock, long an OTM put, short an OTM call.",
               [(_S, 0, 1), (_P, -1, 1), (_C, 1, -1)]),
    "bull_call_spread": ("Bull call spread", "bullish", "Buy the ATM call, sell the OTM call.",
                         [(_C, 0, 1), (_C, 1, -1)]),
    "bear_call_spread": ("Bear call spread", "bearish", "Sell the ATM call, buy the OTM call.",
                         [(_C, 0, -1), (_C, 1, 1)]),
    "bull_put_spread": ("Bull put spread", "bullish", "Sell the ATM put, buy the OTM put.",
                        [(_P, 0, -1), (_P, -1, 1)]),
    "bear_put_spread": ("Bear put spread", "bearish", "Buy the ATM put, sell the OTM put.",
                        [(_P, 0, 1), (_P, -1, -1)]),
    "long_straddle": ("Long straddle", "volatile", "Buy the ATM call and put.",
                      [(_P, 0, 1), (_C, 0, 1)]),
    "short_straddle": ("Short straddle", "neutral", "Sell the ATM call and put.",
                       [(_P, 0, -1), (_C, 0, -1)]),
    "long_strangle": ("Long strangle", "volatile", "Buy an OTM put and an OTM call.",
                      [(_P, -1, 1), (_C, 1, 1)]),
    "short_strangle": ("Short strangle", "neutral", "Sell an OTM put and an OTM call.",
                       [(_P, -1, -1), (_C, 1, -1)]),
    "iron_condor": ("Iron condor", "neutral", "Short OTM put and call spreads.",
                    [(_P, -2, 1), (_P, -1, -1), (_C, 1, -1), (_C, 2, 1)]),
    "iron_butterfly": ("Iron butterfly", "neutral", "Short ATM straddle, long OTM wings.",
                       [(_P, -1, 1), (_P, 0, -1), (_C, 0, -1), (_C, 1, 1)], True),
    "call_butterfly": ("Call butterfly", "neutral", "Long 1 ITM, short 2 ATM, long 1 OTM call.",
                       [(_C, -1, 1), (_C, 0, -2), (_C, 1, 1)], True),
    "put_butterfly": ("Put butterfly", "neutral", "Long 1 OTM, short 2 ATM, long 1 ITM put.",
                      [(_P, -1, 1), (_P, 0, -2), (_P, 1, 1)], True),
    "broken_wing_butterfly": ("Broken-wing call butterfly", "neutral-bearish",
                              "Call butterfly with the upper wing one step further out.",
                              [(_C, -1, 1), (_C, 0, -2), (_C, 2, 1)], True),
    "call_condor": ("Call condor", "neutral", "Long K1, short K2 and K3, long K4 calls.",
                    [(_C, -2, 1), (_C, -1, -1), (_C, 1, -1), (_C, 2, 1)], True),
    "calendar_spread": ("Call calendar spread", "neutral",
                        "Sell the near ATM call, buy the far ATM call.",
                        [(_C, 0, -1), (_C, 0, 1, True)]),
    "diagonal_spread": ("Call diagonal spread", "neutral-bullish",
                        "Buy the far ATM call, sell the near OTM call.",
                        [(_C, 1, -1), (_C, 0, 1, True)]),
    "call_ratio_spread": ("Call ratio spread (1x2)", "neutral-bullish",
                          "Buy 1 ATM call, sell 2 OTM calls.", [(_C, 0, 1), (_C, 1, -2)]),
    "call_backspread": ("Call backspread (1x2)", "volatile-bullish",
                        "Sell 1 ATM call, buy 2 OTM calls.", [(_C, 0, -1), (_C, 1, 2)]),
    "put_ratio_spread": ("Put ratio spread (1x2)", "neutral-bearish",
                         "Buy 1 ATM put, sell 2 OTM puts.", [(_P, 0, 1), (_P, -1, -2)]),
    "put_backspread": ("Put backspread (1x2)", "volatile-bearish",
                       "Sell 1 ATM put, buy 2 OTM puts.", [(_P, 0, -1), (_P, -1, 2)]),
    "jade_lizard": ("Jade lizard", "neutral-bullish",
                    "Short OTM put plus a short OTM call spread narrow enough that the credit "
                    "covers its width (no upside risk).",
                    [(_P, -1, -1), (_C, 1, -1), (_C, 2, 1)]),
    "risk_reversal": ("Risk reversal", "bullish", "Buy an OTM call, sell an OTM put.",
                      [(_P, -1, -1), (_C, 1, 1)]),
    "synthetic_long": ("Synthetic long", "bullish", "Buy the ATM call, sell the ATM put.",
                       [(_P, 0, -1), (_C, 0, 1)]),
    "synthetic_short": ("Synthetic short", "bearish", "Sell the ATM call, buy the ATM put.",
                        [(_P, 0, 1), (_C, 0, -1)]),
}


def catalog() -> list[str]:
    """Names of the built-in strategies, in catalogue order (pass one to :func:`build`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> names = catalog()
    >>> "bull_call_spread" in names and "iron_condor" in names
    True
    """
    return list(_SPECS)


def strategy_info(name: str) -> dict:
    """Label, market outlook, one-line description and leg template of a catalogue strategy.

    Parameters
    ----------
    name : str
        A name of :func:`catalog`.

    Returns
    -------
    dict
        ``{"name", "label", "outlook", "description", "legs"}``; ``legs`` lists
        ``{"kind", "steps", "qty", "far"}`` (``steps`` = strike steps from the money).
    """
    spec = _spec(name)
    return {"name": name, "label": spec[0], "outlook": spec[1], "description": spec[2],
            "legs": [{"kind": x[0], "steps": x[1], "qty": x[2], "far": bool(x[3:4] and x[3])}
                     for x in spec[3]]}


def build(name: str, spot: float, T: float, *, vol: VolLike, r: float | None = None,
          q: float | None = None, chain: Chain | None = None, width: float = 0.05,
          by: str = "moneyness", wing_delta: float = 0.30, T2: float | None = None,
          qty: float = 1.0) -> Strategy:
    """Build a catalogue strategy around ``spot``.

    Parameters
    ----------
    name : str
        One of :func:`catalog`.
    spot : float
        Underlying price, > 0, in currency.
    T : float
        Expiry in years (ACT/365), > 0; snapped to the nearest listed expiry with a chain.
    vol : float, callable ``vol(K, T)`` or None
        Pricing vol without a chain (and the fallback vol with one); also sets the delta
        placement (a callable is read at the forward). May be None only with a chain, whose
        near-expiry ATM implied vol then sets the delta placement.
    r, q : float, optional
        Continuously compounded rate and dividend yield; default 0, or with a chain the
        implied ``r_implied``/``q_implied`` of the near expiry (:func:`chain_rates`: an expiry
        whose discount factor is above 1 is skipped for its nearest sane neighbour).
    chain : core.data.Chain, optional
        Snap to listed strikes/expiries and price at mids (see the module notes).
    width : float
        Strike step as a fraction of spot (``by="moneyness"``), in (0, 0.5).
    by : {'moneyness', 'delta'}
        Placement rule.
    wing_delta : float
        Forward delta of a one-step OTM option (``by="delta"``), in (0, 0.5).
    T2 : float, optional
        Far expiry of calendars/diagonals in years; default ``2 T``.
    qty : float
        Multiplier of every leg quantity, > 0.

    Returns
    -------
    Strategy
        With ``name``, ``r``, ``q`` and ``spot`` set; legs carry their entry prices and vols.
    """
    spec = _spec(name)
    spot, T = positive_scalar("spot", spot), positive_scalar("T", T)
    qty = positive_scalar("qty", qty)
    if by not in PLACEMENTS:
        raise DataError(f"by must be 'moneyness' or 'delta', got {by!r}")
    if not 0.0 < float(width) < 0.5:
        raise DataError(f"width must be in (0, 0.5), got {width}")
    if not 0.0 < float(wing_delta) < 0.5:
        raise DataError(f"wing_delta must be in (0, 0.5), got {wing_delta}")
    if vol is None and chain is None:
        raise DataError("vol is required without a chain (a number or a vol(K, T) function)")
    if vol is not None and not callable(vol):
        vol = float(vol)
        if not (math.isfinite(vol) and vol > 0):
            raise DataError(f"vol must be > 0, got {vol}")
    T2 = 2.0 * T if T2 is None else positive_scalar("T2", T2)
    if T2 <= T:
        raise DataError(f"T2 must be > T, got T2={T2:g} <= T={T:g}")
    legs_spec = [(x[0], float(x[1]), float(x[2]) * qty, bool(x[3:4] and x[3])) for x in spec[3]]
    needs_far = any(x[3] for x in legs_spec)
    place_vol = vol
    if chain is not None:
        T, T2, r, q, book, atm = _chain_setup(chain, T, T2, needs_far, r, q)
        place_vol = atm if vol is None else vol
    else:
        r = 0.0 if r is None else float(r)
        q = 0.0 if q is None else float(q)
        book = None
    steps = sorted({x[1] for x in legs_spec if x[0] != _S})
    ideal = _ideal_strikes(steps, spot, T, r, q, place_vol, by, width, wing_delta, bool(spec[4:5]))
    if book is not None:
        strikes = _snap(legs_spec, ideal, T, T2, book, bool(spec[4:5]))
    else:
        strikes = ideal
    legs = []
    for kind, n, lq, far in legs_spec:
        if kind == _S:
            legs.append(Leg(_S, 0.0, 0.0, lq, spot))
            continue
        K, Tl = strikes[n], (T2 if far else T)
        if book is not None:
            price, iv = _chain_price(book, Tl, K, kind, spot, r, q, vol)
        else:
            iv = float(vol(np.float64(K), Tl)) if callable(vol) else vol
            price = float(bs_price(spot, K, Tl, r, q, iv, kind == _C))
        legs.append(Leg(kind, K, Tl, lq, price, iv))
    if name == "jade_lizard":
        legs = _jade_lizard_wing(legs, spot, T, r, q, vol, book)
    return Strategy(tuple(legs), name, r, q, spot)


def _jade_lizard_wing(legs: list, spot, T, r, q, vol, book) -> list:
    """Pull the long call in until the total credit covers the call-spread width.

    A jade lizard has no upside risk: credit >= K_long_call - K_short_call. The width
    ``d`` solves ``P + C(K1) - C(K1 + d) = d`` (the left side falls more slowly than ``d``
    grows, so the root is unique); without a chain the long call sits at ``K1 + min(step, d)``,
    with one at the widest listed call strike whose mid keeps the credit above the width.
    """
    put, short_call, long_call = legs
    base = -(put.qty * put.price + short_call.qty * short_call.price) / long_call.qty
    K1 = short_call.strike
    if book is None:
        def credit_gap(K2: float) -> float:
            sig = float(vol(np.float64(K2), T)) if callable(vol) else vol
            return base - float(bs_price(spot, K2, T, r, q, sig, True)) - (K2 - K1)

        if credit_gap(long_call.strike) >= 0:
            return legs
        K2 = brentq(credit_gap, K1 + 1e-9 * K1, long_call.strike, xtol=1e-10 * K1)
        K2 = math.floor(K2 * 1e4) / 1e4  # round inwards: the credit stays above the width
        iv = float(vol(np.float64(K2), T)) if callable(vol) else vol
        return [put, short_call, Leg("call", K2, T, long_call.qty,
                                     float(bs_price(spot, K2, T, r, q, iv, True)), iv)]
    for K2 in sorted(_listed(book, T, "call"), reverse=True):
        if not K1 < K2 <= long_call.strike:
            continue
        price, iv = _chain_price(book, T, K2, "call", spot, r, q, vol)
        if base - price >= K2 - K1:
            return [put, short_call, Leg("call", K2, T, long_call.qty, price, iv)]
    raise DataError("no listed call strike keeps the jade lizard's credit above its call-spread "
                    "width: widen the strikes (width) or use a longer expiry")


# ---------------------------------------------------------------------------------------------
def _spec(name: str) -> tuple:
    if name not in _SPECS:
        raise DataError(f"unknown strategy {name!r}; choose from {', '.join(_SPECS)}")
    return _SPECS[name]


def _atm_vol(vol, F: float, T: float) -> float:
    return float(vol(np.float64(F), T)) if callable(vol) else float(vol)


def _ideal_strikes(steps, spot, T, r, q, vol, by, width, wing_delta, equal) -> dict:
    if by == "moneyness":
        if any(1.0 + n * width <= 0 for n in steps):
            raise DataError(f"width {width} puts a strike at or below zero")
        return {n: round(spot * (1.0 + n * width), 10) for n in steps}
    if vol is None:
        raise DataError("by='delta' needs vol (the vol that sets the delta of each strike)")
    F = spot * math.exp((r - q) * T)
    sig = _atm_vol(vol, F, T)
    z = -NormalDist().inv_cdf(wing_delta)
    sd = sig * math.sqrt(T)
    K = {n: F * math.exp(z * n * sd + 0.5 * sd * sd) for n in steps}
    if equal and 0.0 in K and len(K) > 1:
        d = float(np.mean([(K[n] - K[0.0]) / n for n in K if n != 0.0]))
        K = {n: K[0.0] + n * d for n in steps}
    return K


@dataclass(frozen=True, slots=True)
class ChainRates:
    """Rate and dividend yield a strategy takes from a chain, and where they came from.

    Attributes
    ----------
    r, q : float
        Continuously compounded rate and dividend yield (decimals).
    T : float
        Expiry (years, ACT/365) whose put-call parity gave them (``nan`` for the default).
    expiry : str
        That expiry's date, or '' for the default.
    note : str
        One sentence for the page: which expiry, and why a neighbour or the default was used.
    """

    r: float
    q: float
    T: float
    expiry: str
    note: str

    def to_dict(self) -> dict:
        """JSON-ready dict.

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        return {"r": self.r, "q": self.q, "T": self.T, "expiry": self.expiry, "note": self.note}

    @classmethod
    def from_dict(cls, d: dict) -> ChainRates:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        ChainRates
        """
        return cls(float(d["r"]), float(d["q"]), float(d["T"]), str(d["expiry"]), str(d["note"]))


def chain_rates(chain: Chain, T: float, *, default_r: float = 0.0,
                default_q: float = 0.0) -> ChainRates:
    """Implied ``r`` and ``q`` of the chain expiry nearest ``T`` years, when they are sane.

    An expiry whose parity discount factor is above 1 (a negative implied rate from a few noisy
    put-call pairs, as the SPX sample's 26-day expiry shows) or whose rates are not finite is
    skipped for the nearest expiry that passes; when none does, ``default_r`` / ``default_q``
    are used and the note says so.

    Parameters
    ----------
    chain : Chain
    T : float
        Target expiry in years (ACT/365).
    default_r, default_q : float
        Continuously compounded rate and dividend yield used when no expiry passes.

    Returns
    -------
    ChainRates
    """
    exp = chain.expiries
    Ts = exp["T"].to_numpy(dtype=float)
    order = np.argsort(np.abs(Ts - float(T)), kind="stable")
    nearest = int(order[0])
    for i in order:
        row = exp.iloc[int(i)]
        r, q, df = float(row["r_implied"]), float(row["q_implied"]), float(row["discount"])
        if math.isfinite(r) and math.isfinite(q) and math.isfinite(df) and df <= 1.0:
            day = str(row["expiry"])[:10]
            note = f"r and q from put-call parity at the {day} expiry ({Ts[i] * 365:.0f} days)"
            if int(i) != nearest:
                skip = exp.iloc[nearest]
                note += (f"; the nearest expiry {str(skip['expiry'])[:10]} was skipped: its discount "
                         f"factor {float(skip['discount']):.6f} is above 1 (implied r "
                         f"{float(skip['r_implied']):.2%})")
            return ChainRates(r, q, float(Ts[i]), day, note)
    return ChainRates(float(default_r), float(default_q), math.nan, "",
                      f"no expiry gives a discount factor <= 1: stated defaults r = "
                      f"{default_r:.2%}, q = {default_q:.2%}")


def _chain_setup(chain, T, T2, needs_far, r, q):
    exp = chain.expiries
    Ts = exp["T"].to_numpy(dtype=float)
    i = int(np.argmin(np.abs(Ts - T)))
    T_near = float(Ts[i])
    T_far = T2
    if needs_far:
        later = np.nonzero(Ts > T_near + 1e-9)[0]
        if later.size == 0:
            raise DataError(f"the chain has no expiry after T={T_near:.4f} for the far leg")
        T_far = float(Ts[later[np.argmin(np.abs(Ts[later] - T2))]])
    if r is None or q is None:
        rates = chain_rates(chain, T_near)
        r = rates.r if r is None else r
        q = rates.q if q is None else q
    atm = float(exp["atm_iv"].iloc[i])
    quotes = chain.quotes
    ok = np.isfinite(quotes["mid"].to_numpy(float)) & (quotes["mid"].to_numpy(float) > 0)
    quotes = quotes[ok]
    return T_near, T_far, float(r), float(q), quotes, (atm if math.isfinite(atm) else None)


def _rows(book, T: float, kind: str) -> np.ndarray:
    """Boolean mask of the quotes of one expiry and option type."""
    return ((np.abs(book["T"].to_numpy(float) - T) < 1e-9)
            & (book["type"].to_numpy() == kind[0].upper()))


def _listed(book, T: float, kind: str) -> np.ndarray:
    sel = _rows(book, T, kind)
    return np.unique(book["strike"].to_numpy(float)[sel])


def _snap(legs_spec, ideal: dict, T, T2, book, equal: bool) -> dict:
    """Map each step ``n`` to a listed strike: nearest available, strictly increasing in ``n``."""
    cands = {}
    for kind, n, _, far in legs_spec:
        if kind == _S:
            continue
        lst = _listed(book, T2 if far else T, kind)
        cands[n] = lst if n not in cands else np.intersect1d(cands[n], lst)
    for n, c in cands.items():
        if c.size == 0:
            raise DataError(f"no listed strike quoted for every leg at step {n:+g}")
    out, prev = {}, -math.inf
    for n in sorted(cands):
        c = cands[n][cands[n] > prev]
        if c.size == 0:
            raise DataError("the listed strikes cannot hold this strategy's distinct strikes")
        out[n] = float(c[np.argmin(np.abs(c - ideal[n]))])
        prev = out[n]
    if equal and 0.0 in out and any(n > 0 for n in out):
        out = _equalise(out, cands, ideal)
    return out


def _equalise(out: dict, cands: dict, ideal: dict) -> dict:
    """Re-pick wings at ``K_0 + n d`` with a common listed spacing ``d`` nearest the ideal one."""
    k0 = out[0.0]
    m = min(n for n in out if n > 0)
    d_ideal = (ideal[m] - ideal[0.0]) / m
    best = None
    for s in cands[m][cands[m] > k0]:
        d = (s - k0) / m
        if all(np.any(np.abs(cands[n] - (k0 + n * d)) < 1e-9 * k0) for n in out):
            if best is None or abs(d - d_ideal) < abs(best - d_ideal):
                best = d
    if best is None:
        return out
    return {n: k0 + n * best for n in out}


def _chain_price(book, T, K, kind, spot, r, q, vol) -> tuple[float, float]:
    sel = _rows(book, T, kind) & (np.abs(book["strike"].to_numpy(float) - K) < 1e-9 * K)
    row = book[sel].iloc[0]
    mid = float(row["mid"])
    iv = float(implied_vol(mid, spot, K, T, r, q, kind == _C))
    if not (math.isfinite(iv) and iv > 0):
        iv = float(row["iv"]) if math.isfinite(float(row["iv"])) else math.nan
    if not math.isfinite(iv) and vol is not None:
        iv = float(vol(np.float64(K), T)) if callable(vol) else float(vol)
    return mid, (iv if math.isfinite(iv) else None)
