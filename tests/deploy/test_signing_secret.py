"""Every web worker must sign background-job handles with the same secret.

Without a ``PARITY_SECRET_KEY``, Dash signs each background job's ``cacheKey``/``job`` handles
with a secret that the first worker to need one stores in the result backend. Dash's
``CeleryManager`` creates it with a get, a set and a get again: two gunicorn workers taking their
first background request at the same moment (three users starting calibrations on a fresh
deployment) can each keep a different secret. A poll that a browser's new connection then sends to
the other worker fails verification and is answered 204 (no update): the job's result never
reaches the page. That was the intermittent failure of ``test_celery_recipe``'s three concurrent
calibrations. ``WatchedCeleryManager`` stores the secret with Redis ``SET NX``: the first writer
wins, every worker reads the stored value.
"""
from __future__ import annotations

import threading
import time

import pytest

N_WORKERS = 4


def _manager(redis_url: str, cls):
    from celery import Celery

    celery = Celery("secret-test", broker=f"{redis_url}/0", backend=f"{redis_url}/1")
    return cls(celery)


def _secrets_of_workers(redis_url: str, cls) -> list[bytes]:
    """Each "worker" (its own Celery app and manager, as each gunicorn process has) asks for the
    secret at once; all generate before any stores, then they store one after another."""
    managers = [_manager(redis_url, cls) for _ in range(N_WORKERS)]
    everyone_generated = threading.Barrier(N_WORKERS)
    out: list[bytes | None] = [None] * N_WORKERS

    def worker(i: int) -> None:
        def generate() -> bytes:
            everyone_generated.wait(timeout=10)   # all found the store empty
            time.sleep(0.15 * i)                 # then they write in turn
            return f"secret-of-worker-{i}".encode()

        value = managers[i].get_or_create_signing_secret(generate)
        out[i] = value.encode() if isinstance(value, str) else bytes(value)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N_WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(v is not None for v in out), out
    return out


def test_concurrent_first_requests_agree_on_one_signing_secret(redis_url):
    from callbacks.jobs import WatchedCeleryManager

    secrets = _secrets_of_workers(redis_url, WatchedCeleryManager)
    assert len(set(secrets)) == 1, secrets
    assert secrets[0] == b"secret-of-worker-0"          # the first writer's, kept by everyone
    # and a worker started later reads the same one without generating
    late = _manager(redis_url, WatchedCeleryManager).get_or_create_signing_secret(
        lambda: pytest.fail("a stored secret must be reused, not replaced"))
    assert (late.encode() if isinstance(late, str) else bytes(late)) == secrets[0]


def test_dash_s_own_celery_manager_has_the_race(redis_url):
    """The independent check that the test above can fail: Dash's get/set/get keeps several
    secrets under the same interleaving."""
    import dash

    secrets = _secrets_of_workers(redis_url, dash.CeleryManager)
    assert len(set(secrets)) > 1, secrets
