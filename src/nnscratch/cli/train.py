"""``nnscratch train``: train a network on a built-in dataset or a CSV file; print accuracies;
write the decision boundary (2-D data) and the loss curve.

The network is an MLPClassifier (--optimizer gd|sgd|momentum|nesterov|adam are its solvers, the
schedules are the engine's). Labels of any kind (strings, ints not 0..K-1) are mapped with
scikit-learn's LabelEncoder.
"""

from __future__ import annotations

import argparse
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnscratch.cli._common import CLIError, output_dir, parse_sizes, positive_int
from nnscratch.cli._model import (
    SOLVERS,
    check_save_path,
    finish,
    model_of_raw_columns,
    save_model,
)

if TYPE_CHECKING:
    from nnscratch import MLPClassifier
    from nnscratch.engine import History, Network
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
    from nnscratch.datasets import GENERATORS, REAL_DATASETS
    from nnscratch.engine import INITIALIZERS, OPTIMIZERS, SCHEDULES

    p = sub.add_parser("train", help="train a network on a dataset or a CSV file",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data = p.add_argument_group("data")
    real = tuple(REAL_DATASETS)
    data.add_argument("--dataset", choices=[*sorted(GENERATORS), *real], default=None,
                      help="built-in dataset, generated or scikit-learn's real "
                      f"{', '.join(real)} (default: moons, unless --csv)")
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
        X, y = load_csv(args.csv, target=args.target)
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


@dataclass
class Watch:
    """Training callback: keeps the engine's history and scores held-out data every epoch."""

    validation: tuple[np.ndarray, np.ndarray] | None = None  # (X, encoded y)
    history: History | None = None
    val_loss: list[float] = field(default_factory=list)
    val_score: list[float] = field(default_factory=list)

    def __call__(self, history: History, network: Network) -> None:
        from sklearn.metrics import accuracy_score, log_loss

        self.history = history
        if self.validation is not None:
            X, y = self.validation
            proba = network.predict_proba(X)
            self.val_score.append(float(accuracy_score(y, np.argmax(proba, axis=1))))
            self.val_loss.append(float(log_loss(y, proba, labels=range(proba.shape[1]))))

    @property
    def stop_reason(self) -> str:
        return "interrupted" if self.history is None else self.history.stop_reason


@dataclass
class Fitted:
    """What the fitting step gives back: the estimator (encoded labels), its watch, snapshots."""

    estimator: MLPClassifier
    watch: Watch
    snapshots: Any = None
    diverged: Exception | None = None  # the DivergenceError; the estimator keeps the last
    # finite weights

    @property
    def val_loss(self) -> list[float]:
        return self.watch.val_loss or (self.watch.history.val_loss if self.watch.history else [])

    @property
    def val_score(self) -> list[float]:
        return self.watch.val_score or self.estimator.validation_scores_ or []


def estimator(args: argparse.Namespace, callbacks: list[Any]) -> MLPClassifier:
    """The MLPClassifier that ``args`` describe."""
    from nnscratch import MLPClassifier
    from nnscratch.engine import get_schedule

    hidden, acts = _network_shape(args)
    solver = dict(SOLVERS[args.optimizer])
    if args.optimizer in ("momentum", "nesterov"):
        solver["momentum"] = args.momentum
    schedule: Any = "constant" if args.schedule == "constant" else \
        get_schedule(args.schedule, args.lr, decay=args.decay)
    return MLPClassifier(
        hidden, activation=acts[0] if len(acts) == 1 else tuple(acts), **solver,
        alpha=args.alpha, batch_size="auto" if args.optimizer == "gd" else args.batch_size or 32,
        learning_rate=schedule, learning_rate_init=args.lr, max_iter=args.epochs,
        random_state=args.seed, tol=1e-4 if args.early_stopping else None, verbose=True,
        early_stopping=bool(args.early_stopping), n_iter_no_change=args.patience,
        validation_fraction=args.validation_fraction or 0.1, init=args.init, callbacks=callbacks)


def fit(args: argparse.Namespace, X: np.ndarray, y: np.ndarray,
        validation: tuple[np.ndarray, np.ndarray] | None, snapshots: bool = False) -> Fitted:
    """The fitting step: an MLPClassifier for encoded labels ``y`` (0..K-1), trained per
    ``args``, scored on ``validation`` every epoch; with ``snapshots``, its parameters are
    recorded at log-spaced epochs (for ``--animate``)."""
    from nnscratch.engine import DivergenceError
    from nnscratch.engine.callbacks import Snapshots

    watch = Watch(validation)
    snaps = Snapshots.log_spaced(None, args.epochs) if snapshots else None
    clf = estimator(args, [watch] if snaps is None else [watch, snaps])
    try:
        # divergence and Ctrl-C are reported by this command as one line each, not as warnings
        with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Training interrupted", UserWarning)
            clf.fit(X, y)
    except DivergenceError as exc:
        return Fitted(clf, watch, snaps, diverged=exc)
    return Fitted(clf, watch, snaps)


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


class Standardizer:
    """StandardScaler's ``(x - mean_) / scale_`` per column, fitted on ``x / 2^k`` (``k`` per
    column, so that ``|x / 2^k| <= 1``): the same numbers bit for bit (scaling by a power of two
    is exact), without squaring values like 1e300 into an overflow. A constant column gets
    ``scale_ = 1``, as in StandardScaler.
    """

    def __init__(self, X: np.ndarray) -> None:
        from sklearn.preprocessing import StandardScaler

        unit = np.ldexp(1.0, np.frexp(np.max(np.abs(X), axis=0))[1])
        inner = StandardScaler().fit(X / unit)
        self.mean_ = inner.mean_ * unit
        self.scale_ = np.where(inner.var_ == 0, 1.0, inner.scale_ * unit)

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) / self.scale_


