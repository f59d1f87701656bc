"""The compiled loop of :mod:`nnscratch.engine._fused` (needs numba; imported only when used).

One call of :func:`run_epochs` trains for up to ``epochs`` epochs: for every batch the forward
pass, the loss, backpropagation and the optimizer step of ``network.py`` / ``optimizers.py``, in
the same order of floating-point operations (module docstring of ``_fused``):

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

Parameters follow ``Params``: one flat vector ``[W_1, ..., W_L, b_1, ..., b_L]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from nnscratch.engine import _fused_ops as ops
from nnscratch.engine._fused_ops import L_EXP, L_EXPM1, L_LOG, L_LOGADDEXP, L_TANH

# activation codes (the order of _fused.ACT_CODES) and optimizer codes
IDENTITY, TANH, LOGISTIC, RELU, LEAKY_RELU, ELU, SOFTPLUS = range(7)
GD, MOMENTUM, NESTEROV, ADAM = range(4)
# returned codes
DONE, STALLED, DIVERGED = range(3)


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
        between hidden layers goes to it instead of the kernel's own loops
    state : float64 [best loss, stall count, loss limit, first loss, diverged loss, tol (nan: None),
            n_iter_no_change, safe logit, alpha, updates made]
    losses : (epochs,) epoch losses
    state[9] is set to the number of updates made.
    """
    L = sizes.shape[0] - 1
    n = X.shape[0] // sizes[0]
    n_w = 0
    for l in range(L):
        n_w += sizes[l] * sizes[l + 1]
    w_off = np.zeros(L + 1, np.int64)  # W_l at w_off[l], b_l at b_off[l]
    b_off = np.zeros(L + 1, np.int64)
    a_off = np.zeros(L + 1, np.int64)  # layer l's buffer rows start at a_off[l] * m
    b_off[0] = n_w
    for l in range(L):
        w_off[l + 1] = w_off[l] + sizes[l] * sizes[l + 1]
        b_off[l + 1] = b_off[l] + sizes[l + 1]
        a_off[l + 1] = a_off[l] + sizes[l + 1] + 1  # the units' rows, then a row of ones
    n_in, K = sizes[0], sizes[L]
    zero = c[2]
    # transposed buffers: row j of layer l (unit j over the batch) at (a_off[l] + j) * m
    A = np.zeros(a_off[L] * m, flat.dtype)  # z_l / a_l of every layer
    for l in range(L):  # each layer's row of ones (db in _gram)
        A[(a_off[l + 1] - 1) * m:a_off[l + 1] * m] = 1
    D = np.zeros(a_off[L] * m, flat.dtype)  # delta_l
    widest = 1
    for l in range(1, L + 1):
        widest = max(widest, sizes[l])
    tmp = np.empty(widest * m, flat.dtype)
    rowsum = np.empty(m, flat.dtype)
    gs = np.empty((max(widest, n_in) + 1) * widest, flat.dtype)  # [dW_l; db_l] from BLAS
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
            zo = a_off[L - 1] * m
            ce = _softmax_ce(A, zo, m, ys, y0, size, K, rowsum, tmp, acc, loops, io, dot_fn,
                             safe)
            batch = ce + 0.5 * alpha_loss * ops.dot(dot_fn, flat, 0, flat, 0, n_w)  # N_b * loss_b
            if not (math.isfinite(batch) and batch <= state[2] * size):
                state[4] = batch / size
                state[9] = step
                return e, DIVERGED
            if state[2] == math.inf:
                state[3] = batch / size
                state[2] = 1e4 * max(state[3], 1.0)
            total += batch
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
