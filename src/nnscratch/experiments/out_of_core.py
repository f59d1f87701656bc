"""Data larger than memory: train block by block through ``partial_fit``.

Two sources, one pattern (one ``partial_fit`` call per block, in order, every class announced on
the first call):

- :func:`fit_dask`: a Dask array or dataframe, on a ``distributed`` cluster, through dask-ml's
  ``dask_ml.wrappers.Incremental``. It was tried for real with the scikit-learn this project pins
  (1.9.1, dask-ml 2025.1): ``Incremental(MLPClassifier(...)).fit(X, y, classes=...)`` runs and
  calls ``partial_fit`` once per block, sequentially, moving the (small) estimator to the worker
  that holds each block, so it is used instead of a hand-written loop. Each block is computed
  where it lives and freed after its step: at most a few blocks are in memory at once.
- :func:`fit_csv_chunks`: a CSV file read ``chunk_rows`` rows at a time with pandas, with a
  progress bar (``nnscratch train --csv FILE --chunked``).

One ``partial_fit`` is one epoch over its block with the estimator's own minibatches
(``batch_size``), so with ``shuffle=False`` and blocks that are a multiple of ``batch_size``,
block-by-block training takes exactly the steps of one in-memory epoch over the same rows.
``epochs`` passes go over the blocks again in the same order.

Needs ``pip install 'nnscratch[cluster]'`` (dask, distributed, dask-ml) for Dask and pandas for CSV.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from nnscratch.estimator import MLPClassifier


def fit_dask(clf: MLPClassifier, X: Any, y: Any, classes: Sequence[Any],
             epochs: int = 1) -> MLPClassifier:
    """Train ``clf`` on Dask data block by block (``partial_fit`` per block) on the current
    ``distributed`` client (or Dask's default scheduler when there is none).

    Parameters
    ----------
    clf : MLPClassifier, the model to train (``early_stopping`` must be False); it is cloned, as
        scikit-learn's meta-estimators do, unless it is already fitted (then training goes on)
    X : dask.array.Array of shape (n_samples, n_features), or a dask DataFrame
    y : dask.array.Array of shape (n_samples,) (or a dask Series), blocks aligned with X's rows
    classes : every class of the whole problem (a block may miss some)
    epochs : passes over the blocks

    Returns
    -------
    clf : the trained estimator
    """
    try:
        from dask_ml.wrappers import Incremental
    except ImportError:
        raise ImportError("training on Dask data needs dask-ml: "
                          "pip install 'nnscratch[cluster]'") from None
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"epochs must be an int >= 1; got {epochs!r}")
    if hasattr(X, "to_dask_array"):  # a dataframe: rows become array blocks, lengths known
        X = X.to_dask_array(lengths=True)
    if hasattr(y, "to_dask_array"):
        y = y.to_dask_array(lengths=True)
    if X.ndim != 2 or y.ndim != 1 or X.chunks[0] != y.chunks[0]:
        raise ValueError(f"X must be 2-D and y 1-D with the same row blocks; got X chunks "
                         f"{X.chunks[0][:4]}..., y chunks {y.chunks[0][:4]}...")
    if X.chunks[1] != (X.shape[1],):
        X = X.rechunk({1: -1})  # partial_fit needs whole rows
    inc = Incremental(clf, shuffle_blocks=False, assume_equal_chunks=False)
    if hasattr(clf, "coefs_"):
        inc.estimator_ = clf  # Incremental goes on from estimator_ (it clones only without one)
    for _ in range(epochs):  # each call goes on from inc.estimator_
        inc.partial_fit(X, y, classes=np.asarray(classes))
    return inc.estimator_


def csv_chunks(path: str | os.PathLike[str] | Any, target: str | int | None, chunk_rows: int
               ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(X, y) blocks of ``chunk_rows`` rows of a CSV with a header (as :func:`load_csv` reads it:
    numeric features, the target column by name or index, default the last)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("reading a CSV in chunks needs pandas: "
                          "pip install 'nnscratch[cluster]'") from None

    name = os.fspath(getattr(path, "name", path))
    col: Any = None
    with pd.read_csv(path, chunksize=chunk_rows) as reader:  # closes the file on an error, too
        for frame in reader:
            if col is None:
                header = list(frame.columns)
                if target is None:
                    col = header[-1]
                elif isinstance(target, int):
                    col = header[target]
                elif target in header:
                    col = target
                else:
                    raise ValueError(f"target column {target!r} not in {name!r}; its columns are: "
                                     f"{', '.join(header)}")
            y = frame.pop(col).to_numpy()
            try:
                X = frame.to_numpy(dtype=np.float64)
            except ValueError as exc:
                raise ValueError(f"{name!r} has a non-numeric feature ({exc}); encode it "
                                 "as numbers or drop the column") from None
            if not np.isfinite(X).all():
                raise ValueError(f"{name!r} has a missing or non-finite feature value; "
                                 "remove or fill it")
            yield X, y


def fit_csv_chunks(clf: MLPClassifier, path: str | os.PathLike[str], classes: Sequence[Any],
                   target: str | int | None = None, chunk_rows: int = 65536, epochs: int = 1,
                   transform: Callable[[np.ndarray], np.ndarray] | None = None,
                   progress: bool = True) -> MLPClassifier:
    """Train ``clf`` on a CSV file ``chunk_rows`` rows at a time (``partial_fit`` per chunk).

    Parameters
    ----------
    clf : MLPClassifier, trained in place
    path : CSV file with a header row
    classes : every class label of the file (e.g. from a first pass, :func:`scan_csv`)
    target : label column (name or 0-based index; default the last)
    chunk_rows : rows in memory at once
    epochs : passes over the file
    transform : applied to each chunk's features (a fitted StandardScaler's ``transform``)
    progress : show a progress bar (rows) on stderr

    Returns
    -------
    clf : the trained estimator
    """
    from tqdm.auto import tqdm

    size = os.path.getsize(path)
    for epoch in range(epochs):
        with tqdm(total=size, unit="B", unit_scale=True, disable=not progress,
                  desc=f"epoch {epoch + 1}/{epochs}", leave=False) as bar, \
                open(path, "rb") as fh:
            for X, y in csv_chunks(fh, target, chunk_rows):
                clf.partial_fit(transform(X) if transform else X, y, classes=classes)
                bar.update(fh.tell() - bar.n)
    return clf


def scan_csv(path: str | os.PathLike[str], target: str | int | None = None,
             chunk_rows: int = 65536) -> tuple[np.ndarray, Any]:
    """One pass over a CSV in chunks: its sorted classes and a StandardScaler fitted on it
    (``partial_fit``: the same mean and scale as on the whole file, to rounding)."""
    from sklearn.preprocessing import StandardScaler

    scaler, labels = StandardScaler(), set()
    for X, y in csv_chunks(path, target, chunk_rows):
        scaler.partial_fit(X)
        labels.update(y.tolist())
    return np.array(sorted(labels)), scaler
