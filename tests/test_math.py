"""docs/math.md, equation by equation: the reference core (the equations in plain NumPy) against
the engine, and every link of docs/math.md to the code.

Finite differences of the whole loss live in tests/engine/test_gradients.py and
tests/engine/test_reference.py; here each equation of the derivation is checked on its own, for
an L-layer network.
"""

import numpy as np
import pytest

from nnscratch.engine import Network, init_params, reference
from nnscratch.engine.losses import one_hot


def _net(sizes, acts, seed=0):
    net = Network(init_params(sizes, "seed", seed), acts)
    rng = np.random.RandomState(seed + 1)
    for b in net.params.intercepts:
        b[...] = 0.3 * rng.randn(b.size)
    rng = np.random.RandomState(seed + 2)
    X = rng.randn(12, sizes[0])
    y = rng.randint(sizes[-1], size=12)
    return net, X, y


def _lists(net):
    return net.params.coefs, net.params.intercepts


ACTS = [("tanh", "tanh", "tanh"), ("relu", "tanh", "logistic"), ("logistic", "relu", "tanh")]


@pytest.mark.parametrize("acts", ACTS)
def test_forward_pass(acts):
    net, X, _ = _net((3, 5, 4, 6, 3), list(acts))
    Ws, bs = _lists(net)
    a = reference.forward(Ws, bs, X, acts)
    for l in range(1, 4):  # a_l = f(a_{l-1} W_l + b_l)
        assert np.array_equal(a[l], reference.F[acts[l - 1]](a[l - 1] @ Ws[l - 1] + bs[l - 1]))
    z = a[3] @ Ws[3] + bs[3]  # y_hat = softmax(z_L)
    assert np.allclose(a[4], np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), atol=1e-15)
    assert np.allclose(net.predict_proba(X), a[4], atol=1e-13)


@pytest.mark.parametrize("alpha", [0.0, 0.1])
@pytest.mark.parametrize("acts", ACTS)
def test_l_layer_recursion_matches_engine_backward(acts, alpha):
    net, X, y = _net((3, 5, 4, 6, 3), list(acts))
    Ws, bs = _lists(net)
    dW, db = reference.backprop(Ws, bs, X, y, acts, alpha)
    loss, grads = net.loss_and_grad(X, one_hot(y, 3), alpha)
    for l in range(4):
        assert np.allclose(grads.coefs[l], dW[l], atol=1e-13, rtol=1e-10)
        assert np.allclose(grads.intercepts[l], db[l], atol=1e-13, rtol=1e-10)
    assert loss == pytest.approx(reference.loss(Ws, bs, X, y, acts, alpha), rel=1e-12)


def _summed_loss_from(Ws, bs, acts, y, layer, z):
    """N * loss (no L2) as a function of z_l (0-based ``layer``): the forward pass from there."""
    L = len(Ws)
    a = reference.softmax(z) if layer == L - 1 else reference.F[acts[layer]](z)
    probs = reference.forward(Ws[layer + 1 :], bs[layer + 1 :], a, acts[layer + 1 :])[-1]
    return -np.sum(np.log(probs[range(len(y)), y]))


@pytest.mark.parametrize("layer", [0, 1, 2, 3])
def test_delta_is_the_derivative_of_the_summed_loss_wrt_z(layer):
    # delta_l[i, j] = d (N * loss) / d z_l[i, j], by central differences of the loss as a
    # function of z_l (forward pass restarted from layer l)
    acts = ("tanh", "tanh", "tanh")
    net, X, y = _net((2, 4, 3, 5, 2), list(acts), seed=3)
    Ws, bs = _lists(net)
    a = reference.forward(Ws, bs, X, acts)
    deltas = reference.deltas(Ws, a, y, acts)
    z0, h = a[layer] @ Ws[layer] + bs[layer], 1e-6  # z_l = a_{l-1} W_l + b_l
    for i, j in [(0, 0), (3, 1), (11, z0.shape[1] - 1)]:
        up, down = z0.copy(), z0.copy()
        up[i, j] += h
        down[i, j] -= h
        f_up = _summed_loss_from(Ws, bs, acts, y, layer, up)
        f_down = _summed_loss_from(Ws, bs, acts, y, layer, down)
        assert deltas[layer][i, j] == pytest.approx((f_up - f_down) / (2 * h), abs=1e-8)


def test_tanh_hidden_delta_uses_one_minus_a_squared():
    # the tutorial's hidden delta = (output delta) W2^T * (1 - a1^2), a1 = tanh(z1) stored by
    # the forward pass
    net, X, y = _net((2, 4, 2), ["tanh"])
    Ws, bs = _lists(net)
    X_, a1, probs = reference.forward(Ws, bs, X, ["tanh"])
    delta_1, delta_2 = reference.deltas(Ws, [X_, a1, probs], y, ["tanh"])
    assert np.array_equal(delta_2, probs - one_hot(y, 2))
    assert np.array_equal(delta_1, delta_2.dot(Ws[1].T) * (1 - a1**2))
    _, grads = net.loss_and_grad(X, one_hot(y, 2))
    assert np.allclose(grads.coefs[0], X.T @ delta_1 / 12, atol=1e-14)
    assert np.allclose(grads.intercepts[0], delta_1.sum(axis=0) / 12, atol=1e-14)


def test_l2_adds_alpha_w_over_n_to_weights_only():
    net, X, y = _net((2, 5, 3), ["tanh"])
    Y = one_hot(y, 3)
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
    links = re.findall(r"\[([^\]]+)\]\(([^)#\s]+)(?:#([^)]*))?\)", text)
    assert len(links) > 30
    anchored = 0
    for label, target, anchor in links:
        path = (docs / target).resolve()
        assert path.exists(), target
        # [`function`](file.py#L42): the function (or Class.method) is defined on that line
        if label.startswith("`") and path.suffix == ".py" and not label.endswith('.py`'):
            name = label.strip("`")
            assert re.fullmatch(r"L\d+", anchor), f"{label} -> {target}: needs a #L<line> anchor"
            lines = path.read_text(encoding="utf-8").splitlines()
            n = int(anchor[1:])
            *owner, func = name.split(".")
            assert re.match(rf"\s*(def|class) {re.escape(func)}\b", lines[n - 1]), (
                f"{label}: line {n} of {target} is {lines[n - 1]!r}")
            if owner:  # a method: the nearest class above it is its class
                cls = next(line for line in reversed(lines[: n - 1]) if line.startswith("class "))
                assert cls.startswith(f"class {owner[0]}"), f"{label}: defined in {cls!r}"
            anchored += 1
    assert anchored >= 20
    assert "reference.py#L" in text.split("## 1.")[1].split("## 2.")[0]  # cited first
    tests = "".join(p.read_text() for p in (docs.parent / "tests").rglob("test_*.py"))
    named = set(re.findall(r"`(test_\w+)`", text))
    assert len(named) >= 10
    for name in named:
        assert f"def {name}(" in tests, name
    assert text.count("$$") % 2 == 0  # display math is balanced
