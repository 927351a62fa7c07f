"""core.calibration.calibrate: parameter recovery on synthetic chains, the sample SPX chain,
QuantLib's Heston calibration as a peer, warm starts, progress, cancellation and round trips."""
from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from core.calibration import CalibrationResult, calibrate, fitted_quotes
from core.data import load_chain
from core.errors import CalibrationError, DataError
from core.pricing.charfuncs import get_model
from core.pricing.models import model_price
from tests.real_data import spx_2011_chain

QUOTE_DATE = dt.date(2024, 3, 1)
TRUTH = {
    "heston": (0.03, 2.0, 0.05, 0.6, -0.7),
    "merton": (0.14, 0.4, -0.15, 0.12),
    "vg": (0.15, 0.25, -0.2),
    "cgmy": (0.6, 6.0, 14.0, 0.7),
}


def synthetic_chain(model, params, *, days=(30, 91, 182, 365, 730), spot=100.0, r=0.02, q=0.01,
                    noise=0.0, seed=0):
    """A chain priced by ``model``. ``noise`` moves the out-of-the-money implied vol of each
    strike by N(0, noise) and adds the same price change to the call and the put, so put-call
    parity - and the inferred forward - stay exact."""
    from core.pricing import bs_price, implied_vol

    rng = np.random.default_rng(seed)
    rows = []
    for d in days:
        T = d / 365.0
        expiry = (QUOTE_DATE + dt.timedelta(days=d)).isoformat()
        for K in np.arange(60.0, 145.0, 5.0):
            call = float(model_price(model, spot, K, T, r, q, params, True))
            put = float(model_price(model, spot, K, T, r, q, params, False))
            bump = 0.0
            if noise:
                otm_call = K > spot * math.exp((r - q) * T)
                iv = float(implied_vol(call if otm_call else put, spot, K, T, r, q, otm_call))
                vol = max(iv + noise * rng.standard_normal(), 0.5 * iv)
                moved = float(bs_price(spot, K, T, r, q, vol, otm_call))
                bump = moved - (call if otm_call else put)
            for cp, price in (("C", call + bump), ("P", put + bump)):
                if price < 2e-3:
                    continue
                h = 1e-7 * price
                rows.append(dict(PBid=price - h, PAsk=price + h, Type=cp, Strike=K,
                                 dtExpiry=expiry, dtTrade=QUOTE_DATE.isoformat(), Spot=spot))
    return load_chain(pd.DataFrame(rows))


@pytest.fixture(scope="module")
def spx():
    return spx_2011_chain()


@pytest.fixture(scope="module")
def spx_fits(spx):
    return {m: calibrate(spx, m) for m in ("heston", "bates", "merton", "vg", "cgmy")}


# ---------------------------------------------------------------- recovery
@pytest.mark.parametrize("model", list(TRUTH))
def test_recovers_parameters_from_defaults(model):
    chain = synthetic_chain(model, TRUTH[model])
    res = calibrate(chain, model)
    assert res.rmse_iv < 1e-5
    spec = get_model(model)
    np.testing.assert_allclose([res.params[n] for n in spec.param_names], TRUTH[model],
                               rtol=2e-3, atol=1e-4)


def test_stderr_covers_the_truth_under_noise():
    truth = TRUTH["heston"]
    chain = synthetic_chain("heston", truth, noise=0.002, seed=3)
    res = calibrate(chain, "heston")
    assert 0.0015 < res.rmse_iv < 0.0025            # the 0.2 vol-point noise is what remains
    for name, value in zip(res.param_names, truth):
        assert abs(res.params[name] - value) < 4.0 * res.stderr[name], name
    corr = res.correlation_matrix
    np.testing.assert_allclose(corr, corr.T, atol=1e-12)
    np.testing.assert_allclose(np.diag(corr), 1.0, atol=1e-12)


# ---------------------------------------------------------------- the real SPX chain of 2011-01-24 (../shared/data)
def test_all_models_fit_the_real_spx_2011_chain_from_defaults(spx, spx_fits):
    n = len(spx.otm_quotes(0.6, 1.4))
    ceilings = {"heston": 0.017, "bates": 0.013, "merton": 0.025, "vg": 0.025, "cgmy": 0.022}
    for model, res in spx_fits.items():
        spec = get_model(model)
        assert res.model == model and res.n_quotes == n
        assert res.rmse_iv < ceilings[model], (model, res.rmse_iv)
        assert set(res.rmse_iv_by_expiry) == {d.date().isoformat() for d in spx.expiries["expiry"]}
        p = np.array([res.params[k] for k in spec.param_names])
        assert np.all(p >= np.array(spec.lower)) and np.all(p <= np.array(spec.upper))
        assert all(math.isfinite(res.stderr[k]) for k in spec.param_names)
        assert (res.feller is not None) == (model in ("heston", "bates"))
        assert res.iterations > 0 and res.evaluations > res.iterations
    h = spx_fits["heston"]
    k, th, s = h.params["kappa"], h.params["theta"], h.params["sigma"]
    assert h.feller_value == pytest.approx(2 * k * th - s * s)
    assert h.feller == (h.feller_value > 0)


