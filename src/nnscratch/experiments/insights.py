"""What the seed gets wrong or leaves out, shown with figures the package generates.

(a) The translator's note calls the two L2 lines ``dW += reg_lambda * W`` unnecessary: a sweep of
    the L2 strength on the hidden-50 network shows what they do (boundaries, weight norm,
    train/test accuracy).
(b) At the seed's learning rate the loss never settles: it ends in a period-2 oscillation. The
    loss at even and at odd steps are two smooth curves; the sharpness (largest Hessian
    eigenvalue of the loss) rises to the stability limit ``2 / lr`` of gradient descent and hovers
    around it: the *edge of stability*.
(c) The seed steps with the gradient of the *summed* loss: ``epsilon = 0.01`` on 200 points is
    ``lr = epsilon * N = 2.0`` on the mean loss. Keeping 0.01 on the mean loss is a 200 times
    smaller step; and the summed convention makes the step grow with the data set.
(d) The seed's ``exp(z) / sum(exp(z))`` overflows for logits above ~709.78: inf / inf = nan;
    nnscratch shifts each row by its maximum outside the safe range and stays finite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from nnscratch.datasets import moons
from nnscratch.engine import DivergenceError, Network, init_params, reference, train
from nnscratch.engine.losses import one_hot, softmax
from nnscratch.experiments.tutorial import (
    EPSILON,
    LEARNING_RATE,
    N_SAMPLES,
    NUM_PASSES,
    REG_LAMBDA,
    TEST_SEED,
)
from nnscratch.viz import new_figure, plot_loss_curve, save_figure
from nnscratch.viz.animate import Snapshots
from nnscratch.viz.boundary import plot_probability_boundary
from nnscratch.viz.report import Section, Table

REG_ALPHAS = (0.0, 0.01, 0.1, 1.0)
DATA_SIZES = (200, 1000, 2000)


def _accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(net.predict_proba(X), axis=1) == y))


def _seed_network(hidden: int) -> Network:
    return Network(init_params((2, hidden, 2), "seed", random_state=0), "tanh")


# --- (a) the L2 lines ----------------------------------------------------------------------
@dataclass
class RegRow:
    alpha: float
    loss: float
    weight_norm: float
    train_accuracy: float
    test_accuracy: float


def reg_strength_sweep(X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray,
                       alphas: tuple[float, ...] = REG_ALPHAS, hidden: int = 50,
                       epochs: int = NUM_PASSES) -> tuple[list[RegRow], list[Network]]:
    """Train the seed's network (lr 2.0, seed init) once per L2 strength ``alpha``.

    ``alpha = 0`` is the seed with the two L2 lines deleted; ``alpha = 0.01`` is the seed.
    """
    rows, nets = [], []
    Y = one_hot(y, 2)
    for alpha in alphas:
        net = _seed_network(hidden)
        train(net, X, Y, learning_rate=LEARNING_RATE, alpha=alpha, epochs=epochs, tol=None)
        rows.append(RegRow(alpha, net.loss(X, Y, alpha), float(np.linalg.norm(net.params.weights)),
                           _accuracy(net, X, y), _accuracy(net, X_test, y_test)))
        nets.append(net)
    return rows, nets


def plot_reg_sweep(rows: list[RegRow], nets: list[Network], X: np.ndarray,
                   y: np.ndarray) -> Figure:
    """One probability boundary per alpha, then accuracy and weight norm against alpha."""
    fig = new_figure((4.0 * (len(rows) + 1), 3.8))
    axes = fig.subplots(1, len(rows) + 1)
    for ax, row, net in zip(axes, rows, nets):
        label = " (seed)" if row.alpha == REG_LAMBDA else " (no L2 lines)" if row.alpha == 0 else ""
        plot_probability_boundary(net.predict_proba, X, y, ax=ax, colorbar=False, h=0.02,
                                  title=f"alpha = {row.alpha:g}{label}")
    ax = axes[-1]
    ticks = np.arange(len(rows))
    ax.plot(ticks, [r.train_accuracy for r in rows], "o-", label="train accuracy")
    ax.plot(ticks, [r.test_accuracy for r in rows], "s-", label="test accuracy")
    ax.set_xticks(ticks, [f"{r.alpha:g}" for r in rows])
    ax.set_xlabel("alpha (L2 strength)")
    ax.set_ylabel("accuracy")
    norm_ax = ax.twinx()
    norm_ax.plot(ticks, [r.weight_norm for r in rows], "^--", color="gray", label="||W||")
    norm_ax.set_ylabel("||W|| (all weights)")
    ax.legend(loc="lower left", fontsize="small")
    ax.set_title("hidden 50: what the L2 lines do")
    return fig


# --- (b) edge of stability -----------------------------------------------------------------
def hessian(net: Network, X: np.ndarray, Y: np.ndarray, alpha: float,
            h: float = 1e-5) -> np.ndarray:
    """Hessian of the mean loss by central differences of the (backprop) gradient, symmetrized."""
    flat = net.params.flat
    H = np.empty((flat.size, flat.size))
    for j in range(flat.size):
        old = flat[j]
        flat[j] = old + h
        up = net.loss_and_grad(X, Y, alpha)[1].flat.copy()
        flat[j] = old - h
        down = net.loss_and_grad(X, Y, alpha)[1].flat
        flat[j] = old
        H[:, j] = (up - down) / (2 * h)
    return 0.5 * (H + H.T)


@dataclass
class StabilityRun:
    learning_rate: float
    loss: list[float]
    sharpness_epochs: list[int]
    sharpness: list[float]  # largest Hessian eigenvalue of the mean loss


def edge_of_stability(X: np.ndarray, y: np.ndarray, learning_rates: tuple[float, ...] =
                      (1.0, LEARNING_RATE), hidden: int = 3, epochs: int = NUM_PASSES,
                      n_sharpness: int = 40) -> list[StabilityRun]:
    """The tutorial's hidden-3 run at each rate, with the sharpness at log-spaced epochs."""
    Y = one_hot(y, 2)
    at = sorted(set(np.geomspace(1, epochs, n_sharpness).astype(int).tolist()))
    runs = []
    for lr in learning_rates:
        net = _seed_network(hidden)
        snaps = Snapshots(net, at=at)
        hist = train(net, X, Y, learning_rate=lr, alpha=REG_LAMBDA, epochs=epochs, tol=None,
                     callbacks=[snaps])
        sharp = []
        for flat in snaps.flats:
            net.params.flat[...] = flat
            sharp.append(float(np.linalg.eigvalsh(hessian(net, X, Y, REG_LAMBDA))[-1]))
        runs.append(StabilityRun(lr, hist.loss, snaps.epochs, sharp))
    return runs


