"""Hyperparameter sweeps: a GridSearchCV over hidden-layer size and L2 strength, on this machine
(joblib processes) or on a Dask cluster (joblib's dask backend), with a CSV table and a heat map.

The default model is the tutorial's: one tanh hidden layer, full-batch gradient descent with
lr = 2.0 from the tutorial's initial weights (init='seed', random_state=0). Every fit of the grid
is deterministic, so a local run and a cluster run give the same table.
"""

from __future__ import annotations

import csv
import gc
import inspect
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from nnscratch import datasets
from nnscratch.estimator import MLPClassifier
from nnscratch.viz.figures import new_axes

HIDDEN = (1, 2, 3, 4, 5, 20, 50)
ALPHAS = (0.0001, 0.01, 0.1)
TUTORIAL_MODEL: dict[str, Any] = dict(activation="tanh", solver="gd", learning_rate_init=2.0,
                                      init="seed", random_state=0)


Generator = Callable[..., tuple[np.ndarray, np.ndarray]]


def dataset_generators() -> dict[str, Generator]:
    """Every data generator of :mod:`nnscratch.datasets`, by name.

    A generator is a public function of that module whose parameters all have defaults and
    include ``n_samples`` and ``random_state`` (moons, and whatever is added later).
    """
    found: dict[str, Generator] = {}
    for name, fn in inspect.getmembers(datasets, inspect.isfunction):
        if name.startswith("_") or fn.__module__ != datasets.__name__:
            continue
        params = inspect.signature(fn).parameters
        if {"n_samples", "random_state"} <= set(params) and all(
                p.default is not inspect.Parameter.empty for p in params.values()):
            found[name] = fn
    return found


