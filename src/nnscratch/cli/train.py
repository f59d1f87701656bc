"""``nnscratch train``: train a network on a built-in dataset or a CSV file; print accuracies;
write the decision boundary (2-D data) and the loss curve.

Labels of any kind (strings, ints not 0..K-1) are mapped with scikit-learn's LabelEncoder.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnscratch.cli._common import CLIError, output_dir, positive_int
from nnscratch.cli._model import check_save_path, finish, save_trained
from nnscratch.cli.gradcheck import parse_sizes

if TYPE_CHECKING:
    from nnscratch.viz import Image

DEFAULT_OUT = "out/train"


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {value}")
    return value


def add_parser(sub: Any) -> None:
    from nnscratch.datasets import GENERATORS
    from nnscratch.engine import INITIALIZERS
    from nnscratch.experiments.exercises import OPTIMIZERS, SCHEDULES

    p = sub.add_parser("train", help="train a network on a dataset or a CSV file",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = p.add_argument_group("data")
    from nnscratch.experiments.real_data import NAMES as REAL

    data.add_argument("--dataset", choices=[*sorted(GENERATORS), *REAL], default=None,
                      help="built-in dataset, generated or scikit-learn's real "
                      f"{', '.join(REAL)} (default: moons, unless --csv)")
    data.add_argument("--csv", metavar="FILE", help="your own data: CSV with a header row")
    data.add_argument("--chunked", action="store_true",
                      help="read --csv in chunks (files larger than memory; partial_fit)")
    data.add_argument("--chunk-rows", type=positive_int, default=65536,
                      help="rows per chunk with --chunked (default 65536)")
    data.add_argument("--target", metavar="COL",
                      help="label column of --csv (name or 0-based index; default: last)")
    data.add_argument("--samples", type=positive_int, default=300,
                      help="samples of a built-in dataset (default 300)")
    data.add_argument("--classes", type=positive_int, default=None,
                      help="classes (spirals: arms) of spirals, blobs, gaussian_quantiles")
    data.add_argument("--noise", type=float, default=None, help="noise of a built-in dataset")
    data.add_argument("--test-size", type=_fraction, default=0.25,
                      help="held-out fraction for the test accuracy (default 0.25; 0: none)")
    data.add_argument("--scale", choices=("auto", "standard", "none"), default="auto",
                      help="standardise features (auto: for --csv only)")
    net = p.add_argument_group("network")
    net.add_argument("--hidden", default="20", help="hidden sizes, comma separated (default 20)")
    net.add_argument("--activation", default="tanh",
                     help="hidden activation, or one per layer comma separated (default tanh)")
    net.add_argument("--init", choices=INITIALIZERS, default="glorot",
                     help="initial weights (default glorot)")
    fit = p.add_argument_group("training")
    fit.add_argument("--optimizer", "--solver", dest="optimizer", choices=OPTIMIZERS,
                     default="sgd", help="gd is full batch; the others use --batch-size "
                     "(default sgd)")
    fit.add_argument("--batch-size", type=positive_int, default=None,
                     help="minibatch size (default 32; not with gd)")
    fit.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    fit.add_argument("--schedule", choices=SCHEDULES, default="constant",
                     help="learning-rate schedule (default constant)")
    fit.add_argument("--decay", type=float, default=1e-4,
                     help="per-step decay of invtime/exponential (default 0.0001)")
    fit.add_argument("--momentum", type=float, default=0.9,
                     help="momentum/nesterov coefficient (default 0.9)")
    fit.add_argument("--alpha", type=float, default=1e-4, help="L2 strength (default 0.0001)")
    fit.add_argument("--epochs", type=positive_int, default=200, help="epochs (default 200)")
    fit.add_argument("--validation-fraction", type=_fraction, default=0.0,
                     help="fraction of the training data held out for validation curves "
                     "(default 0; 0.1 with --early-stopping)")
    fit.add_argument("--early-stopping", action="store_true",
                     help="stop when validation accuracy stalls; keep the best weights")
    fit.add_argument("--patience", type=positive_int, default=10,
                     help="epochs without improvement before early stopping (default 10)")
    fit.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.add_argument("--animate", action="store_true",
                   help="also write a GIF of the decision boundary evolving (2-D data)")
    p.add_argument("--save", metavar="FILE", help="save the trained model (.npz, no pickle; "
                   "also after divergence or Ctrl-C) for nnscratch predict / nnscratch.load")
    p.set_defaults(run=run)


def load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray, str]:
    """Features, raw labels and a description, from --csv or --dataset."""
    from nnscratch.datasets import load_csv, make_dataset

    if args.csv is not None:
        if args.dataset is not None:
            raise CLIError("give either --dataset or --csv, not both")
        extra = [f"--{name}" for name in ("classes", "noise") if getattr(args, name) is not None]
        if extra:
            raise CLIError(f"{', '.join(extra)} only apply to built-in datasets; "
                           "drop them with --csv")
        target: str | int | None = args.target
        if args.target is not None and args.target not in _header(args.csv) \
                and args.target.lstrip("-").isdigit():
            target = int(args.target)
        X, y = load_csv(args.csv, target=target)
        return X, y, str(args.csv)
    if args.target is not None:
        raise CLIError("--target needs --csv FILE")
    name = args.dataset or "moons"
    from nnscratch.experiments import real_data

    if name in real_data.NAMES:  # --samples, --noise and --classes do not apply
        return (*real_data.load(name), name)
    X, y = make_dataset(name, n_samples=args.samples, n_classes=args.classes, noise=args.noise,
                        random_state=args.seed)
    return X, y, name


def _header(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return [c.strip() for c in fh.readline().split(",")]
    except OSError:
        return []  # load_csv reports the missing file


@dataclass
class Fitted:
    """What the fitting step gives back: a predictor of encoded labels and its history."""

    network: Any
    history: Any
    snapshots: Any = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        from nnscratch.experiments.exercises import predict

        return predict(self.network, X)


def fit(args: argparse.Namespace, X: np.ndarray, y: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None, snapshots: bool = False) -> Fitted:
    """The fitting step: a network for encoded labels ``y`` (0..K-1), trained per ``args``;
    with ``snapshots``, its parameters are recorded at log-spaced epochs (for ``--animate``)."""
    from nnscratch.experiments.exercises import fit_network, make_network, make_schedule
    from nnscratch.viz import Snapshots

    hidden, acts = _network_shape(args)
    activation = acts[0] if len(acts) == 1 else acts
    net = make_network(X.shape[1], int(np.max(y)) + 1, hidden=hidden, activation=activation,
                       init=args.init, random_state=args.seed)
    snaps = Snapshots.log_spaced(net, args.epochs) if snapshots else None
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is reported as an error
        net, history = fit_network(
            X, y, net=net, hidden=hidden, activation=activation,
            init=args.init, optimizer=args.optimizer,
            learning_rate=make_schedule(args.schedule, args.lr, decay=args.decay),
            momentum=args.momentum, alpha=args.alpha, epochs=args.epochs,
            batch_size=args.batch_size or 32, random_state=args.seed, validation=validation,
            early_stopping=args.early_stopping, tol=1e-4 if args.early_stopping else None,
            n_iter_no_change=args.patience, verbose=True,
            callbacks=[snaps] if snaps is not None else (),
        )
    return Fitted(net, history, snaps)


def _network_shape(args: argparse.Namespace) -> tuple[tuple[int, ...], list[str]]:
    """Hidden sizes and activation names from ``--hidden`` and ``--activation``, checked."""
    from nnscratch.engine import get_activation

    hidden = parse_sizes(args.hidden)
    acts = [get_activation(a.strip()).name for a in args.activation.split(",")]
    if len(acts) not in (1, len(hidden)):
        raise CLIError(f"--activation {args.activation!r} names {len(acts)} activations for "
                       f"{len(hidden)} hidden layers; give one, or one per layer")
    return hidden, acts


def _check_args(args: argparse.Namespace) -> None:
    """Fail on wrong settings before any data is loaded or trained on."""
    _network_shape(args)
    if not 0 <= args.momentum <= 1:
        raise CLIError(f"--momentum must be in [0, 1]; got {args.momentum}")
    if args.optimizer == "gd" and args.batch_size is not None:
        raise CLIError(f"--optimizer gd is full-batch gradient descent; drop --batch-size "
                       f"{args.batch_size} or use --optimizer sgd")
    if not (np.isfinite(args.lr) and args.lr > 0):
        raise CLIError(f"--lr must be a number > 0; got {args.lr}")
    if not (np.isfinite(args.alpha) and args.alpha >= 0):
        raise CLIError(f"--alpha must be a number >= 0; got {args.alpha}")
    if args.early_stopping and args.validation_fraction == 0:
        args.validation_fraction = 0.1


def _split(X: np.ndarray, y: np.ndarray, fraction: float,
           seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    counts = np.bincount(y)
    stratify = y if counts.min() >= 2 and round(fraction * len(y)) >= len(counts) else None
    try:
        parts = train_test_split(X, y, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError as exc:
        raise CLIError(f"cannot hold out {fraction} of {len(y)} samples: {exc}") from None
    return parts[0], parts[1], parts[2], parts[3]


def run(args: argparse.Namespace) -> int:
    from sklearn.preprocessing import LabelEncoder, StandardScaler

    from nnscratch.engine import DivergenceError

    _check_args(args)
    if args.chunked:
        from nnscratch.cli._chunked import run_chunked

        return run_chunked(args)
    if args.save:
        check_save_path(args.save)
    X, y_raw, source = load_data(args)
    encoder = LabelEncoder().fit(y_raw)
    y = encoder.transform(y_raw)
    classes = encoder.classes_.tolist()  # Python values: plain reprs in messages
    if len(classes) < 2:
        raise CLIError(f"{source} has a single class ({classes[0]!r}); need at least 2 to train")
    if args.test_size:
        X_tr, X_te, y_tr, y_te = _split(X, y, args.test_size, args.seed)
    else:
        X_tr, X_te, y_tr, y_te = X, X[:0], y, y[:0]
    if len(np.unique(y_tr)) < len(classes):
        raise CLIError("the training split lacks a class; use a smaller --test-size or more data")
    validation = None
    if args.validation_fraction:
        X_tr, X_val, y_tr, y_val = _split(X_tr, y_tr, args.validation_fraction, args.seed)
    from nnscratch.experiments import real_data

    scale = args.scale == "standard" or (args.scale == "auto" and (
        args.csv is not None or source in real_data.NAMES))
    scaler = StandardScaler().fit(X_tr) if scale else None

    def prep(A: np.ndarray) -> np.ndarray:
        return scaler.transform(A) if scaler is not None else A

    if args.validation_fraction:
        validation = (prep(X_val), y_val)

    out = output_dir(args.out)
    if args.animate and X.shape[1] != 2:
        raise CLIError(f"--animate draws 2-D decision boundaries; the data has {X.shape[1]} "
                       "features: drop --animate")
    printed: list[str] = []

    def say(line: str) -> None:
        print(line)
        printed.append(line)

    shown = ", ".join(str(c) for c in classes[:10]) + (", ..." if len(classes) > 10 else "")
    say(f"data: {source}, {len(y)} samples, {X.shape[1]} features, {len(classes)} classes "
        f"({shown}); {len(y_tr)} train, {len(y_te)} test"
        + (f", {len(validation[1])} validation" if validation else ""))
    try:
        fitted = fit(args, prep(X_tr), y_tr, validation, snapshots=args.animate)
    except DivergenceError as exc:  # keep the last finite model, then report the error
        if args.save and exc.network is not None:
            path = save_trained(args.save, exc.network, classes, args, exc.history, scaler)
            print(f"saved the last finite model to {path}")
        raise
    net, hist = fitted.network, fitted.history
    batch = ("full batch" if args.optimizer == "gd"
             else f"batch {min(args.batch_size or 32, len(y_tr))}")
    say(f"network: {'-'.join(map(str, net.layer_sizes))}, {args.activation}, {args.init} init; "
        f"{args.optimizer}, {batch}, lr {args.lr:g} ({args.schedule}), alpha {args.alpha:g}")
    if not hist.loss:  # Ctrl-C before the first epoch ended
        return finish(args, net, classes, hist, scaler)
    say(f"trained {hist.n_epochs} epochs ({hist.stop_reason}), final loss {hist.loss[-1]:.6f}")
    train_acc = float(np.mean(fitted.predict(prep(X_tr)) == y_tr))
    say(f"train accuracy: {train_acc:.4f}")
    if validation is not None:
        say(f"best validation accuracy: {max(hist.val_score):.4f}")
    if len(y_te):
        test_acc = float(np.mean(fitted.predict(prep(X_te)) == y_te))
        say(f"test accuracy: {test_acc:.4f}")
    code = finish(args, net, classes, hist, scaler)  # the model first: no figure can lose it
    if code:
        return code
    from nnscratch.viz import Section, write_report

    lines, more = real_data.evaluate(out, source, classes, X_tr, y_tr, X_te, y_te, prep,
                                     fitted.predict, lambda Z, b: fit(args, Z, b, None)
                                     .network.predict_proba)
    for line in lines:
        say(line)
    figures = draw(out, source, X, y, net, hist, prep, fitted.snapshots) + more
    report = write_report(out, f"nnscratch train: {source}",
                          [Section("Output", pre="\n".join(printed), figures=figures)],
                          settings={k: v for k, v in sorted(vars(args).items()) if k != "run"})
    for image in figures:
        print(f"wrote {image.path}")
    print(f"wrote {report}")
    return 0


def draw(out: Path, source: str, X: np.ndarray, y: np.ndarray, net: Any, hist: Any,
         prep: Callable[[np.ndarray], np.ndarray], snapshots: Any) -> list[Image]:
    """The loss curve; for 2-D data the probability boundary and, if recorded, the GIF."""
    from nnscratch.viz import (
        Image,
        animate_boundary,
        plot_loss_curve,
        plot_probability_boundary,
        save_figure,
    )

    figures = [Image(save_figure(plot_loss_curve(  # type: ignore[arg-type]
        hist.loss, val_loss=hist.val_loss or None, title=f"Training loss ({source})").figure,
        out / "loss_curve.png"), "Training loss")]
    if X.shape[1] != 2:
        print(f"no boundary figure: the data has {X.shape[1]} features, not 2")
        return figures
    ax = plot_probability_boundary(lambda A: net.predict_proba(prep(A)), X, y, h=None,
                                   title=f"Decision boundary ({source})")
    figures.append(Image(save_figure(ax.figure, out / "boundary.png"),  # type: ignore[arg-type]
                         "Decision boundary: probability shading, wrong predictions crossed"))
    if snapshots is not None:
        gif = animate_boundary(net, snapshots, prep(X), y, out / "training.gif", h=None,
                               title=source)
        figures.append(Image(gif, "The boundary during training (standardised axes)"
                             if prep(X) is not X else "The boundary during training"))
    return figures
