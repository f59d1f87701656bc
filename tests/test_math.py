"""docs/math.md, equation by equation: naive NumPy from the equations against the engine.

Finite differences of the whole loss live in tests/test_engine_gradients.py; here each equation of
the derivation is checked on its own, for an L-layer network.
"""

import numpy as np
import pytest

from nnscratch.engine import Network, init_params
from nnscratch.engine.losses import one_hot

F = {  # f and f' written from the definitions
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "logistic": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
}


def _net(sizes, acts, seed=0):
    net = Network(init_params(sizes, "seed", seed), acts)
    rng = np.random.RandomState(seed + 1)
    for b in net.params.intercepts:
        b[...] = 0.3 * rng.randn(b.size)
    rng = np.random.RandomState(seed + 2)
    X = rng.randn(12, sizes[0])
    Y = one_hot(rng.randint(sizes[-1], size=12), sizes[-1])
    return net, X, Y


def naive_forward(net, X, acts, start=0, z_start=None):
    """z_l = a_{l-1} W_l + b_l, a_l = f(z_l); from layer ``start`` with given z (0-based)."""
    Ws, bs = net.params.coefs, net.params.intercepts
    zs, a = [], X
    for l, (W, b) in enumerate(zip(Ws, bs)):
        if l < start:
            zs.append(None)
            continue
        z = z_start if (l == start and z_start is not None) else a @ W + b
        zs.append(z)
        a = F[acts[l]][0](z) if l < len(Ws) - 1 else z
    return zs, a  # a: the logits z_L


def summed_loss_from_logits(z, Y):
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return -np.sum(Y * np.log(p)), p


def naive_backprop(net, X, Y, acts, alpha):
    """The recursion of docs/math.md, summed objective, then / N."""
    Ws = net.params.coefs
    zs, zL = naive_forward(net, X, acts)
    _, yhat = summed_loss_from_logits(zL, Y)
    L = len(Ws)
    a = [X] + [F[acts[l]][0](zs[l]) for l in range(L - 1)]
    delta = yhat - Y  # delta_L = y_hat - y
    dW, db, deltas = [None] * L, [None] * L, [None] * L
    for l in range(L - 1, -1, -1):
        deltas[l] = delta
        dW[l] = a[l].T @ delta + alpha * Ws[l]  # dW_l = a_{l-1}^T delta_l + alpha W_l
        db[l] = delta.sum(axis=0)  # db_l = sum_i delta_l[i]
        if l:
            delta = (delta @ Ws[l].T) * F[acts[l - 1]][1](zs[l - 1])
    n = X.shape[0]
    return [g / n for g in dW], [g / n for g in db], deltas


ACTS = [("tanh", "tanh", "tanh"), ("relu", "tanh", "logistic"), ("logistic", "relu", "tanh")]


@pytest.mark.parametrize("acts", ACTS)
def test_forward_pass(acts):
    net, X, _ = _net((3, 5, 4, 6, 3), list(acts))
    _, zL = naive_forward(net, X, acts)
    p = np.exp(zL) / np.exp(zL).sum(axis=1, keepdims=True)
    assert np.allclose(net.predict_proba(X), p, atol=1e-13)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("acts", ACTS)
def test_l_layer_recursion_matches_engine_backward(acts, alpha):
    net, X, Y = _net((3, 5, 4, 6, 3), list(acts))
    dW, db, _ = naive_backprop(net, X, Y, acts, alpha)
    loss, grads = net.loss_and_grad(X, Y, alpha)
    for l in range(4):
        assert np.allclose(grads.coefs[l], dW[l], atol=1e-13, rtol=1e-10)
        assert np.allclose(grads.intercepts[l], db[l], atol=1e-13, rtol=1e-10)
    ce, _ = summed_loss_from_logits(naive_forward(net, X, acts)[1], Y)
    penalty = alpha / 2 * sum(np.sum(W**2) for W in net.params.coefs)
    assert loss == pytest.approx((ce + penalty) / X.shape[0], rel=1e-12)


