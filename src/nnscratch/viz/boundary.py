"""Scatter plots of 2-D data and decision boundaries (the tutorial's ``plot_decision_boundary``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes

from nnscratch.viz.figures import new_axes

CMAP = "Spectral"


def plot_data(X: np.ndarray, y: np.ndarray, ax: Axes | None = None,
              title: str | None = None) -> Axes:
    """Scatter ``X`` (n_samples, 2) coloured by label ``y``."""
    ax = new_axes(ax)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=CMAP, s=40, edgecolors="k", linewidths=0.5)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def grid(X: np.ndarray, h: float = 0.01, pad: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """The tutorial's mesh: spacing ``h`` over the data's range padded by ``pad``."""
    x_min, x_max = X[:, 0].min() - pad, X[:, 0].max() + pad
    y_min, y_max = X[:, 1].min() - pad, X[:, 1].max() + pad
    return np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                           y: np.ndarray, ax: Axes | None = None, title: str | None = None,
                           h: float = 0.01) -> Axes:
    """Filled contours of ``predict`` over a mesh around ``X``, with the data on top.

    Parameters
    ----------
    predict : callable mapping (n_points, 2) -> (n_points,) labels
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
    ax : Axes, optional (a new headless figure otherwise)
    title : str, optional
    h : float, mesh spacing

    Returns
    -------
    ax : Axes
    """
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision boundaries need 2-D data; got X of shape {X.shape}")
    ax = new_axes(ax)
    xx, yy = grid(X, h)
    Z = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape)
    ax.contourf(xx, yy, Z, cmap=CMAP, alpha=0.8)
    plot_data(X, y, ax=ax, title=title)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    return ax
