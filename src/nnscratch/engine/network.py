"""A fully connected network: forward pass, loss and backpropagation, for any depth.

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

The 1/N is applied last, as one multiplication by the number 1/N: with a power-of-two learning rate
(the tutorial's lr = 0.01 * 200 = 2) that rounds exactly as the tutorial's summed-gradient step.

The functions take a :class:`Workspace` of preallocated buffers and write into it; nothing is
allocated per step. ``Network`` bundles layer sizes, activations and parameters.

Large batches are processed in chunks of at most ``CHUNK_ROWS`` rows (:func:`forward_backward`):
the gradient is a sum over samples, so summing chunk by chunk gives the same gradient (up to
rounding) while every buffer stays in the CPU cache and memory stays small. The chunks are shared
out to one thread per core (NumPy releases the GIL inside BLAS and ufunc loops), each summing its
own contiguous share; the shares are added in a fixed order, so results do not depend on timing.
Batches of at most ``CHUNK_ROWS`` rows (the tutorial's 200) take the unchunked path, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnscratch.engine.activations import Activation, get_activation
from nnscratch.engine.losses import cross_entropy_sum, output_delta, softmax
from nnscratch.engine.parallel import THREADS, submit
from nnscratch.engine.params import Params

Array = np.ndarray

CHUNK_ROWS = 4096  # rows per chunk of a large batch: ~1 MiB buffers; long enough calls that
# two threads rarely wait for the GIL (measured best of 1024..16384 at 1e4 and 1e5 rows)
PREDICT_CHUNK_ROWS = 4096  # rows per chunk of a prediction


class Workspace:
    """Buffers for a forward and backward pass over at most ``n_rows`` samples.

    ``a[l]`` holds z_l, then a_l = f(z_l) (the output layer: the probabilities);
    ``delta[l]`` holds delta_l; ``tmp[l]`` is scratch for f'(z_l).
    ``rows(m)`` gives views over the first m rows (a smaller last minibatch), cached.
    """

    def __init__(self, layer_sizes: Sequence[int], n_rows: int, dtype: type | np.dtype,
                 threads: int = 1) -> None:
        self.n_rows = n_rows
        self.dtype = np.dtype(dtype)
        self.layer_sizes = tuple(layer_sizes)
        outs = list(layer_sizes[1:])
        self.a = [np.empty((n_rows, s), dtype) for s in outs]
        self.delta = [np.empty((n_rows, s), dtype) for s in outs]
        self.tmp = [np.empty((n_rows, s), dtype) for s in outs[:-1]]
        self.rowsum = np.empty((n_rows, 1), dtype)
        self.ones_k = np.ones((outs[-1], 1), dtype)  # row sums of the softmax as a product
        # one more workspace per extra thread, for batches of several chunks
        self.helpers = [Workspace(layer_sizes, n_rows, dtype) for _ in range(threads - 1)]
        self._root = self  # views share the root's gradient buffers
        self._sums: dict[str, Params] = {}
        self._w_tmp: Array | None = None
        self._views: dict[int, Workspace] = {n_rows: self}

    def _params(self, name: str) -> Params:
        sums = self._root._sums
        if name not in sums:  # allocated on first use: prediction never needs them
            sums[name] = Params(self.layer_sizes, self.dtype)
        return sums[name]

    @property
    def part(self) -> Params:
        """One chunk's summed gradient (large batches)."""
        return self._params("part")

    @property
    def share(self) -> Params:
        """A helper thread's summed gradient."""
        return self._params("share")

    @property
    def w_tmp(self) -> Array:
        """Scratch for alpha W (as long as all the weights)."""
        root = self._root
        if root._w_tmp is None:
            root._w_tmp = np.empty(self._params("part").n_weights, self.dtype)
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
            view.helpers, view._root, view._sums = self.helpers, self._root, self._sums
            view._views = self._views
            self._views[m] = view
        return view


