"""Fuzzed arrays and parameters into MLPClassifier and the engine's ``train``: every case ends in
a result (finite probabilities that sum to 1) or in a documented error (ValueError, TypeError,
DivergenceError) with a message; never another exception and never a RuntimeWarning from
nnscratch's own code. The listed extreme cases (|x| up to 1e300, constant columns, 1e6
identical points, one sample per class) run as explicit examples.
"""

import warnings

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning

from nnscratch import MLPClassifier
from nnscratch.engine import DivergenceError, Network, init_params, train
from tests.conftest import fuzz_examples

DOCUMENTED = (ValueError, TypeError, DivergenceError)

values = st.one_of(st.floats(-3, 3), st.sampled_from([0.0, 1e300, -1e300, 1e-300, 3e38, np.nan,
                                                      np.inf, -np.inf]))
dtypes = st.sampled_from([np.float64, np.float32, np.float16, np.int64, np.int8, np.uint8,
                          np.bool_, np.complex128, object, np.str_])


@st.composite
def arrays(draw, min_rows=0):
    """X of any dtype and up to 3 dimensions, mostly 2-D numbers."""
    dtype = draw(dtypes) if draw(st.integers(0, 3)) == 0 else np.float64
    ndim = draw(st.integers(0, 3)) if draw(st.integers(0, 4)) == 0 else 2
    shape = tuple(draw(st.lists(st.integers(min_rows if ndim == 2 else 0, 6), min_size=ndim,
                                max_size=ndim)))
    X = draw(hnp.arrays(np.float64, shape, elements=values)) if shape else np.float64(1.0)
    with np.errstate(all="ignore"):
        if dtype is object:
            return np.asarray(X).astype(object)
        if dtype is np.str_:
            return np.asarray(X).astype(str)
        return np.asarray(X).astype(dtype) if np.asarray(X).size else np.zeros(shape, dtype)


label_sets = st.sampled_from([[0, 1], ["a", "b", "c"], [0.5, 2.5], [True, False], [1, np.nan],
                              ["x", 1], [3]])


def _check_proba(clf, X):
    try:
        P = clf.predict_proba(X)
    except DOCUMENTED as exc:
        assert str(exc)
        return
    assert np.isfinite(P).all() and np.allclose(P.sum(axis=1), 1)
    assert clf.predict(X).shape == (len(X),)


