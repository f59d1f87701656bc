"""Bookkeeping for the second core: helper threads and BLAS threads (no math here).

NumPy releases the GIL inside BLAS products and ufunc loops, so Python threads that each work on
their own rows run in parallel. :func:`nnscratch.engine.network.forward_backward` hands the chunks
of a large batch to ``THREADS - 1`` helper threads; training then keeps BLAS itself on one thread
(:func:`limit_blas_threads`), so that the threads do not compete for the cores.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

THREADS = os.cpu_count() or 1  # threads sharing the chunks of a large batch
BLAS_MIN_WORK = 2**26  # multiply-adds of one product worth several BLAS threads

_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (process id, pool)
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    """A process-wide pool of helper threads (a new one after a fork)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL[0] != os.getpid():
            _POOL = (os.getpid(), ThreadPoolExecutor(max(THREADS - 1, 1), "nnscratch"))
        return _POOL[1]


def submit(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """Run ``fn(*args)`` on a helper thread, under the caller's ``np.errstate`` (its context)."""
    return _pool().submit(contextvars.copy_context().run, fn, *args)


class _Unlimited:
    def restore_original_limits(self) -> None:
        pass


def limit_blas_threads(n_rows: int, layer_sizes: Sequence[int], helpers: int) -> Any:
    """Run BLAS on one thread while training, unless its products are large.

    A product over one chunk or minibatch of ``n_rows`` rows is too small for BLAS threads to pay
    for their hand-offs, and with ``helpers`` threads every core already has a chunk of its own.
    Call ``.restore_original_limits()`` on the result when done (a no-op without threadpoolctl).
    """
    biggest = n_rows * max(i * o for i, o in zip(layer_sizes[:-1], layer_sizes[1:]))
    if biggest >= BLAS_MIN_WORK and not helpers:
        return _Unlimited()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return _Unlimited()
    return threadpool_limits(limits=1, user_api="blas")
