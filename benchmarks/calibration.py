"""Model calibration and Fourier pricing against QuantLib, on the real SPX chain of 2011-01-24
(read from ``../shared/data/spx_2011-01-24.csv``: third-party data, not shipped with Parity).

* Heston surface calibration: :func:`core.calibration.calibrate` (global Sobol stage + LM with
  the analytic COS Jacobian, vega-scaled IV residuals) against QuantLib's ``HestonModel.calibrate``
  (Levenberg-Marquardt, ``AnalyticHestonEngine`` default 144-point Gauss-Laguerre, relative
  price errors) on the same 443 OTM quotes (0.6-1.4 x forward, per-expiry forward and discount as
  zero curves), both from the same start (the Heston defaults of ``core``). Both fits are scored
  by the same exact implied-vol RMSE.
* Heston COS throughput over a 200-strike x 10-maturity grid, against QuantLib's
  ``AnalyticHestonEngine`` priced option by option.
* Heston COS accuracy against ``AnalyticHestonEngine(model, 1e-12, 100000)`` (adaptive
  Gauss-Lobatto) on strikes 0.5-2 x spot, T one week to five years, including Feller-violating
  and rho = -0.95 parameters.
* Every model calibrated on the sample chain from its default start: IV RMSE and time.
"""
from __future__ import annotations

import time

import numpy as np

from benchmarks import Row, best_time

_MODELS = ("heston", "bates", "merton", "vg", "cgmy")


def _ql_market(chain):
    import QuantLib as ql

    today = ql.Date(chain.quote_date.day, chain.quote_date.month, chain.quote_date.year)
    ql.Settings.instance().evaluationDate = today
    ex = chain.expiries
    dates = [today] + [today + int(round(T * 365)) for T in ex["T"]]

    def curve(col):
        rates = [float(ex[col].iloc[0])] + [float(x) for x in ex[col]]
        return ql.YieldTermStructureHandle(ql.ZeroCurve(dates, rates, ql.Actual365Fixed()))

    return today, curve("r_implied"), curve("q_implied")


def _quantlib_heston_fit(chain, start, exclude_wide=False):
    """QuantLib LM calibration on the same quotes; (seconds, IV RMSE, params dict)."""
    import QuantLib as ql

    from core.pricing.implied_vol import implied_vol

    quotes = chain.otm_quotes(0.6, 1.4, exclude_wide=exclude_wide)
    _, r_ts, q_ts = _ql_market(chain)
    v0, kappa, theta, sigma, rho = start
    model = ql.HestonModel(ql.HestonProcess(
        r_ts, q_ts, ql.QuoteHandle(ql.SimpleQuote(chain.spot)), v0, kappa, theta, sigma, rho))
    engine = ql.AnalyticHestonEngine(model)
    helpers = []
    for T, K, iv in zip(quotes["T"], quotes["strike"], quotes["iv"]):
        h = ql.HestonModelHelper(ql.Period(int(round(T * 365)), ql.Days), ql.NullCalendar(),
                                 chain.spot, float(K), ql.QuoteHandle(ql.SimpleQuote(float(iv))),
                                 r_ts, q_ts)
        h.setPricingEngine(engine)
        helpers.append(h)
    t0 = time.perf_counter()
    model.calibrate(helpers, ql.LevenbergMarquardt(1e-8, 1e-8, 1e-8),
                    ql.EndCriteria(500, 300, 1e-8, 1e-8, 1e-8))
    elapsed = time.perf_counter() - t0
    T = quotes["T"].to_numpy()
    rate = -np.log(quotes["discount"].to_numpy()) / T
    iv = implied_vol(np.array([h.modelValue() for h in helpers]), quotes["forward"].to_numpy(),
                     quotes["strike"].to_numpy(), T, rate, rate, quotes["type"] == "C")
    rmse = float(np.sqrt(np.nanmean((iv - quotes["iv"].to_numpy()) ** 2)))
    th, ka, si, rh, v = model.params()
    return elapsed, rmse, dict(v0=v, kappa=ka, theta=th, sigma=si, rho=rh)


def _ql_heston_prices(params, K, days, spot, r, q):
    import QuantLib as ql

    today = ql.Date(24, 1, 2011)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    model = ql.HestonModel(ql.HestonProcess(
        ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
        ql.QuoteHandle(ql.SimpleQuote(spot)), *params))
    return model, today


def _throughput():
    """(our prices/s, QuantLib prices/s, n per call)."""
    import QuantLib as ql

    from core.pricing.models import heston_price

    p = (0.04, 1.5, 0.04, 0.5, -0.7)
    S, r, q = 100.0, 0.03, 0.01
    K = np.linspace(50.0, 200.0, 200)
    days = np.array([7, 30, 61, 91, 182, 273, 365, 547, 730, 1095])
    T = (days / 365.0)[:, None]
    heston_price(S, K, T, r, q, *p, K > S)
    t = best_time(lambda: heston_price(S, K, T, r, q, *p, K > S), repeat=7, number=20)
    ours = K.size * T.size / t
    model, today = _ql_heston_prices(p, K, days, S, r, q)
    engine = ql.AnalyticHestonEngine(model)
    opts = []
    for d in days[::3]:
        for k in K:
            payoff = ql.PlainVanillaPayoff(ql.Option.Call if k > S else ql.Option.Put, float(k))
            o = ql.EuropeanOption(payoff, ql.EuropeanExercise(today + int(d)))
            o.setPricingEngine(engine)
            opts.append(o)
    t0 = time.perf_counter()
    for o in opts:
        o.NPV()
    peer = len(opts) / (time.perf_counter() - t0)
    return ours, peer, K.size * T.size