def _fit(clf, X, y, **kwargs):
    """fit (or partial_fit); True if it gave a model, False for a documented error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            if kwargs:
                clf.partial_fit(X, y, **kwargs)
            else:
                clf.fit(X, y)
        except DOCUMENTED as exc:
            assert str(exc)
            return False
    return True


@settings(max_examples=fuzz_examples(2))
@given(arrays(), label_sets, st.data())
@example(np.random.RandomState(0).randn(20, 3) * 1e300, [0, 1], None)  # huge
@example(np.c_[np.ones(20), np.arange(20.0)], [0, 1], None)  # a constant column
@example(np.ones((20, 2)), ["a", "b"], None)  # every column constant
@example(np.arange(6.0).reshape(3, 2), ["a", "b", "c"], None)  # one sample per class
def test_fit_and_predict_any_array(X, labels, data):
    n = len(X) if np.ndim(X) else 0
    y = np.array([labels[i % len(labels)] for i in range(n)], dtype=object
                 if labels == ["x", 1] else None)
    if data is not None and n and data.draw(st.booleans(), label="wrong length"):
        y = y[:-1]
    solver = "sgd" if data is None else data.draw(st.sampled_from(["gd", "sgd", "adam"]))
    dtype = "float64" if data is None else data.draw(st.sampled_from(["float64", "float32"]))
    clf = MLPClassifier((3,), solver=solver, max_iter=5, random_state=0, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if _fit(clf, X, y):
            _check_proba(clf, X)
            if data is not None:
                _check_proba(clf, data.draw(arrays(), label="X to predict"))
        classes = np.unique(np.asarray(labels, dtype=object).astype(str)) if labels else None
        if n and classes is not None and len(classes) >= 2:
            _fit(MLPClassifier((3,), max_iter=5, random_state=0, dtype=dtype), X,
                 y.astype(str) if y.dtype == object else y,
                 classes=np.unique(y.astype(str)) if y.dtype == object else np.unique(labels))


def test_a_million_identical_points():
    X, y = np.zeros((10**6, 2)), np.arange(10**6) % 2
    clf = MLPClassifier((3,), solver="gd", max_iter=2, random_state=0, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf.fit(X, y)
        P = clf.predict_proba(X[:1000])
    assert np.isfinite(P).all() and np.ptp(P, axis=0).max() == 0  # one answer for one point


PARAMS = {
    "hidden_layer_sizes": [(3,), 4, (2, 2), (), 0, -1, (3, 0), 1.5, "3", None, [2], (True,)],
    "activation": ["tanh", "relu", "logistic", "identity", ("tanh", "relu"), "nope", 3, None],
    "solver": ["gd", "sgd", "adam", "lbfgs", "", None],
    "alpha": [0.0, 1e-4, 1e300, -1.0, np.nan, np.inf, "0.1", None],
    "batch_size": ["auto", 1, 7, 10**9, 0, -3, 2.5, "big", None],
    "learning_rate": ["constant", "invscaling", "adaptive", "other", None],
    "learning_rate_init": [1e-3, 0.1, 1e6, 0.0, -0.1, np.nan, np.inf, "x"],
    "power_t": [0.5, 0.0, -1.0, np.nan, 1e300],
    "max_iter": [1, 5, 0, -1, 2.5, None, "5"],
    "shuffle": [True, False, 0, "yes"],
    "random_state": [0, 1, None, -1, 2**32, np.random.RandomState(0), "seed"],
    "tol": [1e-4, 0.0, None, -1.0, np.nan, 1e300],
    "verbose": [False, True, 2, "loud"],
    "warm_start": [False, True],
    "momentum": [0.9, 0.0, 1.0, 1.5, -0.1, np.nan],
    "nesterovs_momentum": [True, False, "no"],
    "early_stopping": [False, True, 1],
    "validation_fraction": [0.1, 0.5, 0.0, 1.0, -0.1, 2, np.nan],
    "beta_1": [0.9, 0.0, 1.0, -0.5, np.nan],
    "beta_2": [0.999, 0.0, 1.0, 2.0],
    "epsilon": [1e-8, 0.0, -1e-8, np.inf],
    "n_iter_no_change": [10, 1, 0, -5, 10**30, np.inf, 1.5],
    "max_fun": [15000, 0, -1],
    "init": ["glorot", "seed", "he", "zeros", None],
    "dtype": ["float64", "float32", np.float32, "float16", "int64", None, "nonsense"],
    "callbacks": [None, (), [lambda h, *rest: None], [lambda h, *rest: True], "cb", [1]],
}


@settings(max_examples=fuzz_examples(2))
@given(st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in PARAMS.items()
                                          if k in MLPClassifier().get_params()}))
def test_any_parameters(params):
    """Every __init__ parameter, valid and invalid values mixed (valid ones are small: a huge
    max_iter or layer would be a long run, not a bug)."""
    params.setdefault("max_iter", 5)
    clf = MLPClassifier(**params)
    assert clf.get_params()["max_iter"] is params["max_iter"]  # stored unchanged
    X = np.random.RandomState(0).randn(30, 2)
    y = (X[:, 0] > 0).astype(int)
    if _fit(clf, X, y):
        _check_proba(clf, X)
        _fit(clf, X, y, classes=[0, 1])


@settings(max_examples=fuzz_examples(1))
@given(arrays(min_rows=1), st.data())
def test_engine_train_any_array(X, data):
    n_in = X.shape[1] if X.ndim == 2 else 2
    net = Network(init_params((n_in, 3, 2), "glorot", random_state=0), "tanh")
    n = len(X) if X.ndim else 1
    Y = np.eye(2)[np.arange(n) % 2]
    if data.draw(st.booleans(), label="odd Y"):
        Y = data.draw(arrays(), label="Y")
    kwargs = data.draw(st.fixed_dictionaries({}, optional={
        "learning_rate": st.sampled_from([0.1, 0.0, -1.0, np.nan, 1e300]),
        "batch_size": st.sampled_from([None, 1, 2, 0, -1, 2.5]),
        "alpha": st.sampled_from([0.0, 1e-3, -1.0, np.nan]),
        "optimizer": st.sampled_from(["gd", "sgd", "momentum", "adam", "nope"]),
        "tol": st.sampled_from([None, 1e-4, -1.0]),
        "epochs": st.sampled_from([1, 3, 0, -2]),
    }), label="kwargs")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            history = train(net, X, Y, **kwargs)
        except DOCUMENTED as exc:
            assert str(exc)
            return
    assert history.loss and all(np.isfinite(history.loss))
    assert np.isfinite(net.params.flat).all()
