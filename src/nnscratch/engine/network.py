"""A fully connected network: forward pass, loss and backpropagation on preallocated buffers.

Notation (one row per sample; layer l = 1..L, a_0 = X)::

    z_l = a_{l-1} W_l + b_l                       W_l: (fan_in, fan_out), b_l: (fan_out,)
    a_l = f_l(z_l)            for hidden layers    (tanh in the tutorial)
    a_L = softmax(z_L)        output probabilities
    loss = (CE + alpha/2 sum_l ||W_l||^2) / N      (see losses.py)

Backpropagation, for the summed objective N * loss::

    delta_L = a_L - Y                             (softmax + cross-entropy)
    delta_l = (delta_{l+1} W_{l+1}^T) * f'(z_l)   (f' from a_l, e.g. 1 - a_l^2 for tanh)
    dW_l    = a_{l-1}^T delta_l + alpha W_l
    db_l    = sum_i delta_l[i]
    grad of the mean loss = (dW_l, db_l) * (1/N)

These are the equations of :mod:`nnscratch.engine.reference`, arranged for speed: every function
writes into buffers it is given (``a[l]`` holds z_{l+1}, then a_{l+1}, in place; ``delta[l]``
holds delta_{l+1}), so a training step allocates nothing. Omitted buffers are allocated, so each
function can be called, and gradient-checked, on its own. The L2 term and the 1/N are applied in
one place, :func:`mean_gradient`, after the sums, as one multiplication by the number 1/N: with a
power-of-two learning rate (the tutorial's lr = 0.01 * 200 = 2) that rounds exactly as the
tutorial's summed-gradient step. Chunks and threads for large batches: ``_batching.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nnscratch.engine._batching import PREDICT_CHUNK_ROWS, Workspace, predict_in_chunks, sum_chunks
from nnscratch.engine.activations import Activation, get_activation
from nnscratch.engine.losses import cross_entropy_sum, mean_loss, output_delta, softmax
from nnscratch.engine.params import Params

Array = np.ndarray
Buffers = list[np.ndarray]  # one (n_samples, n_l) array per layer l = 1..L


def buffers(params: Params, n_rows: int, hidden_only: bool = False) -> Buffers:
    """One ``(n_rows, n_l)`` array per layer (per hidden layer with ``hidden_only``)."""
    sizes = params.layer_sizes[1:-1] if hidden_only else params.layer_sizes[1:]
    return [np.empty((n_rows, s), params.dtype) for s in sizes]


def forward(params: Params, activations: Sequence[Activation], X: Array,
            a: Buffers | None = None, wb1: Array | None = None) -> Array:
    """Logits of the output layer; hidden activations are left in ``a``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features), or (n_samples, n_features + 1) with ``wb1``
    a : list of ndarray of shape (n_samples, n_l), l = 1..L, overwritten (allocated if None)
    wb1 : ndarray of shape (n_features + 1, n_1), optional
        Scratch for ``[W_1; b_1]``. Given, ``X`` is ``[X, 1]`` (a last column of ones, see
        :func:`~nnscratch.engine._batching.with_ones`) and b_1 is folded into the first product.

    Returns
    -------
    z_L : ndarray of shape (n_samples, n_outputs), ``a[-1]``
    """
    a = buffers(params, X.shape[0]) if a is None else a
    a_prev = X
    last = len(params.coefs) - 1
    for l, (W, b) in enumerate(zip(params.coefs, params.intercepts)):
        z = a[l]
        if l == 0 and wb1 is not None:
            wb1[:-1], wb1[-1] = W, b
            np.dot(X, wb1, out=z)  # z_1 = [X, 1] [W_1; b_1] = X W_1 + b_1
        else:
            np.dot(a_prev, W, out=z)  # z_l = a_{l-1} W_l
            z += b  # ... + b_l
        if l < last:
            activations[l].forward(z)  # a_l = f(z_l), in place
        a_prev = z
    return a[last]


def forward_loss(params: Params, activations: Sequence[Activation], X: Array, Y: Array,
                 a: Buffers, rowsum: Array | None = None, ones: Array | None = None,
                 wb1: Array | None = None) -> float:
    """Forward pass; leaves probabilities in ``a[-1]``; returns the summed cross-entropy.

    ``rowsum`` (n_samples, 1) and ``ones`` (n_classes, 1) are scratch for the softmax; ``wb1``
    as in :func:`forward` (then ``X`` is ``[X, 1]``).
    """
    z = forward(params, activations, X, a, wb1)
    return cross_entropy_sum(z, Y, rowsum, ones)


def predict_proba(params: Params, activations: Sequence[Activation], X: Array,
                  a: Buffers | None = None, rowsum: Array | None = None,
                  ones: Array | None = None) -> Array:
    """Class probabilities for ``X``, shape (n_samples, n_outputs): ``a[-1]``."""
    z = forward(params, activations, X, a)
    softmax(z, rowsum, ones)
    return z


def backward(params: Params, activations: Sequence[Activation], X: Array, Y: Array,
             a: Buffers, grads: Params | None = None, delta: Buffers | None = None,
             tmp: Buffers | None = None, g1: Array | None = None) -> Params:
    """Gradient of the *summed* cross-entropy (no L2, no 1/N); call after :func:`forward_loss`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs), one-hot targets
    a : the forward pass of X (probabilities last)
    grads : Params, same layout as ``params``; overwritten (allocated if None)
    delta, tmp : scratch per layer and per hidden layer (allocated if None)
    g1 : ndarray of shape (n_features + 1, n_1), optional
        Scratch for ``[dW_1; db_1]``. Given, ``X`` is ``[X, 1]`` and db_1 comes out of the
        product for dW_1.

    Returns
    -------
    grads : Params
    """
    n = X.shape[0]
    grads = params.zeros_like() if grads is None else grads
    delta = buffers(params, n) if delta is None else delta
    tmp = buffers(params, n, hidden_only=True) if tmp is None else tmp
    L = len(params.coefs)
    d = output_delta(a[L - 1], Y, out=delta[L - 1])  # delta_L = softmax(z_L) - Y
    for l in range(L - 1, -1, -1):
        if l == 0 and g1 is not None:
            np.dot(X.T, d, out=g1)  # [dW_1; db_1] = [X, 1]^T delta_1
            grads.coefs[0][...], grads.intercepts[0][...] = g1[:-1], g1[-1]
        else:
            a_prev = X if l == 0 else a[l - 1]
            np.dot(a_prev.T, d, out=grads.coefs[l])  # dW_l = a_{l-1}^T delta_l
            np.einsum("ij->j", d, out=grads.intercepts[l])  # db_l = sum_i delta_l[i]
        if l > 0:
            prev = delta[l - 1]
            np.dot(d, params.coefs[l].T, out=prev)  # delta_{l-1} = delta_l W_l^T ...
            activations[l - 1].backward(a[l - 1], prev, tmp[l - 1])  # ... * f'(z_{l-1})
            d = prev
    return grads


def mean_gradient(params: Params, grads: Params, alpha: float, n: int,
                  w_tmp: Array | None = None) -> Params:
    """Turn the summed data gradient into the gradient of the mean loss, in place.

    ``dW_l += alpha W_l`` (L2), then everything ``* (1/N)``. ``w_tmp`` (n_weights,) is scratch.
    """
    if alpha:
        g_w = grads.weights
        w_tmp = np.multiply(params.weights, alpha, out=w_tmp)  # alpha W
        g_w += w_tmp  # dW_l += alpha W_l
    grads.flat *= 1.0 / n  # gradient of the mean loss
    return grads


def forward_backward(params: Params, activations: Sequence[Activation], X1: Array, Y: Array,
                     ws: Workspace, alpha: float, grads: Params,
                     chunk_fn: Callable[[Array, Array, Workspace, Params], float] | None = None
                     ) -> float:
    """Summed cross-entropy of a batch and the gradient of its mean loss (into ``grads``).

    ``X1`` is the batch's inputs with a column of ones, ``[X, 1]``
    (:func:`~nnscratch.engine._batching.with_ones`): b_1 and db_1 then come out of the first
    layer's products, ``[X, 1] [W_1; b_1]`` and ``[X, 1]^T delta_1``, instead of a broadcast add
    and a sum over the batch of their own (a narrow layer pays ~2 us for each). Each is a sum of
    the same terms with one more, ``1 * b_1`` or ``1 * delta_1[i]``, which is exact; on the
    tutorial's shapes OpenBLAS rounds them as the separate operations, bit for bit.

    Forward, then backward, summed over the batch's fixed chunks of ``ws.n_rows`` rows
    (:func:`~nnscratch.engine._batching.sum_chunks`; one chunk for the tutorial), then L2 and 1/N.
    ``chunk_fn`` replaces the chunks' forward and backward pass (the fused path's compiled one,
    ``engine/_fused.py``); the sums over chunks, L2 and 1/N stay here.

    Returns
    -------
    ce : float, summed cross-entropy of the batch (before the step)
    """

    n = X1.shape[0]
    if chunk_fn is None and n == ws.n_rows:  # one chunk, the workspace's own buffers
        ce = forward_loss(params, activations, X1, Y, ws.a, ws.rowsum, ws.ones_k, ws.wb1)
        backward(params, activations, X1, Y, ws.a, grads, ws.delta, ws.tmp, ws.g1)
    else:
        def chunk(x1: Array, y: Array, w: Workspace, g: Params) -> float:
            ce = forward_loss(params, activations, x1, y, w.a, w.rowsum, w.ones_k, w.wb1)
            backward(params, activations, x1, y, w.a, g, w.delta, w.tmp, w.g1)
            return ce

        ce = sum_chunks(chunk if chunk_fn is None else chunk_fn, X1, Y, ws, grads)
    mean_gradient(params, grads, alpha, n, ws.w_tmp)
    return ce


class Network:
    """Layer sizes, hidden activations and parameters of a softmax classifier network.

    Parameters
    ----------
    params : Params
        Weights and biases; ``params.layer_sizes`` is ``(n_features, *hidden, n_classes)``.
    activation : str, Activation, or a sequence of them (one per hidden layer)
    """

    def __init__(self, params: Params, activation: str | Activation | Sequence[str | Activation]
                 = "tanh") -> None:
        n_hidden = len(params.layer_sizes) - 2
        if isinstance(activation, (str, Activation)):
            acts = [get_activation(activation)] * n_hidden
        else:
            acts = [get_activation(a) for a in activation]
            if len(acts) != n_hidden:
                raise ValueError(
                    f"need one activation per hidden layer ({n_hidden}); got {len(acts)}"
                )
        self.params = params
        self.activations = acts

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return self.params.layer_sizes

    def loss(self, X: Array, Y: Array, alpha: float = 0.0) -> float:
        """Mean loss ``(CE + alpha/2 sum W^2) / N`` (allocates its buffers)."""
        ce = forward_loss(self.params, self.activations, X, Y, buffers(self.params, X.shape[0]))
        return mean_loss(ce, self.params.weights, alpha, X.shape[0])

    def loss_and_grad(self, X: Array, Y: Array, alpha: float = 0.0) -> tuple[float, Params]:
        """Mean loss and its gradient (allocates; for checks and teaching)."""
        a = buffers(self.params, X.shape[0])
        ce = forward_loss(self.params, self.activations, X, Y, a)
        grads = backward(self.params, self.activations, X, Y, a)
        mean_gradient(self.params, grads, alpha, X.shape[0])
        return mean_loss(ce, self.params.weights, alpha, X.shape[0]), grads

    def predict_proba(self, X: Array, chunk: int = PREDICT_CHUNK_ROWS) -> Array:
        """Class probabilities, shape (n_samples, n_classes), in fixed chunks of ``chunk`` rows.

        ``X`` is taken in the parameters' dtype (float64 data for a float32 network is cast).
        """
        params, acts = self.params, self.activations
        X = np.asarray(X, dtype=params.dtype)
        out = np.empty((X.shape[0], self.layer_sizes[-1]), params.dtype)

        def chunk_probs(x: Array, ws: Workspace) -> Array:
            return predict_proba(params, acts, x, ws.a, ws.rowsum, ws.ones_k)

        return predict_in_chunks(chunk_probs, X, out, self.layer_sizes, chunk)
