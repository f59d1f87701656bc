"""The five exercises: ``nnscratch exercises`` as a user runs it and what each experiment shows."""

import re
import subprocess
import sys

import pytest

from nnscratch import MLPClassifier
from nnscratch.datasets import moons
from nnscratch.experiments.exercises import fit

FIGURES = ["exercise1_minibatch.png", "exercise2_annealing.png", "exercise3_activations.png",
           "exercise4_three_classes.png", "exercise5_four_layers.png"]


@pytest.fixture(scope="module")
def exercises_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("exercises")
    proc = subprocess.run([sys.executable, "-m", "nnscratch", "exercises", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    return proc, out


@pytest.fixture(scope="module")
def table(exercises_run):
    """Rows of the printed summary: {(exercise, setting): (epochs, loss, train acc, test acc)}."""
    proc, _ = exercises_run
    rows = {}
    for line in proc.stdout.splitlines():
        parts = re.split(r"\s{2,}", line.strip())  # columns are two or more spaces apart
        if len(parts) == 6 and parts[0][:1].isdigit():
            rows[(parts[0], parts[1])] = (int(parts[2]), *map(float, parts[3:]))
    return rows


def test_runs_and_writes_one_png_per_exercise(exercises_run):
    proc, out = exercises_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    for name in FIGURES:
        path = out / name
        assert path.stat().st_size > 10_000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"wrote {path}" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted([*FIGURES, "index.html"])


def test_report_shows_every_figure_and_the_table(exercises_run, tmp_path):
    from tests.viz.test_report import CHROMIUM, assert_links_exist, rendered_images

    proc, out = exercises_run
    index = out / "index.html"
    parsed = assert_links_exist(index)
    assert sorted(parsed.imgs) == sorted(FIGURES)
    assert "spirals, 20-20 relu" in parsed.cells  # the summary table, as HTML
    if CHROMIUM is not None:
        assert rendered_images(index, tmp_path) == (len(FIGURES), len(FIGURES))


def test_summary_table_has_every_experiment(table):
    exercises = {e for e, _ in table}
    assert exercises == {"1 minibatch", "2 annealing", "3 activations", "4 three classes",
                         "5 four layers"}
    acts = {s for e, s in table if e == "3 activations"}
    assert acts == {"tanh", "logistic", "relu", "leaky_relu", "elu", "softplus", "identity"}
    for epochs, loss, train_acc, test_acc in table.values():
        assert epochs > 0 and loss > 0 and 0 <= train_acc <= 1 and 0 <= test_acc <= 1


def test_what_the_figures_show(table):
    # 1: per epoch, minibatch SGD (10x the steps) gets lower than full-batch GD
    assert table[("1 minibatch", "minibatch SGD, batch 20")][1] < \
        table[("1 minibatch", "full batch GD")][1]
    # 2: annealing the rate ends below the noisy constant rate
    constant = table[("2 annealing", "constant")][1]
    annealed = [v[1] for (e, s), v in table.items() if e == "2 annealing" and s != "constant"]
    assert len(annealed) == 3 and max(annealed) < constant
    # 3: every nonlinearity separates the moons better than the linear (identity) network
    linear = table[("3 activations", "identity")][2]
    assert all(v[2] > linear for (e, s), v in table.items()
               if e == "3 activations" and s != "identity")
    # 4: softmax over three spiral arms
    assert table[("4 three classes", "spirals, 20-20 relu")][3] >= 0.97
    # 5: the second hidden layer helps on the spirals
    three = table[("5 four layers", "3 layers, hidden (8,)")]
    four = table[("5 four layers", "4 layers, hidden (8, 8)")]
    assert four[1] < three[1] and four[3] > three[3]


def test_exercise_networks_are_estimators():
    X, y = moons(50, random_state=0)
    clf = fit(X, y, (4, 3), "relu", "sgd", lr=0.1, epochs=7, batch_size=8)
    assert isinstance(clf, MLPClassifier) and clf.n_iter_ == 7  # tol=None: every epoch runs
    assert [c.shape for c in clf.coefs_] == [(2, 4), (4, 3), (3, 2)]
    assert clf.get_params()["momentum"] == 0.0  # plain minibatch steps
