"""Gradient check: backpropagation against central finite differences.

For every parameter theta_j::

    dL/dtheta_j ~ (L(theta + h e_j) - L(theta - h e_j)) / (2 h)      error O(h^2)

and per parameter array the relative error ``||g_fd - g_bp|| / (||g_fd|| + ||g_bp||)``
(0 when both vanish). It always runs in float64 (a float32 network is checked on a float64 copy):
float32 rounding would swamp the O(h^2) term.
"""

from __future__ import annotations

import numpy as np

from nnscratch.engine.losses import mean_loss
from nnscratch.engine.network import Network, buffers, forward_loss


def numerical_gradient(net: Network, X: np.ndarray, Y: np.ndarray, alpha: float = 0.0,
                       h: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the mean loss w.r.t. ``net.params.flat``."""
    params, acts = net.params, net.activations
    flat = params.flat
    a = buffers(params, X.shape[0])

    def loss() -> float:
        return mean_loss(forward_loss(params, acts, X, Y, a), params.weights, alpha, X.shape[0])

    grad = np.empty_like(flat)
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + h
        up = loss()
        flat[j] = old - h
        down = loss()
        flat[j] = old
        grad[j] = (up - down) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / (||a|| + ||b||)``, 0 when both are 0."""
    denom = float(np.linalg.norm(a) + np.linalg.norm(b))
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b)) / denom


def gradcheck(net: Network, X: np.ndarray, Y: np.ndarray, alpha: float = 0.0,
              h: float = 1e-6) -> dict[str, float]:
    """Relative error of backprop vs finite differences, per parameter array.

    Parameters
    ----------
    net : Network (float32 parameters are checked on a float64 copy)
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_classes), one-hot
    alpha : float, L2 strength
    h : float, finite-difference step

    Returns
    -------
    errors : dict ``{'W1': err, 'b1': err, 'W2': ...}``
    """
    if net.params.dtype != np.float64:  # float32 rounding would swamp the O(h^2) term
        net = Network(net.params.astype(np.float64), net.activations)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    _, grads = net.loss_and_grad(X, Y, alpha)
    numeric = type(net.params)(net.layer_sizes, flat=numerical_gradient(net, X, Y, alpha, h))
    errors = {}
    for l in range(len(net.params.coefs)):
        errors[f"W{l + 1}"] = relative_error(numeric.coefs[l], grads.coefs[l])
        errors[f"b{l + 1}"] = relative_error(numeric.intercepts[l], grads.intercepts[l])
    return errors
