"""nnscratch.MLPClassifier against scikit-learn's MLPClassifier, epoch by epoch.

With three or more classes both are softmax networks with the same loss (CE + alpha/2 sum W^2)/N.
From the same initial weights (init='glorot' draws what scikit-learn's ``_init_coef`` draws) and
without shuffling, their ``loss_curve_`` must agree: each entry is the loss at the forward pass of
an epoch, before its update, in both libraries.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.preprocessing import StandardScaler

from nnscratch import MLPClassifier
from nnscratch.engine import init_params


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=120, n_features=5, n_informative=4, n_redundant=0,
                               n_classes=3, n_clusters_per_class=1, random_state=3)
    return StandardScaler().fit_transform(X), y


def fit_both(X, y, **params):
    common = dict(hidden_layer_sizes=(6, 4), activation="tanh", alpha=1e-3, shuffle=False,
                  random_state=0)
    common.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**common).fit(X, y)
        theirs = SkMLP(**common).fit(X, y)
    return ours, theirs


def rel_diff(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.max(np.abs(a - b) / np.abs(b))


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu"])
def test_glorot_draws_as_sklearn(activation):
    sizes = (5, 6, 4, 3)
    sk = SkMLP(activation=activation)
    sk._random_state = np.random.RandomState(0)
    params = init_params(sizes, "glorot", random_state=0, activation=activation)
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        W, b = sk._init_coef(fan_in, fan_out, np.float64)
        np.testing.assert_array_equal(params.coefs[l], W)
        np.testing.assert_array_equal(params.intercepts[l], b)


def test_sgd_full_batch_constant_rate(data):
    X, y = data
    ours, theirs = fit_both(X, y, solver="sgd", batch_size=X.shape[0], momentum=0.0,
                            learning_rate="constant", learning_rate_init=0.1, max_iter=80,
                            tol=0.0, n_iter_no_change=np.inf)
    assert len(ours.loss_curve_) == len(theirs.loss_curve_) == 80
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9
    assert ours.loss_curve_[-1] < 0.6 * ours.loss_curve_[0]  # it did learn
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert ours.loss_ == ours.loss_curve_[-1] and ours.best_loss_ == min(ours.loss_curve_)


def test_gd_is_sgd_with_full_batches(data):
    X, y = data
    gd = MLPClassifier((6, 4), activation="tanh", solver="gd", learning_rate_init=0.1,
                       max_iter=30, tol=None, random_state=0).fit(X, y)
    sgd = MLPClassifier((6, 4), activation="tanh", solver="sgd", momentum=0.0,
                        batch_size=10**6, learning_rate_init=0.1, max_iter=30, tol=None,
                        shuffle=False, random_state=0)
    with pytest.warns(UserWarning, match="batch_size=1000000 is larger"):
        sgd.fit(X, y)
    assert gd.loss_curve_ == sgd.loss_curve_


def test_adam_minibatches(data):
    X, y = data
    ours, theirs = fit_both(X, y, solver="adam", batch_size=32, learning_rate_init=0.01,
                            max_iter=60, tol=0.0, n_iter_no_change=np.inf)
    assert len(ours.loss_curve_) == 60
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-6


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_minibatches(data, nesterov):
    X, y = data
    ours, theirs = fit_both(X, y, solver="sgd", batch_size=25, momentum=0.9,
                            nesterovs_momentum=nesterov, learning_rate_init=0.02, max_iter=50,
                            tol=0.0, n_iter_no_change=np.inf)
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9


def test_invscaling(data):
    X, y = data
    ours, theirs = fit_both(X, y, solver="sgd", batch_size=40, momentum=0.5,
                            learning_rate="invscaling", learning_rate_init=0.5, power_t=0.25,
                            max_iter=50, tol=0.0, n_iter_no_change=np.inf)
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9
    # the rate did fall: the same run at a constant rate is a different run
    const, _ = fit_both(X, y, solver="sgd", batch_size=40, momentum=0.5, learning_rate_init=0.5,
                        max_iter=50, tol=0.0, n_iter_no_change=np.inf)
    assert rel_diff(const.loss_curve_, ours.loss_curve_) > 1e-3


def test_adaptive_divides_by_five_then_stops(data):
    X, y = data
    # tol larger than any progress: every epoch "fails to improve", so the rate is divided by 5
    # every n_iter_no_change + 1 epochs until it is <= 1e-6, then training stops
    ours, theirs = fit_both(X, y, solver="sgd", batch_size=X.shape[0], momentum=0.0,
                            learning_rate="adaptive", learning_rate_init=0.1, tol=10.0,
                            n_iter_no_change=2, max_iter=500)
    assert ours.n_iter_ == theirs.n_iter_ < 500
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9


def test_early_stopping(data):
    X, y = data
    ours, theirs = fit_both(X, y, solver="sgd", momentum=0.0,
                            learning_rate_init=0.05, early_stopping=True,
                            validation_fraction=0.25, n_iter_no_change=5, tol=1e-3, max_iter=300)
    assert ours.n_iter_ == theirs.n_iter_ < 300
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9
    np.testing.assert_array_equal(ours.validation_scores_, theirs.validation_scores_)
    assert ours.best_validation_score_ == theirs.best_validation_score_
    assert ours.best_loss_ is None and theirs.best_loss_ is None
    # both keep the weights of the best validation epoch
    for a, b in zip(ours.coefs_, theirs.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)


def test_warm_start_and_partial_fit(data):
    X, y = data
    common = dict(hidden_layer_sizes=(6,), activation="tanh", solver="sgd", batch_size=30,
                  momentum=0.9, learning_rate_init=0.05, shuffle=False, random_state=0,
                  tol=0.0, n_iter_no_change=np.inf)
    ours, theirs = MLPClassifier(**common), SkMLP(**common)
    for est in (ours, theirs):
        est.partial_fit(X, y, classes=np.unique(y))
        for _ in range(9):
            est.partial_fit(X, y)
    assert len(ours.loss_curve_) == 10
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9
    assert ours.t_ == theirs.t_ == 10 * X.shape[0] and ours.n_iter_ == theirs.n_iter_ == 1

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for est in (ours, theirs):
            est.set_params(warm_start=True, max_iter=5).fit(X, y)
    assert len(ours.loss_curve_) == 15 and ours.n_iter_ == theirs.n_iter_ == 5
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9


def test_adaptive_rate_across_partial_fit_calls(data):
    """The count of epochs without progress goes on from call to call, as in scikit-learn."""
    X, y = data
    common = dict(hidden_layer_sizes=(6,), activation="tanh", solver="sgd", batch_size=40,
                  momentum=0.0, learning_rate="adaptive", learning_rate_init=0.1, tol=10.0,
                  n_iter_no_change=2, shuffle=False, random_state=0)
    ours, theirs = MLPClassifier(**common), SkMLP(**common)
    for est in (ours, theirs):
        est.partial_fit(X, y, classes=np.unique(y))
        for _ in range(11):
            est.partial_fit(X, y)
    assert ours._schedule.lr == pytest.approx(theirs._optimizer.learning_rate, rel=1e-12)
    assert ours._schedule.lr == pytest.approx(0.1 / 5**3)  # divided after calls 4, 7 and 10
    assert rel_diff(ours.loss_curve_, theirs.loss_curve_) < 1e-9
