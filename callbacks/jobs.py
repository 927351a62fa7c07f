"""A watchdog for background callbacks: a job whose process died is reported, not "running" for ever.

Dash's background managers only know that a job has a result or not. When the process running
a job dies (a Celery worker killed mid-job, an out-of-memory kill, a DiskcacheManager job process
killed), the browser used to poll for ever (Celery: the task stays ``STARTED``) or stop silently
with nothing on screen (DiskcacheManager, or a Celery child whose parent marked it failed).

The managers here add one rule to each poll: a job that has no result and is no longer alive is
answered as a failed job (the ``background_callback_error`` value Dash already understands), so
the callback's ``on_error`` handler runs in the web process. :func:`job_failed` builds that
handler: it writes a readable message into the page's alert; the callback then completes, its
``running=`` outputs switch back (the Run button is enabled again) and the user can run it again.

Alive means:

* DiskcacheManager: the job's process exists and is not a zombie (Dash's own check).
* CeleryManager: the task is queued or running **and** its heartbeat is fresh. Each job runs a
  small thread that writes a timestamp to the result backend every :data:`BEAT_S` seconds; a
  heartbeat older than ``stale_after`` (``PARITY_JOB_STALE_S``, default 15 s) means the worker
  process is gone. A job that never started is given ``start_timeout``
  (``PARITY_JOB_START_TIMEOUT_S``, default 600 s: it may be queued behind others).

Alive is not enough: a job that is alive but hung (a deadlock, a solver that never returns) is
stopped after ``timeout`` seconds (``PARITY_JOB_TIMEOUT_S``, default 600 s; from the job process's
start for DiskcacheManager, from the task's first heartbeat for Celery): the poll terminates it
and answers :data:`TIMED_OUT`, and the page says the job failed and offers to run it again.

Job processes have no Flask app, so the few settings a job needs (``DATABASE_URL`` for stored
uploads, ``PARITY_DATA_DIR``) are given to the DiskcacheManager as ``job_env`` and set in each
job process before the job runs (a Celery worker reads them from its own environment).

Each job also gets its own result key. Dash derives the key from the callback's arguments, so two
users starting the same calibration at the same time shared one result: the first poll took it
and the other job ended with nothing to show. Results are not cached (``cache_by`` is unset), so a
unique key per job loses nothing.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable

import dash

log = logging.getLogger(__name__)

__all__ = ["WatchedCeleryManager", "WatchedDiskcacheManager", "job_failed", "DIED", "TIMED_OUT",
           "BEAT_S", "job_timeout"]

#: Seconds between heartbeats of a running Celery job.
BEAT_S = 2.0
#: Message of a job whose process died.
DIED = ("The background job stopped: the process running it died or was stopped "
        "(a worker was restarted or ran out of memory).")
#: Message of a job stopped for running longer than its time limit.
TIMED_OUT = "The background job ran longer than its time limit and was stopped"
#: Default of ``PARITY_JOB_TIMEOUT_S``.
DEFAULT_TIMEOUT_S = 600.0


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {os.environ.get(name)!r}") from None
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def job_timeout() -> float:
    """``PARITY_JOB_TIMEOUT_S``: seconds a background job may run before it is stopped."""
    return _seconds("PARITY_JOB_TIMEOUT_S", DEFAULT_TIMEOUT_S)


def _dead_result(why: str) -> dict:
    return {"background_callback_error": {"msg": f"{DIED} {why}", "tb": ""}}


def _timed_out_result(limit: float, ran: float) -> dict:
    return {"background_callback_error": {
        "msg": f"{TIMED_OUT} ({ran:.0f} s; the limit, PARITY_JOB_TIMEOUT_S, is {limit:g} s).",
        "tb": ""}}


def _job_entry(env: dict, job_fn, *args) -> None:
    """Body of a DiskcacheManager job process: the app's settings into the environment, then
    the job."""
    os.environ.update({k: v for k, v in (env or {}).items() if v})
    return job_fn(*args)


class _OwnKeys:
    """One result key per job (unless results are cached with ``cache_by``)."""

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        key = super().build_cache_key(fn, args, cache_args_to_ignore, triggered)
        return key if self.cache_by is not None else f"{key}-{uuid.uuid4().hex}"


class _OneVerdict:
    """Each poll decides once whether its job is alive.

    Dash's poll asks ``get_result`` and then ``job_running``; when both say "nothing", it answers
    204 (no update) and the browser stops polling. A job that finished between the two calls (its
    result written just after the first read, its process or task ended just before the second)
    was answered that way: the result stayed in the backend and the page never showed it (the
    intermittent 204 of three concurrent Celery calibrations). Here ``get_result`` decides, and
    re-reads the result of a job it finds ended; the ``job_running`` that follows in the same
    request thread repeats that verdict instead of looking again.
    """

    _VERDICT_S = 5.0   # a verdict older than this is not the same poll's

    def _decided(self, job, alive: bool, result):
        if job:
            self._verdicts.last = (job, alive, time.monotonic())
        return result

    def job_running(self, job):
        last = getattr(self._verdicts, "last", None)
        self._verdicts.last = None
        if last is not None and last[0] == job and time.monotonic() - last[2] < self._VERDICT_S:
            return last[1]
        return self._alive(job)


class WatchedDiskcacheManager(_OneVerdict, _OwnKeys, dash.DiskcacheManager):
    """``DiskcacheManager`` whose polls answer a dead job process as a failure, and whose job
    processes come from a fork server (``PARITY_JOB_START_METHOD``, default ``forkserver``;
    ``fork`` for Dash's default).

    Dash forks each job from the thread that handles the request. Under threaded gunicorn workers
    that is not the thread that started numba's TBB pool, and numba warns that TBB "may be in an
    invalid state in the child process". A fork server is a fresh process (started once per web
    worker, with the kernels warmed on its main thread: :mod:`callbacks._job_preload`) that forks
    every job from its main thread, with default signal handlers (not gunicorn's).

    ``job_env``: environment variables set in each job process (the app's ``DATABASE_URL`` and
    ``PARITY_DATA_DIR``); ``timeout``: seconds a job may run (default ``PARITY_JOB_TIMEOUT_S``).
    """

    def __init__(self, cache=None, *args, job_env: dict | None = None,
                 timeout: float | None = None, **kw):
        super().__init__(cache, *args, **kw)
        self._verdicts = threading.local()
        self.job_env = dict(job_env or {})
        self.timeout = timeout or job_timeout()

    def call_job_fn(self, key, job_fn, args, context):
        method = os.environ.get("PARITY_JOB_START_METHOD", "forkserver").strip().lower()
        if method not in ("fork", "forkserver"):
            raise ValueError(f"PARITY_JOB_START_METHOD must be forkserver or fork, got {method!r}")
        import multiprocess

        ctx = multiprocess.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["callbacks._job_preload"])
        process = ctx.Process(target=_job_entry,
                              args=(self.job_env, job_fn, key, self._make_progress_key(key), args,
                                    context),
                              daemon=False)
        process.start()
        return process.pid

    def _age(self, job) -> float | None:
        """Seconds the job process has been running, ``None`` when it is gone."""
        import psutil

        try:
            return time.time() - psutil.Process(int(job)).create_time()
        except (psutil.NoSuchProcess, ValueError, TypeError):
            return None

    def _alive(self, job) -> bool:
        import psutil

        try:
            return dash.DiskcacheManager.job_running(self, job)
        except psutil.NoSuchProcess:  # exited between Dash's pid_exists and Process(): the fork
            return False              # server reaps a finished job at once, so the window is real

    def terminate_job(self, job):
        import psutil

        try:
            super().terminate_job(job)
        except psutil.NoSuchProcess:  # same race: the job has already exited, nothing to stop
            pass

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if result is not self.UNDEFINED or job is None:
            return self._decided(job, False, result)
        if not self._alive(job):
            result = super().get_result(key, job)   # it may have finished since the first read
            if result is self.UNDEFINED:
                result = _dead_result(f"(job process {job} exited without a result)")
            return self._decided(job, False, result)
        age = self._age(job)
        if age is not None and age > self.timeout:
            log.warning("background job %s ran %.0f s, over its %g s limit: stopping it",
                        job, age, self.timeout)
            self.terminate_job(job)
            return self._decided(job, False, _timed_out_result(self.timeout, age))
        return self._decided(job, True, result)


class WatchedCeleryManager(_OneVerdict, _OwnKeys, dash.CeleryManager):
    """``CeleryManager`` with job heartbeats; a job whose heartbeat stopped is a failure."""

    def __init__(self, celery_app, *, stale_after: float | None = None,
                 start_timeout: float | None = None, timeout: float | None = None, **kw):
        super().__init__(celery_app, **kw)
        self._verdicts = threading.local()
        self.stale_after = stale_after or _seconds("PARITY_JOB_STALE_S", 15.0)
        self.start_timeout = start_timeout or _seconds("PARITY_JOB_START_TIMEOUT_S", 600.0)
        self.timeout = timeout or job_timeout()

    def get_or_create_signing_secret(self, generate):
        """The secret that signs background-job handles, created once for every web worker.

        Dash's version reads, writes and reads again, so two workers taking their first
        background request at once can keep different secrets; a poll that reaches the other
        worker then fails verification and the job's result never arrives (answered 204). Here
        the first writer wins atomically (Redis ``SET NX``) and every worker reads that value.
        """
        client = getattr(self.handle.backend, "client", None)
        if client is None or not hasattr(client, "set"):   # not Redis: Dash's own way
            return super().get_or_create_signing_secret(generate)
        existing = client.get(self.SIGNING_SECRET_KEY)
        if existing is not None:
            return existing
        client.set(self.SIGNING_SECRET_KEY, generate(), nx=True)
        return client.get(self.SIGNING_SECRET_KEY)

    @staticmethod
    def _start_key(job) -> str:
        return f"parity-job-started-{job}"

    @staticmethod
    def _beat_key(job) -> str:
        return f"parity-job-heartbeat-{job}"

    @staticmethod
    def _sent_key(job) -> str:
        return f"parity-job-sent-{job}"

    def make_job_fn(self, fn, progress, key=None):
        backend = self.handle.backend

        def beating(*args, **kwargs):
            from celery import current_task

            job = current_task.request.id if current_task else None
            stop = threading.Event()

            def beat():
                while True:
                    try:
                        backend.set(self._beat_key(job), repr(time.time()))
                    except Exception:  # the backend is down: the web side will say so
                        log.warning("job heartbeat could not be written", exc_info=True)
                    if stop.wait(BEAT_S):
                        return

            if job is not None:
                try:
                    backend.set(self._start_key(job), repr(time.time()))
                except Exception:
                    log.warning("job start time could not be written", exc_info=True)
                threading.Thread(target=beat, name="job-heartbeat", daemon=True).start()
            try:
                return fn(*args, **kwargs)
            finally:
                stop.set()

        beating.__name__ = getattr(fn, "__name__", "job")
        beating.__wrapped__ = fn
        return super().make_job_fn(beating, progress, key)

    def call_job_fn(self, key, job_fn, args, context):
        job = super().call_job_fn(key, job_fn, args, context)
        self.handle.backend.set(self._sent_key(job), repr(time.time()))
        return job

    def _stamp(self, key: str) -> float | None:
        raw = self.handle.backend.get(key)
        if raw is None:
            return None
        try:
            return float(raw.decode() if isinstance(raw, bytes) else raw)
        except ValueError:
            return None

    def why_dead(self, job) -> str | None:
        """``None`` while the job is alive, else why it is considered dead."""
        if not dash.CeleryManager.job_running(self, job):
            return f"(task {job} ended as {self.get_task(job).status} without a result)"
        now = time.time()
        beat = self._stamp(self._beat_key(job))
        if beat is not None:
            return None if now - beat <= self.stale_after else (
                f"(no heartbeat for {now - beat:.0f} s)")
        sent = self._stamp(self._sent_key(job))
        if sent is not None and now - sent > self.start_timeout:
            return f"(no worker started it within {self.start_timeout:.0f} s)"
        return None

    def _alive(self, job) -> bool:
        return bool(job) and self.why_dead(job) is None

    def get_result(self, key, job):
        result = super().get_result(key, job)
        if result is not self.UNDEFINED or not job:
            return self._decided(job, False, result)
        why = self.why_dead(job)
        if why is not None:
            result = super().get_result(key, job)   # it may have finished since the first read
            return self._decided(job, False, _dead_result(why) if result is self.UNDEFINED else result)
        started = self._stamp(self._start_key(job))
        if started is not None and time.time() - started > self.timeout:
            ran = time.time() - started
            log.warning("background task %s ran %.0f s, over its %g s limit: stopping it",
                        job, ran, self.timeout)
            self.terminate_job(job)
            return self._decided(job, False, _timed_out_result(self.timeout, ran))
        return self._decided(job, True, result)


def job_failed(alert_id: str, *, what: str = "The job") -> Callable[[Exception], None]:
    """An ``on_error=`` handler for a background callback: the error (a dead job, or anything
    the callback raised) becomes a readable message in the ``dbc.Alert`` ``alert_id``, and the
    callback completes so its Run button comes back."""
    def handler(exc: Exception) -> None:
        text = str(exc)
        if DIED in text or TIMED_OUT in text:
            message = f"{what} failed: {text.split('An error occurred inside a background callback: ')[-1].strip()} Run it again."
        else:
            log.error("background callback failed: %s", text)
            message = f"{what} failed unexpectedly; the error was logged. Run it again."
        dash.set_props(alert_id, {"children": message, "is_open": True})

    return handler
