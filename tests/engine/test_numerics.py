"""Engine numerics: huge logits, float32 and float64, no warnings, divergence, determinism."""

import math
import warnings

import numpy as np
import pytest

from nnscratch.datasets import moons
from nnscratch.engine import (
    ACTIVATIONS,
    DivergenceError,
    Network,
    get_optimizer,
    gradcheck,
    init_params,
    train,
)
from nnscratch.engine.losses import cross_entropy_sum, one_hot, softmax

ACTS = sorted(name for name in ACTIVATIONS if name != "sigmoid")
SOLVERS = ["gd", "momentum", "nesterov", "adam"]


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """Any RuntimeWarning (overflow, invalid value) in these tests is a failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


@pytest.fixture(scope="module")
def data():
    X, y = moons(200, noise=0.2, random_state=0)
    return X, y, one_hot(y, 2)


def _naive_ce(z, y):
    """sum_i [logsumexp(z_i) - z_{i,y_i}] with Python floats, max shifted (independent)."""
    total = 0.0
    for row, label in zip(z.tolist(), y):
        m = max(row)
        total += m + math.log(sum(math.exp(v - m) for v in row)) - row[label]
    return total


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4, 1e6, 1e30])
def test_cross_entropy_and_softmax_finite_for_huge_logits(dtype, scale):
    z = np.array([[1.0, -1.0], [1.0, -1.0], [-1.0, 1.0, ], [0.5, -1.0]]) * scale
    z = np.hstack([z, -z[:, :1]]).astype(dtype)  # 3 classes
    y = np.array([0, 1, 2, 1])
    expected = _naive_ce(z.astype(np.float64), y)
    ce = cross_entropy_sum(z.copy(), one_hot(y, 3, dtype))
    assert math.isfinite(ce)
    assert ce == pytest.approx(expected, rel=1e-5, abs=1e-5)
    probs = z.copy()
    softmax(probs)
    assert np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1, atol=1e-6)
    assert probs.min() >= 0


def test_network_with_logits_of_1e4_has_finite_loss_and_gradient(data):
    X, _, Y = data
    net = Network(init_params((2, 4, 2), "seed", 0), "tanh")
    net.params.coefs[1][...] = [[1e4, -1e4]] * 4  # hidden units in [-1, 1]: logits up to 8e4
    loss, grads = net.loss_and_grad(X, Y, alpha=0.01)
    assert math.isfinite(loss) and loss > 100  # confidently wrong on about half the samples
    assert np.isfinite(grads.flat).all()
    assert np.isfinite(net.predict_proba(X)).all()


def test_float32_and_float64_both_train(data):
    X, y, Y = data
    results = {}
    for dtype in (np.float32, np.float64):
        net = Network(init_params((2, 8, 2), "seed", 0, dtype=dtype), "tanh")
        hist = train(net, X, Y, learning_rate=0.5, epochs=300, tol=None)  # float64 data cast
        assert net.params.dtype == dtype
        assert all(isinstance(v, float) and math.isfinite(v) for v in hist.loss)
        assert hist.loss[-1] < 0.5 * hist.loss[0]
        results[dtype] = (np.array(hist.loss), net.predict_proba(X.astype(dtype)), net)
    loss32, p32, net32 = results[np.float32]
    loss64, p64, _ = results[np.float64]
    assert p32.dtype == np.float32
    np.testing.assert_allclose(loss32, loss64, atol=1e-3)  # float32 rounding only
    assert np.mean(p32.argmax(1) == y) == pytest.approx(np.mean(p64.argmax(1) == y), abs=0.02)
    # the gradient check of a float32 network runs on a float64 copy: it passes at 1e-6
    before = net32.params.flat.copy()
    errors = gradcheck(net32, X[:20], Y[:20], alpha=0.01)
    assert max(errors.values()) < 1e-6
    assert net32.params.dtype == np.float32 and np.array_equal(net32.params.flat, before)


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("solver", SOLVERS)
def test_normal_training_emits_no_warnings(data, act, solver):
    X, _, Y = data
    X = X * 50  # large inputs saturate tanh/logistic and push exp() hard
    for batch_size, dtype in ((None, np.float64), (16, np.float32)):
        net = Network(init_params((2, 6, 5, 2), "glorot", 1, dtype=dtype, activation=act), act)
        hist = train(net, X, Y, learning_rate=1e-3, optimizer=get_optimizer(solver), alpha=1e-4,
                     epochs=15, batch_size=batch_size, random_state=0, tol=None)
        assert hist.n_epochs == 15 and np.isfinite(net.params.flat).all()
        assert np.isfinite(net.predict_proba(X.astype(dtype))).all()


# --- divergence ----------------------------------------------------------------------------------
@pytest.mark.parametrize("act", ["relu", "tanh", "logistic", "identity"])
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("batch_size", [None, 32])
def test_huge_learning_rate_raises_divergence_and_restores(data, act, solver, batch_size):
    X, _, Y = data
    net = Network(init_params((2, 10, 2), "glorot", 0, activation=act), act)
    snapshots = []
    with pytest.raises(DivergenceError) as info:
        train(net, X, Y, learning_rate=1e6, optimizer=get_optimizer(solver), epochs=100,
              batch_size=batch_size, random_state=0, tol=None,
              callbacks=[lambda h, net_: snapshots.append(net.params.flat.copy())])
    message = str(info.value)
    assert "diverged" in message and "Try a smaller learning rate than 1e+06" in message
    assert info.value.history.stop_reason == "diverged"
    assert np.isfinite(net.params.flat).all()
    loss = net.loss(X, Y)
    assert math.isfinite(loss)
    hist = info.value.history
    if batch_size is None and hist.loss:
        # full batch: the restored parameters are those at which the last recorded loss was taken
        assert loss == hist.loss[-1]
        assert np.array_equal(net.params.flat, snapshots[-2] if len(snapshots) > 1 else
                              init_params((2, 10, 2), "glorot", 0, activation=act).flat)


@pytest.mark.parametrize("epochs", [6, 50])
def test_non_finite_weights_are_rolled_back_to_last_finite_step(data, epochs):
    X, _, Y = data
    net = Network(init_params((2, 5, 2), "seed", 0), "tanh")
    snapshots = []
    # five ordinary steps, then an infinite one: the weights become inf/nan
    with pytest.raises(DivergenceError, match="became nan") as info:
        train(net, X, Y, learning_rate=lambda t: 0.5 if t < 5 else math.inf, epochs=epochs,
              tol=None, callbacks=[lambda h, net_: snapshots.append(net.params.flat.copy())])
    assert not np.isfinite(snapshots[5]).all()  # the 6th step really produced non-finite weights
    np.testing.assert_array_equal(net.params.flat, snapshots[4])  # restored: after 5 steps
    assert info.value.history.n_epochs == 6


@pytest.mark.parametrize("batch_size", [None, 50])
def test_infinite_loss_at_the_first_step_is_divergence(data, batch_size):
    """alpha = 1e308 (finite) makes the L2 term, hence the very first loss, overflow to inf."""
    X, _, Y = data
    net = Network(init_params((2, 4, 2), "seed", 0), "tanh")
    start = net.params.flat.copy()
    assert 0.5 * 1e308 * float(start[: net.params.n_weights] @ start[: net.params.n_weights]) \
        == math.inf
    with pytest.raises(DivergenceError, match="the loss became inf") as info:
        train(net, X, Y, learning_rate=0.1, alpha=1e308, epochs=5, batch_size=batch_size)
    assert info.value.history.n_epochs == 0 and info.value.network is net
    np.testing.assert_array_equal(net.params.flat, start)  # never stepped


def test_divergence_threshold_is_relative_to_the_start(data):
    """A loss that grows but stays under DIVERGENCE_FACTOR x its start is not divergence."""
    X, _, Y = data
    net = Network(init_params((2, 10, 2), "seed", 0), "tanh")
    hist = train(net, X, Y, learning_rate=30.0, epochs=40, tol=None)  # wild but bounded
    assert max(hist.loss) > 10 * hist.loss[0]
    assert hist.stop_reason == "max_epochs"


# --- determinism ---------------------------------------------------------------------------------
SETUPS = {
    "gd full batch": dict(optimizer="gd", batch_size=None, learning_rate=0.5),
    "sgd shuffled": dict(optimizer="sgd", batch_size=16, learning_rate=0.1),
    "momentum": dict(optimizer="momentum", batch_size=32, learning_rate=0.05),
    "nesterov": dict(optimizer="nesterov", batch_size=32, learning_rate=0.05),
    "adam": dict(optimizer="adam", batch_size=20, learning_rate=0.01),
}


def _run(X, Y, seed, setup, dtype=np.float64):
    net = Network(init_params((2, 7, 4, 2), "glorot", seed, dtype=dtype), ["relu", "tanh"])
    hist = train(net, X, Y, optimizer=get_optimizer(setup["optimizer"]),
                 learning_rate=setup["learning_rate"], batch_size=setup["batch_size"],
                 alpha=1e-3, epochs=25, shuffle=True, random_state=seed, tol=None,
                 validation=(X[:50], np.argmax(Y[:50], axis=1)))
    return net.params.flat.copy(), hist


@pytest.mark.parametrize("name", sorted(SETUPS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_random_state_is_bit_identical(data, name, dtype):
    X, _, Y = data
    w1, h1 = _run(X, Y, 3, SETUPS[name], dtype)
    w2, h2 = _run(X, Y, 3, SETUPS[name], dtype)
    assert w1.tobytes() == w2.tobytes()
    assert h1.loss == h2.loss and h1.val_loss == h2.val_loss and h1.val_score == h2.val_score
    w3, h3 = _run(X, Y, 4, SETUPS[name], dtype)  # the seed matters: the test can fail
    assert w3.tobytes() != w1.tobytes() and h3.loss != h1.loss


@pytest.mark.parametrize("params", [
    dict(solver="gd"),
    dict(solver="sgd", momentum=0.0),
    dict(solver="sgd", nesterovs_momentum=False),
    dict(solver="sgd", nesterovs_momentum=True),
    dict(solver="adam", early_stopping=True),  # the validation split is random too
    dict(solver="adam", dtype="float32"),
], ids=["gd", "sgd", "momentum", "nesterov", "adam-early-stopping", "adam-float32"])
def test_estimator_same_random_state_is_bit_identical(data, params):
    from nnscratch import MLPClassifier

    X, y, _ = data

    def fit(seed):
        clf = MLPClassifier((6, 5), batch_size=32, learning_rate_init=0.05, max_iter=15,
                            tol=None, random_state=seed, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # (early stopping: ConvergenceWarning)
            clf.fit(X, y)
        return b"".join(a.tobytes() for a in clf.coefs_ + clf.intercepts_), clf.loss_curve_

    w1, c1 = fit(7)
    w2, c2 = fit(7)
    assert w1 == w2 and c1 == c2
    w3, c3 = fit(8)
    assert w3 != w1 and c3 != c1


def test_float32_network_predicts_float64_input():
    from nnscratch.engine import Network, init_params

    net = Network(init_params((2, 4, 3), "glorot", 0, dtype=np.float32), "tanh")
    X = np.random.RandomState(0).randn(10, 2)
    P = net.predict_proba(X)
    assert P.dtype == np.float32
    assert np.array_equal(P, net.predict_proba(X.astype(np.float32)))
