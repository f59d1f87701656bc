"""What each neuron of the first hidden layer computes, over the input plane.

TensorFlow Playground draws every hidden unit as a small map of its activation; here, for a
network on 2-D inputs, panel j shows ``a_1[:, j] = f(z_1[:, j])`` with ``z_1 = x W_1 + b_1`` at
every point ``x`` of a mesh around the data: the tanh units of the tutorial are soft half-planes
whose edge is the line ``x W_1[:, j] + b_1[j] = 0``; the output layer combines them.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from nnscratch.engine import Network
from nnscratch.viz.boundary import grid
from nnscratch.viz.figures import Margins, new_figure

MAP_CMAP = "RdBu_r"  # diverging: negative blue, positive red, 0 white


def first_layer_activations(net: Network, points: np.ndarray) -> np.ndarray:
    """``a_1 = f(points W_1 + b_1)``: the first hidden layer's output.

    Parameters
    ----------
    net : Network with at least one hidden layer
    points : ndarray of shape (n_points, n_features)

    Returns
    -------
    a1 : ndarray of shape (n_points, hidden_1)
    """
    if len(net.params.coefs) < 2:
        raise ValueError("the network has no hidden layer to draw")
    W1, b1 = net.params.coefs[0], net.params.intercepts[0]
    z1 = points @ W1 + b1  # z_1 = x W_1 + b_1
    return net.activations[0].forward(z1)  # a_1 = f(z_1), in place


def plot_activation_maps(net: Network, X: np.ndarray, y: np.ndarray | None = None,
                         h: float = 0.05, max_neurons: int = 16, ncols: int | None = None,
                         fig: Figure | None = None, margins: Margins | None = None) -> Figure:
    """One map per neuron of the first hidden layer (at most ``max_neurons``), data on top.

    Parameters
    ----------
    net : Network on 2-D inputs
    X : ndarray of shape (n_samples, 2), sets the plotted region (and is drawn)
    y : ndarray of shape (n_samples,), optional colours of the data points
    h : mesh spacing
    max_neurons : draw the first ``max_neurons`` units only
    ncols : panels per row (default: about square)
    fig : Figure to draw into (a new headless one otherwise)
    margins : fixed margins of the new figure (default: constrained layout); unused with ``fig``

    Returns
    -------
    fig : Figure; ``fig.axes[j].images[0]`` holds neuron j's map (rows: the mesh's y, origin
        lower), with the activation range shared by all panels
    """
    if X.ndim != 2 or X.shape[1] != 2 or net.layer_sizes[0] != 2:
        raise ValueError(f"activation maps need a network on 2-D inputs; got X of shape {X.shape}")
    xx, yy = grid(X, h)
    a1 = first_layer_activations(net, np.c_[xx.ravel(), yy.ravel()])
    n = min(a1.shape[1], max_neurons)
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    fig = fig or new_figure((2.2 * ncols + 0.8, 2.2 * nrows + 0.3), margins)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    lim = float(np.max(np.abs(a1[:, :n]))) or 1.0
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    image = None
    for j, ax in enumerate(axes):
        if j >= n:
            ax.set_axis_off()
            continue
        image = ax.imshow(a1[:, j].reshape(xx.shape), origin="lower", extent=extent,
                          cmap=MAP_CMAP, vmin=-lim, vmax=lim, aspect="auto")
        if y is not None:
            ax.scatter(X[:, 0], X[:, 1], c=y, cmap="Spectral", s=6, edgecolors="k",
                       linewidths=0.2)
        ax.set_title(f"neuron {j + 1}", fontsize="small")
        ax.set_xticks([])
        ax.set_yticks([])
    if image is not None:
        fig.colorbar(image, ax=list(axes[:n]), label=f"{net.activations[0].name}(z)",
                     shrink=0.8)
    fig.suptitle("First hidden layer: activation of each neuron")
    return fig