def _accuracy():
    """Max |COS - QuantLib adaptive| / spot over the accuracy grid, and the default engine's."""
    import QuantLib as ql

    from core.pricing.models import heston_price

    S, r, q = 100.0, 0.03, 0.01
    K = np.array([50.0, 60, 70, 80, 90, 95, 100, 105, 110, 125, 150, 175, 200])
    sets = [(0.04, 1.5, 0.04, 0.5, -0.7), (0.04, 0.5, 0.04, 1.0, -0.7),
            (0.09, 2.0, 0.06, 0.8, 0.95), (0.02, 0.3, 0.09, 1.2, -0.95)]
    ours_err = default_err = 0.0
    for p in sets:
        model, today = _ql_heston_prices(p, K, 0, S, r, q)
        precise = ql.AnalyticHestonEngine(model, 1e-12, 100000)
        default = ql.AnalyticHestonEngine(model)
        for d in (7, 30, 91, 365, 730, 1825):
            ours = heston_price(S, K, d / 365.0, r, q, *p, K >= S)
            for k, mine in zip(K, ours):
                o = ql.EuropeanOption(ql.PlainVanillaPayoff(
                    ql.Option.Call if k >= S else ql.Option.Put, float(k)),
                    ql.EuropeanExercise(today + d))
                o.setPricingEngine(precise)
                ref = o.NPV()
                o.setPricingEngine(default)
                ours_err = max(ours_err, abs(mine - ref) / S)
                default_err = max(default_err, abs(o.NPV() - ref) / S)
    return ours_err, default_err


def run() -> list[Row]:
    from core.calibration import calibrate
    from benchmarks import shared_data
    from core.data import load_chain
    from core.pricing.charfuncs import get_model

    chain = load_chain(shared_data("spx_2011-01-24.csv"))      # real data, not the modelled default
    start = get_model("heston").defaults
    calibrate(chain, "heston")                       # compile / load the numba kernels
    ours_t = best_time(lambda: calibrate(chain, "heston"), repeat=5)
    fit = calibrate(chain, "heston")
    local_t = best_time(lambda: calibrate(chain, "heston", n_starts=0), repeat=5)
    ql_runs = [_quantlib_heston_fit(chain, start) for _ in range(2)]
    ql_t = min(r[0] for r in ql_runs)
    _, ql_rmse, ql_params = ql_runs[0]
    n = fit.n_quotes
    fmt = lambda d: ", ".join(f"{k}={v:.3g}" for k, v in d.items())  # noqa: E731
    rows = [
        Row("calibration", "Heston full-surface calibration time", ours_t, ql_t, "QuantLib LM",
            "s", "<= 0.1 (10x faster)",
            f"real SPX 2011-01-24: {n} OTM quotes, 9 expiries; ours = 34-point global stage + LM; same start"),
        Row("calibration", "Heston calibration speed-up vs QuantLib", ql_t / ours_t, None, "",
            "x", ">= 10", f"LM only from the defaults (no global stage): {local_t * 1e3:.0f} ms"),
        Row("calibration", "Heston IV RMSE", 100 * fit.rmse_iv, 100 * ql_rmse, "QuantLib LM",
            "vol pts", "<= QuantLib", f"ours {fmt(fit.params)}; QuantLib {fmt(ql_params)}"),
    ]
    narrow = calibrate(chain, "heston", exclude_wide=True)
    _, ql_narrow, _ = _quantlib_heston_fit(chain, start, exclude_wide=True)
    rows.append(Row("calibration", "Heston IV RMSE, wide-spread quotes excluded",
                    100 * narrow.rmse_iv, 100 * ql_narrow, "QuantLib LM", "vol pts",
                    "<= QuantLib", f"{narrow.n_quotes} quotes; {narrow.elapsed:.3f} s"))
    rate, peer_rate, per_call = _throughput()
    rows.append(Row("fourier", "Heston COS prices per second", rate, peer_rate,
                    "QuantLib AnalyticHestonEngine", "prices/s", ">= 1M/s",
                    f"{per_call} prices per call (200 strikes 0.5-2 S x 10 T, 1 week-3 y)"))
    ours_err, default_err = _accuracy()
    rows.append(Row("fourier", "Heston COS max abs error / spot", ours_err, default_err,
                    "QuantLib default engine", "x spot", "<= 1e-8",
                    "vs AnalyticHestonEngine(1e-12, 100000); K 0.5-2 S, T 1w-5y, Feller-violating"
                    ", rho = +/-0.95"))
    for model in _MODELS:
        calibrate(chain, model, n_starts=0)
        t = best_time(lambda: calibrate(chain, model), repeat=3)
        res = calibrate(chain, model)
        rows.append(Row("calibration", f"{model} from defaults: IV RMSE", 100 * res.rmse_iv, None,
                        "", "vol pts", "converges",
                        f"{t:.3f} s, {res.iterations} LM iterations; {fmt(res.params)}"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