def forward(params: Params, activations: Sequence[Activation], X: Array, ws: Workspace) -> Array:
    """Logits of the output layer; hidden activations are left in ``ws.a``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    ws : Workspace with at least n_samples rows (``ws.rows(n_samples)``)

    Returns
    -------
    z_L : ndarray of shape (n_samples, n_outputs), a view of ``ws.a[-1]``
    """
    a_prev = X
    last = len(params.coefs) - 1
    for l, (W, b) in enumerate(zip(params.coefs, params.intercepts)):
        z = ws.a[l]
        np.dot(a_prev, W, out=z)  # z_l = a_{l-1} W_l
        z += b  # ... + b_l
        if l < last:
            activations[l].forward(z)  # a_l = f(z_l), in place
        a_prev = z
    return ws.a[last]


def forward_loss(params: Params, activations: Sequence[Activation], X: Array, Y: Array,
                 ws: Workspace) -> float:
    """Forward pass; leaves probabilities in ``ws.a[-1]``; returns the summed cross-entropy."""
    z = forward(params, activations, X, ws)
    return cross_entropy_sum(z, Y, ws.rowsum, ws.ones_k)


def predict_proba(params: Params, activations: Sequence[Activation], X: Array,
                  ws: Workspace) -> Array:
    """Class probabilities for ``X`` (n_samples <= ws.n_rows), a view of ``ws.a[-1]``."""
    z = forward(params, activations, X, ws)
    softmax(z, ws.rowsum, ws.ones_k)
    return z


def backward_sum(params: Params, activations: Sequence[Activation], X: Array, Y: Array,
                 ws: Workspace, grads: Params) -> Params:
    """Gradient of the *summed* cross-entropy (no L2, no 1/N); call after :func:`forward_loss`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs), one-hot targets
    ws : Workspace holding the forward pass of X
    grads : Params, same layout as ``params``; overwritten

    Returns
    -------
    grads : Params
    """
    L = len(params.coefs)
    delta = output_delta(ws.a[L - 1], Y, out=ws.delta[L - 1])  # delta_L = softmax(z_L) - Y
    for l in range(L - 1, -1, -1):
        a_prev = X if l == 0 else ws.a[l - 1]
        np.dot(a_prev.T, delta, out=grads.coefs[l])  # dW_l = a_{l-1}^T delta_l
        np.einsum("ij->j", delta, out=grads.intercepts[l])  # db_l = sum_i delta_l[i]
        if l > 0:
            prev = ws.delta[l - 1]
            np.dot(delta, params.coefs[l].T, out=prev)  # delta_{l-1} = delta_l W_l^T ...
            activations[l - 1].backward(ws.a[l - 1], prev, ws.tmp[l - 1])  # ... * f'(z_{l-1})
            delta = prev
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


def backward(params: Params, activations: Sequence[Activation], X: Array, Y: Array,
             ws: Workspace, alpha: float, grads: Params) -> Params:
    """Gradient of the mean loss, written into ``grads``; call after :func:`forward_loss`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs), one-hot targets
    ws : Workspace holding the forward pass of X
    alpha : float, L2 strength
    grads : Params, same layout as ``params``; overwritten

    Returns
    -------
    grads : Params
    """
    backward_sum(params, activations, X, Y, ws, grads)
    return mean_gradient(params, grads, alpha, X.shape[0], ws.w_tmp)


def chunked_sum(params: Params, activations: Sequence[Activation], X: Array, Y: Array,
                ws: Workspace, grads: Params) -> float:
    """Summed cross-entropy and summed data gradient (into ``grads``), ``ws.n_rows`` rows at a time.

    ::

        CE = sum_c CE_c,   dW_l = sum_c a_{l-1,c}^T delta_{l,c},   db_l = sum_c sum_i delta_{l,c}[i]
    """
    ce = 0.0
    for start in range(0, X.shape[0], ws.n_rows):
        xc, yc = X[start : start + ws.n_rows], Y[start : start + ws.n_rows]
        wsc = ws.rows(xc.shape[0])
        ce += forward_loss(params, activations, xc, yc, wsc)
        if start == 0:
            backward_sum(params, activations, xc, yc, wsc, grads)
        else:
            grads.flat += backward_sum(params, activations, xc, yc, wsc, ws.part).flat
    return ce


