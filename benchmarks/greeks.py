"""bs_greeks throughput (all eight Greeks and the price) against QuantLib's AnalyticEuropeanEngine,
and the Greeks page's 60 x 60 grid latency."""
from __future__ import annotations

import time

import numpy as np

from benchmarks import Row, best_time


def _inputs(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    S = rng.uniform(50, 150, n)
    K = S * np.exp(rng.uniform(-0.5, 0.5, n))
    T = rng.uniform(0.02, 3.0, n)
    r = rng.uniform(-0.01, 0.06, n)
    q = rng.uniform(0.0, 0.04, n)
    sig = rng.uniform(0.1, 0.8, n)
    call = rng.random(n) < 0.5
    return S, K, T, r, q, sig, call


def _quantlib_rate(n: int) -> float:
    """Options per second for QuantLib computing NPV, delta, gamma, vega, theta, rho per option.

    QuantLib's AnalyticEuropeanEngine has no vanna, volga or charm, so it computes six values to
    our nine. One shared market (spot, curves, vol) and options built before the clock starts:
    only the engine's work is timed."""
    import QuantLib as ql

    S, K, T, r, q, sig, call = _inputs(n, seed=2)
    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    proc = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(100.0)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.01, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, 0.03, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), 0.25, dc)))
    engine = ql.AnalyticEuropeanEngine(proc)
    opts = []
    for i in range(n):
        kind = ql.Option.Call if call[i] else ql.Option.Put
        o = ql.EuropeanOption(ql.PlainVanillaPayoff(kind, K[i]),
                              ql.EuropeanExercise(today + max(1, int(T[i] * 365))))
        o.setPricingEngine(engine)
        opts.append(o)
    t0 = time.perf_counter()
    for o in opts:
        o.NPV(); o.delta(); o.gamma(); o.vega(); o.theta(); o.rho()
    return n / (time.perf_counter() - t0)


def run() -> list[Row]:
    from core.pricing import bs_greeks, bs_price

    n = 2_000_000
    args = _inputs(n)
    bs_greeks(*(a[:10] for a in args))
    t_g = best_time(lambda: bs_greeks(*args), repeat=5)
    t_p = best_time(lambda: bs_price(*args), repeat=5)
    ql_rate = _quantlib_rate(20_000)
    rows = [
        Row("greeks", "bs_greeks, price + 8 Greeks", n / t_g, ql_rate, "QuantLib 6 values", "options/s",
            ">= 10M/s", f"{n:,} random options, 2 cores"),
        Row("greeks", "bs_price", n / t_p, None, "", "options/s", "", f"{n:,} random options"),
    ]

    from callbacks.greeks import render
    from components.greeks_state import DEFAULTS

    for view in ("surface", "heatmap", "slices"):
        state = {**DEFAULTS, "greek": "gamma", "view": view}
        render(state)
        t = best_time(lambda: render(state)["figure"].to_json(), repeat=7)
        rows.append(Row("greeks page", f"60x60 {view}: compute + figure + JSON", t * 1e3, None, "",
                        "ms", "< 300 ms", "callbacks.greeks.render, serialised"))
    return rows
