"""The sweep's scale-out path end to end: a real redis-server, a real Celery worker process
(``celery -A app:celery_app worker``) running the grid chunks; the walk-forward result equals
the local one."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.backtest import Rules, walk_forward

ROOT = Path(__file__).resolve().parents[3]
GRID = {"delta": [0.10, 0.16, 0.25], "width": [25.0, 50.0]}


@pytest.fixture
def worker(redis_url, tmp_path):
    env = {**os.environ, "REDIS_URL": redis_url, "PARITY_DATA_DIR": str(tmp_path / "worker")}
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app:celery_app", "worker",
                             "--concurrency=1", "--pool=solo", "--loglevel=INFO"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while "ready" not in log_path.read_text():
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("celery worker did not start:\n" + log_path.read_text())
        time.sleep(0.2)
    yield log_path
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # result GC after redis stops
def test_sweep_chunks_on_celery_equal_the_local_run(history, redis_url, worker, tmp_path):
    from app import Settings, create_app
    from callbacks.backtest import celery_mapper

    create_app(Settings(data_dir=str(tmp_path / "web"), redis_url=redis_url, warm_numba=False))
    local = walk_forward(history, Rules(), GRID, train=15, test=8,
                         mapper=lambda fn, args: [fn(*a) for a in args])
    remote = walk_forward(history, Rules(), GRID, train=15, test=8, chunk_size=2,
                          mapper=celery_mapper({"source": "real"}, timeout=240))
    assert worker.read_text().count("parity.backtest.evaluate_chunk") >= 3   # 3 chunks ran there
    assert "succeeded" in worker.read_text()
    assert remote.chosen == local.chosen
    assert np.array_equal(remote.returns, local.returns)
    fin = np.isfinite(local.in_sample)
    assert np.array_equal(remote.in_sample[fin], local.in_sample[fin])
    assert remote.oos_equity.tolist() == local.oos_equity.tolist()
