"""Fitted models of every shape for the export tests."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from nnscratch import MLPClassifier


def fitted(hidden=(5, 3), activation="tanh", n_classes=3, dtype="float64", n_features=4,
           labels=None, seed=0, n_samples=120):
    """A briefly trained MLPClassifier and its data (weights far from their initial values)."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n_samples, n_features)
    y = np.arange(n_samples) % (len(labels) if labels is not None else n_classes)
    X[:, 0] += y  # some signal, so the classes are not all equally likely
    if labels is not None:
        y = np.asarray(labels)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden, activation=activation, max_iter=30, learning_rate_init=0.05,
                            random_state=seed, dtype=dtype).fit(X, y)
    return clf, X


@pytest.fixture
def model3():
    return fitted()
