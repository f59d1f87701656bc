"""The tutorial's five exercises as small experiments, one figure each.

1. minibatch gradient descent: full-batch GD against minibatch SGD (loss per epoch);
2. learning-rate annealing: a constant rate against 1/t, step and exponential decay;
3. other activations: the decision boundary of every hidden activation, side by side;
4. three classes: a 3-arm spirals problem and its boundary;
5. four layers: one hidden layer against two (input, hidden, hidden, output).

Each experiment returns :class:`Row` s for the summary table and writes one PNG. The helpers
:func:`make_schedule` and :func:`fit_network` build and train an engine network from plain
settings; ``nnscratch train`` uses them too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from nnscratch.datasets import moons, spirals
from nnscratch.engine import (
    ReduceOnPlateau,
    exponential_decay,
    get_optimizer,
    init_params,
    inverse_time,
    step_decay,
    train,
)
from nnscratch.engine.losses import one_hot
from nnscratch.engine.network import Network
from nnscratch.engine.schedules import Schedule, constant
from nnscratch.engine.training import Callback, History
from nnscratch.viz import new_figure, plot_decision_boundary, plot_loss_curve, save_figure

SCHEDULES = ("constant", "invtime", "step", "exponential", "plateau")
OPTIMIZERS = ("gd", "sgd", "momentum", "nesterov", "adam")


def make_schedule(name: str, lr: float, decay: float = 1e-4, every: int = 1000) -> Schedule:
    """A learning-rate schedule by name.

    Parameters
    ----------
    name : {'constant', 'invtime', 'step', 'exponential', 'plateau'}
        ``invtime``: lr / (1 + decay t); ``exponential``: lr (1 - decay)^t; ``step``: halve every
        ``every`` steps; ``plateau``: divide by 5 after 10 epochs without progress.
    lr : float > 0, initial rate
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


