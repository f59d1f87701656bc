"""Softmax, cross-entropy and the L2 penalty.

For N samples, K classes, logits z (N, K), one-hot targets Y (N, K) and weights W[l]::

    softmax(z)_ik = e^{z_ik} / sum_j e^{z_ij}
    CE            = sum_i [ logsumexp(z_i) - z_{i, y_i} ]           (summed over samples)
    loss          = ( CE + alpha/2 * sum_l ||W[l]||^2 ) / N          (the tutorial's calculate_loss)
    dloss/dz      = ( softmax(z) - Y ) / N                           (softmax + cross-entropy)

Stability: while every logit lies in [-SAFE_LOGIT, SAFE_LOGIT] (SAFE_LOGIT_FLOAT32 for float32),
``e^z`` can neither overflow nor underflow, and softmax is evaluated as written (the same rounding
as the tutorial, whose chaotic edge-of-stability run depends on it bit for bit). Outside that range
each row is first shifted by its maximum, which leaves softmax unchanged mathematically and keeps
every value finite (logits of +-1e4 and beyond).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

SAFE_LOGIT = 500.0  # float64: e^500 ~ 1e217 and e^-500 ~ 7e-218 are normal numbers
SAFE_LOGIT_FLOAT32 = 80.0  # float32: e^80 ~ 6e34 (max 3e38), e^-80 ~ 2e-35 (tiny 1e-38)


def softmax(z: Array, rowsum: Array | None = None, ones: Array | None = None) -> float:
    """Overwrite logits ``z`` with ``softmax(z)``; return ``sum_i logsumexp(z_i)``.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_classes)
        Logits; overwritten with probabilities.
    rowsum : ndarray of shape (n_samples, 1), optional
        Scratch for the row sums.
    ones : ndarray of shape (n_classes, 1), optional
        A column of ones (row sums as one matrix product).

    Returns
    -------
    lse : float
        ``sum_i log sum_k exp(z_ik)`` of the logits as given (before overwriting).
    """
    n, k = z.shape
    if rowsum is None:
        rowsum = np.empty((n, 1), dtype=z.dtype)
    if ones is None:
        ones = np.ones((k, 1), dtype=z.dtype)
    shift = 0.0
    safe = SAFE_LOGIT if z.dtype == np.float64 else SAFE_LOGIT_FLOAT32
    # every |z_ik| <= safe? sum z^2 <= safe^2 proves it in one cheap call; else look closer
    if n and not np.vdot(z, z) <= safe**2 and (z.max() > safe or z.min() < -safe):
        row_max = z.max(axis=1, keepdims=True)
        z -= row_max  # softmax(z) = softmax(z - max_k z_k): the largest exponent becomes 0
        shift = float(row_max.sum(dtype=np.float64))  # float32 maxima can overflow a float32 sum
    np.exp(z, out=z)  # e^{z_ik}
    np.dot(z, ones, out=rowsum)  # s_i = sum_k e^{z_ik}
    z /= rowsum  # softmax(z)_ik = e^{z_ik} / s_i
    np.log(rowsum, out=rowsum)
    return float(rowsum.sum()) + shift  # sum_i log s_i (+ the shifts taken out)


def cross_entropy_sum(z: Array, y_onehot: Array, rowsum: Array | None = None,
                      ones: Array | None = None) -> float:
    """Summed cross-entropy of logits ``z``; overwrites ``z`` with ``softmax(z)``.

    ``CE = sum_i [logsumexp(z_i) - z_{i,y_i}]`` and ``z_{i,y_i} = sum_k Y_ik z_ik``.
    """
    z_true = float(np.vdot(y_onehot, z))  # sum_i z_{i, y_i}, before z is overwritten
    return softmax(z, rowsum, ones) - z_true


def output_delta(probs: Array, y_onehot: Array, out: Array | None = None) -> Array:
    """delta_out = softmax(z) - onehot(y)  (softmax + cross-entropy, per sample, unscaled)."""
    return np.subtract(probs, y_onehot, out=out)


def l2_penalty(weights: Array, alpha: float) -> float:
    """alpha/2 * sum W^2 over all weight matrices (biases excluded), here a flat vector."""
    return 0.5 * alpha * float(np.vdot(weights, weights))


def mean_loss(ce_sum: float, weights: Array, alpha: float, n_samples: int) -> float:
    """loss = (CE + alpha/2 * sum W^2) / N: the tutorial's ``calculate_loss``."""
    return (ce_sum + l2_penalty(weights, alpha)) / n_samples


def one_hot(y: Array, n_classes: int, dtype: np.dtype | type = np.float64) -> Array:
    """Y_ik = 1 if y_i == k else 0, for integer labels ``y`` in ``0..n_classes-1``."""
    y = np.asarray(y)
    out = np.zeros((y.shape[0], n_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out
