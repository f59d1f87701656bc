"""The training loop: epochs, minibatches, validation, early stopping, callbacks, divergence guard.

One epoch = one pass over the data in batches. For each batch::

    ce_b = forward_backward(...)           the summed loss at the current parameters, and
                                           into grads the gradient of the batch's mean loss
    optimizer.update(params, grads, lr(t)) one step; t counts steps from 0

The epoch's loss is scikit-learn's: sum over batches of (CE_b + alpha/2 sum W^2), divided by N.
With one full batch it is exactly the mean loss at the parameters *before* the epoch's step.

Stopping (scikit-learn's rule): when the training loss (or, with early stopping, the validation
accuracy) fails to improve by ``tol`` for more than ``n_iter_no_change`` epochs in a row;
``tol=None`` never stops early. After each epoch a schedule that implements
:class:`~nnscratch.engine.schedules.EpochAware` hears of the epoch's loss and of a stall (it may
lower its rate and keep training going); then every callback is called as ``cb(history, network)``.

Divergence: if the loss or a weight becomes non-finite, or the loss blows up to more than
``DIVERGENCE_FACTOR`` times its value at the first step (at least 1), training stops, the parameters
are restored to the last step whose loss was finite and below that limit, and
:class:`DivergenceError` is raised (bounded activations and Adam keep the loss finite yet absurd,
around 1e6 for a learning rate of 1e6, so "finite" alone would let such runs pass). Floating-point
warnings are silenced inside the loop: it checks the values itself. Ctrl-C stops training cleanly,
with ``history.stop_reason`` ``'interrupted'``, the parameters and the optimizer's state
(momentum, Adam's moments and step count) of the epochs the history holds: within an epoch both go
back to that epoch's start (with early stopping the parameters are the best ones), so a resumed run
takes the same steps as one never interrupted. (The fused loop, engine/_fused.py, does the same
per block of epochs: weights, optimizer state and history go back to the last block recorded.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from nnscratch.engine import _batching, _fused
from nnscratch.engine.history import DIVERGENCE_FACTOR, DivergenceError, History, divergence_message
from nnscratch.engine.initializers import as_random_state
from nnscratch.engine.losses import l2_penalty, one_hot
from nnscratch.engine.network import Network, forward_backward
from nnscratch.engine.optimizers import GD, Optimizer, get_optimizer
from nnscratch.engine.parallel import limit_blas_threads, threads
from nnscratch.engine.schedules import EpochAware, Schedule, as_schedule

RandomLike = int | np.random.RandomState | np.random.Generator | None

Callback = Callable[[History, Network], "bool | None"]  # cb(history, network) after each epoch


def _check_batch_size(batch_size: int | None, n: int) -> int:
    if batch_size is None:
        return n
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1 or None; got {batch_size!r}")
    return min(int(batch_size), n)


def _as_matrix(name: str, A: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``A`` as a C-contiguous 2-D array of ``dtype`` with finite values, or a clear error."""
    A = np.asarray(A)
    if A.dtype.kind not in "biuf":
        hint = ("take the real part (A.real) or split real and imaginary parts into features"
                if A.dtype.kind == "c" else "encode strings and objects as numbers first")
        raise ValueError(f"{name} must hold real numbers; got dtype {A.dtype}: {hint}")
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D, shape (n_samples, n_columns); got shape {A.shape}"
                         + ("; use X.reshape(-1, 1) for a single feature" if A.ndim == 1 else ""))
    if 0 in A.shape:
        raise ValueError(f"{name} is empty (shape {A.shape}); need at least one sample and one "
                         "column")
    with np.errstate(over="ignore", invalid="ignore"):  # too large for dtype: inf, named below
        A = np.ascontiguousarray(A, dtype=dtype)
    bad = ~np.isfinite(A)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        cast = f" or too large for {dtype}" if dtype != np.float64 else ""
        raise ValueError(f"{name} contains NaN or infinity{cast} (first at row {i}, column {j}); "
                         "remove or impute those values, e.g. with sklearn.impute.SimpleImputer")
    return A


