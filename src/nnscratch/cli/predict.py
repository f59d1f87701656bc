"""``nnscratch predict``: the predictions of a saved model for the rows of a CSV file.

Columns are matched by the names the model was trained on (``nnscratch train --csv ... --save``
keeps them); other models take every column but the label column (``--target``), in order. When
the file also has the labels, the accuracy is reported. Predictions are written as CSV to --out,
or to standard output.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

import numpy as np

from nnscratch.cli._common import CLIError


def add_parser(sub: Any) -> None:
    p = sub.add_parser("predict", help="predict the rows of a CSV file with a saved model",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, metavar="FILE",
                   help="model file (MLPClassifier.save or nnscratch train --save)")
    p.add_argument("--csv", required=True, metavar="FILE", help="CSV with a header row")
    p.add_argument("--target", metavar="COL",
                   help="label column to leave out and score against (name or 0-based index; "
                   "default: the model's own, if the file has it)")
    p.add_argument("--out", metavar="FILE", help="write the predictions here (default: stdout)")
    p.add_argument("--proba", action="store_true", help="add one probability column per class")
    p.set_defaults(run=run)


def read_rows(path: str) -> tuple[list[str], list[list[str]]]:
    """Header and data rows of a CSV file, with errors that name the file and the problem."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except FileNotFoundError:
        raise CLIError(f"CSV file {path!r} not found; check the path") from None
    except IsADirectoryError:
        raise CLIError(f"{path!r} is a folder, not a CSV file") from None
    except UnicodeDecodeError as exc:
        raise CLIError(f"{path!r} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                       f"position {exc.start}); is it a CSV file?") from None
    except csv.Error as exc:
        raise CLIError(f"{path!r} is not a valid CSV file: {exc}") from None
    if len(rows) < 2:
        raise CLIError(f"CSV file {path!r} needs a header row and at least one data row")
    header = [c.strip() for c in rows[0]]
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise CLIError(f"{path!r} line {i} has {len(row)} fields; the header has "
                           f"{len(header)}")
    return header, rows[1:]


def _column(header: list[str], target: str, path: str) -> int:
    from nnscratch.datasets import target_column

    try:
        return target_column(header, target, path)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


def select(header: list[str], names: list[str] | None, n_features: int, target: str | None,
           model_target: str | None, path: str) -> tuple[list[int], int | None]:
    """Indices of the feature columns and of the label column (None if absent)."""
    label = None
    if target is not None:
        label = _column(header, target, path)
    elif model_target is not None and model_target in header:
        label = header.index(model_target)
    if names is not None and set(names) <= set(header):
        cols = [header.index(n) for n in names]
        if label is None and len(header) == len(names) + 1:
            label = next(j for j in range(len(header)) if j not in cols)
        return cols, label
    cols = [j for j in range(len(header)) if j != label]
    if len(cols) != n_features:
        wanted = f" ({', '.join(names)})" if names else ""
        hint = ("; name the label column with --target" if len(cols) == n_features + 1
                else "")
        raise CLIError(f"{path!r} has {len(cols)} feature columns but the model takes "
                       f"{n_features}{wanted}{hint}")
    return cols, label


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def features(rows: list[list[str]], cols: list[int], header: list[str], path: str) -> np.ndarray:
    """The feature columns as floats; errors name the column, the line and the value."""
    cells = [[row[j] for j in cols] for row in rows]
    try:
        X = np.array(cells, dtype=float)
    except ValueError:
        i, k = next((i, k) for i, r in enumerate(cells) for k, c in enumerate(r)
                    if not _number(c))
        raise CLIError(f"column {header[cols[k]]!r} of {path!r} must be numeric: line {i + 2} "
                       f"has {cells[i][k]!r}") from None
    bad = np.argwhere(~np.isfinite(X))
    if len(bad):
        i, k = bad[0]
        raise CLIError(f"column {header[cols[k]]!r} of {path!r} has {cells[i][k]!r} on line "
                       f"{i + 2}; fill or drop the rows with missing values")
    return X


def run(args: argparse.Namespace) -> int:
    from nnscratch import load
    from nnscratch.datasets import parse_labels
    from nnscratch.io import read_model

    try:
        clf = load(args.model)
    except (FileNotFoundError, IsADirectoryError):
        raise CLIError(f"model file {args.model!r} not found; check the path (nnscratch train "
                       "--save FILE writes one)") from None
    model_target = read_model(args.model).notes.get("target")  # train's label column, if any
    header, rows = read_rows(args.csv)
    names = getattr(clf, "feature_names_in_", None)
    cols, label = select(header, None if names is None else list(names), clf.n_features_in_,
                         args.target, model_target, args.csv)
    proba = clf.network().predict_proba(features(rows, cols, header, args.csv))
    pred = clf.classes_[np.argmax(proba, axis=1)]  # = clf.predict, without feature-name checks
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    head = ["prediction"] + ([f"proba_{c}" for c in clf.classes_] if args.proba else [])
    writer.writerow(head)
    for i, p in enumerate(pred.tolist()):
        writer.writerow([p, *(f"{v:.6g}" for v in proba[i])] if args.proba else [p])
    report = sys.stderr
    if args.out is None:
        sys.stdout.write(buffer.getvalue())
    else:
        try:
            with open(args.out, "w", encoding="utf-8", newline="") as fh:
                fh.write(buffer.getvalue())
        except OSError as exc:
            raise CLIError(f"cannot write predictions to {args.out!r}: {exc.strerror}; pass "
                           "another --out") from None
        report = sys.stdout
        print(f"wrote {len(pred)} predictions to {args.out}", file=report)
    if label is not None:
        truth = parse_labels([row[label].strip() for row in rows])  # as train reads labels
        acc = float(np.mean(pred.astype(str) == truth.astype(str)))
        print(f"accuracy: {acc:.4f} ({len(truth)} rows labelled in column "
              f"{header[label]!r})", file=report)
    return 0
