"""The decision boundary evolving during training, as an animated GIF.

A :class:`Snapshots` callback copies the parameters every ``every`` epochs while
:func:`nnscratch.engine.train` runs; :func:`animate_boundary` replays them as frames with
matplotlib's ``PillowWriter`` (Pillow ships with matplotlib: no ffmpeg needed)::

    snaps = Snapshots(net, every=200)
    history = train(net, X, Y, ..., callbacks=[snaps])
    animate_boundary(net, snaps, X, y, "out/training.gif")
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter

from nnscratch.engine import Network
from nnscratch.engine.callbacks import Snapshots
from nnscratch.viz.boundary import CMAP, grid, plot_data
from nnscratch.viz.figures import new_figure

__all__ = ["Snapshots", "animate_boundary"]




def animate_boundary(net: Network, snapshots: Snapshots, X: np.ndarray, y: np.ndarray,
                     path: str | os.PathLike[str], fps: int = 8, h: float | None = 0.05,
                     dpi: int = 72, title: str = "training") -> Path:
    """Write a GIF with one frame per snapshot: P(last class) shading and the data.

    Parameters
    ----------
    net : Network whose layout matches the snapshots (its parameters are restored afterwards)
    snapshots : Snapshots filled during training
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    path : output file (``.gif``); folders are created
    fps : frames per second
    h : mesh spacing (coarser than a still figure keeps the GIF small)
    dpi : resolution
    title : prefix of each frame's title

    Returns
    -------
    path : Path of the written GIF
    """
    if len(snapshots) == 0:
        raise ValueError("no snapshots to animate: train with callbacks=[snapshots] first")
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"the boundary animation needs 2-D data; got X of shape {X.shape}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    xx, yy = grid(X, h)
    points = np.c_[xx.ravel(), yy.ravel()]
    saved = net.params.flat.copy()
    try:
        frames = []
        for flat in snapshots.flats:
            net.params.flat[...] = flat
            frames.append(net.predict_proba(points)[:, -1].reshape(xx.shape))
    finally:
        net.params.flat[...] = saved
    fig = new_figure((5.0, 4.0))
    ax = fig.add_subplot()
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    image = ax.imshow(frames[0], origin="lower", extent=extent, cmap=CMAP, vmin=0.0, vmax=1.0,
                      alpha=0.8, aspect="auto")
    plot_data(X, y, ax=ax)

    def draw(i: int) -> list:
        image.set_data(frames[i])
        loss = snapshots.losses[i]
        loss_text = "" if np.isnan(loss) else f", loss {loss:.4f}"
        ax.set_title(f"{title}: epoch {snapshots.epochs[i]}{loss_text}")
        return [image]

    anim = FuncAnimation(fig, draw, frames=len(frames), blit=False)
    anim.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    return path
