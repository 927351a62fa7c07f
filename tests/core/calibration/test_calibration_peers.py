"""Calibrations against peers run in the same test, scored the same way (issue 11 §5, §6).

On the real SPX chain of 2011-01-24 (OTM quotes, 0.6-1.4 x forward, T > 0.02), every fit is
scored by the exact implied-vol RMSE of its model prices (our Jäckel inversion applied to the
peer's prices as well). The peers:

* QuantLib's HestonModel / BatesModel calibrated by its Levenberg-Marquardt with
  ``ImpliedVolError`` helpers (exact-IV residuals) and the analytic engines;
* for Merton, scipy's ``least_squares`` on exact implied vols of an independent pricer (the
  Poisson mixture of Black-Scholes prices);
* nested models: Bates contains Heston (lam = 0), and
  CGMY contains VG at Y = 0, so a richer model must fit at least as well as the one it nests
  when both are calibrated from defaults.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import least_squares
from scipy.special import gammaln
from scipy.stats import norm

from core.calibration import calibrate
from core.data import load_chain
from core.pricing.charfuncs import get_model
from core.pricing.implied_vol import implied_vol
from tests.conftest import shared_file
from tests.core.calibration._peers import ql_calibrate as _ql_calibrate, rmse as _rmse

T_MIN = 0.02


@pytest.fixture(scope="module")
def chain():
    return load_chain(shared_file("spx_2011-01-24.csv"))


@pytest.fixture(scope="module")
def quotes(chain):
    q = chain.otm_quotes(0.6, 1.4)
    return q[q["T"] > T_MIN].reset_index(drop=True)


@pytest.fixture(scope="module")
def fits(chain):
    return {m: calibrate(chain, m, t_min=T_MIN) for m in ("heston", "bates", "merton", "vg",
                                                          "cgmy")}


def test_heston_at_least_as_good_as_quantlib_in_exact_implied_vol(chain, quotes, fits):
    ql_rmse, ql_params = _ql_calibrate(chain, quotes, "heston")
    ours = fits["heston"]
    assert ours.n_quotes == len(quotes)
    assert 0.014 < ql_rmse < 0.017                   # the 1.52 vol pts of the issue
    assert ours.rmse_iv <= ql_rmse + 1e-6, (ours.rmse_iv, ql_rmse)
    assert ours.settings["weights"] == "iv"         # exact-IV scoring is the default
    # and the fast-weighting figure was worse: the default closes that gap
    fast = calibrate(chain, "heston", t_min=T_MIN, weights="vega")
    assert ours.rmse_iv < fast.rmse_iv


def test_bates_at_least_as_good_as_quantlib_and_exact_iv_not_worse_than_fast(chain, quotes, fits):
    ql_rmse, _ = _ql_calibrate(chain, quotes, "bates")
    ours = fits["bates"]
    assert ours.rmse_iv <= ql_rmse + 1e-6, (ours.rmse_iv, ql_rmse)
    # issue 11 §5: from a cold start exact-IV weighting gave Bates 1.49 against 1.15 (vega)
    fast = calibrate(chain, "bates", t_min=T_MIN, weights="vega")
    assert ours.rmse_iv <= fast.rmse_iv + 1e-9, (ours.rmse_iv, fast.rmse_iv)
    assert ours.rmse_iv < 0.0125


def _merton_prices(q, sigma, lam, mu, delta, n_terms=60):
    """Merton (1976) as a Poisson mixture of Black prices on the forward (vectorised)."""
    T = q["T"].to_numpy()
    F = q["forward"].to_numpy()
    K = q["strike"].to_numpy()
    D = q["discount"].to_numpy()
    call = (q["type"] == "C").to_numpy()
    kbar = math.exp(mu + 0.5 * delta * delta) - 1.0
    total = np.zeros_like(T)
    for n in range(n_terms):
        logw = -lam * T + n * np.log(lam * T) - gammaln(n + 1) if lam > 0 else \
            (np.zeros_like(T) if n == 0 else np.full_like(T, -np.inf))
        v = np.sqrt(sigma * sigma + n * delta * delta / T)
        Fn = F * np.exp(n * (mu + 0.5 * delta * delta) - lam * kbar * T)
        sd = v * np.sqrt(T)
        d1 = np.log(Fn / K) / sd + 0.5 * sd
        d2 = d1 - sd
        c = Fn * norm.cdf(d1) - K * norm.cdf(d2)
        p = K * norm.cdf(-d2) - Fn * norm.cdf(-d1)
        total += np.exp(logw) * np.where(call, c, p)
    return D * total


def test_merton_at_least_as_good_as_scipy_on_an_independent_pricer(quotes, fits):
    spec = get_model("merton")

    def resid(x):
        r = _rmse_vector(_merton_prices(quotes, *x), quotes)
        return np.nan_to_num(r, nan=1.0)

    res = least_squares(resid, np.array(spec.defaults), bounds=(spec.lower, spec.upper),
                        x_scale="jac", ftol=1e-12, xtol=1e-12, gtol=1e-12)
    peer = _rmse(_merton_prices(quotes, *res.x), quotes)
    ours = fits["merton"]
    assert ours.rmse_iv <= peer + 1e-6, (ours.rmse_iv, peer)
    # our own prices at our optimum agree with the independent pricer's
    ours_again = _rmse(_merton_prices(quotes, *[ours.params[n] for n in spec.param_names]),
                       quotes)
    assert ours_again == pytest.approx(ours.rmse_iv, abs=1e-7)


def _rmse_vector(prices, q):
    T = q["T"].to_numpy()
    rate = -np.log(q["discount"].to_numpy()) / T
    iv = implied_vol(prices, q["forward"].to_numpy(), q["strike"].to_numpy(), T, rate, rate,
                     (q["type"] == "C").to_numpy())
    return iv - q["iv"].to_numpy()


def test_nested_models_fit_at_least_as_well(fits):
    """Bates nests Heston (no jumps); CGMY nests VG (Y = 0 is inside its bounds)."""
    assert fits["bates"].rmse_iv <= fits["heston"].rmse_iv + 1e-9
    assert fits["cgmy"].rmse_iv <= fits["vg"].rmse_iv + 1e-9


def test_intervals_respect_domains_and_warnings_flag_the_heston_fit(fits):
    for model, res in fits.items():
        spec = get_model(model)
        for i, name in enumerate(spec.param_names):
            lo, hi = res.intervals[name]
            x = res.params[name]
            assert lo <= x <= hi, (model, name)
            d_lo, lo_in, d_hi, hi_in = spec.domain[i]
            assert lo >= d_lo and hi <= d_hi, (model, name, lo, hi)
            if name in ("lam", "sigma_j", "v0", "kappa", "sigma", "nu", "C", "G"):
                assert lo > 0.0, (model, name, lo)
    h = fits["heston"]
    # Heston on this chain: kappa ~ 26, vol of vol ~ 5 - a fit no quant would sign as dynamics
    assert h.params["kappa"] > 10 and h.params["sigma"] > 2
    text = " ".join(h.warnings)
    assert "half-life" in text and "vol of vol" in text
    # intervals of positive parameters are asymmetric (log scale): wider above than below
    lo, hi = h.intervals["sigma"]
    assert hi - h.params["sigma"] > h.params["sigma"] - lo
