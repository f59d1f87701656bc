"""MLPClassifier on bad input: clear messages; divergence; model files through the estimator."""

import math
import re
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import nnscratch
from nnscratch import MLPClassifier, ModelFileError
from nnscratch.datasets import moons
from nnscratch.engine import DivergenceError
from nnscratch.io import read_model, write_model

FAST = dict(hidden_layer_sizes=(6,), activation="tanh", solver="gd", learning_rate_init=0.5,
            max_iter=30, tol=None, random_state=0)


@pytest.fixture(scope="module")
def data():
    return moons(120, noise=0.2, random_state=1)


@pytest.fixture(scope="module")
def fitted(data):
    return MLPClassifier(**FAST).fit(*data)


X4 = np.arange(8.0).reshape(4, 2)
Y4 = np.array([0, 1, 0, 1])
FIT_ERRORS = {
    "nan in X": (np.where(X4 == 3, np.nan, X4), Y4, "Input X contains NaN"),
    "inf in X": (np.where(X4 == 3, np.inf, X4), Y4, "Input X contains infinity"),
    "nan in y": (X4, np.array([0, 1, np.nan, 1]), "Input y contains NaN"),
    "1-D X": (X4[:, 0], Y4, "Expected 2D array, got 1D array instead"),
    "3-D X": (X4[:, :, None], Y4, "Found array with dim 3"),
    "0 rows": (np.empty((0, 2)), Y4[:0], "Found array with 0 sample(s)"),
    "0 columns": (np.empty((4, 0)), Y4, "Found array with 0 feature(s)"),
    "length mismatch": (X4, Y4[:3], "inconsistent numbers of samples: [4, 3]"),
    "continuous y": (X4, np.array([0.1, 0.7, 0.2, 0.9]), "Unknown label type: continuous"),
    "2-D y": (X4, np.c_[Y4, Y4], "y should be a 1d array"),
    "one class": (X4, np.ones(4, int), "y has only one class (np.int64(1)); a classifier "
                                       "needs samples of at least 2 classes"),
    "str features": (np.array([["a", "b"]] * 4), Y4, "X must hold numbers (could not convert "
                     "string to float"),
    "object features": (np.array([[1.0, "b"]] * 4, dtype=object), Y4,
                        "encode text or categorical features as numbers first"),
    "complex": (X4 + 1j, Y4, "Complex data not supported"),
}


@pytest.mark.parametrize("name", sorted(FIT_ERRORS))
def test_fit_rejects_bad_input_with_a_clear_message(name):
    X, y, message = FIT_ERRORS[name]
    with pytest.raises(ValueError, match=re.escape(message)):
        MLPClassifier(max_iter=2).fit(X, y)


PREDICT_ERRORS = {
    "wrong n_features": (np.ones((3, 3)), "X has 3 features, but MLPClassifier is expecting 2"),
    "1-D X": (np.ones(2), "Expected 2D array, got 1D array instead"),
    "nan in X": (np.array([[np.nan, 0.0]]), "Input X contains NaN"),
    "0 rows": (np.empty((0, 2)), "Found array with 0 sample(s)"),
    "str features": (np.array([["a", "b"]]), "encode text or categorical features"),
    "complex": (np.ones((2, 2)) * 1j, "Complex data not supported"),
}


@pytest.mark.parametrize("name", sorted(PREDICT_ERRORS))
@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_predict_rejects_bad_input(fitted, name, method):
    X, message = PREDICT_ERRORS[name]
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(fitted, method)(X)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba", "save",
                                    "network"])
def test_use_before_fit_says_fit_first(method, tmp_path):
    args = (tmp_path / "m.npz",) if method == "save" else () if method == "network" else (X4,)
    with pytest.raises(NotFittedError, match="not fitted yet. Call 'fit'"):
        getattr(MLPClassifier(), method)(*args)
    assert not (tmp_path / "m.npz").exists()


