"""Datasets: the tutorial's moons, other seeded toy problems, scikit-learn's bundled real data
sets, and a user's own CSV file (whole, or in chunks for files larger than memory).

Every generator takes ``random_state`` (int, RandomState, Generator or None) and never touches the
global NumPy random state (``None`` draws from fresh operating-system entropy, not from the global
state). Generators return ``X : ndarray of shape (n_samples, n_features)`` and integer labels
``y : ndarray of shape (n_samples,)`` in ``0..n_classes-1``. scikit-learn's generators are used
where they exist (circles, blobs, gaussian quantiles); spirals and xor are written here, and so is
moons, step for step as scikit-learn's ``make_moons`` (tests hold it equal): the tutorial's data
then needs no scikit-learn import, which takes about a second.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RandomLike = int | np.random.RandomState | np.random.Generator | None
Dataset = tuple[np.ndarray, np.ndarray]


def _skd() -> Any:
    """``sklearn.datasets``, imported on first use (it takes a second or more: the command line
    and ``import nnscratch`` start without it)."""
    from sklearn import datasets

    return datasets


def _state(random_state: RandomLike) -> np.random.RandomState:
    """A private RandomState: an int seeds one, a Generator seeds one, None is fresh entropy."""
    if random_state is None:
        return np.random.RandomState()  # not the global state (check_random_state(None) would be)
    if isinstance(random_state, np.random.Generator):
        return np.random.RandomState(random_state.integers(2**32 - 1))
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.RandomState(int(random_state))
    raise ValueError(
        f"random_state must be None, an int, a RandomState or a Generator; got {random_state!r}"
    )


def _check_n(n_samples: int, n_classes: int = 1) -> int:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < n_classes:
        raise ValueError(
            f"n_samples must be an int >= {max(n_classes, 1)} (one per class at least); "
            f"got {n_samples!r}"
        )
    return int(n_samples)


def _check_classes(n_classes: int) -> int:
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an int >= 2; got {n_classes!r}")
    return int(n_classes)


def _check_noise(noise: float) -> float:
    if not (isinstance(noise, (int, float)) and np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    return float(noise)


def _split(n_samples: int, n_classes: int) -> list[int]:
    """Samples per class, as equal as possible (the first classes get the remainder)."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def moons(n_samples: int = 200, noise: float = 0.2,
          random_state: RandomLike = 0) -> Dataset:
    """Two interleaving half circles: scikit-learn's ``make_moons``, written out.

    With the defaults this is bit for bit the tutorial's data:
    ``numpy.random.seed(0); sklearn.datasets.make_moons(200, noise=0.20)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels 0 and 1
    """
    n = _check_n(n_samples, 2)
    noise = _check_noise(noise)
    rng = _state(random_state)
    # make_moons step for step: outer half circle, inner one shifted, shuffled, then noise
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(t_out), 1 - np.cos(t_in)),  # outer moon, then inner
                   np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    order = np.arange(n)
    rng.shuffle(order)  # sklearn.utils.shuffle
    X, y = X[order], y[order]
    X += rng.normal(scale=noise, size=X.shape)
    return X, y


def circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5,
            random_state: RandomLike = 0) -> Dataset:
    """A small circle (label 1) inside a large one (label 0): scikit-learn's ``make_circles``.

    Parameters
    ----------
    factor : float in (0, 1), inner radius over outer radius

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels 0 and 1
    """
    _check_n(n_samples, 2)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1); got {factor!r}")
    return _skd().make_circles(n_samples, noise=_check_noise(noise), factor=factor,
                               random_state=_state(random_state))


def spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.1, turns: float = 1.0,
            random_state: RandomLike = 0) -> Dataset:
    """``n_classes`` interleaved spiral arms, one class per arm (the classic CS231n data).

    Arm k of m points: radius ``r = linspace(0, 1, m)``, angle
    ``theta = 2 pi (k / n_classes + turns r) + noise * N(0, 1)``,
    point ``r (sin theta, cos theta)``.
    The noise is on the angle (radians), so arms blur into each other near the centre first.

    Parameters
    ----------
    n_samples : int, total points, split as evenly as possible over the arms
    n_classes : int >= 2, number of arms
    noise : float >= 0, standard deviation of the angle noise in radians
    turns : float > 0, how many full turns each arm makes from the centre to radius 1

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels 0..n_classes-1 (shuffled)
    """
    n_classes = _check_classes(n_classes)
    n_samples = _check_n(n_samples, n_classes)
    noise = _check_noise(noise)
    if not (isinstance(turns, (int, float)) and turns > 0):
        raise ValueError(f"turns must be a number > 0; got {turns!r}")
    rng = _state(random_state)
    X = np.empty((n_samples, 2))
    y = np.empty(n_samples, dtype=np.intp)
    start = 0
    for k, m in enumerate(_split(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, m)
        theta = 2 * np.pi * (k / n_classes + turns * r) + noise * rng.randn(m)
        X[start : start + m, 0] = r * np.sin(theta)
        X[start : start + m, 1] = r * np.cos(theta)
        y[start : start + m] = k
        start += m
    order = rng.permutation(n_samples)
    return X[order], y[order]


def blobs(n_samples: int = 200, n_classes: int = 3, n_features: int = 2,
          cluster_std: float = 1.0, random_state: RandomLike = 0) -> Dataset:
    """Isotropic Gaussian blobs, one per class (scikit-learn's ``make_blobs``).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), labels 0..n_classes-1
    """
    n_classes = _check_classes(n_classes)
    X, y = _skd().make_blobs(_check_n(n_samples, n_classes), n_features=n_features,
                             centers=n_classes, cluster_std=cluster_std,
                             random_state=_state(random_state))
    return X, y


def xor(n_samples: int = 200, noise: float = 0.1, random_state: RandomLike = 0) -> Dataset:
    """The XOR problem: points uniform in [-1, 1]^2, label 1 where ``x1 * x2 < 0``.

    Labels come from the clean point; ``noise`` (standard deviation) is then added to the
    coordinates, so points near the axes can sit on the other side of them.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,), labels 0 and 1
    """
    n_samples = _check_n(n_samples, 2)
    noise = _check_noise(noise)
    rng = _state(random_state)
    X = rng.uniform(-1.0, 1.0, (n_samples, 2))
    y = (X[:, 0] * X[:, 1] < 0).astype(np.intp)
    X += noise * rng.randn(n_samples, 2)
    return X, y


def gaussian_quantiles(n_samples: int = 200, n_classes: int = 3, n_features: int = 2,
                       random_state: RandomLike = 0) -> Dataset:
    """Nested shells of one Gaussian split by quantiles of the radius (``make_gaussian_quantiles``).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), labels 0..n_classes-1 (0 innermost)
    """
    n_classes = _check_classes(n_classes)
    X, y = _skd().make_gaussian_quantiles(n_samples=_check_n(n_samples, n_classes),
                                          n_features=n_features, n_classes=n_classes,
                                          random_state=_state(random_state))
    return X, y


# name -> (generator, does it take n_classes?)
GENERATORS: dict[str, tuple[Callable[..., Dataset], bool]] = {
    "moons": (moons, False),
    "circles": (circles, False),
    "spirals": (spirals, True),
    "blobs": (blobs, True),
    "xor": (xor, False),
    "gaussian_quantiles": (gaussian_quantiles, True),
}


def make_dataset(name: str, n_samples: int = 300, n_classes: int | None = None,
                 noise: float | None = None, random_state: RandomLike = 0) -> Dataset:
    """Any generator of this module by name, with the options they share.

    Parameters
    ----------
    name : one of :data:`GENERATORS` ('moons', 'circles', 'spirals', 'blobs', 'xor',
        'gaussian_quantiles')
    n_classes : int >= 2 or None (the generator's default); moons, circles and xor have 2
    noise : float or None (the generator's default); blobs and gaussian_quantiles take none

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    """
    if name not in GENERATORS:
        raise ValueError(f"dataset must be one of {', '.join(GENERATORS)}; got {name!r}")
    make, multiclass = GENERATORS[name]
    kwargs: dict[str, object] = {"n_samples": n_samples, "random_state": random_state}
    if n_classes is not None:
        if multiclass:
            kwargs["n_classes"] = n_classes
        elif n_classes != 2:
            multi = ", ".join(k for k, (_, m) in GENERATORS.items() if m)
            raise ValueError(f"dataset {name!r} has 2 classes; got n_classes={n_classes}. "
                             f"For more classes use one of {multi}")
    if noise is not None:
        if name in ("blobs", "gaussian_quantiles"):
            raise ValueError(f"dataset {name!r} takes no noise setting; got noise={noise}")
        kwargs["noise"] = noise
    return make(**kwargs)


# scikit-learn's bundled data sets (shipped inside scikit-learn: no download), by name
# (loader names in sklearn.datasets)
REAL_DATASETS: dict[str, str] = {
    "digits": "load_digits",  # 1797 8x8 images, 64 features (0..16), 10 classes
    "iris": "load_iris",  # 150 flowers, 4 features, 3 classes
    "wine": "load_wine",  # 178 wines, 13 features, 3 classes
    "breast_cancer": "load_breast_cancer",  # 569 tumours, 30 features, 2 classes
}


def load_real(name: str) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """One of scikit-learn's bundled real data sets by name (no download, not standardised).

    Parameters
    ----------
    name : one of :data:`REAL_DATASETS` ('digits', 'iris', 'wine', 'breast_cancer')

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64, raw units (standardise before training)
    y : ndarray of shape (n_samples,), labels 0..n_classes-1
    feature_names : list of n_features str
    class_names : list of n_classes str, ``class_names[k]`` names label k
    """
    if name not in REAL_DATASETS:
        raise ValueError(f"real dataset must be one of {', '.join(REAL_DATASETS)}; got {name!r}")
    bunch = getattr(_skd(), REAL_DATASETS[name])()
    X = np.asarray(bunch.data, dtype=np.float64)
    names = getattr(bunch, "feature_names", None)
    features = [str(f) for f in names] if names is not None else \
        [f"pixel_{j}" for j in range(X.shape[1])]
    return X, np.asarray(bunch.target, dtype=np.intp), features, \
        [str(c) for c in bunch.target_names]


def parse_labels(values: list[str]) -> np.ndarray:
    """Labels read from text: ints if every one is an integer, else floats if all are numbers,
    else strings (what :func:`load_csv` returns as ``y``)."""
    for kind in (int, float):
        try:
            return np.array([kind(v) for v in values])
        except ValueError:
            continue
    return np.array(values)


def _read_rows(path: Path, delimiter: str) -> list[list[str]]:
    """The non-blank rows of a UTF-8 (BOM or not) or UTF-16 (with its BOM) CSV file."""
    raw = path.read_bytes()
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))  # a byte-order mark: UTF-16
    try:
        text = raw.decode("utf-16" if utf16 else "utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{str(path)!r} is not a UTF-8 text file; save it as UTF-8 CSV") from None
    if "\x00" in text:
        raise ValueError(f"{str(path)!r} holds NUL characters: it is not a text file; save it as "
                         "UTF-8 CSV")
    try:
        rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                if any(c.strip() for c in r)]
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise ValueError(f"{str(path)!r} is not a readable CSV file: {exc}") from None
    return rows


