"""Models that travel: a fitted network as ONNX, as a PyTorch ``Sequential``, as scikit-learn's MLP.

Every exporter reads the plain description of a fitted network (:class:`nnscratch.io.ModelData`:
weights, classes, one activation per hidden layer), so models from ``MLPClassifier.fit`` and from
``nnscratch train --save`` travel alike. The network is::

    a_0 = X,   a_l = f_l(a_{l-1} W_l + b_l)  (hidden),   p = softmax(a_{L-1} W_L + b_L)

**ONNX** (:func:`to_onnx`, ``pip install 'nnscratch[onnx]'``): ``MatMul`` + ``Add`` per layer,
each activation one standard operator (:data:`ONNX_OPS`), ``Softmax`` over the classes, then
``ArgMax`` + ``Gather`` from the class labels. Inputs/outputs::

    X             float32|float64 (N, n_features)   the model's own dtype
    probabilities same dtype (N, n_classes)         columns in the order of ``classes``
    label         the labels' type (N,)             int64, double, bool or string

The model's ``metadata_props`` carry ``classes`` (JSON list, strings included), ``activations``,
``layer_sizes``, ``feature_names`` (when known) and ``nnscratch_version``. The file is written
atomically (:func:`nnscratch.io.write_atomic`) after ``onnx.checker.check_model`` passed.

**PyTorch** (:func:`to_torch`, ``pip install 'nnscratch[torch]'``): ``Linear`` + activation module
per layer, ``Softmax(dim=1)`` last, so ``seq(x)`` gives ``predict_proba``; drop the last module
(``seq[:-1]``) for the logits ``nn.CrossEntropyLoss`` expects.

**scikit-learn** (:func:`to_sklearn`, :func:`from_sklearn`): activations 'identity', 'logistic',
'tanh', 'relu' only (scikit-learn has no other). scikit-learn gives a binary problem one logistic
unit, p(class 1) = sigmoid(z); nnscratch always has a softmax, and for two units
softmax([z0, z1])_1 = sigmoid(z1 - z0). So:

- scikit-learn -> nnscratch: output weights ``[0, w]``, bias ``[0, b]`` (logits ``[0, z]``);
- nnscratch -> scikit-learn: ``w = W[:, 1] - W[:, 0]``, ``b = b_1 - b_0``.

Both maps are exact as functions (for any weights); in floating point p(class 1) agrees to a few
ulps (sigmoid vs softmax; the subtraction ``W_1 - W_0`` rounds once), and so does p(class 0)
except that scikit-learn computes it as ``1 - p1``, exact only to 1e-16 absolute (a tiny p0 loses
its relative precision there). Predictions agree except for points within rounding of 0.5
(tests/export/test_sklearn.py: relative 1e-12). The round trip
nnscratch -> scikit-learn -> nnscratch gives the same function, not the same weights: the output
layer comes back as ``[0, W_1 - W_0]`` (softmax is unchanged by adding the same logit to every
class). With three or more classes both libraries use a softmax and the weights map one to one,
exactly, bit for bit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.utils.validation import check_is_fitted

from nnscratch.engine.activations import ELU_ALPHA, LEAKY_SLOPE
from nnscratch.io import ModelData, write_atomic


class MLPClassifier(Protocol):
    """A fitted :class:`nnscratch.MLPClassifier` as this module sees it (no import of the
    estimator: the estimator imports this module)."""

    def to_model_data(self) -> ModelData: ...

OPSET = 17  # Softmax over one axis (opset >= 13); onnxruntime >= 1.12 runs it
IR_VERSION = 8  # the IR of opset 17 (onnx 1.12), readable by every onnxruntime that runs it

# engine activation -> ONNX operators computing it from z (s = LEAKY_SLOPE, alpha = ELU_ALPHA as
# constants of the model's dtype: an operator's float attribute would round 0.01 to float32, and
# onnxruntime has no float64 Elu or Softplus)
ONNX_OPS: dict[str, str] = {
    "tanh": "Tanh(z)",
    "logistic": "Sigmoid(z)",
    "relu": "Relu(z)",
    "leaky_relu": "Max(z, Mul(z, s))",  # max(z, s z), as the engine
    # alpha expm1(min(z, 0)) below 0; expm1(m) = 2 tanh(m/2) / (1 - tanh(m/2)), exact to rounding
    # near 0 (e^m - 1 would lose every digit there) and -> -1 as m -> -inf
    "elu": "Where(Greater(z, 0), z, alpha expm1(Min(z, 0)))",
    # max(z, 0) + log1p(t), t = e^-|z|; log1p(t) = log(u) t / (u - 1), u = 1 + t (t if u == 1):
    # Goldberg's accurate log1p, since log(1 + t) alone loses the digits of a small t
    "softplus": "Add(Relu(z), log1p(Exp(Neg(Abs(z)))))",
    "identity": "Identity(z)",
}
SKLEARN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")
# torch's Softplus returns z itself above this; log(1 + e^z) - z < e^-40 = 4e-18 there, below
# float64 rounding (the default 20 would be off by up to e^-20 = 2e-9)
SOFTPLUS_THRESHOLD = 40.0


def _require(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this export needs {module.split('.')[0]}: "
                          f"pip install 'nnscratch[{extra}]'") from None


def _model(clf: MLPClassifier | ModelData) -> ModelData:
    """The plain description of a fitted model (NotFittedError names an unfitted one)."""
    if isinstance(clf, ModelData):
        return clf
    check_is_fitted(clf)
    return clf.to_model_data()


def _classes(classes: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Labels as an ONNX-storable array (int64, double, bool, bytes) and as JSON values."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "OUS":
        if not all(isinstance(c, (str, np.str_)) for c in classes.tolist()):
            raise ValueError("class labels must be numbers, booleans or strings to be exported; "
                             f"got {classes.tolist()!r:.80}")
        labels = [str(c) for c in classes.tolist()]
        return np.array([c.encode("utf-8") for c in labels], dtype=object), labels
    kinds: dict[str, type] = {"b": np.bool_, "i": np.int64, "u": np.int64, "f": np.float64}
    if classes.dtype.kind not in kinds:
        raise ValueError(f"class labels of dtype {classes.dtype} cannot be exported")
    stored: np.ndarray = classes.astype(kinds[classes.dtype.kind])
    return stored, stored.tolist()


# --- ONNX ------------------------------------------------------------------------------------
def onnx_model(clf: MLPClassifier | ModelData) -> Any:
    """The fitted network as an ``onnx.ModelProto`` (checked by ``onnx.checker``).

    Parameters
    ----------
    clf : fitted MLPClassifier, or a ModelData (``nnscratch.io.read_model``)

    Returns
    -------
    model : onnx.ModelProto, inputs ``X`` (N, n_features), outputs ``probabilities``
        (N, n_classes) and ``label`` (N,)
    """
    onnx = _require("onnx", "onnx")
    from onnx import TensorProto, helper, numpy_helper

    from nnscratch._version import __version__

    data = _model(clf)
    dtype = np.dtype(data.dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"the weights must be float32 or float64 to export; got {dtype}")
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    for act in data.activations:
        if _engine_name(act) not in ONNX_OPS:
            raise ValueError(f"activation {act!r} has no ONNX operator; exportable: "
                             f"{', '.join(ONNX_OPS)}")
    stored, labels = _classes(data.classes)
    n_in, n_classes = data.layer_sizes[0], data.layer_sizes[-1]

    inits, nodes = [], []
    a = "X"
    n_layers = len(data.coefs)
    for l, (W, b) in enumerate(zip(data.coefs, data.intercepts)):
        inits += [numpy_helper.from_array(np.asarray(W, dtype), f"W{l}"),
                  numpy_helper.from_array(np.asarray(b, dtype), f"b{l}")]
        nodes += [helper.make_node("MatMul", [a, f"W{l}"], [f"xw{l}"]),  # a_{l-1} W_l
                  helper.make_node("Add", [f"xw{l}", f"b{l}"], [f"z{l}"])]  # + b_l
        if l < n_layers - 1:  # a_l = f_l(z_l)
            a = f"a{l}"
            nodes += _activation_nodes(_engine_name(data.activations[l]), f"z{l}", a)
    nodes += [
        helper.make_node("Softmax", [f"z{n_layers - 1}"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["index"], axis=1, keepdims=0),
        helper.make_node("Gather", ["classes", "index"], ["label"], axis=0),
    ]
    inits.append(numpy_helper.from_array(stored, "classes"))
    constants = {"zero": 0.0, "half": 0.5, "one": 1.0, "slope": LEAKY_SLOPE, "elu_alpha": ELU_ALPHA}
    inits += [numpy_helper.from_array(np.array(v, dtype), name) for name, v in constants.items()
              if any(name in node.input for node in nodes)]
    label_type = helper.np_dtype_to_tensor_dtype(stored.dtype) if stored.dtype != object \
        else TensorProto.STRING
    graph = helper.make_graph(
        nodes, "nnscratch_mlp", [helper.make_tensor_value_info("X", elem, ["N", n_in])],
        [helper.make_tensor_value_info("probabilities", elem, ["N", n_classes]),
         helper.make_tensor_value_info("label", label_type, ["N"])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="nnscratch", producer_version=__version__,
                              doc_string="nnscratch MLPClassifier: softmax probabilities, label")
    model.ir_version = IR_VERSION
    meta = {"classes": labels, "activations": [_engine_name(a) for a in data.activations],
            "layer_sizes": list(data.layer_sizes), "nnscratch_version": __version__}
    names = data.fitted.get("feature_names")
    if names is not None:
        meta["feature_names"] = list(names)
    helper.set_model_props(model, {k: json.dumps(v, ensure_ascii=False) for k, v in meta.items()})
    onnx.checker.check_model(model, full_check=True)
    return model


def to_onnx(clf: MLPClassifier | ModelData, path: str | os.PathLike[str]) -> Path:
    """Write the fitted network as an ONNX file, atomically (see the module docstring).

    Parameters
    ----------
    clf : fitted MLPClassifier, or a ModelData
    path : the file to write (the name is used as given)

    Returns
    -------
    path : Path, the file written. Nothing is written when anything fails.
    """
    data = onnx_model(clf).SerializeToString()
    return write_atomic(path, data)


def _activation_nodes(name: str, z: str, a: str) -> list[Any]:
    """ONNX nodes computing ``a = f(z)`` (see :data:`ONNX_OPS`); constants are initializers
    named zero, half, one, slope, elu_alpha."""
    from onnx.helper import make_node

    def t(suffix: str) -> str:
        return f"{a}_{suffix}"

    if name in ("tanh", "logistic", "relu", "identity"):
        op = {"tanh": "Tanh", "logistic": "Sigmoid", "relu": "Relu", "identity": "Identity"}
        return [make_node(op[name], [z], [a])]
    if name == "leaky_relu":  # max(z, s z)
        return [make_node("Mul", [z, "slope"], [t("sz")]), make_node("Max", [z, t("sz")], [a])]
    if name == "elu":  # z if z > 0 else alpha expm1(min(z, 0))
        return [make_node("Min", [z, "zero"], [t("m")]),
                make_node("Mul", [t("m"), "half"], [t("h")]),
                make_node("Tanh", [t("h")], [t("th")]),  # expm1(m) = 2 th / (1 - th)
                make_node("Add", [t("th"), t("th")], [t("num")]),
                make_node("Sub", ["one", t("th")], [t("den")]),
                make_node("Div", [t("num"), t("den")], [t("em1")]),
                make_node("Mul", [t("em1"), "elu_alpha"], [t("low")]),
                make_node("Greater", [z, "zero"], [t("pos")]),
                make_node("Where", [t("pos"), z, t("low")], [a])]
    # softplus: max(z, 0) + log1p(e^-|z|), which never overflows
    return [make_node("Relu", [z], [t("max")]), make_node("Abs", [z], [t("abs")]),
            make_node("Neg", [t("abs")], [t("nabs")]), make_node("Exp", [t("nabs")], [t("e")]),
            make_node("Add", [t("e"), "one"], [t("u")]),  # u = 1 + t
            make_node("Sub", [t("u"), "one"], [t("d")]),  # u - 1, exact
            make_node("Log", [t("u")], [t("lu")]),
            make_node("Mul", [t("lu"), t("e")], [t("lt")]),
            make_node("Div", [t("lt"), t("d")], [t("q")]),  # log(u) t / (u - 1)
            make_node("Equal", [t("d"), "zero"], [t("tiny")]),
            make_node("Where", [t("tiny"), t("e"), t("q")], [t("log1p")]),  # t where u == 1
            make_node("Add", [t("max"), t("log1p")], [a])]


def _engine_name(name: str) -> str:
    from nnscratch.engine.activations import get_activation

    return get_activation(name).name  # 'sigmoid' is 'logistic'


# --- PyTorch ---------------------------------------------------------------------------------
def to_torch(clf: MLPClassifier | ModelData) -> Any:
    """The fitted network as a ``torch.nn.Sequential``: ``seq(x)`` is ``predict_proba(x)``.

    ``Linear`` layers hold ``W_l^T`` and ``b_l`` in the model's dtype (float32 or float64), each
    hidden layer is followed by its activation module, and ``Softmax(dim=1)`` is last; ``seq[:-1]``
    gives the logits.

    Returns
    -------
    seq : torch.nn.Sequential, in eval mode, parameters copied (training them leaves ``clf`` alone)
    """
    torch = _require("torch", "torch")
    nn = torch.nn
    data = _model(clf)
    modules = {
        "tanh": nn.Tanh, "logistic": nn.Sigmoid, "relu": nn.ReLU, "identity": nn.Identity,
        "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE), "elu": lambda: nn.ELU(ELU_ALPHA),
        "softplus": lambda: nn.Softplus(threshold=SOFTPLUS_THRESHOLD),
    }
    dtype = torch.float64 if data.dtype == np.float64 else torch.float32
    layers: list[Any] = []
    for l, (W, b) in enumerate(zip(data.coefs, data.intercepts)):
        linear = nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
        with torch.no_grad():  # torch computes x A^T + b: A = W^T
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            linear.bias.copy_(torch.from_numpy(np.asarray(b)))
        layers.append(linear)
        if l < len(data.coefs) - 1:
            layers.append(modules[_engine_name(data.activations[l])]())
    layers.append(nn.Softmax(dim=1))
    return nn.Sequential(*layers).eval()


# --- scikit-learn ----------------------------------------------------------------------------
def to_sklearn(clf: MLPClassifier | ModelData) -> Any:
    """A fitted ``sklearn.neural_network.MLPClassifier`` computing the same function.

    Binary problems get scikit-learn's single logistic unit, ``w = W[:, 1] - W[:, 0]`` (see the
    module docstring for where this is exact). Hyperparameters scikit-learn shares are copied.

    Raises
    ------
    ValueError : an activation scikit-learn does not have, or different ones per layer
    """
    from sklearn.neural_network import MLPClassifier as SkMLP
    from sklearn.preprocessing import LabelBinarizer

    data = _model(clf)
    acts = {_engine_name(a) for a in data.activations} or {"identity"}
    if len(acts) > 1 or not acts <= set(SKLEARN_ACTIVATIONS):
        raise ValueError(f"scikit-learn's MLPClassifier has one activation of "
                         f"{', '.join(SKLEARN_ACTIVATIONS)} for every layer; this model has "
                         f"{list(data.activations)}")
    coefs, intercepts = list(data.coefs), list(data.intercepts)
    if len(data.classes) == 2:  # softmax([z0, z1])_1 = sigmoid(z1 - z0)
        W, b = coefs[-1], intercepts[-1]
        coefs[-1], intercepts[-1] = W[:, 1:] - W[:, :1], b[1:] - b[:1]
    shared = set(SkMLP().get_params())
    hyper = {k: v for k, v in data.hyperparameters.items()
             if k in shared and k not in ("solver", "learning_rate")}
    if data.hyperparameters.get("solver") in ("sgd", "adam"):
        hyper["solver"] = data.hyperparameters["solver"]
    sk = SkMLP(**hyper)
    sk.set_params(hidden_layer_sizes=data.layer_sizes[1:-1], activation=acts.pop())
    sk.coefs_, sk.intercepts_ = [c.copy() for c in coefs], [b.copy() for b in intercepts]
    sk.classes_ = np.asarray(data.classes)
    sk._label_binarizer = LabelBinarizer().fit(sk.classes_)
    sk.n_features_in_ = data.layer_sizes[0]
    if data.fitted.get("feature_names") is not None:
        sk.feature_names_in_ = np.asarray(data.fitted["feature_names"], dtype=object)
    sk.n_layers_ = len(data.layer_sizes)
    sk.n_outputs_ = coefs[-1].shape[1]
    sk.out_activation_ = "logistic" if len(data.classes) == 2 else "softmax"
    curve = list(data.fitted.get("loss_curve_") or [])
    sk.loss_curve_ = curve
    sk.n_iter_ = int(data.fitted.get("n_iter_", len(curve)))
    sk.t_ = int(data.fitted.get("t_", 0))
    sk.loss_ = curve[-1] if curve else float("nan")
    sk.best_loss_ = min(curve, default=float("nan"))
    return sk


def from_sklearn(est: Any, params: Collection[str]) -> ModelData:
    """The model data of an :class:`nnscratch.MLPClassifier` computing what a fitted
    scikit-learn MLP computes (``MLPClassifier.from_sklearn`` builds the estimator from it).

    A binary problem's logistic unit becomes a two-unit softmax with logits ``[0, z]``: exactly
    the same probabilities (see the module docstring). Hyperparameters the two share are copied
    (scikit-learn's 'lbfgs' solver, which nnscratch lacks, becomes the default 'adam').

    Raises
    ------
    ValueError : not a fitted scikit-learn MLPClassifier, or a multilabel one
    """
    from sklearn.neural_network import MLPClassifier as SkMLP

    if not isinstance(est, SkMLP):
        raise ValueError(f"from_sklearn needs a sklearn.neural_network.MLPClassifier; got "
                         f"{type(est).__name__}")
    check_is_fitted(est)
    if est.out_activation_ == "logistic" and est.n_outputs_ > 1:  # multilabel
        raise ValueError("a multilabel scikit-learn MLP has no nnscratch counterpart (its "
                         "outputs are independent logistic units, not one softmax)")
    coefs = [np.array(c) for c in est.coefs_]
    intercepts = [np.array(b) for b in est.intercepts_]
    if est.out_activation_ == "logistic":  # p1 = sigmoid(z) = softmax([0, z])_1
        W, b = coefs[-1], intercepts[-1]
        coefs[-1] = np.concatenate([np.zeros_like(W), W], axis=1)
        intercepts[-1] = np.concatenate([np.zeros_like(b), b])
    dtype = str(coefs[0].dtype)
    shared = set(params)  # the hyperparameters nnscratch's MLPClassifier has
    hyper = {k: v for k, v in est.get_params(deep=False).items() if k in shared}
    if hyper.get("solver") not in ("sgd", "adam"):
        hyper.pop("solver", None)
    if not isinstance(hyper.get("random_state"), (int, type(None))):
        hyper["random_state"] = None  # a RandomState instance is not data
    fitted: dict[str, Any] = {"n_iter_": int(est.n_iter_), "t_": int(getattr(est, "t_", 0)),
                              "loss_curve_": [float(v) for v in getattr(est, "loss_curve_", [])]}
    if hasattr(est, "feature_names_in_"):
        fitted["feature_names"] = [str(f) for f in est.feature_names_in_]
    data = ModelData(coefs, intercepts, np.asarray(est.classes_),
                     [est.activation] * (len(coefs) - 1),
                     hyperparameters=dict(hyper, dtype=dtype), fitted=fitted)
    return data


__all__ = ["ONNX_OPS", "from_sklearn", "onnx_model", "to_onnx", "to_sklearn", "to_torch"]
