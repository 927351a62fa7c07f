"""Synthetic option chains with known forwards, discount factors and vols, priced by QuantLib.

``make_chain()`` returns canonical quotes (expiry, strike, type, bid, ask) and the truth;
``write_format(quotes, fmt)`` lays them out as one of the four recognised file formats.
"""
from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
import QuantLib as ql

SPOT = 100.0
QUOTE_DATE = dt.date(2024, 3, 1)


def true_vol(k, T):
    """A smile in log-moneyness k = ln(K/F) with a mild term structure."""
    return 0.18 + 0.02 * np.sqrt(T) - 0.10 * k + 0.30 * k * k


def build_chain(expiry_days=(30, 91, 182, 365, 730), *, step=2.5, spot=SPOT,
                rate=lambda T: 0.02 + 0.01 * T, div=lambda T: 0.015, half_spread=0.02,
                kmax=0.45):
    rows, truth = [], []
    for days in expiry_days:
        T = days / 365.0
        r, q = rate(T), div(T)
        F, DF = spot * np.exp((r - q) * T), np.exp(-r * T)
        expiry = QUOTE_DATE + dt.timedelta(days=days)
        truth.append(dict(expiry=pd.Timestamp(expiry), T=T, forward=F, discount=DF, r=r, q=q))
        for K in np.arange(50.0, 200.0 + 1e-9, step):
            k = np.log(K / F)
            if abs(k) > kmax:
                continue
            sig = float(true_vol(k, T))
            for cp, ql_type in (("C", ql.Option.Call), ("P", ql.Option.Put)):
                price = ql.blackFormula(ql_type, float(K), float(F), sig * np.sqrt(T), float(DF))
                if price < 1e-3:
                    continue
                h = min(half_spread * price + 0.005, 0.5 * price)
                rows.append(dict(expiry=expiry.isoformat(), strike=float(K), type=cp,
                                 bid=price - h, ask=price + h, price=price, vol=sig))
    return pd.DataFrame(rows), pd.DataFrame(truth)


def occ_symbol(root, expiry_iso, cp, strike):
    d = dt.date.fromisoformat(expiry_iso)
    return f"{root}{d:%y%m%d}{cp}{int(round(strike * 1000)):08d}"


CBOE_HEADER = (
    "underlying_symbol,quote_date,root,expiration,strike,option_type,open,high,low,close,"
    "trade_volume,bid_size_1545,bid_1545,ask_size_1545,ask_1545,underlying_bid_1545,"
    "underlying_ask_1545,implied_underlying_price_1545,active_underlying_price_1545,"
    "implied_volatility_1545,delta_1545,gamma_1545,theta_1545,vega_1545,rho_1545,"
    "bid_size_eod,bid_eod,ask_size_eod,ask_eod,underlying_bid_eod,underlying_ask_eod,vwap,"
    "open_interest,delivery_code").split(",")


def to_format(quotes: pd.DataFrame, fmt: str, *, spot=SPOT, quote_date=QUOTE_DATE) -> bytes:
    """CSV bytes of ``quotes`` in format ``fmt`` ('sample', 'canonical', 'cboe', 'vendor')."""
    n = len(quotes)
    if fmt == "sample":
        out = pd.DataFrame({"PBid": quotes["bid"], "PAsk": quotes["ask"], "Type": quotes["type"],
                            "Strike": quotes["strike"], "dtExpiry": quotes["expiry"],
                            "dtTrade": quote_date.isoformat(), "Spot": spot})
    elif fmt == "canonical":
        out = pd.DataFrame({"Expiry": quotes["expiry"], "Strike": quotes["strike"],
                            "Type": quotes["type"].map({"C": "call", "P": "put"}),
                            "Bid": quotes["bid"], "Ask": quotes["ask"]})
    elif fmt == "cboe":
        cols = {c: np.zeros(n) for c in CBOE_HEADER}
        cols.update({
            "underlying_symbol": "^XYZ", "quote_date": quote_date.isoformat(), "root": "XYZ",
            "expiration": quotes["expiry"].to_numpy(), "strike": quotes["strike"].to_numpy(),
            "option_type": quotes["type"].str.lower().to_numpy(),
            # 15:45 quotes deliberately different: the loader must use the end-of-day pair
            "bid_1545": quotes["bid"].to_numpy() * 1.1, "ask_1545": quotes["ask"].to_numpy() * 1.2,
            "underlying_bid_1545": spot + 1.0, "underlying_ask_1545": spot + 1.2,
            "bid_eod": quotes["bid"].to_numpy(), "ask_eod": quotes["ask"].to_numpy(),
            "underlying_bid_eod": spot - 0.05, "underlying_ask_eod": spot + 0.05,
            "bid_size_eod": 10, "ask_size_eod": 12, "delivery_code": "",
        })
        out = pd.DataFrame(cols)[CBOE_HEADER]
    elif fmt == "vendor":
        syms = [occ_symbol("XYZ", e, t, k) for e, t, k in
                zip(quotes["expiry"], quotes["type"], quotes["strike"])]
        out = pd.DataFrame({"contractSymbol": syms, "lastTradeDate": "2024-02-29 15:59:00",
                            "strike": quotes["strike"], "lastPrice": quotes["price"],
                            "bid": quotes["bid"], "ask": quotes["ask"], "volume": 5,
                            "impliedVolatility": 0.2})
    else:
        raise ValueError(fmt)
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    return buf.getvalue().encode()


@pytest.fixture(scope="session")
def synth():
    """(quotes, truth) of the default synthetic chain."""
    return build_chain()


@pytest.fixture(scope="session")
def build():
    """The :func:`build_chain` function."""
    return build_chain


@pytest.fixture(scope="session")
def write():
    """The :func:`to_format` function."""
    return to_format


@pytest.fixture(scope="session")
def quote_date():
    return QUOTE_DATE
