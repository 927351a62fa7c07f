"""Per-position inputs of a book in a market, computed once (strike, time, rates, surface vol),
and the vectorised full revaluation kernel every other risk module uses.

:func:`prepare` reads the surface once per (book, market); scenarios then shock those arrays
(spot, vols, time, rates) instead of refitting or re-reading the surface, except under sticky
moneyness, where the surface is read once per distinct spot shock.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba as nb
import numpy as np

from core.pricing import Greeks, bs_price
from core.pricing.black_scholes import GREEK_NAMES, bs_one, norm_cdf
from core.risk.book import Book
from core.risk.market import FAR_MONEYNESS, FAR_T_FACTOR, Market
from core._typing import ArrayLike, FloatArray

__all__ = ["Prepared", "prepare", "shocked_values", "shocked_inputs", "pnl_matrix", "VOL_FLOOR", "TERM_PIVOT", "SKEW_UNIT"]

VOL_FLOOR = 0.005          # shocked vols never go below 0.5%
TERM_PIVOT = 1.0 / 12.0    # term tilt pivots at one month (years)
SKEW_UNIT = 0.10           # skew tilt is in vol per 10% of log-moneyness


@dataclass(frozen=True, slots=True, eq=False)
class Prepared:
    """Arrays of the valued positions of a book (length ``n``) and the messages of the rest.

    ``index`` maps each valued position to its place in ``book.positions``; ``left_out`` holds
    ``(position index, symbol, message)``; ``flags`` one '' or extrapolation note per valued
    position. ``units = quantity * multiplier``; ``V0`` the model value per unit today.
    """

    book: Book
    market: Market
    index: np.ndarray
    kind: np.ndarray
    units: np.ndarray
    K: np.ndarray
    T: np.ndarray
    r: np.ndarray
    q: np.ndarray
    sigma: np.ndarray
    k: np.ndarray
    is_call: np.ndarray
    is_option: np.ndarray
    is_stock: np.ndarray
    is_cash: np.ndarray
    V0: np.ndarray
    trade_price: np.ndarray
    flags: tuple[str, ...]
    left_out: tuple[tuple[int, str, str], ...]
    sigma_k: np.ndarray = None
    sigma_kk: np.ndarray = None
    greeks: Greeks = None

    @property
    def n(self) -> int:
        """Number of valued positions."""
        return int(self.index.shape[0])

    def vols_at_spot(self, spot_rel: np.ndarray) -> np.ndarray:
        """Per scenario spot move (relative), the base vol of each position: the prepared vols
        under sticky strike; under sticky moneyness the surface vol at ``K / (1 + s)``.

        Parameters
        ----------
        spot_rel : numpy.ndarray
            Spot moves, relative (-0.1 = -10%), one per scenario.

        Returns
        -------
        numpy.ndarray
            Shape (m, n): vols, decimals.
        """
        s = np.asarray(spot_rel, dtype=np.float64).reshape(-1)
        if self.market.sticky == "strike" or not self.is_option.any():
            return np.broadcast_to(self.sigma, (s.size, self.n))
        out = np.empty((s.size, self.n))
        uniq, inv = np.unique(s, return_inverse=True)
        opt = self.is_option
        for j, sj in enumerate(uniq):
            row = self.sigma.copy()
            if sj == 0.0:
                out[inv == j] = row
                continue
            row[opt] = self.market.vol(self.K[opt] / (1.0 + sj), self.T[opt])
            out[inv == j] = row
        return out


def prepare(book: Book, market: Market) -> Prepared:
    """Select what ``market`` can value in ``book`` and read each option's surface vol (and its
    first two log-moneyness derivatives, for the shadow Greeks) once, vectorised.

    Options left out (with a message): expired, far outside the surface, on an underlying the
    market does not quote, or where the surface gives a negative variance. Stock positions on
    another ticker are left out here (they belong to the stock-side factor stress).

    Parameters
    ----------
    book : Book
        The positions.
    market : Market
        Spot, forwards, discounts and the fitted surface.

    Returns
    -------
    Prepared
        Arrays of the valued positions (strike, T in years, r, q continuous, vol decimal, units,
        today's value per unit in currency) and the messages of those left out.
    """
    a = book.arrays()
    n = len(book)
    kind = a["kind"]
    is_opt_all = a["is_option"]
    T_all = np.where(is_opt_all, market.year_fraction(a["expiry"]), 0.0)
    T_all = np.nan_to_num(T_all, nan=0.0)
    why = np.full(n, None, dtype=object)
    covered = np.ones(n, dtype=bool)
    for u in set(a["underlying"].tolist()):
        if not market.covers(u):
            covered[a["underlying"] == u] = False
    covered |= kind == "cash"
    for i in np.flatnonzero(~covered):
        why[i] = (f"underlying {a['underlying'][i]} is not quoted in this market "
                  f"({market.underlying}); "
                  + ("value it in the stock-side factor stress" if kind[i] == "stock"
                     else "load its chain or remove the row"))
    Ts = market.surface.expiries
    K_all = a["strike"]
    opt = is_opt_all & covered
    expired = opt & ~(T_all > 0)
    far_T = opt & ~expired & (T_all > FAR_T_FACTOR * Ts[-1])
    r_all, q_all = market.rates(np.where(is_opt_all, T_all, 1.0))
    F_all = market.spot * np.exp((r_all - q_all) * T_all)
    with np.errstate(invalid="ignore", divide="ignore"):
        m_all = K_all / F_all
    far_K = opt & ~expired & ~far_T & ~((m_all >= FAR_MONEYNESS[0]) & (m_all <= FAR_MONEYNESS[1]))
    for i in np.flatnonzero(expired | far_T | far_K):
        why[i] = market.check_position(float(K_all[i]), float(T_all[i]))
    ok = covered & ~expired & ~far_T & ~far_K
    sigma = np.zeros(n)
    s_k = np.zeros(n)
    s_kk = np.zeros(n)
    kk = np.zeros(n)
    sel = ok & is_opt_all
    if sel.any():
        Ko, To = K_all[sel], T_all[sel]
        k_surf = np.log(Ko / market.surface.forward(To))
        w, w1, w2 = market.surface.total_variance_derivs(k_surf, To)
        with np.errstate(invalid="ignore", divide="ignore"):
            sg = np.sqrt(np.where(w > 0, w, np.nan) / To)
            sk = w1 / (2 * sg * To)
            skk = (w2 / (2 * To) - sk * sk) / sg
        sigma[sel], s_k[sel], s_kk[sel] = sg, sk, skk
        kk[sel] = np.log(Ko / F_all[sel])
        neg = np.zeros(n, dtype=bool)
        neg[sel] = ~np.isfinite(sg)
        for i in np.flatnonzero(neg):
            why[i] = "the surface gives no vol there (negative variance): check the strike"
        ok &= ~neg
    index = np.flatnonzero(ok)
    left = tuple((int(i), str(a["symbol"][i]), why[i]) for i in np.flatnonzero(~ok))
    kind_v = kind[index]
    is_option = is_opt_all[index]
    flags = [""] * index.size
    if is_option.any():
        fl = market.vol_flags(K_all[index][is_option], T_all[index][is_option],
                              k=kk[index][is_option])
        it = iter(fl)
        flags = [next(it) if o else "" for o in is_option]
    Kv, Tv = K_all[index], T_all[index]
    r, q = r_all[index], q_all[index]
    units = a["quantity"][index] * a["multiplier"][index]
    is_call = kind_v == "call"
    is_stock = kind_v == "stock"
    is_cash = kind_v == "cash"
    sig_v = sigma[index]
    g = _greeks(market.spot, np.where(is_option, Kv, 1.0), np.where(is_option, Tv, 0.0), r, q,
                np.where(is_option, sig_v, 0.2), is_call)
    V0 = np.where(is_option, g.price, np.where(is_stock, market.spot, 1.0))
    return Prepared(book, market, index, kind_v, units, Kv, Tv, r, q, sig_v, kk[index], is_call,
                    is_option, is_stock, is_cash, V0, a["trade_price"][index], tuple(flags),
                    left, s_k[index], s_kk[index], g)


@nb.njit(cache=True)
def _greeks_serial(S, K, T, r, q, sig, w, out):
    for i in range(K.shape[0]):
        res = bs_one(S, K[i], T[i], r[i], q[i], sig[i], w[i])
        for j in range(9):
            out[j, i] = res[j]


def _greeks(S: float, K, T, r, q, sig, is_call) -> Greeks:
    """:func:`bs_greeks` of one spot and per-position arrays, through the same per-option
    routine (``bs_one``) in a serial loop: a book of a few hundred positions is too small for
    the parallel kernel's thread start-up, which dominates on a busy machine. Tested against
    :func:`bs_greeks`."""
    n = K.shape[0]
    out = np.empty((9, n))
    f = [np.ascontiguousarray(x, dtype=np.float64) for x in (K, T, r, q, sig)]
    _greeks_serial(float(S), *f, np.where(is_call, 1.0, -1.0), out)
    return Greeks(**{name: out[i] for i, name in enumerate(GREEK_NAMES)})


def _unit_values(S, K, T, r, q, sigma, is_call, is_option, is_stock) -> np.ndarray:
    """Value per unit: option premium, spot for stock, 1 for cash (broadcasting over rows)."""
    Kf = np.where(is_option, K, 1.0)
    Tf = np.where(is_option, T, 0.0)
    sf = np.where(is_option, sigma, 0.2)
    price = bs_price(S, Kf, Tf, r, q, sf, is_call)
    S_b = np.broadcast_to(np.asarray(S, dtype=np.float64), price.shape)
    return np.where(is_option, price, np.where(is_stock, S_b, 1.0))


def shocked_inputs(P: Prepared, spot: ArrayLike, vol: ArrayLike, skew: ArrayLike, term: ArrayLike,
                   days: ArrayLike,
                   rate: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``(S, T, r, sigma)`` of every position under each scenario: ``S`` of shape (m, 1), the
    rest (m, n). Arguments as in :func:`shocked_values`.

    Parameters
    ----------
    P : Prepared
        The prepared book.
    spot, vol, skew, term, days, rate : array_like
        One value per scenario, in the units of :func:`shocked_values`.

    Returns
    -------
    S : numpy.ndarray
        Shocked spot, shape (m, 1), currency.
    T, r, sigma : numpy.ndarray
        Shape (m, n): time to expiry (years, floored at 0), rate (continuous) and vol (decimal).
    """
    spot, vol, skew, term, days, rate = (np.asarray(x, dtype=np.float64).reshape(-1, 1)
                                         for x in (spot, vol, skew, term, days, rate))
    S = P.market.spot * (1.0 + spot)
    T = np.maximum(P.T - days / 365.0, 0.0)
    base = P.vols_at_spot(spot[:, 0])
    sig = base + vol - skew * (P.k / SKEW_UNIT) + term * (P.T - TERM_PIVOT)
    sig = np.maximum(sig, VOL_FLOOR)
    return S, T, np.broadcast_to(P.r + rate, T.shape), sig


def shocked_values(P: Prepared, spot: ArrayLike, vol: ArrayLike, skew: ArrayLike, term: ArrayLike,
                   days: ArrayLike, rate: ArrayLike) -> np.ndarray:
    """Model value per unit of every position under each scenario (rows) — full revaluation.

    Parameters are arrays of one value per scenario: relative spot move, parallel vol shift
    (decimal), skew tilt (vol per 10% of log-moneyness, positive raises puts: ``-skew *
    k / 0.10``), term tilt (vol per year of expiry, pivoting at one month:
    ``term * (T - 1/12)``), days passed (calendar), rate shift (decimal). The contract keeps
    its own vol as time passes (no roll-down along the term structure).

    Parameters
    ----------
    P : Prepared
        The prepared book.
    spot, vol, skew, term, days, rate : array_like
        One value per scenario, units as above.

    Returns
    -------
    numpy.ndarray
        Shape (m, n): value per unit of each position under each scenario, currency.
    """
    S, T, r, sig = shocked_inputs(P, spot, vol, skew, term, days, rate)
    return _unit_values(S, P.K, T, r, P.q, sig, P.is_call, P.is_option, P.is_stock)


@nb.njit(cache=True, parallel=True)
def _reval_kernel(S0, K, T, r, q, base, k, w, code, units, V0, spot, vol, skew, term, days,
                  rate, out):
    """P/L per scenario (rows) and position: the fused equivalent of ``(shocked_values - V0)
    * units`` (``code`` 0 option, 1 stock, 2 cash; ``base`` (1, n) or (m, n) vols)."""
    m = spot.shape[0]
    n = K.shape[0]
    stride = 1 if base.shape[0] > 1 else 0
    for i in nb.prange(m):
        S = S0 * (1.0 + spot[i])
        dt = days[i] / 365.0
        b = i * stride
        for j in range(n):
            c = code[j]
            if c == 1:
                out[i, j] = units[j] * (S - S0)
                continue
            if c == 2:
                out[i, j] = 0.0
                continue
            t = T[j] - dt
            if t < 0.0:
                t = 0.0
            sg = base[b, j] + vol[i] - skew[i] * k[j] / SKEW_UNIT + term[i] * (T[j] - TERM_PIVOT)
            if sg < VOL_FLOOR:
                sg = VOL_FLOOR
            rr = r[j] + rate[i]
            dq = math.exp(-q[j] * t)
            dr = math.exp(-rr * t)
            v = sg * math.sqrt(t)
            ww = w[j]
            if v <= 0.0:
                p = ww * (S * dq - K[j] * dr)
                p = p if p > 0.0 else 0.0
            else:
                d1 = (math.log(S / K[j]) + (rr - q[j]) * t) / v + 0.5 * v
                p = ww * (S * dq * norm_cdf(ww * d1) - K[j] * dr * norm_cdf(ww * (d1 - v)))
                p = p if p > 0.0 else 0.0
            out[i, j] = units[j] * (p - V0[j])


def pnl_matrix(P: Prepared, spot: ArrayLike, vol: ArrayLike, skew: ArrayLike, term: ArrayLike,
               days: ArrayLike, rate: ArrayLike) -> np.ndarray:
    """P/L per scenario (rows) and valued position, currency: the numba kernel behind
    :func:`core.risk.revalue` (tested against :func:`shocked_values`).

    Parameters
    ----------
    P : Prepared
        The prepared book.
    spot, vol, skew, term, days, rate : array_like
        One value per scenario, units as in :func:`shocked_values`.

    Returns
    -------
    numpy.ndarray
        Shape (m, n): P/L of each valued position under each scenario against today's value,
        currency (quantity x multiplier included).
    """
    arrs = [np.ascontiguousarray(np.asarray(x, dtype=np.float64).reshape(-1))
            for x in (spot, vol, skew, term, days, rate)]
    m = arrs[0].size
    base = np.ascontiguousarray(P.sigma.reshape(1, -1) if P.market.sticky == "strike"
                                else P.vols_at_spot(arrs[0]))
    code = np.where(P.is_option, 0, np.where(P.is_stock, 1, 2)).astype(np.int64)
    w = np.where(P.is_call, 1.0, -1.0)
    K = np.where(P.is_option, P.K, 1.0)
    out = np.empty((m, P.n))
    _reval_kernel(float(P.market.spot), K, P.T, P.r, P.q, base, P.k, w, code, P.units, P.V0,
                  *arrs, out)
    return out
