"""A job that finishes while a poll is looking at it still delivers its result.

Dash answers a poll by asking the manager ``get_result`` and then ``job_running``; "no result"
and "not running" make a 204 that ends the browser's polling. A job finishing between those reads
(its result written just after the first, its task or process ended just before the second) was
answered that way and its result never reached the page: one of three concurrent Celery
calibrations in ``tests/deploy/test_celery_recipe.py`` answered 204 about one run in three.

Each test plays Dash's own poll handler (``dash._callback._handle_rest_background_callback``)
against a real Redis-backed Celery manager or a real diskcache with a real job process, and makes
the job finish at the worst moment. The poll, or the next one, must return the result.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import diskcache
import pytest
from dash._callback import _handle_rest_background_callback
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash._utils import to_json

from callbacks.jobs import WatchedCeleryManager, WatchedDiskcacheManager

RESULT = {"answer": 42}


def _poll(manager, key, job):
    """One poll as Dash makes it: ``"no update"`` (a 204), ``"running"`` or the result."""
    context_value.set(AttributeDict(updated_props={}))
    value, _has_update, undefined = _handle_rest_background_callback(
        manager.get_result(key, job), manager, {}, None, None, False, cache_key=key, job_id=job)
    if undefined:
        return "running"
    if type(value).__name__ == "NoUpdate":
        return "no update"
    return value


def _polls_until_answer(manager, key, job, n=3):
    seen = []
    for _ in range(n):
        seen.append(_poll(manager, key, job))
        if seen[-1] != "running":
            break
    return seen


# --------------------------------------------------------------------------------------------
# Celery over a real Redis
# --------------------------------------------------------------------------------------------
@pytest.fixture
def celery_job(redis_url):
    from celery import Celery

    app = Celery("poll-race", broker=f"{redis_url}/0", backend=f"{redis_url}/1")
    manager = WatchedCeleryManager(app)
    backend = app.backend
    job, key = uuid.uuid4().hex, f"result-{uuid.uuid4().hex}"
    backend.store_result(job, None, "STARTED")                 # the task is running on a worker
    backend.set(manager._beat_key(job), repr(time.time()))     # with a fresh heartbeat
    backend.set(manager._start_key(job), repr(time.time()))

    def finish():
        backend.set(key, json.dumps(RESULT))                   # what Dash's job does last,
        backend.store_result(job, None, "SUCCESS")             # then the task returns

    return manager, backend, key, job, finish


def _finish_on_read(backend, monkeypatch, which: str, finish):
    """Make the job finish right after the poll's first read of key ``which``."""
    real_get = backend.get
    state = {"done": False}

    def get(k):
        value = real_get(k)
        if not state["done"] and k == which:
            state["done"] = True
            finish()
        return value

    monkeypatch.setattr(backend, "get", get)


def test_celery_job_finishing_after_the_result_read(celery_job, monkeypatch):
    manager, backend, key, job, finish = celery_job
    _finish_on_read(backend, monkeypatch, key, finish)   # result read finds nothing, then it lands
    seen = _polls_until_answer(manager, key, job)
    assert seen[-1] == RESULT, seen


def test_celery_job_finishing_after_the_alive_check(celery_job, monkeypatch):
    manager, backend, key, job, finish = celery_job
    # the heartbeat is the last thing the alive check reads: the task ends just after it
    _finish_on_read(backend, monkeypatch, manager._beat_key(job), finish)
    seen = _polls_until_answer(manager, key, job)
    assert seen[-1] == RESULT, seen


def test_celery_job_that_really_died_is_still_reported(celery_job):
    manager, backend, key, job, _finish = celery_job
    backend.store_result(job, None, "FAILURE")        # ended, and no result was ever written
    context_value.set(AttributeDict(updated_props={}))
    result = manager.get_result(key, job)
    assert "background_callback_error" in result and "ended as FAILURE" in result[
        "background_callback_error"]["msg"]
    assert manager.job_running(job) is False


# --------------------------------------------------------------------------------------------
# DiskcacheManager with a real job process
# --------------------------------------------------------------------------------------------
@pytest.fixture
def disk_job(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    cache = diskcache.Cache(str(tmp_path / "jobs"))
    manager = WatchedDiskcacheManager(cache, timeout=600)
    key = f"result-{uuid.uuid4().hex}"

    def finish():
        cache.set(key, RESULT)
        proc.kill()
        proc.wait(timeout=10)                  # reaped: the pid no longer exists

    yield manager, cache, key, proc.pid, finish
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=10)
    cache.close()


def test_diskcache_job_finishing_after_the_result_read(disk_job, monkeypatch):
    manager, cache, key, job, finish = disk_job
    real_get = cache.get
    state = {"done": False}

    def get(k, default=None, *a, **kw):
        value = real_get(k, default, *a, **kw)
        if k == key and not state["done"]:
            state["done"] = True
            finish()
        return value

    monkeypatch.setattr(manager.handle, "get", get)
    seen = _polls_until_answer(manager, key, job)
    assert seen[-1] == RESULT, seen


def test_diskcache_job_finishing_after_the_alive_check(disk_job, monkeypatch):
    manager, cache, key, job, finish = disk_job
    real_age = manager._age
    state = {"done": False}

    def age(j):                                 # read just after the alive check
        value = real_age(j)
        if not state["done"]:
            state["done"] = True
            finish()
        return value

    monkeypatch.setattr(manager, "_age", age)
    seen = _polls_until_answer(manager, key, job)
    assert seen[-1] == RESULT, seen


def test_diskcache_job_that_really_died_is_still_reported(disk_job):
    manager, cache, key, job, _finish = disk_job
    import os
    import signal

    os.kill(job, signal.SIGKILL)
    import psutil

    for _ in range(100):                        # wait until the pid is a zombie or gone
        try:
            if psutil.Process(job).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    result = manager.get_result(key, job)
    assert "background_callback_error" in result and "exited without a result" in result[
        "background_callback_error"]["msg"]
    assert to_json(result)