def check_data(net: Network, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Check inputs and one-hot targets against ``net``; cast them to its dtype (no copy if equal).

    Raises ``ValueError`` naming the problem and the fix: non-numeric or complex values, wrong
    number of dimensions, no samples, NaN or infinity, wrong number of features or classes.
    """
    n_in, n_out = net.layer_sizes[0], net.layer_sizes[-1]
    if np.ndim(Y) == 1:
        raise ValueError(f"Y must be one-hot, shape (n_samples, {n_out}); got labels of shape "
                         f"{np.shape(Y)}: use nnscratch.engine.losses.one_hot(y, {n_out})")
    X = _as_matrix("X", X, net.params.dtype)
    Y = _as_matrix("Y", Y, net.params.dtype)
    if X.shape[1] != n_in:
        raise ValueError(f"X has {X.shape[1]} features but the network takes {n_in} "
                         f"(layer sizes {net.layer_sizes})")
    if Y.shape != (X.shape[0], n_out):
        raise ValueError(f"Y must have shape (n_samples, n_classes) = ({X.shape[0]}, {n_out}), "
                         f"one row per row of X; got {Y.shape}")
    return X, Y


def _check_validation(net: Network, validation: tuple[np.ndarray, np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray]:
    X_val, y_val = validation
    n_in, n_out = net.layer_sizes[0], net.layer_sizes[-1]
    X_val = _as_matrix("validation X", X_val, net.params.dtype)
    y_val = np.asarray(y_val)
    if X_val.shape[1] != n_in:
        raise ValueError(f"validation X has {X_val.shape[1]} features but the network takes "
                         f"{n_in}")
    if (y_val.shape != (X_val.shape[0],) or y_val.dtype.kind not in "iu"
            or y_val.min() < 0 or y_val.max() >= n_out):
        raise ValueError(f"validation labels must be {X_val.shape[0]} integers in "
                         f"0..{n_out - 1}, one per row of validation X; got {y_val.dtype} of "
                         f"shape {y_val.shape}")
    return X_val, y_val


def train(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    learning_rate: float | Schedule = 0.01,
    optimizer: Optimizer | str | None = None,
    alpha: float = 0.0,
    epochs: int = 200,
    batch_size: int | None = None,
    shuffle: bool = True,
    random_state: RandomLike = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    early_stopping: bool = False,
    tol: float | None = 1e-4,
    n_iter_no_change: int = 10,
    callbacks: Sequence[Callback] = (),
    verbose: bool = False,
    history: History | None = None,
    backend: str = "auto",
) -> History:
    """Train ``net`` in place on one-hot targets.

    Parameters
    ----------
    net : Network
    X : ndarray of shape (n_samples, n_features), same dtype as the parameters
    Y : ndarray of shape (n_samples, n_classes), one-hot, same dtype
    learning_rate : float or callable ``lr(step) -> float``, optionally
        :class:`~nnscratch.engine.schedules.EpochAware` (told of every epoch's end)
    optimizer : Optimizer or name ('gd', 'sgd', 'momentum', 'nesterov', 'adam'), default 'gd'
    alpha : float >= 0, L2 strength (penalty alpha/(2N) sum W^2)
    epochs : int >= 1
    batch_size : int or None (None: full batch)
    shuffle : reshuffle minibatches every epoch from ``random_state``
    random_state : int, RandomState, Generator or None
    validation : (X_val, y_val) with integer labels, scored every epoch
    early_stopping : stop on validation accuracy and keep the best parameters
    tol : float or None, minimum improvement; None never stops before ``epochs``
    n_iter_no_change : int >= 1
    callbacks : callables ``cb(history, network)``, after each epoch; returning True stops
        training (``network`` is ``net`` itself: copy its parameters to keep them)
    verbose : show a tqdm progress bar (off when not a terminal)
    history : History to extend (warm starts)
    backend : 'auto', 'numpy' or 'numba' (the compiled loop of engine/_fused.py: same steps;
        'auto' picks it for small networks when numba is installed); recorded in history.backend

    Returns
    -------
    history : History
    """
    if not (isinstance(epochs, (int, np.integer)) and epochs >= 1):
        raise ValueError(f"epochs must be an int >= 1; got {epochs!r}")
    if not (isinstance(alpha, (int, float)) and math.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a finite number >= 0; got {alpha!r}")
    if early_stopping and validation is None:
        raise ValueError("early_stopping needs validation data")
    if tol is not None and not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0 or None; got {tol!r}")
    if not (isinstance(n_iter_no_change, (int, np.integer)) and n_iter_no_change >= 1):
        raise ValueError(f"n_iter_no_change must be an int >= 1; got {n_iter_no_change!r}")
    X, Y = check_data(net, X, Y)
    if validation is not None:
        validation = _check_validation(net, validation)
    schedule = as_schedule(learning_rate)
    optimizer = GD() if optimizer is None else get_optimizer(optimizer)
    hist = history or History()
    params, acts = net.params, net.activations
    n = X.shape[0]
    m = _check_batch_size(batch_size, n)
    full_batch = m == n
    # larger batches are summed over fixed chunks, shared out to threads (see _batching.py)
    chunk = _batching.chunk_rows(m)
    ws = _batching.Workspace(net.layer_sizes, chunk, params.dtype,
                             threads() if m > chunk else 1)
    grads = params.zeros_like()
    backup = params.flat.copy()  # parameters of the last finite step
    # what hist describes, for Ctrl-C before an epoch's record: the parameters at the epoch's
    # start (a full batch: its one step's backup) and the optimizer's state
    kept = backup if full_batch else params.flat.copy()
    kept_optimizer = optimizer.snapshot()
    flat, gflat, weights = params.flat, grads.flat, params.weights
    p_list, g_list = [flat], [gflat]
    rng = as_random_state(random_state)
    if validation is not None:
        X_val, y_val = validation
        Y_val = one_hot(y_val, Y.shape[1], X.dtype)
    end_epoch = schedule.end_epoch if isinstance(schedule, EpochAware) else None
    bar = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, disable=None, unit="epoch", leave=False)
    # --- backend: the same loop compiled (engine/_fused.py), or the NumPy loop below ---------
    hist.backend = _fused.select_backend(backend, net, m, optimizer, validation, early_stopping,
                                         steps=epochs * -(-n // m))
    chunk_fn = None
    if hist.backend == "numba" and m > chunk:  # chunks on threads, each a call of the kernel
        chunk_fn = _fused.chunk_function(net)
    elif hist.backend == "numba":  # batches of one chunk: the whole loop in the kernel
        try:
            return _fused.train(net, X, Y, schedule=schedule, optimizer=optimizer, alpha=alpha,
                                epochs=epochs, batch_size=m, shuffle=shuffle, rng=rng, tol=tol,
                                n_iter_no_change=n_iter_no_change, end_epoch=end_epoch,
                                callbacks=callbacks, hist=hist, bar=bar)
        finally:
            if bar is not None:
                bar.close()
    # --- end of backend selection ------------------------------------------------------------
    X1 = _batching.with_ones(X)  # [X, 1]: b_1 and db_1 come out of the first layer's products
    if not full_batch and shuffle:
        Xb = np.empty((m, X1.shape[1]), X.dtype)
        Yb = np.empty((m, Y.shape[1]), Y.dtype)
    stall = hist.n_no_improvement
    step = hist.n_steps
    recorded = True  # the weights are those hist describes (False from a step to its record)
    lr = schedule(step)
    score = -math.inf
    best_params = flat.copy()
    first = bad = math.nan  # mean loss at the first step; the loss that diverged
    limit = math.inf  # largest acceptable mean loss, set at the first step
    blas = limit_blas_threads(ws.n_rows, net.layer_sizes, len(ws.helpers))
    errstate = np.errstate(over="ignore", invalid="ignore", divide="ignore")
    errstate.__enter__()
    try:
        for _ in range(epochs):
            # one full batch (in order), or minibatches reshuffled every epoch
            order = rng.permutation(n) if shuffle and not full_batch else None
            total = 0.0
            for start in range(0, n, m):
                stop = min(start + m, n)
                size = stop - start
                if full_batch:
                    xb, yb = X1, Y
                elif order is None:
                    xb, yb = X1[start:stop], Y[start:stop]  # views, no copy
                else:
                    idx = order[start:stop]
                    xb = np.take(X1, idx, axis=0, out=Xb[:size])
                    yb = np.take(Y, idx, axis=0, out=Yb[:size])
                lr = schedule(step)
                ce = forward_backward(params, acts, xb, yb, ws, alpha, grads, chunk_fn)
                batch = ce + l2_penalty(weights, alpha)  # N_b * batch loss
                if not (math.isfinite(batch) and batch <= limit * size):
                    bad = batch / size
                    raise FloatingPointError
                if limit == math.inf:
                    first = batch / size
                    limit = DIVERGENCE_FACTOR * max(first, 1.0)
                total += batch
                backup[...] = flat
                recorded = False
                optimizer.update(p_list, g_list, lr)
                step += 1
            epoch_loss = total / n
            if validation is not None:  # before the record: Ctrl-C here takes the step back
                score, vloss = _evaluate(net, X_val, y_val, Y_val)
            hist.n_steps = step
            hist.n_samples_seen += n
            hist.loss.append(epoch_loss)
            hist.learning_rate.append(lr)
            if validation is not None:
                hist.val_score.append(score)
                hist.val_loss.append(vloss)
            if early_stopping:
                improved = tol is None or score >= hist.best_val_score + tol
                if score > hist.best_val_score:
                    hist.best_val_score = score
                    best_params = flat.copy()
            else:
                improved = tol is None or epoch_loss <= hist.best_loss - tol
            hist.best_loss = min(hist.best_loss, epoch_loss)
            if validation is not None and not early_stopping:
                hist.best_val_score = max(hist.best_val_score, score)
            stall = hist.n_no_improvement = 0 if improved else stall + 1
            if end_epoch is not None and end_epoch(epoch_loss, stall > n_iter_no_change):
                stall = hist.n_no_improvement = 0  # the schedule lowered its rate: go on
            recorded = True  # hist now describes the weights after this epoch's steps
            if kept is not backup:
                kept[...] = flat
            kept_optimizer = optimizer.snapshot(into=kept_optimizer)
            if bar is not None:  # after the record: Ctrl-C while the bar draws keeps the epoch
                bar.update(1)
                bar.set_postfix(loss=f"{epoch_loss:.4g}", refresh=False)
            if callbacks and any([bool(cb(hist, net)) for cb in callbacks]):  # call every one
                hist.stop_reason = "callback"
                break
            if stall > n_iter_no_change:
                hist.stop_reason = "early_stopping" if early_stopping else "converged"
                break
        if not np.isfinite(flat).all():
            raise FloatingPointError
    except FloatingPointError:
        flat[...] = backup
        hist.stop_reason = "diverged"
        raise DivergenceError(divergence_message(hist.n_epochs + 1, step, first, bad, lr),
                              hist, net) from None
    except KeyboardInterrupt:
        if not recorded:  # in a step or before its epoch's record: back to the epoch's start
            flat[...] = kept
            optimizer.restore(kept_optimizer)
        if early_stopping and hist.val_score:
            flat[...] = best_params
        hist.stop_reason = "interrupted"
    finally:
        errstate.__exit__(None, None, None)
        blas.restore_original_limits()
        if bar is not None:
            bar.close()
    if early_stopping and hist.val_score and hist.stop_reason != "interrupted":
        flat[...] = best_params
    return hist


def _evaluate(net: Network, X: np.ndarray, y: np.ndarray, Y: np.ndarray) -> tuple[float, float]:
    """Accuracy and mean cross-entropy (no L2) of ``net`` on held-out data."""
    probs = net.predict_proba(X)
    acc = float(np.mean(np.argmax(probs, axis=1) == y))
    p_true = np.clip(np.sum(probs * Y, axis=1), np.finfo(probs.dtype).tiny, None)
    return acc, float(-np.mean(np.log(p_true)))


__all__ = ["DIVERGENCE_FACTOR", "Callback", "DivergenceError", "History", "check_data", "train"]
