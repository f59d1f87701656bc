"""Buffers, fixed chunks and thread shares for large batches (machinery, no math).

The gradient is a sum over samples, so a large batch can be summed chunk by chunk while every
buffer stays small and in the CPU cache. How the batch is cut decides the last bits of the sum, so
the cut depends only on the data, never on the machine:

- a batch of n rows is cut into an even number of chunks of C = :func:`chunk_rows` (n) rows,
  rows [0, C), [C, 2C), ..., the fewest of at most ``CHUNK_ROWS`` rows (10000 rows: 8 chunks of
  1250, so two threads get 5000 rows each, not 4608 and 5392); a batch of at most
  ``CHUNK_ROWS`` rows, like the tutorial's 200, is one chunk: no cut at all;
- each chunk's partial sums are computed on their own, into a buffer of their own;
- the partials are added in chunk order, ((p_0 + p_1) + p_2) + ..., whatever the thread count:
  threads only decide *who* computes a chunk (each thread a contiguous run of them).

Prediction is cut the same way (``PREDICT_CHUNK_ROWS``); each row's probabilities come from its
own fixed chunk, so they do not depend on the thread count either.

Guaranteed: with the same NumPy and BLAS build, the same data, seed and settings give
bit-identical weights, losses and predictions for any number of threads
(:func:`nnscratch.engine.parallel.set_threads`) and any BLAS thread count (training runs BLAS on
one thread for chunk-sized products; OpenBLAS splits larger products by output blocks, not by
the summed dimension). One exception is known: a prediction through a 342-unit layer (4096-row
chunks, products above ``BLAS_MIN_WORK``) rounded some entries differently on 2 BLAS threads than
on 1 (widths 256, 336, 344, 352 and 384 agreed). Not guaranteed: identical bits
across NumPy or BLAS builds, CPUs with other vector instructions, or operating systems whose math
libraries round ``tanh`` or ``exp`` differently; there, results agree to rounding (about 1e-12
relative in float64) only.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

from nnscratch.engine.parallel import submit, threads
from nnscratch.engine.params import Params

Array = np.ndarray

CHUNK_ROWS = 1536  # rows per chunk of a large batch: buffers that stay in a core's L2 cache, calls
# long enough that two threads rarely wait for the GIL, and enough chunks to share out evenly.
# Measured on 2 cores, 64-64 relu float32, 20 full-batch epochs, chunks of 4096 / 2048 / 1536 /
# 1024 rows: 1e4 rows 0.11 / 0.07-0.10 / 0.063-0.071 / 0.064-0.076 s, 1e5 rows 0.58 / 0.50 /
# 0.47 / 0.49 s, 1e6 rows 4.8 / 4.6 / 5.1 / 5.9 s (scikit-learn: 0.15, 1.5 and 26 s)
PREDICT_CHUNK_ROWS = 4096  # rows per chunk of a prediction
PARTS_BYTES = 32 * 2**20  # memory for the partial gradients of chunks waiting to be summed


def chunk_rows(n: int) -> int:
    """Rows per chunk of a batch of ``n`` rows: the fewest equal chunks of at most ``CHUNK_ROWS``
    rows, in an even number (the last chunk may be a few rows short).

    An even count shares out evenly to two threads, the common case (10000 rows: 8 chunks of
    1250 rows, not 6 of 1536 and one of 784). It depends on ``n`` alone, never on the machine.
    """
    if n <= CHUNK_ROWS:
        return n
    k = -(-n // CHUNK_ROWS)  # the fewest chunks of at most CHUNK_ROWS rows ...
    k += k % 2  # ... in an even number
    return -(-n // k)


class Workspace:
    """Buffers for a forward and backward pass over at most ``n_rows`` samples.

    ``a[l]`` holds z_l, then a_l = f(z_l) (the output layer: the probabilities);
    ``delta[l]`` holds delta_l; ``tmp[l]`` is scratch for f'(z_l) (not allocated with
    ``backward=False``). ``rows(m)`` gives views over the first m rows (a smaller last
    minibatch), cached. ``helpers``: one more workspace per extra thread.
    """

    def __init__(self, layer_sizes: Sequence[int], n_rows: int, dtype: type | np.dtype,
                 threads: int = 1, backward: bool = True) -> None:
        self.n_rows = n_rows
        self.dtype = np.dtype(dtype)
        self.layer_sizes = tuple(layer_sizes)
        outs = list(layer_sizes[1:])
        self.a = [np.empty((n_rows, s), dtype) for s in outs]
        self.delta = [np.empty((n_rows, s), dtype) for s in outs] if backward else []
        self.tmp = [np.empty((n_rows, s), dtype) for s in outs[:-1]] if backward else []
        self.rowsum = np.empty((n_rows, 1), dtype)
        self.ones_k = np.ones((outs[-1], 1), dtype)  # row sums of the softmax as a product
        self.wb1 = np.empty((layer_sizes[0] + 1, outs[0]), dtype)  # [W_1; b_1], for [X, 1]
        self.g1 = np.empty_like(self.wb1)  # [dW_1; db_1]
        self.helpers = [Workspace(layer_sizes, n_rows, dtype, 1, backward)
                        for _ in range(threads - 1)]
        self._parts: list[Params] = []
        self._w_tmp: Array | None = None
        self.extra: dict[str, object] = {}  # another backend's buffers (engine/_fused.py)
        self._root = self  # views share the root's gradient buffers
        self._views: dict[int, Workspace] = {n_rows: self}

    def parts(self, k: int) -> list[Params]:
        """``k`` buffers for chunks' summed gradients (allocated on first use, then kept)."""
        root = self._root
        while len(root._parts) < k:
            root._parts.append(Params(self.layer_sizes, self.dtype))
        return root._parts[:k]

    @property
    def w_tmp(self) -> Array:
        """Scratch for alpha W (as long as all the weights)."""
        root = self._root
        if root._w_tmp is None:
            root._w_tmp = np.empty(self.parts(1)[0].n_weights, self.dtype)
        return root._w_tmp

    def rows(self, m: int) -> Workspace:
        """A workspace over the first ``m`` rows of this one's buffers (no copy)."""
        view = self._views.get(m)
        if view is None:
            if m > self.n_rows:
                raise ValueError(f"workspace holds {self.n_rows} rows; asked for {m}")
            view = object.__new__(Workspace)
            view.n_rows, view.dtype, view.layer_sizes = m, self.dtype, self.layer_sizes
            view.a = [b[:m] for b in self.a]
            view.delta = [b[:m] for b in self.delta]
            view.tmp = [b[:m] for b in self.tmp]
            view.rowsum, view.ones_k = self.rowsum[:m], self.ones_k
            view.wb1, view.g1 = self.wb1, self.g1
            view.helpers, view._root, view._views = self.helpers, self._root, self._views
            view.extra = self.extra
            self._views[m] = view
        return view


def with_ones(X: Array) -> Array:
    """``[X, 1]``: X with a last column of ones, shape (n_samples, n_features + 1), X's dtype."""
    X1 = np.empty((X.shape[0], X.shape[1] + 1), X.dtype)
    X1[:, :-1], X1[:, -1] = X, 1
    return X1


# fn(X_chunk, Y_chunk, workspace, grads) -> summed loss of the chunk; writes its summed gradient
ChunkFn = Callable[[Array, Array, Workspace, Params], float]


def balanced_runs(rows: Sequence[int], workers: int) -> list[range]:
    """Contiguous runs of chunks, at most ``workers``, with about equal rows each.

    ``rows[i]``: the rows of chunk i. The k-th run ends at the chunk boundary nearest to k/workers
    of all rows, so 4096 + 4096 + 1808 rows on two threads is [0], [1, 2] (4096 and 5904 rows),
    not [0, 1], [2] (8192 and 1808). Who computes a chunk never changes a result.
    """
    before = [0, *itertools.accumulate(rows)]  # rows before chunk e (e = 0..len(rows))
    ends: list[int] = []
    for k in range(1, workers):
        target = k * before[-1] / workers
        end = min(range(len(rows) + 1), key=lambda e: abs(before[e] - target))
        if (ends[-1] if ends else 0) < end < len(rows):
            ends.append(end)
    bounds = [0, *ends, len(rows)]
    return [range(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


def sum_chunks(fn: ChunkFn, X: Array, Y: Array, ws: Workspace, grads: Params) -> float:
    """``fn`` summed over the fixed chunks of ``ws.n_rows`` rows of (X, Y), in chunk order.

    ::

        loss = sum_c loss_c,   grads = sum_c grads_c     (c = 0, 1, 2, ... in this order)

    The chunks of a block (as many as ``PARTS_BYTES`` of partial gradients hold) are shared out
    in contiguous runs to this thread and ``ws.helpers``; then the block's partials are added in
    chunk order. The sum does not depend on the number of threads. Returns the summed loss;
    ``grads`` holds the summed gradient.
    """
    n = X.shape[0]
    if n <= ws.n_rows:  # one chunk: no cut
        return fn(X, Y, ws.rows(n), grads)
    workers = [ws, *ws.helpers]
    starts = list(range(0, n, ws.n_rows))
    per_block = min(len(starts), max(len(workers), PARTS_BYTES // grads.flat.nbytes))
    parts = ws.parts(per_block)
    total = 0.0

    def run(w: Workspace, block: list[int], into: list[Params], losses: list[float],
            run_of: range) -> None:
        for i in run_of:  # this thread's chunks of the block
            x, y = X[block[i] : block[i] + ws.n_rows], Y[block[i] : block[i] + ws.n_rows]
            losses[i] = fn(x, y, w.rows(x.shape[0]), into[i])

    for b in range(0, len(starts), per_block):
        block = starts[b : b + per_block]
        into = [grads if b == 0 and i == 0 else parts[i] for i in range(len(block))]
        losses = [0.0] * len(block)
        runs = balanced_runs([min(ws.n_rows, n - start) for start in block], len(workers))
        futures = [submit(run, w, block, into, losses, r) for w, r in zip(workers[1:], runs[1:])]
        run(ws, block, into, losses, runs[0])
        for future in futures:
            future.result()
        for i, loss in enumerate(losses):  # in chunk order
            total += loss
            if into[i] is not grads:
                grads.flat += into[i].flat  # grads += grads_c
    return total


# fn(X_chunk, workspace) -> that chunk's output rows
PredictFn = Callable[[Array, Workspace], Array]


def predict_in_chunks(fn: PredictFn, X: Array, out: Array, layer_sizes: Sequence[int],
                      chunk: int = PREDICT_CHUNK_ROWS) -> Array:
    """``out[c] = fn(X[c])`` for the fixed chunks c of ``chunk`` rows, shared out to threads."""
    n = X.shape[0]
    chunks = [slice(s, s + chunk) for s in range(0, n, chunk)]
    per = -(-len(chunks) // max(1, min(threads(), len(chunks))))  # chunks per thread
    shares = [chunks[i : i + per] for i in range(0, len(chunks), per)]

    def run(share: list[slice]) -> None:
        ws = Workspace(layer_sizes, min(n, chunk) or 1, out.dtype, backward=False)
        for s in share:
            x = X[s]
            out[s] = fn(x, ws.rows(x.shape[0]))

    futures = [submit(run, share) for share in shares[1:]]
    run(shares[0] if shares else [])
    for future in futures:
        future.result()
    return out
