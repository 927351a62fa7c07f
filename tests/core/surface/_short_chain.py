"""A realistic synthetic short-dated index chain (daily and weekly expiries), for the SVI tests.

The 17,000-quote SPX chain of January 2026 from issue 11 is not available, so its shape is
rebuilt: spot 6,000, rate 4%, dividend yield 1.3%, expiries of 1-4, 7-10, 14, 21, 28, 35 days
and then monthly to a year, strikes on SPX's 5-point grid, prices from a Bates model with
index-like parameters (steep short-dated put skew from jumps) plus 0.15 vol points of
independent noise per strike, then real-looking quotes: 0.05 ticks, spreads of 3% of the price
(at least one tick each side), nothing quoted below 0.05.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.data import load_chain
from core.pricing import bates_price, bs_price, implied_vol

QUOTE_DATE = dt.date(2026, 1, 16)
SPOT, RATE, DIV = 6000.0, 0.04, 0.013
BATES = dict(v0=0.012, kappa=4.0, theta=0.03, sigma=0.9, rho=-0.75, lam=0.4, mu_j=-0.07,
             sigma_j=0.06)
DAYS = (1, 2, 3, 4, 7, 8, 9, 10, 14, 21, 28, 35, 63, 91, 182, 365)
TICK = 0.05


def short_chain_frame(days=DAYS, *, noise: float = 0.0015, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for d in days:
        T = d / 365.0
        F = SPOT * np.exp((RATE - DIV) * T)
        half = min(0.4, max(0.04, 5.0 * 0.15 * np.sqrt(T)))
        K = np.arange(np.floor(F * np.exp(-half) / 5) * 5, F * np.exp(half), 5.0)
        call = K >= F
        price = bates_price(SPOT, K, T, RATE, DIV, **BATES, is_call=call)
        iv = implied_vol(price, SPOT, K, T, RATE, DIV, call)
        iv = iv + noise * rng.standard_normal(iv.shape)
        otm = bs_price(SPOT, K, T, RATE, DIV, iv, call)
        fwd = np.exp(-RATE * T) * (F - K)
        expiry = (QUOTE_DATE + dt.timedelta(days=int(d))).isoformat()
        for typ, p in (("C", np.where(call, otm, otm + fwd)), ("P", np.where(call, otm - fwd, otm))):
            h = np.maximum(0.015 * p, TICK)
            bid = np.floor((p - h) / TICK) * TICK
            ask = np.ceil((p + h) / TICK) * TICK
            for k_, b_, a_ in zip(K, bid, ask):
                if a_ < 2 * TICK or not np.isfinite(a_):
                    continue
                rows.append(dict(PBid=max(b_, 0.0), PAsk=a_, Type=typ, Strike=k_,
                                 dtExpiry=expiry, dtTrade=QUOTE_DATE.isoformat(), Spot=SPOT))
    return pd.DataFrame(rows)


def short_chain(**kw):
    return load_chain(short_chain_frame(**kw))