def forward_backward(params: Params, activations: Sequence[Activation], X: Array, Y: Array,
                     ws: Workspace, alpha: float, grads: Params) -> float:
    """Summed cross-entropy of a batch and the gradient of its mean loss (into ``grads``).

    A batch larger than ``ws`` is cut into equal contiguous shares, one per thread (this one and
    ``ws.helpers``); each share is summed by :func:`chunked_sum`, then the shares are added in
    order.

    Returns
    -------
    ce : float, summed cross-entropy of the batch (before the step)
    """
    n = X.shape[0]
    if n <= ws.n_rows:  # one chunk: forward, then backward
        wsn = ws.rows(n)
        ce = forward_loss(params, activations, X, Y, wsn)
        backward(params, activations, X, Y, wsn, alpha, grads)
        return ce
    threads = min(len(ws.helpers) + 1, -(-n // ws.n_rows))  # at most one thread per chunk
    per = -(-n // threads)  # rows per share: equal shares, none of them empty
    helpers = ws.helpers[: -(-n // per) - 1]
    futures = [
        submit(chunked_sum, params, activations, X[(i + 1) * per : (i + 2) * per],
                Y[(i + 1) * per : (i + 2) * per], h, h.share)
        for i, h in enumerate(helpers)
    ]
    ce = chunked_sum(params, activations, X[:per], Y[:per], ws, grads)
    for future, h in zip(futures, helpers):
        ce += future.result()
        grads.flat += h.share.flat
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

    def workspace(self, n_rows: int, threads: int = 1) -> Workspace:
        return Workspace(self.layer_sizes, n_rows, self.params.dtype, threads)

    def loss(self, X: Array, Y: Array, alpha: float = 0.0) -> float:
        """Mean loss ``(CE + alpha/2 sum W^2) / N`` (allocates a workspace)."""
        ce = forward_loss(self.params, self.activations, X, Y, self.workspace(X.shape[0]))
        w = self.params.weights
        return (ce + 0.5 * alpha * float(np.vdot(w, w))) / X.shape[0]

    def loss_and_grad(self, X: Array, Y: Array, alpha: float = 0.0) -> tuple[float, Params]:
        """Mean loss and its gradient (allocates; for checks and teaching)."""
        ws = self.workspace(X.shape[0])
        ce = forward_loss(self.params, self.activations, X, Y, ws)
        grads = backward(self.params, self.activations, X, Y, ws, alpha, self.params.zeros_like())
        w = self.params.weights
        return (ce + 0.5 * alpha * float(np.vdot(w, w))) / X.shape[0], grads

    def predict_proba(self, X: Array, chunk: int = PREDICT_CHUNK_ROWS) -> Array:
        """Class probabilities, in chunks of at most ``chunk`` rows, one share per core.

        ``X`` is taken in the parameters' dtype (float64 data for a float32 network is cast).
        """
        X = np.asarray(X, dtype=self.params.dtype)
        n = X.shape[0]
        out = np.empty((n, self.layer_sizes[-1]), self.params.dtype)
        threads = min(THREADS, -(-n // chunk))
        if threads <= 1:
            self._predict_share(X, out, self.workspace(min(n, chunk) or 1))
            return out
        per = -(-n // threads)
        shares = [slice(start, start + per) for start in range(0, n, per)]
        futures = [submit(self._predict_share, X[s], out[s], self.workspace(chunk))
                   for s in shares[1:]]
        self._predict_share(X[shares[0]], out[shares[0]], self.workspace(chunk))
        for future in futures:
            future.result()
        return out

    def _predict_share(self, X: Array, out: Array, ws: Workspace) -> None:
        for start in range(0, X.shape[0], ws.n_rows):
            part = X[start : start + ws.n_rows]
            out[start : start + part.shape[0]] = predict_proba(
                self.params, self.activations, part, ws.rows(part.shape[0])
            )
