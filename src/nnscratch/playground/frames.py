"""What a frame shows, computed by the engine's own forward pass over a grid of the plane.

The grid has ``G x G`` cells over the square ``bounds = (x0, x1, y0, y1)``; cell (i, j) (row i from
the top, column j from the left) is the point::

    x_j = x0 + (j + 1/2) (x1 - x0) / G,    y_i = y1 - (i + 1/2) (y1 - y0) / G

One forward pass of the live network over the G^2 points (``engine.network.predict_proba``, the
function ``Network.predict_proba`` runs, in chunks) gives both views:

- the surface: the softmax probabilities a_L, quantised to one byte per cell and class,
  ``round(255 p)`` (so the page's value differs from ``predict_proba`` by at most 1/510);
- the neuron maps: every hidden activation a_l[:, j] on every ``stride``-th row and column of
  the grid (at most 32 x 32 per neuron), one byte per cell, ``round(255 (a / m + 1) / 2)`` with
  ``m`` = 1 for tanh and logistic, else ``max |a|`` over the map (sent in the header).
"""

from __future__ import annotations

import numpy as np

from nnscratch.engine import Network
from nnscratch.engine._batching import PREDICT_CHUNK_ROWS, Workspace
from nnscratch.engine.network import buffers, forward_loss, predict_proba

NEURON_GRID = 32  # neuron maps have at most this many cells per side
BOUNDED = {"tanh": 1.0, "logistic": 1.0}  # activations whose |a| <= 1: a fixed colour scale


def grid_points(bounds: tuple[float, float, float, float], G: int) -> np.ndarray:
    """The cell centres, row by row from the top, shape (G * G, 2)."""
    x0, x1, y0, y1 = bounds
    xs = x0 + (np.arange(G) + 0.5) * (x1 - x0) / G
    ys = y1 - (np.arange(G) + 0.5) * (y1 - y0) / G
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def neuron_stride(G: int) -> int:
    return max(1, -(-G // NEURON_GRID))


class Renderer:
    """Forward passes over one grid, reusing one workspace (a frame allocates little).

    Parameters
    ----------
    points : ndarray of shape (G * G, 2), the network's inputs at the cell centres
        (``grid_points`` mapped through the data's scaling)
    G : cells per side
    """

    def __init__(self, points: np.ndarray, G: int) -> None:
        self.points, self.G = points, G
        self.stride = neuron_stride(G)
        self._ws: dict[tuple[int, ...], Workspace] = {}

    def render(self, net: Network) -> tuple[np.ndarray, np.ndarray, list[float]]:
        """Surface bytes, neuron-map bytes and the neuron scales for ``net``'s current weights.

        Returns
        -------
        surface : uint8 ndarray of shape (G, G, K)
        neurons : uint8 ndarray of shape (n_hidden_neurons, Gn, Gn), layer by layer
        scales : list of float, ``m`` of each neuron map
        """
        G, sizes = self.G, net.layer_sizes
        n = G * G
        rows = min(n, PREDICT_CHUNK_ROWS)
        ws = self._ws.get(sizes)
        if ws is None:
            ws = self._ws[sizes] = Workspace(sizes, rows, net.params.dtype, backward=False)
        proba = np.empty((n, sizes[-1]))
        hidden = [np.empty((n, width)) for width in sizes[1:-1]]
        for start in range(0, n, rows):
            part = self.points[start : start + rows]
            w = ws.rows(part.shape[0])
            proba[start : start + len(part)] = predict_proba(net.params, net.activations, part,
                                                             w.a, w.rowsum, w.ones_k)
            for l, out in enumerate(hidden):
                out[start : start + len(part)] = w.a[l]  # a_{l+1}, left in the workspace
        surface = quantize_proba(proba).reshape(G, G, sizes[-1])
        maps, scales = [], []
        s = self.stride
        for act, a in zip(net.activations, hidden):
            grid = a.reshape(G, G, -1)[::s, ::s]
            for j in range(grid.shape[2]):
                m = BOUNDED.get(act.name) or float(np.max(np.abs(grid[:, :, j]))) or 1.0
                scales.append(m)
                maps.append(np.rint((grid[:, :, j] / m + 1.0) * 127.5).astype(np.uint8))
        Gn = -(-G // s)
        neurons = np.stack(maps) if maps else np.zeros((0, Gn, Gn), np.uint8)
        return surface, neurons, scales


def loss_and_accuracy(net: Network, X: np.ndarray, Y: np.ndarray, y: np.ndarray, alpha: float
                      ) -> tuple[float, float]:
    """``Network.loss`` (mean loss at the current weights) and the accuracy, in one forward pass.

    ``forward_loss`` leaves the probabilities in ``a[-1]``: their argmax is the prediction.
    """
    a = buffers(net.params, X.shape[0])
    ce = forward_loss(net.params, net.activations, X, Y, a)
    w = net.params.weights
    loss = (ce + 0.5 * alpha * float(np.vdot(w, w))) / X.shape[0]  # as Network.loss
    return loss, float(np.mean(np.argmax(a[-1], axis=1) == y))


def quantize_proba(p: np.ndarray) -> np.ndarray:
    """Probabilities in [0, 1] -> bytes ``round(255 p)``."""
    return np.rint(np.clip(p, 0.0, 1.0) * 255.0).astype(np.uint8)


def flat_weights(net: Network) -> np.ndarray:
    """W_1, b_1, W_2, b_2, ... as one float32 vector (each W row-major, fan_in x fan_out)."""
    parts: list[np.ndarray] = []
    for W, b in zip(net.params.coefs, net.params.intercepts):
        parts += [W.ravel(), b.ravel()]
    return np.concatenate(parts).astype(np.float32)

