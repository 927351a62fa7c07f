"""Run every benchmark module and print one table: ``python -m benchmarks [topic ...]``."""
from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"
    return f"{x:.3e}"


def main(argv: list[str]) -> int:
    names = [m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")]
    if argv:
        names = [n for n in names if n in argv]
    names = names if argv else [n for n in names if n != "browser"]  # browser: only when named (chromium, ~2 min)
    rows = []
    for name in sorted(names):
        mod = importlib.import_module(f"benchmarks.{name}")
        print(f"... running benchmarks.{name}", file=sys.stderr, flush=True)
        rows.extend(mod.run())
    header = ("topic", "metric", "ours", "peer", "peer value", "ours/peer", "unit", "target", "note")
    table = [header] + [
        (r.topic, r.metric, _fmt(r.ours), r.peer_name or "-", _fmt(r.peer), _fmt(r.ratio),
         r.unit, r.target, r.note)
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
