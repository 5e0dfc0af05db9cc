"""Threads: the shared pool, the one thread-count resolver, and row chunking.

Compiled kernels release the GIL, so plain Python threads give real parallelism. Every module of
ngb that runs work on several threads does it through this module:

- :func:`resolve_n_threads` turns an ``n_jobs`` / ``n_threads`` value into a thread count, with
  one meaning everywhere: None and -1 are all cores, -2 all but one, a positive int that many
  (at most the number of cores).
- :func:`map_chunks` calls ``func(start, stop)`` on contiguous row chunks that write disjoint
  outputs (the result does not depend on the number of threads).
- :func:`sum_fixed_chunks` sums ``(total, weight)`` pairs over chunks whose boundaries depend on
  n only, in chunk order, so a reduction is bit-identical for every number of threads.
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["resolve_n_threads", "get_executor", "in_pool_thread", "map_chunks", "fixed_chunks", "sum_fixed_chunks",
           "N_CPU"]

#: number of cores, read once (os.cpu_count() costs ~20 us, and the engine asks every iteration)
N_CPU = os.cpu_count() or 1

_EXECUTOR = None
_EXECUTOR_LOCK = threading.Lock()
_PREFIX = "ngb-pool"


def resolve_n_threads(n_jobs=None):
    """Thread count for ``n_jobs``: None or -1 all cores, -2 all but one (joblib's negative
    convention), a positive int that many but at most the number of cores; 0 is an error."""
    if n_jobs is None:
        return N_CPU
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None or -1 for all cores, or a positive int.")
    if n_jobs < 0:
        return max(1, N_CPU + 1 + n_jobs)
    return min(n_jobs, N_CPU)


def _reset_executor_after_fork():
    # worker threads do not survive fork(): a child process starts a new pool
    global _EXECUTOR, _EXECUTOR_LOCK
    _EXECUTOR = None
    _EXECUTOR_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_executor_after_fork)


def in_pool_thread():
    """True when running on a worker of the shared pool (work is never nested on the pool)."""
    return threading.current_thread().name.startswith(_PREFIX)


def get_executor():
    """The process-wide thread pool (created lazily, one worker per core, at least two)."""
    global _EXECUTOR
    if _EXECUTOR is None:
        with _EXECUTOR_LOCK:
            if _EXECUTOR is None:
                _EXECUTOR = ThreadPoolExecutor(max_workers=max(2, N_CPU), thread_name_prefix=_PREFIX)
    return _EXECUTOR


def map_chunks(func, n, n_threads=1, min_chunk=10_000):
    """Call ``func(start, stop)`` on contiguous chunks covering ``range(n)``: at most
    ``n_threads`` chunks of at least ``min_chunk`` rows, on the shared pool when there are
    several. Each chunk writes a disjoint output slice, so the result does not depend on the
    number of threads."""
    n_chunks = min(n_threads, max(1, n // min_chunk))
    if n_chunks <= 1 or in_pool_thread():
        func(0, n)
        return
    bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64)
    futures = [get_executor().submit(func, int(bounds[i]), int(bounds[i + 1])) for i in range(n_chunks)]
    for fut in futures:
        fut.result()


#: rows per fixed chunk at least (smaller inputs are one chunk) and the most chunks
FIXED_MIN_CHUNK = 25_000
FIXED_MAX_CHUNKS = 16


@functools.lru_cache(maxsize=64)
def fixed_chunks(n):
    """The (start, stop) row chunks of range(n) used by reductions: a function of n only."""
    n_chunks = max(1, min(FIXED_MAX_CHUNKS, n // FIXED_MIN_CHUNK))
    bounds = np.linspace(0, n, n_chunks + 1).astype(np.int64).tolist()
    return tuple(zip(bounds[:-1], bounds[1:]))


def sum_fixed_chunks(call, n, n_threads, sums=False):
    """total / weight summed over the fixed chunks of range(n), where ``call(start, stop)`` returns
    the chunk's (total, weight); chunks run on the pool when ``n_threads > 1`` and are added in
    chunk order, so the result is the same for every number of threads. ``sums``: return the pair
    (total, weight) itself (partial sums that a distributed fit adds over its workers)."""
    spans = fixed_chunks(n)
    if len(spans) > 1 and n_threads > 1 and not in_pool_thread():
        parts = list(get_executor().map(lambda ab: call(*ab), spans))
    else:
        parts = [call(a, b) for a, b in spans]
    total = 0.0
    wsum = 0.0
    for t, ws in parts:
        total += t
        wsum += ws
    return (total, wsum) if sums else total / wsum
