"""nnscratch.MLPClassifier: the tutorial through the estimator, scikit-learn tooling, validation."""

import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nnscratch import MLPClassifier
from nnscratch.datasets import moons
from nnscratch.engine import DivergenceError, Network, Params, step_decay
from nnscratch.engine.losses import one_hot
from nnscratch.experiments.tutorial import train_tutorial_network
from tests.experiments.test_tutorial import SEED_FINAL_LOSS, SEED_LINES

FAST = dict(hidden_layer_sizes=(8,), activation="tanh", solver="gd", learning_rate_init=1.0,
            max_iter=300, tol=None, random_state=0)


@pytest.fixture(scope="module")
def data():
    return moons(200, noise=0.2, random_state=0)


def test_tutorial_through_the_estimator(data):
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", solver="gd", alpha=0.01,
                        learning_rate_init=2.0, max_iter=20000, init="seed", random_state=0,
                        tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tol=None: no convergence is claimed, nothing to warn
        clf.fit(X, y)
    assert clf.n_iter_ == 20000 and clf.t_ == 20000 * 200
    # scikit-learn's loss_: the loss of the last epoch, at the weights before its step
    assert clf.loss_ == clf.loss_curve_[-1]
    # the tutorial's final loss is calculate_loss after the 20000th step: the fitted weights
    final = clf.network().loss(X, one_hot(y, 2), alpha=0.01)
    assert abs(final - SEED_FINAL_LOSS) < 1e-9
    curve = clf.loss_curve_[1:] + [final]  # "Loss after iteration i" = after i + 1 steps
    for i, text in SEED_LINES.items():
        assert f"{curve[i]:f}" == text
    # the very same run as the engine's tutorial code, bit for bit
    net, hist = train_tutorial_network(X, y, 3)
    assert clf.loss_curve_ == hist.loss
    for ours, engine in zip(clf.coefs_ + clf.intercepts_,
                            net.params.coefs + net.params.intercepts):
        np.testing.assert_array_equal(ours, engine)
    assert clf.score(X, y) == 0.975


def test_fitted_attributes_binary_softmax_convention(data):
    X, y = data
    clf = MLPClassifier(**FAST).fit(X, y)
    assert clf.n_layers_ == 3 and clf.n_outputs_ == 2 and clf.out_activation_ == "softmax"
    assert [c.shape for c in clf.coefs_] == [(2, 8), (8, 2)]
    assert [b.shape for b in clf.intercepts_] == [(8,), (2,)]
    assert clf.n_features_in_ == 2 and list(clf.classes_) == [0, 1]
    assert len(clf.loss_curve_) == clf.n_iter_ == 300 and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    proba = clf.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba))
    np.testing.assert_array_equal(clf.predict(X), np.argmax(proba, axis=1))
    assert clf.score(X, y) > 0.95


def test_network_rebuilt_from_public_attributes(data):
    """What a saved model restores (coefs_, intercepts_) is all prediction needs."""
    X, y = data
    clf = MLPClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    net = Network(Params.from_arrays(clf.coefs_, clf.intercepts_), clf.activation)
    np.testing.assert_array_equal(net.predict_proba(X), expected)
    fresh = MLPClassifier(**FAST)
    for name in ("coefs_", "intercepts_", "classes_", "n_features_in_"):
        value = getattr(clf, name)
        setattr(fresh, name, [a.copy() for a in value] if isinstance(value, list) else value)
    np.testing.assert_array_equal(fresh.predict_proba(X), expected)


def test_string_labels_and_three_classes():
    rng = np.random.RandomState(0)
    centers = np.array([[0, 0], [3, 0], [0, 3]])
    X = np.vstack([rng.normal(c, 0.5, (40, 2)) for c in centers])
    y = np.repeat(np.array(["ant", "bee", "cat"]), 40)
    clf = MLPClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == ["ant", "bee", "cat"] and clf.n_outputs_ == 3
    assert set(clf.predict(X)) <= {"ant", "bee", "cat"}
    assert clf.score(X, y) > 0.95


def test_float32(data):
    X, y = data
    c64 = MLPClassifier(**{**FAST, "max_iter": 20}).fit(X, y)
    c32 = MLPClassifier(**{**FAST, "max_iter": 20}, dtype="float32").fit(X, y)
    assert all(c.dtype == np.float32 for c in c32.coefs_ + c32.intercepts_)
    assert c32.predict_proba(X).dtype == np.float32
    np.testing.assert_allclose(c32.loss_curve_, c64.loss_curve_, rtol=1e-5)
    same = MLPClassifier(**{**FAST, "max_iter": 20}, dtype=np.float32).fit(X, y)
    assert same.loss_curve_ == c32.loss_curve_


