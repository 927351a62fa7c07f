"""Load: 20 simulated users on the Greeks and Strategies controls, the app served as ``make run``
serves it (gunicorn, ``gunicorn.conf.py``) on loopback; ``python -m benchmarks load``.

Each user is a thread with its own HTTP session (a browser tab): it loads a page and then acts on
its controls, POSTing the ``_dash-update-component`` bodies the page's renderer sends (built from
``/_dash-dependencies`` and the page layout's default values), with a random think time
(exponential, mean 2 s) between actions. Everything is bounded: a fixed number of actions per user
and a wall-clock cap. Reported:

* p50 / p95 latency of the interactions with 20 users and think time (target p95 <= 1 s);
* saturation throughput with no think time, as a ratio to the 3.3 requests/s measured before this
  work (2 sync workers), and to the old serving command measured in the same run
  (``gunicorn app:server -w 2``, sync workers) as the peer;
* response sizes of a Greeks and a Strategies update (target <= 100 kB for Strategies);
* idle/slow clients: two connections that send nothing, two that stall half-way through their
  headers, then the worst latency of five normal requests from another client.

The load generator runs on the same 2 cores as the server (and the machine is shared): latencies
include that contention; read ratios, not absolute figures.
"""
from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from benchmarks import Row
from benchmarks._dash_http import DashClient

ROOT = Path(__file__).resolve().parents[1]
USERS = int(os.environ.get("PARITY_LOAD_USERS", "20"))
ACTIONS = int(os.environ.get("PARITY_LOAD_ACTIONS", "12"))       # per user
THINK_S = 2.0
CAP_S = float(os.environ.get("PARITY_LOAD_CAP_S", "150"))
SATURATION_S = float(os.environ.get("PARITY_LOAD_SATURATION_S", "20"))
OLD_RPS = 3.3            # measured before this work: 2 sync workers, 20 users


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(argv: list[str], data_dir: str) -> tuple[subprocess.Popen, str]:
    """Start a server command (on a free loopback port) and wait until it answers."""
    port = _free_port()
    env = {**os.environ, "PARITY_HOST": "127.0.0.1", "PARITY_PORT": str(port),
           "PARITY_DATA_DIR": data_dir}
    argv = [a.replace("{port}", str(port)) for a in argv]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            if requests.get(url + "/_dash-layout", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"server {argv} did not start")
            time.sleep(0.3)
    time.sleep(8.0)      # the workers' numba warm-up threads finish
    return proc, url


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


# ------------------------------------------------------------------------------------------
# what the pages send
# ------------------------------------------------------------------------------------------
def layout_values(module: str) -> dict:
    """``"id.prop" -> value`` of every component with a string id in a page's default layout."""
    import dash

    if module not in dash.page_registry:   # the registry needs an app (pages register on it)
        from app import Settings, create_app

        create_app(Settings(data_dir=tempfile.mkdtemp(prefix="parity-load-"), warm_numba=False))
    layout = dash.page_registry[module]["layout"]
    values: dict = {"app-theme-switch.value": False}

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
            return
        if not hasattr(node, "to_plotly_json"):
            return
        props = node.to_plotly_json()["props"]
        cid = props.get("id")
        if isinstance(cid, str):
            for k, v in props.items():
                if k not in ("id", "children"):
                    values[f"{cid}.{k}"] = v
        walk(props.get("children"))

    walk(layout() if callable(layout) else layout)
    return values


class User:
    """One browser tab acting on a page's controls."""

    def __init__(self, url: str, page: str, rng: random.Random):
        self.rng, self.page = rng, page
        self.client = DashClient(url, f"/{page}")
        module = "pages.greeks" if page == "greeks" else "pages.strategies"
        self.values = layout_values(module)
        self.samples: list[tuple[str, float, int, int]] = []   # (kind, seconds, status, bytes)
        if page == "strategies":
            # a query-less visit first asks sessionStorage for the tab's last view; with none saved the
            # page's clientside callback clears ``st-fresh`` and the views are computed. Without this the
            # server answers every update with no_update (28 bytes), which measures nothing.
            self.values["st-fresh.data"] = False
            self._place_legs()

    def _call(self, kind: str, output: str, changed: str):
        t0 = time.perf_counter()
        try:
            a = self.client.call(output, self.values, [changed])
        except requests.RequestException:        # counted as an error, the user goes on
            self.samples.append((kind, time.perf_counter() - t0, 0, 0))
            return None
        status = a.status
        target = output.strip(".").split(".")[0]
        if status == 200 and target not in ((a.body or {}).get("response") or {}):
            status = 299   # answered without computing the output asked for: an error, not a fast reply
        self.samples.append((kind, a.seconds, status, a.size))
        return a

    def _place_legs(self):
        a = self._call("strategies legs", "..st-legs.rowData...st-spot.value", "st-template.value")
        if a is not None and a.status == 200:
            self.values["st-legs.rowData"] = a.body["response"]["st-legs"]["rowData"]

    def act(self) -> None:
        r = self.rng
        if self.page == "greeks":
            prop, value = r.choice([
                ("greeks-vol.value", r.uniform(5, 80)), ("greeks-spot.value", r.uniform(80, 120)),
                ("greeks-greek.value", r.choice(["delta", "gamma", "vega", "theta"])),
                ("greeks-view.value", r.choice(["surface", "heatmap", "slices"])),
                ("greeks-rate.value", r.uniform(0, 6))])
            self.values[prop] = value
            self._call("greeks update", "..greeks-graph.figure", prop)
        else:
            prop, value = r.choice([
                ("st-spot-shift.value", r.uniform(-10, 10)), ("st-vol-shift.value", r.uniform(-10, 10)),
                ("st-days-fwd.value", r.randint(0, 20)), ("st-vol-mode.value", None)])
            if prop == "st-vol-mode.value":
                options = self.values.get("st-vol-mode.options") or []
                choices = [o["value"] if isinstance(o, dict) else o for o in options]
                value = r.choice(choices) if choices else self.values.get(prop)
            self.values[prop] = value
            self._call("strategies update", "..st-payoff.figure", prop)


