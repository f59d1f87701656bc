"""Model files on the command line: ``train --save`` writes an :class:`~nnscratch.MLPClassifier`
with its own ``save``; ``predict`` reads it with :func:`nnscratch.load`.

``train`` fits the estimator on encoded labels (0..K-1) and, for CSV data, on standardised
features. The saved model is that estimator with the file's own labels as ``classes_`` and the
standardisation folded into the first layer, so it takes the raw columns of the CSV (matched by
name in ``predict``)::

    z_1 = ((x - mu) / sigma) W_1 + b_1 = x W_1' + b_1',
    W_1' = W_1 / sigma (row j divided by sigma_j),   b_1' = b_1 - (mu / sigma) W_1
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnscratch.cli._common import EXIT_INTERRUPTED, CLIError

if TYPE_CHECKING:  # the estimator (and scikit-learn) load when a command needs them
    from nnscratch.estimator import MLPClassifier

# --optimizer as MLPClassifier's solver parameters (momentum and nesterov add --momentum)
SOLVERS: dict[str, dict[str, Any]] = {
    "gd": {"solver": "gd"},
    "sgd": {"solver": "sgd", "momentum": 0.0},
    "momentum": {"solver": "sgd", "nesterovs_momentum": False},
    "nesterov": {"solver": "sgd", "nesterovs_momentum": True},
    "adam": {"solver": "adam"},
}


def fold_standardization(coefs: list[np.ndarray], intercepts: list[np.ndarray],
                         mean: np.ndarray, scale: np.ndarray
                         ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights that take raw x for weights trained on ``(x - mean) / scale`` (new arrays)."""
    W1, b1 = coefs[0], intercepts[0]
    W1_raw = W1 / scale[:, None]  # W_1' = W_1 / sigma
    b1_raw = b1 - (mean / scale) @ W1  # b_1' = b_1 - (mu / sigma) W_1
    return [W1_raw, *coefs[1:]], [b1_raw, *intercepts[1:]]


def model_of_raw_columns(clf: MLPClassifier, classes: Sequence[Any], scaler: Any | None = None,
                         feature_names: Sequence[str] | None = None) -> MLPClassifier:
    """The fitted ``clf`` as a model of the file's raw columns and labels.

    Parameters
    ----------
    clf : MLPClassifier fitted on labels 0..K-1 (and on ``scaler.transform(X)`` if a scaler)
    classes : the K labels, sorted (``LabelEncoder.classes_``)
    scaler : a fitted StandardScaler (``mean_``, ``scale_``) or None
    feature_names : the raw column names, kept for ``predict`` to match columns by name
    """
    data = clf.to_model_data()
    data.classes = np.asarray(classes)
    if scaler is not None:
        data.coefs, data.intercepts = fold_standardization(data.coefs, data.intercepts,
                                                           scaler.mean_, scaler.scale_)
    if feature_names is not None and len(feature_names) == data.layer_sizes[0]:
        data.fitted["feature_names"] = list(feature_names)
    from nnscratch.estimator import MLPClassifier

    return MLPClassifier.from_model_data(data)


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


def save_model(path: str | os.PathLike[str], model: MLPClassifier, args: argparse.Namespace,
               stop_reason: str) -> Path:
    """``model.save(path)``, noting the command, the label column and why training stopped."""
    notes = {"command": "nnscratch train", "target": args.target, "stop_reason": stop_reason,
             "optimizer": args.optimizer, "schedule": args.schedule}
    try:
        return model.save(path, notes=notes)
    except OSError as exc:
        raise CLIError(f"cannot save the model to {os.fspath(path)!r}: {exc.strerror}; "
                       "pass another --save path") from None


def finish(args: argparse.Namespace, model: MLPClassifier, stop_reason: str) -> int:
    """End of ``train``: save the model if --save was given; exit code 130 after Ctrl-C."""
    if args.save:
        print(f"saved the model to {save_model(args.save, model, args, stop_reason)}")
    if stop_reason != "interrupted":
        return 0
    # the engine takes back the epoch under way: the model is that of the epochs it counts
    kept = ("its initial weights" if model.n_iter_ == 0
            else "the best validation epoch's weights" if model.early_stopping
            else "the weights after those epochs")
    print(f"error: interrupted (Ctrl-C) after {model.n_iter_} epochs; the model keeps {kept}"
          + (f", saved to {args.save}" if args.save else ""), file=sys.stderr)
    return EXIT_INTERRUPTED
