"""Synthetic option chains priced by QuantLib from known smiles, for the surface-fit tests.

``build_csv(smile, days)`` prices calls and puts at common strikes with ``ql.blackFormula`` from
a vol function ``smile(k, T, F, K) -> vol`` and returns canonical CSV bytes (expiry, strike,
type, bid, ask, quote_date; no spot column) plus the per-expiry truth (T, forward). Bids and
asks are ``price * (1 -+ HALF_SPREAD)`` so the mid is the model price exactly and the loader's
implied vols equal the true vols.
"""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql

QUOTE_DATE = dt.date(2024, 3, 1)
SPOT, RATE, DIV = 100.0, 0.03, 0.01
HALF_SPREAD = 0.01


def build_csv(smile, days, *, n_strikes: int = 41, width: float = 3.5, spot: float = SPOT,
              atm_guess: float = 0.2, min_price: float = 1e-4) -> tuple[bytes, pd.DataFrame]:
    """Canonical CSV of a chain whose vols are ``smile(k, T, F, K)``, and the truth per expiry."""
    rows, truth = [], []
    for d in days:
        T = d / 365.0
        F = spot * np.exp((RATE - DIV) * T)
        DF = np.exp(-RATE * T)
        half = max(width * atm_guess * np.sqrt(T), 0.02)
        K = np.round(F * np.exp(np.linspace(-half, half, n_strikes)), 4)
        K = np.unique(K)
        expiry = (QUOTE_DATE + dt.timedelta(days=int(d))).isoformat()
        truth.append({"expiry": pd.Timestamp(expiry), "T": T, "forward": F, "discount": DF})
        for strike in K:
            vol = float(smile(np.log(strike / F), T, F, strike))
            for typ, kind in (("C", ql.Option.Call), ("P", ql.Option.Put)):
                price = ql.blackFormula(kind, float(strike), float(F), vol * np.sqrt(T),
                                        float(DF))
                if price < min_price:
                    continue
                rows.append((expiry, float(strike), typ, price * (1 - HALF_SPREAD),
                             price * (1 + HALF_SPREAD), QUOTE_DATE.isoformat()))
    frame = pd.DataFrame(rows, columns=["expiry", "strike", "type", "bid", "ask", "quote_date"])
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format="%.15g")
    return buf.getvalue().encode(), pd.DataFrame(truth)


def svi_vol(a, b, rho, m, sigma):
    """Smile function of a raw SVI total-variance slice (independent of core.surface)."""
    def smile(k, T, F, K):
        return np.sqrt((a + b * (rho * (k - m) + np.sqrt((k - m) ** 2 + sigma ** 2))) / T)
    return smile


@pytest.fixture(scope="session")
def make_csv():
    """The :func:`build_csv` function."""
    return build_csv


@pytest.fixture(scope="session")
def svi_smile():
    """The :func:`svi_vol` factory."""
    return svi_vol


@pytest.fixture(scope="session")
def warm():
    """Numba kernels compiled or loaded once per session."""
    from core.surface import warm_kernels

    return warm_kernels()
