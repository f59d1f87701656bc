"""Learning-rate schedules: callables ``lr(step) -> float``, step = update count from 0.

A plain float means a constant rate (:func:`as_schedule`). A schedule that also reacts to how
training goes (:class:`ReduceOnPlateau`, scikit-learn's 'adaptive' rate) implements one protocol,
:class:`EpochAware`: the training loop calls its ``end_epoch(loss, stalled)`` once per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, runtime_checkable

Schedule = Callable[[int], float]


@runtime_checkable
class EpochAware(Protocol):
    """A schedule ``lr(step) -> float`` that reacts to the end of each epoch.

    :func:`nnscratch.engine.train` calls ``schedule.end_epoch(loss, stalled)`` once per epoch,
    after the epoch's last step and before the callbacks: ``loss`` is the epoch's training loss;
    ``stalled`` is True when the stopping rule (no improvement by ``tol`` for more than
    ``n_iter_no_change`` epochs) would stop training now. Return True to keep training anyway
    (the schedule lowered its rate; the no-improvement count starts again), False to let the
    rule decide. The rates the schedule returns afterwards may change; ``lr(step)`` itself stays
    a plain function of the step between two epoch ends.
    """

    def __call__(self, step: int) -> float: ...

    def end_epoch(self, loss: float, stalled: bool) -> bool: ...


def _check_rate(lr: float) -> float:
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"learning rate must be a finite number > 0; got {lr!r}")
    return float(lr)


def constant(lr: float) -> Schedule:
    """lr(t) = lr."""
    lr = _check_rate(lr)

    def schedule(step: int) -> float:
        return lr

    return schedule


def step_decay(lr: float, factor: float = 0.5, every: int = 1000) -> Schedule:
    """lr(t) = lr * factor^floor(t / every)."""
    lr = _check_rate(lr)
    if not 0 < factor <= 1 or every < 1:
        raise ValueError(f"need 0 < factor <= 1 and every >= 1; got factor={factor}, every={every}")

    def schedule(step: int) -> float:
        return lr * factor ** (step // every)

    return schedule


def exponential_decay(lr: float, rate: float = 0.999, every: int = 1) -> Schedule:
    """lr(t) = lr * rate^(t / every)."""
    lr = _check_rate(lr)
    if not 0 < rate <= 1 or every < 1:
        raise ValueError(f"need 0 < rate <= 1 and every >= 1; got rate={rate}, every={every}")

    def schedule(step: int) -> float:
        return lr * rate ** (step / every)

    return schedule


def inverse_time(lr: float, decay: float = 1e-3, power: float = 1.0) -> Schedule:
    """lr(t) = lr / (1 + decay t)^power  (1/t annealing)."""
    lr = _check_rate(lr)
    if decay < 0 or power < 0:
        raise ValueError(f"need decay >= 0 and power >= 0; got decay={decay}, power={power}")

    def schedule(step: int) -> float:
        return lr / (1.0 + decay * step) ** power

    return schedule


class ReduceOnPlateau:
    """Divide the rate by ``1/factor`` when the loss has not improved by ``tol`` for
    ``patience`` epochs (scikit-learn's 'adaptive' is factor=0.2, patience=2).

    Parameters
    ----------
    lr : float > 0
    factor : float in (0, 1)
    patience : int >= 1
    tol : float >= 0
    min_lr : float >= 0
    """

    def __init__(self, lr: float, factor: float = 0.2, patience: int = 10, tol: float = 1e-4,
                 min_lr: float = 1e-6) -> None:
        self.lr = _check_rate(lr)
        if not 0 < factor < 1 or patience < 1 or tol < 0 or min_lr < 0:
            raise ValueError(
                "need 0 < factor < 1, patience >= 1, tol >= 0, min_lr >= 0; got "
                f"factor={factor}, patience={patience}, tol={tol}, min_lr={min_lr}"
            )
        self.factor, self.patience, self.tol, self.min_lr = factor, patience, tol, min_lr
        self.best = math.inf
        self.bad_epochs = 0

    def __call__(self, step: int) -> float:
        return self.lr

    def end_epoch(self, loss: float, stalled: bool = False) -> bool:
        """Record an epoch's loss; lower the rate after ``patience`` epochs without progress.

        Leaves the stopping rule to the training loop (returns False), see :class:`EpochAware`.
        """
        if loss < self.best - self.tol:
            self.best, self.bad_epochs = loss, 0
            return False
        self.best = min(self.best, loss)
        self.bad_epochs += 1
        if self.bad_epochs >= self.patience and self.lr > self.min_lr:
            self.lr = max(self.lr * self.factor, self.min_lr)  # lr <- max(lr * factor, min_lr)
            self.bad_epochs = 0
        return False


def as_schedule(lr: float | Schedule) -> Schedule:
    """A float becomes :func:`constant`; a callable passes through."""
    if callable(lr):
        return lr
    return constant(lr)


SCHEDULES = ("constant", "invtime", "exponential", "step", "plateau")


def get_schedule(name: str, lr: float, decay: float = 1e-4, every: int = 1000) -> Schedule:
    """A learning-rate schedule by name (the names of ``nnscratch train --schedule``).

    Parameters
    ----------
    name : {'constant', 'invtime', 'exponential', 'step', 'plateau'}
        'constant': lr; 'invtime': lr / (1 + decay t); 'exponential': lr (1 - decay)^t;
        'step': lr 0.5^floor(t / every); 'plateau': :class:`ReduceOnPlateau` (divide by 5 after
        10 epochs without progress).
    lr : float > 0, the initial rate
    decay : float in [0, 1), per-step decay of 'invtime' and 'exponential'
    every : int >= 1, steps between halvings of 'step'
    """
    if not 0 <= decay < 1:
        raise ValueError(f"decay must be in [0, 1); got {decay}")
    if name == "constant":
        return constant(lr)
    if name == "invtime":
        return inverse_time(lr, decay=decay)
    if name == "exponential":
        return exponential_decay(lr, rate=1.0 - decay)
    if name == "step":
        return step_decay(lr, factor=0.5, every=every)
    if name == "plateau":
        return ReduceOnPlateau(lr, factor=0.2, patience=10)
    raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}; got {name!r}")
