"""The engine answers bad input with a ValueError that names the value and the fix."""

import re
import warnings

import numpy as np
import pytest

from nnscratch.engine import (
    Adam,
    Momentum,
    Network,
    get_optimizer,
    init_params,
    step_decay,
    train,
)
from nnscratch.engine.losses import one_hot


@pytest.fixture()
def net():
    return Network(init_params((2, 3, 2), "seed", 0), "tanh")


X = np.arange(12.0).reshape(6, 2) / 10
Y = one_hot(np.array([0, 1, 0, 1, 0, 1]), 2)
NAN_X = X.copy()
NAN_X[4, 1] = np.nan

DATA_ERRORS = {
    "nan in X": (NAN_X, Y, "X contains NaN or infinity (first at row 4, column 1); remove or "
                           "impute"),
    "inf in Y": (X, np.where(Y == 1, np.inf, 0), "Y contains NaN or infinity"),
    "1-D X": (X[:, 0], Y, "X must be 2-D, shape (n_samples, n_columns); got shape (6,); use "
                          "X.reshape(-1, 1) for a single feature"),
    "3-D X": (X[:, :, None], Y, "X must be 2-D"),
    "0 rows": (X[:0], Y[:0], "X is empty (shape (0, 2)); need at least one sample"),
    "0 columns": (X[:, :0], Y, "X is empty (shape (6, 0))"),
    "length mismatch": (X, Y[:5], "Y must have shape (n_samples, n_classes) = (6, 2), one row "
                                  "per row of X; got (5, 2)"),
    "wrong n_features": (np.ones((6, 3)), Y, "X has 3 features but the network takes 2"),
    "wrong n_classes": (X, one_hot(np.arange(6) % 3, 3), "Y must have shape (n_samples, "
                                                         "n_classes) = (6, 2)"),
    "labels not one-hot": (X, np.array([0, 1, 0, 1, 0, 1]), "Y must be one-hot, shape "
                           "(n_samples, 2); got labels of shape (6,): use "
                           "nnscratch.engine.losses.one_hot(y, 2)"),
    "complex": (X + 1j, Y, "X must hold real numbers; got dtype complex128: take the real part"),
    "strings": (X.astype(str), Y, "X must hold real numbers; got dtype <U"),
    "objects": (X.astype(object), Y, "encode strings and objects as numbers first"),
}


@pytest.mark.parametrize("name", sorted(DATA_ERRORS))
def test_bad_data_is_a_clear_error(net, name):
    X_, Y_, message = DATA_ERRORS[name]
    before = net.params.flat.copy()
    with pytest.raises(ValueError, match=re.escape(message)):
        train(net, X_, Y_, epochs=2)
    np.testing.assert_array_equal(net.params.flat, before)  # nothing happened


def test_values_that_overflow_float32_are_named():
    warnings.simplefilter("error")  # (pytest restores the filters) no overflow warning either
    net32 = Network(init_params((2, 3, 2), "seed", 0, dtype=np.float32), "tanh")
    with pytest.raises(ValueError, match=r"X contains NaN or infinity or too large for float32"):
        train(net32, X * 1e300, Y, epochs=2)


def test_data_of_another_dtype_is_converted():
    net32 = Network(init_params((2, 3, 2), "seed", 0, dtype=np.float32), "tanh")
    hist = train(net32, X.astype(np.int64), Y.astype(bool), epochs=3, tol=None)  # cast, not fail
    assert hist.n_epochs == 3 and net32.params.dtype == np.float32


HYPER_ERRORS = [
    (dict(learning_rate=0.0), "learning rate must be a finite number > 0; got 0.0"),
    (dict(learning_rate=-1.0), "learning rate must be a finite number > 0; got -1.0"),
    (dict(learning_rate=float("nan")), "learning rate must be a finite number > 0; got nan"),
    (dict(epochs=0), "epochs must be an int >= 1; got 0"),
    (dict(epochs=2.5), "epochs must be an int >= 1; got 2.5"),
    (dict(batch_size=0), "batch_size must be an int >= 1 or None; got 0"),
    (dict(alpha=-0.1), "alpha must be a finite number >= 0; got -0.1"),
    (dict(alpha=float("inf")), "alpha must be a finite number >= 0; got inf"),
    (dict(tol=-1.0), "tol must be a finite number >= 0 or None; got -1.0"),
    (dict(n_iter_no_change=0), "n_iter_no_change must be an int >= 1; got 0"),
    (dict(optimizer="rmsprop"), "optimizer must be one of gd, sgd, momentum, nesterov, adam; "
                                "got 'rmsprop'"),
    (dict(early_stopping=True), "early_stopping needs validation data"),
    (dict(random_state="seed"), "random_state must be None, an int, a RandomState or a "
                                "Generator; got 'seed'"),
    (dict(validation=(X, np.array([0, 1, 2, 0, 1, 0]))),
     "validation labels must be 6 integers in 0..1, one per row of validation X"),
    (dict(validation=(X[:, :1], np.zeros(6, int))),
     "validation X has 1 features but the network takes 2"),
    (dict(validation=(NAN_X, np.zeros(6, int))), "validation X contains NaN or infinity"),
]


@pytest.mark.parametrize("kwargs, message", HYPER_ERRORS,
                         ids=[next(iter(k)) + str(i) for i, (k, _) in enumerate(HYPER_ERRORS)])
def test_bad_training_settings_are_clear_errors(net, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        train(net, X, Y, **{"epochs": 2, **kwargs})


@pytest.mark.parametrize("make, message", [
    (lambda: init_params((2, 0, 2)), "layer sizes must be >= 1 and at least two of them; got "
                                     "[2, 0, 2]"),
    (lambda: init_params((2, 3, 2), "xavier"), "init must be one of seed, glorot, he; got "
                                               "'xavier'"),
    (lambda: Network(init_params((2, 3, 2)), "swish"), "activation must be one of"),
    (lambda: Network(init_params((2, 3, 3, 2)), ["tanh"]), "need one activation per hidden "
                                                           "layer (2); got 1"),
    (lambda: get_optimizer("rmsprop"), "optimizer must be one of"),
    (lambda: Momentum(1.5), "momentum must be in [0, 1]; got 1.5"),
    (lambda: Adam(beta_1=1.0), "beta_1 must be in [0, 1); got 1.0"),
    (lambda: Adam(epsilon=0), "epsilon must be > 0; got 0"),
    (lambda: step_decay(0.1, factor=2.0), "need 0 < factor <= 1 and every >= 1; got factor=2.0"),
    (lambda: step_decay(-0.1), "learning rate must be a finite number > 0; got -0.1"),
])
def test_bad_building_blocks_are_clear_errors(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()
