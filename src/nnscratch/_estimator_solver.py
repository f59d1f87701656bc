"""How :class:`nnscratch.MLPClassifier`'s solver parameters map onto the engine.

Bookkeeping only, no math: which optimizer, which learning-rate schedule, which batch size. The
schedules reproduce scikit-learn's ``SGDOptimizer`` rules through the engine's one protocol for
reacting to the end of an epoch (:class:`nnscratch.engine.schedules.EpochAware`):

- 'constant':   lr = learning_rate_init
- 'invscaling': lr = learning_rate_init / (t + 1)^power_t, t = samples seen, updated at the end
  of each epoch
- 'adaptive':   lr = learning_rate_init until the stopping rule fires; then, instead of stopping,
  lr <- lr / 5, and training stops once lr <= 1e-6
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np

from nnscratch.engine import Optimizer, get_optimizer

ADAPTIVE_FACTOR = 5.0
ADAPTIVE_MIN_LR = 1e-6


class SklearnRate:
    """scikit-learn's 'constant', 'invscaling' or 'adaptive' rate as an engine schedule.

    Parameters
    ----------
    kind : {'constant', 'invscaling', 'adaptive'}
    learning_rate_init : float > 0
    power_t : float >= 0 (invscaling only)
    t : int, samples seen before this schedule starts (warm starts)
    """

    def __init__(self, kind: str, learning_rate_init: float, power_t: float = 0.5,
                 t: int = 0) -> None:
        self.kind = kind
        self.learning_rate_init = float(learning_rate_init)
        self.power_t = float(power_t)
        self.t = int(t)
        self.samples_per_epoch = 0  # set by the estimator before each call to train()
        self.lr = self.learning_rate_init

    def __call__(self, step: int) -> float:
        return self.lr

    def end_epoch(self, loss: float, stalled: bool) -> bool:
        """End of an epoch: count its samples; invscaling lowers the rate; when the stopping
        rule fires (``stalled``), 'adaptive' divides the rate by 5 and goes on (True)."""
        self.t += self.samples_per_epoch
        if self.kind == "invscaling":
            self.lr = self.learning_rate_init / (self.t + 1) ** self.power_t
        if not stalled or self.kind != "adaptive" or self.lr <= ADAPTIVE_MIN_LR:
            return False
        self.lr /= ADAPTIVE_FACTOR
        return True


def make_optimizer(solver: str, momentum: float, nesterov: bool, beta_1: float, beta_2: float,
                   epsilon: float) -> Optimizer:
    """The engine's optimizer for a solver (:func:`nnscratch.engine.get_optimizer` names it).

    'gd': plain steps; 'sgd': 'nesterov' or 'momentum' with ``momentum``, plain steps ('sgd')
    when it is 0; 'adam' with ``beta_1``, ``beta_2``, ``epsilon``.
    """
    if solver == "adam":
        return get_optimizer("adam", beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    if solver == "sgd" and momentum > 0:
        return get_optimizer("nesterov" if nesterov else "momentum", momentum=float(momentum))
    return get_optimizer(solver)


def batch_rows(solver: str, batch_size: int | str, n_samples: int) -> int | None:
    """Rows per step: None (the full batch) for 'gd'; 'auto' is min(200, n) as scikit-learn."""
    if solver == "gd":
        return None
    if batch_size == "auto":
        return min(200, n_samples)
    batch_size = int(batch_size)  # checked >= 1 by the estimator (_estimator_params)
    if batch_size > n_samples:
        warnings.warn(f"batch_size={batch_size} is larger than the {n_samples} training samples; "
                      f"using {n_samples}", UserWarning, stacklevel=3)
    return min(batch_size, n_samples)


def hidden_sizes(value: Any) -> tuple[int, ...]:
    """``hidden_layer_sizes`` (an int or a sequence of ints >= 1) as a tuple."""
    sizes = [value] if isinstance(value, (Integral, np.integer)) else list(value)
    if not all(isinstance(s, (Integral, np.integer)) and not isinstance(s, bool) for s in sizes) \
            or not all(int(s) >= 1 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must be ints >= 1, got {value!r}")
    return tuple(int(s) for s in sizes)
