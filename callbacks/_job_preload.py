"""Loaded once by the fork server that starts DiskcacheManager job processes (see
:mod:`callbacks.jobs`): the callback modules (job functions unpickle by reference to them) and the
numba kernels, so each forked job starts warm. The fork server runs kernels on its main thread,
the thread numba's TBB pool belongs to, so numba shuts the pool down cleanly before each fork."""
import callbacks  # noqa: F401  (registers the callbacks, whose functions the jobs run)
from core.warmup import warm_kernels

warm_kernels()