def test_pipeline_gridsearch_cross_val(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**FAST))
    assert pipe.fit(X, y).score(X, y) > 0.95
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85
    grid = GridSearchCV(pipe, {"mlpclassifier__hidden_layer_sizes": [(1,), (8,)],
                               "mlpclassifier__alpha": [1e-4, 1.0]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["mlpclassifier__hidden_layer_sizes"] == (8,)
    assert grid.cv_results_["mean_test_score"].shape == (4,)


def test_clone_and_params_round_trip(data):
    X, y = data
    clf = MLPClassifier(hidden_layer_sizes=(4, 3), activation="relu", solver="sgd",
                        learning_rate=step_decay(0.1, 0.5, 10), init="he", dtype="float32")
    params = clf.get_params()
    assert params["hidden_layer_sizes"] == (4, 3) and params["init"] == "he"
    twin = MLPClassifier().set_params(**params)
    assert twin.get_params() == params
    fitted = MLPClassifier(**FAST).fit(X, y)
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "coefs_")
    with pytest.raises(NotFittedError):
        copy.predict(X)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"learning_rate_init": -1}, "MLPClassifier parameter learning_rate_init must be a float "
                                     "in (0, inf); got -1"),
        ({"alpha": -0.5}, "MLPClassifier parameter alpha must be a float in [0, inf); got -0.5"),
        ({"solver": "lbfgs"}, "solver must be one of 'adam', 'gd', 'sgd'; got 'lbfgs'"),
        ({"activation": "swish"}, "activation must be one of 'elu', 'identity', "),
        ({"momentum": 1.5}, "momentum must be a float in [0, 1]; got 1.5"),
        ({"batch_size": 0}, "batch_size must be 'auto' or an int >= 1; got 0"),
        ({"validation_fraction": 1.0}, "validation_fraction must be a float in (0, 1); got 1.0"),
        ({"init": "xavier"}, "init must be one of 'seed', 'glorot', 'he'; got 'xavier'"),
        ({"dtype": "float16"}, "dtype must be 'float64', 'float32', "),
        ({"max_iter": 0}, "max_iter must be an int >= 1; got 0"),
        ({"hidden_layer_sizes": (3, 0)}, "hidden_layer_sizes must be ints >= 1, got (3, 0)"),
        ({"hidden_layer_sizes": (3, 2.5)}, "hidden_layer_sizes must be ints >= 1, got (3, 2.5)"),
    ],
)
def test_parameter_errors_name_parameter_range_and_value(data, params, message):
    X, y = data
    with pytest.raises(ValueError, match=re.escape(message)):
        MLPClassifier(**params).fit(X, y)