def plot_edge_of_stability(runs: list[StabilityRun], zoom_from: int = 2000) -> Figure:
    """Late loss at even and odd steps, the step-to-step change, sharpness against 2 / lr."""
    fig = new_figure((16, 4.2))
    ax, ax_amp, ax_sharp = fig.subplots(1, 3)
    for run in runs:
        loss = np.asarray(run.loss)
        steps = np.arange(loss.size)
        late = steps >= zoom_from
        for parity, marker in ((0, "-"), (1, "--")):
            pick = late & (steps % 2 == parity)
            ax.plot(steps[pick], loss[pick], marker, lw=1.5, label=f"lr {run.learning_rate:g}, "
                    f"{'even' if parity == 0 else 'odd'} steps")
        ax_amp.plot(steps[1:], np.abs(np.diff(loss)) + 1e-17, lw=0.8,
                    label=f"lr {run.learning_rate:g}")
        line = ax_sharp.plot(np.maximum(run.sharpness_epochs, 1), run.sharpness, "o-", ms=3,
                             label=f"sharpness, lr {run.learning_rate:g}")[0]
        ax_sharp.axhline(2 / run.learning_rate, color=line.get_color(), ls=":",
                         label=f"2 / lr = {2 / run.learning_rate:g}")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(f"hidden 3, steps >= {zoom_from}: even and odd steps")
    ax.legend(fontsize="small")
    ax_amp.set_xscale("log")
    ax_amp.set_yscale("log")
    ax_amp.set_xlabel("step")
    ax_amp.set_ylabel("|loss(t) - loss(t - 1)|")
    ax_amp.set_title("the oscillation dies out only below the edge")
    ax_amp.legend(fontsize="small")
    ax_sharp.set_xscale("log")
    ax_sharp.set_xlabel("epoch")
    ax_sharp.set_ylabel("largest Hessian eigenvalue")
    ax_sharp.set_title("sharpness hovers at 2 / lr: edge of stability")
    ax_sharp.legend(fontsize="small")
    return fig


