"""The optimised engine takes the same steps as the equations written out naively.

The network's math comes from the reference core (:mod:`nnscratch.engine.reference`: fresh arrays,
the equations line by line); each solver's update is written below as scikit-learn writes it. The
engine, with its preallocated buffers, in-place ufuncs, chunked large batches and flat parameter
vector, must agree with it to 1e-12 after 100 steps on random float64 networks of several depths
and activations.
"""

import numpy as np
import pytest

from nnscratch.engine import Adam, Momentum, Network, _batching, init_params, reference, train
from nnscratch.engine.losses import one_hot
from nnscratch.engine.optimizers import GD
from nnscratch.engine.parallel import using_threads


def naive_loss_and_grads(Ws, bs, acts, X, y, alpha):
    """Mean loss (CE + alpha/2 sum ||W||^2) / m and its gradient: the reference core."""
    return reference.loss(Ws, bs, X, y, acts, alpha), *reference.backprop(Ws, bs, X, y, acts, alpha)


class NaiveSolver:
    """scikit-learn's update formulas, one fresh array per operation."""

    def __init__(self, kind, params, lr, momentum=0.9, b1=0.9, b2=0.999, eps=1e-8):
        self.kind, self.lr, self.mu, self.b1, self.b2, self.eps = kind, lr, momentum, b1, b2, eps
        self.v = [np.zeros_like(p) for p in params]
        self.m = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, params, grads):
        self.t += 1
        out = []
        for i, (p, g) in enumerate(zip(params, grads)):
            if self.kind == "gd":
                p = p - self.lr * g
            elif self.kind in ("momentum", "nesterov"):
                self.v[i] = self.mu * self.v[i] - self.lr * g
                p = p + (self.mu * self.v[i] - self.lr * g if self.kind == "nesterov"
                         else self.v[i])
            else:  # adam
                self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g
                self.v[i] = self.b2 * self.v[i] + (1 - self.b2) * g**2
                lr_t = self.lr * np.sqrt(1 - self.b2**self.t) / (1 - self.b1**self.t)
                p = p - lr_t * self.m[i] / (np.sqrt(self.v[i]) + self.eps)
            out.append(p)
        return out


def naive_training(p0, acts, X, y, alpha, lr, kind, epochs, batch, shuffle_seed):
    L = len(p0.coefs)
    params = [W.copy() for W in p0.coefs] + [b.copy() for b in p0.intercepts]
    solver = NaiveSolver(kind, params, lr)
    rng = np.random.RandomState(shuffle_seed) if shuffle_seed is not None else None
    n = len(X)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n) if rng is not None else np.arange(n)
        total = 0.0
        for start in range(0, n, batch):
            idx = order[start : start + batch]
            loss, gW, gb = naive_loss_and_grads(params[:L], params[L:], acts, X[idx], y[idx],
                                                alpha)
            total += loss * len(idx)
            params = solver.step(params, gW + gb)
        losses.append(total / n)
    return params, losses


def engine_optimizer(kind):
    return {"gd": GD(), "momentum": Momentum(0.9), "nesterov": Momentum(0.9, nesterov=True),
            "adam": Adam()}[kind]


NETS = [  # (layer sizes, hidden activations)
    ((3, 5, 2), ("tanh",)),
    ((4, 6, 5, 3), ("relu", "logistic")),
    ((2, 7, 4, 6, 4), ("leaky_relu", "elu", "softplus")),
    ((5, 3, 3), ("identity",)),
]


def _problem(sizes, seed=0, n=48):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, sizes[0])
    y = rng.randint(sizes[-1], size=n)
    init = "glorot" if seed % 2 else "he"
    return X, y, one_hot(y, sizes[-1]), init_params(sizes, init, seed)


@pytest.mark.parametrize("kind, lr", [("gd", 0.1), ("momentum", 0.05), ("nesterov", 0.05),
                                      ("adam", 0.01)])
@pytest.mark.parametrize("net_index", range(len(NETS)))
@pytest.mark.parametrize("batch, shuffle", [(None, False), (16, False), (16, True)])
def test_engine_matches_naive_equations_for_100_steps(kind, lr, net_index, batch, shuffle):
    sizes, acts = NETS[net_index]
    X, y, Y, p0 = _problem(sizes, seed=net_index)
    n = len(X)
    m = batch or n
    epochs = 100 if batch is None else -(-100 // (n // m))  # at least 100 steps
    net = Network(p0.copy(), list(acts))
    hist = train(net, X, Y, learning_rate=lr, optimizer=engine_optimizer(kind), alpha=0.01,
                 epochs=epochs, batch_size=batch, shuffle=shuffle, random_state=7, tol=None)
    ref, ref_losses = naive_training(p0, acts, X, y, 0.01, lr, kind, epochs, m,
                                     7 if shuffle else None)
    assert hist.n_steps >= 100
    ours = net.params.coefs + net.params.intercepts
    for a, b in zip(ours, ref):
        assert np.max(np.abs(a - b)) < 1e-12
    assert np.max(np.abs(np.array(hist.loss) - ref_losses)) < 1e-12
    assert np.max(np.abs(net.params.flat - p0.flat)) > 1e-3  # it did learn something


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("kind", ["gd", "adam"])
def test_large_batches_in_chunks_match_naive(monkeypatch, kind, threads):
    """A batch larger than a chunk is summed chunk by chunk (here chunks of 7 rows), the chunks
    shared out to ``threads`` threads."""
    monkeypatch.setattr(_batching, "CHUNK_ROWS", 7)
    sizes, acts = NETS[1]
    X, y, Y, p0 = _problem(sizes, seed=3, n=50)
    for batch in (None, 20):  # full batch: 8 chunks, last one short; minibatch 20: 3 chunks
        net = Network(p0.copy(), list(acts))
        with using_threads(threads):
            hist = train(net, X, Y, learning_rate=0.05, optimizer=engine_optimizer(kind),
                         alpha=0.1, epochs=40, batch_size=batch, shuffle=False, tol=None)
        ref, ref_losses = naive_training(p0, acts, X, y, 0.1, 0.05, kind, 40, batch or 50, None)
        for a, b in zip(net.params.coefs + net.params.intercepts, ref):
            assert np.max(np.abs(a - b)) < 1e-12
        assert np.max(np.abs(np.array(hist.loss) - ref_losses)) < 1e-12


def test_float32_end_to_end_stays_float32():
    """No silent upcast: parameters, optimizer state and predictions stay float32."""
    sizes, acts = NETS[1]
    X, y, Y, p0 = _problem(sizes, seed=1)
    net = Network(p0.astype(np.float32), list(acts))
    opt = Adam()
    train(net, X.astype(np.float32), Y.astype(np.float32), learning_rate=0.01, optimizer=opt,
          epochs=3, batch_size=16, tol=None)
    assert net.params.flat.dtype == np.float32
    assert all(a.dtype == np.float32 for a in opt.ms + opt.vs)
    assert net.predict_proba(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("chunk", [7, 50, 4096])
def test_predict_proba_in_chunks_and_threads_matches_naive(chunk):
    sizes, acts = NETS[2]
    X, _, _, p0 = _problem(sizes, seed=2, n=50)
    expected = reference.forward(p0.coefs, p0.intercepts, X, acts)[-1]
    probs = Network(p0, list(acts)).predict_proba(X, chunk=chunk)
    assert probs.shape == expected.shape
    assert np.max(np.abs(probs - expected)) < 1e-12
