"""Two versions of the app, measured in the same run: ``python -m benchmarks._browser_paired OTHER_TREE``.

Timings on a shared machine swing by 2-4x between minutes, so a "before" and an "after" measured
one after the other say little. This serves the app of this worktree and the app of another
checkout (``OTHER_TREE``, e.g. ``git worktree add /tmp/before main`` or ``git archive main | tar
-x -C /tmp/before``) side by side, each in its own process on a free loopback port, drives one
headless chromium per app, and alternates the same actions between them (A, B, A, B, ...), so both
see the same load. Each row gives both medians and their ratio; the measurements are those of
``benchmarks.browser`` (click -> redrawn -> settled; first loads in a new browser session).
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Row
from benchmarks import browser as B

REPEAT = 6
_SERVER = r"""
import os, sys, tempfile, time
sys.path.insert(0, os.getcwd())
from benchmarks.browser import _serve
from app import Settings, create_app
app = create_app(Settings(data_dir=tempfile.mkdtemp(prefix="parity-paired-"), warm_numba=True))
_serve(app, int(sys.argv[1]))
print("ready", flush=True)
time.sleep(24 * 3600)
"""
_LOADS = (("/strategies", "#st-payoff .gtitle"), ("/portfolio", "#pf-summary .card"),
          ("/greeks", "#greeks-graph .main-svg"), ("/calibration", ".js-plotly-plot .main-svg"))


def _start(tree: Path, scratch: str) -> tuple[subprocess.Popen, str]:
    port = B._free_port()
    env = {**os.environ, "XDG_CONFIG_HOME": scratch, "XDG_CACHE_HOME": scratch}
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, str(port)], cwd=str(tree), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "ready" not in line:
        proc.kill()
        raise RuntimeError(f"the app in {tree} did not start")
    return proc, f"http://127.0.0.1:{port}"


def measure(other: Path, repeat: int = REPEAT) -> list[dict]:
    """Paired medians: page, what, metric, ours, theirs (ms)."""
    here = Path(__file__).resolve().parents[1]
    scratch = tempfile.mkdtemp(prefix="parity-paired-")
    procs, drivers, bases = [], [], []
    try:
        for name, tree in (("ours", here), ("theirs", other)):
            proc, base = _start(tree, scratch)
            procs.append(proc)
            bases.append(base)
            drivers.append(B._driver(os.path.join(scratch, f"chrome-{name}")))
        time.sleep(3.0)  # both apps warm their kernels and data
        for d, base in zip(drivers, bases):
            B._load(d, base + "/strategies", "#st-payoff", "#st-payoff .gtitle")
        out = []
        for path, ready in _LOADS:
            res = {0: [], 1: []}
            for i in range(max(2, repeat // 2)):
                for k in (0, 1) if i % 2 == 0 else (1, 0):
                    res[k].append(B._load(drivers[k], bases[k] + path, None, ready)[0])
            out.append(dict(page=path, what="first load", metric="settled",
                            ours=statistics.median(res[0]), theirs=statistics.median(res[1])))
        for d, base in zip(drivers, bases):
            B._load(d, base + "/strategies", None, "#st-payoff .main-svg")
        actions = [B._strategy_actions(d, base) for d, base in zip(drivers, bases)]
        for j, (what, _, _) in enumerate(actions[0]):
            res = {0: [], 1: []}
            for i in range(repeat):
                for k in (0, 1) if i % 2 == 0 else (1, 0):
                    _, there, back = actions[k][j]
                    res[k].append(B._act(drivers[k], "#st-payoff", there if i % 2 == 0 else back))
            for metric, idx in (("redrawn", 0), ("settled", 1), ("last response", 4)):
                vals = [[r[idx] for r in res[k] if r[idx] is not None] for k in (0, 1)]
                if all(vals):
                    out.append(dict(page="/strategies", what=what, metric=metric,
                                    ours=statistics.median(vals[0]), theirs=statistics.median(vals[1])))
        return out
    finally:
        for d in drivers:
            d.quit()
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(scratch, ignore_errors=True)


def run(other: str | None = None) -> list[Row]:
    other = other or os.environ.get("PARITY_PAIRED_OTHER")
    if not other:
        raise SystemExit("name the other checkout: python -m benchmarks._browser_paired /path/to/tree "
                         "(or PARITY_PAIRED_OTHER)")
    return [Row("browser-paired", f"{m['page']} {m['what']}: {m['metric']}", m["ours"], m["theirs"],
                "other tree", unit="ms") for m in measure(Path(other).resolve())]


if __name__ == "__main__":
    rows = run(sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"{'metric':52s} {'this tree':>10s} {'other':>10s} {'ratio':>7s}")
    for r in rows:
        print(f"{r.metric:52s} {r.ours:10.0f} {r.peer:10.0f} {r.ratio:7.2f}")