def csv_header(path: str | os.PathLike[str], delimiter: str = ",") -> list[str]:
    """The column names of a CSV file as :func:`load_csv` reads them: its first row, stripped.

    Raises ``OSError`` when the file cannot be read, ``ValueError`` when it is not UTF-8 (or
    UTF-16 with its byte-order mark) CSV text.
    """
    rows = _read_rows(Path(path), delimiter)
    return [c.strip() for c in rows[0]] if rows else []


def target_column(header: list[str], target: str | int | None, path: str = "the CSV file") -> int:
    """Index of the label column in ``header``.

    Parameters
    ----------
    header : column names
    target : a column name; or a 0-based index (negative counts from the end), as an int or as
        text that is not a column name (``'2'``, ``'-1'``); None: the last column
    path : the file, for the error message

    Raises
    ------
    ValueError : no such column (the message lists the columns)
    """
    if target is None:
        return len(header) - 1
    if isinstance(target, str) and target not in header and target.lstrip("-").isdigit():
        target = int(target)
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if not -len(header) <= target < len(header):
            raise ValueError(f"target column index {target} out of range for {len(header)} "
                             f"columns in {str(path)!r}: {', '.join(header)}")
        return int(target) % len(header)
    if target in header:
        return header.index(target)
    raise ValueError(f"target column {target!r} not in {str(path)!r}; its columns are: "
                     f"{', '.join(header)}. Pass one of them as the target")


