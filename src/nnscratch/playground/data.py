"""The playground's data: a built-in generator or a dropped CSV, split and scaled as ``train``.

The rules are ``nnscratch train``'s, so the page's "equivalent command" trains on the same rows:
``nnscratch.datasets.make_dataset`` for built-in data, ``nnscratch.datasets.load_csv`` (same rules
and messages) for a CSV, labels encoded in sorted order, the held-out split of ``train``
(stratified when every class can be), and for a CSV the features standardised on the training
rows (``train --scale auto``). The plane drawn on the page is in the data's own coordinates.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnscratch.datasets import load_csv, make_dataset
from nnscratch.playground.caps import MAX_CLASSES, MAX_CSV_BYTES, MAX_POINTS, Refused, Settings


@dataclass
class Data:
    """Points of one experiment.

    Attributes
    ----------
    X : ndarray of shape (n, 2), raw coordinates
    labels : ndarray of shape (n,), the labels as given (any type)
    source : 'moons', ..., or the CSV's file name
    """

    X: np.ndarray
    labels: np.ndarray
    source: str
    edited: bool = False

    @property
    def classes(self) -> np.ndarray:
        return np.unique(self.labels)


@dataclass
class Split:
    """Encoded, split and (for a CSV) standardised data, as the estimator sees it."""

    X_train: np.ndarray  # (n_train, 2), scaled
    y_train: np.ndarray  # (n_train,) ints 0..K-1
    X_test: np.ndarray
    y_test: np.ndarray
    raw_train: np.ndarray  # (n_train, 2), raw coordinates (drawn on the page)
    raw_test: np.ndarray
    classes: np.ndarray
    mean: np.ndarray | None  # standardisation of a CSV (None: none)
    scale: np.ndarray | None
    bounds: tuple[float, float, float, float]  # x0, x1, y0, y1 of the square plane drawn
    stratified: bool = False  # the held-out split kept the class proportions

    def to_model(self, A: np.ndarray) -> np.ndarray:
        """Raw plane coordinates -> the network's inputs."""
        if self.mean is None or self.scale is None:
            return A
        return (A - self.mean) / self.scale


def generate(s: Settings) -> Data:
    """The built-in data set of ``s`` (``make_dataset``'s options)."""
    classes = s.classes if s.dataset in ("spirals", "blobs", "gaussian_quantiles") else None
    noise = None if s.dataset in ("blobs", "gaussian_quantiles") else s.noise
    try:
        X, y = make_dataset(s.dataset, n_samples=s.samples, n_classes=classes, noise=noise,
                            random_state=s.seed)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    return Data(X, y, s.dataset)


def parse_csv(name: str, text: str) -> Data:
    """A dropped CSV file, read by ``load_csv`` (the messages of ``nnscratch train --csv``).

    Needs exactly two feature columns (the plane) and a label column (the last).
    """
    if len(text.encode("utf-8")) > MAX_CSV_BYTES:
        raise Refused(f"{name!r} is larger than the playground's cap of {MAX_CSV_BYTES // 1024} "
                      "KiB; use `nnscratch train --csv` for large files")
    safe = "".join(c for c in os.path.basename(name) if c.isalnum() or c in "._-")[:80] or "data"
    with tempfile.TemporaryDirectory(prefix="nnscratch-playground-") as folder:
        path = Path(folder) / safe
        path.write_text(text, encoding="utf-8")
        try:
            X, y = load_csv(path)
        except ValueError as exc:  # the message names the temporary path: show the file's name
            raise Refused(str(exc).replace(str(path), name)) from None
    if X.shape[1] != 2:
        raise Refused(f"{name!r} has {X.shape[1]} feature columns; the playground draws the "
                      "plane of exactly 2 (plus the label column, the last)")
    if len(y) > MAX_POINTS:
        raise Refused(f"{name!r} has {len(y)} rows; the playground's cap is {MAX_POINTS}")
    n_classes = len(np.unique(y))
    if not 2 <= n_classes <= 2 * MAX_CLASSES:
        raise Refused(f"{name!r} has {n_classes} classes; the playground takes 2 to "
                      f"{2 * MAX_CLASSES}")
    return Data(X, y, name)


def split(data: Data, test: float, seed: int, standardize: bool) -> Split:
    """Encode labels, hold out ``test`` of the rows as ``nnscratch train --test-size`` does."""
    from sklearn.model_selection import train_test_split

    classes, y = np.unique(data.labels, return_inverse=True)
    if len(classes) < 2:
        raise Refused(f"the data have a single class ({classes[0]!r}); need at least 2")
    X = data.X
    stratify = None
    if test > 0:
        counts = np.bincount(y)
        stratify = y if counts.min() >= 2 and round(test * len(y)) >= len(counts) else None
        try:
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test, random_state=seed,
                                                      stratify=stratify)
        except ValueError as exc:
            raise Refused(f"cannot hold out {test} of {len(y)} points: {exc}") from None
    else:
        X_tr, X_te, y_tr, y_te = X, X[:0], y, y[:0]
    if len(np.unique(y_tr)) < len(classes):
        raise Refused("the training split lacks a class; hold out less or use more points")
    mean = scale = None
    if standardize:
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(X_tr)
        mean, scale = scaler.mean_, scaler.scale_
    lo, hi = X.min(axis=0), X.max(axis=0)
    centre, half = (lo + hi) / 2, float(np.max(hi - lo)) / 2 * 1.15 or 1.0
    bounds = (float(centre[0] - half), float(centre[0] + half),
              float(centre[1] - half), float(centre[1] + half))
    sp = Split(X_tr, y_tr, X_te, y_te, X_tr, X_te, classes, mean, scale, bounds,
               stratify is not None)
    sp.X_train, sp.X_test = sp.to_model(X_tr), sp.to_model(X_te)
    return sp


def add_point(data: Data, x: float, y: float, label: object) -> Data:
    """``data`` plus one point (a class it already has)."""
    if len(data.labels) >= MAX_POINTS:
        raise Refused(f"the playground's cap is {MAX_POINTS} points; remove some first")
    matches = [c for c in data.classes if str(c) == str(label)]
    if not matches:
        raise Refused(f"class {label!r:.20} is not one of the data's classes")
    X = np.vstack([data.X, [[x, y]]])
    labels = np.concatenate([data.labels, np.asarray([matches[0]], data.labels.dtype)])
    return Data(X, labels, data.source, edited=True)


def remove_point(data: Data, x: float, y: float) -> Data:
    """``data`` without the point nearest to (x, y); keeps at least one point of each class."""
    d = np.hypot(data.X[:, 0] - x, data.X[:, 1] - y)
    i = int(np.argmin(d))
    if np.sum(data.labels == data.labels[i]) <= 2:
        raise Refused(f"class {data.labels[i]!r} needs at least 2 points; not removed")
    keep = np.arange(len(d)) != i
    return Data(data.X[keep], data.labels[keep], data.source, edited=True)
