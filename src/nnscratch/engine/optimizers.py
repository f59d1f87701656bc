"""Update rules. Each updates aligned lists of parameters and gradients in place.

Backward never touches weights; an optimizer never computes gradients. The formulas are
scikit-learn's (``sklearn/neural_network/_stochastic_optimizers.py``), so the two libraries take
identical steps from identical gradients:

- GD:        p <- p - lr g
- Momentum:  v <- mu v - lr g;   p <- p + v                 (Nesterov: p <- p + mu v - lr g)
- Adam:      m <- b1 m + (1 - b1) g;   s <- b2 s + (1 - b2) g^2
             lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);   p <- p - lr_t m / (sqrt(s) + eps)

Every temporary lives in a buffer allocated at the first step and reused: ``np.multiply(g, lr,
out=s); p -= s`` rounds exactly like ``p -= lr * g`` without allocating per step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Arrays = Sequence[np.ndarray]


class Optimizer:
    """Base class: ``update(params, grads, lr)`` changes ``params`` in place."""

    name = "base"

    def __init__(self) -> None:
        self._scratch: list[np.ndarray] | None = None
        self._scratch_for: Arrays | None = None

    def update(self, params: Arrays, grads: Arrays, lr: float) -> None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget any state (velocities, moments, step count)."""

    def scratch(self, params: Arrays) -> list[np.ndarray]:
        """Two reusable buffers per parameter array, ``s[0]`` and ``s[1]`` (not state)."""
        scratch = getattr(self, "_scratch", None)  # (subclasses may skip __init__)
        if scratch is not None and params is self._scratch_for:
            return scratch  # the training loop passes the same list every step
        if scratch is None or len(scratch) != len(params) or any(
            s.shape[1:] != p.shape or s.dtype != p.dtype for s, p in zip(scratch, params)
        ):
            scratch = [np.empty((2, *p.shape), p.dtype) for p in params]
        self._scratch, self._scratch_for = scratch, params
        return scratch


class GD(Optimizer):
    """Plain (stochastic) gradient descent: p <- p - lr g."""

    name = "gd"

    def update(self, params: Arrays, grads: Arrays, lr: float) -> None:
        for p, g, s in zip(params, grads, self.scratch(params)):
            np.multiply(g, lr, out=s[0])  # lr g
            p -= s[0]  # p <- p - lr g


class Momentum(Optimizer):
    """Heavy-ball or Nesterov momentum.

    Parameters
    ----------
    momentum : float in [0, 1]
    nesterov : bool
    """

    name = "momentum"

    def __init__(self, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__()
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1]; got {momentum}")
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities: list[np.ndarray] | None = None

    def reset(self) -> None:
        self.velocities = None

    def update(self, params: Arrays, grads: Arrays, lr: float) -> None:
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        mu = self.momentum
        for p, g, v, (s, t) in zip(params, grads, self.velocities, self.scratch(params)):
            np.multiply(g, lr, out=s)  # lr g
            v *= mu
            v -= s  # v <- mu v - lr g
            if self.nesterov:
                np.multiply(v, mu, out=t)  # mu v
                t -= s  # mu v - lr g
                p += t  # p <- p + mu v - lr g
            else:
                p += v  # p <- p + v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with scikit-learn's bias-corrected step size.

    Parameters
    ----------
    beta_1, beta_2 : float in [0, 1)
    epsilon : float > 0
    """

    name = "adam"

    def __init__(self, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__()
        for name, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1); got {value}")
        if not epsilon > 0:
            raise ValueError(f"epsilon must be > 0; got {epsilon}")
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.ms: list[np.ndarray] | None = None
        self.vs: list[np.ndarray] | None = None

    def reset(self) -> None:
        self.t, self.ms, self.vs = 0, None, None

    def update(self, params: Arrays, grads: Arrays, lr: float) -> None:
        if self.ms is None or self.vs is None:
            self.ms = [np.zeros_like(p) for p in params]
            self.vs = [np.zeros_like(p) for p in params]
        b1, b2 = self.beta_1, self.beta_2
        self.t += 1
        lr_t = lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for p, g, m, v, (s, t) in zip(params, grads, self.ms, self.vs, self.scratch(params)):
            m *= b1
            np.multiply(g, 1 - b1, out=s)
            m += s  # m <- b1 m + (1 - b1) g
            v *= b2
            np.multiply(g, g, out=s)
            s *= 1 - b2
            v += s  # v <- b2 v + (1 - b2) g^2
            np.sqrt(v, out=t)
            t += self.epsilon  # sqrt(v) + eps
            np.multiply(m, lr_t, out=s)
            s /= t  # lr_t m / (sqrt(v) + eps)
            p -= s  # p <- p - lr_t m / (sqrt(v) + eps)


OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam")


def get_optimizer(name: str | Optimizer, **kwargs: float) -> Optimizer:
    """'gd' or 'sgd' (plain steps), 'momentum', 'nesterov', 'adam', with that rule's settings
    (``momentum=``; ``beta_1=``, ``beta_2=``, ``epsilon=``); instances pass through."""
    if isinstance(name, Optimizer):
        return name
    rules: dict[str, tuple[type[Optimizer], tuple[str, ...], dict[str, bool]]] = {
        "gd": (GD, (), {}),
        "sgd": (GD, (), {}),
        "momentum": (Momentum, ("momentum",), {}),
        "nesterov": (Momentum, ("momentum",), {"nesterov": True}),
        "adam": (Adam, ("beta_1", "beta_2", "epsilon"), {}),
    }
    if name not in rules:
        raise ValueError(f"optimizer must be one of {', '.join(rules)}; got {name!r}")
    cls, allowed, fixed = rules[name]
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) or "no settings"
        raise ValueError(f"optimizer {name!r} takes {takes}; got {', '.join(unknown)}")
    return cls(**kwargs, **fixed)
