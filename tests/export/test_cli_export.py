"""``nnscratch export``: ONNX and torch files from a model file; user mistakes are one line."""

import sys

import numpy as np
import pytest

import nnscratch
from nnscratch.cli import main

from .conftest import fitted


@pytest.fixture
def model_file(tmp_path):
    clf, X = fitted(labels=["a", "b", "c"])
    return clf.save(tmp_path / "m.npz"), X


def test_onnx_and_torch_files(tmp_path, model_file, capsys):
    ort = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    path, X = model_file
    assert main(["export", "--model", str(path), "--onnx", str(tmp_path / "m.onnx"),
                 "--torch", str(tmp_path / "m.pt")]) == 0
    assert capsys.readouterr().out.splitlines() == [f"wrote {tmp_path / 'm.onnx'}",
                                                    f"wrote {tmp_path / 'm.pt'}"]
    clf = nnscratch.load(path)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    proba, label = session.run(None, {"X": X})
    np.testing.assert_allclose(proba, clf.predict_proba(X), rtol=1e-12, atol=0)
    assert label.tolist() == clf.predict(X).tolist()
    seq = clf.to_torch()
    for p in seq.parameters():
        p.data.zero_()
    seq.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))
    with torch.no_grad():
        np.testing.assert_allclose(seq(torch.from_numpy(X)).numpy(), clf.predict_proba(X),
                                   rtol=1e-12, atol=0)


def test_train_save_then_export(tmp_path, capsys):
    """A model of ``train --save`` (standardisation folded into the first layer) exports too."""
    ort = pytest.importorskip("onnxruntime")
    assert main(["train", "--dataset", "moons", "--epochs", "5", "--scale", "standard",
                 "--save", str(tmp_path / "m.npz"), "--out", str(tmp_path / "out")]) == 0
    assert main(["export", "--model", str(tmp_path / "m.npz"),
                 "--onnx", str(tmp_path / "m.onnx")]) == 0
    X = nnscratch.datasets.moons(50, random_state=3)[0]
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    clf = nnscratch.load(tmp_path / "m.npz")
    np.testing.assert_allclose(session.run(None, {"X": X})[0], clf.predict_proba(X), rtol=1e-12)


@pytest.mark.parametrize("argv, message", [
    (["--onnx", "{tmp}/m.onnx"], "error: [Errno 2]"),  # no such model: OSError
    ([], "error: nothing to export"),
    (["--onnx", "{tmp}/nowhere/m.onnx"], "does not exist; pass another path"),
    (["--onnx", "{tmp}"], "it is a folder"),
])
def test_user_mistakes(tmp_path, capsys, argv, message):
    model = str(tmp_path / "missing.npz") if "[Errno" in message else None
    if model is None:
        clf, _ = fitted()
        model = str(clf.save(tmp_path / "m.npz"))
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(["export", "--model", model, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    if "[Errno" not in message:
        assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_bad_model_file(tmp_path, capsys):
    (tmp_path / "bad.npz").write_bytes(b"not a model")
    assert main(["export", "--model", str(tmp_path / "bad.npz"),
                 "--onnx", str(tmp_path / "m.onnx")]) == 2
    assert "is not a valid nnscratch model file" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()


def test_missing_extra(tmp_path, capsys, monkeypatch):
    clf, _ = fitted()
    path = clf.save(tmp_path / "m.npz")
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert main(["export", "--model", str(path), "--onnx", str(tmp_path / "m.onnx")]) == 2
    assert "pip install 'nnscratch[onnx]'" in capsys.readouterr().err
    assert not (tmp_path / "m.onnx").exists()
