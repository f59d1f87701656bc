"""The reference core against finite differences and the tutorial's golden numbers; the engine
against the reference core."""

import numpy as np
import pytest

from nnscratch.datasets import moons
from nnscratch.engine import Network, init_params, reference, train
from nnscratch.engine.losses import one_hot
from tests.experiments.test_tutorial import SEED_FINAL_LOSS, SEED_LINES

NETS = [  # (layer sizes, hidden activations)
    ((2, 3, 2), ("tanh",)),
    ((3, 5, 4, 3), ("relu", "logistic")),
    ((2, 6, 4, 5, 4), ("leaky_relu", "elu", "softplus")),
    ((4, 3, 2), ("identity",)),
    ((3, 4, 3), ("sigmoid",)),
]


def _problem(sizes, seed=0, n=15):
    rng = np.random.RandomState(seed)
    p = init_params(sizes, "glorot", seed)
    Ws = [W.copy() for W in p.coefs]
    bs = [0.3 * rng.randn(b.size) for b in p.intercepts]
    X = rng.randn(n, sizes[0])
    y = rng.randint(sizes[-1], size=n)
    return Ws, bs, X, y


@pytest.mark.parametrize("alpha", [0.0, 0.3])
@pytest.mark.parametrize("net_index", range(len(NETS)))
def test_backprop_is_the_gradient_of_the_loss(net_index, alpha):
    sizes, acts = NETS[net_index]
    Ws, bs, X, y = _problem(sizes, net_index)
    dWs, dbs = reference.backprop(Ws, bs, X, y, acts, alpha)
    h = 1e-6
    for params, grads in ((Ws, dWs), (bs, dbs)):
        for p, g in zip(params, grads):
            assert g.shape == p.shape
            numeric = np.empty_like(p)
            for j in np.ndindex(p.shape):
                old = p[j]
                p[j] = old + h
                up = reference.loss(Ws, bs, X, y, acts, alpha)
                p[j] = old - h
                down = reference.loss(Ws, bs, X, y, acts, alpha)
                p[j] = old
                numeric[j] = (up - down) / (2 * h)
            assert np.max(np.abs(numeric - g)) < 1e-8 * max(1.0, np.max(np.abs(g)))


def test_forward_softmax_rows_are_probabilities_even_for_huge_logits():
    z = np.array([[1000.0, 999.0], [-1e4, 0.0], [0.5, -0.5]])
    p = reference.softmax(z)
    assert np.allclose(p.sum(axis=1), 1) and np.isfinite(p).all()
    assert p[0, 0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-12)
    sizes, acts = NETS[1]
    Ws, bs, X, _ = _problem(sizes)
    a = reference.forward(Ws, bs, X, acts)
    assert a[0] is X and [x.shape[1] for x in a] == list(sizes)
    assert np.allclose(a[-1].sum(axis=1), 1)


def test_gd_step_returns_new_arrays():
    Ws, bs = [np.ones((2, 2))], [np.zeros(2)]
    new_Ws, new_bs = reference.gd_step(Ws, bs, [np.full((2, 2), 0.5)], [np.ones(2)], 2.0)
    assert np.array_equal(new_Ws[0], np.zeros((2, 2))) and np.array_equal(new_bs[0], [-2, -2])
    assert np.array_equal(Ws[0], np.ones((2, 2)))  # nothing changed in place


def test_reference_reproduces_the_tutorial_and_the_engine_matches_it_bit_for_bit():
    X, y = moons()
    p0 = init_params((2, 3, 2), "seed", 0)
    Ws, bs = [W.copy() for W in p0.coefs], [b.copy() for b in p0.intercepts]
    printed = {}
    for i in range(20000):
        dWs, dbs = reference.backprop(Ws, bs, X, y, ["tanh"], 0.01)
        Ws, bs = reference.gd_step(Ws, bs, dWs, dbs, 2.0)  # lr = epsilon N = 0.01 * 200
        if i % 1000 == 0:  # the tutorial prints the loss after pass i
            printed[i] = f"{reference.loss(Ws, bs, X, y, ['tanh'], 0.01):f}"
    assert printed == SEED_LINES
    assert abs(reference.loss(Ws, bs, X, y, ["tanh"], 0.01) - SEED_FINAL_LOSS) < 1e-9
    net = Network(p0, "tanh")
    train(net, X, one_hot(y, 2), learning_rate=2.0, alpha=0.01, epochs=20000, tol=None)
    for ours, ref in zip(net.params.coefs + net.params.intercepts, Ws + bs):
        assert np.array_equal(ours, ref)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("net_index", range(len(NETS)))
def test_engine_loss_and_gradient_equal_the_reference(net_index, alpha):
    sizes, acts = NETS[net_index]
    Ws, bs, X, y = _problem(sizes, net_index, n=40)
    net = Network(init_params(sizes, "seed", 0), list(acts))
    for dst, src in zip(net.params.coefs + net.params.intercepts, Ws + bs):
        dst[...] = src
    loss, grads = net.loss_and_grad(X, one_hot(y, sizes[-1]), alpha)
    assert loss == pytest.approx(reference.loss(Ws, bs, X, y, acts, alpha), rel=1e-13)
    dWs, dbs = reference.backprop(Ws, bs, X, y, acts, alpha)
    for ours, ref in zip(grads.coefs + grads.intercepts, dWs + dbs):
        assert np.allclose(ours, ref, rtol=1e-12, atol=1e-15)
    probs = net.predict_proba(X)
    assert np.allclose(probs, reference.forward(Ws, bs, X, acts)[-1], rtol=1e-12, atol=1e-15)
