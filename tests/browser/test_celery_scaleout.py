"""The scale-out path end to end: a real redis-server, a real Celery worker process, and the app
built with REDIS_URL; a calibration started in the browser runs on the worker."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker(redis_url, tmp_path):
    env = {**os.environ, "REDIS_URL": redis_url, "PARITY_DATA_DIR": str(tmp_path / "worker")}
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app:celery_app", "worker",
                             "--concurrency=1", "--pool=solo", "--loglevel=INFO"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while "ready" not in (tmp_path / "worker.log").read_text():
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("celery worker did not start:\n" + (tmp_path / "worker.log").read_text())
        time.sleep(0.2)
    yield tmp_path / "worker.log"
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_calibration_runs_on_a_celery_worker(dash_duo, redis_url, worker, tmp_path):
    from app import Settings, create_app

    app = create_app(Settings(data_dir=str(tmp_path / "web"), redis_url=redis_url, warm_numba=False))
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/calibration?models=merton&show=merton")
    from core.data import sample_chain          # the embedded default: the modelled chain
    n_otm = len(sample_chain().otm_quotes(0.6, 1.4))
    dash_duo.wait_for_contains_text("#cal-data-info", f"{n_otm} OTM quotes", timeout=20)
    dash_duo.find_element("#cal-run").click()
    dash_duo.wait_for_contains_text("#cal-params", "Merton", timeout=90)
    assert "succeeded" in worker.read_text()           # the job ran in the worker process
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []


def test_a_portfolio_optimised_on_a_celery_worker_is_drawn_from_the_shared_cache(dash_duo, redis_url, worker, tmp_path,
                                                                                 monkeypatch):
    """The worker keeps the allocation in the Redis cache and sends the page a reference; the web
    process (another data folder: nothing shared but Redis) draws it from there."""
    import json

    from app import Settings, create_app

    app = create_app(Settings(data_dir=str(tmp_path / "web"), redis_url=redis_url, warm_numba=False))
    dash_duo.start_server(app)
    dash_duo.driver.get(dash_duo.server_url + "/portfolio?obj=min_variance&wmax=30")
    dash_duo.wait_for_contains_text("#pf-summary", "Minimum variance", timeout=40)
    import redis

    kv = redis.Redis.from_url(f"{redis_url}/2")
    first = json.loads(dash_duo.driver.execute_script("return sessionStorage.getItem('pf-result')"))
    assert kv.delete(*kv.keys(f"*portfolio:{first['token']}")) == 1   # the first load's (web) copy
    import callbacks.portfolio

    def _no_solve(*_a, **_k):
        raise AssertionError("the web process solved again: the worker's allocation was not in Redis")
    monkeypatch.setattr(callbacks.portfolio, "allocate", _no_solve)   # only the worker may solve now
    before = worker.read_text().count("succeeded")
    dash_duo.driver.execute_script("document.getElementById('pf-run').click()")   # Optimise: the job
    deadline = time.time() + 90
    while worker.read_text().count("succeeded") == before and time.time() < deadline:
        time.sleep(0.3)
    assert worker.read_text().count("succeeded") > before        # the job ran in the worker process
    dash_duo.wait_for_contains_text("#pf-summary", "Minimum variance", timeout=20)
    ref = json.loads(dash_duo.driver.execute_script("return sessionStorage.getItem('pf-result')"))
    assert ref["token"] and "allocation" not in ref
    assert ref["token"] == first["token"] and kv.keys(f"*portfolio:{ref['token']}")   # the worker's
    time.sleep(2.0)                                                 # the page has drawn the job's result
    dash_duo.wait_for_contains_text("#pf-weights .gtitle", "Weights", timeout=20)
    assert "no longer" not in dash_duo.find_element("#pf-weights").text
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
