"""Speed and accuracy comparisons against named peers, run by hand: ``python -m benchmarks``.

Each module ``benchmarks/<topic>.py`` exposes ``run() -> list[Row]``; rows from all modules are
printed as one table. Peers (QuantLib, py_lets_be_rational, ...) are measured in the same run on
the same inputs, so the ratio column is what to read, not the absolute timings.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

__all__ = ["Row", "best_time"]


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