# one invalid value per hyperparameter, and what the message must say (its range)
INVALID = {
    "hidden_layer_sizes": ((3, 0), "hidden_layer_sizes must be ints >= 1, got (3, 0)"),
    "activation": ("swish", ("must be one of 'elu', ", "or a tuple of them (one per hidden")),
    "solver": ("lbfgs", "solver must be one of 'adam', 'gd', 'sgd'; got 'lbfgs'"),
    "alpha": (-1.0, "alpha must be a float in [0, inf); got -1.0"),
    "batch_size": (0, "batch_size must be 'auto' or an int >= 1; got 0"),
    "learning_rate": ("step", "must be one of 'constant', 'invscaling', 'adaptive' or a callable "
                              "lr(step); got 'step'"),
    "learning_rate_init": (0.0, "learning_rate_init must be a float in (0, inf); got 0.0"),
    "power_t": (-0.5, "power_t must be a float in [0, inf); got -0.5"),
    "max_iter": (0, "max_iter must be an int >= 1; got 0"),
    "shuffle": ("yes", "shuffle must be True or False; got 'yes'"),
    "random_state": ("seed", "random_state must be None, an int in [0, 4294967295] or a numpy "
                             "RandomState; got 'seed'"),
    "tol": (-1e-4, "tol must be a float in [0, inf) or None; got -0.0001"),
    "verbose": (-1, "verbose must be True, False or an int >= 0; got -1"),
    "warm_start": (None, "warm_start must be True or False; got None"),
    "momentum": (1.5, "momentum must be a float in [0, 1]; got 1.5"),
    "nesterovs_momentum": (2, "nesterovs_momentum must be True or False; got 2"),
    "early_stopping": ("no", "early_stopping must be True or False; got 'no'"),
    "validation_fraction": (0.0, "validation_fraction must be a float in (0, 1); got 0.0"),
    "beta_1": (1.0, "beta_1 must be a float in [0, 1); got 1.0"),
    "beta_2": (-0.1, "beta_2 must be a float in [0, 1); got -0.1"),
    "epsilon": (0.0, "epsilon must be a float in (0, inf); got 0.0"),
    "n_iter_no_change": (0, "n_iter_no_change must be an int >= 1 or numpy.inf; got 0"),
    "init": ("xavier", "init must be one of 'seed', 'glorot', 'he'; got 'xavier'"),
    "dtype": ("float16", "dtype must be 'float64', 'float32', numpy.float64 or numpy.float32; "
                         "got 'float16'"),
    "callbacks": (print, "callbacks must be None or a list of callables cb(history, network)"),
    "backend": ("fast", "backend must be one of 'auto', 'numpy', 'numba'; got 'fast'"),
}
MORE_INVALID = [  # the list: zero and negative rates, NaN, hidden size 0, ...
    ("learning_rate_init", -1.0, "learning_rate_init must be a float in (0, inf); got -1.0"),
    ("learning_rate_init", math.nan, "learning_rate_init must be a float in (0, inf); got nan"),
    ("alpha", math.inf, "alpha must be a float in [0, inf); got inf"),
    ("alpha", True, "alpha must be a float in [0, inf); got True"),
    ("hidden_layer_sizes", 0, "hidden_layer_sizes must be ints >= 1, got 0"),
    ("hidden_layer_sizes", (4, 2.5), "hidden_layer_sizes must be ints >= 1, got (4, 2.5)"),
    ("batch_size", 2.5, "batch_size must be 'auto' or an int >= 1; got 2.5"),
    ("validation_fraction", 1.0, "validation_fraction must be a float in (0, 1); got 1.0"),
    ("max_iter", 2.5, "max_iter must be an int >= 1; got 2.5"),
    ("activation", ("relu", "swish"), "or a tuple of them (one per hidden layer); got ('relu', "
                                      "'swish')"),
    ("activation", ("relu", "tanh"), "activation names 2 activations for 1 hidden layers"),
    ("callbacks", [print, 3], "callbacks must be None or a list of callables"),
]
CASES = [(name, value, message) for name, (value, message) in INVALID.items()] + MORE_INVALID


def test_every_hyperparameter_has_an_invalid_value_case():
    assert set(INVALID) == set(MLPClassifier().get_params())


