"""The network drawn as a graph: one node per unit, one edge per weight.

Edge width grows with ``|w|`` (scaled so the largest weight of the whole network is
``max_width``), colour gives the sign (red positive, blue negative), as TensorFlow Playground draws
its connections. Biases are shown as the node colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

from nnscratch.engine import Network, Params
from nnscratch.viz.figures import Margins, new_axes

POSITIVE, NEGATIVE = "#d7301f", "#2166ac"
MAX_UNITS = 64  # larger layers would be a solid block of lines


def node_positions(layer_sizes: Sequence[int]) -> list[np.ndarray]:
    """(x, y) of every unit: layer l at x = l, units centred vertically, 1 apart."""
    return [np.c_[np.full(s, float(l)), np.arange(s, dtype=float)[::-1] - (s - 1) / 2.0]
            for l, s in enumerate(layer_sizes)]


def plot_network(net: Network | Params, ax: Axes | None = None, max_width: float = 6.0,
                 min_width: float = 0.3, title: str | None = None,
                 layer_names: Sequence[str] | None = None, margins: Margins | None = None) -> Axes:
    """Draw the layers as columns of nodes and every weight as a line.

    Parameters
    ----------
    net : Network or Params
    ax : Axes, optional
    max_width : line width of the largest ``|w|`` in the network
    min_width : line width of a zero weight (so every connection stays visible)
    title : str, optional
    layer_names : one label per layer (default: input, hidden 1, ..., output)
    margins : fixed margins of the new figure (default: constrained layout); unused with ``ax``

    Returns
    -------
    ax : Axes; ``ax.collections`` holds one LineCollection per weight matrix, with ``gid``
        ``"W1"``, ``"W2"``, ..., its segments in the order of ``W.ravel()`` (row i = input unit i)
    """
    params = net.params if isinstance(net, Network) else net
    sizes = params.layer_sizes
    if max(sizes) > MAX_UNITS:
        raise ValueError(f"the graph draws at most {MAX_UNITS} units per layer; got {sizes}")
    ax = new_axes(ax, figsize=(1.8 * len(sizes) + 1, 0.45 * max(sizes) + 2), margins=margins)
    pos = node_positions(sizes)
    wmax = max(float(np.max(np.abs(W))) for W in params.coefs) or 1.0
    for l, W in enumerate(params.coefs):
        src, dst = pos[l], pos[l + 1]
        # segment k joins input unit i to output unit j, k = i * fan_out + j (W.ravel() order)
        segs = np.stack([np.repeat(src, W.shape[1], axis=0), np.tile(dst, (W.shape[0], 1))],
                        axis=1)
        w = W.ravel()
        widths = min_width + (max_width - min_width) * np.abs(w) / wmax
        lines = LineCollection(list(segs), linewidths=widths, alpha=0.7, zorder=1,
                               colors=np.where(w >= 0, POSITIVE, NEGATIVE))
        lines.set_gid(f"W{l + 1}")
        ax.add_collection(lines)
    bmax = max((float(np.max(np.abs(b))) for b in params.intercepts), default=0.0) or 1.0
    ax.scatter(pos[0][:, 0], pos[0][:, 1], s=260, c="white", edgecolors="k", zorder=2)
    for l, xy in enumerate(pos[1:]):
        ax.scatter(xy[:, 0], xy[:, 1], s=260, c=params.intercepts[l], cmap="RdBu_r", vmin=-bmax,
                   vmax=bmax, edgecolors="k", zorder=2)
    names = list(layer_names) if layer_names else (
        ["input"] + [f"hidden {l}" for l in range(1, len(sizes) - 1)] + ["output"])
    for l, name in enumerate(names):
        ax.text(l, pos[l][:, 1].max() + 0.9, f"{name}\n({sizes[l]})", ha="center", va="bottom",
                fontsize="small")
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-max(sizes) / 2 - 0.5, max(sizes) / 2 + 1.6)
    ax.set_axis_off()
    ax.set_title(title or "Weights: width |w|, red positive, blue negative")
    return ax
