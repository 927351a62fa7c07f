"""Book Greeks in desk units, per position, in total and bucketed by expiry and moneyness.

Desk units (each already multiplied by quantity x multiplier):

* ``delta``: dollar delta ``dV/dS * S`` (currency per 100% move; P/L of +1% is ``delta/100``);
* ``gamma``: dollar gamma per 1% move ``d2V/dS2 * S^2 / 100`` (change of dollar delta for +1%);
* ``vega``: currency per vol point ``dV/dsigma / 100``;
* ``theta``: currency per calendar day ``dV/dt / 365``;
* ``rho``: currency per 1% of rate ``dV/dr / 100``;
* ``shadow_delta``, ``shadow_gamma``: the same with the smile moving under sticky moneyness
  (the chain rule through the surface's log-moneyness slope and curvature, in closed form), so
  skew's effect on delta shows.

Stock positions have ``delta = units * S`` and nothing else; cash has no Greeks.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.risk.book import Book
from core.risk.market import Market
from core.risk.valuation import Prepared, prepare

__all__ = ["BookGreeks", "book_greeks", "GREEK_KEYS", "MONEYNESS_BUCKETS"]

GREEK_KEYS = ("delta", "gamma", "vega", "theta", "rho", "shadow_delta", "shadow_gamma")
#: Bucket edges on K / S (spot moneyness) and their labels.
MONEYNESS_BUCKETS = ((0.0, 0.9, "< 90%"), (0.9, 0.97, "90–97%"), (0.97, 1.03, "97–103%"),
                     (1.03, 1.10, "103–110%"), (1.10, math.inf, "> 110%"))


@dataclass(frozen=True, slots=True, eq=False)
class BookGreeks:
    """Greeks of a book in desk units.

    Attributes
    ----------
    totals : dict
        ``value`` (model value, currency), ``pnl`` (value minus cost where trade prices are
        known), each key of :data:`GREEK_KEYS`, ``n_valued`` and ``n_left_out``.
    by_position : pandas.DataFrame
        One row per valued position: ``position`` (index in the book), symbol, kind, expiry,
        strike, quantity, multiplier, T (years), vol (decimal), value, pnl, the Greeks, flag.
    by_expiry, by_moneyness : pandas.DataFrame
        Sums of value and Greeks per expiry date / K/S bucket (stock in its own row).
    left_out : tuple of str
        One message per position not valued, saying what to fix.
    """

    totals: dict
    by_position: pd.DataFrame = field(repr=False)
    by_expiry: pd.DataFrame = field(repr=False)
    by_moneyness: pd.DataFrame = field(repr=False)
    left_out: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready dict (tables as records).

        Returns
        -------
        dict
            The fields as plain Python data (what crosses a ``dcc.Store``); :meth:`from_dict`
            reads it back.
        """
        def rec(df):
            return json_records(df)
        return {"totals": dict(self.totals), "by_position": rec(self.by_position),
                "by_expiry": rec(self.by_expiry), "by_moneyness": rec(self.by_moneyness),
                "left_out": list(self.left_out)}

    @classmethod
    def from_dict(cls, data: dict) -> BookGreeks:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            Output of :meth:`to_dict`.

        Returns
        -------
        BookGreeks
        """
        return cls(dict(data["totals"]), pd.DataFrame(data["by_position"]),
                   pd.DataFrame(data["by_expiry"]), pd.DataFrame(data["by_moneyness"]),
                   tuple(data["left_out"]))


def json_records(df: pd.DataFrame) -> list[dict]:
    """Records with NaN as None and numpy scalars as Python numbers.

    Parameters
    ----------
    df : pandas.DataFrame
        Any frame.

    Returns
    -------
    list of dict
        ``df.to_dict("records")`` with NaN as ``None`` and numpy scalars as Python numbers
        (JSON-safe, for a ``dcc.Store``).
    """
    out = []
    for row in df.to_dict("records"):
        clean = {}
        for k, v in row.items():
            if isinstance(v, (float, np.floating)):
                clean[k] = None if not math.isfinite(float(v)) else float(v)
            elif isinstance(v, np.integer):
                clean[k] = int(v)
            elif isinstance(v, (pd.Timestamp,)):
                clean[k] = v.date().isoformat()
            else:
                clean[k] = v
        out.append(clean)
    return out


def position_greeks(P: Prepared, *, shadow: bool = True) -> dict[str, np.ndarray]:
    """Desk-unit Greeks of each prepared position (arrays of length ``P.n``).

    Parameters
    ----------
    P : Prepared
        Output of :func:`core.risk.valuation.prepare`.
    shadow : bool
        Also compute ``shadow_delta`` and ``shadow_gamma`` through the smile (sticky moneyness);
        when False they equal the plain delta and zero.

    Returns
    -------
    dict of str to numpy.ndarray
        ``value`` (currency), ``delta``, ``gamma``, ``vega``, ``theta``, ``rho``,
        ``shadow_delta``, ``shadow_gamma`` per position, in the desk units of the module
        docstring (quantity x multiplier included).
    """
    S = P.market.spot
    opt = P.is_option
    g = P.greeks
    u = P.units
    zero = np.zeros(P.n)
    out = {
        "value": u * P.V0,
        "delta": np.where(opt, g.delta * S * u, np.where(P.is_stock, S * u, zero)),
        "gamma": np.where(opt, g.gamma * S * S / 100.0 * u, zero),
        "vega": np.where(opt, g.vega / 100.0 * u, zero),
        "theta": np.where(opt, g.theta / 365.0 * u, zero),
        "rho": np.where(opt, g.rho / 100.0 * u, zero),
    }
    if shadow and opt.any():
        # sticky moneyness: sigma(K S0 / S) at fixed T, so with k-derivatives s_k, s_kk
        # dsigma/dS = -s_k / S and d2sigma/dS2 = (s_kk + s_k) / S^2 at S = S0
        ds = -P.sigma_k / S
        dss = (P.sigma_kk + P.sigma_k) / (S * S)
        sd = g.delta + g.vega * ds
        sg = g.gamma + 2 * g.vanna * ds + g.volga * ds * ds + g.vega * dss
        out["shadow_delta"] = np.where(opt, sd * S * u, out["delta"])
        out["shadow_gamma"] = np.where(opt, sg * S * S / 100.0 * u, zero)
    else:
        out["shadow_delta"] = out["delta"].copy()
        out["shadow_gamma"] = out["gamma"].copy()
    return out


def _bucket_sums(codes: np.ndarray, labels: list[str], g: dict, cols) -> pd.DataFrame:
    """Sums of ``g[col]`` per integer bucket code (``labels[code]``), buckets in code order,
    empty buckets dropped."""
    n = len(labels)
    data = {c: np.bincount(codes, weights=g[c], minlength=n) for c in cols}
    used = np.bincount(codes, minlength=n) > 0
    frame = pd.DataFrame({"bucket": pd.Series(labels, dtype=object), **data})
    return frame[used].reset_index(drop=True)


def book_greeks(book: Book, market: Market, *, shadow: bool = True,
                prepared: Prepared | None = None) -> BookGreeks:
    """Greeks of ``book`` in ``market``, per position, in total and bucketed.

    Parameters
    ----------
    book : Book
    market : Market
    shadow : bool
        Also compute shadow delta and gamma (sticky-moneyness revaluations at spot +-1%).
    prepared : Prepared, optional
        Reuse :func:`core.risk.valuation.prepare` output.

    Returns
    -------
    BookGreeks
        Units in the module docstring.

    Examples
    --------
    Ten index units and two short 2500 puts on the embedded chain: the dollar delta is
    ``10 S - 2 x 100 x delta S`` and the vega ``-2 x 100 x vega / 100`` (per vol point), with
    Black-Scholes Greeks at the market's rates and fitted vol:


    >>> from core.data import sample_chain
    >>> from core.pricing import bs_greeks
    >>> market = Market.from_chain(sample_chain())
    >>> book = Book.from_csv("symbol,quantity,trade_price\\n"
    ...                      "SPX,10,2500\\n"
    ...                      "SPX 2019-03-15 2500 P,-2,80\\n")
    >>> g = book_greeks(book, market)
    >>> S, T = market.spot, market.year_fraction("2019-03-15")
    >>> r, q = market.rates(T)
    >>> put = bs_greeks(S, 2500.0, T, r, q, market.vol(2500.0, T), False)
    >>> bool(np.isclose(g.totals["delta"], 10 * S - 2 * 100 * put.delta * S))
    True
    >>> bool(np.isclose(g.totals["vega"], -2 * 100 * put.vega / 100))
    True
    """
    P = prepared if prepared is not None else prepare(book, market)
    g = position_greeks(P, shadow=shadow)
    cost = P.units * P.trade_price
    pnl = np.where(P.is_cash, 0.0, g["value"] - cost)
    totals = {"value": float(g["value"].sum()),
              "pnl": float(np.nansum(pnl)),
              **{k: float(g[k].sum()) for k in GREEK_KEYS},
              "n_valued": P.n, "n_left_out": len(P.left_out)}
    a = book.arrays()
    exp = a["expiry"][P.index]
    # expiry labels: format each distinct date once
    days = np.where(P.is_option, exp.astype("datetime64[D]").astype(np.int64), -1)
    uniq, inv = np.unique(days, return_inverse=True)
    uniq_lab = np.array(["" if d < 0 else str(np.datetime64(int(d), "D")) for d in uniq],
                        dtype=object)
    obj = functools.partial(pd.Series, dtype=object)
    frame = pd.DataFrame({
        "position": P.index, "symbol": obj(a["symbol"][P.index]), "kind": obj(P.kind),
        "expiry": obj(uniq_lab[inv]),
        "strike": P.K, "quantity": a["quantity"][P.index],
        "multiplier": a["multiplier"][P.index], "T": np.where(P.is_option, P.T, np.nan),
        "vol": np.where(P.is_option, P.sigma, np.nan), "value": g["value"], "pnl": pnl,
        **{k: g[k] for k in GREEK_KEYS}, "flag": obj(list(P.flags))})
    cols = ["value", *GREEK_KEYS]
    opt_dates = [lab for lab in uniq_lab if lab]
    n_d = len(opt_dates)
    rank = np.searchsorted(uniq[uniq >= 0], days) if n_d else np.zeros(P.n, dtype=np.int64)
    exp_code = np.where(P.is_option, rank, np.where(P.is_stock, n_d, n_d + 1))
    by_exp = _bucket_sums(exp_code, opt_dates + ["stock", "cash"], g, cols)
    m = P.K / market.spot
    edges = [lo for lo, _, _ in MONEYNESS_BUCKETS[1:]]
    nb = len(MONEYNESS_BUCKETS)
    m_code = np.where(P.is_option, np.digitize(np.nan_to_num(m), edges),
                      np.where(P.is_stock, nb, nb + 1))
    by_m = _bucket_sums(m_code, [lab for _, _, lab in MONEYNESS_BUCKETS] + ["stock", "cash"],
                        g, cols)
    msgs = tuple(f"{book.label(i)} ({sym}): {why} — left out." for i, sym, why in P.left_out)
    return BookGreeks(totals, frame, by_exp, by_m, msgs)
