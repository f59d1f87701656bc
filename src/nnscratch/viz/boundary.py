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


def grid(X: np.ndarray, h: float | None = 0.01, pad: float = 0.5,
         resolution: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """The mesh around 2-D ``X``.

    With a spacing ``h``: the tutorial's mesh, over the data's range padded by ``pad``.
    With ``h=None``: ``resolution`` points along each axis over its range padded by 10 %, which
    suits data of any scale (columns of very different ranges included).
    """
    if h is None:
        lo, hi = X.min(axis=0), X.max(axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        lo, hi = lo - 0.1 * span, hi + 0.1 * span
        return np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                           np.linspace(lo[1], hi[1], resolution))
    x_min, x_max = X[:, 0].min() - pad, X[:, 0].max() + pad
    y_min, y_max = X[:, 1].min() - pad, X[:, 1].max() + pad
    return np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                           y: np.ndarray, ax: Axes | None = None, title: str | None = None,
                           h: float | None = 0.01) -> Axes:
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
             h: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _class_shading(ax: Axes, xx: np.ndarray, yy: np.ndarray, P: np.ndarray, k: int) -> None:
    """Each mesh point in its predicted class's colour (the scatter's colours), faded to white
    as the probability of that class falls to 1/k; class boundaries as black lines."""
    import matplotlib as mpl

    pred = P.argmax(axis=1)
    sure = (P.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)  # 0 at chance, 1 when certain
    rgb = mpl.colormaps[CMAP](pred / (k - 1))[:, :3]  # same normalisation as plot_data's scatter
    rgb = 1.0 - (1.0 - rgb) * (0.15 + 0.5 * sure)[:, None]  # lighter than the points
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    ax.imshow(rgb.reshape(*xx.shape, 3), origin="lower", extent=extent, aspect="auto",
              interpolation="bilinear")
    ax.contour(xx, yy, pred.reshape(xx.shape), levels=np.arange(k - 1) + 0.5, colors="k",
               linewidths=0.8)


def plot_probability_boundary(predict_proba: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                              y: np.ndarray, ax: Axes | None = None, title: str | None = None,
                              h: float | None = 0.02, mark_errors: bool = True,
                              colorbar: bool = True) -> Axes:
    """Probability of class 1 as shading, the 0.5 contour, the data, wrong predictions crossed.

    As TensorFlow Playground shows a classifier: the colour says how sure the model is, not only
    which side of the boundary a point lies on. For more than two classes each point of the plane
    takes its predicted class's colour, faded towards white as that class's probability falls
    from 1 to 1/K, and the boundaries between classes are drawn as lines.

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
    k = P.shape[1]
    if k == 2:
        Z = P[:, 1].reshape(xx.shape)
        shade = ax.contourf(xx, yy, Z, levels=np.linspace(0.0, 1.0, 11), cmap=CMAP, alpha=0.8)
        ax.contour(xx, yy, Z, levels=[0.5], colors="k", linewidths=1.0)
        if colorbar and ax.figure is not None:
            ax.figure.colorbar(shade, ax=ax, label="P(class 1)")
    else:
        _class_shading(ax, xx, yy, P, k)
    _finish(ax, X, y, title, xx, yy)
    if mark_errors:
        wrong = np.argmax(np.asarray(predict_proba(X)), axis=1) != np.asarray(y)
        ax.scatter(X[wrong, 0], X[wrong, 1], marker="x", c="k", s=60, linewidths=1.5,
                   label=f"misclassified ({int(wrong.sum())})", zorder=3)
        ax.legend(loc="lower right", fontsize="small")
    return ax
