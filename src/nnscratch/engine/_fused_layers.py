"""Forward pass, loss and backpropagation of one batch, compiled (needs numba), for
:mod:`nnscratch.engine._fused_kernels`: ``network.py``'s equations in the same order of
floating-point operations (module docstring of ``_fused``):

- each layer's buffers hold the batch transposed, one row per unit, so every loop runs along
  the batch and vectorises;
- products ``z = a W`` and ``delta W^T`` accumulate each element over k in order with fused
  multiply-adds, ``acc = fma(a_ik, W_kj, acc)``, as OpenBLAS's gemm kernels do; ``+ b`` is a
  separate addition;
- ``dW = a^T delta`` and ``db`` sum over the batch's rows in order (fma; ``db`` through a row of
  ones), as OpenBLAS and ``np.einsum('ij->j')`` do;
- a product of at least ``gemm_min`` multiply-adds is NumPy's BLAS gemm itself, on the same
  transposed rows (``z^T = W^T a^T``, ``[dW; db] = [a, 1]^T delta``, ``delta^T = W delta^T``);
- tanh, exp, log, expm1 and logaddexp are NumPy's own loops (:mod:`._fused_ops`), so every
  activation and the softmax round exactly as the NumPy engine's.

Parameters follow ``Params``: one flat vector ``[W_1, ..., W_L, b_1, ..., b_L]``; the layers'
offsets into it and into the transposed buffers come from :func:`_layout`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from nnscratch.engine import _fused_ops as ops
from nnscratch.engine._fused_ops import L_EXP, L_EXPM1, L_LOG, L_LOGADDEXP, L_TANH

# activation codes (the order of _fused.ACT_CODES)
IDENTITY, TANH, LOGISTIC, RELU, LEAKY_RELU, ELU, SOFTPLUS = range(7)


@njit(cache=True)
def _combine(S, s0, lds, W, w0, sq, sp, Out, o0, ldo, n, Q, P, zero):
    """Out^T[P, n] = W-weighted sums of the rows of S^T[Q, n], over q in order (fma):
    ``out_pi = sum_q s_qi W[w0 + q sq + p sp]``. Rows are transposed (row ``q`` of ``S^T`` at
    ``S[s0 + q lds :]``), so the inner loop runs along the batch and vectorises; each element
    still accumulates over q in the order of OpenBLAS's kernels.
    z = a W: q = k (fan-in), sq = fan-out, sp = 1; delta W^T: q = j (fan-out), sq = 1, sp = fan-out.
    """
    for p in range(P):
        out = _row(Out, o0, ldo, p, n)
        for i in range(n):
            out[i] = zero
        for q in range(Q):
            w = W[w0 + q * sq + p * sp]
            row = _row(S, s0, lds, q, n)
            for i in range(n):
                out[i] = ops.fma(row[i], w, out[i])


@njit(cache=True)
def _gram(A, a0, lda, D, d0, ldd, G, g0, gb, n, K, M, zero):
    """dW = a^T delta and db = sum_i delta_i with the rows transposed: ``A`` holds K rows of
    a^T and then a row of ones, so ``g_kj = sum_i a_ki d_ji`` (k < K: ``G[g0 + k M + j]``;
    k = K: db_j at ``G[gb + j]``, 1 x is exact: one rounding, as an addition), summed over i in
    order (fma). Eight outputs at a time run eight chains of additions side by side (outputs
    past the end repeat the last one); one or two outputs left over run alone."""
    last = (K + 1) * M - 1
    tail = (last + 1) % 8 if (last + 1) % 8 <= 2 else 0  # outputs left to single chains
    for p in range(last + 1 - tail, last + 1):  # 1-2 outputs: cheaper than a block of 8
        s = zero
        a_p, d_p = _row(A, a0, lda, p // M, n), _row(D, d0, ldd, p % M, n)
        for i in range(n):
            s = ops.fma(a_p[i], d_p[i], s)
        G[g0 + p if p < K * M else gb + p - K * M] = s
    last -= tail
    for t in range(0, last + 1, 8):
        p0, p1, p2, p3 = t, min(t + 1, last), min(t + 2, last), min(t + 3, last)
        p4, p5, p6, p7 = min(t + 4, last), min(t + 5, last), min(t + 6, last), min(t + 7, last)
        a_0, a_1, a_2, a_3 = (_row(A, a0, lda, p0 // M, n), _row(A, a0, lda, p1 // M, n),
                              _row(A, a0, lda, p2 // M, n), _row(A, a0, lda, p3 // M, n))
        a_4, a_5, a_6, a_7 = (_row(A, a0, lda, p4 // M, n), _row(A, a0, lda, p5 // M, n),
                              _row(A, a0, lda, p6 // M, n), _row(A, a0, lda, p7 // M, n))
        d_0, d_1, d_2, d_3 = (_row(D, d0, ldd, p0 % M, n), _row(D, d0, ldd, p1 % M, n),
                              _row(D, d0, ldd, p2 % M, n), _row(D, d0, ldd, p3 % M, n))
        d_4, d_5, d_6, d_7 = (_row(D, d0, ldd, p4 % M, n), _row(D, d0, ldd, p5 % M, n),
                              _row(D, d0, ldd, p6 % M, n), _row(D, d0, ldd, p7 % M, n))
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = zero
        for i in range(n):
            s0 = ops.fma(a_0[i], d_0[i], s0)
            s1 = ops.fma(a_1[i], d_1[i], s1)
            s2 = ops.fma(a_2[i], d_2[i], s2)
            s3 = ops.fma(a_3[i], d_3[i], s3)
            s4 = ops.fma(a_4[i], d_4[i], s4)
            s5 = ops.fma(a_5[i], d_5[i], s5)
            s6 = ops.fma(a_6[i], d_6[i], s6)
            s7 = ops.fma(a_7[i], d_7[i], s7)
        for p, v in ((p7, s7), (p6, s6), (p5, s5), (p4, s4), (p3, s3), (p2, s2), (p1, s1),
                     (p0, s0)):
            G[g0 + p if p < K * M else gb + p - K * M] = v


@njit(cache=True)
def _row(X, x0, ld, r, n):
    """Row ``r`` of a transposed block: a view of ``n`` values (indices from 0 vectorise)."""
    return X[x0 + r * ld:x0 + r * ld + n]


@njit(cache=True)
def _activate(code, z, tmp, loops, io, c):
    """a = f(z) in place on the view ``z`` (activations.py's forward functions); ``tmp``
    scratch at least as long; ``c`` the constants (see :func:`run_epochs`)."""
    one, half, zero, slope, elu = c[0], c[1], c[2], c[3], c[4]
    count = z.shape[0]
    if code == TANH:
        ops.apply(loops, L_TANH, io, z, 0, count)
    elif code == LOGISTIC:  # 1/(1+e^-z) = (1 + tanh(z/2)) / 2
        for t in range(count):
            z[t] *= half
        ops.apply(loops, L_TANH, io, z, 0, count)
        for t in range(count):
            z[t] = (z[t] + one) * half
    elif code == RELU:  # max(z, 0)
        for t in range(count):
            v = z[t]
            z[t] = v if (v > 0 or v != v) else zero
    elif code == LEAKY_RELU:  # max(z, s z)
        for t in range(count):
            v = z[t]
            z[t] = v if (v > 0 or v != v) else slope * v
    elif code == ELU:  # e^z - 1 where z <= 0, e^min(z, 0) never overflows
        for t in range(count):
            v = z[t]
            tmp[t] = v if (v < 0 or v != v) else zero
        ops.apply(loops, L_EXPM1, io, tmp, 0, count)
        for t in range(count):
            if z[t] <= 0:
                z[t] = tmp[t] * elu
    elif code == SOFTPLUS:  # log(1 + e^z) = logaddexp(0, z)
        item, base = z.itemsize, z.ctypes.data
        ops.ufunc(loops, L_LOGADDEXP, io, c[2:3].ctypes.data, 0, base, item, base, item, count)


@njit(cache=True)
def _deactivate(code, a, delta, tmp, loops, io, c):
    """delta *= f'(z) on the views ``a``, ``delta``, with f' written through a = f(z)
    (activations.py's backward functions)."""
    one, zero, slope, elu, rest = c[0], c[2], c[3], c[4], c[5]
    count = a.shape[0]
    if code == TANH:  # 1 - a^2
        for t in range(count):
            v = a[t]
            delta[t] *= one - v * v
    elif code == LOGISTIC:  # a (1 - a)
        for t in range(count):
            v = a[t]
            delta[t] *= (one - v) * v
    elif code == RELU:  # 1 if a > 0 else 0
        for t in range(count):
            delta[t] *= one if a[t] > 0 else zero
    elif code == LEAKY_RELU:  # (a > 0) (1 - s) + s
        for t in range(count):
            delta[t] *= (one if a[t] > 0 else zero) * rest + slope
    elif code == ELU:  # a + alpha where a <= 0, else 1
        for t in range(count):
            v = a[t]
            delta[t] *= one if v > 0 else v + elu
    elif code == SOFTPLUS:  # 1 - e^-a
        for t in range(count):
            tmp[t] = -a[t]
        ops.apply(loops, L_EXPM1, io, tmp, 0, count)
        for t in range(count):
            delta[t] *= -tmp[t]


@njit(cache=True)
def _rows(deriv, code, a, a0, ld, rows, n, delta, tmp, loops, io, c):
    """:func:`_activate` (``deriv`` False) or :func:`_deactivate` on ``rows`` transposed rows of
    ``n`` values, ``ld`` apart: one call when they are contiguous."""
    runs, count = (1, rows * n) if n == ld else (rows, n)
    for r in range(runs):
        x0 = a0 + r * ld
        if deriv:
            _deactivate(code, a[x0:x0 + count], delta[x0:x0 + count], tmp, loops, io, c)
        else:
            _activate(code, a[x0:x0 + count], tmp, loops, io, c)


@njit(cache=True)
def _softmax_ce(z, z0, ld, Y, y0, n, K, rowsum, scratch, acc, loops, io, dot_fn, safe):
    """Overwrite the transposed logits z^T[K, n] (rows ``ld`` apart) with softmax(z); return the
    summed cross-entropy ``sum_i logsumexp(z_i) - sum_i z_{i, y_i}`` (losses.py's
    cross_entropy_sum, its sums too); ``Y`` one-hot rows (C order)."""
    for k in range(K):  # z in C order, for the dot in the order of np.vdot(Y, z)
        zk = _row(z, z0, ld, k, n)
        for i in range(n):
            scratch[i * K + k] = zk[i]
    z_true = ops.dot(dot_fn, Y, y0, scratch, 0, n * K)  # sum_i z_{i, y_i}
    big = False
    for k in range(K):
        zk = _row(z, z0, ld, k, n)
        for i in range(n):
            big |= not (-safe <= zk[i] <= safe)
    s = rowsum[:n]
    shift = 0.0
    if big:  # softmax(z) = softmax(z - max_k z_k): the largest exponent becomes 0
        s[:] = z[z0:z0 + n]
        for k in range(1, K):
            zk = _row(z, z0, ld, k, n)
            for i in range(n):
                s[i] = max(s[i], zk[i])
        for k in range(K):
            zk = _row(z, z0, ld, k, n)
            for i in range(n):
                zk[i] -= s[i]
        shift = ops.total(loops, io, s, n, acc)
    for k in range(1 if n == ld else K):
        ops.apply(loops, L_EXP, io, z, z0 + k * ld, K * n if n == ld else n)  # e^{z_ik}
    s[:] = z[z0:z0 + n]
    for k in range(1, K):
        zk = _row(z, z0, ld, k, n)
        for i in range(n):
            s[i] += zk[i]  # s_i = sum_k e^{z_ik}
    for k in range(K):
        zk = _row(z, z0, ld, k, n)
        for i in range(n):
            zk[i] /= s[i]  # softmax(z)_ik = e^{z_ik} / s_i
    ops.apply(loops, L_LOG, io, s, 0, n)
    return ops.total(loops, io, s, n, acc) + shift - z_true  # sum_i log s_i - z_true


@njit(cache=True)
def _layout(sizes):
    """(n_w, w_off, b_off, a_off): W_l at ``w_off[l]`` and b_l at ``b_off[l]`` of the flat
    parameters; layer l's transposed rows from ``a_off[l] * m`` (its units, then a row of ones)."""
    L = sizes.shape[0] - 1
    n_w = 0
    for l in range(L):
        n_w += sizes[l] * sizes[l + 1]
    w_off = np.zeros(L + 1, np.int64)
    b_off = np.zeros(L + 1, np.int64)
    a_off = np.zeros(L + 1, np.int64)
    b_off[0] = n_w
    for l in range(L):
        w_off[l + 1] = w_off[l] + sizes[l] * sizes[l + 1]
        b_off[l + 1] = b_off[l] + sizes[l + 1]
        a_off[l + 1] = a_off[l] + sizes[l + 1] + 1
    return n_w, w_off, b_off, a_off


@njit(cache=True)
def _forward(flat, sizes, acts, w_off, b_off, a_off, XT, x0, ldx, ys, y0, size, m, A, D, tmp,
             rowsum, acc, io, loops, dot_fn, gemm_fn, gemm_min, c, safe):
    """Forward pass of ``size`` rows (X^T's from ``XT[x0]``, rows ``ldx`` apart; one-hot targets
    ``ys[y0:]``) into the transposed buffers ``A``; returns the summed cross-entropy and leaves
    the probabilities in the output layer's rows."""
    L = sizes.shape[0] - 1
    K, zero = sizes[L], c[2]
    # forward: z_l = a_{l-1} W_l + b_l; a_l = f(z_l)
    for l in range(L):
        fi, fo = sizes[l], sizes[l + 1]
        zo = a_off[l] * m
        src, s0, lds = (XT, x0, ldx) if l == 0 else (A, a_off[l - 1] * m, m)  # a_{l-1}^T
        if gemm_fn != 0 and size * fi * fo >= gemm_min:  # z^T = W^T a^T, by BLAS
            ops.gemm(gemm_fn, ops.TRANS, ops.NO_TRANS, fo, size, fi, flat, w_off[l], fo,
                     src, s0, lds, A, zo, m)
        else:
            _combine(src, s0, lds, flat, w_off[l], fo, 1, A, zo, m, size, fi, fo, zero)
        for j in range(fo):
            bj, zj = flat[b_off[l] + j], _row(A, zo, m, j, size)
            for i in range(size):
                zj[i] += bj
        if l < L - 1:
            _rows(False, acts[l], A, zo, m, fo, size, D, tmp, loops, io, c)
    return _softmax_ce(A, a_off[L - 1] * m, m, ys, y0, size, K, rowsum, tmp, acc, loops, io,
                       dot_fn, safe)


@njit(cache=True)
def _backward(flat, grad, sizes, acts, w_off, b_off, a_off, XT, x0, ldx, ys, y0, size, m, A, D,
              tmp, gs, io, loops, gemm_fn, gemm_min, c):
    """Backpropagation after :func:`_forward`: the gradient of the summed cross-entropy (no L2,
    no 1/N) into ``grad``."""
    L = sizes.shape[0] - 1
    K, zero, zo = sizes[L], c[2], a_off[L - 1] * m
    # backward: delta_L = softmax(z_L) - Y; dW_l = a_{l-1}^T delta_l; db_l = sum_i delta_l
    for k in range(K):
        dk, pk = _row(D, zo, m, k, size), _row(A, zo, m, k, size)
        for i in range(size):
            dk[i] = pk[i] - ys[y0 + i * K + k]
    for l in range(L - 1, -1, -1):
        fi, fo = sizes[l], sizes[l + 1]
        do = a_off[l] * m
        src, s0, lds = (XT, x0, ldx) if l == 0 else (A, a_off[l - 1] * m, m)  # a_{l-1}^T
        wide = gemm_fn != 0 and size * fi * fo >= gemm_min
        if wide:  # [dW_l; db_l] = [a_{l-1}, 1]^T delta_l (a^T's rows, then ones), by BLAS
            ops.gemm(gemm_fn, ops.NO_TRANS, ops.TRANS, fi + 1, fo, size, src, s0, lds, D,
                     do, m, gs, 0, fo)
            grad[w_off[l]:w_off[l] + fi * fo] = gs[:fi * fo]
            grad[b_off[l]:b_off[l] + fo] = gs[fi * fo:(fi + 1) * fo]
        else:
            _gram(src, s0, lds, D, do, m, grad, w_off[l], b_off[l], size, fi, fo, zero)
        if l > 0:  # delta_{l-1} = (delta_l W_l^T) * f'(z_{l-1})
            po = a_off[l - 1] * m
            if wide:  # delta_{l-1}^T = W_l delta_l^T
                ops.gemm(gemm_fn, ops.NO_TRANS, ops.NO_TRANS, fi, size, fo, flat,
                         w_off[l], fo, D, do, m, D, po, m)
            else:
                _combine(D, do, m, flat, w_off[l], 1, fo, D, po, m, size, fo, fi, zero)
            _rows(True, acts[l - 1], A, po, m, fi, size, D, tmp, loops, io, c)


@njit(cache=True)
def scratch(sizes, m, like):
    """Buffers for batches of up to ``m`` rows, in ``like``'s dtype: ``A`` (every layer's z_l /
    a_l, transposed: row j of layer l at ``(a_off[l] + j) m``, each layer's units then a row of
    ones, for db), ``D`` (delta_l, the same rows), ``tmp``, ``rowsum``, ``gs`` ([dW; db] from
    BLAS)."""
    L = sizes.shape[0] - 1
    a_off = _layout(sizes)[3]
    A = np.zeros(a_off[L] * m, like.dtype)
    for l in range(L):
        A[(a_off[l + 1] - 1) * m:a_off[l + 1] * m] = 1
    D = np.zeros(a_off[L] * m, like.dtype)
    widest = 1
    for l in range(1, L + 1):
        widest = max(widest, sizes[l])
    tmp = np.empty(widest * m, like.dtype)
    rowsum = np.empty(m, like.dtype)
    gs = np.empty((max(widest, sizes[0]) + 1) * widest, like.dtype)
    return A, D, tmp, rowsum, gs