# --- (c) summed vs averaged gradients ------------------------------------------------------
def seed_summed_losses(X: np.ndarray, y: np.ndarray, hidden: int = 3, epsilon: float = EPSILON,
                       reg_lambda: float = REG_LAMBDA, passes: int = NUM_PASSES) -> np.ndarray:
    """The seed's convention on the reference core: step ``epsilon`` along the gradient of the
    *summed* loss ``N * loss``, which is N times the mean loss's gradient.

    Returns the loss ``(CE + reg/2 sum W^2) / N`` at the start of every pass.
    """
    p = init_params((2, hidden, 2), "seed", 0)
    Ws, bs = p.coefs, p.intercepts
    N = len(X)
    losses = np.empty(passes)
    for i in range(passes):
        losses[i] = reference.loss(Ws, bs, X, y, ["tanh"], reg_lambda)
        dWs, dbs = reference.backprop(Ws, bs, X, y, ["tanh"], reg_lambda)  # of the mean loss
        # d(N loss)/dW = N dW: the seed's summed gradient, then W <- W - epsilon N dW
        Ws, bs = reference.gd_step(Ws, bs, [N * g for g in dWs], [N * g for g in dbs], epsilon)
    return losses


@dataclass
class ScaleResult:
    summed: np.ndarray  # seed's loop, epsilon on the summed loss
    mean_scaled: list[float]  # lr = epsilon * N on the mean loss
    mean_unscaled: list[float]  # lr = epsilon on the mean loss
    unscaled_net: Network
    by_size: list[tuple[int, float, str]] = field(default_factory=list)  # N, lr, outcome


def summed_vs_mean(X: np.ndarray, y: np.ndarray, hidden: int = 3, epochs: int = NUM_PASSES,
                   sizes: tuple[int, ...] = DATA_SIZES, size_epochs: int = 2000) -> ScaleResult:
    """The seed's summed run, the same run as lr = epsilon * N, and epsilon kept on the mean.

    ``by_size``: the seed's epsilon on the summed loss for larger moons samples, i.e. a mean-loss
    rate ``epsilon * N`` that grows with N (trained for ``size_epochs``).
    """
    Y = one_hot(y, 2)
    summed = seed_summed_losses(X, y, hidden, passes=epochs)
    scaled = train(_seed_network(hidden), X, Y, learning_rate=EPSILON * len(X), alpha=REG_LAMBDA,
                   epochs=epochs, tol=None)
    net = _seed_network(hidden)
    unscaled = train(net, X, Y, learning_rate=EPSILON, alpha=REG_LAMBDA, epochs=epochs, tol=None)
    by_size = []
    for n in sizes:
        Xn, yn = moons(n, noise=0.2, random_state=0)
        lr = EPSILON * n
        try:
            hist = train(_seed_network(hidden), Xn, one_hot(yn, 2), learning_rate=lr,
                         alpha=REG_LAMBDA, epochs=size_epochs, tol=None)
            tail = np.asarray(hist.loss[-100:])
            outcome = f"final loss {hist.loss[-1]:.4f}, last 100 epochs span {np.ptp(tail):.2g}"
        except DivergenceError as exc:
            outcome = f"diverged at epoch {exc.history.n_epochs + 1}"
        by_size.append((n, lr, outcome))
    return ScaleResult(summed, scaled.loss, unscaled.loss, net, by_size)