def load_csv(path: str | os.PathLike[str], target: str | int | None = None,
             delimiter: str = ",") -> tuple[np.ndarray, np.ndarray]:
    """Load a user's own data: a CSV file with a header row, numeric features, any labels.

    Parameters
    ----------
    path : path of the CSV file (first row: column names)
    target : name (or 0-based index, see :func:`target_column`) of the label column; None means
        the last column
    delimiter : field separator

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64, every column but ``target``, in the
        order of the header (:func:`csv_header`)
    y : ndarray of shape (n_samples,), the labels as they are in the file: ints if all are
        integers, floats if all are numbers, strings otherwise (:func:`parse_labels`)

    Raises
    ------
    FileNotFoundError : no such file
    ValueError : empty file, unknown target column, ragged rows, non-numeric feature values
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file {str(path)!r} not found; check the path")
    rows = _read_rows(path, delimiter)
    if not rows:
        raise ValueError(f"CSV file {str(path)!r} is empty; it needs a header row and data rows")
    header = [c.strip() for c in rows[0]]
    data = rows[1:]
    if not data:
        raise ValueError(f"CSV file {str(path)!r} has a header but no data rows")
    if len(header) < 2:
        raise ValueError(f"CSV file {str(path)!r} has {len(header)} column; need at least one "
                         "feature and a target (is the delimiter right?)")
    col = target_column(header, target, str(path))
    for i, row in enumerate(data, start=2):
        if len(row) != len(header):
            raise ValueError(f"{str(path)!r} line {i} has {len(row)} fields; the header has "
                             f"{len(header)}")
    feature_cols = [j for j in range(len(header)) if j != col]
    X = np.empty((len(data), len(feature_cols)))
    for i, row in enumerate(data):
        for j_out, j in enumerate(feature_cols):
            try:
                X[i, j_out] = float(row[j])
            except ValueError:
                raise ValueError(
                    f"feature column {header[j]!r} of {str(path)!r} is not numeric: line {i + 2} "
                    f"has {row[j]!r}. Encode it as numbers, drop the column, or make it the target"
                ) from None
    if not np.isfinite(X).all():
        i, j = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"feature column {header[feature_cols[j]]!r} of {str(path)!r} has a "
                         f"non-finite value on line {i + 2}; remove or fill it")
    return X, parse_labels([row[col].strip() for row in data])


__all__ = [
    "GENERATORS",
    "REAL_DATASETS",
    "blobs",
    "circles",
    "csv_header",
    "gaussian_quantiles",
    "load_csv",
    "load_real",
    "make_dataset",
    "moons",
    "parse_labels",
    "spirals",
    "target_column",
    "xor",
]
