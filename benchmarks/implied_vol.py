"""implied_vol throughput and accuracy against QuantLib's blackFormulaImpliedStdDev and
py_lets_be_rational, on the same random out-of-the-money options.

Inputs: T log-uniform in [1 day, 30 years], vol log-uniform in [1%, 300%], r and q uniform in
[-2%, 10%], |ln(F/K)| = |z| sigma sqrt(T) with z ~ N(0, 1) capped at 3, calls for K > F and puts
for K < F; prices from an independent Black-Scholes formula (scipy ``ndtr``). Errors are
measured against the true vol where vega is meaningful (vega >= 1e-3 * price, price > 1e-300 S).
Peers are looped in Python over a subset; their rate is options per second of that loop.
"""
from __future__ import annotations

import math
import time

import numpy as np

from benchmarks import Row, best_time

_N = 1_000_000
_N_QUANTLIB = 20_000
_N_LBR = 20_000


def _inputs(n: int, seed: int = 7):
    """Random out-of-the-money options: S, K, T, r, q, true vol, is_call, price, meaningful."""
    from scipy.special import ndtr

    rng = np.random.default_rng(seed)
    T = np.exp(rng.uniform(math.log(1 / 365), math.log(30.0), n))
    sig = np.exp(rng.uniform(math.log(0.01), math.log(3.0), n))
    r = rng.uniform(-0.02, 0.10, n)
    q = rng.uniform(-0.02, 0.10, n)
    S = rng.uniform(50.0, 150.0, n)
    sd = sig * np.sqrt(T)
    x = np.minimum(np.abs(rng.standard_normal(n)) * sd, 3.0) * np.where(rng.random(n) < 0.5, 1, -1)
    K = S * np.exp((r - q) * T - x)           # x = ln(F/K)
    call = x <= 0.0                           # out of the money
    d1 = x / sd + 0.5 * sd
    d2 = d1 - sd
    ds, dk = S * np.exp(-q * T), K * np.exp(-r * T)
    price = np.where(call, ds * ndtr(d1) - dk * ndtr(d2), dk * ndtr(-d2) - ds * ndtr(-d1))
    vega = ds * np.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi) * np.sqrt(T)
    meaningful = (vega >= 1e-3 * price) & (price > 1e-300 * S)
    return S, K, T, r, q, sig, call, price, meaningful


def _quantlib(S, K, T, r, q, call, price):
    """QuantLib vols (nan where it throws) and its rate in options/s."""
    import QuantLib as ql

    F = S * np.exp((r - q) * T)
    D = np.exp(-r * T)
    kinds = [ql.Option.Call if c else ql.Option.Put for c in call]
    args = list(zip(kinds, K.tolist(), F.tolist(), price.tolist(), D.tolist()))
    out = np.full(len(args), np.nan)
    t0 = time.perf_counter()
    for i, (kind, k, f, p, d) in enumerate(args):
        try:
            out[i] = ql.blackFormulaImpliedStdDev(kind, k, f, p, d)
        except RuntimeError:
            pass
    rate = len(args) / (time.perf_counter() - t0)
    return out / np.sqrt(T), rate


def _lets_be_rational(S, K, T, r, q, call, price):
    """py_lets_be_rational vols on the undiscounted problem (nan where it throws), and its rate."""
    from py_lets_be_rational import implied_volatility_from_a_transformed_rational_guess as lbr

    F = S * np.exp((r - q) * T)
    undiscounted = price * np.exp(r * T)
    args = list(zip(undiscounted.tolist(), F.tolist(), K.tolist(), T.tolist(),
                    np.where(call, 1.0, -1.0).tolist()))
    out = np.full(len(args), np.nan)
    t0 = time.perf_counter()
    for i, a in enumerate(args):
        try:
            out[i] = lbr(*a)
        except Exception:  # BelowIntrinsic / AboveMaximum and arithmetic failures
            pass
    rate = len(args) / (time.perf_counter() - t0)
    return out, rate


def _max_err(iv, true, mask):
    """Max abs error over mask, counting a missing (nan) result as an infinite error."""
    err = np.abs(iv[mask] - true[mask])
    return float(np.max(np.where(np.isnan(err), np.inf, err)))


def run() -> list[Row]:
    from core.pricing.implied_vol import implied_vol

    S, K, T, r, q, sig, call, price, ok = _inputs(_N)
    implied_vol(price[:10], S[:10], K[:10], T[:10], r[:10], q[:10], call[:10])   # compile / load
    implied_vol(price, S, K, T, r, q, call)
    t = best_time(lambda: implied_vol(price, S, K, T, r, q, call), repeat=7)
    ours = implied_vol(price, S, K, T, r, q, call)
    rate = _N / t

    sub = slice(0, _N_QUANTLIB)
    ql_iv, ql_rate = _quantlib(S[sub], K[sub], T[sub], r[sub], q[sub], call[sub], price[sub])
    sub_l = slice(0, _N_LBR)
    lbr_iv, lbr_rate = _lets_be_rational(S[sub_l], K[sub_l], T[sub_l], r[sub_l], q[sub_l],
                                         call[sub_l], price[sub_l])
    ok_q, ok_l = ok[sub], ok[sub_l]
    ql_fail = int(np.isnan(ql_iv[ok_q]).sum())
    lbr_fail = int(np.isnan(lbr_iv[ok_l]).sum())
    note = f"{_N:,} random OTM options, 2 cores; peers looped over {_N_QUANTLIB:,}"
    meaningful = f"{int(ok.sum()):,} of {_N:,}"
    return [
        Row("implied_vol", "throughput vs QuantLib blackFormulaImpliedStdDev", rate, ql_rate,
            "QuantLib", "options/s", ">= 5M/s", note),
        Row("implied_vol", "throughput vs py_lets_be_rational", rate, lbr_rate,
            "py_lets_be_rational", "options/s", ">= 5M/s", "peer is pure Python"),
        Row("implied_vol", "max abs IV error vs QuantLib (same inputs)",
            _max_err(ours[sub], sig[sub], ok_q), _max_err(ql_iv, sig[sub], ok_q), "QuantLib",
            "vol", "<= 1e-12",
            f"{int(ok_q.sum()):,} with vega meaningful; QuantLib failed on {ql_fail}"),
        Row("implied_vol", "max abs IV error vs py_lets_be_rational (same inputs)",
            _max_err(ours[sub_l], sig[sub_l], ok_l), _max_err(lbr_iv, sig[sub_l], ok_l),
            "py_lets_be_rational", "vol", "<= 1e-12", f"peer failed on {lbr_fail}"),
        Row("implied_vol", "max abs IV error, all inputs with vega meaningful",
            _max_err(ours, sig, ok), None, "", "vol", "<= 1e-12",
            f"{meaningful} (vega >= 1e-3 price)"),
    ]
