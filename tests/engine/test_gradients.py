"""Backpropagation checked against central finite differences, equation by equation."""

import numpy as np
import pytest

from nnscratch.engine import Network, gradcheck, init_params
from nnscratch.engine.activations import get_activation
from nnscratch.engine.gradcheck import relative_error
from nnscratch.engine.losses import cross_entropy_sum, one_hot, output_delta, softmax


def _data(n=30, d=2, k=2, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(n, d), one_hot(rng.randint(k, size=n), k)


def _fd(f, x, h=1e-6):
    """Central differences of scalar f at x (float64), elementwise."""
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f(x)
        x[idx] = old - h
        down = f(x)
        x[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


@pytest.mark.parametrize("alpha", [0.0, 0.01, 1.0])
@pytest.mark.parametrize("hidden", [1, 3, 7])
def test_tutorial_network_gradients(alpha, hidden):
    X, Y = _data()
    net = Network(init_params((2, hidden, 2), "seed", 1), "tanh")
    for b in net.params.intercepts:
        b[...] = np.random.RandomState(2).randn(b.size) * 0.1
    errors = gradcheck(net, X, Y, alpha=alpha)
    assert set(errors) == {"W1", "b1", "W2", "b2"}
    assert max(errors.values()) < 1e-6, errors


def test_gradients_any_input_dim_and_classes():
    X, Y = _data(n=25, d=5, k=4, seed=3)
    net = Network(init_params((5, 6, 4), "seed", 0), "tanh")
    assert max(gradcheck(net, X, Y, alpha=0.1).values()) < 1e-6


def test_softmax_jacobian_both_cases():
    # d softmax_i / d z_j = s_i (1 - s_i) if i == j else -s_i s_j
    z = np.array([[0.3, -1.2, 2.0]])
    s = z.copy()
    softmax(s)
    s = s[0]
    analytic = np.diag(s) - np.outer(s, s)
    for i in range(3):
        def f(zz, i=i):
            p = zz.copy()
            softmax(p)
            return p[0, i]
        assert np.allclose(_fd(f, z.copy())[0], analytic[i], atol=1e-9)
    assert np.isclose(analytic[0, 0], s[0] * (1 - s[0]))
    assert np.isclose(analytic[0, 1], -s[0] * s[1])


def test_output_delta_is_gradient_of_cross_entropy():
    # d CE / d z = softmax(z) - Y, per sample
    rng = np.random.RandomState(0)
    z = rng.randn(6, 3)
    Y = one_hot(rng.randint(3, size=6), 3)
    p = z.copy()
    softmax(p)
    delta = output_delta(p, Y)
    numeric = _fd(lambda zz: cross_entropy_sum(zz.copy(), Y), z.copy())
    assert np.allclose(delta, numeric, atol=1e-8)


def test_cross_entropy_matches_naive_formula():
    rng = np.random.RandomState(1)
    z = rng.randn(10, 4)
    y = rng.randint(4, size=10)
    naive = -np.sum(np.log(np.exp(z)[np.arange(10), y] / np.exp(z).sum(axis=1)))
    assert abs(cross_entropy_sum(z.copy(), one_hot(y, 4)) - naive) < 1e-12


def test_softmax_stable_for_huge_logits():
    z = np.array([[1e4, -1e4], [-1e4, -1e4 + 1], [800.0, 799.0]])
    Y = one_hot(np.array([1, 0, 0]), 2)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        ce = cross_entropy_sum(z.copy(), Y)
    # row 0: true class 1 is 2e4 below: CE = 2e4; row 1: log(1 + e) - 0 ... - (-1)
    expected = 2e4 + (np.log1p(np.exp(1.0)) - 0.0) + np.log1p(np.exp(-1.0))
    assert np.isfinite(ce) and abs(ce - expected) < 1e-9


def test_tanh_derivative_from_activation():
    z = np.linspace(-3, 3, 13)
    a = get_activation("tanh").forward(z.copy())
    numeric = (np.tanh(z + 1e-6) - np.tanh(z - 1e-6)) / 2e-6
    assert relative_error(get_activation("tanh").derivative(a), numeric) < 1e-9


@pytest.mark.parametrize("sizes, act", [((2, 3, 2), "tanh"), ((2, 50, 2), "tanh"),
                                        ((5, 6, 4, 3), "relu"), ((64, 16, 10), "logistic")])
def test_training_step_with_ones_column_is_the_plain_gradient(sizes, act):
    # forward_backward takes [X, 1]: b_1 and db_1 come out of the first layer's products. Equal to
    # forward/backward without the column to rounding, and bit for bit on the tutorial's shapes.
    from nnscratch.engine import _batching
    from nnscratch.engine.network import forward_backward

    rng = np.random.RandomState(0)
    X = rng.randn(200, sizes[0])
    Y = one_hot(rng.randint(sizes[-1], size=200), sizes[-1])
    net = Network(init_params(sizes, "glorot", 0), act)
    for b in net.params.intercepts:
        b[...] = rng.randn(b.size) * 0.3
    loss, plain = net.loss_and_grad(X, Y, alpha=0.01)
    grads = net.params.zeros_like()
    ws = _batching.Workspace(sizes, 200, np.float64)
    ce = forward_backward(net.params, net.activations, _batching.with_ones(X), Y, ws, 0.01, grads)
    penalty = 0.005 * np.sum(net.params.weights**2)
    assert (ce + penalty) / 200 == pytest.approx(loss, rel=1e-13)
    assert np.allclose(grads.flat, plain.flat, rtol=1e-12, atol=1e-15)
    if sizes[:2] in ((2, 3), (2, 50)):
        assert np.array_equal(grads.flat, plain.flat)
