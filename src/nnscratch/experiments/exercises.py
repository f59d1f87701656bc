"""The tutorial's five exercises as small experiments, one figure each.

1. minibatch gradient descent: full-batch GD against minibatch SGD (loss per epoch);
2. learning-rate annealing: a constant rate against 1/t, step and exponential decay;
3. other activations: the decision boundary of every hidden activation, side by side;
4. three classes: a 3-arm spirals problem and its boundary;
5. four layers: one hidden layer against two (input, hidden, hidden, output).

Each experiment returns :class:`Row` s for the summary table and writes one PNG. Every network is
an :class:`~nnscratch.MLPClassifier` (the one training path); the annealed rates are the engine's
schedules (:func:`nnscratch.engine.get_schedule`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from nnscratch.datasets import moons, spirals
from nnscratch.engine import get_schedule
from nnscratch.estimator import MLPClassifier
from nnscratch.viz import new_figure, plot_decision_boundary, plot_loss_curve, save_figure


def fit(X: np.ndarray, y: np.ndarray, hidden: Sequence[int], activation: str, solver: str,
        lr: float, epochs: int, batch_size: int | str = "auto", **params: Any) -> MLPClassifier:
    """An exercise's network: ``MLPClassifier`` with these settings, seed 0, all epochs run
    (``tol=None``), plain steps for 'sgd' (``momentum=0``)."""
    clf = MLPClassifier(tuple(hidden), activation=activation, solver=solver,
                        learning_rate_init=lr, max_iter=epochs, batch_size=batch_size,
                        momentum=0.0, tol=None, random_state=0, **params)
    return clf.fit(X, y)


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


def _row(exercise: str, setting: str, clf: MLPClassifier, data: Sequence[np.ndarray]) -> Row:
    X_tr, X_te, y_tr, y_te = data
    return Row(exercise, setting, clf.n_iter_, clf.loss_curve_[-1], clf.score(X_tr, y_tr),
               clf.score(X_te, y_te))


def _moons() -> list[np.ndarray]:
    X, y = moons(400, noise=0.2, random_state=0)
    return _split(X, y)


def exercise_minibatch(out: Path, result: ExercisesResult, epochs: int = 300) -> None:
    """1. Full-batch GD against minibatch SGD (batch 20), same rate, loss per epoch."""
    data = _moons()
    X, y = data[0], data[2]
    fig = new_figure((7, 4.5))
    ax = fig.add_subplot()
    settings: tuple[tuple[str, str, int | str], ...] = (
        ("full batch GD", "gd", "auto"), ("minibatch SGD, batch 20", "sgd", 20))
    for label, solver, batch in settings:
        clf = fit(X, y, (10,), "tanh", solver, lr=0.5, epochs=epochs, batch_size=batch)
        steps = clf.n_iter_ * (1 if solver == "gd" else math.ceil(len(y) / int(batch)))
        plot_loss_curve(clf.loss_curve_, ax=ax, label=f"{label} ({steps} steps)")
        result.rows.append(_row("1 minibatch", label, clf, data))
    ax.set_title("Exercise 1: full batch vs minibatch (moons, lr 0.5)")
    result.figures["minibatch"] = save_figure(fig, out / "exercise1_minibatch.png")


def exercise_annealing(out: Path, result: ExercisesResult, epochs: int = 200) -> None:
    """2. A constant learning rate against annealed ones (minibatch SGD, batch 20)."""
    data = _moons()
    X, y = data[0], data[2]
    lr = 2.0
    fig = new_figure((7, 4.5))
    ax = fig.add_subplot()
    schedules = [
        ("constant", get_schedule("constant", lr)),
        ("1/t: lr/(1 + 0.002 t)", get_schedule("invtime", lr, decay=2e-3)),
        ("exponential: lr 0.999^t", get_schedule("exponential", lr, decay=1e-3)),
        ("step: halve every 500", get_schedule("step", lr, every=500)),
    ]
    for label, schedule in schedules:
        clf = fit(X, y, (10,), "tanh", "sgd", lr=lr, epochs=epochs, batch_size=20,
                  learning_rate=schedule)
        plot_loss_curve(clf.loss_curve_, ax=ax, label=label)
        result.rows.append(_row("2 annealing", label, clf, data))
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
        clf = fit(X, y, (10,), name, "adam", lr=0.02, epochs=epochs, batch_size=32)
        row = _row("3 activations", name, clf, data)
        result.rows.append(row)
        plot_decision_boundary(clf.predict, X, y, ax=ax, h=0.03,
                               title=f"{name} (test acc {row.test_accuracy:.3f})")
    axes[-1].set_axis_off()
    fig.suptitle("Exercise 3: hidden activations (moons, 10 hidden units, Adam)")
    result.figures["activations"] = save_figure(fig, out / "exercise3_activations.png")


def exercise_three_classes(out: Path, result: ExercisesResult, epochs: int = 300) -> None:
    """4. Three classes: 3-arm spirals, softmax output, boundary of a 20-20 relu net."""
    X_all, y_all = spirals(600, n_classes=3, random_state=0)
    data = _split(X_all, y_all)
    clf = fit(data[0], data[2], (20, 20), "relu", "adam", lr=0.01, epochs=epochs, batch_size=32)
    row = _row("4 three classes", "spirals, 20-20 relu", clf, data)
    result.rows.append(row)
    title = f"Exercise 4: 3-arm spirals (test acc {row.test_accuracy:.3f})"
    ax = plot_decision_boundary(clf.predict, X_all, y_all, h=0.01, title=title)
    result.figures["three_classes"] = save_figure(ax.figure, out / "exercise4_three_classes.png")  # type: ignore[arg-type]


def exercise_four_layers(out: Path, result: ExercisesResult, epochs: int = 300) -> None:
    """5. Three layers (one hidden) against four (two hidden) on 2-arm spirals."""
    X_all, y_all = spirals(400, n_classes=2, random_state=1)
    data = _split(X_all, y_all)
    fig = new_figure((12, 5))
    axes = fig.subplots(1, 2)
    for ax, hidden in zip(axes, ((8,), (8, 8))):
        clf = fit(data[0], data[2], hidden, "tanh", "adam", lr=0.02, epochs=epochs,
                  batch_size=32)
        layers = len(hidden) + 2
        row = _row("5 four layers", f"{layers} layers, hidden {hidden}", clf, data)
        result.rows.append(row)
        plot_decision_boundary(clf.predict, X_all, y_all, ax=ax, h=0.01,
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
