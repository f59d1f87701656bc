"""The whole tutorial: data, logistic regression, the 3-layer network, the hidden-size sweep.

Settings are the tutorial's: 200 moons points (noise 0.2, seed 0), tanh hidden layer, softmax
output, full-batch gradient descent for 20000 passes with epsilon = 0.01 on the *summed* loss and
reg_lambda = 0.01. As a mean-loss learning rate that is lr = epsilon * N = 2.0, alpha = 0.01
(scikit-learn's alpha convention), which takes bit for bit the same steps.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegressionCV

from nnscratch.datasets import moons
from nnscratch.engine import History, Network, Params, init_params, train
from nnscratch.engine.losses import one_hot

N_SAMPLES = 200
EPSILON = 0.01  # the tutorial's step on the summed loss
REG_LAMBDA = 0.01
LEARNING_RATE = EPSILON * N_SAMPLES  # = 2.0 on the mean loss
NUM_PASSES = 20000
HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)
TEST_SEED = 1  # the held-out moons sample


@dataclass
class ModelResult:
    """One row of the results table."""

    model: str
    hidden: int | None
    loss: float | None
    train_accuracy: float
    test_accuracy: float


@dataclass
class TutorialResult:
    loss_lines: list[tuple[int, float]]  # (iteration, loss after it), every 1000 passes
    final_loss: float
    rows: list[ModelResult]
    history: History
    figures: dict[str, Path] = field(default_factory=dict)


def train_tutorial_network(X: np.ndarray, y: np.ndarray, hidden: int,
                           num_passes: int = NUM_PASSES) -> tuple[Network, History]:
    """The tutorial's ``build_model(hidden)``: seed init from RandomState(0), full-batch GD."""
    net = Network(init_params((X.shape[1], hidden, 2), "seed", random_state=0), "tanh")
    history = train(net, X, one_hot(y, 2), learning_rate=LEARNING_RATE, alpha=REG_LAMBDA,
                    epochs=num_passes, tol=None)
    return net, history


def _train_flat(X: np.ndarray, y: np.ndarray, hidden: int,
                num_passes: int) -> tuple[np.ndarray, History]:
    """``train_tutorial_network`` returning the flat parameters (what a worker sends back)."""
    net, history = train_tutorial_network(X, y, hidden, num_passes)
    return net.params.flat, history


def _pool(n_tasks: int) -> Executor | None:
    """Worker processes for independent trainings (forked: no re-import), or None (serial).

    Every training runs the same float64 code on one core wherever it runs, so the results do
    not depend on the number of workers.
    """
    workers = min(n_tasks, os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


def predict(net: Network, X: np.ndarray) -> np.ndarray:
    return np.argmax(net.predict_proba(X), axis=1)


def run_tutorial(out_dir: str | Path, num_passes: int = NUM_PASSES) -> TutorialResult:
    """Run the tutorial, write its figures to ``out_dir``, return its numbers."""
    out = Path(out_dir)
    X, y = moons(N_SAMPLES, noise=0.2, random_state=0)
    X_test, y_test = moons(N_SAMPLES, noise=0.2, random_state=TEST_SEED)
    figures: dict[str, Path] = {}

    # The seven trainings are independent: start them on the other cores first (largest first),
    # draw the data and fit the logistic regression meanwhile.
    pool = _pool(len(HIDDEN_SIZES))
    futures = {}
    if pool is not None:
        with warnings.catch_warnings():  # Python >= 3.12 frowns on fork beside BLAS threads;
            warnings.simplefilter("ignore", DeprecationWarning)  # the workers only run NumPy
            for hidden in sorted(HIDDEN_SIZES, reverse=True):
                futures[hidden] = pool.submit(_train_flat, X, y, hidden, num_passes)
        pool.shutdown(wait=False)
    # matplotlib loads while the workers train (imported here, not at the top, for that)
    from nnscratch.viz import (
        new_figure,
        plot_data,
        plot_decision_boundary,
        plot_loss_curve,
        save_figure,
    )

    ax = plot_data(X, y, title="make_moons(200, noise=0.2)")
    figures["data"] = save_figure(ax.figure, out / "data.png")  # type: ignore[arg-type]

    with warnings.catch_warnings():  # newer scikit-learn announces changes of defaults
        warnings.simplefilter("ignore", FutureWarning)
        logreg = LogisticRegressionCV().fit(X, y)
    rows = [ModelResult("logistic regression", None, None, float(logreg.score(X, y)),
                        float(logreg.score(X_test, y_test)))]
    ax = plot_decision_boundary(logreg.predict, X, y, title="Logistic Regression")
    figures["logreg"] = save_figure(ax.figure, out / "logistic_regression.png")  # type: ignore[arg-type]

    nets: dict[int, Network] = {}
    history: History | None = None
    final_loss = float("nan")
    Y = one_hot(y, 2)
    for hidden in HIDDEN_SIZES:
        if hidden in futures:
            flat, hist = futures[hidden].result()
            net = Network(Params((X.shape[1], hidden, 2), flat=flat), "tanh")
        else:
            net, hist = train_tutorial_network(X, y, hidden, num_passes)
        nets[hidden] = net
        loss = net.loss(X, Y, REG_LAMBDA)
        if hidden == 3:
            history, final_loss = hist, loss
        rows.append(ModelResult("neural network", hidden, loss,
                                float(np.mean(predict(net, X) == y)),
                                float(np.mean(predict(net, X_test) == y_test))))
    assert history is not None
    # "Loss after iteration i" is the loss after i + 1 steps: the loss the next pass starts from.
    curve = history.loss[1:] + [final_loss]
    loss_lines = [(i, curve[i]) for i in range(0, num_passes, 1000)]

    ax = plot_decision_boundary(partial(predict, nets[3]), X, y,
                                title="Neural network, hidden layer size 3")
    figures["hidden3"] = save_figure(ax.figure, out / "network_hidden_3.png")  # type: ignore[arg-type]

    fig = new_figure((16, 8))
    axes = fig.subplots(2, 4).ravel()
    for ax, hidden in zip(axes, HIDDEN_SIZES):
        plot_decision_boundary(partial(predict, nets[hidden]), X, y, ax=ax,
                               title=f"Hidden layer size {hidden}", h=0.02)
    axes[-1].set_axis_off()
    figures["sweep"] = save_figure(fig, out / "hidden_sizes.png")

    ax = plot_loss_curve(curve, title="Loss of the hidden-3 network (after each pass)")
    ax.set_xlabel("pass")
    figures["loss"] = save_figure(ax.figure, out / "loss_curve_hidden_3.png")  # type: ignore[arg-type]
    return TutorialResult(loss_lines, final_loss, rows, history, figures)
