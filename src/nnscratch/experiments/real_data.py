"""Real data in ``nnscratch train``: scikit-learn's bundled sets by name, a test-set confusion
matrix and per-class report, and a 2-D view of data with more than two features.

A network on 4, 13, 30 or 64 features has no decision boundary one can draw. The 2-D view is
therefore labelled for what it is: the data projected on its first two principal components
(PCA of the standardised training data), and the boundary of a *second* network, trained with the
same settings on that projection only; it shows how separable the projected classes are, not the
boundary of the model that was evaluated.

``nnscratch train`` calls :func:`load` (its ``--dataset`` names) and :func:`evaluate` (after
training); everything else stays in the command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from nnscratch.datasets import REAL_DATASETS, load_real
from nnscratch.viz.report import Image

NAMES = tuple(REAL_DATASETS)

Predict = Callable[[np.ndarray], np.ndarray]


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Features and class *names* (so the report and the model speak of 'setosa', not 0)."""
    X, y, _, class_names = load_real(name)
    return X, np.asarray(class_names)[y]


def evaluate(out: Path, source: str, classes: list[object], X_tr: np.ndarray, y_tr: np.ndarray,
             X_te: np.ndarray, y_te: np.ndarray, prep: Callable[[np.ndarray], np.ndarray],
             predict: Predict, train_2d: Callable[[np.ndarray, np.ndarray], Predict]
             ) -> tuple[list[str], list[Image]]:
    """The per-class report and confusion matrix of the test set; the PCA view (> 2 features).

    Parameters
    ----------
    out : folder for ``confusion_matrix.png`` and ``pca_view.png``
    classes : the K class labels, ``classes[k]`` for encoded label k
    X_tr, y_tr : training data (raw features, encoded labels 0..K-1)
    X_te, y_te : test data, may be empty (no report then)
    prep : the standardisation the model was trained with
    predict : encoded labels of prepared features, (n, n_features) -> (n,)
    train_2d : trains a network of the same settings on (n, 2) data and encoded labels; returns
        its ``predict_proba``

    Returns
    -------
    lines : the report's text, to print
    figures : the figures written
    """
    from sklearn.decomposition import PCA
    from sklearn.metrics import classification_report

    from nnscratch.viz import plot_probability_boundary, save_figure
    from nnscratch.viz.confusion import plot_confusion_matrix

    names = [str(c) for c in classes]
    lines: list[str] = []
    figures: list[Image] = []
    if len(y_te):
        y_pred = predict(prep(X_te))
        report = classification_report(y_te, y_pred, labels=list(range(len(names))),
                                       target_names=names, digits=3, zero_division=0)
        lines += ["per-class report (test set):", *report.rstrip().splitlines()]
        ax = plot_confusion_matrix(y_te, y_pred, names,
                                   title=f"Confusion matrix, {len(y_te)} test samples ({source})")
        figures.append(Image(save_figure(ax.figure, out / "confusion_matrix.png"),  # type: ignore[arg-type]
                             "Test-set confusion matrix: rows true class, columns predicted"))
    if X_tr.shape[1] > 2:
        pca = PCA(n_components=2).fit(prep(X_tr))  # full SVD: deterministic
        Z_tr = pca.transform(prep(X_tr))
        proba_2d = train_2d(Z_tr, y_tr)
        share = float(np.sum(pca.explained_variance_ratio_))
        Z_all = np.vstack([Z_tr, pca.transform(prep(X_te))]) if len(y_te) else Z_tr
        y_all = np.concatenate([y_tr, y_te])
        ax = plot_probability_boundary(
            proba_2d, Z_all, y_all, h=None,
            title=f"{source}: PCA projection ({share:.0%} of the variance);\nboundary of a "
                  "separate network trained on the projection")
        ax.set_xlabel("principal component 1")
        ax.set_ylabel("principal component 2")
        figures.append(Image(save_figure(ax.figure, out / "pca_view.png"),  # type: ignore[arg-type]
                             f"2-D view: the {X_tr.shape[1]} standardised features projected on "
                             "their first two principal components, with the boundary of a "
                             "separate network trained with the same settings on that projection "
                             "(not the boundary of the evaluated model)"))
        lines.append(f"2-D view: PCA keeps {share:.1%} of the variance; a network trained on the "
                     f"projection alone reaches train accuracy "
                     f"{np.mean(np.argmax(proba_2d(Z_tr), axis=1) == y_tr):.4f}")
    return lines, figures
