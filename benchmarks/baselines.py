"""What people would pick instead of nnscratch, configured to do the same work.

- ``naive_tutorial``, ``naive_predict``: the seed tutorial's own code (the speed peer), kept here as
  the one copy of it in the project, because the seed text (/work/shared/seed, ``../shared/seed``
  beside a clone) is a web page whose code lost its line breaks and indentation: it cannot be run
  as it stands. The statements are the seed's, verbatim, with two substitutions (``Config.x``
  becomes a parameter or local ``x``; ``np.random`` becomes a seeded ``RandomState`` instead of the
  global state); tests/test_benchmarks.py checks every line against the seed text when present.
- ``naive_loss``, ``naive_mlp``, ``mlp_predict``: the reference core
  (:mod:`nnscratch.engine.reference`), plain NumPy with fresh arrays every pass, for several hidden
  layers and minibatches. Same equations, same initial weights, float64.
- ``sklearn_*``: ``MLPClassifier`` with plain SGD (no momentum, constant rate, no shuffling, no
  early stopping, tol=0 and ``n_iter_no_change=max_iter`` so it always runs every epoch). Its
  learning rate and alpha are on the mean loss, as nnscratch's. Two differences it does not let
  us remove: for two classes it uses one logistic output unit instead of a 2-way softmax, and it
  draws its own (Glorot) initial weights.
- ``torch_*``: the same architecture in PyTorch on the CPU, the same initial weights copied in,
  ``torch.optim.SGD`` without momentum, mean cross-entropy plus the L2 term as weight decay
  alpha/m on the weights only (the gradient of alpha/(2m) ||W||^2), threads = cores.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np

from nnscratch.engine import reference

Arrays = list[np.ndarray]


# --- the seed's code (see the module docstring) ---------------------------------------------
def naive_tutorial(X: np.ndarray, y: np.ndarray, nn_hdim: int, num_passes: int = 20000,
                   epsilon: float = 0.01, reg_lambda: float = 0.01) -> Arrays:
    """The seed's ``build_model``: summed gradient, step epsilon, L2 reg_lambda (float64)."""
    nn_input_dim, nn_output_dim = X.shape[1], 2
    num_examples = len(X)
    rs = np.random.RandomState(0)  # the seed's np.random.seed(0), without the global state
    W1 = rs.randn(nn_input_dim, nn_hdim) / np.sqrt(nn_input_dim)
    b1 = np.zeros((1, nn_hdim))
    W2 = rs.randn(nn_hdim, nn_output_dim) / np.sqrt(nn_hdim)
    b2 = np.zeros((1, nn_output_dim))
    for i in range(0, num_passes):  # noqa: B007 (the seed's loop, verbatim)
        z1 = X.dot(W1) + b1
        a1 = np.tanh(z1)
        z2 = a1.dot(W2) + b2
        exp_scores = np.exp(z2)
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        delta3 = probs
        delta3[range(num_examples), y] -= 1
        dW2 = (a1.T).dot(delta3)
        db2 = np.sum(delta3, axis=0, keepdims=True)
        delta2 = delta3.dot(W2.T) * (1 - np.power(a1, 2))
        dW1 = np.dot(X.T, delta2)
        db1 = np.sum(delta2, axis=0)
        dW2 += reg_lambda * W2
        dW1 += reg_lambda * W1
        W1 += -epsilon * dW1
        b1 += -epsilon * db1
        W2 += -epsilon * dW2
        b2 += -epsilon * db2
    return [W1, b1.ravel(), W2, b2.ravel()]


def naive_loss(model: Arrays, X: np.ndarray, y: np.ndarray, reg_lambda: float = 0.01) -> float:
    """The tutorial's ``calculate_loss`` (mean cross-entropy plus reg_lambda/2 ||W||^2 / N), from
    the reference core (the seed text does not include that function)."""
    W1, b1, W2, b2 = model
    return reference.loss([W1, W2], [b1, b2], X, y, ["tanh"], reg_lambda)


def naive_predict(model: Arrays, x: np.ndarray) -> np.ndarray:
    """The seed's ``predict``."""
    W1, b1, W2, b2 = model
    z1 = x.dot(W1) + b1
    a1 = np.tanh(z1)
    z2 = a1.dot(W2) + b2
    exp_scores = np.exp(z2)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    return np.argmax(probs, axis=1)


