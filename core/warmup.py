"""Load (or compile, on a fresh install) every numba kernel the pages use, off the request path."""
from __future__ import annotations

import time

__all__ = ["warm_kernels"]


def warm_kernels() -> float:
    """Call each jitted kernel once on tiny inputs; return the seconds it took.

    Returns
    -------
    float
        Seconds.
    """
    import numpy as np

    from core.pricing import bs_greeks, bs_price, implied_vol

    t0 = time.perf_counter()
    k = np.array([90.0, 110.0])
    bs_price(100.0, k, 0.5, 0.01, 0.0, 0.2, True)
    g = bs_greeks(100.0, k, 0.5, 0.01, 0.0, 0.2, True)
    implied_vol(g.price, 100.0, k, 0.5, 0.01, 0.0, True)
    from core.surface import warm_kernels as warm_surface

    warm_surface()
    from core.pricing.montecarlo import heston_terminal

    heston_terminal(100.0, 0.1, 0.0, 0.0, 0.04, 1.0, 0.04, 0.5, -0.5, 8, 2, rng=0)
    from core.pricing.models import heston_price

    heston_price(100.0, k, 0.5, 0.01, 0.0, 0.04, 1.5, 0.04, 0.5, -0.7, True)
    from core.strategies import build, margin

    margin(build("iron_condor", 100.0, 0.1, vol=0.2))   # the margin kernel (Strategies, Backtest)
    import scipy.optimize  # noqa: F401  (first calibration should not pay the import)
    import scipy.stats.qmc  # noqa: F401
    return time.perf_counter() - t0


if __name__ == "__main__":
    print(f"numba kernels ready in {warm_kernels():.2f} s")