def fit_network(
    X: np.ndarray,
    y: np.ndarray,
    *,
    hidden: Sequence[int] = (20,),
    activation: str | Sequence[str] = "tanh",
    init: str = "glorot",
    optimizer: str = "sgd",
    learning_rate: float | Schedule = 0.1,
    momentum: float = 0.9,
    alpha: float = 1e-4,
    epochs: int = 200,
    batch_size: int | None = None,
    random_state: int = 0,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    early_stopping: bool = False,
    tol: float | None = None,
    n_iter_no_change: int = 10,
    verbose: bool = False,
    callbacks: Sequence[Callback] = (),
    net: Network | None = None,
) -> tuple[Network, History]:
    """Build a softmax network for integer labels ``y`` in 0..K-1 and train it.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), integer labels 0..n_classes-1 (every class present)
    hidden : hidden layer sizes
    activation : one name for every hidden layer, or one per layer
    init : {'seed', 'glorot', 'he'}, drawn from ``random_state``
    optimizer : {'gd', 'sgd', 'momentum', 'nesterov', 'adam'}; 'gd' is full batch
    batch_size : None for full batch ('gd' always is), else minibatch size
    net : a network from :func:`make_network` to train instead of a new one (e.g. one a
        callback already watches)
    others : as :func:`nnscratch.engine.train`

    Returns
    -------
    net : Network, trained
    history : History
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}; got {optimizer!r}")
    n_classes = int(np.max(y)) + 1
    if n_classes < 2:
        raise ValueError(f"need at least 2 classes to train a classifier; got {n_classes}")
    if net is None:
        net = make_network(X.shape[1], n_classes, hidden=hidden, activation=activation, init=init,
                           random_state=random_state)
    uses_momentum = optimizer in ("momentum", "nesterov")
    opt = get_optimizer(optimizer, **({"momentum": momentum} if uses_momentum else {}))
    history = train(
        net, X, one_hot(y, n_classes), learning_rate=learning_rate, optimizer=opt, alpha=alpha,
        epochs=epochs, batch_size=None if optimizer == "gd" else batch_size,
        random_state=random_state, validation=validation, early_stopping=early_stopping,
        tol=tol, n_iter_no_change=n_iter_no_change, verbose=verbose, callbacks=callbacks,
    )
    return net, history


def make_network(n_features: int, n_classes: int, hidden: Sequence[int] = (20,),
                 activation: str | Sequence[str] = "tanh", init: str = "glorot",
                 random_state: int = 0) -> Network:
    """A softmax network ``n_features -> *hidden -> n_classes`` with initial weights drawn."""
    first = activation if isinstance(activation, str) else activation[0]
    sizes = (n_features, *hidden, n_classes)
    return Network(init_params(sizes, init, random_state, activation=first), activation)


def predict(net: Network, X: np.ndarray) -> np.ndarray:
    """Most probable class (0..K-1) for each row of ``X``."""
    return np.argmax(net.predict_proba(X), axis=1)


def accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(predict(net, X) == y))


@dataclass
class Row:
    """One line of the summary table."""

    exercise: str
    setting: str
    epochs: int
    final_loss: float
    train_accuracy: float
    test_accuracy: float


@dataclass
class ExercisesResult:
    rows: list[Row] = field(default_factory=list)
    figures: dict[str, Path] = field(default_factory=dict)


def _split(X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    return train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)


def _row(exercise: str, setting: str, net: Network, hist: History,
         data: Sequence[np.ndarray]) -> Row:
    X_tr, X_te, y_tr, y_te = data
    return Row(exercise, setting, hist.n_epochs, hist.loss[-1], accuracy(net, X_tr, y_tr),
               accuracy(net, X_te, y_te))


def _moons() -> list[np.ndarray]:
    X, y = moons(400, noise=0.2, random_state=0)
    return _split(X, y)


def exercise_minibatch(out: Path, result: ExercisesResult, epochs: int = 300) -> None:
    """1. Full-batch GD against minibatch SGD (batch 20), same rate, loss per epoch."""
    data = _moons()
    X, y = data[0], data[2]
    fig = new_figure((7, 4.5))
    ax = fig.add_subplot()
    settings = (("full batch GD", "gd", None), ("minibatch SGD, batch 20", "sgd", 20))
    for label, opt, batch in settings:
        net, hist = fit_network(X, y, hidden=(10,), activation="tanh", optimizer=opt,
                                learning_rate=0.5, batch_size=batch, epochs=epochs)
        plot_loss_curve(hist.loss, ax=ax, label=f"{label} ({hist.n_steps} steps)")
        result.rows.append(_row("1 minibatch", label, net, hist, data))
    ax.set_title("Exercise 1: full batch vs minibatch (moons, lr 0.5)")
    result.figures["minibatch"] = save_figure(fig, out / "exercise1_minibatch.png")


def exercise_annealing(out: Path, result: ExercisesResult, epochs: int = 200) -> None:
    """2. A constant learning rate against annealed ones (minibatch SGD, batch 20)."""
    data = _moons()
    X, y = data[0], data[2]
    lr = 2.0
    fig = new_figure((7, 4.5))
    ax = fig.add_subplot()
    schedules: list[tuple[str, Callable[[int], float]]] = [
        ("constant", make_schedule("constant", lr)),
        ("1/t: lr/(1 + 0.002 t)", make_schedule("invtime", lr, decay=2e-3)),
        ("exponential: lr 0.999^t", make_schedule("exponential", lr, decay=1e-3)),
        ("step: halve every 500", make_schedule("step", lr, every=500)),
    ]
    for label, sched in schedules:
        net, hist = fit_network(X, y, hidden=(10,), activation="tanh", optimizer="sgd",
                                learning_rate=sched, batch_size=20, epochs=epochs)
        plot_loss_curve(hist.loss, ax=ax, label=label)
        result.rows.append(_row("2 annealing", label, net, hist, data))
    ax.set_title(f"Exercise 2: constant vs annealed learning rate (lr0 = {lr})")
    result.figures["annealing"] = save_figure(fig, out / "exercise2_annealing.png")


def exercise_activations(out: Path, result: ExercisesResult, epochs: int = 300) -> None:
    """3. Every hidden activation on the moons, boundaries side by side."""
    data = _moons()
    X, y = data[0], data[2]
    names = ("tanh", "logistic", "relu", "leaky_relu", "elu", "softplus", "identity")
    fig = new_figure((16, 8))
    axes = fig.subplots(2, 4).ravel()
    for ax, name in zip(axes, names):
        net, hist = fit_network(X, y, hidden=(10,), activation=name, optimizer="adam",
                                learning_rate=0.02, batch_size=32, epochs=epochs)
        row = _row("3 activations", name, net, hist, data)
        result.rows.append(row)
        plot_decision_boundary(partial(predict, net), X, y, ax=ax, h=0.03,
                               title=f"{name} (test acc {row.test_accuracy:.3f})")
    axes[-1].set_axis_off()
    fig.suptitle("Exercise 3: hidden activations (moons, 10 hidden units, Adam)")
    result.figures["activations"] = save_figure(fig, out / "exercise3_activations.png")


def exercise_three_classes(out: Path, result: ExercisesResult, epochs: int = 300) -> None:
    """4. Three classes: 3-arm spirals, softmax output, boundary of a 20-20 relu net."""
    X_all, y_all = spirals(600, n_classes=3, random_state=0)
    data = _split(X_all, y_all)
    net, hist = fit_network(data[0], data[2], hidden=(20, 20), activation="relu",
                            optimizer="adam", learning_rate=0.01, batch_size=32, epochs=epochs)
    row = _row("4 three classes", "spirals, 20-20 relu", net, hist, data)
    result.rows.append(row)
    title = f"Exercise 4: 3-arm spirals (test acc {row.test_accuracy:.3f})"
    ax = plot_decision_boundary(partial(predict, net), X_all, y_all, h=0.01, title=title)
    result.figures["three_classes"] = save_figure(ax.figure, out / "exercise4_three_classes.png")  # type: ignore[arg-type]


def exercise_four_layers(out: Path, result: ExercisesResult, epochs: int = 300) -> None:
    """5. Three layers (one hidden) against four (two hidden) on 2-arm spirals."""
    X_all, y_all = spirals(400, n_classes=2, random_state=1)
    data = _split(X_all, y_all)
    fig = new_figure((12, 5))
    axes = fig.subplots(1, 2)
    for ax, hidden in zip(axes, ((8,), (8, 8))):
        net, hist = fit_network(data[0], data[2], hidden=hidden, activation="tanh",
                                optimizer="adam", learning_rate=0.02, batch_size=32, epochs=epochs)
        layers = len(hidden) + 2
        row = _row("5 four layers", f"{layers} layers, hidden {hidden}", net, hist, data)
        result.rows.append(row)
        plot_decision_boundary(partial(predict, net), X_all, y_all, ax=ax, h=0.01,
                               title=f"{layers} layers {hidden}: test acc {row.test_accuracy:.3f}")
    fig.suptitle("Exercise 5: one hidden layer vs two (2-arm spirals, tanh)")
    result.figures["four_layers"] = save_figure(fig, out / "exercise5_four_layers.png")


EXERCISES = (exercise_minibatch, exercise_annealing, exercise_activations,
             exercise_three_classes, exercise_four_layers)


def run_exercises(out_dir: str | Path) -> ExercisesResult:
    """Run the five exercises, write one figure each to ``out_dir``, return the summary rows."""
    out = Path(out_dir)
    result = ExercisesResult()
    for exercise in EXERCISES:
        exercise(out, result)
    return result
