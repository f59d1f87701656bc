"""Model files on the command line: ``train --save`` writes one, ``predict`` reads one.

A model trained by ``nnscratch train`` is saved as an :class:`~nnscratch.MLPClassifier` model file
(:mod:`nnscratch.io`), so ``nnscratch.load`` opens it too. When ``train`` standardised the
features, the standardisation is folded into the first layer, so the saved model takes the raw
features of the CSV::

    z_1 = ((x - mu) / sigma) W_1 + b_1 = x W_1' + b_1',
    W_1' = W_1 / sigma (row j divided by sigma_j),   b_1' = b_1 - (mu / sigma) W_1
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from nnscratch.cli._common import EXIT_INTERRUPTED, CLIError
from nnscratch.engine import History, Network, Params
from nnscratch.io import ModelData, write_model


def fold_standardization(coefs: list[np.ndarray], intercepts: list[np.ndarray],
                         mean: np.ndarray, scale: np.ndarray
                         ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights that take raw x for weights trained on ``(x - mean) / scale`` (new arrays)."""
    W1, b1 = coefs[0], intercepts[0]
    W1_raw = W1 / scale[:, None]  # W_1' = W_1 / sigma
    b1_raw = b1 - (mean / scale) @ W1  # b_1' = b_1 - (mu / sigma) W_1
    return [W1_raw, *coefs[1:]], [b1_raw, *intercepts[1:]]


SOLVERS: dict[str, dict[str, Any]] = {  # train's --optimizer as MLPClassifier's solver parameters
    "gd": {"solver": "gd"},
    "sgd": {"solver": "sgd", "momentum": 0.0},
    "momentum": {"solver": "sgd", "nesterovs_momentum": False},
    "nesterov": {"solver": "sgd", "nesterovs_momentum": True},
    "adam": {"solver": "adam"},
}


def hyperparameters(args: argparse.Namespace, net: Network) -> dict[str, Any]:
    """MLPClassifier parameters closest to a ``nnscratch train`` run (refitting uses them)."""
    acts = sorted({a.name for a in net.activations})
    params: dict[str, Any] = {
        "hidden_layer_sizes": net.layer_sizes[1:-1],
        "alpha": args.alpha, "learning_rate_init": args.lr, "max_iter": args.epochs,
        "random_state": args.seed, "init": args.init, "momentum": args.momentum,
        "batch_size": "auto" if args.optimizer == "gd" else (args.batch_size or 32),
        "early_stopping": bool(args.early_stopping), "n_iter_no_change": args.patience,
        "tol": 1e-4 if args.early_stopping else None, "dtype": "float64",
    }
    params |= SOLVERS[args.optimizer]
    if len(acts) == 1:
        params["activation"] = acts[0]
    if args.validation_fraction:
        params["validation_fraction"] = args.validation_fraction
    return params


def feature_names(args: argparse.Namespace) -> list[str] | None:
    """The CSV's feature column names (header without the target), or None for built-in data."""
    if args.csv is None:
        return None
    from nnscratch.datasets import csv_header

    header = csv_header(args.csv)
    target = args.target
    if target is None:
        col = len(header) - 1
    elif target in header:
        col = header.index(target)
    else:
        col = int(target) % len(header)
    return [name for j, name in enumerate(header) if j != col]


def check_save_path(path: str | os.PathLike[str]) -> None:
    """Fail before training, not after it, when ``--save`` cannot be written."""
    target = Path(path)
    folder = target.parent
    problem = None
    if target.is_dir():
        problem = "it is a folder"
    elif not folder.is_dir():
        problem = f"folder {str(folder)!r} does not exist"
    elif not os.access(folder, os.W_OK):
        problem = f"folder {str(folder)!r} is not writable"
    if problem:
        raise CLIError(f"cannot save the model to {str(target)!r}: {problem}; pass another "
                       "--save path")


def save_trained(path: str | os.PathLike[str], net: Network, classes: list[Any],
                 args: argparse.Namespace, history: History,
                 scaler: Any | None = None) -> Path:
    """Write the network of a ``train`` run as a model file (raw-feature weights)."""
    coefs, intercepts = list(net.params.coefs), list(net.params.intercepts)
    if scaler is not None:
        coefs, intercepts = fold_standardization(coefs, intercepts, scaler.mean_, scaler.scale_)
    names = feature_names(args)
    fitted: dict[str, Any] = {
        "n_iter_": history.n_epochs, "t_": history.n_samples_seen, "n_steps": history.n_steps,
        "loss_curve_": list(history.loss), "loss_": history.loss[-1] if history.loss else math.nan,
        "interrupted_": history.stop_reason == "interrupted", "stop_reason": history.stop_reason,
        "command": "nnscratch train", "target": args.target,
    }
    if names is not None and len(names) == net.layer_sizes[0]:
        fitted["feature_names"] = names
    model = ModelData(coefs, intercepts, np.asarray(classes), [a.name for a in net.activations],
                      hyperparameters=hyperparameters(args, net), fitted=fitted)
    try:
        return write_model(path, model)
    except OSError as exc:
        raise CLIError(f"cannot save the model to {os.fspath(path)!r}: {exc.strerror}; "
                       "pass another --save path") from None


def finish(args: argparse.Namespace, net: Network, classes: list[Any], history: History,
           scaler: Any | None = None) -> int:
    """End of ``train``: save the model if --save was given; exit code 130 after Ctrl-C."""
    if args.save:
        print(f"saved the model to {save_trained(args.save, net, classes, args, history, scaler)}")
    if history.stop_reason != "interrupted":
        return 0
    print(f"error: interrupted (Ctrl-C) after {history.n_epochs} epochs; the model keeps the "
          "weights of the last finite step" + (f", saved to {args.save}" if args.save else ""),
          file=sys.stderr)
    return EXIT_INTERRUPTED


def network_of(model: ModelData) -> Network:
    """The engine network of a model file's weights."""
    return Network(Params.from_arrays(model.coefs, model.intercepts), model.activations)
