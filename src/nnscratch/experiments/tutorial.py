"""The whole tutorial: data, logistic regression, the 3-layer network, the hidden-size sweep.

Settings are the tutorial's: 200 moons points (noise 0.2, seed 0), tanh hidden layer, softmax
output, full-batch gradient descent for 20000 passes with epsilon = 0.01 on the *summed* loss and
reg_lambda = 0.01. As a mean-loss learning rate that is lr = epsilon * N = 2.0, alpha = 0.01
(scikit-learn's alpha convention), which takes bit for bit the same steps.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

import numpy as np

from nnscratch.datasets import moons
from nnscratch.engine import History, Network, Params, init_params, train
from nnscratch.engine.callbacks import Snapshots
from nnscratch.engine.losses import one_hot
from nnscratch.engine.training import Callback

N_SAMPLES = 200
EPSILON = 0.01  # the tutorial's step on the summed loss
REG_LAMBDA = 0.01
LEARNING_RATE = EPSILON * N_SAMPLES  # = 2.0 on the mean loss
NUM_PASSES = 20000
HIDDEN_SIZES = (1, 2, 3, 4, 5, 20, 50)
WATCH_FRAMES = 60  # parameter snapshots of the hidden-3 run (report: held-out loss, GIF)
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
    network: Network | None = None  # the trained hidden-3 network
    snapshots: Snapshots | None = None  # its parameters at log-spaced passes


def tutorial_network(n_features: int, hidden: int) -> Network:
    """The tutorial's untrained network: tanh hidden layer, 2 outputs, seed init from
    RandomState(0)."""
    return Network(init_params((n_features, hidden, 2), "seed", random_state=0), "tanh")


def train_tutorial_network(X: np.ndarray, y: np.ndarray, hidden: int,
                           num_passes: int = NUM_PASSES, callbacks: Sequence[Callback] = (),
                           net: Network | None = None) -> tuple[Network, History]:
    """The tutorial's ``build_model(hidden)``: seed init from RandomState(0), full-batch GD
    (``net``: a :func:`tutorial_network` to train, e.g. one a callback watches), on the NumPy
    engine: the reference that reproduces the tutorial bit for bit at every hidden size."""
    net = net or tutorial_network(X.shape[1], hidden)
    history = train(net, X, one_hot(y, 2), learning_rate=LEARNING_RATE, alpha=REG_LAMBDA,
                    epochs=num_passes, tol=None, callbacks=callbacks, backend="numpy")
    return net, history


def _train(X: np.ndarray, y: np.ndarray, hidden: int, num_passes: int,
           watch: int = 0) -> tuple[np.ndarray, History, Snapshots | None]:
    """One training (in a worker or here): final parameters, history, and with ``watch`` > 0
    that many log-spaced parameter snapshots. Watching changes no step."""
    net = tutorial_network(X.shape[1], hidden)
    snaps = Snapshots.log_spaced(net, num_passes, watch) if watch else None
    net, history = train_tutorial_network(X, y, hidden, num_passes, net=net,
                                          callbacks=[snaps] if snaps is not None else ())
    return net.params.flat, history, snaps


def _logistic_regression(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                         mesh: np.ndarray) -> tuple[float, float, np.ndarray]:
    """The tutorial's baseline (in a worker or here): scikit-learn's LogisticRegressionCV fitted
    on ``(X, y)``; its training and held-out accuracy and its labels at the ``mesh`` points (a
    worker imports scikit-learn, about a second, beside the trainings: the parent never does)."""
    from sklearn.linear_model import LogisticRegressionCV

    with warnings.catch_warnings():  # newer scikit-learn announces changes of defaults
        warnings.simplefilter("ignore", FutureWarning)
        logreg = LogisticRegressionCV().fit(X, y)
    return float(logreg.score(X, y)), float(logreg.score(X_test, y_test)), logreg.predict(mesh)


def _labels_at(mesh: np.ndarray, labels: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """A ``predict`` for the one mesh it was computed on (plot_decision_boundary's)."""

    def predict_mesh(points: np.ndarray) -> np.ndarray:
        if not np.array_equal(points, mesh):
            raise ValueError("these labels belong to another mesh")
        return labels

    return predict_mesh


def _ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the workers


@contextmanager
def _workers(n_tasks: int) -> Iterator[Pool | None]:
    """Forked worker processes for independent trainings, or None (run them here).

    Every training runs the same float64 code on one core wherever it runs, so the results do
    not depend on the number of workers. The workers ignore Ctrl-C; the parent stops them at
    once when it is interrupted (or fails), and when it has every result.
    """
    workers = min(n_tasks, os.cpu_count() or 1)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    with warnings.catch_warnings():  # Python >= 3.12 frowns on fork beside BLAS threads;
        warnings.simplefilter("ignore", DeprecationWarning)  # the workers only run NumPy
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_ignore_ctrl_c)
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def predict(net: Network, X: np.ndarray) -> np.ndarray:
    return np.argmax(net.predict_proba(X), axis=1)


