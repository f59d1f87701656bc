"""The tutorial's report: pictures of training and ``index.html`` beside the tutorial's figures.

``nnscratch tutorial`` runs :func:`nnscratch.experiments.tutorial.run_tutorial`, prints its lines,
then calls :func:`write_tutorial_report`, which adds

- pictures of the hidden-3 training run: probability shading with misclassified points crossed,
  train/validation loss, activation maps of the hidden neurons, the network as a graph, and
  (``animate=True``) a GIF of the boundary evolving;
- the figures of :mod:`nnscratch.experiments.insights` (``insights=True``);
- ``index.html``: every figure, the printed output, the results table and the settings.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import numpy as np

from nnscratch._version import __version__
from nnscratch.datasets import moons
from nnscratch.engine import Network, Params
from nnscratch.engine.callbacks import Snapshots
from nnscratch.engine.losses import one_hot
from nnscratch.experiments.tutorial import (
    EPSILON,
    HIDDEN_SIZES,
    LEARNING_RATE,
    N_SAMPLES,
    NUM_PASSES,
    REG_LAMBDA,
    TEST_SEED,
    TutorialResult,
)
from nnscratch.viz import Margins, new_axes, plot_loss_curve, save_figure
from nnscratch.viz.activation_maps import plot_activation_maps
from nnscratch.viz.animate import animate_boundary
from nnscratch.viz.boundary import plot_probability_boundary
from nnscratch.viz.network_graph import plot_network
from nnscratch.viz.report import Image, Section, Table, write_report

FIGURE_CAPTIONS = {  # run_tutorial's figures
    "data": "The data: make_moons(200, noise=0.2), seed 0",
    "logreg": "Logistic regression: a straight boundary",
    "hidden3": "The network, hidden layer size 3",
    "sweep": "Hidden layer sizes 1, 2, 3, 4, 5, 20, 50",
    "loss": "Loss of the hidden-3 network after each pass",
}


# Fixed margins, checked by eye, of the pictures of the hidden-3 run (each save then skips
# constrained layout's pass): a 6 x 4.5 in plane with a colour bar, log-log loss curves, the
# 2 x 2 activation maps (5.2 x 4.7 in) with a colour bar and a suptitle, the graph (axis off).
PROBA_MARGINS = Margins(left=0.11, bottom=0.105, right=1.0, top=0.94)
CURVES_MARGINS = Margins(left=0.15, bottom=0.11, right=0.985, top=0.94)
MAPS_MARGINS = Margins(left=0.01, bottom=0.01, right=0.96, top=0.9, wspace=0.045, hspace=0.13)
GRAPH_MARGINS = Margins(left=0.006, bottom=0.012, right=0.994, top=0.92)


def tutorial_settings(num_passes: int = NUM_PASSES) -> dict[str, object]:
    """The run's settings, as the report shows them."""
    return {
        "data": f"make_moons({N_SAMPLES}, noise=0.2), random_state 0",
        "held-out data": f"make_moons({N_SAMPLES}, noise=0.2), random_state {TEST_SEED}",
        "network": "2 - hidden (tanh) - 2 (softmax)",
        "hidden sizes": ", ".join(map(str, HIDDEN_SIZES)),
        "initialisation": "seed: randn(fan_in, fan_out) / sqrt(fan_in), zero biases, "
                          "RandomState(0)",
        "optimizer": "full-batch gradient descent",
        "passes": num_passes,
        "epsilon (summed loss)": EPSILON,
        "learning rate (mean loss) = epsilon * N": LEARNING_RATE,
        "reg_lambda = alpha": REG_LAMBDA,
        "nnscratch": __version__,
        "numpy": np.__version__,
        "scikit-learn": version("scikit-learn"),  # not imported by this process
    }


def held_out_losses(snapshots: Snapshots, net: Network, X: np.ndarray,
                    y: np.ndarray) -> np.ndarray:
    """Mean cross-entropy (no L2) on ``(X, y)`` of ``net``'s architecture with the parameters
    of each snapshot."""
    Y = one_hot(y, net.layer_sizes[-1])
    return np.array([Network(Params(net.layer_sizes, flat=flat.copy()), net.activations).loss(X, Y)
                     for flat in snapshots.flats])


