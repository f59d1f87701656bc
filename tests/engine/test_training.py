"""The training loop: minibatches and reshuffling, validation curves, early stopping, callbacks,
scikit-learn's MLP as an independent reference, and the 3-arm spirals reached at >= 0.97."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from nnscratch.datasets import spirals
from nnscratch.engine import (
    Adam,
    DivergenceError,
    Momentum,
    Network,
    _fused,
    init_params,
    train,
)
from nnscratch.engine.losses import one_hot


def _problem(n=10, d=2, k=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = rng.randint(k, size=n)
    return X, y, one_hot(y, k)


def _net(sizes=(2, 4, 3), act="tanh", seed=1):
    return Network(init_params(sizes, "seed", seed), act)


def _naive_minibatch_sgd(net, X, Y, lr, alpha, epochs, batch, orders):
    """Plain SGD written from the definition, batches taken in the given orders."""
    losses = []
    for order in orders[:epochs]:
        total = 0.0
        for start in range(0, len(X), batch):
            idx = order[start : start + batch]
            xb, yb = X[idx], Y[idx]
            loss, grads = net.loss_and_grad(xb, yb, alpha)  # mean over the batch
            total += loss * len(idx)  # CE_b + alpha/2 |W|^2
            net.params.flat -= lr * grads.flat
        losses.append(total / len(X))
    return losses


def test_minibatches_reshuffled_each_epoch_from_random_state():
    X, y, Y = _problem(n=10)
    epochs, batch = 4, 4  # batches of 4, 4 and a last smaller one of 2
    ours = _net()
    hist = train(ours, X, Y, learning_rate=0.3, alpha=0.01, epochs=epochs, batch_size=batch,
                 random_state=7, tol=None)
    rng = np.random.RandomState(7)
    orders = [rng.permutation(10) for _ in range(epochs)]  # a fresh permutation per epoch
    ref = _net()
    ref_losses = _naive_minibatch_sgd(ref, X, Y, 0.3, 0.01, epochs, batch, orders)
    assert np.allclose(ours.params.flat, ref.params.flat, rtol=1e-12, atol=1e-14)
    assert np.allclose(hist.loss, ref_losses, rtol=1e-12)
    assert hist.n_steps == 3 * epochs and hist.n_samples_seen == 10 * epochs

    # one permutation reused every epoch would give other weights: the loop really reshuffles
    same = _net()
    _naive_minibatch_sgd(same, X, Y, 0.3, 0.01, epochs, batch, [orders[0]] * epochs)
    assert not np.allclose(ours.params.flat, same.params.flat)


def test_same_seed_same_weights_other_seed_other_weights():
    X, y, Y = _problem(n=30)

    def run(seed):
        net = _net()
        train(net, X, Y, learning_rate=0.1, epochs=5, batch_size=8, random_state=seed, tol=None)
        return net.params.flat

    assert np.array_equal(run(3), run(3))
    assert np.array_equal(run(np.random.RandomState(3)), run(3))
    assert not np.allclose(run(3), run(4))
    before = np.random.get_state()[1].copy()
    run(None)
    assert np.array_equal(np.random.get_state()[1], before)  # global RNG untouched


def test_no_shuffle_takes_batches_in_order():
    X, y, Y = _problem(n=9)
    ours = _net()
    train(ours, X, Y, learning_rate=0.2, epochs=3, batch_size=4, shuffle=False, tol=None)
    ref = _net()
    _naive_minibatch_sgd(ref, X, Y, 0.2, 0.0, 3, 4, [np.arange(9)] * 3)
    assert np.allclose(ours.params.flat, ref.params.flat, rtol=1e-12, atol=1e-14)


def test_full_batch_epoch_loss_is_loss_before_the_step():
    X, y, Y = _problem(n=12)
    net = _net()
    start = net.loss(X, Y, alpha=0.1)
    _, g = net.loss_and_grad(X, Y, alpha=0.1)
    expected = net.params.flat - 0.5 * g.flat
    hist = train(net, X, Y, learning_rate=0.5, alpha=0.1, epochs=1, tol=None)
    assert hist.loss == [pytest.approx(start, rel=1e-14)]
    assert np.allclose(net.params.flat, expected, rtol=1e-14)


@pytest.mark.parametrize("solver", ["sgd", "nesterov", "adam"])
def test_matches_scikit_learn_mlp(solver):
    # Same glorot weights (same draws), same batches (no shuffle), same update rules: the weights
    # after 5 epochs agree with scikit-learn's MLPClassifier (3 classes: softmax output there too)
    X, y, Y = _problem(n=23, d=3, k=3, seed=5)
    hidden, lr, alpha, batch = (5, 4), 0.05, 1e-3, 6
    opts = {"sgd": dict(solver="sgd", momentum=0.9, nesterovs_momentum=False),
            "nesterov": dict(solver="sgd", momentum=0.9, nesterovs_momentum=True),
            "adam": dict(solver="adam")}[solver]
    sk = MLPClassifier(hidden, activation="relu", alpha=alpha, batch_size=batch,
                       learning_rate_init=lr, max_iter=5, shuffle=False, random_state=0,
                       tol=0.0, n_iter_no_change=100, **opts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(X, y)
    optimizer = {"sgd": Momentum(0.9), "nesterov": Momentum(0.9, nesterov=True),
                 "adam": Adam()}[solver]
    net = Network(init_params((3, *hidden, 3), "glorot", 0, activation="relu"), "relu")
    hist = train(net, X, Y, learning_rate=lr, optimizer=optimizer, alpha=alpha, epochs=5,
                 batch_size=batch, shuffle=False, tol=None)
    for ours, theirs in zip(net.params.coefs + net.params.intercepts,
                            sk.coefs_ + sk.intercepts_):
        assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert np.allclose(hist.loss, sk.loss_curve_, rtol=1e-10)


def _val_split(seed=0):
    X, y = spirals(240, n_classes=3, random_state=seed)
    return train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)


def test_validation_curves_recorded():
    X, Xv, y, yv = _val_split()
    net = _net((2, 8, 3))
    hist = train(net, X, one_hot(y, 3), learning_rate=0.01, optimizer=Adam(), epochs=6,
                 batch_size=32, random_state=0, validation=(Xv, yv), tol=None)
    assert len(hist.val_score) == len(hist.val_loss) == len(hist.loss) == 6
    probs = net.predict_proba(Xv)  # the last entries describe the final parameters
    assert hist.val_score[-1] == pytest.approx(np.mean(probs.argmax(1) == yv))
    assert hist.val_loss[-1] == pytest.approx(-np.mean(np.log(probs[np.arange(len(yv)), yv])))
    assert hist.best_val_score == max(hist.val_score)


def test_early_stopping_stops_and_restores_best():
    X, Xv, y, yv = _val_split(1)
    net = _net((2, 16, 16, 3), "relu")
    snapshots = []
    hist = train(net, X, one_hot(y, 3), learning_rate=0.05, optimizer=Adam(), epochs=500,
                 batch_size=16, random_state=0, validation=(Xv, yv), early_stopping=True,
                 tol=1e-4, n_iter_no_change=5,
                 callbacks=[lambda h, n: snapshots.append(n.params.flat.copy())])
    assert hist.stop_reason == "early_stopping"
    assert hist.n_epochs < 500 and len(snapshots) == hist.n_epochs
    best = int(np.argmax(hist.val_score))  # first epoch reaching the best score
    assert np.array_equal(net.params.flat, snapshots[best])
    assert np.mean(net.predict_proba(Xv).argmax(1) == yv) == hist.val_score[best]
    # stopped after more than n_iter_no_change epochs without a tol improvement
    last_gain = max(i for i in range(hist.n_epochs)
                    if hist.val_score[i] >= max([-np.inf] + hist.val_score[:i]) + 1e-4)
    assert hist.n_epochs - 1 - last_gain == 6
    with pytest.raises(ValueError, match="early_stopping needs validation data"):
        train(net, X, one_hot(y, 3), early_stopping=True)


def test_callbacks_see_history_and_can_stop():
    X, y, Y = _problem(n=20)
    seen, nets = [], []

    def cb(h, network):
        seen.append(h.n_epochs)
        nets.append(network)
        return h.n_epochs == 3

    later = []  # a callback after the one that stops is still called for that epoch
    net = _net()
    hist = train(net, X, Y, learning_rate=0.1, epochs=50, tol=None,
                 callbacks=[cb, lambda h, _: later.append(h.n_epochs)])
    assert seen == [1, 2, 3] and hist.n_epochs == 3 and hist.stop_reason == "callback"
    assert all(n is net for n in nets)  # the live network being trained
    assert later == [1, 2, 3]


def test_tol_stops_when_loss_stalls():
    X = np.zeros((6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])  # nothing to learn: the loss is log 3 from the start
    net = _net((2, 3, 3))
    net.params.flat[...] = 0.0
    hist = train(net, X, one_hot(y, 3), learning_rate=0.1, epochs=100, tol=1e-4,
                 n_iter_no_change=4)
    # epoch 1 improves on +inf; epochs 2..6 do not; stop when the count exceeds 4
    assert hist.n_epochs == 6 and hist.stop_reason == "converged"


def test_divergence_restores_finite_weights():
    X, y, Y = _problem(n=20)
    net = _net((2, 4, 3), "relu")
    with np.errstate(all="ignore"), \
            pytest.raises(DivergenceError, match="smaller learning rate") as info:
        train(net, X * 1e3, Y, learning_rate=1e30, epochs=50, tol=None)
    assert np.isfinite(net.params.flat).all()
    assert info.value.history.stop_reason == "diverged"


def test_two_hidden_layers_reach_097_on_three_arm_spirals():
    X, y = spirals(600, n_classes=3, random_state=0)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)
    net = Network(init_params((2, 20, 20, 3), "glorot", 0, activation="relu"), "relu")
    train(net, X_tr, one_hot(y_tr, 3), learning_rate=0.01, optimizer=Adam(), epochs=300,
          batch_size=32, random_state=0, tol=None)
    test_acc = np.mean(net.predict_proba(X_te).argmax(1) == y_te)
    assert test_acc >= 0.97
    assert len(net.params.coefs) == 3


BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(
    not _fused.numba_available(), reason="numba is not installed or is hidden"))]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("batch_size", [None, 4])  # full batch; 3 minibatches an epoch
def test_ctrl_c_in_a_callback_keeps_the_weights_and_state_that_history_describes(backend,
                                                                                 batch_size):
    # Ctrl-C raises KeyboardInterrupt wherever Python is; a slow callback (a plot) is a likely
    # place. The run then stops with the weights, optimizer state and history of the epochs
    # it finished: resuming from there takes the same steps as a run never interrupted.
    X, _, Y = _problem(n=10, seed=1)

    def fit(epochs, callbacks=(), net=None, opt=None, hist=None):
        net = net or Network(init_params((2, 5, 3), "glorot", 0), "tanh")
        opt = opt or Adam()
        hist = train(net, X, Y, learning_rate=0.05, optimizer=opt, epochs=epochs, tol=None,
                     batch_size=batch_size, shuffle=False, callbacks=callbacks, backend=backend,
                     history=hist)
        return net, opt, hist

    def ctrl_c_at_epoch_7(hist, _net):
        if hist.n_epochs == 7:
            raise KeyboardInterrupt

    net, opt, hist = fit(20, [ctrl_c_at_epoch_7])
    assert hist.stop_reason == "interrupted" and hist.backend == backend
    steps = 7 * (1 if batch_size is None else 3)
    assert hist.n_epochs == 7 and hist.n_steps == steps == opt.t
    ref_net, ref_opt, ref_hist = fit(7, [lambda h, n: None])
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)
    assert hist.loss == ref_hist.loss
    fit(5, [lambda h, n: None], net, opt, hist)  # resume: Adam's moments went on from epoch 7
    ref_net, _, _ = fit(12, [lambda h, n: None])
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)


@pytest.mark.parametrize("batch_size", [None, 4])  # full batch; 3 minibatches an epoch
@pytest.mark.parametrize("where", ["forward_backward", "update"])
def test_ctrl_c_within_an_epoch_goes_back_to_its_start_with_the_optimizer_state(
        batch_size, where, monkeypatch):
    # Ctrl-C in the middle of epoch 7 (in its 2nd step's gradient, or half-way through the
    # update): weights, Adam's moments and step count are those of epoch 6, as hist says, and
    # resuming takes the steps of a run never interrupted
    from nnscratch.engine import training

    X, _, Y = _problem(n=10, seed=1)
    steps = 1 if batch_size is None else 3
    stop_at = 6 * steps + min(2, steps)  # the call that is interrupted
    calls = []
    forward_backward, update = training.forward_backward, Adam.update

    def counted(fn):
        def wrapper(*args, **kwargs):
            calls.append(1)
            if len(calls) == stop_at and where == "forward_backward":
                raise KeyboardInterrupt
            out = fn(*args, **kwargs)
            if len(calls) == stop_at:  # the update has changed weights and moments
                raise KeyboardInterrupt
            return out
        return wrapper

    def fit(epochs, net=None, opt=None, hist=None):
        net = net or Network(init_params((2, 5, 3), "glorot", 0), "tanh")
        opt = opt or Adam()
        hist = train(net, X, Y, learning_rate=0.05, optimizer=opt, epochs=epochs, tol=None,
                     batch_size=batch_size, shuffle=False, backend="numpy", history=hist)
        return net, opt, hist

    if where == "forward_backward":
        monkeypatch.setattr(training, "forward_backward", counted(forward_backward))
    else:
        monkeypatch.setattr(Adam, "update", counted(update))
    net, opt, hist = fit(20)
    monkeypatch.undo()
    assert hist.stop_reason == "interrupted"
    assert hist.n_epochs == 6 and hist.n_steps == opt.t == 6 * steps
    ref_net, ref_opt, ref_hist = fit(6)
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)
    for ours, ref in zip(opt.state, ref_opt.state):
        for k in ref:
            np.testing.assert_array_equal(ours[k], ref[k])
    assert hist.loss == ref_hist.loss
    fit(6, net, opt, hist)  # resume
    ref_net, _, _ = fit(12)
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)


def test_ctrl_c_while_validating_leaves_the_history_and_weights_of_the_epochs_before(
        monkeypatch):
    # the held-out evaluation of an epoch (a predict over the validation set, the slowest part
    # of a small epoch) runs before the epoch is recorded: Ctrl-C there takes the step back and
    # leaves no half-recorded epoch (training loss without its validation score)
    from nnscratch.engine import training

    X, y, Y = _problem(n=10, seed=1)
    evaluate = training._evaluate
    calls = []

    def ctrl_c_at_epoch_7(*args):
        calls.append(1)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return evaluate(*args)

    def fit(epochs):
        net = Network(init_params((2, 5, 3), "glorot", 0), "tanh")
        hist = train(net, X, Y, learning_rate=0.05, epochs=epochs, tol=None,
                     validation=(X, y), backend="numpy")
        return net, hist

    monkeypatch.setattr(training, "_evaluate", ctrl_c_at_epoch_7)
    net, hist = fit(20)
    monkeypatch.setattr(training, "_evaluate", evaluate)
    assert hist.stop_reason == "interrupted"
    assert hist.n_epochs == hist.n_steps == len(hist.val_score) == len(hist.val_loss) == 6
    ref_net, ref_hist = fit(6)
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)
    assert hist.loss == ref_hist.loss and hist.val_score == ref_hist.val_score

@pytest.mark.parametrize("backend", BACKENDS)
def test_ctrl_c_while_the_progress_bar_draws_keeps_the_recorded_epoch(backend, monkeypatch):
    # verbose=True draws a tqdm bar after every epoch; Ctrl-C while it draws (milliseconds, far
    # longer than a tutorial step) must leave the weights that the history describes
    X, _, Y = _problem(n=10, seed=1)

    class CtrlCAtEpoch7:
        def __init__(self, **kwargs):
            self.n = 0

        def update(self, n):
            self.n += n
            if self.n == 7:
                raise KeyboardInterrupt

        def set_postfix(self, **kwargs):
            pass

        def close(self):
            pass

    def fit(epochs, verbose):
        net = Network(init_params((2, 5, 3), "glorot", 0), "tanh")
        opt = Adam()
        hist = train(net, X, Y, learning_rate=0.05, optimizer=opt, epochs=epochs, tol=None,
                     verbose=verbose, backend=backend, callbacks=[lambda h, n: None])
        return net, opt, hist

    monkeypatch.setattr("tqdm.auto.tqdm", CtrlCAtEpoch7)
    net, opt, hist = fit(20, verbose=True)
    assert hist.stop_reason == "interrupted" and hist.backend == backend
    assert hist.n_epochs == hist.n_steps == opt.t == 7
    ref_net, _, ref_hist = fit(7, verbose=False)
    np.testing.assert_array_equal(net.params.flat, ref_net.params.flat)
    assert hist.loss == ref_hist.loss
