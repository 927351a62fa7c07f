"""A background job that is alive but hung is stopped after PARITY_JOB_TIMEOUT_S and reported
as failed (issue 9 rest, item 3); job processes get the app's settings through ``job_env``."""
from __future__ import annotations

import os
import time

import diskcache
import psutil
import pytest

from callbacks.jobs import TIMED_OUT, WatchedDiskcacheManager, job_failed, job_timeout


def _hang(key, progress_key, args, context):
    """A job that never finishes by itself (it only sleeps)."""
    time.sleep(600)


def _write_env(key, progress_key, args, context):
    with open(args, "w") as fh:
        fh.write(os.environ.get("DATABASE_URL", "") + "\n" + os.environ.get("PARITY_DATA_DIR", ""))


def _wait_result(manager, key, job, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = manager.get_result(key, job)
        if result is not manager.UNDEFINED:
            return result
        time.sleep(0.1)
    return manager.UNDEFINED


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_a_hung_job_is_stopped_after_its_time_limit_and_reported(tmp_path, monkeypatch, method):
    monkeypatch.setenv("PARITY_JOB_START_METHOD", method)
    manager = WatchedDiskcacheManager(diskcache.Cache(str(tmp_path / "jobs")), timeout=1.5)
    started = time.monotonic()                         # the job cannot be older than this
    job = manager.call_job_fn("k1", _hang, None, {})   # (a fork server's first start is slow)
    assert manager.get_result("k1", job) is manager.UNDEFINED     # alive, within its limit
    assert manager.job_running(job)
    result = _wait_result(manager, "k1", job, 30)
    waited = time.monotonic() - started
    assert result is not manager.UNDEFINED, "the hung job was never reported"
    msg = result["background_callback_error"]["msg"]
    assert TIMED_OUT in msg and "PARITY_JOB_TIMEOUT_S" in msg and "1.5 s" in msg
    # not stopped early: psutil's process start time rests on /proc/stat's boot time, which is
    # whole seconds, so a job's age can read up to 1 s high (the limit here is 1.5 s)
    assert 0.5 <= waited < 15
    # the process was terminated, not left running
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and psutil.pid_exists(job) and \
            psutil.Process(job).status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.1)
    assert not psutil.pid_exists(job) or psutil.Process(job).status() == psutil.STATUS_ZOMBIE


def test_the_page_says_the_job_failed_and_offers_a_rerun():
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    ctx = AttributeDict(updated_props={})
    context_value.set(ctx)
    exc = Exception("An error occurred inside a background callback: " + TIMED_OUT +
                    " (601 s; the limit, PARITY_JOB_TIMEOUT_S, is 600 s).")
    job_failed("cal-alert", what="The calibration")(exc)
    alert = ctx.updated_props["cal-alert"]
    assert alert["is_open"] is True
    assert alert["children"].startswith("The calibration failed: The background job ran longer")
    assert alert["children"].endswith("Run it again.")


def test_timeout_setting(monkeypatch):
    monkeypatch.delenv("PARITY_JOB_TIMEOUT_S", raising=False)
    assert job_timeout() == 600.0
    monkeypatch.setenv("PARITY_JOB_TIMEOUT_S", "42")
    assert job_timeout() == 42.0
    monkeypatch.setenv("PARITY_JOB_TIMEOUT_S", "-1")
    with pytest.raises(ValueError, match="PARITY_JOB_TIMEOUT_S must be > 0"):
        job_timeout()


def test_job_processes_get_the_apps_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PARITY_JOB_START_METHOD", "fork")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    manager = WatchedDiskcacheManager(diskcache.Cache(str(tmp_path / "jobs")),
                                      job_env={"DATABASE_URL": url, "PARITY_DATA_DIR": str(tmp_path)})
    out = tmp_path / "env.txt"
    job = manager.call_job_fn("k2", _write_env, str(out), {})
    psutil.Process(job).wait(20)
    assert out.read_text().splitlines() == [url, str(tmp_path)]
    assert "DATABASE_URL" not in os.environ      # only the job process's environment changed
