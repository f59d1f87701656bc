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
    xx, yy, Z = _on_mesh(predict, X, h)
    ax = new_axes(ax)
    ax.contourf(xx, yy, Z.reshape(xx.shape), cmap=CMAP, alpha=0.8)
    return _finish(ax, X, y, title, xx, yy)


def _on_mesh(fn: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
             h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The mesh around 2-D ``X`` and ``fn`` of its points (one row per point)."""
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision boundaries need 2-D data; got X of shape {X.shape}")
    xx, yy = grid(X, h)
    return xx, yy, np.asarray(fn(np.c_[xx.ravel(), yy.ravel()]))


def _finish(ax: Axes, X: np.ndarray, y: np.ndarray, title: str | None, xx: np.ndarray,
            yy: np.ndarray) -> Axes:
    """Data on top, limits of the mesh."""
    plot_data(X, y, ax=ax, title=title)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    return ax


def plot_probability_boundary(predict_proba: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                              y: np.ndarray, ax: Axes | None = None, title: str | None = None,
                              h: float = 0.02, mark_errors: bool = True,
                              colorbar: bool = True) -> Axes:
    """Probability of class 1 as shading, the 0.5 contour, the data, wrong predictions crossed.

    As TensorFlow Playground shows a classifier: the colour says how sure the model is, not only
    which side of the boundary a point lies on. For more than two classes the shading is the
    probability of the predicted class.

    Parameters
    ----------
    predict_proba : callable mapping (n_points, 2) -> (n_points, n_classes) probabilities
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), integer labels
    ax : Axes, optional (a new headless figure otherwise)
    title : str, optional
    h : float, mesh spacing
    mark_errors : draw a black cross (label ``"misclassified (n)"``) on every sample whose
        predicted class (argmax of its probabilities) differs from ``y``
    colorbar : add a colour bar for the shading

    Returns
    -------
    ax : Axes
    """
    xx, yy, P = _on_mesh(predict_proba, X, h)
    ax = new_axes(ax)
    if P.shape[1] == 2:
        Z, label = P[:, 1], "P(class 1)"
    else:
        Z, label = P.max(axis=1), "P(predicted class)"
    Z = Z.reshape(xx.shape)
    shade = ax.contourf(xx, yy, Z, levels=np.linspace(0.0, 1.0, 11), cmap=CMAP, alpha=0.8)
    if P.shape[1] == 2:
        ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1.0)
    if colorbar and ax.figure is not None:
        ax.figure.colorbar(shade, ax=ax, label=label)
    _finish(ax, X, y, title, xx, yy)
    if mark_errors:
        wrong = np.argmax(np.asarray(predict_proba(X)), axis=1) != np.asarray(y)
        ax.scatter(X[wrong, 0], X[wrong, 1], marker="x", c="k", s=60, linewidths=1.5,
                   label=f"misclassified ({int(wrong.sum())})", zorder=3)
        ax.legend(loc="lower right", fontsize="small")
    return ax