def run_users(url: str, users: int, actions: int, think: float, cap_s: float, seed: int = 0):
    """Run ``users`` tabs (half Greeks, half Strategies); return (samples, seconds)."""
    rng = random.Random(seed)
    tabs = [User(url, "greeks" if i % 2 == 0 else "strategies", random.Random(rng.random()))
            for i in range(users)]
    for t in tabs:
        t.samples.clear()           # page set-up is not part of the measurement
    stop_at = time.monotonic() + cap_s

    def loop(tab: User):
        for _ in range(actions):
            if think:
                time.sleep(min(tab.rng.expovariate(1.0 / think), 10.0))
            if time.monotonic() > stop_at:
                return
            tab.act()

    threads = [threading.Thread(target=loop, args=(t,)) for t in tabs]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return [s for t in tabs for s in t.samples], time.monotonic() - t0


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def saturation(url: str, seconds: float = SATURATION_S, users: int = 8) -> tuple[float, int]:
    samples, took = run_users(url, users, actions=10_000, think=0.0, cap_s=seconds, seed=1)
    ok = [s for s in samples if s[2] == 200]
    return len(ok) / took, len(samples) - len(ok)


def slow_clients(url: str, n: int = 2) -> float:
    """Worst latency of a normal request while ``n`` connections sit idle (connected, nothing
    sent) and ``n`` more stall half-way through their request headers."""
    host, port = url.split("//")[1].split(":")
    held = []
    try:
        for _ in range(n):
            held.append(socket.create_connection((host, int(port)), timeout=60))       # idle
            s = socket.create_connection((host, int(port)), timeout=60)
            s.sendall(b"POST /_dash-update-component HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
            held.append(s)                                                              # stalled
        time.sleep(1.0)
        worst = 0.0
        for _ in range(5):
            t0 = time.perf_counter()
            try:
                with requests.Session() as fresh:
                    fresh.get(url + "/_dash-layout", timeout=20)
                worst = max(worst, time.perf_counter() - t0)
            except requests.RequestException:
                worst = 20.0
        return worst
    finally:
        for s in held:
            s.close()


def _measure(argv: list[str], *, with_users: bool) -> dict:
    proc, url = serve(argv, tempfile.mkdtemp(prefix="parity-load-"))
    try:
        out = {}
        if with_users:
            samples, took = run_users(url, USERS, ACTIONS, THINK_S, CAP_S)
            out["samples"], out["took"] = samples, took
        out["rps"], out["errors"] = saturation(url)
        out["slow"] = slow_clients(url)
        return out
    finally:
        _stop(proc)


def run() -> list[Row]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    ours = _measure([gunicorn, "-c", "gunicorn.conf.py"], with_users=True)
    old = _measure([gunicorn, "app:server", "-w", "2", "-b", "127.0.0.1:{port}", "--timeout", "120"],
                   with_users=True)
    samples = ours["samples"]
    rows = []
    for kind in ("greeks update", "strategies update"):
        lat = [s[1] for s in samples if s[0] == kind and s[2] == 200]
        sizes = [s[3] for s in samples if s[0] == kind and s[2] == 200]
        errors = sum(1 for s in samples if s[0] == kind and s[2] != 200)
        note = f"{len(lat)} requests, {errors} errors, {USERS} users, think ~Exp(2 s)"
        rows.append(Row("load", f"{kind} p50 latency", _pct(lat, 0.5), unit="s", note=note))
        rows.append(Row("load", f"{kind} p95 latency", _pct(lat, 0.95), unit="s", target="<= 1 s", note=note))
        rows.append(Row("load", f"{kind} response size (median)",
                        statistics.median(sizes) / 1000 if sizes else float("nan"), unit="kB",
                        target="<= 100 kB" if kind.startswith("strategies") else "",
                        note="Strategies payload is desk's work" if kind.startswith("strategies") else ""))
    all_lat = [s[1] for s in samples if s[2] == 200]
    old_lat = [s[1] for s in old["samples"] if s[2] == 200]
    rows.append(Row("load", "all interactions p95 latency", _pct(all_lat, 0.95), _pct(old_lat, 0.95),
                    "gunicorn -w 2 (sync)", "s", "<= 1 s",
                    f"{len(all_lat)} requests in {ours['took']:.0f} s (peer: {len(old_lat)})"))
    rows.append(Row("load", "all interactions p50 latency", _pct(all_lat, 0.5), _pct(old_lat, 0.5),
                    "gunicorn -w 2 (sync)", "s", "", "same users, same seed"))
    rows.append(Row("load", "saturation throughput vs before (3.3 req/s)", ours["rps"], OLD_RPS,
                    "3.3 req/s (issue 9)", "req/s", ">= 5x", f"8 users, no think time, {ours['errors']} errors"))
    rows.append(Row("load", "saturation throughput vs sync workers, same run", ours["rps"], old["rps"],
                    "gunicorn -w 2 (sync)", "req/s", "", "same load on the old serving command"))
    rows.append(Row("load", "request latency with 2 idle + 2 stalled connections", ours["slow"], old["slow"],
                    "gunicorn -w 2 (sync)", "s", "< 1 s", "worst of 5 requests; 20 = timed out"))
    return rows
