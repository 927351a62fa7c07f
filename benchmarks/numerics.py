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
    return rows
