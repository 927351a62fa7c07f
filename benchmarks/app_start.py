"""App start time (warm numba cache), idle resident memory, and the first request's latency."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import Row

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as resp:
        resp.read()
        return resp.status


def run() -> list[Row]:
    import psutil

    subprocess.run([sys.executable, "-m", "core.warmup"], cwd=ROOT, check=True,
                   capture_output=True)  # make sure the numba cache is warm
    port = _free_port()
    env = {**os.environ, "PARITY_PORT": str(port), "PARITY_DATA_DIR": tempfile.mkdtemp()}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                if _get(base + "/") == 200:
                    break
            except OSError:
                if time.perf_counter() - t0 > 60:
                    raise RuntimeError("app did not start within 60 s")
                time.sleep(0.02)
        start = time.perf_counter() - t0
        for path in ("/_dash-layout", "/_dash-dependencies"):
            _get(base + path)
        time.sleep(5.0)  # warm-up thread done, app idle
        rss = psutil.Process(proc.pid).memory_info().rss / 2**20
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    first = _first_callback_ms()
    return [
        Row("app", "start to first page (warm numba cache)", start, None, "", "s", "< 3 s",
            "python app.py until GET / is 200"),
        Row("app", "idle resident memory", rss, None, "", "MiB", "< 500 MiB",
            "after start-up and numba warm-up"),
        Row("app", "first Greeks request in a new process", first, None, "", "ms", "no compile",
            "create_app, warm-up thread done, then render()"),
    ]


def _first_callback_ms() -> float:
    code = (
        "import time, threading\n"
        "from app import create_app\n"
        "create_app()\n"
        "for t in threading.enumerate():\n"
        "    if t.name == 'numba-warmup': t.join()\n"
        "from callbacks.greeks import render\n"
        "from components.greeks_state import DEFAULTS\n"
        "t0 = time.perf_counter(); render(dict(DEFAULTS)); print((time.perf_counter() - t0) * 1e3)\n"
    )
    env = {**os.environ, "PARITY_DATA_DIR": tempfile.mkdtemp()}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])
