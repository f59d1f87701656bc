"""``nnscratch train --save`` then ``nnscratch predict``: the same model, the same predictions."""

import csv
import subprocess
import sys

import numpy as np
import pytest

import nnscratch
from nnscratch.cli._model import fold_standardization
from nnscratch.datasets import make_dataset
from nnscratch.io import read_model


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "nnscratch", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Three classes with string labels, features on very different scales (so scaling is on)."""
    d = tmp_path_factory.mktemp("predict")
    X, y = make_dataset("blobs", n_samples=150, n_classes=3, random_state=0)
    X = np.c_[X[:, 0] * 10 + 50, X[:, 1]]
    names = np.array(["red", "green", "blue"])[y]
    with open(d / "train.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["size", "weight", "colour"])
        w.writerows([f"{a:.6f}", f"{b:.6f}", c] for (a, b), c in zip(X, names))
    with open(d / "new.csv", "w", newline="") as fh:  # other column order, an extra column
        w = csv.writer(fh)
        w.writerow(["id", "weight", "size"])
        w.writerows([i, f"{b:.6f}", f"{a:.6f}"] for i, (a, b) in enumerate(X))
    proc = cli("train", "--csv", d / "train.csv", "--target", "colour", "--test-size", "0",
               "--hidden", "8", "--epochs", "60", "--out", d / "out", "--save", d / "m.npz")
    assert proc.returncode == 0, proc.stderr
    return d, X, names, proc.stdout


def test_predict_reproduces_the_training_accuracy(trained):
    d, _, _, train_out = trained
    train_acc = next(line for line in train_out.splitlines() if line.startswith("train accuracy"))
    proc = cli("predict", "--model", d / "m.npz", "--csv", d / "train.csv", "--out",
               d / "preds.csv")
    assert proc.returncode == 0, proc.stderr
    assert f"accuracy: {train_acc.split()[-1]} (150 rows labelled in column 'colour')" \
        in proc.stdout
    assert f"wrote 150 predictions to {d / 'preds.csv'}" in proc.stdout


def test_predict_matches_the_loaded_estimator_by_column_name(trained):
    pd = pytest.importorskip("pandas")
    d, X, _, _ = trained
    proc = cli("predict", "--model", d / "m.npz", "--csv", d / "new.csv", "--proba")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(proc.stdout.splitlines()))
    assert rows[0] == ["prediction", "proba_blue", "proba_green", "proba_red"]
    clf = nnscratch.load(d / "m.npz")  # the same file as an MLPClassifier
    assert list(clf.feature_names_in_) == ["size", "weight"]
    frame = pd.DataFrame(X, columns=["size", "weight"])
    assert [r[0] for r in rows[1:]] == clf.predict(frame).tolist()
    np.testing.assert_allclose(np.array([r[1:] for r in rows[1:]], float),
                               clf.predict_proba(frame), atol=1e-6)  # printed with 6 digits
    assert clf.get_params()["hidden_layer_sizes"] == (8,)
    assert clf.get_params()["solver"] == "sgd" and clf.get_params()["momentum"] == 0.0


def test_folded_standardization_is_the_same_function():
    rng = np.random.RandomState(0)
    W1, b1, W2, b2 = rng.randn(3, 4), rng.randn(4), rng.randn(4, 2), rng.randn(2)
    mean, scale = rng.randn(3) * 10, rng.uniform(0.1, 100, 3)
    X = rng.randn(5, 3) * scale + mean
    (V1, V2), (c1, c2) = fold_standardization([W1, W2], [b1, b2], mean, scale)
    assert V2 is W2 and c2 is b2
    np.testing.assert_allclose(X @ V1 + c1, ((X - mean) / scale) @ W1 + b1, rtol=1e-12)


def test_divergence_saves_the_last_finite_model(tmp_path):
    proc = cli("train", "--dataset", "moons", "--lr", "1e6", "--epochs", "50", "--out",
               tmp_path / "out", "--save", tmp_path / "m.npz")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: training diverged") and "smaller learning rate" in \
        proc.stderr and "Traceback" not in proc.stderr
    assert f"saved the last finite model to {tmp_path / 'm.npz'}" in proc.stdout
    model = read_model(tmp_path / "m.npz")
    assert all(np.isfinite(a).all() for a in model.coefs + model.intercepts)
    assert model.notes["stop_reason"] == "diverged"
    assert np.isfinite(nnscratch.load(tmp_path / "m.npz").predict_proba(np.zeros((1, 2)))).all()


def test_predict_without_names_takes_columns_in_order(tmp_path):
    proc = cli("train", "--dataset", "moons", "--epochs", "5", "--hidden", "3,3",
               "--activation", "relu,tanh", "--out", tmp_path / "out", "--save",
               tmp_path / "m.npz")
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "x.csv").write_text("a,b\n0.5,0.5\n-1,1\n")
    proc = cli("predict", "--model", tmp_path / "m.npz", "--csv", tmp_path / "x.csv")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "prediction" and len(lines) == 3
    clf = nnscratch.load(tmp_path / "m.npz")  # per-layer activations load as they are
    assert clf.get_params()["activation"] == ("relu", "tanh")
    assert lines[1:] == [str(p) for p in clf.predict(np.array([[0.5, 0.5], [-1, 1]]))]
