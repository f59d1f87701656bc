"""The tutorial's network in plain NumPy, for any depth: the reference the engine is tested against.

Nothing is preallocated and nothing is changed in place: every line is one equation of
docs/math.md, written with the tutorial's names. Layers are numbered l = 1..L as in the math, lists
from 0: ``Ws[0]`` is W_1 and ``a[l]`` is a_l (``a[0]`` is X). ``activations`` names the hidden
layers' f, one per hidden layer (``['tanh']`` is the tutorial)::

    z_l = a_{l-1} W_l + b_l,   a_l = f(z_l) (l < L),   a_L = softmax(z_L)
    loss = (CE + alpha/2 sum_l ||W_l||^2) / N,   CE = -sum_i log a_L[i, y_i]
    delta_L = a_L - Y,   delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)
    dW_l = (a_{l-1}^T delta_l + alpha W_l) / N,   db_l = sum_i delta_l[i] / N

The 1/N is multiplied in last, as the number 1/N: with a power-of-two rate the step then rounds
exactly as the tutorial's summed-gradient step, and ``lr = epsilon N = 2.0`` reproduces its 20000
passes bit for bit. The fast engine (``network.py``) is the same math arranged for speed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nnscratch.engine.losses import SAFE_LOGIT, SAFE_LOGIT_FLOAT32

Array = np.ndarray

F: dict[str, Callable[[Array], Array]] = {  # a = f(z)
    "tanh": np.tanh,
    "logistic": lambda z: 1 / (1 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
    "softplus": lambda z: np.logaddexp(0, z),
    "identity": lambda z: z,
}
DF: dict[str, Callable[[Array], Array]] = {  # f'(z) through a = f(z): tanh' = 1 - a^2
    "tanh": lambda a: 1 - a**2,
    "logistic": lambda a: a * (1 - a),
    "relu": lambda a: (a > 0).astype(a.dtype),
    "leaky_relu": lambda a: np.where(a > 0, 1, 0.01).astype(a.dtype),
    "elu": lambda a: np.where(a > 0, 1, a + 1).astype(a.dtype),
    "softplus": lambda a: -np.expm1(-a),
    "identity": lambda a: np.ones_like(a),
}
F["sigmoid"], DF["sigmoid"] = F["logistic"], DF["logistic"]


def softmax(z: Array) -> Array:
    """softmax(z)_ik = e^{z_ik} / sum_j e^{z_ij}, for logits z of shape (N, K).

    Evaluated as written (the tutorial's rounding) while e^z can neither overflow nor underflow;
    beyond that each row is first shifted by its largest logit, which leaves the value unchanged.
    """
    safe = SAFE_LOGIT if z.dtype == np.float64 else SAFE_LOGIT_FLOAT32
    if np.abs(z).max() > safe:
        z = z - z.max(axis=1, keepdims=True)  # softmax(z) = softmax(z - max_j z_j)
    exp_scores = np.exp(z)  # e^{z_ik}
    return exp_scores / np.sum(exp_scores, axis=1, keepdims=True)  # e^{z_ik} / sum_j e^{z_ij}


def forward(Ws: Sequence[Array], bs: Sequence[Array], X: Array,
            activations: Sequence[str]) -> list[Array]:
    """Every layer's output ``[a_0 = X, a_1, ..., a_L]``, ``a_L`` the class probabilities.

    ``Ws[l]`` has shape (fan_in, fan_out), ``bs[l]`` (fan_out,), X (N, n_features).
    """
    L = len(Ws)
    a = [X]  # a_0 = X
    for l in range(1, L + 1):
        z = a[l - 1].dot(Ws[l - 1]) + bs[l - 1]  # z_l = a_{l-1} W_l + b_l
        a.append(F[activations[l - 1]](z) if l < L else softmax(z))  # a_l = f(z_l); a_L = softmax
    return a


def loss(Ws: Sequence[Array], bs: Sequence[Array], X: Array, y: Array,
         activations: Sequence[str], alpha: float = 0.0) -> float:
    """The mean loss (CE + alpha/2 sum_l ||W_l||^2) / N for integer labels y (N,)."""
    N = len(X)
    probs = forward(Ws, bs, X, activations)[-1]
    data_loss = np.sum(-np.log(probs[range(N), y]))  # CE = -sum_i log a_L[i, y_i]
    data_loss += alpha / 2 * sum(np.sum(np.square(W)) for W in Ws)  # + alpha/2 sum ||W_l||^2
    return float(data_loss / N)  # / N


def deltas(Ws: Sequence[Array], a: Sequence[Array], y: Array,
           activations: Sequence[str]) -> list[Array]:
    """``[delta_1, ..., delta_L]``, delta_l = d(N loss)/dz_l, from the forward pass ``a``."""
    L = len(Ws)
    Y = np.eye(a[L].shape[1], dtype=a[L].dtype)[y]  # Y_ik = 1 if y_i = k else 0
    delta = [a[L] - Y]  # delta_L = a_L - Y  (softmax + cross-entropy)
    for l in range(L - 1, 0, -1):
        # delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)
        delta.insert(0, delta[0].dot(Ws[l].T) * DF[activations[l - 1]](a[l]))
    return delta


def backprop(Ws: Sequence[Array], bs: Sequence[Array], X: Array, y: Array,
             activations: Sequence[str], alpha: float = 0.0) -> tuple[list[Array], list[Array]]:
    """Gradient ``(dWs, dbs)`` of the mean loss (see :func:`loss`), same shapes as Ws, bs."""
    N = len(X)
    a = forward(Ws, bs, X, activations)
    delta = deltas(Ws, a, y, activations)
    # dW_l = (a_{l-1}^T delta_l + alpha W_l) / N
    dWs = [(a[l].T.dot(delta[l]) + alpha * Ws[l]) * (1 / N) for l in range(len(Ws))]
    dbs = [np.sum(d, axis=0) * (1 / N) for d in delta]  # db_l = sum_i delta_l[i] / N
    return dWs, dbs


def gd_step(Ws: Sequence[Array], bs: Sequence[Array], dWs: Sequence[Array],
            dbs: Sequence[Array], lr: float) -> tuple[list[Array], list[Array]]:
    """One step of gradient descent, as new arrays: W_l - lr dW_l, b_l - lr db_l."""
    return ([W - lr * dW for W, dW in zip(Ws, dWs)],  # W_l <- W_l - lr dW_l
            [b - lr * db for b, db in zip(bs, dbs)])  # b_l <- b_l - lr db_l