def load_dataset(name: str, n_samples: int | None = None,
                 random_state: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``nnscratch.datasets.<name>(n_samples, random_state=...)``; its default size if None."""
    generators = dataset_generators()
    if name not in generators:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(sorted(generators))}")
    kwargs: dict[str, Any] = {"random_state": random_state}
    if n_samples is not None:
        kwargs["n_samples"] = n_samples
    return generators[name](**kwargs)


@dataclass
class SweepResult:
    """The fitted search and the grid it covered."""

    search: GridSearchCV
    hidden: tuple[int, ...]
    alphas: tuple[float, ...]

    @property
    def mean_scores(self) -> np.ndarray:
        """Mean CV accuracy, of shape (len(hidden), len(alphas)); NaN where a fit failed."""
        return self._grid("mean_test_score")

    @property
    def std_scores(self) -> np.ndarray:
        return self._grid("std_test_score")

    def _grid(self, key: str) -> np.ndarray:
        res = self.search.cv_results_
        out = np.full((len(self.hidden), len(self.alphas)), np.nan)
        for params, value in zip(res["params"], res[key]):
            i = self.hidden.index(params["hidden_layer_sizes"][0])
            j = self.alphas.index(params["alpha"])
            out[i, j] = value
        return out


def run_sweep(X: np.ndarray, y: np.ndarray, hidden: Sequence[int] = HIDDEN,
              alphas: Sequence[float] = ALPHAS, cv: int = 5, n_jobs: int | None = None,
              scheduler: str | None = None, estimator: BaseEstimator | None = None,
              verbose: int = 0) -> SweepResult:
    """Cross-validated accuracy of every (hidden size, alpha) pair.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    hidden : sizes of the single hidden layer
    alphas : L2 strengths
    cv : folds (stratified, not shuffled: deterministic)
    n_jobs : parallel fits (joblib); with ``scheduler``, None means every worker of the cluster
    scheduler : address of a Dask scheduler, e.g. ``tcp://10.0.0.5:8786``: the search runs on
        that cluster (needs ``pip install 'nnscratch[cluster]'`` here and on the workers)
    estimator : a classifier with ``hidden_layer_sizes`` and ``alpha`` parameters; default
        the tutorial's model with ``max_iter=2000``

    Returns
    -------
    result : SweepResult
    """
    hidden, alphas = tuple(int(h) for h in hidden), tuple(float(a) for a in alphas)
    if not hidden or not alphas:
        raise ValueError("need at least one hidden size and one alpha")
    if estimator is None:
        estimator = MLPClassifier(**TUTORIAL_MODEL, max_iter=2000)
    check = getattr(estimator, "check_params", None)  # (nnscratch's MLPClassifier has it)
    if check is not None:
        check()  # a bad setting fails here, once, not in every fit of the grid
    grid = {"hidden_layer_sizes": [(h,) for h in hidden], "alpha": list(alphas)}
    search = GridSearchCV(estimator, grid, cv=cv, n_jobs=n_jobs, verbose=verbose,
                          error_score=np.nan)
    # a sweep expects some settings not to converge; the table says how well each did
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if scheduler is None:
            try:
                search.fit(X, y)
            except BaseException:  # Ctrl-C (or an error): no worker process outlives the call
                _stop_local_workers()
                raise
        else:
            _fit_on_cluster(search, X, y, scheduler, n_jobs)
    return SweepResult(search, hidden, alphas)


def _stop_local_workers() -> None:
    """Kill joblib's worker processes, free their semaphores and delete their temporary folder
    now: left to the exit, loky's resource tracker reports them as leaked after the command."""
    from joblib.externals.loky import reusable_executor

    executor = getattr(reusable_executor, "_executor", None)
    if executor is not None:  # joblib's MemmappingExecutor: terminate also cleans the folder
        getattr(executor, "terminate", executor.shutdown)(kill_workers=True)
        reusable_executor._executor = None
        gc.collect()  # its queues' semaphores are unlinked when they are collected


def _fit_on_cluster(search: GridSearchCV, X: np.ndarray, y: np.ndarray, scheduler: str,
                    n_jobs: int | None) -> None:
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(
            "running on a Dask cluster (--scheduler) needs dask.distributed: "
            "pip install 'nnscratch[cluster]'") from None
    import joblib
    from distributed.comm import get_address_host_port

    try:
        get_address_host_port(scheduler)
    except (ValueError, TypeError):
        raise ValueError(f"a scheduler address looks like tcp://HOST:PORT; got {scheduler!r}") \
            from None
    search.set_params(n_jobs=-1 if n_jobs is None else n_jobs)
    with Client(scheduler, timeout="10s", set_as_default=False) as client, \
            joblib.parallel_config(backend="dask", client=client):
        search.fit(X, y)


def write_table(result: SweepResult, path: str | os.PathLike[str]) -> Path:
    """One CSV row per setting: hidden, alpha, mean/std accuracy, rank, each fold, fit time."""
    res = result.search.cv_results_
    n_splits = result.search.n_splits_
    header = ["hidden", "alpha", "mean_accuracy", "std_accuracy", "rank",
              *[f"fold{k}_accuracy" for k in range(n_splits)], "mean_fit_time_s"]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for i, params in enumerate(res["params"]):
            writer.writerow([
                params["hidden_layer_sizes"][0], params["alpha"],
                res["mean_test_score"][i], res["std_test_score"][i], res["rank_test_score"][i],
                *[res[f"split{k}_test_score"][i] for k in range(n_splits)],
                res["mean_fit_time"][i],
            ])
    return path


def plot_sweep(result: SweepResult, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Heat map of mean CV accuracy: hidden size down, alpha across, values written in, the
    best setting outlined."""
    ax = new_axes(ax, figsize=(1.6 + 1.3 * len(result.alphas), 1.2 + 0.5 * len(result.hidden)))
    scores = result.mean_scores
    image = ax.imshow(scores, cmap="viridis", aspect="auto", vmin=np.nanmin(scores),
                      vmax=np.nanmax(scores))
    ax.set_xticks(range(len(result.alphas)), [f"{a:g}" for a in result.alphas])
    ax.set_yticks(range(len(result.hidden)), [str(h) for h in result.hidden])
    ax.set_xlabel("alpha (L2 strength)")
    ax.set_ylabel("hidden units")
    middle = (np.nanmin(scores) + np.nanmax(scores)) / 2
    for (i, j), value in np.ndenumerate(scores):
        text = "failed" if math.isnan(value) else f"{value:.3f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=9,
                color="black" if not math.isnan(value) and value > middle else "white")
    if not np.isnan(scores).all():  # outline the best setting
        i, j = np.unravel_index(np.nanargmax(scores), scores.shape)
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2))
    if ax.figure is not None:
        ax.figure.colorbar(image, ax=ax, label="mean CV accuracy")
    ax.set_title(title or f"Mean accuracy, {result.search.n_splits_}-fold CV")
    return ax
