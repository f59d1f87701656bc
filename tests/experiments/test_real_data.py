"""Real data: nnscratch's MLPClassifier against scikit-learn's on its bundled sets, and the
``nnscratch train --dataset`` run's report and figures."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnscratch import MLPClassifier
from nnscratch.cli import main
from nnscratch.datasets import REAL_DATASETS, load_real

SEEDS = range(5)


@pytest.mark.parametrize("name", list(REAL_DATASETS))
def test_accuracy_at_least_scikit_learns(name):
    """Same pipeline (StandardScaler + MLP), settings, split and seeds: the mean test accuracy
    over 5 seeds is at least scikit-learn's, up to one test sample (the two take the same steps
    from the same weights with 3+ classes, but rounding differs over 200 epochs; binary output
    layers differ: softmax of 2 vs one logistic unit)."""
    X, y, _, _ = load_real(name)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    ours, theirs = [], []
    for seed in SEEDS:
        settings = dict(hidden_layer_sizes=(50,), activation="relu", solver="adam",
                        alpha=1e-4, learning_rate_init=1e-3, max_iter=200, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours.append(make_pipeline(StandardScaler(), MLPClassifier(**settings))
                        .fit(X_tr, y_tr).score(X_te, y_te))
            theirs.append(make_pipeline(StandardScaler(), SkMLP(**settings))
                          .fit(X_tr, y_tr).score(X_te, y_te))
    assert np.mean(ours) >= np.mean(theirs) - 1 / len(y_te), (ours, theirs)
    assert np.mean(ours) > 0.85  # and it learnt the problem


def test_train_on_iris_writes_report_confusion_matrix_and_pca_view(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["train", "--dataset", "iris", "--hidden", "10", "--epochs", "60",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "data: iris, 150 samples, 4 features, 3 classes (setosa, versicolor, virginica)" \
        in printed
    assert "per-class report (test set):" in printed
    for name in ("setosa", "versicolor", "virginica", "macro avg"):
        assert name in printed
    assert "2-D view: PCA keeps" in printed
    for png in ("confusion_matrix.png", "pca_view.png", "loss_curve.png"):
        assert (out / png).stat().st_size > 1000
    html = (out / "index.html").read_text()
    assert "confusion_matrix.png" in html and "pca_view.png" in html
    assert "not the boundary of the evaluated model" in html
    assert "per-class report" in html


def test_confusion_matrix_counts():
    from nnscratch.viz.confusion import plot_confusion_matrix
    from nnscratch.viz.figures import new_axes

    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    ax = new_axes()
    assert plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"], ax=ax) is ax
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ax.texts}
    assert cells[(0, 0)] == "1" and cells[(0, 1)] == "1" and cells[(2, 0)] == "1"
    assert cells[(2, 2)] == "2" and cells[(1, 1)] == "1" and cells[(1, 2)] == "0"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