# --- the reference core ---------------------------------------------------------------------
def naive_mlp(X: np.ndarray, y: np.ndarray, coefs: Arrays, intercepts: Arrays, lr: float,
              alpha: float, epochs: int, batch_size: int) -> tuple[Arrays, Arrays]:
    """The reference core for relu hidden layers, minibatches in order, mean-loss steps."""
    Ws = [W.astype(np.float64) for W in coefs]
    bs = [b.astype(np.float64) for b in intercepts]
    acts = ["relu"] * (len(Ws) - 1)
    for _ in range(epochs):
        for start in range(0, len(X), batch_size):
            xb, yb = X[start : start + batch_size], y[start : start + batch_size]
            dWs, dbs = reference.backprop(Ws, bs, xb, yb, acts, alpha)
            Ws, bs = reference.gd_step(Ws, bs, dWs, dbs, lr)
    return Ws, bs


def mlp_predict(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray],
                X: np.ndarray) -> np.ndarray:
    """Labels from relu hidden layers and a softmax output."""
    probs = reference.forward(coefs, intercepts, X, ["relu"] * (len(coefs) - 1))[-1]
    return np.argmax(probs, axis=1)


# --- scikit-learn ---------------------------------------------------------------------------
def sklearn_mlp(X: np.ndarray, y: np.ndarray, hidden: Sequence[int], activation: str, lr: float,
                alpha: float, epochs: int, batch_size: int) -> object:
    """``MLPClassifier`` doing plain SGD for exactly ``epochs`` epochs."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=tuple(hidden), activation=activation, solver="sgd", alpha=alpha,
        batch_size=batch_size, learning_rate="constant", learning_rate_init=lr,
        max_iter=epochs, shuffle=False, random_state=0, tol=0.0, n_iter_no_change=epochs,
        momentum=0.0, nesterovs_momentum=False, early_stopping=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    return clf


# --- PyTorch --------------------------------------------------------------------------------
def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_setup() -> str:
    import torch

    torch.set_num_threads(os.cpu_count() or 1)
    return torch.__version__


def torch_model(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray], activation: str,
                dtype: str) -> object:
    """``nn.Sequential`` of Linear layers with the given weights (W is (in, out) here)."""
    import torch
    from torch import nn

    tdtype = getattr(torch, dtype)
    layers: list[nn.Module] = []
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        lin = nn.Linear(W.shape[0], W.shape[1], dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            lin.bias.copy_(torch.from_numpy(np.asarray(b)))
        layers.append(lin)
        if i < len(coefs) - 1:
            layers.append(nn.Tanh() if activation == "tanh" else nn.ReLU())
    return nn.Sequential(*layers)


def torch_train(model: object, X: np.ndarray, y: np.ndarray, lr: float, alpha: float,
                epochs: int, batch_size: int) -> object:
    """Plain SGD on mean cross-entropy + alpha/(2m) ||W||^2 per batch of m samples."""
    import torch
    import torch.nn.functional as F

    net: torch.nn.Module = model  # type: ignore[assignment]
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
    n = len(X)
    m = min(batch_size, n)
    opt = torch.optim.SGD([{"params": weights, "weight_decay": alpha / m},
                           {"params": biases, "weight_decay": 0.0}], lr=lr, momentum=0.0)
    for _ in range(epochs):
        for start in range(0, n, m):
            xb, yb = Xt[start : start + m], yt[start : start + m]
            if len(xb) != m:  # the last, smaller batch: its own alpha / m
                opt.param_groups[0]["weight_decay"] = alpha / len(xb)
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(xb), yb).backward()
            opt.step()
            opt.param_groups[0]["weight_decay"] = alpha / m
    return net


def torch_predict(model: object, X: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        return model(torch.from_numpy(X)).argmax(dim=1).numpy()  # type: ignore[operator]


def torch_loss(model: object, X: np.ndarray, y: np.ndarray, alpha: float) -> float:
    """Mean cross-entropy + alpha/(2N) ||W||^2 (the tutorial's loss)."""
    import torch
    import torch.nn.functional as F

    net: torch.nn.Module = model  # type: ignore[assignment]
    with torch.no_grad():
        ce = F.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y.astype(np.int64)))
        l2 = sum(float((p * p).sum()) for n, p in net.named_parameters() if n.endswith("weight"))
    return float(ce) + alpha / 2 * l2 / len(X)
