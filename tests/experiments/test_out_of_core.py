"""Training block by block: a lazily built Dask array of 1e6 rows on a loopback cluster, and a
CSV file in chunks, against the same model trained in memory."""

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
    with pytest.raises(ValueError, match="non-numeric feature"):
        scan_csv(path, target="label")
    with pytest.raises(ValueError, match="target column 'nope' not in"):
        scan_csv(path, target="nope")
