"""``nnscratch train --csv FILE --chunked``: a CSV too large for memory, read in chunks.

Pass 1 (:func:`~nnscratch.experiments.out_of_core.scan_csv`) finds the classes and fits the
standardisation (StandardScaler.partial_fit); then each epoch streams the file again, one
``partial_fit`` per chunk (:func:`~nnscratch.experiments.out_of_core.fit_csv_chunks`), and a last
pass measures the accuracy. At most ``--chunk-rows`` rows are in memory at once. No test split,
figures or report: those need the data in memory.
"""

from __future__ import annotations

import argparse
import warnings
from typing import Any

import numpy as np

from nnscratch.cli._common import CLIError, parse_sizes


def run_chunked(args: argparse.Namespace) -> int:
    from nnscratch import MLPClassifier
    from nnscratch.cli._model import SOLVERS, check_save_path, model_of_raw_columns
    from nnscratch.datasets import csv_header, target_column
    from nnscratch.experiments.out_of_core import csv_chunks, fit_csv_chunks, scan_csv

    if args.csv is None:
        raise CLIError("--chunked reads a CSV file in chunks: give --csv FILE")
    if args.early_stopping or args.validation_fraction or args.animate or args.schedule != \
            "constant":
        raise CLIError("--chunked trains with partial_fit: drop --early-stopping, "
                       "--validation-fraction, --animate and --schedule")
    if args.save:
        check_save_path(args.save)
    target: str | int | None = args.target
    if isinstance(target, str) and target.lstrip("-").isdigit():
        target = int(target)
    classes, scaler = scan_csv(args.csv, target, args.chunk_rows)
    if len(classes) < 2:
        raise CLIError(f"{args.csv} has a single class; need at least 2 to train")
    acts = [a.strip() for a in args.activation.split(",")]
    if len(set(acts)) > 1:
        raise CLIError("--chunked trains an MLPClassifier: give one --activation")
    params: dict[str, Any] = dict(SOLVERS[args.optimizer])
    params.setdefault("momentum", args.momentum)
    clf = MLPClassifier(parse_sizes(args.hidden), activation=acts[0], alpha=args.alpha,
                        learning_rate_init=args.lr, init=args.init, random_state=args.seed,
                        batch_size=args.batch_size or 32, shuffle=False, **params)
    scale = args.scale != "none"
    transform = scaler.transform if scale else None
    print(f"data: {args.csv}, {int(scaler.n_samples_seen_)} rows, {scaler.n_features_in_} "
          f"features, {len(classes)} classes; read {args.chunk_rows} rows at a time")
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
        fit_csv_chunks(clf, args.csv, list(classes), target, args.chunk_rows, args.epochs,
                       transform, progress=True)
    right = total = 0
    for X, y in csv_chunks(args.csv, target, args.chunk_rows):
        right += int(np.sum(clf.predict(transform(X) if transform else X) == y))
        total += len(y)
    print(f"trained {args.epochs} epochs (partial_fit per chunk), last chunk's loss "
          f"{clf.loss_:.6f}")
    print(f"train accuracy: {right / total:.4f}")
    if args.save:
        header = csv_header(args.csv)
        label = target_column(header, args.target, args.csv)
        names = [name for j, name in enumerate(header) if j != label]
        # the saved model takes the raw columns (the standardisation folded into layer 1)
        saved = model_of_raw_columns(clf, list(clf.classes_), scaler if scale else None, names)
        print(f"saved the model to {saved.save(args.save)}")
    return 0