def plot_summed_vs_mean(res: ScaleResult, X: np.ndarray, y: np.ndarray) -> Figure:
    fig = new_figure((12, 4.2))
    ax, ax2 = fig.subplots(1, 2)
    plot_loss_curve(res.summed.tolist(), ax=ax,
                    label=f"seed: epsilon {EPSILON:g} on the summed loss")
    ax.plot(np.arange(1, len(res.mean_scaled) + 1), res.mean_scaled, ":", lw=2,
            label=f"lr = epsilon * N = {EPSILON * len(X):g} on the mean loss")
    ax.plot(np.arange(1, len(res.mean_unscaled) + 1), res.mean_unscaled, lw=1.2,
            label=f"lr = {EPSILON:g} on the mean loss (epsilon kept)")
    ax.set_xscale("log")
    ax.set_xlabel("pass")
    ax.legend(fontsize="small")
    ax.set_title("the same step, written two ways; and a 200x smaller one")
    plot_probability_boundary(res.unscaled_net.predict_proba, X, y, ax=ax2, colorbar=False,
                              title=f"lr {EPSILON:g} on the mean loss, {len(res.mean_unscaled)} "
                              "passes: underfit")
    return fig


# --- (d) softmax overflow ------------------------------------------------------------------
def naive_softmax(z: np.ndarray) -> np.ndarray:
    """The seed's ``exp(z) / sum(exp(z))`` without a shift (overflow silenced, not avoided)."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / np.sum(e, axis=1, keepdims=True)


def softmax_overflow(scales: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray,
                                                                 np.ndarray]:
    """P(class 0) of the logits ``[s, s - 1]`` (true value 1/(1 + e^-1) = 0.731 for every s).

    Returns ``(scales, naive, nnscratch)``.
    """
    s = np.linspace(0.0, 1000.0, 401) if scales is None else np.asarray(scales, float)
    z = np.c_[s, s - 1.0]
    ours = z.copy()
    softmax(ours)
    return s, naive_softmax(z)[:, 0], ours[:, 0]


def plot_softmax_overflow(scales: np.ndarray, naive: np.ndarray, ours: np.ndarray) -> Figure:
    ax = new_figure((7, 4)).add_subplot()
    ax.plot(scales, ours, lw=3, alpha=0.6, label="nnscratch softmax")
    ax.plot(scales, naive, "--", lw=1.5, label="seed: exp(z) / sum exp(z)")
    bad = ~np.isfinite(naive)
    if bad.any():
        ax.axvspan(scales[bad].min(), scales.max(), color="red", alpha=0.12,
                   label=f"seed gives nan (logit > {np.log(np.finfo(float).max):.2f})")
    ax.set_xlabel("s (logits [s, s - 1])")
    ax.set_ylabel("P(class 0)")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower left", fontsize="small")
    ax.set_title("the unshifted softmax overflows for large logits")
    return ax.figure  # type: ignore[return-value]


# --- all four, as figures and report sections ----------------------------------------------
def run_insights(out_dir: str | Path, epochs: int = NUM_PASSES,
                 size_epochs: int = 2000) -> tuple[dict[str, Path], list[Section]]:
    """Compute (a)-(d) on the tutorial's data, write ``insight_*.png`` to ``out_dir``.

    Returns the figure paths and one report section per insight.
    """
    out = Path(out_dir)
    X, y = moons(N_SAMPLES, noise=0.2, random_state=0)
    X_test, y_test = moons(N_SAMPLES, noise=0.2, random_state=TEST_SEED)
    figs: dict[str, Path] = {}
    sections = []

    rows, nets = reg_strength_sweep(X, y, X_test, y_test, epochs=epochs)
    figs["l2"] = save_figure(plot_reg_sweep(rows, nets, X, y), out / "insight_l2_sweep.png")
    sections.append(Section(
        "(a) The two L2 lines are not unnecessary",
        "The translator's note calls dW += reg_lambda * W unnecessary. Deleting the lines is "
        "alpha = 0: the weights keep growing and the hidden-50 network bends its boundary "
        "around single points (training accuracy 1.0). Larger alpha keeps the weights small and "
        "the boundary smooth; too large underfits.",
        tables=[Table.from_records(rows, caption=f"hidden 50, lr {LEARNING_RATE:g}, "
                                   f"{epochs} passes; test: moons seed {TEST_SEED}")],
        figures=[figs["l2"]]))

    runs = edge_of_stability(X, y, epochs=epochs)
    figs["eos"] = save_figure(plot_edge_of_stability(runs), out / "insight_edge_of_stability.png")
    eos_rows = [[r.learning_rate, 2 / r.learning_rate, r.sharpness[-1], r.loss[-2], r.loss[-1]]
                for r in runs]
    sections.append(Section(
        "(b) At the seed's learning rate the loss oscillates with period 2",
        "Gradient descent on a quadratic is stable only while the curvature stays below 2 / lr. "
        "At lr 2.0 (the seed's epsilon 0.01 on 200 points) the sharpness of the loss (largest "
        "eigenvalue of its Hessian) rises to 2 / lr = 1 and hovers around it, and the iterates "
        "bounce across a valley: the loss alternates between two values for good (the seed's "
        "printed 0.070758 is one of them). At lr 1.0 the sharpness stays below 2 / lr = 2 at the "
        "end and the loss settles.",
        tables=[Table(["lr", "2 / lr", "final sharpness", "loss, 2nd last step",
                       "loss, last step"], eos_rows, caption="hidden 3, alpha 0.01")],
        figures=[figs["eos"]]))

    res = summed_vs_mean(X, y, epochs=epochs, size_epochs=size_epochs)
    figs["scale"] = save_figure(plot_summed_vs_mean(res, X, y), out / "insight_summed_vs_mean.png")
    gap = float(np.max(np.abs(res.summed - np.asarray(res.mean_scaled))))
    sections.append(Section(
        "(c) Summed vs averaged gradients: the learning rate depends on N",
        f"The seed steps epsilon = {EPSILON:g} along the gradient of the summed loss. That is "
        f"lr = epsilon * N = {EPSILON * N_SAMPLES:g} on the mean loss (largest difference of the "
        f"two loss curves: {gap:.2g}). Keeping 0.01 on the mean loss is a {N_SAMPLES} times "
        "smaller step: after as many passes the network is still underfit. And with the summed "
        "convention the same epsilon becomes a larger step on more data:",
        tables=[Table(["N", "lr on the mean loss", "outcome"], res.by_size,
                      caption=f"epsilon {EPSILON:g} on the summed loss, hidden 3, "
                      f"{size_epochs} passes")],
        figures=[figs["scale"]]))

    scales, naive, ours = softmax_overflow()
    figs["softmax"] = save_figure(plot_softmax_overflow(scales, naive, ours),
                                  out / "insight_softmax_overflow.png")
    probe = softmax_overflow(np.array([1.0, 700.0, 710.0, 1000.0]))
    sections.append(Section(
        "(d) The unshifted softmax overflows",
        "exp(z) overflows to inf for z above log(max float) = 709.78; inf / inf is nan. "
        "softmax(z) = softmax(z - max z), so nnscratch shifts each row by its maximum outside "
        "the safe range and returns the right probabilities.",
        tables=[Table(["s", "seed P(class 0)", "nnscratch P(class 0)"],
                      [list(r) for r in zip(*probe)], caption="logits [s, s - 1]")],
        figures=[figs["softmax"]]))
    return figs, sections
