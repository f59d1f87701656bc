"""Every model ``nnscratch train --save`` writes loads with ``nnscratch.load`` and predicts what
the trained network predicted in the training process (raw columns in, the file's labels out)."""

import numpy as np
import pytest

import nnscratch
from nnscratch.cli import main
from nnscratch.cli import train as train_command
from nnscratch.datasets import blobs, load_csv, make_dataset
from nnscratch.io import read_model

FAST = ["--epochs", "15", "--hidden", "5"]
CASES = {
    **{f"optimizer {name}": ["--optimizer", name, *FAST] for name in
       ("gd", "sgd", "momentum", "nesterov", "adam")},
    "per-layer activations": ["--hidden", "4,3", "--activation", "relu,tanh", "--epochs", "15"],
    "three layers, three classes": ["--dataset", "blobs", "--classes", "3", "--hidden",
                                        "4,3,5", "--activation", "elu,sigmoid,identity",
                                        "--epochs", "10"],
    "plateau schedule": ["--schedule", "plateau", *FAST],
    "invtime schedule": ["--schedule", "invtime", "--optimizer", "nesterov", *FAST],
    "validation curve": ["--validation-fraction", "0.2", *FAST],
    "early stopping": ["--early-stopping", "--patience", "2", "--epochs", "50"],
    "csv with string labels": ["--csv", "{csv}", "--target", "kind", "--optimizer", "adam",
                               "--activation", "tanh,relu", "--hidden", "6,4", *FAST[:2]],
    "csv, no scaling": ["--csv", "{csv}", "--target", "1", "--scale", "none", *FAST],
}


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    X, y = blobs(90, n_classes=3, n_features=3, random_state=0)
    X = X * [1, 100, 0.01] + [0, 1000, 5]  # columns on very different scales
    labels = np.array(["ant", "bee", "cow"])[y]
    path = tmp_path_factory.mktemp("saved") / "data.csv"
    lines = ["a,kind,b,c"] + [f"{r[0]:.6f},{k},{r[1]:.6f},{r[2]:.6f}" for r, k in zip(X, labels)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_saved_model_loads_and_predicts_as_trained(case, csv_file, tmp_path, monkeypatch,
                                                   capsys):
    args = [a.replace("{csv}", str(csv_file)) for a in CASES[case]]
    seen = {}
    original = train_command.model_of_raw_columns

    def record(clf, classes, scaler=None, feature_names=None):  # what training ended with
        seen.update(clf=clf, classes=np.asarray(classes), scaler=scaler, names=feature_names)
        return original(clf, classes, scaler, feature_names)

    monkeypatch.setattr(train_command, "model_of_raw_columns", record)
    path = tmp_path / "m.npz"
    code = main(["train", *args, "--test-size", "0", "--out", str(tmp_path / "out"),
                 "--save", str(path)])
    assert code == 0, capsys.readouterr().err
    if "--csv" in args:
        X, _ = load_csv(csv_file, target=args[args.index("--target") + 1])
    else:
        name = args[args.index("--dataset") + 1] if "--dataset" in args else "moons"
        classes = int(args[args.index("--classes") + 1]) if "--classes" in args else None
        X, _ = make_dataset(name, n_samples=300, n_classes=classes, random_state=0)
    trained, scaler = seen["clf"], seen["scaler"]
    expected = trained.predict_proba(X if scaler is None else scaler.transform(X))

    loaded = nnscratch.load(path)
    assert loaded.classes_.tolist() == seen["classes"].tolist()
    if seen["names"] is not None:  # a CSV: the saved model knows its columns by name
        pd = pytest.importorskip("pandas")
        assert list(loaded.feature_names_in_) == seen["names"]
        X = pd.DataFrame(X, columns=seen["names"])
    proba = loaded.predict_proba(X)
    if scaler is None:  # the very same weights
        assert proba.tobytes() == expected.tobytes()
    else:  # the standardisation folded into the first layer: the same function, to rounding
        np.testing.assert_allclose(proba, expected, rtol=1e-9, atol=1e-12)
    assert loaded.predict(X).tolist() == seen["classes"][np.argmax(expected, axis=1)].tolist()
    assert [a.name for a in loaded.network().activations] == \
        [a.name for a in trained.network().activations]
    assert read_model(path).notes["command"] == "nnscratch train"


def test_the_bug_relu_tanh_file_loads(tmp_path):
    """`nnscratch train --activation relu,tanh --save m.npz` used to write what load rejected."""
    code = main(["train", "--hidden", "3,3", "--activation", "relu,tanh", "--epochs", "3",
                 "--out", str(tmp_path / "out"), "--save", str(tmp_path / "m.npz")])
    assert code == 0
    clf = nnscratch.load(tmp_path / "m.npz")
    assert clf.get_params()["activation"] == ("relu", "tanh")
    assert [a.name for a in clf.network().activations] == ["relu", "tanh"]