def run_tutorial(out_dir: str | Path, num_passes: int = NUM_PASSES,
                 on_hidden3: Callable[[TutorialResult], object] | None = None) -> TutorialResult:
    """Run the tutorial, write its figures to ``out_dir``, return its numbers.

    ``on_hidden3(result)`` is called as soon as the hidden-3 network is trained (``result`` has
    its network, history, snapshots, loss lines and final loss; the rows of the other sizes come
    later), while the other trainings go on: the report draws its pictures of training there.
    """
    out = Path(out_dir)
    X, y = moons(N_SAMPLES, noise=0.2, random_state=0)
    X_test, y_test = moons(N_SAMPLES, noise=0.2, random_state=TEST_SEED)
    Y = one_hot(y, 2)
    figures: dict[str, Path] = {}

    # The seven trainings are independent: start them on the other cores first (hidden 3, whose
    # figures are drawn while the others train, then the largest), draw meanwhile.
    # The logistic regression (with scikit-learn's import) goes to a worker as well, after the
    # first two trainings: this process only draws, and never waits for scikit-learn.
    order = [3, *sorted((h for h in HIDDEN_SIZES if h != 3), reverse=True)]
    jobs: dict[int | str, tuple[Callable[..., Any], tuple[Any, ...]]] = {
        h: (_train, (X, y, h, num_passes, WATCH_FRAMES if h == 3 else 0)) for h in order}
    with _workers(len(HIDDEN_SIZES)) as pool:
        pending: dict[int | str, AsyncResult[Any]] = {}

        def submit(keys: Sequence[int | str]) -> None:  # to the workers (none: get runs it)
            if pool is not None:
                for key in keys:
                    pending[key] = pool.apply_async(*jobs[key])

        def get(key: int | str) -> Any:  # its result, from the worker or computed here
            fn, job = jobs[key]
            return pending[key].get() if key in pending else fn(*job)

        submit(order[:2])
        # matplotlib loads while the workers train (imported here, not at the top, for that)
        from nnscratch.viz import (
            Margins,
            new_axes,
            new_figure,
            plot_data,
            plot_decision_boundary,
            plot_loss_curve,
            save_figure,
        )
        from nnscratch.viz.boundary import grid

        # Fixed margins, checked by eye, for the figures drawn here (a save then skips
        # constrained layout's pass): one 6 x 4.5 in axes, with plain or 10^k tick labels on y
        plane = Margins(left=0.11, bottom=0.105, right=0.985, top=0.94)
        log_loss = Margins(left=0.15, bottom=0.105, right=0.985, top=0.94)

        xx, yy = grid(X)  # plot_decision_boundary's mesh
        mesh = np.c_[xx.ravel(), yy.ravel()]
        jobs["logreg"] = (_logistic_regression, (X, y, X_test, y_test, mesh))
        submit(["logreg", *order[2:]])

        ax = plot_data(X, y, ax=new_axes(margins=plane), title="make_moons(200, noise=0.2)")
        figures["data"] = save_figure(ax.figure, out / "data.png")  # type: ignore[arg-type]
        train_acc, test_acc, labels = get("logreg")
        rows = [ModelResult("logistic regression", None, None, train_acc, test_acc)]
        ax = plot_decision_boundary(_labels_at(mesh, labels), X, y, ax=new_axes(margins=plane),
                                    title="Logistic Regression")
        figures["logreg"] = save_figure(ax.figure, out / "logistic_regression.png")  # type: ignore[arg-type]

        def trained(h: int) -> tuple[Network, History, Snapshots | None]:
            flat, hist, snaps = get(h)
            return Network(Params((X.shape[1], h, 2), flat=flat), "tanh"), hist, snaps

        net3, history, snapshots = trained(3)
        final_loss = net3.loss(X, Y, REG_LAMBDA)
        # "Loss after iteration i" is the loss after i + 1 steps: the loss the next pass starts
        # from.
        curve = history.loss[1:] + [final_loss]
        loss_lines = [(i, curve[i]) for i in range(0, num_passes, 1000)]
        ax = plot_decision_boundary(partial(predict, net3), X, y, ax=new_axes(margins=plane),
                                    title="Neural network, hidden layer size 3")
        figures["hidden3"] = save_figure(ax.figure, out / "network_hidden_3.png")  # type: ignore[arg-type]
        ax = plot_loss_curve(curve, ax=new_axes(margins=log_loss),
                             title="Loss of the hidden-3 network (after each pass)")
        ax.set_xlabel("pass")
        figures["loss"] = save_figure(ax.figure, out / "loss_curve_hidden_3.png")  # type: ignore[arg-type]
        result = TutorialResult(loss_lines, final_loss, rows, history, figures, net3, snapshots)
        if on_hidden3 is not None:
            on_hidden3(result)
        nets = {h: net3 if h == 3 else trained(h)[0] for h in HIDDEN_SIZES}

    for hidden in HIDDEN_SIZES:
        net = nets[hidden]
        rows.append(ModelResult("neural network", hidden, net.loss(X, Y, REG_LAMBDA),
                                float(np.mean(predict(net, X) == y)),
                                float(np.mean(predict(net, X_test) == y_test))))
    fig = new_figure((16, 8), Margins(left=0.042, bottom=0.059, right=0.997, top=0.968,
                                      wspace=0.22, hspace=0.22))
    axes = fig.subplots(2, 4).ravel()
    for ax, hidden in zip(axes, HIDDEN_SIZES):
        plot_decision_boundary(partial(predict, nets[hidden]), X, y, ax=ax,
                               title=f"Hidden layer size {hidden}", h=0.02)
    axes[-1].set_axis_off()
    figures["sweep"] = save_figure(fig, out / "hidden_sizes.png")
    # the figures in the order the report shows them
    result.figures = {k: figures[k] for k in ("data", "logreg", "hidden3", "sweep", "loss")}
    return result
