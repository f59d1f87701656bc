"""Each update rule against its formula written out here, step by step, on hand-sized arrays.

The gradients change from step to step (as in training) and the learning rate too, so state
(velocities, moments, the step count of Adam's bias correction) is exercised.
"""

import math

import numpy as np
import pytest
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from nnscratch.engine import GD, Adam, Momentum, get_optimizer

P0 = [np.array([[1.0, -2.0], [0.5, 3.0]]), np.array([0.25, -0.75])]
GRADS = [  # step t -> gradients of the two arrays
    [np.array([[0.1, -0.2], [0.3, 0.0]]), np.array([1.0, -1.0])],
    [np.array([[-0.5, 0.4], [0.2, 0.1]]), np.array([0.5, 2.0])],
    [np.array([[0.05, 0.0], [-0.3, 0.7]]), np.array([-0.25, 0.0])],
    [np.array([[1.0, 1.0], [1.0, -1.0]]), np.array([0.1, 0.2])],
]
RATES = [0.1, 0.05, 0.2, 0.01]


def _run(opt, steps=None):
    params = [p.copy() for p in P0]
    ids = [id(p) for p in params]
    for t in range(len(GRADS) if steps is None else steps):
        opt.update(params, GRADS[t], RATES[t])
    assert [id(p) for p in params] == ids  # in place
    return params


def _scalar_trace(rule):
    """Apply ``rule(p, g, lr, state, t)`` elementwise in plain Python floats."""
    out = []
    for arr_index, p0 in enumerate(P0):
        flat = []
        for k, p in enumerate(p0.ravel().tolist()):
            state: dict = {}
            for t in range(len(GRADS)):
                g = GRADS[t][arr_index].ravel()[k]
                p = rule(p, float(g), RATES[t], state, t + 1)
            flat.append(p)
        out.append(np.array(flat).reshape(p0.shape))
    return out


def _close(ours, ref):
    for a, b in zip(ours, ref):
        assert np.allclose(a, b, rtol=1e-14, atol=1e-15), (a, b)


def test_gd():
    # p <- p - lr g
    _close(_run(GD()), _scalar_trace(lambda p, g, lr, s, t: p - lr * g))


@pytest.mark.parametrize("mu", [0.0, 0.5, 0.9])
def test_momentum(mu):
    # v <- mu v - lr g ; p <- p + v
    def rule(p, g, lr, s, t):
        s["v"] = mu * s.get("v", 0.0) - lr * g
        return p + s["v"]

    _close(_run(Momentum(mu)), _scalar_trace(rule))


@pytest.mark.parametrize("mu", [0.5, 0.9])
def test_nesterov(mu):
    # v <- mu v - lr g ; p <- p + mu v - lr g   (look-ahead form, as scikit-learn)
    def rule(p, g, lr, s, t):
        s["v"] = mu * s.get("v", 0.0) - lr * g
        return p + mu * s["v"] - lr * g

    ours = _run(Momentum(mu, nesterov=True))
    _close(ours, _scalar_trace(rule))
    assert not np.allclose(ours[0], _run(Momentum(mu))[0])  # differs from heavy ball


def test_nesterov_first_step_by_hand():
    # from v = 0: v1 = -lr g, p1 = p0 + mu(-lr g) - lr g = p0 - lr (1 + mu) g
    opt = Momentum(0.9, nesterov=True)
    p = [np.array([2.0])]
    opt.update(p, [np.array([0.5])], 0.1)
    assert p[0][0] == pytest.approx(2.0 - 0.1 * 1.9 * 0.5, abs=1e-15)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.8)])
def test_adam_with_bias_correction(betas):
    b1, b2 = betas
    eps = 1e-8

    # m <- b1 m + (1-b1) g ; v <- b2 v + (1-b2) g^2
    # lr_t = lr sqrt(1 - b2^t) / (1 - b1^t) ; p <- p - lr_t m / (sqrt(v) + eps)
    def rule(p, g, lr, s, t):
        s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
        lr_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        return p - lr_t * s["m"] / (math.sqrt(s["v"]) + eps)

    ours = _run(Adam(b1, b2, eps))
    ref = _scalar_trace(rule)
    for a, b in zip(ours, ref):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-14)


def test_adam_first_step_is_lr_times_sign():
    # bias correction makes step 1 exactly lr * g / (|g| + eps') = lr sign(g) for any b1, b2
    opt = Adam(0.9, 0.999, 1e-12)
    p = [np.array([0.0, 0.0, 1.0])]
    opt.update(p, [np.array([3.0, -0.001, 0.0])], 0.01)
    assert np.allclose(p[0], [-0.01, 0.01, 1.0], rtol=1e-6)


def test_adam_reset_restarts_bias_correction():
    opt = Adam()
    _run(opt)
    opt.reset()
    _close(_run(opt, 1), _run(Adam(), 1))


def test_same_steps_as_scikit_learn():
    def sk(cls, **kw):
        ref = [p.copy() for p in P0]
        return ref, cls(ref, 1.0, **kw)

    for ours, (ref, theirs) in (
        (Momentum(0.9), sk(SGDOptimizer, momentum=0.9, nesterov=False)),
        (Momentum(0.8, nesterov=True), sk(SGDOptimizer, momentum=0.8, nesterov=True)),
        (Adam(), sk(AdamOptimizer)),
    ):
        params = [p.copy() for p in P0]
        for t in range(len(GRADS)):
            theirs.learning_rate_init = theirs.learning_rate = RATES[t]
            theirs.update_params(ref, GRADS[t])
            ours.update(params, GRADS[t], RATES[t])
        _close(params, ref)


def test_get_optimizer_names_and_errors():
    assert isinstance(get_optimizer("gd"), GD) and isinstance(get_optimizer("sgd"), GD)
    assert get_optimizer("nesterov").nesterov and not get_optimizer("momentum").nesterov
    assert isinstance(get_optimizer("adam"), Adam)
    opt = Momentum(0.3)
    assert get_optimizer(opt) is opt
    with pytest.raises(ValueError, match="optimizer must be one of .*got 'rmsprop'"):
        get_optimizer("rmsprop")
    with pytest.raises(ValueError, match="momentum must be in"):
        Momentum(1.5)
    with pytest.raises(ValueError, match="beta_1 must be in"):
        Adam(beta_1=1.0)


def test_get_optimizer_by_name_and_settings():
    from nnscratch.engine import Adam, Momentum, get_optimizer

    opt = get_optimizer("nesterov", momentum=0.5)
    assert isinstance(opt, Momentum) and opt.nesterov and opt.momentum == 0.5
    adam = get_optimizer("adam", beta_1=0.8, epsilon=1e-6)
    assert isinstance(adam, Adam) and (adam.beta_1, adam.beta_2, adam.epsilon) == (0.8, 0.999, 1e-6)
    with pytest.raises(ValueError, match="optimizer 'adam' takes beta_1, beta_2, epsilon; got "
                                         "momentum"):
        get_optimizer("adam", momentum=0.9)
    with pytest.raises(ValueError, match="optimizer must be one of gd, sgd, momentum"):
        get_optimizer("lbfgs")
