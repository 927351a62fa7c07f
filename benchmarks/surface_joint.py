"""Joint (calendar-aware) SVI against the sequential calendar refit and independent slices on the
real SPX chain of 2011-01-24 (``../shared/data``, not shipped): wall time as same-run ratios,
IV RMSE, and crossing expiry pairs (``core.surface.crossed_expiries``, k in [-1.5, 1.5]).

``python -m benchmarks surface_joint``. The machine is shared: read the ratios, not the seconds.
"""
from __future__ import annotations

from benchmarks import Row, best_time


def run() -> list[Row]:
    from benchmarks import shared_data
    from core.data import load_chain
    from core.surface import crossed_expiries, fit_svi, warm_kernels

    warm_kernels()
    chain = load_chain(shared_data("spx_2011-01-24.csv"))
    fits = {c: fit_svi(chain, calendar=c) for c in (False, True, "joint")}
    t = {c: best_time(lambda c=c: fit_svi(chain, calendar=c), repeat=3) for c in fits}
    pairs = len(fits[False].params) - 1
    rows = [Row("surface", "SVI joint fit time vs sequential", t["joint"], t[True],
                "sequential (calendar=True)", "s", note="best of 3, same run"),
            Row("surface", "SVI joint fit time vs independent", t["joint"], t[False],
                "independent slices", "s", note="best of 3, same run")]
    for c, name in ((False, "independent"), (True, "sequential"), ("joint", "joint")):
        f = fits[c]
        rows.append(Row("surface", f"SVI {name}: IV RMSE / crossing pairs", f.rmse_iv * 100,
                        unit="vol pts",
                        note=f"{len(crossed_expiries(f))} of {pairs} adjacent expiry pairs cross; "
                             f"arbitrage() calendar free: {f.arbitrage().calendar_free}"))
    return rows