def training_pictures(result: TutorialResult, out_dir: str | Path,
                      animate: bool = False) -> dict[str, Image]:
    """Pictures of the tutorial's hidden-3 run, from what :func:`run_tutorial` kept of it (the
    trained network, its history and log-spaced parameter snapshots): nothing is retrained."""
    out = Path(out_dir)
    net, snaps, hist = result.network, result.snapshots, result.history
    if net is None or snaps is None:
        raise ValueError("the tutorial result has no hidden-3 network and snapshots to draw")
    X, y = moons(N_SAMPLES, noise=0.2, random_state=0)
    X_test, y_test = moons(N_SAMPLES, noise=0.2, random_state=TEST_SEED)
    hidden = net.layer_sizes[1]
    pics: dict[str, Image] = {}
    name = f"hidden_{hidden}"
    ax = plot_probability_boundary(net.predict_proba, X, y, ax=new_axes(margins=PROBA_MARGINS),
                                   title=f"hidden {hidden}: P(class 1), errors crossed")
    pics["proba"] = Image(save_figure(ax.figure, out / f"probability_{name}.png"),  # type: ignore[arg-type]
                          "Probability shading, 0.5 contour, misclassified points crossed")
    ax = plot_loss_curve(hist.loss, ax=new_axes(margins=CURVES_MARGINS),
                         title=f"hidden {hidden}: training vs held-out loss")
    epochs = np.asarray(snaps.epochs)
    after = epochs >= 1  # the snapshot of the initial weights has no place on a log axis
    ax.plot(epochs[after], held_out_losses(snaps, net, X_test, y_test)[after], "o-", ms=3, lw=1.0,
            label=f"held-out cross-entropy (moons seed {TEST_SEED})")
    ax.set_xscale("log")
    ax.legend()
    pics["curves"] = Image(save_figure(ax.figure, out / f"train_validation_loss_{name}.png"),  # type: ignore[arg-type]
                           "Training loss (with L2) per pass; held-out cross-entropy at "
                           f"{len(snaps)} log-spaced passes")
    pics["maps"] = Image(save_figure(plot_activation_maps(net, X, y, margins=MAPS_MARGINS),
                                     out / f"activation_maps_{name}.png"),
                         "What each hidden neuron computes: tanh(x W1 + b1) over the plane")
    ax = plot_network(net, title=f"hidden {hidden}: edge width |w|, red positive, blue negative",
                      margins=GRAPH_MARGINS)
    pics["graph"] = Image(save_figure(ax.figure, out / f"network_graph_{name}.png"),  # type: ignore[arg-type]
                          "The trained network as a graph (node colour: bias)")
    if animate:
        pics["gif"] = Image(animate_boundary(net, snaps, X, y, out / f"training_{name}.gif",
                                             title=f"hidden {hidden}"),
                            "The boundary during training (log-spaced passes)")
    return pics


def write_tutorial_report(result: TutorialResult, out_dir: str | Path, printed: str,
                          num_passes: int = NUM_PASSES, insights: bool = False,
                          animate: bool = False,
                          pictures: dict[str, Image] | None = None) -> Path:
    """Pictures of training, the insight figures and ``index.html`` in ``out_dir``.

    Parameters
    ----------
    result : what :func:`run_tutorial` returned (its figures must be in ``out_dir``)
    out_dir : the tutorial's output folder
    printed : the text the command printed (shown as is)
    num_passes : passes of the tutorial's runs
    insights : also compute and show :mod:`nnscratch.experiments.insights`
    animate : also write the training GIF
    pictures : :func:`training_pictures` of ``result``, drawn already (``nnscratch tutorial``
        draws them while the other sizes train); drawn here if None

    Returns
    -------
    path : Path of ``index.html``
    """
    out = Path(out_dir)
    sections = [
        Section("Output", "What nnscratch tutorial printed: the tutorial's loss lines, "
                "reproduced exactly, then one row per model.", pre=printed,
                tables=[Table.from_records(result.rows, caption="Results (test: held-out "
                                           f"moons, seed {TEST_SEED})")]),
        Section("The tutorial's figures",
                figures=[Image(path, FIGURE_CAPTIONS.get(key, path.name))
                         for key, path in result.figures.items()]),
    ]
    pics = training_pictures(result, out, animate=animate) if pictures is None else pictures
    sections.append(Section("Pictures of training (hidden 3)",
                            "The hidden-3 run, watched (parameter snapshots at log-spaced "
                            "passes): watching changes none of its steps.",
                            figures=list(pics.values())))
    if insights:
        from nnscratch.experiments.insights import run_insights

        _, extra = run_insights(out, epochs=num_passes, size_epochs=min(2000, num_passes))
        sections += extra
    return write_report(out, "nnscratch tutorial: Implementing a Neural Network from Scratch",
                        sections, settings=tutorial_settings(num_passes),
                        intro="The classic tutorial reproduced by nnscratch, with every figure. "
                        "Regenerate this page with: nnscratch tutorial --out DIR")
