"""Speed and accuracy comparisons against named peers, run by hand: ``python -m benchmarks``.

Each module ``benchmarks/<topic>.py`` exposes ``run() -> list[Row]``; rows from all modules are
printed as one table. Peers (QuantLib, py_lets_be_rational, ...) are measured in the same run on
the same inputs, so the ratio column is what to read, not the absolute timings.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Row", "best_time", "shared_data"]

#: Real third-party market data beside the project (never inside it): ``../shared/data``.
SHARED_DATA = Path(os.environ.get("PARITY_SHARED_DATA",
                                  Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def shared_data(name: str) -> Path:
    """Path of a real data file in ``../shared/data``; exits with a message naming it if missing."""
    path = SHARED_DATA / name
    if not path.is_file():
        raise SystemExit(f"this benchmark needs the real data file {path} (the shared data "
                         "folder beside the project, or PARITY_SHARED_DATA)")
    return path


@dataclass(frozen=True, slots=True)
class Row:
    """One benchmark line: what was measured, our figure, the peer's, and a note."""

    topic: str
    metric: str
    ours: float
    peer: float | None = None
    peer_name: str = ""
    unit: str = ""
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """ours / peer (for throughput rows a ratio > 1 means we are faster)."""
        if self.peer in (None, 0):
            return None
        return self.ours / self.peer


def best_time(fn, *, repeat: int = 5, number: int = 1) -> float:
    """Best wall time in seconds of ``number`` calls of ``fn`` over ``repeat`` trials."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best