@pytest.mark.parametrize(
    "X, y, message",
    [
        ([[0.0, np.nan], [1.0, 2.0]], [0, 1], "Input X contains NaN"),
        ([[0.0, np.inf], [1.0, 2.0]], [0, 1], "Input X contains infinity"),
        ([0.0, 1.0, 2.0], [0, 1, 0], "Expected 2D array, got 1D array"),
        (np.empty((0, 2)), [], "0 sample(s)"),
        (np.array([[1 + 1j, 2], [3, 4]]), [0, 1], "Complex data not supported"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), [0, 1], "could not convert"),
        ([[0.0, 1.0], [1.0, 2.0]], [0.5, 1.5], "Unknown label type"),
        ([[0.0, 1.0], [1.0, 2.0]], [0, 1, 1], "inconsistent numbers of samples"),
        ([[0.0, 1.0], [1.0, 2.0]], [1, 1], "only one class"),
        ([[0.0, 1.0], [1.0, 2.0]], None, "requires y to be passed"),
    ],
)
def test_input_errors(X, y, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        MLPClassifier(max_iter=5).fit(X, y)


def test_predict_errors(data):
    X, y = data
    with pytest.raises(NotFittedError):
        MLPClassifier().predict_proba(X)
    clf = MLPClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but MLPClassifier is expecting 2"):
        clf.predict(np.ones((4, 3)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict([[np.nan, 0.0]])


def test_feature_names(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=["x1", "x2"])
    clf = MLPClassifier(**FAST).fit(frame, y)
    assert list(clf.feature_names_in_) == ["x1", "x2"]
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X)


def test_partial_fit(data):
    X, y = data
    clf = MLPClassifier((8,), activation="tanh", solver="sgd", learning_rate_init=0.1,
                        batch_size=20, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])  # one class in this batch: fine
    assert list(clf.classes_) == [0, 1] and clf.n_iter_ == 1 and clf.t_ == 100
    for _ in range(60):
        clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 61 and clf.t_ == 100 + 60 * 200
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[1]
    assert clf.score(X, y) > 0.9
    with pytest.raises(ValueError, match="y has classes not in classes_"):
        clf.partial_fit(X[:4], [0, 1, 2, 1])
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.partial_fit(np.ones((4, 3)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1])


def test_warm_start_continues_and_checks_architecture(data):
    X, y = data
    clf = MLPClassifier(**{**FAST, "max_iter": 50}, warm_start=True).fit(X, y)
    first = list(clf.loss_curve_)
    weights = [c.copy() for c in clf.coefs_]
    clf.fit(X, y)
    assert clf.loss_curve_[:50] == first and len(clf.loss_curve_) == 100 and clf.n_iter_ == 50
    # the second fit started from the first one's weights: its first loss is theirs
    after = Network(Params.from_arrays(weights, clf.intercepts_), "tanh")  # biases barely move
    assert clf.loss_curve_[50] < first[0]
    assert abs(clf.loss_curve_[50] - after.loss(X, one_hot(y, 2), clf.alpha)) < 0.05
    clf.set_params(hidden_layer_sizes=(5,))
    with pytest.raises(ValueError, match="cannot continue training"):
        clf.fit(X, y)
    with pytest.raises(ValueError, match="same classes as the previous fit"):
        MLPClassifier(**{**FAST, "max_iter": 5}, warm_start=True).fit(X, y).fit(X, 2 * y)


def test_callable_schedule_gets_the_step(data):
    X, y = data
    seen = []

    def lr(step):
        seen.append(step)
        return 0.5

    clf = MLPClassifier(**{**FAST, "max_iter": 5}, learning_rate=lr).fit(X, y)
    assert sorted(set(seen)) == [0, 1, 2, 3, 4]
    constant = MLPClassifier(**{**FAST, "max_iter": 5, "learning_rate_init": 0.5}).fit(X, y)
    assert clf.loss_curve_ == constant.loss_curve_
    seen.clear()
    sgd = MLPClassifier((4,), solver="sgd", batch_size=50, learning_rate=lr, random_state=0)
    sgd.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert sorted(set(seen)) == list(range(8))  # 4 minibatches per epoch; steps go on across calls


def test_convergence_warning_and_tol_stop(data):
    X, y = data
    with pytest.warns(ConvergenceWarning, match=r"maximum iterations \(3\) reached"):
        MLPClassifier(**{**FAST, "max_iter": 3, "tol": 1e-4}).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier(**{**FAST, "max_iter": 1000, "tol": 0.5, "n_iter_no_change": 3})
        clf.fit(X, y)
    # scikit-learn's rule: stop after n_iter_no_change + 1 epochs without a gain of tol
    assert clf.n_iter_ == 5


def test_early_stopping_attributes(data):
    X, y = data
    clf = MLPClassifier(**{**FAST, "tol": 1e-3, "max_iter": 500}, early_stopping=True,
                        n_iter_no_change=5).fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ < 500
    assert clf.best_validation_score_ == max(clf.validation_scores_) > 0.8
    with pytest.raises(ValueError, match="validation set is too small"):
        MLPClassifier(early_stopping=True, validation_fraction=0.1).fit(X[:10], y[:10])


def test_divergence_keeps_the_last_finite_model(data):
    X, y = data
    clf = MLPClassifier((5,), activation="identity", solver="gd", learning_rate_init=1e6,
                        max_iter=2000, tol=None, random_state=0)
    with pytest.raises(DivergenceError, match=r"Lower learning_rate_init \(got 1000000.0\)"):
        clf.fit(X * 1e3, y)
    assert all(np.isfinite(a).all() for a in clf.coefs_ + clf.intercepts_)
    assert np.isfinite(clf.loss_curve_).all() and 0 < clf.n_iter_ < 2000
    assert clf.predict(X).shape == (200,)


def test_verbose_writes_nothing_to_stdout(data, capsys):
    X, y = data
    MLPClassifier(**{**FAST, "max_iter": 5}, verbose=True).fit(X, y)
    assert capsys.readouterr().out == ""
