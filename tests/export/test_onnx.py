"""ONNX export: onnxruntime computes predict_proba and predict; the file is checked and atomic."""

import json
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnscratch import MLPClassifier
from nnscratch.engine import ACTIVATIONS, Network, Params
from nnscratch.export import ONNX_OPS, onnx_model, to_onnx
from nnscratch.io import ModelData

from .conftest import fitted

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

# (rtol, atol): float64 relative 1e-12 everywhere; float32 relative 1e-6, except that
# probabilities below ~1e-3 may differ by 1e-9 absolute: their relative error is the float32
# rounding of the logits (|z| * 2^-23, about 3e-6 at |z| = 20), whichever library computes them
TOL = {"float64": (1e-12, 0.0), "float32": (1e-6, 1e-9)}


def run_onnx(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["X"]
    assert [o.name for o in session.get_outputs()] == ["probabilities", "label"]
    proba, label = session.run(None, {"X": X})
    return proba, label


def check_same(clf, X, path):
    X = X.astype(clf.dtype)
    proba, label = run_onnx(to_onnx(clf, path), X)
    assert proba.dtype == np.dtype(clf.dtype)
    rtol, atol = TOL[clf.dtype]
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=rtol, atol=atol)
    np.testing.assert_array_equal(label, clf.predict(X))
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def test_every_engine_activation_has_operators():
    assert {a.name for a in ACTIVATIONS.values()} == set(ONNX_OPS)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("n_classes", [2, 5])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_matches_predict_proba(tmp_path, activation, n_classes, dtype):
    clf, X = fitted((6, 4), activation, n_classes, dtype)
    # far from zero too (float64: float32's logits of size ~50 carry ~50 eps = 3e-6 absolute
    # error, which is the relative error of the tiny probabilities): tails of logistic, softplus,
    # elu; relu's and leaky_relu's kink at 0
    X = np.vstack([X, 30 * X[:20] if dtype == "float64" else X[:0], np.zeros((1, X.shape[1]))])
    check_same(clf, X, tmp_path / "m.onnx")


@settings(max_examples=25, deadline=None, derandomize=True)
@given(hidden=st.lists(st.integers(1, 7), max_size=3), n_features=st.integers(1, 6),
       n_classes=st.integers(2, 5), activation=st.sampled_from(sorted(ACTIVATIONS)),
       dtype=st.sampled_from(["float64", "float32"]), seed=st.integers(0, 2**16))
def test_random_architectures(tmp_path_factory, hidden, n_features, n_classes, activation, dtype,
                              seed):
    clf, X = fitted(tuple(hidden), activation, n_classes, dtype, n_features, seed=seed)
    check_same(clf, X, tmp_path_factory.mktemp("onnx") / "m.onnx")


def test_per_layer_activations_from_model_data(tmp_path):
    rng = np.random.RandomState(1)
    sizes, acts = (3, 5, 4, 6, 2), ["elu", "softplus", "leaky_relu"]
    coefs = [rng.randn(a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    intercepts = [rng.randn(b) for b in sizes[1:]]
    data = ModelData(coefs, intercepts, np.array([0, 1]), acts)
    X = 3 * rng.randn(50, 3)
    proba, label = run_onnx(to_onnx(data, tmp_path / "m.onnx"), X)
    expected = Network(Params.from_arrays(coefs, intercepts), acts).predict_proba(X)
    np.testing.assert_allclose(proba, expected, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(label, np.argmax(expected, axis=1))


def test_string_labels_and_metadata(tmp_path):
    clf, X = fitted(labels=["cat", "dög", "emu"])
    path = clf.to_onnx(tmp_path / "m.onnx")
    model = onnx.load(str(path))
    props = {p.key: json.loads(p.value) for p in model.metadata_props}
    assert props["classes"] == ["cat", "dög", "emu"]
    assert props["activations"] == ["tanh", "tanh"]
    assert props["layer_sizes"] == [4, 5, 3, 3]
    assert model.producer_name == "nnscratch"
    _, label = run_onnx(path, X)
    assert label.tolist() == clf.predict(X).tolist()  # strings, as predict gives them


@pytest.mark.parametrize("labels", [[-3, 7, 10], [-1.0, 2.0, 5.0], [False, True]])
def test_numeric_labels(tmp_path, labels):
    clf, X = fitted(labels=labels)
    _, label = run_onnx(clf.to_onnx(tmp_path / "m.onnx"), X)
    np.testing.assert_array_equal(label, clf.predict(X))


def test_feature_names_in_metadata(tmp_path):
    pd = pytest.importorskip("pandas")
    clf, X = fitted(n_features=2)
    clf.set_params(max_iter=1, tol=None).fit(pd.DataFrame(X, columns=["height", "weight"]),
                                             clf.predict(X))
    props = {p.key: json.loads(p.value) for p in onnx_model(clf).metadata_props}
    assert props["feature_names"] == ["height", "weight"]


def test_unfitted_model_is_refused_and_writes_nothing(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        MLPClassifier().to_onnx(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_path_writes_nothing(tmp_path, model3):
    clf, _ = model3
    with pytest.raises(FileNotFoundError):
        clf.to_onnx(tmp_path / "missing" / "m.onnx")
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(PermissionError):
                clf.to_onnx(ro / "m.onnx")
            assert list(ro.iterdir()) == []
        finally:
            ro.chmod(0o700)


def test_failed_write_leaves_the_previous_file_and_no_partial_one(tmp_path, model3, monkeypatch):
    clf, _ = model3
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="No space"):
        clf.to_onnx(path)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_bad_activation_in_model_data(tmp_path):
    data = ModelData([np.ones((2, 3)), np.ones((3, 2))], [np.ones(3), np.ones(2)],
                     np.array([0, 1]), ["swish"])
    with pytest.raises(ValueError, match="activation must be one of"):
        to_onnx(data, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_missing_onnx_names_the_extra(tmp_path, model3, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'nnscratch\[onnx\]'"):
        model3[0].to_onnx(tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []
