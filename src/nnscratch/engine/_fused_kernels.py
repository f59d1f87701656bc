"""The compiled loop of :mod:`nnscratch.engine._fused` (needs numba; imported only when used).

One call of :func:`run_epochs` trains for up to ``epochs`` epochs: for every batch the forward
pass, the loss and backpropagation of :mod:`._fused_layers` (``network.py``'s, in the same order
of floating-point operations), then the optimizer step of ``optimizers.py``. One call of
:func:`chunk_gradient` is the forward and backward pass of one chunk of a large batch, without
the GIL, for the threads of ``_batching.sum_chunks``.

Parameters follow ``Params``: one flat vector ``[W_1, ..., W_L, b_1, ..., b_L]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from nnscratch.engine import _fused_ops as ops
from nnscratch.engine._fused_layers import _backward, _forward, _layout, scratch

# optimizer codes and returned codes
GD, MOMENTUM, NESTEROV, ADAM = range(4)
DONE, STALLED, DIVERGED = range(3)


@njit(cache=True, nogil=True)
def chunk_gradient(flat, grad, sizes, acts, X1, Y, c, loops, dot_fn, gemm_fn, gemm_min, safe,
                   A, D, tmp, rowsum, gs, XT):
    """The summed cross-entropy of one chunk and its summed gradient (no L2, no 1/N) into
    ``grad``: ``network.py``'s chunk function, compiled, without the GIL, so that threads
    each sum their own chunks (``_batching.sum_chunks``).

    ``X1`` : (size * (n_features + 1),) the chunk's rows of ``[X, 1]``; ``Y`` : (size * K,);
    ``A, D, tmp, rowsum, gs`` from :func:`scratch` for ``m >= size`` rows; ``XT`` :
    ((n_features + 1) * m,) scratch for the chunk transposed; ``safe`` the safe logit.
    """
    L = sizes.shape[0] - 1
    n_in, m = sizes[0], rowsum.shape[0]
    size = Y.shape[0] // sizes[L]
    _, w_off, b_off, a_off = _layout(sizes)
    for i in range(size):  # X^T, then the row of ones
        for j in range(n_in + 1):
            XT[j * m + i] = X1[i * (n_in + 1) + j]
    io = np.zeros(7, np.intp)
    acc = np.zeros(1, flat.dtype)
    ce = _forward(flat, sizes, acts, w_off, b_off, a_off, XT, 0, m, Y, 0, size, m, A, D, tmp,
                  rowsum, acc, io, loops, dot_fn, gemm_fn, gemm_min, c, safe)
    _backward(flat, grad, sizes, acts, w_off, b_off, a_off, XT, 0, m, Y, 0, size, m, A, D, tmp,
              gs, io, loops, gemm_fn, gemm_min, c)
    return ce


@njit(cache=True)
def run_epochs(flat, grad, backup, sizes, acts, X, Y, order, lrs, m, epochs, opt, c, v1, v2,
               loops, dot_fn, gemm_fn, gemm_min, state, losses):
    """Train for up to ``epochs`` epochs in place; return (epochs run, DONE | STALLED | DIVERGED).

    Parameters
    ----------
    flat, grad, backup : (n_params,) parameters, gradient buffer, the last finite parameters
    sizes : (L + 1,) int64 layer sizes; acts : (L - 1,) int64 activation codes
    X, Y : (n * n_features,), (n * n_classes,) the data, rows flattened (C order); inside, the
        layers' buffers hold the batch transposed (one row per unit) so loops run along it
    order : (epochs * n,) int64 row order of each epoch, or empty for batches in order
    lrs : (epochs * batches,) step sizes of each step (Adam: the bias-corrected lr_t)
    m : batch size; opt : optimizer code
    c : constants in the parameter dtype: 1, 1/2, 0, leaky slope, elu alpha, 1 - slope, alpha,
        momentum, beta_1, 1 - beta_1, beta_2, 1 - beta_2, epsilon
    v1, v2 : (n_params,) optimizer state (velocity; Adam's m and v)
    loops : (6, 3) NumPy loop pointers (L_TANH ...); dot_fn : NumPy's BLAS dot, or 0
    gemm_fn, gemm_min : NumPy's BLAS gemm (or 0) and the multiply-adds from which a product
        goes to it instead of the kernel's own loops
    state : float64 [best loss, stall count, loss limit, first loss, diverged loss, tol (nan: None),
            n_iter_no_change, safe logit, alpha, updates made]
    losses : (epochs,) epoch losses
    state[9] is set to the number of updates made.
    """
    L = sizes.shape[0] - 1
    n = X.shape[0] // sizes[0]
    n_w, w_off, b_off, a_off = _layout(sizes)
    n_in, K = sizes[0], sizes[L]
    A, D, tmp, rowsum, gs = scratch(sizes, m, flat)
    shuffled = order.shape[0] > 0
    ldx = m if shuffled else n
    XT = np.ones((n_in + 1) * ldx, flat.dtype)  # X^T (or a batch's), then a row of ones
    if not shuffled:
        for i in range(n):
            for j in range(n_in):
                XT[j * n + i] = X[i * n_in + j]
    Yb = np.empty(m * K if shuffled else 0, flat.dtype)
    io = np.zeros(7, np.intp)
    acc = np.zeros(1, flat.dtype)
    inv = np.empty(1, flat.dtype)
    alpha, tol, patience, safe, alpha_loss = c[6], state[5], state[6], state[7], state[8]
    step = 0
    for e in range(epochs):
        total = 0.0
        for start in range(0, n, m):
            size = min(m, n - start)
            if shuffled:  # gather the batch's rows (np.take)
                for r in range(size):
                    src = order[e * n + start + r]
                    for j in range(n_in):
                        XT[j * m + r] = X[src * n_in + j]
                    for j in range(K):
                        Yb[r * K + j] = Y[src * K + j]
                x0, ys, y0 = 0, Yb, 0
            else:
                x0, ys, y0 = start, Y, start * K
            ce = _forward(flat, sizes, acts, w_off, b_off, a_off, XT, x0, ldx, ys, y0, size, m, A,
                          D, tmp, rowsum, acc, io, loops, dot_fn, gemm_fn, gemm_min, c, safe)
            batch = ce + 0.5 * alpha_loss * ops.dot(dot_fn, flat, 0, flat, 0, n_w)  # N_b * loss_b
            if not (math.isfinite(batch) and batch <= state[2] * size):
                state[4] = batch / size
                state[9] = step
                return e, DIVERGED
            if state[2] == math.inf:
                state[3] = batch / size
                state[2] = 1e4 * max(state[3], 1.0)
            total += batch
            _backward(flat, grad, sizes, acts, w_off, b_off, a_off, XT, x0, ldx, ys, y0, size, m,
                      A, D, tmp, gs, io, loops, gemm_fn, gemm_min, c)
            # mean gradient: dW += alpha W, then everything * (1/N)
            if alpha != 0:
                for t in range(n_w):
                    grad[t] += flat[t] * alpha
            inv[0] = 1.0 / size
            for t in range(flat.shape[0]):
                grad[t] *= inv[0]
            backup[:] = flat
            lr = lrs[step]
            _update(opt, flat, grad, v1, v2, lr, c)
            step += 1
        epoch_loss = total / n
        losses[e] = epoch_loss
        improved = tol != tol or epoch_loss <= state[0] - tol
        state[0] = min(state[0], epoch_loss)
        state[1] = 0 if improved else state[1] + 1
        if state[1] > patience:
            state[9] = step
            return e + 1, STALLED
    state[9] = step
    return epochs, DONE


@njit(cache=True)
def _update(opt, p, g, v1, v2, lr, c):
    """optimizers.py's rules, element by element (``lr``: Adam's lr_t)."""
    if opt == GD:  # p <- p - lr g
        for t in range(p.shape[0]):
            p[t] -= g[t] * lr
    elif opt == MOMENTUM or opt == NESTEROV:  # v <- mu v - lr g
        mu = c[7]
        for t in range(p.shape[0]):
            s = g[t] * lr
            v1[t] = v1[t] * mu - s
            if opt == NESTEROV:
                p[t] += v1[t] * mu - s  # p <- p + mu v - lr g
            else:
                p[t] += v1[t]  # p <- p + v
    else:  # Adam: m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2
        #          p <- p - lr_t m / (sqrt(v) + eps)
        for t in range(p.shape[0]):
            gt = g[t]
            v1[t] = v1[t] * c[8] + gt * c[9]
            v2[t] = v2[t] * c[10] + gt * gt * c[11]
            p[t] -= v1[t] * lr / (np.sqrt(v2[t]) + c[12])
