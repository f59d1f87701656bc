"""To and from scikit-learn's MLPClassifier: the same predictions and probabilities."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLP

from nnscratch import MLPClassifier
from nnscratch.export import SKLEARN_ACTIVATIONS

from .conftest import fitted


def assert_same_proba(actual, desired):
    """Relative 1e-12, except where scikit-learn's binary p0 = 1 - p1 cancels: p0 then has
    1e-16 absolute error (any p1 near 1), which is relative error for a tiny p0."""
    atol = 1e-15 if actual.shape[1] == 2 else 0.0
    np.testing.assert_allclose(actual, desired, rtol=1e-12, atol=atol)
    np.testing.assert_allclose(actual[:, -1], desired[:, -1], rtol=1e-12, atol=0)


def sk_fitted(activation, n_classes, labels=None):
    rng = np.random.RandomState(3)
    X = rng.randn(150, 4)
    y = np.arange(150) % n_classes
    X[:, 1] += y
    if labels is not None:
        y = np.asarray(labels)[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkMLP((6, 3), activation=activation, max_iter=50, learning_rate_init=0.05,
                   random_state=0).fit(X, y)
    return sk, np.vstack([X, 10 * X[:20]])


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
def test_from_sklearn_same_function(activation, n_classes):
    sk, X = sk_fitted(activation, n_classes)
    ours = MLPClassifier.from_sklearn(sk)
    assert ours.activation == activation and ours.hidden_layer_sizes == (6, 3)
    assert_same_proba(ours.predict_proba(X), sk.predict_proba(X))
    np.testing.assert_array_equal(ours.predict(X), sk.predict(X))
    if n_classes == 2:  # sklearn's logit z became the softmax logits [0, z]
        assert ours.coefs_[-1].shape == (3, 2)
        np.testing.assert_array_equal(ours.coefs_[-1][:, 0], 0)
        np.testing.assert_array_equal(ours.coefs_[-1][:, 1:], sk.coefs_[-1])
    else:  # the same weights, bit for bit
        for a, b in zip(ours.coefs_ + ours.intercepts_, sk.coefs_ + sk.intercepts_):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("activation", SKLEARN_ACTIVATIONS)
def test_to_sklearn_same_function(activation, n_classes):
    clf, X = fitted((6, 4), activation, n_classes)
    X = np.vstack([X, 10 * X[:20]])
    sk = clf.to_sklearn()
    assert isinstance(sk, SkMLP) and sk.activation == activation
    assert sk.out_activation_ == ("logistic" if n_classes == 2 else "softmax")
    assert_same_proba(sk.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(sk.predict(X), clf.predict(X))
    assert sk.score(X, clf.predict(X)) == 1.0


def test_round_trip_with_string_labels():
    clf, X = fitted((5,), "relu", 2, labels=["no", "yes"])
    back = MLPClassifier.from_sklearn(clf.to_sklearn())
    assert back.classes_.tolist() == ["no", "yes"]
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert_same_proba(back.predict_proba(X), clf.predict_proba(X))
    # the same function, not the same weights: the output layer is [0, W1 - W0]
    W = clf.coefs_[-1]
    np.testing.assert_array_equal(back.coefs_[-1], np.column_stack([0 * W[:, 0],
                                                                    W[:, 1] - W[:, 0]]))
    sk, X2 = sk_fitted("tanh", 3, labels=["a", "b", "c"])
    again = MLPClassifier.from_sklearn(sk).to_sklearn()
    np.testing.assert_array_equal(again.predict_proba(X2), sk.predict_proba(X2))


def test_refit_and_save_after_import(tmp_path):
    import nnscratch

    sk, X = sk_fitted("tanh", 3)
    ours = MLPClassifier.from_sklearn(sk)
    loaded = nnscratch.load(ours.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(X), ours.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.set_params(max_iter=5).fit(X[:150], sk.predict(X[:150]))  # a normal estimator


def test_unsupported_activation_is_refused():
    clf, _ = fitted((4,), "elu", 3)
    with pytest.raises(ValueError, match=r"one activation of identity, logistic, tanh, relu.*elu"):
        clf.to_sklearn()


def test_bad_inputs_to_from_sklearn():
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="needs a sklearn.neural_network.MLPClassifier"):
        MLPClassifier.from_sklearn(LogisticRegression())
    with pytest.raises(NotFittedError):
        MLPClassifier.from_sklearn(SkMLP())
    rng = np.random.RandomState(0)
    X, Y = rng.randn(40, 3), rng.randint(0, 2, (40, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        multilabel = SkMLP((3,), max_iter=5).fit(X, Y)
    with pytest.raises(ValueError, match="multilabel"):
        MLPClassifier.from_sklearn(multilabel)


def test_unfitted_model_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().to_sklearn()
    with pytest.raises(NotFittedError):
        MLPClassifier().to_torch()
