"""gunicorn settings for Parity: what ``make run`` serves (``gunicorn -c gunicorn.conf.py``).

Threaded workers (``gthread``): each worker process answers up to ``PARITY_THREADS`` requests at
once, and idle keep-alive connections wait in the worker's poller, not in a thread, so a few
idle or slow clients cannot stall everyone (with ``sync`` workers two idle connections blocked
both workers). numba kernels are called from several threads at once: that is safe with the TBB
threading layer that ``core`` selects on import (``core/_numba_env.py``), which is also
fork-safe for the DiskcacheManager's job processes.

Environment (all optional):

============================  =========================================================
``PARITY_HOST``/``PARITY_PORT``  where to listen (default ``127.0.0.1:8050``)
``PARITY_WORKERS``            worker processes (default 2)
``PARITY_THREADS``            threads per worker (default 8)
``PARITY_TIMEOUT``            seconds a worker may be silent before it is restarted (120)
============================  =========================================================

Behind a reverse proxy (nginx, see the README) that buffers slow uploads and slow readers.
"""
import os

wsgi_app = "app:server"
bind = f"{os.environ.get('PARITY_HOST', '127.0.0.1')}:{os.environ.get('PARITY_PORT', '8050')}"
workers = int(os.environ.get("PARITY_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("PARITY_THREADS", "8"))
timeout = int(os.environ.get("PARITY_TIMEOUT", "120"))   # a stuck worker is restarted
graceful_timeout = 30
keepalive = 75                # idle keep-alive connections wait (in the poller, no thread) 75 s:
                              # longer than a user's pause, so a reused connection is not closed
                              # just as the next request is sent (that race reset ~8% of requests
                              # at 5 s with 2 s think times)
worker_connections = 200      # connections per worker (idle ones cost no thread)
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
control_socket_disable = True
accesslog = os.environ.get("PARITY_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("PARITY_LOG_LEVEL", "info")
proc_name = "parity"


def on_starting(server):
    """Refuse to serve on a threading layer that breaks under fork or threads."""
    import core._numba_env as env

    problem = env.configure()
    if problem is not None:
        raise SystemExit(f"Parity: numba's fork- and thread-safe TBB layer is unavailable: {problem}")