@pytest.mark.parametrize("name, value, message", CASES, ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_invalid_hyperparameter_names_its_range_and_value(data, name, value, message):
    X, y = data
    with pytest.raises(ValueError) as info:
        MLPClassifier(**{name: value}).fit(X[:20], y[:20])
    text = str(info.value)
    assert name in text
    for part in (message,) if isinstance(message, str) else message:
        assert part in text


# --- divergence ----------------------------------------------------------------------------------
@pytest.mark.parametrize("params", [{}, {"solver": "sgd"}, {"solver": "gd", "activation": "tanh"},
                                    {"dtype": "float32"}])
def test_learning_rate_1e6_is_a_clear_error_and_keeps_a_usable_model(data, params, tmp_path):
    X, y = data
    clf = MLPClassifier((8,), learning_rate_init=1e6, max_iter=50, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way
        with pytest.raises(DivergenceError) as info:
            clf.fit(X, y)
    message = str(info.value)
    assert "diverged" in message and "Lower learning_rate_init (got 1000000.0)" in message
    assert "keeps the last finite weights" in message
    assert all(np.isfinite(a).all() for a in clf.coefs_ + clf.intercepts_)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all() and set(clf.predict(X)) <= {0, 1}
    back = nnscratch.load(clf.save(tmp_path / "diverged.npz"))  # the last finite model saves
    np.testing.assert_array_equal(back.predict_proba(X), proba)


# --- model files through the estimator -----------------------------------------------------------
@pytest.mark.parametrize("labels", [None, "str", "float"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_save_load_round_trip_predicts_identically(data, tmp_path, labels, dtype):
    X, y = data
    y3 = np.where(X[:, 0] > 1.2, 2, y)  # three classes
    if labels == "str":
        y3 = np.array(["cat", "dog", "emu"], dtype=object)[y3]
    elif labels == "float":
        y3 = y3 * 2.0 - 1.0  # floats (integral: scikit-learn calls others continuous)
    clf = MLPClassifier((7, 5), activation="sigmoid", solver="adam", max_iter=40, dtype=dtype,
                        random_state=np.random.RandomState(3), early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning after 40 epochs
        clf.fit(X, y3)
    path = clf.save(tmp_path / "model.npz")
    back = nnscratch.load(path)
    assert type(back) is MLPClassifier
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    assert back.predict_proba(X).tobytes() == clf.predict_proba(X).tobytes()  # bit for bit
    assert back.classes_.tolist() == clf.classes_.tolist()
    params = clf.get_params()
    params["random_state"] = None  # a RandomState is not data; saved as None
    assert back.get_params() == params
    for name in ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
                 "best_validation_score_", "n_layers_", "n_outputs_", "out_activation_",
                 "n_features_in_", "interrupted_"):
        assert getattr(back, name) == getattr(clf, name), name
    assert back.score(X, y3) == clf.score(X, y3)


def test_loaded_model_keeps_training_and_feature_names(data, tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = data
    frame = pd.DataFrame(X, columns=["width", "height"])
    clf = MLPClassifier(**FAST).fit(frame, y)
    back = nnscratch.load(clf.save(tmp_path / "m.npz"))
    assert list(back.feature_names_in_) == ["width", "height"]
    np.testing.assert_array_equal(back.predict(frame), clf.predict(frame))
    clf.set_params(warm_start=True).fit(frame, y)  # both continue the same way
    back.set_params(warm_start=True).fit(frame, y)
    assert back.loss_curve_ == clf.loss_curve_ and len(back.loss_curve_) == 60
    back.partial_fit(frame, y)
    assert len(back.loss_curve_) == 61


def test_load_rejects_hyperparameters_that_do_not_fit(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.npz")
    model = read_model(path)
    model.hyperparameters["learning_rate_init"] = -3.0
    write_model(tmp_path / "bad.npz", model)
    with pytest.raises(ModelFileError, match="invalid hyperparameters: .*learning_rate_init"):
        nnscratch.load(tmp_path / "bad.npz")
    model = read_model(path)
    model.fitted["loss_curve_"] = "not a list"
    write_model(tmp_path / "bad.npz", model)
    with pytest.raises(ModelFileError, match="fitted attribute 'loss_curve_'"):
        nnscratch.load(tmp_path / "bad.npz")
    model = read_model(path)
    model.estimator = "SVC"
    write_model(tmp_path / "bad.npz", model)
    with pytest.raises(ModelFileError, match="holds a 'SVC', not an MLPClassifier"):
        nnscratch.load(tmp_path / "bad.npz")


def test_unknown_hyperparameter_from_a_newer_version_is_ignored_with_a_warning(fitted, tmp_path):
    model = read_model(fitted.save(tmp_path / "m.npz"))
    model.hyperparameters["dropout"] = 0.5
    write_model(tmp_path / "newer.npz", model)
    with pytest.warns(UserWarning, match=r"does not know: \['dropout'\]"):
        back = nnscratch.load(tmp_path / "newer.npz")
    assert back.get_params() == fitted.get_params()
