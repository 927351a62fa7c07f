"""The real SPX chain of 2011-01-24 (read from ../shared/data by path) against the figures in
the shared data README, and the embedded default chain (the modelled chain of 2018-12-31)."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import DEFAULT_DATE, load_chain, modelled_chain, sample_chain
from tests.conftest import shared_file

SPX_2011 = "spx_2011-01-24.csv"


@pytest.fixture(scope="module")
def chain():
    return load_chain(shared_file(SPX_2011))


def test_real_2011_chain_figures(chain):
    # independent facts from the raw file
    raw = pd.read_csv(shared_file(SPX_2011))
    assert len(raw) == 1472
    assert chain.spot == 1290.59 and chain.spot_source == "file"
    assert chain.quote_date == dt.date(2011, 1, 24)
    rep = chain.report
    assert rep.rows_read == 1472
    n_expired = int((raw["dtExpiry"] == "2011-01-19").sum())
    assert rep.dropped_expired == n_expired
    assert rep.rows_kept == 1472 - n_expired == chain.n_quotes
    assert any("2011-01-19 dropped" in line for line in rep.lines())

    # README: about 440 OTM quotes within 0.6-1.4 x forward, in 9 expiries
    otm = chain.otm_quotes(0.6, 1.4)
    assert 400 <= len(otm) <= 480
    assert otm["expiry"].nunique() == 9
    assert len(chain.expiries) == 9
    assert (chain.expiries["method"] == "parity").all()

    # forwards: below spot (dividend yield above the rate), decreasing with maturity
    exp = chain.expiries
    assert (exp["forward"] < chain.spot).all()
    assert (np.diff(exp["forward"]) < 0).all()
    assert exp["forward"].between(1240, 1295).all()
    assert exp["discount"].between(0.95, 1.001).all()
    assert exp["r_implied"].iloc[2:].between(0.0, 0.03).all()     # 2011 rates: near zero
    assert exp["q_implied"].between(0.015, 0.035).all()           # SPX dividend yield ~2%

    # README: vols of 22-35 % — the per-expiry median OTM vol; ATM (K = F) about 20 %
    med = otm.groupby("expiry")["iv"].median()
    assert med.min() > 0.20 and med.max() < 0.37
    assert exp["atm_iv"].between(0.17, 0.25).all()
    # an independent ATM check: the straddle ~ 0.8 F sigma sqrt(T) approximation (Brenner-
    # Subrahmanyam), from raw mids at the strike nearest the forward of the first expiry
    e0 = exp.iloc[0]
    raw0 = raw[raw["dtExpiry"] == "2011-02-19"].assign(mid=lambda d: (d.PBid + d.PAsk) / 2)
    k0 = raw0["Strike"].iloc[np.argmin(np.abs(raw0["Strike"] - e0["forward"]))]
    straddle = raw0.loc[raw0["Strike"] == k0, "mid"].sum() / e0["discount"]
    approx = straddle / (0.8 * e0["forward"] * np.sqrt(e0["T"]))
    assert e0["atm_iv"] == pytest.approx(approx, abs=0.01)

    # error bars bracket the mid vols
    assert (otm["iv_bid"].fillna(0) <= otm["iv"]).all()
    assert (otm["iv_ask"] >= otm["iv"]).all()


def test_sample_chain_is_the_labelled_modelled_chain_immutable_and_cached():
    chain = sample_chain()
    assert chain.quote_date == DEFAULT_DATE == dt.date(2018, 12, 31)
    assert chain.label == "modelled chain for 2018-12-31, from the S&P 500 close and VIX"
    assert chain is modelled_chain("2018-12-31")
    q = chain.quotes
    iv0 = q["iv"].to_numpy().copy()
    q["iv"] = 0.0
    q.loc[0, "strike"] = -1.0
    again = sample_chain()
    assert again is chain
    np.testing.assert_array_equal(again.quotes["iv"].to_numpy(), iv0)
    assert again.quotes["strike"].iloc[0] > 0
    with pytest.raises(AttributeError):
        chain.spot = 1.0
    # the label survives the trip through a dcc.Store
    from core.data import Chain
    back = Chain.from_dict(chain.to_dict())
    assert back.label == chain.label and back.n_quotes == chain.n_quotes


def test_core_data_imports_no_ui_packages():
    code = ("import sys, core.data; core.data.sample_chain(); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('dash', 'plotly', 'flask')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[3])
