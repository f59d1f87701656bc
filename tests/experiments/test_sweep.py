"""Sweeps: GridSearchCV over hidden sizes x alpha, locally and on Dask; CSV and heat map."""

import csv
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from nnscratch import MLPClassifier, datasets
from nnscratch.cli import main
from nnscratch.experiments.sweep import (
    TUTORIAL_MODEL,
    dataset_generators,
    load_dataset,
    plot_sweep,
    run_sweep,
    write_table,
)

HIDDEN, ALPHAS = (1, 3), (1e-4, 0.5)
SMALL = ["--dataset", "moons", "--n-samples", "90", "--hidden", "1,3", "--alpha", "0.0001,0.5",
         "--cv", "3", "--max-iter", "200"]


@pytest.fixture(scope="module")
def data():
    return load_dataset("moons", 90)


@pytest.fixture(scope="module")
def estimator():
    return MLPClassifier(**TUTORIAL_MODEL, max_iter=200)


@pytest.fixture(scope="module")
def local(data, estimator):
    return run_sweep(*data, HIDDEN, ALPHAS, cv=3, n_jobs=1, estimator=estimator)


def test_datasets_are_looked_up_by_name(monkeypatch):
    X, y = load_dataset("moons", 50, random_state=3)
    X_ref, y_ref = datasets.moons(50, random_state=3)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)

    def ring(n_samples=10, noise=0.0, random_state=0):
        return np.zeros((n_samples, 2)), np.arange(n_samples) % 2

    ring.__module__ = datasets.__name__
    monkeypatch.setattr(datasets, "ring", ring, raising=False)
    assert {"moons", "ring"} <= set(dataset_generators())  # a new generator is picked up
    assert load_dataset("ring", 6)[0].shape == (6, 2)
    with pytest.raises(ValueError, match="unknown dataset 'nope'; choose one of .*moons"):
        load_dataset("nope")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_scores_are_cross_validated_accuracies(data, estimator, local):
    X, y = data
    assert local.mean_scores.shape == (2, 2)
    for i, h in enumerate(HIDDEN):
        for j, a in enumerate(ALPHAS):
            model = clone(estimator).set_params(hidden_layer_sizes=(h,), alpha=a)
            assert local.mean_scores[i, j] == pytest.approx(cross_val_score(model, X, y, cv=3)
                                                            .mean(), abs=1e-12)
    best = local.search.best_params_
    i, j = HIDDEN.index(best["hidden_layer_sizes"][0]), ALPHAS.index(best["alpha"])
    assert local.mean_scores[i, j] == np.nanmax(local.mean_scores)


def test_table_and_heat_map(local, tmp_path):
    path = write_table(local, tmp_path / "t.csv")
    with path.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    assert list(rows[0])[:5] == ["hidden", "alpha", "mean_accuracy", "std_accuracy", "rank"]
    for row in rows:
        i, j = HIDDEN.index(int(row["hidden"])), ALPHAS.index(float(row["alpha"]))
        assert float(row["mean_accuracy"]) == local.mean_scores[i, j]
        folds = [float(row[f"fold{k}_accuracy"]) for k in range(3)]
        assert np.mean(folds) == pytest.approx(local.mean_scores[i, j])
    ax = plot_sweep(local)
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == sorted(f"{s:.3f}" for s in local.mean_scores.ravel())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "3"]
    (best,) = ax.patches  # the outline sits on the best cell
    i, j = np.unravel_index(np.nanargmax(local.mean_scores), (2, 2))
    assert best.get_xy() == (j - 0.5, i - 0.5)


def test_cli_local_parallel(local, tmp_path, capsys):
    out = tmp_path / "sweep"
    assert main(["sweep", *SMALL, "--n-jobs", "2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    best = local.search.best_params_
    assert f"best: hidden {best['hidden_layer_sizes'][0]}, alpha {best['alpha']:g}" in text
    assert (out / "sweep_heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with (out / "sweep_results.csv").open() as f:
        means = sorted(float(r["mean_accuracy"]) for r in csv.DictReader(f))
    assert means == sorted(local.mean_scores.ravel())  # 2 processes: the same numbers as 1


def test_dask_cluster_gives_the_local_results(data, estimator, local, tmp_path, capsys):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1",
                      protocol="tcp", dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        remote = run_sweep(*data, HIDDEN, ALPHAS, cv=3, scheduler=address, estimator=estimator)
        ran = list(cluster.scheduler.task_prefixes)
        assert main(["sweep", *SMALL, "--scheduler", address, "--out", str(tmp_path)]) == 0
    assert any("_fit_and_score" in name for name in ran)  # the fits ran on the cluster
    assert remote.search.best_params_ == local.search.best_params_
    np.testing.assert_array_equal(remote.mean_scores, local.mean_scores)
    np.testing.assert_array_equal(remote.std_scores, local.std_scores)
    assert f"on Dask cluster {address}" in capsys.readouterr().out
    assert main(["sweep", *SMALL, "--scheduler", "nonsense", "--out", str(tmp_path)]) == 2
    assert "error: a scheduler address looks like tcp://HOST:PORT; got 'nonsense'" in \
        capsys.readouterr().err


def test_missing_distributed_is_a_clear_error(data, estimator, monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'nnscratch\[cluster\]'"):
        run_sweep(*data, HIDDEN, ALPHAS, cv=3, scheduler="tcp://127.0.0.1:1",
                  estimator=estimator)
    assert main(["sweep", *SMALL, "--scheduler", "tcp://127.0.0.1:1", "--out",
                 str(tmp_path)]) == 2
    assert "error: running on a Dask cluster (--scheduler) needs dask.distributed" in \
        capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--hidden", "1,x"], "hidden sizes must be integers"),
    (["--dataset", "nope"], "unknown dataset 'nope'"),
    (["--activation", "swish"], "MLPClassifier parameter activation must be one of"),
])
def test_cli_errors(args, message, tmp_path, capsys):
    assert main(["sweep", *SMALL, *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


@pytest.mark.parametrize("alphas", ["0.1,-1", "0.1,x", ","])
def test_cli_rejects_bad_alphas(alphas, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--alpha", alphas])
    assert exc.value.code == 2
    assert f"argument --alpha: expected numbers >= 0 like 0.0001,0.01; got {alphas!r}" in \
        capsys.readouterr().err
