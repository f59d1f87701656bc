"""The confusion matrix of a test set (scikit-learn's ``ConfusionMatrixDisplay`` on our axes)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes

from nnscratch.viz.figures import new_axes


def plot_confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray,
                          labels: Sequence[str] | None = None, ax: Axes | None = None,
                          title: str | None = None) -> Axes:
    """Counts of (true class, predicted class): the diagonal is right, the rest wrong.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,), integer labels 0..K-1
    labels : K names, ``labels[k]`` for label k (default: the numbers)
    ax : Axes, optional (a new headless figure otherwise)
    title : str, optional

    Returns
    -------
    ax : Axes
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    k = len(labels) if labels is not None else int(max(np.max(y_true), np.max(y_pred))) + 1
    size = min(3.0 + 0.45 * k, 10.0)
    ax = new_axes(ax, figsize=(size + 1.0, size))
    ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=list(range(k)), display_labels=labels, ax=ax, colorbar=True,
        xticks_rotation="vertical" if k > 5 else "horizontal", cmap="Blues")
    ax.set_title(title or f"Confusion matrix ({len(y_true)} test samples)")
    return ax