@pytest.mark.parametrize("layer", [0, 1, 2, 3])
def test_delta_is_the_derivative_of_the_summed_loss_wrt_z(layer):
    # delta_l[i, j] = d (N * loss) / d z_l[i, j], by central differences of the loss as a
    # function of z_l (forward pass restarted from layer l)
    acts = ("tanh", "tanh", "tanh")
    net, X, Y = _net((2, 4, 3, 5, 2), list(acts), seed=3)
    zs, _ = naive_forward(net, X, acts)
    _, _, deltas = naive_backprop(net, X, Y, acts, 0.0)
    z0, h = zs[layer], 1e-6
    for i, j in [(0, 0), (3, 1), (11, z0.shape[1] - 1)]:
        up, down = z0.copy(), z0.copy()
        up[i, j] += h
        down[i, j] -= h
        f_up = summed_loss_from_logits(naive_forward(net, X, acts, layer, up)[1], Y)[0]
        f_down = summed_loss_from_logits(naive_forward(net, X, acts, layer, down)[1], Y)[0]
        assert deltas[layer][i, j] == pytest.approx((f_up - f_down) / (2 * h), abs=1e-8)


def test_tanh_hidden_delta_uses_one_minus_a_squared():
    # the tutorial's delta2 = delta3 W2^T * (1 - a1^2), a1 = tanh(z1) stored by the forward pass
    net, X, Y = _net((2, 4, 2), ["tanh"])
    W1, W2 = net.params.coefs
    b1, b2 = net.params.intercepts
    a1 = np.tanh(X @ W1 + b1)
    _, yhat = summed_loss_from_logits(a1 @ W2 + b2, Y)
    delta3 = yhat - Y
    delta2 = delta3 @ W2.T * (1 - a1**2)
    _, grads = net.loss_and_grad(X, Y)
    assert np.allclose(grads.coefs[0], X.T @ delta2 / 12, atol=1e-14)
    assert np.allclose(grads.intercepts[0], delta2.sum(axis=0) / 12, atol=1e-14)


def test_l2_adds_alpha_w_over_n_to_weights_only():
    net, X, Y = _net((2, 5, 3), ["tanh"])
    _, g0 = net.loss_and_grad(X, Y, 0.0)
    g0 = g0.copy()
    _, g1 = net.loss_and_grad(X, Y, 0.7)
    for W, a, b in zip(net.params.coefs, g0.coefs, g1.coefs):
        assert np.allclose(b - a, 0.7 * W / X.shape[0], atol=1e-15)
    for a, b in zip(g0.intercepts, g1.intercepts):
        assert np.array_equal(a, b)
    l0, l1 = net.loss(X, Y, 0.0), net.loss(X, Y, 0.7)
    sq = sum(np.sum(W**2) for W in net.params.coefs)
    assert l1 - l0 == pytest.approx(0.7 / 2 * sq / X.shape[0], rel=1e-10)


def test_math_md_links_name_real_files_functions_and_tests():
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parents[1] / "docs"
    text = (docs / "math.md").read_text(encoding="utf-8")
    links = re.findall(r"\[([^\]]+)\]\(([^)#]+)\)", text)
    assert len(links) > 30
    for label, target in links:
        path = (docs / target).resolve()
        assert path.exists(), target
        name = label.strip("`").split(".")[-1]
        # [`function`](file.py): the function is defined in that file
        if label.startswith("`") and path.suffix == ".py" and not label.endswith('.py`'):
            assert re.search(rf"(def|class) {re.escape(name)}\b", path.read_text()), label
    tests = "".join(p.read_text() for p in (docs.parent / "tests").rglob("test_*.py"))
    named = set(re.findall(r"`(test_\w+)`", text))
    assert len(named) >= 10
    for name in named:
        assert f"def {name}(" in tests, name
    assert text.count("$$") % 2 == 0  # display math is balanced