def test_heston_iv_rmse_no_worse_than_quantlib(spx, spx_fits):
    """QuantLib HestonModel.calibrate (LM, AnalyticHestonEngine) on the same quotes, same start."""
    ql = pytest.importorskip("QuantLib")
    from core.pricing.implied_vol import implied_vol

    quotes = spx.otm_quotes(0.6, 1.4)
    today = ql.Date(spx.quote_date.day, spx.quote_date.month, spx.quote_date.year)
    ql.Settings.instance().evaluationDate = today
    ex = spx.expiries
    dates = [today] + [today + int(round(T * 365)) for T in ex["T"]]
    curve = lambda col: ql.YieldTermStructureHandle(ql.ZeroCurve(  # noqa: E731
        dates, [ex[col].iloc[0]] + list(ex[col]), ql.Actual365Fixed()))
    r_ts, q_ts = curve("r_implied"), curve("q_implied")
    v0, kappa, theta, sigma, rho = get_model("heston").defaults
    model = ql.HestonModel(ql.HestonProcess(r_ts, q_ts, ql.QuoteHandle(ql.SimpleQuote(spx.spot)),
                                            v0, kappa, theta, sigma, rho))
    engine = ql.AnalyticHestonEngine(model)
    helpers = []
    for T, K, iv in zip(quotes["T"], quotes["strike"], quotes["iv"]):
        h = ql.HestonModelHelper(ql.Period(int(round(T * 365)), ql.Days), ql.NullCalendar(),
                                 spx.spot, float(K), ql.QuoteHandle(ql.SimpleQuote(float(iv))),
                                 r_ts, q_ts)
        h.setPricingEngine(engine)
        helpers.append(h)
    model.calibrate(helpers, ql.LevenbergMarquardt(1e-8, 1e-8, 1e-8),
                    ql.EndCriteria(500, 300, 1e-8, 1e-8, 1e-8))
    T = quotes["T"].to_numpy()
    rate = -np.log(quotes["discount"].to_numpy()) / T
    ql_iv = implied_vol(np.array([h.modelValue() for h in helpers]), quotes["forward"].to_numpy(),
                        quotes["strike"].to_numpy(), T, rate, rate, quotes["type"] == "C")
    ql_rmse = float(np.sqrt(np.nanmean((ql_iv - quotes["iv"].to_numpy()) ** 2)))
    assert spx_fits["heston"].rmse_iv <= ql_rmse + 1e-6


def test_weights_variants(spx, spx_fits):
    exact = calibrate(spx, "heston", weights="iv", start=spx_fits["heston"])
    assert exact.rmse_iv <= spx_fits["heston"].rmse_iv + 1e-6   # exact IV residuals: optimal
    assert exact.settings["residuals"] == "iv"
    spread = calibrate(spx, "merton", weights="spread")
    assert spread.settings["weights"] == "spread" and math.isfinite(spread.rmse_iv)
    n = spx_fits["merton"].n_quotes
    same = calibrate(spx, "merton", weights=np.ones(n), start=spx_fits["merton"])
    assert same.rmse_iv == pytest.approx(spx_fits["merton"].rmse_iv, abs=1e-6)
    with pytest.raises(DataError, match="weights"):
        calibrate(spx, "merton", weights="bogus")
    with pytest.raises(DataError, match="weights array"):
        calibrate(spx, "merton", weights=np.ones(3))


# ---------------------------------------------------------------- warm start, progress, cancel
def test_warm_start_converges_quickly(spx, spx_fits):
    first = spx_fits["heston"]
    warm = calibrate(spx, "heston", start=first)
    assert warm.settings["warm_start"] is True
    assert warm.iterations <= 5 and warm.evaluations <= 6
    assert warm.rmse_iv == pytest.approx(first.rmse_iv, abs=1e-7)
    from_dict = calibrate(spx, "heston", start=dict(first.params))
    assert from_dict.params == pytest.approx(warm.params, rel=1e-6)
    with pytest.raises(DataError, match="heston parameters"):
        calibrate(spx, "heston", start={"v0": 0.04})


def test_progress_is_monotone_and_finishes(spx):
    calls = []
    calibrate(spx, "vg", progress=lambda f, m: calls.append((f, m)))
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(b >= a for a, b in zip(fractions, fractions[1:]))
    assert all(isinstance(m, str) and m for _, m in calls)


def test_cancel(spx):
    with pytest.raises(CalibrationError, match="cancelled"):
        calibrate(spx, "heston", should_stop=lambda: True)
    polls = []

    def later():
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(CalibrationError, match="cancelled"):
        calibrate(spx, "bates", should_stop=later)


def test_failures_raise_calibration_error(spx):
    with pytest.raises(CalibrationError, match="usable OTM quotes"):
        calibrate(spx, "bates", lo=0.999, hi=1.001)
    with pytest.raises(DataError, match="model must be one of"):
        calibrate(spx, "sabr")


# ---------------------------------------------------------------- result object
def test_result_round_trip_and_fingerprint(spx, spx_fits):
    res = spx_fits["cgmy"]
    back = CalibrationResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert back == res
    assert calibrate(spx, "cgmy", start=res).fingerprint == res.fingerprint
    other = calibrate(spx, "merton", lo=0.7, hi=1.3, start=spx_fits["merton"])
    assert other.fingerprint != spx_fits["merton"].fingerprint
    assert other.n_quotes < spx_fits["merton"].n_quotes
    with pytest.raises(DataError):
        CalibrationResult.from_dict({"kind": "Chain"})
    with pytest.raises(AttributeError):
        res.model = "x"   # frozen
    assert res.summary()[0].startswith("cgmy:")


def test_fitted_quotes_reproduce_the_rmse(spx, spx_fits):
    res = spx_fits["bates"]
    fq = fitted_quotes(res, spx)
    assert len(fq) == res.n_quotes
    assert float(np.sqrt(np.mean(fq["error_iv"] ** 2))) == pytest.approx(res.rmse_iv, rel=1e-9)
    for expiry, rmse in res.rmse_iv_by_expiry.items():
        sub = fq.loc[fq["expiry"] == expiry, "error_iv"]
        assert float(np.sqrt(np.mean(sub ** 2))) == pytest.approx(rmse, rel=1e-9)
