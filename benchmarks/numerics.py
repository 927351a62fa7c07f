"""Issue 11 figures in one run (machine shared: read the ratios): exact-IV calibration against
QuantLib's exact-IV Levenberg-Marquardt and against our fast vega weighting, on the real 2011
SPX file; the VG gamma-mixture pricer against the cosine series at one week (accuracy vs a
QUADPACK reference, and time per 400-strike slice)."""
from __future__ import annotations

import math
import time

import numpy as np

from benchmarks import Row, best_time

_MODELS = ("heston", "bates", "merton", "vg", "cgmy")


def _vg_reference(F, K, T, sigma, nu, theta):
    from scipy import integrate, special

    a = T / nu
    om = math.log1p(-theta * nu - 0.5 * sigma * sigma * nu) / nu
    out = []
    for k in K:
        def f(g):
            v = sigma * sigma * g
            fg = F * math.exp(om * T + (theta + 0.5 * sigma * sigma) * g)
            if fg <= 0:
                return k
            if v <= 0:
                return max(k - fg, 0.0)
            sd = math.sqrt(v)
            d1 = (math.log(fg / k) + 0.5 * v) / sd
            return k * special.ndtr(-(d1 - sd)) - fg * special.ndtr(-d1)
        c = 1.0 / (special.gamma(a) * nu ** a)
        b = 2 * nu * max(a, 1.0)
        i1 = integrate.quad(lambda g: f(g) * math.exp(-g / nu), 0, b, weight="alg",
                            wvar=(a - 1, 0), epsabs=1e-14, epsrel=1e-13, limit=500)[0]
        i2 = integrate.quad(lambda g: f(g) * g ** (a - 1) * math.exp(-g / nu), b, np.inf,
                            epsabs=1e-14, epsrel=1e-13, limit=500)[0]
        out.append(c * (i1 + i2))
    return np.array(out)


def run() -> list[Row]:
    from core.calibration import calibrate
    from core.data import load_chain
    from core.pricing.fourier import cos_price
    from core.pricing.timechange import vg_mixture_put
    from tests.conftest import SHARED_DATA
    from tests.core.calibration._peers import ql_calibrate

    rows = []
    chain = load_chain(SHARED_DATA / "spx_2011-01-24.csv")
    calibrate(chain, "heston", n_starts=0)
    q = chain.otm_quotes(0.6, 1.4)
    q = q[q["T"] > 0.02]
    t0 = time.perf_counter()
    ql_rmse, _ = ql_calibrate(chain, q, "heston")
    ql_time = time.perf_counter() - t0
    t0 = time.perf_counter()
    qlb_rmse, _ = ql_calibrate(chain, q, "bates")
    qlb_time = time.perf_counter() - t0
    for model in _MODELS:
        calibrate(chain, model, t_min=0.02, n_starts=0)    # load the numba kernels first
        exact = calibrate(chain, model, t_min=0.02)
        fast = calibrate(chain, model, t_min=0.02, weights="vega")
        peer = {"heston": (ql_rmse, ql_time), "bates": (qlb_rmse, qlb_time)}.get(model)
        rows.append(Row("calibration", f"{model} IV RMSE, exact-IV default", exact.rmse_iv * 100,
                        *(((peer[0] * 100, "QuantLib LM ImpliedVolError") if peer else
                           (fast.rmse_iv * 100, "ours, vega weights"))), unit="vol pts"))
        rows.append(Row("calibration", f"{model} time, exact-IV default", exact.elapsed,
                        *(((peer[1], "QuantLib LM ImpliedVolError") if peer else
                           (fast.elapsed, "ours, vega weights"))), unit="s"))
    F, T, p = 100.0, 7 / 365, (0.1884, 0.4248, -0.247)
    K = np.linspace(80.0, 120.0, 9)
    ref = _vg_reference(F, K, T, *p)
    mix = vg_mixture_put(F, K, T, 1.0, *p)
    cos = cos_price("vg", p, F, K, T, 1.0, False)
    rows.append(Row("pricing", "VG 1-week put max error x F, gamma mixture",
                    float(np.max(np.abs(mix - ref)) / F), float(np.max(np.abs(cos - ref)) / F),
                    "COS (16,384 terms max)", target="1e-8"))
    K4 = np.linspace(70.0, 130.0, 400)
    t_mix = best_time(lambda: vg_mixture_put(F, K4, T, 1.0, *p))
    t_cos = best_time(lambda: cos_price("vg", p, F, K4, T, 1.0, False))
    rows.append(Row("pricing", "VG 1-week 400-strike slice time", t_mix, t_cos, "COS", unit="s"))
    return rows + cgmy_rows() + surface_rows()


