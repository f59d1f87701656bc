"""Training curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes

from nnscratch.viz.figures import new_axes


def plot_loss_curve(loss: Sequence[float], ax: Axes | None = None, label: str = "training loss",
                    val_loss: Sequence[float] | None = None, title: str | None = None,
                    logy: bool = True) -> Axes:
    """Loss per epoch (and validation loss if given)."""
    ax = new_axes(ax)
    epochs = np.arange(1, len(loss) + 1)
    ax.plot(epochs, loss, label=label, lw=1.2)
    if val_loss is not None and len(val_loss):
        ax.plot(np.arange(1, len(val_loss) + 1), val_loss, label="validation loss", lw=1.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    if logy:
        ax.set_yscale("log")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax
