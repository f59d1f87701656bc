"""Every activation: forward against its formula, derivative by central differences (float64),
the in-place backward against the derivative, and whole networks gradient-checked for several
depths x activations."""

import numpy as np
import pytest

from nnscratch.engine import (
    ACTIVATIONS,
    Network,
    get_activation,
    gradcheck,
    init_params,
    reference,
)
from nnscratch.engine.activations import ELU_ALPHA, LEAKY_SLOPE
from nnscratch.engine.gradcheck import relative_error
from nnscratch.engine.losses import one_hot

# f(z) written out independently of the library
FORMULAS = {
    "tanh": np.tanh,
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
    "elu": lambda z: np.where(z > 0, z, ELU_ALPHA * (np.exp(z) - 1.0)),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "identity": lambda z: z,
}
KINKED = {"relu", "leaky_relu", "elu"}  # not differentiable (or not twice) at 0
H = 1e-6


def _points():
    z = np.linspace(-4.0, 4.0, 81)
    return z[np.abs(z) > 1e-3]  # away from the kink at 0 (finite differences straddle it)


def test_every_activation_has_a_formula():
    assert set(FORMULAS) == set(ACTIVATIONS)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_forward_matches_formula_in_place(name):
    z = _points()
    buf = z.copy()
    out = get_activation(name).forward(buf)
    assert np.allclose(out, FORMULAS[name](z), rtol=1e-13, atol=1e-15)
    assert np.shares_memory(out, buf)  # in place: the training loop allocates nothing


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_by_central_differences(name):
    act, f = get_activation(name), FORMULAS[name]
    z = _points()
    a = act.forward(z.copy())
    numeric = (f(z + H) - f(z - H)) / (2 * H)  # error O(h^2) plus rounding ~1e-10
    analytic = act.derivative(a)  # f'(z) written through a = f(z)
    assert relative_error(analytic, numeric) < 1e-6
    assert np.max(np.abs(analytic - numeric) / np.maximum(np.abs(numeric), 1e-3)) < 1e-6


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_backward_multiplies_delta_by_derivative(name):
    act = get_activation(name)
    rng = np.random.RandomState(0)
    z = rng.randn(7, 5) * 2
    a = act.forward(z.copy())
    delta = rng.randn(7, 5)
    expected = delta * act.derivative(a)
    out = act.backward(a, delta, np.empty_like(a))
    assert np.allclose(out, expected, rtol=1e-14, atol=0)
    assert np.shares_memory(out, delta)


def test_kinked_derivatives_on_each_side():
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    a = get_activation("relu").forward(z.copy())
    assert np.array_equal(get_activation("relu").derivative(a), [0, 0, 1, 1])
    a = get_activation("leaky_relu").forward(z.copy())
    assert np.allclose(get_activation("leaky_relu").derivative(a),
                       [LEAKY_SLOPE, LEAKY_SLOPE, 1, 1])
    a = get_activation("elu").forward(z.copy())
    assert np.allclose(get_activation("elu").derivative(a), [np.exp(-2), np.exp(-0.5), 1, 1])


def test_extreme_inputs_stay_finite():
    z = np.array([-1e4, -800.0, 0.0, 800.0, 1e4])
    with np.errstate(over="raise", invalid="raise"):
        for name in ACTIVATIONS:
            a = get_activation(name).forward(z.copy())
            assert np.isfinite(a).all(), name
            assert np.isfinite(get_activation(name).derivative(a)).all(), name


def test_unknown_activation_names_the_choices():
    with pytest.raises(ValueError, match="activation must be one of .*tanh.*got 'swish'"):
        get_activation("swish")


def _net(sizes, activation, seed=0):
    rng = np.random.RandomState(seed)
    net = Network(init_params(sizes, "seed", rng), activation)
    for b in net.params.intercepts:  # random non-zero biases: no relu unit sits on its kink
        b[...] = 0.1 * rng.randn(b.size)
    X = rng.randn(12, sizes[0])
    Y = one_hot(rng.randint(sizes[-1], size=12), sizes[-1])
    return net, X, Y


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu", "leaky_relu", "elu",
                                        "softplus", "identity"])
@pytest.mark.parametrize("sizes", [(3, 4, 2), (2, 5, 4, 3), (4, 3, 5, 3, 4)])
def test_whole_network_gradcheck(sizes, activation):
    net, X, Y = _net(sizes, activation)
    errors = gradcheck(net, X, Y, alpha=0.05)
    assert len(errors) == 2 * (len(sizes) - 1)
    assert max(errors.values()) < 1e-6, errors


def test_per_layer_activations_gradcheck():
    net, X, Y = _net((3, 5, 4, 4, 3), ["tanh", "relu", "softplus"], seed=3)
    assert [a.name for a in net.activations] == ["tanh", "relu", "softplus"]
    assert max(gradcheck(net, X, Y, alpha=0.1).values()) < 1e-6
    with pytest.raises(ValueError, match="one activation per hidden layer"):
        Network(net.params, ["tanh", "relu"])


def test_deep_forward_matches_naive_equations():
    # z_l = a_{l-1} W_l + b_l, a_l = f_l(z_l), softmax at the end, for a 4-layer net
    acts = ["elu", "logistic", "leaky_relu"]
    net, X, _ = _net((3, 6, 5, 4, 3), acts, seed=1)
    probs = reference.forward(net.params.coefs, net.params.intercepts, X, acts)[-1]
    assert np.allclose(net.predict_proba(X), probs, rtol=1e-12)
    for name, f in FORMULAS.items():  # the reference core's f, against the formulas above
        z = np.linspace(-4.0, 4.0, 81)
        assert np.allclose(reference.F[name](z), f(z), rtol=1e-13, atol=1e-15), name
