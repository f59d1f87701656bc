"""Real data, estimator level: scikit-learn's digits, fit time of nnscratch's MLPClassifier
against scikit-learn's MLPClassifier and PyTorch, side by side.

    python benchmarks/digits.py [--reps 5] [--epochs 100] [--threads 1]

The same work for all three: the digits training split (1347 x 64, 10 classes, standardised),
hidden (100,) relu, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), batches of 200 in order (no
shuffling), L2 alpha = 1e-4 on the weights, exactly ``--epochs`` epochs (no early stop), float64.
nnscratch and scikit-learn start from the same Glorot weights (same ``random_state``); PyTorch
from those weights too (``MLPClassifier.to_torch``), its L2 as Adam's weight decay alpha / m.
Every library gets ``--threads`` threads (BLAS/OpenMP through threadpoolctl, PyTorch's
``set_num_threads``); nnscratch uses one for batches of 200 (below its 1536-row chunk size), so
the default 1 is equal resources. Runs alternate (ours, scikit-learn, PyTorch, ours, ...) for
``--reps`` rounds after one untimed warm-up round; the table shows medians,
``time / time(nnscratch)`` and the test accuracy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from nnscratch import MLPClassifier  # noqa: E402
from nnscratch.datasets import load_real  # noqa: E402
from nnscratch.engine import init_params  # noqa: E402
from nnscratch.export import to_torch  # noqa: E402
from nnscratch.io import ModelData  # noqa: E402

SETTINGS = dict(hidden_layer_sizes=(100,), activation="relu", solver="adam", alpha=1e-4,
                batch_size=200, learning_rate_init=1e-3, shuffle=False, random_state=0)


def data() -> tuple[np.ndarray, ...]:
    X, y, _, _ = load_real("digits")
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_tr)
    return scaler.transform(X_tr), scaler.transform(X_te), y_tr, y_te


def fit_ours(X: np.ndarray, y: np.ndarray, epochs: int) -> MLPClassifier:
    return MLPClassifier(**SETTINGS, max_iter=epochs, tol=None).fit(X, y)


def fit_sklearn(X: np.ndarray, y: np.ndarray, epochs: int) -> SkMLP:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return SkMLP(**SETTINGS, max_iter=epochs, tol=0.0, n_iter_no_change=epochs).fit(X, y)


def initial_weights() -> ModelData:
    """The Glorot weights MLPClassifier(random_state=0) and scikit-learn start from."""
    params = init_params((64, 100, 10), "glorot", random_state=np.random.RandomState(0),
                         activation="relu")
    return ModelData(list(params.coefs), list(params.intercepts), np.arange(10), ["relu"])


def fit_torch(X: np.ndarray, y: np.ndarray, epochs: int) -> object:
    import torch
    import torch.nn.functional as F

    seq = to_torch(initial_weights())[:-1].train()  # the logits, from the same weights
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    weights = [p for name, p in seq.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in seq.named_parameters() if name.endswith("bias")]
    m = int(SETTINGS["batch_size"])  # type: ignore[call-overload]
    opt = torch.optim.Adam([{"params": weights, "weight_decay": 1e-4 / m},
                            {"params": biases, "weight_decay": 0.0}], lr=1e-3, eps=1e-8)
    for _ in range(epochs):
        for s in range(0, len(X), m):
            xb, yb = Xt[s : s + m], yt[s : s + m]
            opt.param_groups[0]["weight_decay"] = 1e-4 / len(xb)  # alpha / m of this batch
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(seq(xb), yb).backward()
            opt.step()
    return seq


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(args.threads):
        return run(args)


def run(args: argparse.Namespace) -> int:
    X_tr, X_te, y_tr, y_te = data()
    impls = {"nnscratch MLPClassifier": lambda: fit_ours(X_tr, y_tr, args.epochs),
             "scikit-learn MLPClassifier": lambda: fit_sklearn(X_tr, y_tr, args.epochs)}
    try:
        import torch

        torch.set_num_threads(args.threads)
        impls["PyTorch nn.Sequential"] = lambda: fit_torch(X_tr, y_tr, args.epochs)
    except ImportError:
        print("PyTorch not installed: its row is skipped (pip install 'nnscratch[torch]')")
    times: dict[str, list[float]] = {name: [] for name in impls}
    acc: dict[str, float] = {}
    for fit in impls.values():  # warm-up, untimed: imports, thread pools, first allocations
        fit()
    for _ in range(args.reps):  # alternating: machine noise hits every row alike
        for name, fit in impls.items():
            t0 = time.perf_counter()
            model = fit()
            times[name].append(time.perf_counter() - t0)
            if name.startswith("PyTorch"):
                with torch.no_grad():
                    pred = model(torch.from_numpy(X_te)).argmax(dim=1).numpy()  # type: ignore[operator]
            else:
                pred = model.predict(X_te)  # type: ignore[attr-defined]
            acc[name] = float(np.mean(pred == y_te))
    ours = statistics.median(times["nnscratch MLPClassifier"])
    print(f"digits: {len(y_tr)} train x 64 features, hidden 100 relu, Adam, batch 200, "
          f"{args.epochs} epochs, float64; {args.reps} alternating rounds, {args.threads} "
          f"thread(s) each, {os.cpu_count()} cores")
    print(f"{'implementation':<28}{'median s':>10}{'min s':>9}{'x nnscratch':>13}{'test acc':>10}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<28}{med:>10.3f}{min(ts):>9.3f}{med / ours:>13.2f}{acc[name]:>10.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
