"""A large synthetic option chain with a known smile, for the deployment tests.

Quotes are Black-Scholes prices at a per-expiry SVI total variance (raw parameters below), with a
tight bid/ask around them, so the implied vols a correct load recovers are known in closed form:
``sigma(k, T) = sqrt(w(k) / T)``. Nothing here is copied from market data.
"""
from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.stats import norm

QUOTE_DATE = date(2024, 3, 1)
SPOT = 5000.0
RATE = 0.03


def svi_vol(k: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Generating implied vol at log-moneyness ``k`` and maturity ``T`` (years)."""
    a, b, rho, m, s = 0.01 * T + 0.0004, 0.06 * np.sqrt(T) + 0.02, -0.6, 0.0, 0.15
    w = a + b * (rho * (k - m) + np.sqrt((k - m) ** 2 + s * s))
    return np.sqrt(w / T)


def _bs(F, K, T, sigma, df, call):
    sd = sigma * np.sqrt(T)
    d1 = (np.log(F / K) + 0.5 * sd * sd) / sd
    d2 = d1 - sd
    c = df * (F * norm.cdf(d1) - K * norm.cdf(d2))
    return np.where(call, c, c - df * (F - K))


def large_chain(n_expiries: int = 16, n_strikes: int = 300) -> pd.DataFrame:
    """A canonical-layout chain (expiry, strike, type, bid, ask, quote_date, spot) with
    ``2 * n_expiries * n_strikes`` quotes; about half are out of the money."""
    rows = []
    for i in range(n_expiries):
        expiry = QUOTE_DATE + timedelta(days=14 + 21 * i)
        T = (expiry - QUOTE_DATE).days / 365.0
        F, df = SPOT * math.exp(RATE * T), math.exp(-RATE * T)
        K = np.round(np.linspace(0.62, 1.38, n_strikes) * F, 1)
        vol = svi_vol(np.log(K / F), np.full_like(K, T))
        for call in (True, False):
            p = _bs(F, K, T, vol, df, call)
            half = np.maximum(0.0005 * p, 0.005)
            rows.append(pd.DataFrame({"expiry": expiry.isoformat(), "strike": K,
                                      "type": "C" if call else "P",
                                      "bid": np.round(p - half, 4), "ask": np.round(p + half, 4)}))
    out = pd.concat(rows, ignore_index=True)
    out = out[out["bid"] > 0.01].reset_index(drop=True)
    out["quote_date"] = QUOTE_DATE.isoformat()
    out["spot"] = SPOT
    return out


def large_chain_csv(**kw) -> bytes:
    return large_chain(**kw).to_csv(index=False).encode()
