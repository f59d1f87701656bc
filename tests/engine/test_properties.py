"""Property tests: backpropagation is right for any architecture hypothesis can think of.

Each example draws a network (1-4 hidden layers of width 1-16, an activation per layer, 1-5 input
features, 2-5 classes), a batch of 1-8 samples, an L2 strength, random weights and non-zero
biases, and compares backprop with central finite differences in float64 (engine gradcheck).
Relu-like activations have a kink at 0 (elu a jump in f''): examples with a pre-activation within
1e-3 of 0 are discarded (the step is h = 1e-5), since finite differences are meaningless there.
"""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnscratch.engine import ACTIVATIONS, Network, Params, gradcheck, reference
from nnscratch.engine.losses import one_hot

ACTS = sorted(name for name in ACTIVATIONS if name != "sigmoid")  # sigmoid is logistic's alias
KINKED = {"relu", "leaky_relu", "elu"}
KINK_MARGIN = 1e-3
THRESHOLD = 1e-6
H = 1e-5  # ~ eps^(1/3): balances round-off (eps |L| / h) and truncation (h^2 |L"'|)


@st.composite
def problems(draw):
    depth = draw(st.integers(1, 4), label="hidden layers")
    hidden = draw(st.lists(st.integers(1, 16), min_size=depth, max_size=depth), label="widths")
    acts = draw(st.lists(st.sampled_from(ACTS), min_size=depth, max_size=depth), label="acts")
    n_features = draw(st.integers(1, 5), label="features")
    n_classes = draw(st.integers(2, 5), label="classes")
    batch = draw(st.integers(1, 8), label="batch size")
    alpha = draw(st.sampled_from([0.0, 1e-3, 0.1, 1.0]), label="alpha")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.RandomState(seed)
    sizes = (n_features, *hidden, n_classes)
    params = Params(sizes)
    for W, b in zip(params.coefs, params.intercepts):
        W[...] = rng.randn(*W.shape) / np.sqrt(W.shape[0])
        b[...] = rng.uniform(0.1, 0.5, b.size) * rng.choice([-1, 1], b.size)  # non-zero biases
    X = rng.randn(batch, n_features)
    y = rng.randint(n_classes, size=batch)
    return Network(params, acts), X, one_hot(y, n_classes), alpha


def _pre_activations(net, X):
    """z_l = a_{l-1} W_l + b_l of every hidden layer, from the reference core (not the engine)."""
    Ws, bs = net.params.coefs, net.params.intercepts
    a = reference.forward(Ws, bs, X, [act.name for act in net.activations])
    return [a[l] @ Ws[l] + bs[l] for l in range(len(Ws) - 1)]


@settings(max_examples=250, deadline=None, derandomize=True)
@given(problems())
def test_backprop_matches_finite_differences(problem):
    net, X, Y, alpha = problem
    for z, act in zip(_pre_activations(net, X), net.activations):
        if act.name in KINKED:
            assume(np.abs(z).min() > KINK_MARGIN)
    errors = gradcheck(net, X, Y, alpha=alpha, h=H)
    assert len(errors) == 2 * (len(net.layer_sizes) - 1)
    worst = max(errors, key=errors.get)
    assert errors[worst] < THRESHOLD, (net.layer_sizes, [a.name for a in net.activations],
                                       worst, errors[worst])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problems())
def test_batch_gradient_is_mean_of_sample_gradients(problem):
    """grad of the mean loss over a batch = mean of the per-sample gradients (alpha = 0)."""
    net, X, Y, _ = problem
    _, batch = net.loss_and_grad(X, Y)
    per_sample = [net.loss_and_grad(X[i : i + 1], Y[i : i + 1])[1].flat for i in range(len(X))]
    np.testing.assert_allclose(batch.flat, np.mean(per_sample, axis=0), rtol=1e-10, atol=1e-13)
