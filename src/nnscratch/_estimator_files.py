"""The model-file and export face of :class:`nnscratch.MLPClassifier` (a mixin it inherits).

``to_model_data`` / ``from_model_data`` are the one bridge between a fitted estimator and the
plain :class:`nnscratch.io.ModelData` that model files (``save``, ``load``) and the exporters
(:mod:`nnscratch.export`: ONNX, PyTorch, scikit-learn) read and write. ``from_model_data`` sets
the fitted attributes through the estimator's ``_set_fitted``, the one place that does.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from sklearn.utils.validation import check_is_fitted

from nnscratch._estimator_params import check_params
from nnscratch.engine import Params, get_activation
from nnscratch.io import ModelData, ModelFileError, read_model, write_model

# fitted attributes a model file keeps besides the weights and classes (scikit-learn's names)
SAVED = ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
         "best_validation_score_", "interrupted_")
# the private warm-start state: saved name -> attribute (ints, 0 when absent)
PRIVATE = {"n_steps": "_n_steps", "no_improvement_count": "_no_improvement_count"}


_E = TypeVar("_E", bound="ModelFiles")


class ModelFiles:
    """Model files and conversions of a fitted MLPClassifier (see the module docstring)."""

    coefs_: list[np.ndarray]
    intercepts_: list[np.ndarray]
    classes_: np.ndarray
    n_features_in_: int
    feature_names_in_: np.ndarray

    if TYPE_CHECKING:  # what MLPClassifier and scikit-learn's BaseEstimator provide
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...
        def _activations(self, n_hidden: int) -> list[str]: ...
        def _set_fitted(self, params: Params, state: dict[str, Any]) -> None: ...

    def to_model_data(self) -> ModelData:
        """The fitted model as plain data for :func:`nnscratch.io.write_model` (no copies).

        Returns
        -------
        model : ModelData: weights, classes, one activation name per hidden layer,
            ``get_params()`` and the fitted attributes (``n_iter_``, ``loss_curve_``, ...,
            ``feature_names`` when X had column names)
        """
        check_is_fitted(self)
        fitted: dict[str, Any] = {name: getattr(self, name) for name in SAVED
                                  if hasattr(self, name)}
        for name, attribute in PRIVATE.items():  # the state a warm start continues from
            fitted[name] = getattr(self, attribute, 0)
        if hasattr(self, "feature_names_in_"):
            fitted["feature_names"] = [str(f) for f in self.feature_names_in_]
        return ModelData(
            coefs=list(self.coefs_), intercepts=list(self.intercepts_),
            classes=np.asarray(self.classes_),
            activations=self._activations(len(self.coefs_) - 1),
            estimator=type(self).__name__, hyperparameters=self.get_params(deep=False),
            fitted=fitted,
        )

    def save(self, path: str | os.PathLike[str], notes: dict[str, Any] | None = None) -> Path:
        """Save the fitted model: an ``.npz`` of the weights and classes plus JSON metadata.

        No pickle; the write is atomic (a crash leaves the previous file intact). Load it with
        :func:`nnscratch.load`. Hyperparameters that are not data (a RandomState, a callable
        ``learning_rate``, ``callbacks``) are saved as None.

        Parameters
        ----------
        path : str or path-like, the file (the name is used as given; no suffix is added)
        notes : dict of JSON data, optional
            Kept in the file for the program that wrote it (``nnscratch.io.read_model(path).
            notes``); loading ignores them.

        Returns
        -------
        path : Path, the file written
        """
        data = self.to_model_data()
        data.notes = dict(notes or {})
        return write_model(path, data)

    # ------------------------------------------------------------------ export (nnscratch.export)
    def to_onnx(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted model as an ONNX file (atomic); see :func:`nnscratch.export.to_onnx`.

        Needs ``pip install 'nnscratch[onnx]'``.
        """
        from nnscratch.export import to_onnx

        return to_onnx(self, path)

    def to_torch(self) -> Any:
        """The fitted model as a ``torch.nn.Sequential`` whose output is ``predict_proba``;
        see :func:`nnscratch.export.to_torch`. Needs ``pip install 'nnscratch[torch]'``."""
        from nnscratch.export import to_torch

        return to_torch(self)

    def to_sklearn(self) -> Any:
        """The same function as a fitted ``sklearn.neural_network.MLPClassifier``; see
        :func:`nnscratch.export.to_sklearn`."""
        from nnscratch.export import to_sklearn

        return to_sklearn(self)

    @classmethod
    def from_sklearn(cls: type[_E], est: Any) -> _E:
        """A fitted MLPClassifier computing what a fitted scikit-learn MLPClassifier computes;
        see :func:`nnscratch.export.from_sklearn`."""
        from nnscratch.export import from_sklearn

        return cls.from_model_data(from_sklearn(est, cls().get_params(deep=False)))

    @classmethod
    def from_model_data(cls: type[_E], data: ModelData) -> _E:
        """A fitted estimator from a model file's data (:func:`nnscratch.io.read_model`).

        The one constructor of a loaded model (``nnscratch.load`` calls it). Hyperparameters saved
        as None because they were not data (a callable ``learning_rate``) get their defaults.

        Raises
        ------
        ValueError
            The data is not an MLPClassifier's, or its hyperparameters or fitted attributes
            are invalid or do not fit its weights.
        """
        if data.estimator != cls.__name__:
            raise ValueError(f"it holds a {data.estimator!r}, not an {cls.__name__}")
        known = cls().get_params(deep=False)
        unknown = sorted(set(data.hyperparameters) - set(known))
        if unknown:
            warnings.warn(f"ignoring hyperparameters this nnscratch does not know: {unknown}",
                          UserWarning, stacklevel=3)
        # what was not data (a callable learning_rate) was saved as None: its default then
        hyper = {k: v for k, v in data.hyperparameters.items()
                 if k in known and (v is not None or _none_is_valid(k))}
        hyper["hidden_layer_sizes"] = data.layer_sizes[1:-1]
        hyper["dtype"] = str(data.dtype)
        acts = data.activations  # the weights' own, one per hidden layer
        saved: Any = hyper.get("activation")
        saved = tuple(saved) if isinstance(saved, list) else saved
        try:
            agrees = [get_activation(a).name for a in
                      ([saved] * len(acts) if isinstance(saved, str) else saved)] == acts
        except (TypeError, ValueError):
            agrees = False
        if not agrees:  # missing, or another spelling of a file's activations
            saved = (acts[0] if len(set(acts)) == 1 else tuple(acts)) if acts else "relu"
        hyper["activation"] = saved
        est = cls(**hyper)
        try:
            check_params(est.get_params(deep=False))
        except ValueError as exc:
            raise ValueError(f"invalid hyperparameters: {exc}") from None
        fitted = dict(data.fitted)
        _check_saved(fitted, data.layer_sizes[0])
        est.classes_ = data.classes
        est.n_features_in_ = data.layer_sizes[0]
        if fitted.get("feature_names") is not None:
            est.feature_names_in_ = np.asarray(fitted["feature_names"], dtype=object)
        curve = [float(v) for v in fitted.get("loss_curve_") or []]
        state: dict[str, Any] = {
            "n_iter_": len(curve), "t_": 0, "best_loss_": min(curve, default=math.inf),
            "validation_scores_": None, "best_validation_score_": None, "interrupted_": False,
        }
        state.update({name: fitted[name] for name in SAVED if name in fitted})
        state.update({attr: int(fitted.get(name) or 0) for name, attr in PRIVATE.items()})
        state["loss_curve_"] = curve
        state.pop("loss_", None)  # follows from the curve
        est._set_fitted(Params.from_arrays(data.coefs, data.intercepts, data.dtype), state)
        return est

    @classmethod
    def load(cls: type[_E], path: str | os.PathLike[str]) -> _E:
        """Load a model file written by :meth:`save` (or ``nnscratch train --save``).

        Returns
        -------
        estimator : MLPClassifier, fitted: ``predict`` gives exactly the saved model's predictions

        Raises
        ------
        ModelFileError
            The file is not a valid model file, or its hyperparameters do not fit its weights.
        OSError
            The file cannot be opened.
        """
        data = read_model(path)
        try:
            return cls.from_model_data(data)
        except ValueError as exc:
            raise ModelFileError(path, str(exc)) from None


def _none_is_valid(name: str) -> bool:
    try:
        check_params({name: None})
    except ValueError:
        return False
    return True


def _check_saved(fitted: dict[str, Any], n_features: int) -> None:
    """Types of the fitted attributes a file may carry (a tampered file fails here, not later)."""
    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    def count(v: Any) -> bool:
        return type(v) is int and v >= 0

    def numbers(v: Any) -> bool:
        return isinstance(v, list) and all(number(x) for x in v)

    checks: dict[str, Callable[[Any], bool]] = {
        "n_iter_": count, "t_": count, **{name: count for name in PRIVATE},
        "loss_": number,
        "best_loss_": lambda v: v is None or number(v),
        "best_validation_score_": lambda v: v is None or number(v),
        "loss_curve_": numbers,
        "validation_scores_": lambda v: v is None or numbers(v),
        "interrupted_": lambda v: isinstance(v, bool),
        "feature_names": lambda v: v is None or (isinstance(v, list) and len(v) == n_features
                                                 and all(isinstance(x, str) for x in v)),
    }
    for name, ok in checks.items():
        if name in fitted and not ok(fitted[name]):
            raise ValueError(f"fitted attribute {name!r} has an invalid value "
                             f"{fitted[name]!r:.80}")
