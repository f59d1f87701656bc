"""Training block by block: a lazily built Dask array of 1e6 rows on a loopback cluster, and a
CSV file in chunks, against the same model trained in memory."""

import gc
import warnings

import numpy as np
import pytest

from nnscratch import MLPClassifier
from nnscratch.experiments.out_of_core import fit_csv_chunks, fit_dask, scan_csv

N_ROWS, BLOCK = 1_000_000, 20_000  # 50 blocks, each a multiple of the batch size


def block(i, rows=BLOCK):
    """Block i of the data, from its own seeded generator: y = [x0^2 + x1 > 0.5], 2 % flipped."""
    rng = np.random.RandomState(1000 + i)
    X = rng.randn(rows, 2)
    y = (X[:, 0] ** 2 + X[:, 1] > 0.5).astype(np.int64)
    flip = rng.rand(rows) < 0.02
    y[flip] = 1 - y[flip]
    return X, y


def model():
    return MLPClassifier((8,), activation="tanh", solver="sgd", learning_rate_init=0.05,
                         momentum=0.9, batch_size=200, shuffle=False, random_state=0)


def test_dask_array_on_a_loopback_cluster_matches_in_memory_training():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    pytest.importorskip("dask_ml")
    parts = [dask.delayed(block)(i) for i in range(N_ROWS // BLOCK)]
    X = da.concatenate([da.from_delayed(p[0], (BLOCK, 2), np.float64) for p in parts])
    y = da.concatenate([da.from_delayed(p[1], (BLOCK,), np.int64) for p in parts])
    assert X.shape == (N_ROWS, 2) and X.numblocks == (50, 1)  # lazy: nothing computed yet
    X_test, y_test = block(-1, 20_000)

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  host="127.0.0.1", protocol="tcp", dashboard_address=None) as cl, \
            distributed.Client(cl) as client:
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        on_cluster = fit_dask(model(), X, y, classes=[0, 1])
        ran = list(cl.scheduler.task_prefixes)
    assert {"fit", "block"} <= set(ran)  # blocks made and partial_fit steps run on the cluster

    in_memory = model()
    X_all = np.vstack([block(i)[0] for i in range(N_ROWS // BLOCK)])
    y_all = np.concatenate([block(i)[1] for i in range(N_ROWS // BLOCK)])
    in_memory.partial_fit(X_all, y_all, classes=[0, 1])  # one epoch over all rows, in order
    acc_cluster = on_cluster.score(X_test, y_test)
    acc_memory = in_memory.score(X_test, y_test)
    assert acc_memory > 0.9  # the problem was learnt
    assert abs(acc_cluster - acc_memory) <= 0.01
    assert on_cluster.t_ == N_ROWS


def test_dask_dataframe_is_the_array_path():
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    pytest.importorskip("dask_ml")
    import dask

    X, y = block(3, 4000)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y})
    ddf = dd.from_pandas(frame, npartitions=5, sort=False)
    with dask.config.set(scheduler="synchronous"):
        from_frame = fit_dask(model(), ddf[["a", "b"]], ddf["y"], classes=[0, 1], epochs=2)
        arr = dask.array.from_array(X, chunks=(800, 2))
        from_array = fit_dask(model(), arr, dask.array.from_array(y, chunks=800), [0, 1], 2)
    assert from_frame.t_ == 8000
    for a, b in zip(from_frame.coefs_, from_array.coefs_):
        np.testing.assert_array_equal(a, b)


def write_csv(path, n):
    X, y = block(7, n)
    labels = np.array(["low", "high"])[y]
    with open(path, "w") as f:
        f.write("a,b,label\n")
        for (a, b), c in zip(X, labels):
            f.write(f"{float(a)!r},{float(b)!r},{c}\n")
    return X, labels


def test_csv_chunks_equal_in_memory_batches(tmp_path):
    pytest.importorskip("pandas")
    path = tmp_path / "data.csv"
    X, labels = write_csv(path, 2000)
    classes, scaler = scan_csv(path, target="label", chunk_rows=400)
    assert classes.tolist() == ["high", "low"]
    np.testing.assert_allclose(scaler.mean_, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.scale_, X.std(axis=0), rtol=1e-12)
    chunked = fit_csv_chunks(model(), path, classes, target="label", chunk_rows=400, epochs=2,
                             transform=scaler.transform, progress=False)
    whole = model()
    for _ in range(2):
        whole.partial_fit(scaler.transform(X), labels, classes=classes)
    # chunks of 400 = two batches of 200: the same steps; repr round-trips the floats exactly
    for a, b in zip(chunked.coefs_ + chunked.intercepts_, whole.coefs_ + whole.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_csv_errors(tmp_path):
    pytest.importorskip("pandas")
    path = tmp_path / "bad.csv"
    path.write_text("a,b,label\n1,x,0\n2,3,1\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        with pytest.raises(ValueError, match="non-numeric feature"):
            scan_csv(path, target="label")
        with pytest.raises(ValueError, match="target column 'nope' not in"):
            scan_csv(path, target="nope")
        gc.collect()  # an unclosed file would warn when it is collected
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]  # the file is closed


def test_train_chunked_cli_is_the_in_memory_model(tmp_path, capsys):
    pytest.importorskip("pandas")
    import nnscratch
    from nnscratch.cli import main

    path = tmp_path / "data.csv"
    X, labels = write_csv(path, 1000)
    assert main(["train", "--csv", str(path), "--target", "label", "--chunked", "--chunk-rows",
                 "64", "--batch-size", "32", "--hidden", "6", "--epochs", "3",
                 "--save", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "1000 rows, 2 features, 2 classes; read 64 rows at a time" in out
    chunked = nnscratch.load(tmp_path / "m.npz")  # takes raw columns (scaler folded in)

    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    whole = MLPClassifier((6,), activation="tanh", solver="sgd", momentum=0.0,
                          learning_rate_init=0.1, alpha=1e-4, batch_size=32, shuffle=False,
                          random_state=0)
    for _ in range(3):  # chunks of 64 = two batches of 32: the same steps as in memory
        whole.partial_fit(scaler.transform(X), labels, classes=["high", "low"])
    import pandas as pd

    assert list(chunked.feature_names_in_) == ["a", "b"]  # the CSV's columns, as read
    frame = pd.DataFrame(X, columns=["a", "b"])
    np.testing.assert_allclose(chunked.predict_proba(frame),
                               whole.predict_proba(scaler.transform(X)),
                               rtol=1e-9)  # equal up to the rounding of the folded scaler
    acc = float(out.split("train accuracy: ")[1].split()[0])
    assert acc == pytest.approx(whole.score(scaler.transform(X), labels), abs=1e-4)


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "moons", "--chunked"], "give --csv FILE"),
    (["--csv", "{csv}", "--chunked", "--early-stopping"], "drop --early-stopping"),
])
def test_train_chunked_mistakes(tmp_path, capsys, argv, message):
    from nnscratch.cli import main

    write_csv(tmp_path / "d.csv", 50)
    argv = [a.format(csv=tmp_path / "d.csv") for a in argv]
    assert main(["train", *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
