"""Probability of profit and expected P/L: lognormal closed forms, Monte Carlo within 3 standard
errors, and the Breeden-Litzenberger density from a vol function."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from core.errors import DataError
from core.pricing import bs_greeks, bs_price
from core.strategies import (Leg, ProfitProbability, Strategy, build, lognormal_cdf,
                             probability_of_profit, risk_neutral_cdf, risk_neutral_density)

S0, T, r, q, vol = 100.0, 0.25, 0.03, 0.01, 0.22
F = S0 * math.exp((r - q) * T)


def p_above(x):
    """Closed form P(S_T > x) for S_T lognormal with forward F."""
    return norm.cdf((math.log(F / x) - 0.5 * vol * vol * T) / (vol * math.sqrt(T)))


def legs_of(*spec):
    return Strategy([Leg(k, K, T, n, p) for k, K, n, p in spec], r=r, q=q, spot=S0)


CASES = {
    "long call": (legs_of(("call", 100, 1, 4.0)), lambda: p_above(104)),
    "short put": (legs_of(("put", 100, -1, 3.0)), lambda: p_above(97)),
    "long straddle": (legs_of(("call", 100, 1, 4.0), ("put", 100, 1, 3.5)),
                      lambda: 1 - p_above(92.5) + p_above(107.5)),
    "iron condor": (legs_of(("put", 90, 1, 1), ("put", 95, -1, 2), ("call", 105, -1, 2.2),
                            ("call", 110, 1, 1.1)), lambda: p_above(92.9) - p_above(107.1)),
    "bull call spread": (legs_of(("call", 100, 1, 5), ("call", 110, -1, 2)), lambda: p_above(103)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_lognormal_pop_equals_closed_form_and_mc_agrees(name):
    s, truth = CASES[name]
    ln = probability_of_profit(s, vol=vol)
    assert ln.pop == pytest.approx(truth(), abs=1e-12)
    mc = probability_of_profit(s, vol=vol, method="mc", n_paths=200_000, rng=3)
    assert abs(mc.pop - ln.pop) <= 3 * mc.pop_stderr
    assert abs(mc.expected_pnl - ln.expected_pnl) <= 3 * mc.expected_pnl_stderr
    rnd = probability_of_profit(s, vol=vol, method="rnd")
    assert rnd.pop == pytest.approx(ln.pop, abs=1e-7)
    assert rnd.expected_pnl == pytest.approx(ln.expected_pnl, abs=1e-5)


def test_expected_pnl_closed_form_equals_integral():
    s = CASES["iron condor"][0]
    ev = probability_of_profit(s, vol=vol).expected_pnl
    sd = vol * math.sqrt(T)
    dens = lambda x: norm.pdf((math.log(x / F) + 0.5 * sd * sd) / sd) / (x * sd)
    pts = [90, 95, 105, 110]
    integral = quad(lambda x: float(s.expiry_pnl(x)) * dens(x), 1e-9, 1000, points=pts,
                    limit=200)[0]
    assert ev == pytest.approx(integral, abs=1e-8)
    long_call = CASES["long call"][0]
    fwd_call = math.exp(r * T) * float(bs_price(S0, 100, T, r, q, vol, True))
    assert probability_of_profit(long_call, vol=vol).expected_pnl == pytest.approx(fwd_call - 4)


def test_calendar_pop_lognormal_agrees_with_mc():
    cal = Strategy([Leg("call", 100, 0.1, -1, 2.6, vol), Leg("call", 100, 0.3, 1, 4.6, vol)],
                   r=r, q=q, spot=S0)
    ln = probability_of_profit(cal)
    mc = probability_of_profit(cal, method="mc", n_paths=200_000, rng=5)
    assert ln.horizon == 0.1 and len(ln.breakevens) == 2
    assert abs(mc.pop - ln.pop) <= 3 * mc.pop_stderr
    assert abs(mc.expected_pnl - ln.expected_pnl) <= 3 * mc.expected_pnl_stderr
    rnd = probability_of_profit(cal, method="rnd")
    assert rnd.pop == pytest.approx(ln.pop, abs=1e-6)
    assert rnd.expected_pnl == pytest.approx(ln.expected_pnl, abs=1e-4)


def smile(K, T_):
    x = np.log(np.asarray(K) / 100.0)
    return 0.2 - 0.1 * x + 0.1 * x * x


def smile_slope(K):
    return (-0.1 + 0.2 * math.log(K / 100.0)) / K


def test_breeden_litzenberger_density_of_a_smile():
    K = np.linspace(30, 250, 22001)
    dens = risk_neutral_density(smile, S0, T, r, q, K)
    assert np.all(dens > -1e-9)
    assert np.trapezoid(dens, K) == pytest.approx(1.0, abs=2e-4)
    assert np.trapezoid(K * dens, K) == pytest.approx(F, rel=1e-3)
    # the CDF (first derivative) is the running integral of the density (second derivative)
    cdf = risk_neutral_cdf(smile, S0, T, r, q, [85.0, 100.0, 115.0])
    for x, c in zip([85.0, 100.0, 115.0], cdf):
        m = K <= x
        assert np.trapezoid(dens[m], K[m]) == pytest.approx(c, abs=2e-4)
    # flat vol: the lognormal density and CDF
    flat = risk_neutral_density(vol, S0, T, r, q, [90.0, 100.0, 120.0])
    sd = vol * math.sqrt(T)
    ln_pdf = [norm.pdf((math.log(x / F) + 0.5 * sd * sd) / sd) / (x * sd) for x in (90, 100, 120)]
    np.testing.assert_allclose(flat, ln_pdf, rtol=1e-5)
    np.testing.assert_allclose(risk_neutral_cdf(vol, S0, T, r, q, [90, 110]),
                               lognormal_cdf([90, 110], F, vol, T), rtol=0, atol=1e-7)


def test_rnd_pop_with_a_skew_is_the_smile_adjusted_digital():
    s = CASES["short put"][0]
    rnd = probability_of_profit(s, vol=smile, method="rnd")
    # P(S_T > K) = -e^{rT} dC/dK = N(d2) - e^{rT} vega(K) sigma'(K) at K = the breakeven 97
    K = 97.0
    sig = float(smile(K, T))
    g = bs_greeks(S0, K, T, r, q, sig, True)
    d2 = (math.log(F / K) - 0.5 * sig * sig * T) / (sig * math.sqrt(T))
    truth = norm.cdf(d2) - math.exp(r * T) * float(g.vega) * smile_slope(K)
    assert rnd.pop == pytest.approx(truth, abs=1e-7)
    ln = probability_of_profit(s, vol=smile, method="lognormal")  # at the ATM vol of the smile
    assert rnd.pop > ln.pop  # negative skew: the digital call is worth more than N(d2)
    # the expected P/L under the density is each leg's forward value at its own smile vol
    put = float(bs_price(S0, 100, T, r, q, float(smile(100, T)), False))
    assert rnd.expected_pnl == pytest.approx(-(math.exp(r * T) * put - 3.0), abs=1e-12)
    assert "Breeden-Litzenberger" in rnd.convention and "forward" in ln.convention
    assert ProfitProbability.from_dict(rnd.to_dict()) == rnd


def test_pop_validation_and_defaults():
    s = build("iron_condor", 100, 0.1, vol=0.2)
    assert probability_of_profit(s).sigma == 0.2  # leg vols
    with pytest.raises(DataError, match="method"):
        probability_of_profit(s, method="bayes")
    with pytest.raises(DataError, match="spot"):
        probability_of_profit(Strategy(s.legs), vol=0.2)
    zero = probability_of_profit(s, at_T=0.0)
    assert zero.horizon == 0.0 and zero.pop in (0.0, 1.0)
