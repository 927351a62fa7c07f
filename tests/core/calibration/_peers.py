"""Peers shared by the calibration tests: QuantLib's Heston / Bates calibration with exact
implied-vol residuals, and exact implied-vol scoring of any prices."""
from __future__ import annotations

import numpy as np
import QuantLib as ql

from core.pricing.charfuncs import get_model
from core.pricing.implied_vol import implied_vol


def rmse(prices, q) -> float:
    T = q["T"].to_numpy()
    rate = -np.log(q["discount"].to_numpy()) / T
    iv = implied_vol(prices, q["forward"].to_numpy(), q["strike"].to_numpy(), T, rate, rate,
                     (q["type"] == "C").to_numpy())
    return float(np.sqrt(np.nanmean((iv - q["iv"].to_numpy()) ** 2)))


def ql_calibrate(chain, q, model_name):
    today = ql.Date(chain.quote_date.day, chain.quote_date.month, chain.quote_date.year)
    ql.Settings.instance().evaluationDate = today
    ex = chain.expiries
    dates = [today] + [today + int(round(T * 365)) for T in ex["T"]]

    def curve(col):
        return ql.YieldTermStructureHandle(ql.ZeroCurve(dates, [ex[col].iloc[0]] + list(ex[col]),
                                                        ql.Actual365Fixed()))

    r_ts, q_ts = curve("r_implied"), curve("q_implied")
    spot = ql.QuoteHandle(ql.SimpleQuote(chain.spot))
    v0, kappa, theta, sigma, rho = get_model("heston").defaults
    if model_name == "heston":
        model = ql.HestonModel(ql.HestonProcess(r_ts, q_ts, spot, v0, kappa, theta, sigma, rho))
        engine = ql.AnalyticHestonEngine(model)
    else:
        lam, mu_j, sigma_j = get_model("bates").defaults[5:]
        model = ql.BatesModel(ql.BatesProcess(r_ts, q_ts, spot, v0, kappa, theta, sigma, rho,
                                              lam, mu_j, sigma_j))
        engine = ql.BatesEngine(model)
    helpers = []
    for T, K, iv in zip(q["T"], q["strike"], q["iv"]):
        h = ql.HestonModelHelper(ql.Period(int(round(T * 365)), ql.Days), ql.NullCalendar(),
                                 chain.spot, float(K), ql.QuoteHandle(ql.SimpleQuote(float(iv))),
                                 r_ts, q_ts, ql.BlackCalibrationHelper.ImpliedVolError)
        h.setPricingEngine(engine)
        helpers.append(h)
    model.calibrate(helpers, ql.LevenbergMarquardt(1e-8, 1e-8, 1e-8),
                    ql.EndCriteria(500, 300, 1e-8, 1e-8, 1e-8))
    # same day count as the helpers' maturities: our T is ACT/365 of the same dates
    return rmse(np.array([h.modelValue() for h in helpers]), q), list(model.params())
