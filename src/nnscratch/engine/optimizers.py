"""Update rules. Each updates aligned lists of parameters and gradients in place.

Backward never touches weights; an optimizer never computes gradients. The formulas are
scikit-learn's (``sklearn/neural_network/_stochastic_optimizers.py``), so the two libraries take
identical steps from identical gradients:

- GD:        p <- p - lr g
- Momentum:  v <- mu v - lr g;   p <- p + v                 (Nesterov: p <- p + mu v - lr g)
- Adam:      m <- b1 m + (1 - b1) g;   s <- b2 s + (1 - b2) g^2
             lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);   p <- p - lr_t m / (sqrt(s) + eps)

Each rule is written as its formula, for one array (:meth:`Optimizer._step`); the base class walks
the arrays and keeps the state. The training loop passes one flat vector of all parameters, so a
step is a handful of whole-vector NumPy operations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Arrays = Sequence[np.ndarray]


Snapshot = tuple[int, list[dict[str, np.ndarray]] | None]  # Optimizer.snapshot's


class Optimizer:
    """Base class: ``update(params, grads, lr)`` changes ``params`` in place.

    The base class owns the bookkeeping: it walks the aligned lists (the training loop passes
    one flat vector holding every weight and bias), keeps each array's state (velocities,
    moments) and Adam's step count ``t``. A rule only writes its formula for one array,
    :meth:`_step`, and names the state it needs in ``state_names``.
    """

    name = "base"
    state_names: tuple[str, ...] = ()  # per-array state, zeros at the first step

    def __init__(self) -> None:
        self.t = 0  # steps taken
        self.state: list[dict[str, np.ndarray]] | None = None

    def update(self, params: Arrays, grads: Arrays, lr: float) -> None:
        """One step of the rule for every parameter array, in place."""
        if self.state is None or len(self.state) != len(params):
            self.state = [{k: np.zeros_like(p) for k in self.state_names} for p in params]
        self.t += 1
        for p, g, state in zip(params, grads, self.state):
            self._step(p, g, lr, **state)

    def _step(self, p: np.ndarray, g: np.ndarray, lr: float, **state: np.ndarray) -> None:
        """Update ``p`` (and the state arrays) in place from its gradient ``g``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget any state (velocities, moments, step count)."""
        self.t, self.state = 0, None

    def snapshot(self, into: Snapshot | None = None) -> Snapshot:
        """A copy of the state and step count, for :meth:`restore`. ``into``: an earlier
        snapshot of this run, whose arrays are overwritten instead of allocated. Stateless rules
        (plain gradient descent) copy nothing: their snapshot is the step count."""
        if not self.state_names or self.state is None:
            return self.t, None
        if into is None or into[1] is None:
            return self.t, [{k: a.copy() for k, a in s.items()} for s in self.state]
        for saved, s in zip(into[1], self.state):
            for k, a in s.items():
                saved[k][...] = a
        return self.t, into[1]

    def restore(self, snapshot: Snapshot) -> None:
        """Go back to the state and step count of :meth:`snapshot`."""
        self.t, state = snapshot
        self.state = None if state is None else [{k: a.copy() for k, a in s.items()}
                                                 for s in state]


class GD(Optimizer):
    """Plain (stochastic) gradient descent: p <- p - lr g."""

    name = "gd"

    def _step(self, p: np.ndarray, g: np.ndarray, lr: float, **state: np.ndarray) -> None:
        p -= lr * g  # p <- p - lr g


class Momentum(Optimizer):
    """Heavy-ball or Nesterov momentum.

    Parameters
    ----------
    momentum : float in [0, 1]
    nesterov : bool
    """

    name = "momentum"
    state_names = ("v",)

    def __init__(self, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__()
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1]; got {momentum}")
        self.momentum = momentum
        self.nesterov = nesterov

    @property
    def velocities(self) -> list[np.ndarray] | None:
        return None if self.state is None else [s["v"] for s in self.state]

    def _step(self, p: np.ndarray, g: np.ndarray, lr: float, **state: np.ndarray) -> None:
        v, mu = state["v"], self.momentum
        v[...] = mu * v - lr * g  # v <- mu v - lr g
        if self.nesterov:
            p += mu * v - lr * g  # p <- p + mu v - lr g
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
    state_names = ("m", "v")

    def __init__(self, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__()
        for name, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1); got {value}")
        if not epsilon > 0:
            raise ValueError(f"epsilon must be > 0; got {epsilon}")
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    @property
    def ms(self) -> list[np.ndarray] | None:
        return None if self.state is None else [s["m"] for s in self.state]

    @property
    def vs(self) -> list[np.ndarray] | None:
        return None if self.state is None else [s["v"] for s in self.state]

    def _step(self, p: np.ndarray, g: np.ndarray, lr: float, **state: np.ndarray) -> None:
        m, v, b1, b2 = state["m"], state["v"], self.beta_1, self.beta_2
        m[...] = b1 * m + (1 - b1) * g  # m <- b1 m + (1 - b1) g
        v[...] = b2 * v + (1 - b2) * g**2  # v <- b2 v + (1 - b2) g^2
        lr_t = lr * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)  # bias correction
        p -= lr_t * m / (np.sqrt(v) + self.epsilon)  # p <- p - lr_t m / (sqrt(v) + eps)


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
