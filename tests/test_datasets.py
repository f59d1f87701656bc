"""Datasets: seeded, never touching the global RNG, the right shapes and classes; load_csv."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_blobs, make_circles, make_gaussian_quantiles, make_moons

from nnscratch import datasets
from nnscratch.datasets import (
    blobs,
    circles,
    gaussian_quantiles,
    load_csv,
    make_dataset,
    moons,
    spirals,
    xor,
)

GENERATORS = {
    "moons": lambda rs: moons(101, random_state=rs),
    "circles": lambda rs: circles(101, random_state=rs),
    "spirals": lambda rs: spirals(101, n_classes=4, random_state=rs),
    "blobs": lambda rs: blobs(101, n_classes=4, random_state=rs),
    "xor": lambda rs: xor(101, random_state=rs),
    "gaussian_quantiles": lambda rs: gaussian_quantiles(101, n_classes=4, random_state=rs),
}
N_CLASSES = {"moons": 2, "circles": 2, "xor": 2, "spirals": 4, "blobs": 4,
             "gaussian_quantiles": 4}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_seeded_and_global_rng_untouched(name):
    make = GENERATORS[name]
    before = np.random.get_state()
    X1, y1 = make(3)
    X2, y2 = make(3)
    X3, _ = make(4)
    X4, y4 = make(np.random.RandomState(3))
    Xg, yg = make(np.random.default_rng(5))
    make(None)  # fresh entropy, still not the global state
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1]) and before[2] == after[2]
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert np.array_equal(X1, X4) and np.array_equal(y1, y4)
    assert not np.array_equal(X1, X3)
    assert X1.shape == (101, 2) and y1.shape == (101,) and Xg.shape == (101, 2)
    k = N_CLASSES[name]
    assert set(np.unique(y1)) == set(range(k))
    counts = np.bincount(y1)
    assert counts.max() - counts.min() <= 1 or name == "xor"  # xor labels follow the quadrant


def test_sklearn_generators_are_used_with_the_seed():
    X, y = circles(50, noise=0.05, factor=0.3, random_state=7)
    Xr, yr = make_circles(50, noise=0.05, factor=0.3, random_state=np.random.RandomState(7))
    assert np.array_equal(X, Xr) and np.array_equal(y, yr)
    X, y = blobs(60, n_classes=3, random_state=2)
    Xr, yr = make_blobs(60, centers=3, random_state=2)
    assert np.array_equal(X, Xr) and np.array_equal(y, yr)
    X, y = gaussian_quantiles(60, n_classes=3, random_state=2)
    Xr, yr = make_gaussian_quantiles(n_samples=60, n_classes=3, random_state=2)
    assert np.array_equal(X, Xr) and np.array_equal(y, yr)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 500), noise=st.sampled_from([0.0, 0.05, 0.2, 1.0, 3.5]),
       seed=st.integers(0, 2**32 - 1), generator=st.booleans())
def test_moons_is_scikit_learns_make_moons(n, noise, seed, generator):
    """moons is written out (the tutorial's data without scikit-learn's import): bit for bit
    make_moons, shuffle and noise included, for every size, noise and seed."""
    rs = np.random.default_rng(seed) if generator else seed
    X, y = moons(n, noise=noise, random_state=rs)
    rs = np.random.default_rng(seed) if generator else seed
    Xr, yr = make_moons(n, noise=noise, random_state=datasets._state(rs))
    assert np.array_equal(X, Xr) and np.array_equal(y, yr)
    assert (X.dtype, y.dtype, X.flags.c_contiguous) == (Xr.dtype, yr.dtype, Xr.flags.c_contiguous)


def test_spirals_geometry():
    # noise-free arms: every point lies at its radius on arm k's angle, r in [0, 1]
    k, m = 3, 50
    X, y = spirals(k * m, n_classes=k, noise=0.0, turns=1.0, random_state=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() == pytest.approx(1.0) and r.min() == pytest.approx(0.0)
    for arm in range(k):
        pts, rr = X[y == arm], r[y == arm]
        assert len(pts) == m
        theta = 2 * np.pi * (arm / k + rr)
        assert np.allclose(pts, np.c_[rr * np.sin(theta), rr * np.cos(theta)])


def test_xor_labels_are_quadrants_without_noise():
    X, y = xor(500, noise=0.0, random_state=1)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert np.abs(X).max() <= 1.0
    assert 200 < y.sum() < 300


def test_moons_default_is_tutorial_data():
    X, y = moons()
    Xr, yr = make_dataset("moons", n_samples=200, noise=0.2, random_state=0)
    assert np.array_equal(X, Xr) and np.array_equal(y, yr)


def test_make_dataset_by_name_and_errors():
    X, y = make_dataset("spirals", n_samples=90, n_classes=5, random_state=1)
    assert X.shape == (90, 2) and set(y) == set(range(5))
    with pytest.raises(ValueError, match="dataset must be one of.*'nope'"):
        make_dataset("nope")
    with pytest.raises(ValueError, match="'moons' has 2 classes.*spirals"):
        make_dataset("moons", n_classes=3)
    with pytest.raises(ValueError, match="n_classes must be an int >= 2; got 1"):
        spirals(10, n_classes=1)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0; got -1"):
        moons(10, noise=-1)
    with pytest.raises(ValueError, match="takes no noise"):
        make_dataset("blobs", noise=0.1)
    with pytest.raises(ValueError, match="n_samples must be an int >= 3"):
        spirals(2, n_classes=3)


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_csv_reads_features_and_labels(tmp_path):
    path = _write(tmp_path, "x1,label,x2\n1.5,cat,2\n-3,dog,4e1\n\n0,cat,-1\n")
    X, y = load_csv(path, target="label")
    assert X.dtype == np.float64
    assert np.array_equal(X, [[1.5, 2.0], [-3.0, 40.0], [0.0, -1.0]])
    assert list(y) == ["cat", "dog", "cat"]
    with pytest.raises(ValueError, match="feature column 'label'"):
        load_csv(path)  # default target: the last column, so 'label' would be a feature
    path = _write(tmp_path, "x1,x2,y\n1,2,2\n3,4,4e1\n", "floats.csv")
    X_last, y_last = load_csv(path)
    # "4e1" is not an integer, so the labels come back as floats
    assert np.array_equal(y_last, [2.0, 40.0]) and y_last.dtype == np.float64
    assert np.array_equal(X_last, [[1, 2], [3, 4]])


def test_load_csv_integer_labels_and_index_target(tmp_path):
    path = _write(tmp_path, "a,b,c\n1,2,7\n3,4,-2\n")
    X, y = load_csv(path, target=0)
    assert np.array_equal(X, [[2, 7], [4, -2]]) and np.array_equal(y, [1, 3])
    assert y.dtype.kind == "i"
    _, y = load_csv(path, target=-1)
    assert np.array_equal(y, [7, -2])


def test_load_csv_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found; check the path"):
        load_csv(tmp_path / "missing.csv", target="y")
    path = _write(tmp_path, "x1,x2,y\n1,2,a\n3,4,b\n")
    with pytest.raises(ValueError, match=r"target column 'label' not in .*x1, x2, y"):
        load_csv(path, target="label")
    with pytest.raises(ValueError, match="index 5 out of range"):
        load_csv(path, target=5)
    bad = _write(tmp_path, "x1,x2,y\n1,2,a\n3,red,b\n", "bad.csv")
    with pytest.raises(ValueError, match=r"feature column 'x2' .* not numeric: line 3 has 'red'"):
        load_csv(bad, target="y")
    with pytest.raises(ValueError, match="is empty"):
        load_csv(_write(tmp_path, "", "empty.csv"))
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(_write(tmp_path, "x,y\n", "header.csv"))
    with pytest.raises(ValueError, match="line 3 has 2 fields; the header has 3"):
        load_csv(_write(tmp_path, "a,b,c\n1,2,3\n4,5\n", "ragged.csv"))
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(ValueError, match="not a UTF-8 text file"):
        load_csv(binary)
    with pytest.raises(ValueError, match="non-finite value on line 2"):
        load_csv(_write(tmp_path, "a,b\nnan,1\n", "nan.csv"))


def test_public_names():
    for name in ("circles", "spirals", "blobs", "xor", "gaussian_quantiles", "load_csv"):
        assert name in datasets.__all__ and callable(getattr(datasets, name))


@pytest.mark.parametrize("name, shape, n_classes", [
    ("digits", (1797, 64), 10), ("iris", (150, 4), 3), ("wine", (178, 13), 3),
    ("breast_cancer", (569, 30), 2)])
def test_load_real_is_scikit_learns_bundled_data(name, shape, n_classes):
    from sklearn import datasets as skd

    X, y, features, class_names = datasets.load_real(name)
    X_sk, y_sk = getattr(skd, f"load_{name}")(return_X_y=True)
    np.testing.assert_array_equal(X, X_sk)  # raw, not standardised
    np.testing.assert_array_equal(y, y_sk)
    assert X.shape == shape and X.dtype == np.float64
    assert len(features) == shape[1] and len(class_names) == n_classes
    assert sorted(set(y.tolist())) == list(range(n_classes))
    assert name in datasets.REAL_DATASETS and "load_real" in datasets.__all__


def test_load_real_unknown_name():
    with pytest.raises(ValueError, match="real dataset must be one of digits, iris, wine, "
                                         "breast_cancer; got 'mnist'"):
        datasets.load_real("mnist")
