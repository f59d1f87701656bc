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
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter

from nnscratch.engine import History, Network
from nnscratch.viz.boundary import CMAP, grid, plot_data
from nnscratch.viz.figures import new_figure


class Snapshots:
    """Training callback: keep a copy of the parameters every ``every`` epochs.

    Parameters
    ----------
    net : Network being trained (its ``params.flat`` is copied)
    every : int >= 1, epochs between snapshots
    at : epochs to snapshot instead of every ``every``-th (e.g. log-spaced: most of the change
        happens early)
    include_initial : also keep the parameters before the first epoch (epoch 0)

    Attributes
    ----------
    epochs : list of int, the epoch count at each snapshot
    flats : list of ndarray of shape (n_params,), the parameters at each snapshot
    losses : list of float, the training loss of that epoch (nan for epoch 0)
    """

    def __init__(self, net: Network, every: int = 100, at: Iterable[int] | None = None,
                 include_initial: bool = True) -> None:
        if not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be an int >= 1; got {every!r}")
        self.net, self.every = net, int(every)
        self.at = None if at is None else {int(e) for e in at}
        self.epochs: list[int] = []
        self.flats: list[np.ndarray] = []
        self.losses: list[float] = []
        if include_initial:
            self._keep(0, float("nan"))

    @classmethod
    def log_spaced(cls, net: Network, epochs: int, frames: int = 30) -> Snapshots:
        """About ``frames`` snapshots at log-spaced epochs of a run of ``epochs`` (plus epoch 0):
        most of the change happens early."""
        if frames < 1 or epochs < 1:
            raise ValueError(f"need epochs >= 1 and frames >= 1; got {epochs}, {frames}")
        return cls(net, at=np.unique(np.geomspace(1, epochs, frames).astype(int)).tolist())

    def _keep(self, epoch: int, loss: float) -> None:
        self.epochs.append(epoch)
        self.flats.append(self.net.params.flat.copy())
        self.losses.append(loss)

    def __call__(self, history: History) -> bool:
        n = history.n_epochs
        if (n in self.at) if self.at is not None else (n % self.every == 0):
            self._keep(n, history.loss[-1])
        return False  # never stops training

    def __len__(self) -> int:
        return len(self.flats)


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
