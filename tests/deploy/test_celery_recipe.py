"""Section 2 of issue 9: the scale-out recipe works as the README writes it.

A real redis-server, the worker started verbatim (``REDIS_URL=... celery -A app:celery_app worker``:
the console script, default prefork pool, default concurrency), the web tier served as ``make run``
serves it; background calibrations of a large chain must equal the in-process result, and a
worker killed mid-job must be reported on the page within ~30 s, after which the job runs again.
"""
from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from benchmarks._dash_http import DashClient
from tests.deploy.chains import large_chain_csv
from tests.deploy.conftest import kept_payload, start_gunicorn, stop

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).parent / "celery"
MODELS = ["vg", "heston"]


def start_worker(redis_url: str, folder: Path, name: str) -> subprocess.Popen:
    # the web's database (uploads are read from the store): on one machine the same SQLite file
    env = {**os.environ, "REDIS_URL": redis_url, "PARITY_DATA_DIR": str(folder / "worker"),
           "DATABASE_URL": f"sqlite:///{folder / 'var' / 'parity.db'}"}
    log = open(folder / f"{name}.log", "w")
    # exactly the README's command line; its own session so the test can kill all its processes
    return subprocess.Popen([str(CELERY), "-A", "app:celery_app", "worker", "-n", f"{name}@%h"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def kill_worker(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=20)


@pytest.fixture
def scaleout(redis_url, tmp_path):
    web = start_gunicorn(tmp_path, REDIS_URL=redis_url)
    workers: list[subprocess.Popen] = []
    yield web, workers
    for w in workers:
        kill_worker(w)
    stop(web)


def _upload(url: str) -> dict:
    """Upload the large chain through the page (kept on the server); the record it answers."""
    upload = {"contents": "data:text/csv;base64," + base64.b64encode(large_chain_csv()).decode(),
              "filename": "large.csv"}
    info = DashClient(url, "/calibration").call("cal-data-info", {"cal-upload-store.data": upload},
                                                ["cal-upload-store.data"])
    assert info.status == 200, info.body
    return info.output("cal-upload-record", "data")


def _values(upload, models, clicks=1) -> dict:
    return {"cal-run.n_clicks": clicks, "cal-upload-record.data": upload, "cal-models.value": models,
            "cal-weights.value": "vega", "cal-warm.value": [], "cal-result.data": None}


def test_readme_worker_runs_large_calibrations_in_prefork_children(scaleout, redis_url, tmp_path):
    from callbacks.calibration import run_models
    from core.data import load_chain

    web, workers = scaleout
    workers.append(start_worker(redis_url, tmp_path, "w1"))
    upload = _upload(web.url)

    def one(_):
        return DashClient(web.url, "/calibration").call("cal-result.data", _values(upload, MODELS),
                                                         ["cal-run.n_clicks"], wait=240)

    with ThreadPoolExecutor(3) as pool:          # more jobs than the two prefork children
        answers = list(pool.map(one, range(3)))
    local = run_models(load_chain(large_chain_csv()), MODELS, weights="vega")   # as the page sent
    log = (tmp_path / "w1.log").read_text()
    assert "ModuleNotFoundError" not in log, log
    for a in answers:
        assert a.status == 200, a
        assert "sideUpdate" not in a.body, a.body["sideUpdate"]      # e.g. the job failed
        assert not a.output("cal-alert", "children"), a.output("cal-alert", "children")
        # the store holds a reference; the forked child's implied vols are in the web's Redis cache
        job = kept_payload(a.output("cal-result", "data"), web.data_dir, redis_url)
        np.testing.assert_allclose(job["market"]["iv"], local["market"]["iv"], rtol=0, atol=1e-12)
        for model in MODELS:
            for name, value in local["results"][model]["params"].items():
                assert job["results"][model]["params"][name] == pytest.approx(value, rel=1e-6)
    assert "exited with 'signal" not in log, log  # no prefork child was killed


def test_worker_killed_mid_job_is_reported_and_the_job_runs_again(scaleout, redis_url, tmp_path):
    web, workers = scaleout
    workers.append(start_worker(redis_url, tmp_path, "w1"))
    client = DashClient(web.url, "/calibration")
    dep = client.dependency("cal-result.data")
    body = client.body(dep, _values(_upload(web.url), ["bates", "merton", "cgmy"]), ["cal-run.n_clicks"])
    handles = client.post(body).json()
    params = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
    deadline = time.monotonic() + 120
    while True:                                   # wait until the job is running on the worker
        time.sleep(0.25)
        data = client.post(body, params).json()
        assert "response" not in data, "the job finished before it could be killed; make it longer"
        if data.get("progress", {}).get("cal-status.children"):
            break
        assert time.monotonic() < deadline, "the worker never started the job"
    kill_worker(workers.pop())
    killed = time.monotonic()
    side: dict = {}
    while True:
        time.sleep(0.25)
        r = client.post(body, params)
        assert r.status_code == 200, (r.status_code, r.text[:500])
        data = r.json()
        side.update(data.get("sideUpdate") or {})     # an end can come over more than one poll
        if "cal-alert" in side or "response" in data:
            break
        assert time.monotonic() - killed < 40, "still 'running' 40 s after the worker died"
    took = time.monotonic() - killed
    print(f"worker killed: the page said so after {took:.1f} s")
    assert "cal-alert" in side, data
    alert = side["cal-alert"]
    assert alert["is_open"] is True
    assert "stopped" in alert["children"] and "Run it again" in alert["children"], alert
    assert took < 30, took
    # run it again on a fresh worker: it completes
    workers.append(start_worker(redis_url, tmp_path, "w2"))
    again = DashClient(web.url, "/calibration").call("cal-result.data", _values(_upload(web.url), ["vg"], 2),
                                                     ["cal-run.n_clicks"], wait=240)
    assert again.status == 200 and not again.output("cal-alert", "children")
    assert "vg" in again.output("cal-result", "data")["results"]


def test_a_celery_job_over_its_time_limit_is_stopped_and_the_worker_goes_on(redis_url, tmp_path):
    """``PARITY_JOB_TIMEOUT_S`` on the Celery branch: a job still running past its limit is
    revoked with terminate (its prefork child is killed), the page says it ran too long, and the
    same worker then runs the next job."""
    web = start_gunicorn(tmp_path, REDIS_URL=redis_url, PARITY_JOB_TIMEOUT_S="1")
    worker = start_worker(redis_url, tmp_path, "w1")
    try:
        client = DashClient(web.url, "/calibration")
        dep = client.dependency("cal-result.data")
        body = client.body(dep, _values(_upload(web.url), ["heston", "bates", "merton", "vg", "cgmy"]), ["cal-run.n_clicks"])
        handles = client.post(body).json()
        params = {"cacheKey": handles["cacheKey"], "job": handles["job"]}
        started = None
        side: dict = {}
        deadline = time.monotonic() + 120
        while True:
            time.sleep(0.25)
            data = client.post(body, params).json()
            if started is None and data.get("progress", {}).get("cal-status.children"):
                started = time.monotonic()            # the worker is running it
            side.update(data.get("sideUpdate") or {})   # an end can come over more than one poll
            if "cal-alert" in side or "response" in data:
                break
            assert time.monotonic() < deadline, "the over-long job was never stopped"
        assert "cal-alert" in side, ("the job finished within 1 s; make it longer", data)
        assert not data.get("response", {}).get("cal-result"), "a result arrived after all"
        alert = side["cal-alert"]
        assert alert["is_open"] is True
        text = alert["children"]
        assert "ran longer than its time limit" in text and "PARITY_JOB_TIMEOUT_S" in text, text
        assert "Run it again" in text
        assert started is not None and time.monotonic() - started < 1 + 15
        from celery import Celery

        task = Celery(broker=f"{redis_url}/0", backend=f"{redis_url}/1").AsyncResult(
            _unsigned_job(handles["job"]))
        deadline = time.monotonic() + 20
        while task.state != "REVOKED" and time.monotonic() < deadline:
            time.sleep(0.25)
        assert task.state == "REVOKED"
        # the worker is still there and runs the next (short) job: VG on the page's sample chain
        again = DashClient(web.url, "/calibration").call(
            "cal-result.data", {**_values(None, ["vg"], 2)}, ["cal-run.n_clicks"], wait=120)
        assert again.status == 200, again
        assert not again.output("cal-alert", "children")
        assert "vg" in again.output("cal-result", "data")["results"]
        assert worker.poll() is None
    finally:
        kill_worker(worker)
        stop(web)


def _unsigned_job(signed: str) -> str:
    """The Celery task id inside Dash's signed job handle (``<id>~<hmac>``)."""
    return signed.rpartition("~")[0]
