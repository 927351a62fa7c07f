"""numba's threading layer and fork safety, set up once before any kernel runs.

Imported first by :mod:`core` (``core/__init__.py``), so it runs before numba in every entry
point that reaches a kernel: the app and its gunicorn workers, Celery workers,
``python -m core.warmup``, tests and benchmarks.

Why
---
numba's default layer here is GNU OpenMP, which is not fork-safe: a process that has run a
``parallel=True`` kernel and then forks (gunicorn workers forking DiskcacheManager jobs,
Celery's prefork children) gets a broken pool in the child, which prints "fork() called from a
process already using GNU OpenMP" and is sent SIGTERM, or computes wrong numbers when the signal
is swallowed. The ``workqueue`` layer is fork-safe but aborts when two Python threads launch
parallel kernels at once (threaded gunicorn workers). Intel TBB (the ``tbb`` wheel, pinned in
requirements.txt) is both fork-safe and thread-safe, so it is the layer chosen here.

The wheel puts ``libtbb.so.12`` in ``<venv>/lib``, which is not on the loader path: numba then
reports "No threading layer could be loaded". :func:`configure` loads the library by its full
path (``RTLD_GLOBAL``) first, so numba's TBB pool module finds it by soname.

A second hazard is independent of the layer: a fork taken while another thread holds numba's
compiler lock (a warm-up thread loading kernels, a request compiling a new signature) gives a
child whose copy of the lock is held by a thread that does not exist there, and the child's first
compile waits for ever. :func:`configure` registers ``os.register_at_fork`` hooks that take the
lock before a fork and release it on both sides, so a fork waits for a compile in progress.

Settings
--------
``NUMBA_THREADING_LAYER``: when set by the user, it is respected (``tbb`` still gets its
library loaded). Unset, it becomes ``tbb`` if the library loads; otherwise numba's default
stays and :data:`LAYER_PROBLEM` says why (the production server refuses to start then).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from pathlib import Path

__all__ = ["configure", "tbb_library", "LAYER_PROBLEM"]

#: Why the fork-safe layer could not be chosen (``None`` when it was).
LAYER_PROBLEM: str | None = None
_configured = False
_fork_state = threading.local()


def tbb_library() -> str | None:
    """Path of a loadable ``libtbb.so.12``: the venv's (tbb wheel) first, then the system's."""
    for prefix in dict.fromkeys((sys.prefix, sys.base_prefix, sys.exec_prefix)):
        candidate = Path(prefix) / "lib" / "libtbb.so.12"
        if candidate.is_file():
            return str(candidate)
    return ctypes.util.find_library("tbb")


def _load_tbb() -> str | None:
    """Load libtbb globally; return ``None`` on success, else the reason it failed."""
    path = tbb_library()
    if path is None:
        return ("libtbb.so.12 was not found (install the pinned 'tbb' package: "
                "pip install -r requirements.txt)")
    try:
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        return f"{path} could not be loaded ({exc})"
    return None


def _compiler_lock():
    module = sys.modules.get("numba.core.compiler_lock")
    return None if module is None else module.global_compiler_lock._lock


def _before_fork() -> None:
    lock = _compiler_lock()
    _fork_state.lock = lock if (lock is not None and lock.acquire(timeout=120)) else None


def _after_fork() -> None:
    lock = getattr(_fork_state, "lock", None)
    _fork_state.lock = None
    if lock is not None:
        lock.release()


def configure() -> str | None:
    """Choose the TBB threading layer (unless the user chose one) and make forks wait for numba's
    compiler lock. Idempotent; returns :data:`LAYER_PROBLEM`."""
    global _configured, LAYER_PROBLEM
    if _configured:
        return LAYER_PROBLEM
    _configured = True
    chosen = os.environ.get("NUMBA_THREADING_LAYER", "").strip().lower()
    if chosen in ("", "tbb"):
        LAYER_PROBLEM = _load_tbb()
        if LAYER_PROBLEM is None:
            os.environ["NUMBA_THREADING_LAYER"] = "tbb"
            config = sys.modules.get("numba.core.config")
            if config is not None:  # numba imported before core: its config already read the env
                config.THREADING_LAYER = "tbb"
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork,
                        after_in_child=_after_fork)
    return LAYER_PROBLEM
