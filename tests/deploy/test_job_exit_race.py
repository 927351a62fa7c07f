"""A finished job's process can vanish between Dash's ``psutil.pid_exists`` and
``psutil.Process``: a forkserver reaps it at once. Seen in CI as "process PID not found" on the
first backtest, whose result was then lost (Dash pops the result before ``terminate_job``)."""
from __future__ import annotations

import subprocess
import sys

import diskcache
import psutil

from callbacks.jobs import WatchedDiskcacheManager


def _gone_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_job_that_exits_in_the_race_window_is_finished_not_an_error(tmp_path, monkeypatch):
    manager = WatchedDiskcacheManager(diskcache.Cache(str(tmp_path / "jobs")))
    pid = _gone_pid()
    monkeypatch.setattr(psutil, "pid_exists", lambda p: True)   # the window: it existed a moment ago
    assert manager.job_running(pid) is False
    manager.terminate_job(pid)                                    # no NoSuchProcess escapes
    manager.handle.set("key", {"answer": 42})
    assert manager.get_result("key", pid) == {"answer": 42}       # the result is delivered