def run(args: argparse.Namespace) -> int:
    from sklearn.preprocessing import LabelEncoder

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
    validation, n_val = None, 0
    if args.early_stopping:  # the estimator holds out validation_fraction of X_tr itself
        n_val = math.ceil(args.validation_fraction * len(y_tr))  # train_test_split's count
    elif args.validation_fraction:
        X_tr, X_val, y_tr, y_val = _split(X_tr, y_tr, args.validation_fraction, args.seed)
    from nnscratch.experiments import real_data

    scale = args.scale == "standard" or (args.scale == "auto" and (
        args.csv is not None or source in real_data.NAMES))
    scaler = Standardizer(X_tr) if scale else None

    def prep(A: np.ndarray) -> np.ndarray:
        return scaler.transform(A) if scaler is not None else A

    if args.validation_fraction and not args.early_stopping:
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
        f"({shown}); {len(y_tr) - (n_val if args.early_stopping else 0)} train, {len(y_te)} test"
        + (f", {n_val} validation" if n_val else ""))
    fitted = fit(args, prep(X_tr), y_tr, validation, snapshots=args.animate)
    clf = fitted.estimator
    names = None
    if args.csv is not None:
        from nnscratch.datasets import csv_header, target_column

        header = csv_header(args.csv)
        label = target_column(header, args.target, args.csv)
        names = [name for j, name in enumerate(header) if j != label]
    saved = model_of_raw_columns(clf, classes, scaler, names)  # what --save writes
    if fitted.diverged is not None:  # keep the last finite model, then report the error
        if args.save:
            path = save_model(args.save, saved, args, "diverged")
            print(f"saved the last finite model to {path}")
        lr = args.lr
        raise CLIError(f"training diverged in epoch {clf.n_iter_ + 1}: the loss blew up or became "
                       f"non-finite; the model keeps the last finite weights. Try a smaller "
                       f"learning rate than --lr {lr:g}, e.g. --lr {lr / 10:g}")
    stop = fitted.watch.stop_reason
    batch = ("full batch" if args.optimizer == "gd"
             else f"batch {min(args.batch_size or 32, len(y_tr))}")
    sizes = "-".join(str(n) for n in (X.shape[1], *(c.shape[1] for c in clf.coefs_)))
    say(f"network: {sizes}, {args.activation}, {args.init} init; "
        f"{args.optimizer}, {batch}, lr {args.lr:g} ({args.schedule}), alpha {args.alpha:g}")
    if not clf.loss_curve_:  # Ctrl-C before the first epoch ended
        return finish(args, saved, stop)
    say(f"trained {clf.n_iter_} epochs ({stop}), final loss {clf.loss_curve_[-1]:.6f}")
    say(f"train accuracy: {clf.score(prep(X_tr), y_tr):.4f}")
    if fitted.val_score:
        say(f"best validation accuracy: {max(fitted.val_score):.4f}")
    if len(y_te):
        say(f"test accuracy: {clf.score(prep(X_te), y_te):.4f}")
    code = finish(args, saved, stop)  # the model first: no figure can lose it
    if code:
        return code
    from nnscratch.viz import Section, write_report

    lines, more = real_data.evaluate(out, source, classes, X_tr, y_tr, X_te, y_te, prep,
                                     clf.predict, lambda Z, b: fit(args, Z, b, None)
                                     .estimator.predict_proba)
    for line in lines:
        say(line)
    figures = draw(out, source, X, y, fitted, prep) + more
    report = write_report(out, f"nnscratch train: {source}",
                          [Section("Output", pre="\n".join(printed), figures=figures)],
                          settings={k: v for k, v in sorted(vars(args).items()) if k != "run"})
    for image in figures:
        print(f"wrote {image.path}")
    print(f"wrote {report}")
    return 0


def draw(out: Path, source: str, X: np.ndarray, y: np.ndarray, fitted: Fitted,
         prep: Callable[[np.ndarray], np.ndarray]) -> list[Image]:
    """The loss curve; for 2-D data the probability boundary and, if recorded, the GIF."""
    from nnscratch.viz import (
        Image,
        animate_boundary,
        plot_loss_curve,
        plot_probability_boundary,
        save_figure,
    )

    clf = fitted.estimator
    figures = [Image(save_figure(plot_loss_curve(  # type: ignore[arg-type]
        clf.loss_curve_, val_loss=fitted.val_loss or None,
        title=f"Training loss ({source})").figure, out / "loss_curve.png"), "Training loss")]
    if X.shape[1] != 2:
        print(f"no boundary figure: the data has {X.shape[1]} features, not 2")
        return figures
    ax = plot_probability_boundary(lambda A: clf.predict_proba(prep(A)), X, y, h=None,
                                   title=f"Decision boundary ({source})")
    figures.append(Image(save_figure(ax.figure, out / "boundary.png"),  # type: ignore[arg-type]
                         "Decision boundary: probability shading, wrong predictions crossed"))
    if fitted.snapshots is not None:
        gif = animate_boundary(clf.network(), fitted.snapshots, prep(X), y, out / "training.gif",
                               h=None, title=source)
        figures.append(Image(gif, "The boundary during training (standardised axes)"
                             if prep(X) is not X else "The boundary during training"))
    return figures
