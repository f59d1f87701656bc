"""Bookkeeping for the second core: helper threads and BLAS threads (no math here).

NumPy releases the GIL inside BLAS products and ufunc loops, so Python threads that each work on
their own rows run in parallel. :mod:`nnscratch.engine._batching` hands the fixed chunks of a large
batch to ``threads() - 1`` helper threads; training then keeps BLAS itself on one thread
(:func:`limit_blas_threads`), so that the threads do not compete for the cores. The number of
threads changes only who computes which chunk, never a result: :func:`set_threads` (or
:func:`using_threads`) sets it, e.g. to check that 1 and 8 threads give the same bits.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

BLAS_MIN_WORK = 2**26  # multiply-adds of one product worth several BLAS threads

_THREADS = os.cpu_count() or 1  # threads sharing the chunks of a large batch
_POOL: tuple[int, int, ThreadPoolExecutor] | None = None  # (process id, workers, pool)
_POOL_LOCK = threading.Lock()


def threads() -> int:
    """Threads that share the chunks of a large batch or prediction (default: one per core)."""
    return _THREADS


def set_threads(n: int | None) -> int:
    """Use ``n`` threads (None: one per core) from now on; returns the previous number."""
    global _THREADS
    if n is not None and not (isinstance(n, int) and n >= 1):
        raise ValueError(f"threads must be an int >= 1 or None; got {n!r}")
    previous, _THREADS = _THREADS, (os.cpu_count() or 1) if n is None else n
    return previous


@contextlib.contextmanager
def using_threads(n: int | None) -> Iterator[None]:
    """``with using_threads(3): ...`` runs the block with :func:`set_threads` ``(3)``."""
    previous = set_threads(n)
    try:
        yield
    finally:
        set_threads(previous)


def _pool() -> ThreadPoolExecutor:
    """A process-wide pool of helper threads (a new one after a fork or for more threads)."""
    global _POOL
    with _POOL_LOCK:
        workers = max(_THREADS - 1, 1)
        if _POOL is None or _POOL[0] != os.getpid() or _POOL[1] < workers:
            if _POOL is not None and _POOL[0] == os.getpid():
                _POOL[2].shutdown(wait=False)  # its queued work still runs
            _POOL = (os.getpid(), workers, ThreadPoolExecutor(workers, "nnscratch"))
        return _POOL[2]


def submit(fn: Callable[..., Any], *args: Any) -> Future[Any]:
    """Run ``fn(*args)`` on a helper thread, under the caller's ``np.errstate`` (its context)."""
    return _pool().submit(contextvars.copy_context().run, fn, *args)


class _Unlimited:
    def restore_original_limits(self) -> None:
        pass


# threadpoolctl's view of the loaded BLAS libraries, and len(sys.modules) when it was taken
_CONTROLLER: tuple[Any, int] | None = None


def blas_on_one_thread() -> Any:
    """Put BLAS on one thread; call ``.restore_original_limits()`` on the result when done.

    ``threadpoolctl.threadpool_limits`` scans the process's libraries on every call (~2-3 ms,
    as long as a step of 1e4 rows); here they are scanned again only after modules were imported
    (a BLAS library comes with a module: the fused path's first chunked run loads SciPy's),
    and limiting them again costs ~10 us. A no-op without threadpoolctl.
    """
    global _CONTROLLER
    if _CONTROLLER is None or _CONTROLLER[1] != len(sys.modules):
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            return _Unlimited()
        _CONTROLLER = (ThreadpoolController(), len(sys.modules))
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def limit_blas_threads(n_rows: int, layer_sizes: Sequence[int], helpers: int) -> Any:
    """Run BLAS on one thread while training, unless its products are large.

    A product over one chunk or minibatch of ``n_rows`` rows is too small for BLAS threads to pay
    for their hand-offs, and with ``helpers`` threads every core already has a chunk of its own.
    Call ``.restore_original_limits()`` on the result when done.
    """
    biggest = n_rows * max(i * o for i, o in zip(layer_sizes[:-1], layer_sizes[1:]))
    if biggest >= BLAS_MIN_WORK and not helpers:
        return _Unlimited()
    return blas_on_one_thread()
