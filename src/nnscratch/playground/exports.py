"""What the page exports: the estimator of a run, its model file, the equivalent command and code.

The playground trains :class:`nnscratch.MLPClassifier`; :func:`classifier` is the one place that
maps the page's settings onto its parameters (``nnscratch train``'s ``--optimizer`` names through
``cli._model.SOLVERS``, its ``--schedule`` names through ``get_schedule``). The model file is the
one ``nnscratch train --save`` writes (``nnscratch.io``; a CSV's standardisation folded into the
first layer), so ``nnscratch predict`` and ``nnscratch.load`` read it.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from nnscratch.cli._model import SOLVERS, fold_standardization
from nnscratch.engine import History, Network, get_schedule
from nnscratch.estimator import MLPClassifier
from nnscratch.io import ModelData, write_model
from nnscratch.playground.caps import NO_LIMIT_EPOCHS, Settings
from nnscratch.playground.data import Split


def estimator_params(s: Settings) -> dict[str, Any]:
    """MLPClassifier's parameters for the settings (no callbacks, a named schedule as a name)."""
    params: dict[str, Any] = {
        "hidden_layer_sizes": tuple(s.hidden), "activation": s.activation,
        "alpha": s.alpha, "learning_rate_init": s.lr, "init": s.init,
        "max_iter": s.epochs or NO_LIMIT_EPOCHS, "tol": None, "random_state": s.seed,
        "batch_size": s.batch, "momentum": s.momentum, "shuffle": True,
    }
    params |= SOLVERS[s.optimizer]
    return params


def classifier(s: Settings, callbacks: list[Any] | None = None) -> MLPClassifier:
    """The estimator the playground fits for ``s``."""
    params = estimator_params(s)
    if s.schedule != "constant":
        params["learning_rate"] = get_schedule(s.schedule, s.lr, decay=s.decay)
    return MLPClassifier(**params, callbacks=callbacks)


def model_file(s: Settings, net: Network, split: Split, history: History | None) -> bytes:
    """The .npz model file of the network's current weights (raw plane coordinates in)."""
    coefs, intercepts = list(net.params.coefs), list(net.params.intercepts)
    if split.mean is not None and split.scale is not None:
        coefs, intercepts = fold_standardization(coefs, intercepts, split.mean, split.scale)
    hyper = estimator_params(s)
    loss = list(history.loss) if history is not None else []
    fitted: dict[str, Any] = {"n_iter_": len(loss), "loss_curve_": loss,
                              "loss_": loss[-1] if loss else float("nan"),
                              "t_": history.n_samples_seen if history is not None else 0,
                              "command": "nnscratch playground"}
    model = ModelData(coefs, intercepts, np.asarray(split.classes),
                      [a.name for a in net.activations], hyperparameters=hyper, fitted=fitted)
    with tempfile.TemporaryDirectory(prefix="nnscratch-playground-") as folder:
        path = write_model(Path(folder) / "model.npz", model)
        return path.read_bytes()


def train_command(s: Settings, source: str, epochs: int) -> str:
    """The ``nnscratch train`` command of the same run (``epochs`` as trained so far)."""
    if source in ("moons", "circles", "xor", "spirals", "blobs", "gaussian_quantiles"):
        data = ["--dataset", s.dataset, "--samples", str(s.samples)]
        if s.dataset in ("spirals", "blobs", "gaussian_quantiles"):
            data += ["--classes", str(s.classes)]
        if s.dataset not in ("blobs", "gaussian_quantiles"):
            data += ["--noise", f"{s.noise:g}"]
    else:
        data = ["--csv", source]
    cmd = ["nnscratch", "train", *data, "--test-size", f"{s.test:g}", "--seed", str(s.seed),
           "--hidden", ",".join(map(str, s.hidden)) or "''", "--activation", s.activation,
           "--init", s.init, "--optimizer", s.optimizer, "--lr", f"{s.lr:g}",
           "--alpha", f"{s.alpha:g}", "--epochs", str(max(epochs, 1))]
    if s.optimizer != "gd":
        cmd += ["--batch-size", str(s.batch)]
    if s.optimizer in ("momentum", "nesterov"):
        cmd += ["--momentum", f"{s.momentum:g}"]
    if s.schedule != "constant":
        cmd += ["--schedule", s.schedule, "--decay", f"{s.decay:g}"]
    cmd += ["--save", "model.npz"]
    return " ".join(c if c == "''" else shlex.quote(c) for c in cmd)


def python_code(s: Settings, source: str, epochs: int, stratified: bool = True) -> str:
    """Python that trains the same MLPClassifier on the same split."""
    params = estimator_params(s)
    params["max_iter"] = max(epochs, 1)
    lines = ["from nnscratch import MLPClassifier"]
    if source == s.dataset and s.dataset != "csv":
        kw = [f"n_samples={s.samples}"]
        if s.dataset in ("spirals", "blobs", "gaussian_quantiles"):
            kw.append(f"n_classes={s.classes}")
        if s.dataset not in ("blobs", "gaussian_quantiles"):
            kw.append(f"noise={s.noise!r}")
        lines += ["from nnscratch.datasets import make_dataset", "",
                  f"X, y = make_dataset({s.dataset!r}, {', '.join(kw)}, random_state={s.seed})"]
    else:
        lines += ["from nnscratch.datasets import load_csv", "", f"X, y = load_csv({source!r})"]
    if s.test > 0:
        lines[1:1] = ["from sklearn.model_selection import train_test_split"]
        lines += [f"X, X_test, y, y_test = train_test_split(X, y, test_size={s.test!r}, "
                  f"random_state={s.seed}{', stratify=y' if stratified else ''})"]
    schedule = ""
    if s.schedule != "constant":
        lines[1:1] = ["from nnscratch.engine import get_schedule"]
        schedule = (f"\n    learning_rate=get_schedule({s.schedule!r}, {s.lr!r}, "
                    f"decay={s.decay!r}),")
    args = ",\n    ".join(f"{k}={v!r}" for k, v in params.items())
    clf = f"clf = MLPClassifier(\n    {args},{schedule}\n)"
    if source != s.dataset or s.dataset == "csv":
        lines[1:1] = ["from sklearn.pipeline import make_pipeline",
                      "from sklearn.preprocessing import StandardScaler"]
        clf += "\nclf = make_pipeline(StandardScaler(), clf)"
    lines += [clf, "clf.fit(X, y)"]
    return "\n".join(lines) + "\n"
