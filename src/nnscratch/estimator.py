"""``MLPClassifier``: the scikit-learn face of the engine.

Everything numerical happens in :mod:`nnscratch.engine` (``init_params``, ``Network``,
``train``, the optimizers); this module validates input and parameters the scikit-learn way,
encodes labels, maps scikit-learn's solver parameters onto the engine
(:mod:`nnscratch._estimator_solver`) and stores the results as fitted attributes.
"""

from __future__ import annotations

import copy
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from nnscratch._estimator_files import ModelFiles
from nnscratch._estimator_params import check_params
from nnscratch._estimator_solver import SklearnRate, batch_rows, hidden_sizes, make_optimizer
from nnscratch.engine import (
    DivergenceError,
    History,
    Network,
    Params,
    get_activation,
    init_params,
    train,
)
from nnscratch.engine.losses import one_hot


@contextmanager
def _numeric_hint() -> Iterator[None]:
    """Add the fix to scikit-learn's "could not convert string to float" (text features).

    Values too large for the estimator's dtype (1e300 into float32) become infinity, and
    infinities of both signs sum to NaN, silently: scikit-learn's check then reports them as a
    ValueError, not as RuntimeWarnings."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            yield
    except ValueError as exc:
        if "could not convert" not in str(exc):
            raise
        raise ValueError(f"X must hold numbers ({exc}); encode text or categorical features "
                         "as numbers first, e.g. with sklearn.preprocessing.OneHotEncoder") from exc


class MLPClassifier(ModelFiles, ClassifierMixin, BaseEstimator):
    """A multi-layer perceptron classifier trained by nnscratch's from-scratch engine.

    Parameters carry scikit-learn's names and meanings
    (:class:`sklearn.neural_network.MLPClassifier`); ``solver='gd'``, ``init`` and ``dtype``
    are nnscratch's own.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int >= 1, or int, default=(100,)
        Units of each hidden layer; ``()`` is softmax regression.
    activation : str or tuple of str, default='relu'
        Hidden-layer nonlinearity: one of 'tanh', 'logistic', 'relu', 'identity', 'leaky_relu',
        'elu', 'softplus', 'sigmoid' (= 'logistic') for every hidden layer, or a tuple of them,
        one per hidden layer (``activation=('relu', 'tanh')`` with
        ``hidden_layer_sizes=(20, 10)``). 'glorot' scales every layer for the first one.
    solver : {'adam', 'sgd', 'gd'}, default='adam'
        'gd': full-batch plain gradient descent (the tutorial's; ``batch_size``, ``shuffle`` and
        ``momentum`` unused); 'sgd': minibatches with (Nesterov) momentum, plain steps when
        ``momentum=0``; 'adam': minibatch Adam.
    alpha : float >= 0, default=1e-4
        L2 strength: the loss is ``(CE + alpha/2 sum W^2) / N``.
    batch_size : int >= 1 or 'auto', default='auto'
        Minibatch rows ('sgd', 'adam'); 'auto' is ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'} or callable, default='constant'
        scikit-learn's schedules for 'sgd' and 'gd' ('adam' keeps ``learning_rate_init``). A
        callable ``lr(step) -> float``, i.e. an engine schedule (:func:`nnscratch.engine.\
step_decay`, ``inverse_time``, ``exponential_decay``, ``ReduceOnPlateau``, or
        :func:`nnscratch.engine.schedules.get_schedule` by name) sets the rate of every update
        for every solver; ``step`` counts updates from 0 and goes on across ``partial_fit``
        calls; ``learning_rate_init`` is then unused. A schedule that reacts to the end of an
        epoch (ReduceOnPlateau) gets the engine's end-of-epoch calls. Each ``fit`` (not
        ``partial_fit``, not a warm start) trains with a fresh deep copy of the object, so the
        object passed is never changed and two fits give the same result.
    learning_rate_init : float > 0, default=1e-3
    power_t : float >= 0, default=0.5
        Exponent of 'invscaling': ``lr = learning_rate_init / (t + 1)^power_t``, t = samples seen.
    max_iter : int >= 1, default=200
        Maximum number of epochs (passes over the data).
    shuffle : bool, default=True
        Reshuffle the minibatches every epoch ('sgd', 'adam').
    random_state : int, RandomState instance or None, default=None
        Draws the initial weights, then the validation split and the shuffling (as scikit-learn).
    tol : float >= 0 or None, default=1e-4
        Training stops when the loss (with early stopping: the validation accuracy) has not
        improved by ``tol`` for more than ``n_iter_no_change`` epochs. None never stops early.
    verbose : bool or int, default=False
        Show a progress bar with the loss.
    warm_start : bool, default=False
        ``fit`` continues from the current weights; ``loss_curve_`` and ``t_`` go on, the
        optimizer state restarts (as scikit-learn).
    momentum : float in [0, 1], default=0.9
    nesterovs_momentum : bool, default=True
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop on its accuracy and keep the
        best weights. The split is scikit-learn's (stratified for two classes, not for more), so
        the same ``random_state`` holds out the same samples.
    validation_fraction : float in (0, 1), default=0.1
    beta_1, beta_2 : float in [0, 1), default=0.9, 0.999
        Adam's decay rates.
    epsilon : float > 0, default=1e-8
        Adam's stabiliser.
    n_iter_no_change : int >= 1 or np.inf, default=10
    init : {'glorot', 'seed', 'he'}, default='glorot'
        Initial weights. 'glorot' draws exactly what scikit-learn's MLP draws for the same int
        ``random_state``; 'seed' is the tutorial's ``randn / sqrt(fan_in)``.
    dtype : {'float64', 'float32'}, default='float64'
        Precision of the weights and of the computation (X is converted).
    callbacks : list of callables or None, default=None
        Engine callbacks, called ``cb(history, network)`` after every epoch of every ``fit`` and
        ``partial_fit`` (:class:`nnscratch.engine.History` so far, the live
        :class:`nnscratch.engine.Network`: copy its parameters to keep them); one that returns
        True stops training (``n_iter_`` counts the epochs run). E.g.
        :class:`nnscratch.engine.callbacks.Snapshots` records the weights for an animation.
        Saved as None in model files.
    backend : {'auto', 'numpy', 'numba'}, default='auto'
        The training loop: NumPy, or the same steps compiled with numba
        (``pip install 'nnscratch[fast]'``); 'auto' picks numba for small networks when it is
        installed and compiled (see ``nnscratch.engine._fused``). The one used is ``backend_``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when X had string column names.
    coefs_ : list of ndarray, coefs_[l] of shape (fan_in, fan_out)
    intercepts_ : list of ndarray, intercepts_[l] of shape (fan_out,)
    n_layers_ : int
        Hidden layers + 2.
    backend_ : {'numpy', 'numba'}
        The training loop the last fit used.
    n_outputs_ : int
        Output units: ``n_classes`` (see Notes).
    out_activation_ : str
        Always 'softmax'.
    loss_ : float
        Training loss of the last epoch (the last entry of ``loss_curve_``).
    loss_curve_ : list of float
        Loss of each epoch: the sum over its batches of ``CE_b + alpha/2 sum W^2``, divided by N,
        each at the weights *before* that batch's step (scikit-learn's definition). With full
        batches, entry k is the mean loss after k steps.
    best_loss_ : float or None
        Lowest ``loss_curve_`` entry; None with early stopping.
    validation_scores_ : list of float or None
        Validation accuracy per epoch with early stopping, else None.
    best_validation_score_ : float or None
    n_iter_ : int
        Epochs run by the last call to fit (1 after partial_fit).
    interrupted_ : bool
        True when the last fit was stopped by Ctrl-C (KeyboardInterrupt): the weights are those
        after the ``n_iter_`` epochs it counts (the epoch under way is taken back; with early
        stopping: the best ones) and a UserWarning said so.
    t_ : int
        Training samples seen, over all calls (``n_iter_ * n_samples`` for one fit).

    Notes
    -----
    Conventions that differ from scikit-learn's MLPClassifier:

    - The output layer is always a softmax with one unit per class, binary problems included.
      scikit-learn uses a single logistic unit for two classes (``n_outputs_ == 1``,
      ``out_activation_ == 'logistic'``, ``coefs_[-1]`` of shape (fan_in, 1)); nnscratch has
      ``n_outputs_ == 2`` and ``coefs_[-1]`` of shape (fan_in, 2). With three or more classes
      the two models are the same function and, from the same weights, take the same steps.
    - No 'lbfgs' solver and no ``max_fun``; 'gd' added; ``activation`` may name one activation per
      layer; ``callbacks`` added. Multilabel targets and ``sample_weight`` are not supported.
    - ``tol=None`` is accepted (never stop early).
    - If training diverges (a non-finite loss or weight) the estimator keeps the last finite
      weights as its fitted state and raises :class:`nnscratch.engine.DivergenceError`.

    Saving: :meth:`save` writes the fitted state (the public attributes above; ``coefs_`` and
    ``intercepts_`` are arrays) as a model file, :func:`nnscratch.load` reads it back;
    :meth:`to_model_data` / :meth:`from_model_data` convert to and from the plain
    :class:`nnscratch.io.ModelData`. The engine network is rebuilt from the weights
    (:meth:`network`). The optimizer state kept for ``partial_fit`` (momenta, Adam moments) is
    not saved.

    Examples
    --------
    >>> from nnscratch import MLPClassifier
    >>> from nnscratch.datasets import moons
    >>> X, y = moons()
    >>> clf = MLPClassifier((3,), activation="tanh", solver="gd", alpha=0.01,
    ...                     learning_rate_init=2.0, max_iter=2000, init="seed", random_state=0)
    >>> clf.fit(X, y).score(X, y)
    0.98
    """

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: Any = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float | None = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        init: str = "glorot",
        dtype: Any = "float64",
        callbacks: Sequence[Callable[..., Any]] | None = None,
        backend: str = "auto",
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.init = init
        self.dtype = dtype
        self.callbacks = callbacks
        self.backend = backend

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on ``X`` for up to ``max_iter`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), class labels (at least two classes)

        Returns
        -------
        self : MLPClassifier
        """
        return self._fit(X, y, incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over ``X``, continuing from the current weights and optimizer state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,)
            Every class of the whole problem; required on the first call, since one batch
            may not contain them all.

        Returns
        -------
        self : MLPClassifier
        """
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True; use fit, or "
                             "set early_stopping=False")
        with _numeric_hint():  # classes=[1, nan]: a ValueError, not a RuntimeWarning
            if classes is not None:
                classes = unique_labels(classes)
                if not hasattr(self, "classes_"):
                    self.classes_ = classes
                elif not np.array_equal(self.classes_, classes):
                    raise ValueError(f"classes={classes.tolist()} differs from the classes of the "
                                     f"previous partial_fit calls, {self.classes_.tolist()}")
            elif not hasattr(self, "classes_"):
                raise ValueError("classes must be passed on the first call to partial_fit: every "
                                 "class of the problem, e.g. classes=np.unique(y_all)")
        return self._fit(X, y, incremental=True)

    def check_params(self) -> None:
        """Check every hyperparameter, as ``fit`` does first (e.g. before a grid search).

        Raises
        ------
        ValueError
            Naming the first invalid parameter, what it must be and the value given.
        """
        check_params(self.get_params(deep=False))
        self._activations(len(hidden_sizes(self.hidden_layer_sizes)))

    def _fit(self, X: Any, y: Any, incremental: bool) -> MLPClassifier:
        self.check_params()
        hidden = hidden_sizes(self.hidden_layer_sizes)
        activations = self._activations(len(hidden))
        first = not hasattr(self, "coefs_") or not (self.warm_start or incremental)
        dtype = np.dtype(self.dtype)
        with _numeric_hint():
            X, y = validate_data(self, X, y, dtype=dtype, reset=first)
        check_classification_targets(y)
        y_enc = self._encode(y, first, incremental)
        n_classes = len(self.classes_)
        sizes = (X.shape[1], *hidden, n_classes)
        rs = check_random_state(self.random_state)
        if first:
            params = init_params(sizes, self.init, random_state=rs, dtype=dtype,
                                 activation=activations[0] if activations else "identity")
            history = History()
        else:
            params = self._params()
            if params.layer_sizes != sizes:
                raise ValueError(
                    f"cannot continue training: the fitted network has layer sizes "
                    f"{params.layer_sizes}, but hidden_layer_sizes={self.hidden_layer_sizes!r} "
                    f"and the data ask for {sizes}; fit with warm_start=False"
                )
            history = History(  # the fitted state goes on
                loss=list(self.loss_curve_), val_score=list(self.validation_scores_ or []),
                n_steps=self._n_steps, n_samples_seen=self.t_,
                n_no_improvement=self._no_improvement_count,
                best_loss=math.inf if self.best_loss_ is None else self.best_loss_,
                best_val_score=(-math.inf if self.best_validation_score_ is None
                                else self.best_validation_score_),
            )
        net = Network(params, activations)

        validation = None
        if self.early_stopping:
            # scikit-learn's split: stratified for two classes only (its single output unit);
            # the same random_state then holds out the same samples
            n_val = math.ceil(self.validation_fraction * X.shape[0])  # train_test_split's count
            if n_val < 2:
                raise ValueError(
                    f"the validation set is too small ({n_val} of {X.shape[0]} samples): "
                    f"increase validation_fraction (got {self.validation_fraction}) or use more "
                    "data")
            strata = y_enc if n_classes == 2 else None
            X, X_val, y_enc, y_val = train_test_split(
                X, y_enc, random_state=rs, test_size=self.validation_fraction, stratify=strata)
            validation = (X_val, y_val)

        if first or not (incremental and hasattr(self, "_optimizer")):
            self._optimizer = make_optimizer(self.solver, self.momentum, self.nesterovs_momentum,
                                             self.beta_1, self.beta_2, self.epsilon)
            self._schedule = self._make_schedule(history.n_samples_seen)
            history.n_steps = 0
        schedule = self._schedule
        if isinstance(schedule, SklearnRate):
            schedule.samples_per_epoch = X.shape[0]

        n_before = history.n_epochs
        try:
            # a run that overflows is reported once, as a DivergenceError, not as RuntimeWarnings
            with np.errstate(over="ignore", invalid="ignore"):
                train(
                    net, X, one_hot(y_enc, n_classes, dtype),
                    learning_rate=schedule, optimizer=self._optimizer, alpha=float(self.alpha),
                    epochs=1 if incremental else int(self.max_iter),
                    batch_size=batch_rows(self.solver, self.batch_size, X.shape[0]),
                    shuffle=bool(self.shuffle), random_state=rs, validation=validation,
                    early_stopping=bool(self.early_stopping), tol=self.tol,
                    n_iter_no_change=int(min(self.n_iter_no_change, sys.maxsize)),
                    callbacks=list(self.callbacks or ()),
                    verbose=bool(self.verbose), history=history, backend=self.backend,
                )
        except DivergenceError as exc:
            self._set_fitted(params, self._state(exc.history, n_before))
            raise DivergenceError(
                f"MLPClassifier diverged in epoch {exc.history.n_epochs + 1}: the loss blew up or "
                "became non-finite. The estimator keeps the last finite weights. Lower "
                f"learning_rate_init (got {self.learning_rate_init}) or scale X (StandardScaler).",
                exc.history) from None
        self._set_fitted(params, self._state(history, n_before))
        if history.stop_reason == "interrupted":
            kept = ("the best validation epoch's weights" if self.early_stopping and
                    history.val_score else
                    f"the weights after {history.n_epochs - n_before} epochs")
            warnings.warn(f"Training interrupted by user; keeping {kept}.", UserWarning,
                          stacklevel=4)
        elif history.stop_reason == "max_epochs" and not incremental and self.tol is not None:
            warnings.warn(
                f"MLPClassifier: maximum iterations ({self.max_iter}) reached and the "
                f"optimization hasn't converged yet (tol={self.tol}); raise max_iter or tol.",
                ConvergenceWarning, stacklevel=4)
        return self

    def _activations(self, n_hidden: int) -> list[str]:
        """``activation`` as one canonical name per hidden layer ('sigmoid' is 'logistic')."""
        names = [self.activation] * n_hidden if isinstance(self.activation, str) \
            else list(self.activation)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation names {len(names)} activations for {n_hidden} hidden layers "
                f"(hidden_layer_sizes={self.hidden_layer_sizes!r}); give one name, or one per "
                "hidden layer")
        return [get_activation(a).name for a in names]

    def _encode(self, y: np.ndarray, first: bool, incremental: bool) -> np.ndarray:
        """Class labels -> 0..K-1, defining or checking ``classes_``."""
        labels = np.unique(y)
        if first and not incremental:
            self.classes_ = labels
        elif self.warm_start and not incremental:
            if set(labels) != set(self.classes_):
                raise ValueError(
                    f"warm_start needs y with the same classes as the previous fit: previously "
                    f"{self.classes_}, now {labels}; fit with warm_start=False")
        elif not np.isin(labels, self.classes_).all():
            raise ValueError(f"y has classes not in classes_ {self.classes_}: "
                             f"{np.setdiff1d(labels, self.classes_)}")
        if len(self.classes_) < 2:
            raise ValueError(f"y has only one class ({self.classes_[0]!r}); a classifier needs "
                             "samples of at least 2 classes")
        return np.searchsorted(self.classes_, y)

    def _make_schedule(self, t: int) -> Any:
        if callable(self.learning_rate):
            return copy.deepcopy(self.learning_rate)  # a fresh state (ReduceOnPlateau) per fit
        kind = "constant" if self.solver == "adam" else self.learning_rate
        return SklearnRate(kind, self.learning_rate_init, self.power_t, t=t)

    def _state(self, history: History, n_before: int) -> dict[str, Any]:
        """The fitted attributes after training, from the engine's history."""
        return {
            "loss_curve_": list(history.loss),
            "n_iter_": history.n_epochs - n_before,
            "t_": history.n_samples_seen,
            "_n_steps": history.n_steps,
            "_no_improvement_count": history.n_no_improvement,
            "best_loss_": None if self.early_stopping else history.best_loss,
            "validation_scores_": list(history.val_score) if self.early_stopping else None,
            "best_validation_score_": history.best_val_score if self.early_stopping else None,
            "interrupted_": history.stop_reason == "interrupted",
            "backend_": history.backend,
        }

    def _set_fitted(self, params: Params, state: dict[str, Any]) -> None:
        """Set every fitted attribute: the weights, the layer counts, and ``state`` (the one
        place that does, for ``fit``, ``partial_fit`` and :meth:`from_model_data`)."""
        self.coefs_ = list(params.coefs)
        self.intercepts_ = list(params.intercepts)
        self.n_layers_ = len(params.layer_sizes)
        self.n_outputs_ = params.layer_sizes[-1]
        self.out_activation_ = "softmax"
        for name, value in state.items():
            setattr(self, name, value)
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else math.nan

    # ------------------------------------------------------------------ prediction
    def _params(self) -> Params:
        return Params.from_arrays(self.coefs_, self.intercepts_, np.dtype(self.dtype))

    def network(self) -> Network:
        """The engine :class:`~nnscratch.engine.Network` of the fitted weights (a copy)."""
        check_is_fitted(self)
        return Network(self._params(), self._activations(len(self.coefs_) - 1))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (softmax outputs).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), columns in the order of ``classes_``
        """
        check_is_fitted(self)
        with _numeric_hint():
            X = validate_data(self, X, reset=False, dtype=np.dtype(self.dtype))
        return self.network().predict_proba(X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``log(predict_proba(X))``, of shape (n_samples, n_classes)."""
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each sample, of shape (n_samples,)."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def load(path: str | os.PathLike[str]) -> MLPClassifier:
    """``nnscratch.load(path)``: :meth:`MLPClassifier.load`, the fitted model of a model file."""
    return MLPClassifier.load(path)
