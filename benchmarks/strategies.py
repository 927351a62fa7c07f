"""Strategy analytics latency and Monte Carlo throughput against QuantLib.

* Strategy: a 4-leg iron condor on a 500-point price grid: P/L at expiry and today, exact
  breakevens, max profit/loss and the nine position Greeks; peer: QuantLib's
  AnalyticEuropeanEngine valuing the same 4 x 500 options (NPV, delta, gamma, vega, theta),
  moving the spot quote point by point. Also ``analyse()`` (adds probability of profit and margin).
* Monte Carlo: 1M exact GBM terminal prices; Heston QE 100k paths x 252 steps (terminal only),
  plain and antithetic; peer: QuantLib's MCEuropeanHestonEngine with the
  QuadraticExponentialMartingale discretisation on 10k paths, scaled to 100k.
"""
from __future__ import annotations

import time

import numpy as np

from benchmarks import Row, best_time

HESTON = dict(v0=0.04, kappa=1.5, theta=0.04, sigma=0.5, rho=-0.7)
S0, R, Q = 100.0, 0.03, 0.01


def _strategy_work(s, S):
    s.expiry_pnl(S)
    s.pnl(S, at_T=0.0)
    s.breakevens()
    s.max_profit()
    s.max_loss()
    s.greeks(S, at_T=0.0)


def _quantlib_grid(strikes, kinds, S, T_days: int) -> float:
    import QuantLib as ql

    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    spot = ql.SimpleQuote(S0)
    proc = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot), ql.YieldTermStructureHandle(ql.FlatForward(today, Q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, R, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), 0.2, dc)))
    engine = ql.AnalyticEuropeanEngine(proc)
    opts = []
    for K, kind in zip(strikes, kinds):
        o = ql.EuropeanOption(ql.PlainVanillaPayoff(ql.Option.Call if kind == "call"
                                                    else ql.Option.Put, K),
                              ql.EuropeanExercise(today + T_days))
        o.setPricingEngine(engine)
        opts.append(o)
    t0 = time.perf_counter()
    for x in S:
        spot.setValue(float(x))
        for o in opts:
            o.NPV(); o.delta(); o.gamma(); o.vega(); o.theta()
    return time.perf_counter() - t0


def _quantlib_heston(n_paths: int, n_steps: int) -> float:
    import QuantLib as ql

    today = ql.Date(2, 1, 2025)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    proc = ql.HestonProcess(ql.YieldTermStructureHandle(ql.FlatForward(today, R, dc)),
                            ql.YieldTermStructureHandle(ql.FlatForward(today, Q, dc)),
                            ql.QuoteHandle(ql.SimpleQuote(S0)), HESTON["v0"], HESTON["kappa"],
                            HESTON["theta"], HESTON["sigma"], HESTON["rho"],
                            ql.HestonProcess.QuadraticExponentialMartingale)
    opt = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 100.0),
                           ql.EuropeanExercise(today + 365))
    opt.setPricingEngine(ql.MCEuropeanHestonEngine(proc, "pseudorandom", timeSteps=n_steps,
                                                   requiredSamples=n_paths, seed=42))
    t0 = time.perf_counter()
    opt.NPV()
    return time.perf_counter() - t0


def run() -> list[Row]:
    from core.pricing.montecarlo import gbm_terminal, heston_terminal, mc_european
    from core.strategies import analyse, build

    rows = []
    s = build("iron_condor", S0, 30 / 365, vol=0.2, r=R, q=Q)
    S = np.linspace(70, 130, 500)
    _strategy_work(s, S)
    t = best_time(lambda: _strategy_work(s, S), repeat=20)
    opts = [x for x in s.legs if x.is_option]
    ql_t = _quantlib_grid([x.strike for x in opts], [x.kind for x in opts], S, 30)
    rows.append(Row("strategies", "4-leg payoff + breakevens + max P/L + Greeks, 500 pts",
                    t * 1e3, ql_t * 1e3, "QuantLib Greeks only", "ms", "< 50 ms",
                    "iron condor; ours adds P/L today, breakevens, extremes"))
    analyse(s)
    t = best_time(lambda: analyse(s), repeat=10)
    rows.append(Row("strategies", "analyse(): curves, Greeks, PoP, margin, 500 pts", t * 1e3,
                    None, "", "ms", "", "lognormal PoP"))
    cal = build("calendar_spread", S0, 30 / 365, vol=0.2, r=R, q=0.0)
    _strategy_work(cal, S)
    t = best_time(lambda: _strategy_work(cal, S), repeat=10)
    rows.append(Row("strategies", "calendar (numeric roots/extremes) + Greeks, 500 pts",
                    t * 1e3, None, "", "ms", "", "brentq on a 3001-point log grid"))

    gbm_terminal(S0, 1.0, R, Q, 0.2, 10, rng=0)
    t = best_time(lambda: gbm_terminal(S0, 1.0, R, Q, 0.2, 1_000_000, rng=1), repeat=5)
    rows.append(Row("monte carlo", "GBM terminal, 1M draws", t, None, "", "s", "< 0.3 s",
                    "exact lognormal, numpy Generator"))
    heston_terminal(S0, 1.0, R, Q, *HESTON.values(), 1000, 4, rng=0)
    ql_h = _quantlib_heston(10_000, 252) * 10
    for anti in (False, True):
        t = best_time(lambda: heston_terminal(S0, 1.0, R, Q, *HESTON.values(), 100_000, 252,
                                              rng=1, antithetic=anti), repeat=3)
        rows.append(Row("monte carlo", f"Heston QE 100k x 252{' antithetic' if anti else ''}",
                        t, ql_h, "QuantLib QE-M (x10 of 10k)", "s", "< 2 s",
                        "2 cores, martingale-corrected, terminal only"))
    res = mc_european(S0, 100.0, 1.0, R, Q, True, "heston", n_paths=100_000, n_steps=252, rng=1,
                      **HESTON)
    rows.append(Row("monte carlo", "Heston QE call: 95% CI half-width", res.ci[1] - res.price,
                    None, "", "currency", "", f"price {res.price:.4f}, antithetic + forward CV"))
    return rows