def cgmy_rows() -> list[Row]:
    """CGMY with small Y at one week: the COS sum continued past the a-priori bound against the
    same sum stopped at 16,384 terms (the old cap), both against the Lewis/QUADPACK reference."""
    from core.pricing.fourier import cos_price
    from tests.core.pricing.test_fourier_levy import _cgmy_lewis

    rows = []
    S, r, q = 100.0, 0.03, 0.01
    K = np.array([50.0, 70, 80, 90, 97, 100, 103, 110, 125, 150, 200])
    K4 = np.linspace(50.0, 200.0, 400)
    for p in ((1.5, 5.0, 10.0, 0.2), (1.0, 8.0, 12.0, 0.5)):
        for days in (1, 7):
            T = days / 365
            F, D = S * math.exp((r - q) * T), math.exp(-r * T)
            ref = _cgmy_lewis(K, T, p, K >= S)
            new = cos_price("cgmy", p, F, K, T, D, K >= S)
            old = cos_price("cgmy", p, F, K, T, D, K >= S, n_max=1 << 14)
            rows.append(Row("pricing", f"CGMY Y={p[3]} {days}-day max error x S",
                            float(np.max(np.abs(new - ref)) / S),
                            float(np.max(np.abs(old - ref)) / S), "COS stopped at 16,384 terms",
                            target="1e-8 from one week"))
            t_new = best_time(lambda: cos_price("cgmy", p, F, K4, T, D, K4 >= F), repeat=3)
            t_old = best_time(lambda: cos_price("cgmy", p, F, K4, T, D, K4 >= F, n_max=1 << 14),
                              repeat=3)
            rows.append(Row("pricing", f"CGMY Y={p[3]} {days}-day 400-strike slice time", t_new,
                            t_old, "COS stopped at 16,384 terms", unit="s"))
    return rows


def surface_rows() -> list[Row]:
    """eSSVI and the joint calendar-aware SVI against the sequential calendar-aware SVI on the
    synthetic dense short chain (16 expiries, 1 day to 1 year) and the joint one also on the real
    2011 SPX chain (same run; the machine is shared, so compare ratios), and eSSVI against SSVI
    on the one short SPXW expiry of 2018-01-16."""
    import pandas as pd

    from core.data import load_chain
    from core.surface import fit_essvi, fit_ssvi, fit_svi
    from tests.conftest import SHARED_DATA
    from tests.core.surface._short_chain import short_chain

    rows = []
    chain = short_chain()
    fit_essvi(chain)
    free = fit_svi(chain)
    t0 = time.perf_counter()
    cal = fit_svi(chain, calendar=True)
    t_cal = time.perf_counter() - t0
    t0 = time.perf_counter()
    ess = fit_essvi(chain)
    t_ess = time.perf_counter() - t0
    rows.append(Row("surface", "short chain IV RMSE, eSSVI (arbitrage-free)", ess.rmse_iv * 100,
                    cal.rmse_iv * 100, "SVI calendar=True", unit="vol pts",
                    note=f"independent SVI {free.rmse_iv * 100:.3f} (crosses)"))
    rows.append(Row("surface", "short chain fit time, eSSVI", t_ess, t_cal, "SVI calendar=True",
                    unit="s", note=f"independent SVI {free.elapsed:.2f} s"))
    from tests.real_data import spx_2011_chain

    for label, ch in (("short chain", chain), ("SPX 2011-01-24", spx_2011_chain())):
        if label == "short chain":
            ind, seq, t_seq = free, cal, t_cal
        else:
            ind = fit_svi(ch)
            t0 = time.perf_counter()
            seq = fit_svi(ch, calendar=True)
            t_seq = time.perf_counter() - t0
        t0 = time.perf_counter()
        joint = fit_svi(ch, calendar="joint")
        t_joint = time.perf_counter() - t0
        arb = joint.arbitrage()
        rows.append(Row("surface", f"{label} IV RMSE, SVI calendar='joint'", joint.rmse_iv * 100,
                        seq.rmse_iv * 100, "SVI calendar=True", unit="vol pts",
                        note=f"independent SVI {ind.rmse_iv * 100:.3f} (crosses); joint: "
                             f"{arb.n_calendar} calendar / {arb.n_butterfly} butterfly points"))
        rows.append(Row("surface", f"{label} fit time, SVI calendar='joint'", t_joint, t_seq,
                        "SVI calendar=True", unit="s", note="same run, shared machine"))
    df = pd.read_csv(SHARED_DATA / "spxw_2018-01_02.csv", encoding="utf-8-sig")
    df.columns = [c.strip() for c in df.columns]
    day = df[df["quotedate"] == "01/16/2018"]
    spxw = load_chain(day.drop(columns=["underlying"]), spot=float(day["underlying_last"].iloc[0]))
    rows.append(Row("surface", "SPXW 2018-01-16 IV RMSE, eSSVI", fit_essvi(spxw).rmse_iv * 100,
                    fit_ssvi(spxw).rmse_iv * 100, "SSVI", unit="vol pts",
                    note=f"SVI {fit_svi(spxw).rmse_iv * 100:.3f}"))
    return rows
