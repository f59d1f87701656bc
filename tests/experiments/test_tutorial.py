"""The tutorial reproduced: data, initial weights, every printed number.

Golden values were measured by running the tutorial's own code (the seed's ``build_model`` with
``calculate_loss``, ``np.random.seed(0)``, ``make_moons(200, noise=0.20)``, epsilon = 0.01,
reg_lambda = 0.01, hidden 3, 20000 passes, print_loss=True) with NumPy 2.4 / scikit-learn 1.9.
"""

import os

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from sklearn.datasets import make_moons

from nnscratch.datasets import moons
from nnscratch.engine import init_params, reference
from nnscratch.engine.losses import one_hot
from nnscratch.experiments import tutorial_report
from nnscratch.experiments.tutorial import (
    LEARNING_RATE,
    REG_LAMBDA,
    run_tutorial,
    train_tutorial_network,
)

SEED_LINES = {  # "Loss after iteration i: ..." printed by the tutorial's code
    0: "0.432387", 1000: "0.068947", 2000: "0.068888", 3000: "0.070752", 4000: "0.070748",
    5000: "0.070751", 6000: "0.070754", 7000: "0.070756", 8000: "0.070757", 9000: "0.070758",
    **{i: "0.070758" for i in range(10000, 20000, 1000)},
}
SEED_FINAL_LOSS = 0.0713158087  # calculate_loss(model) after build_model(3)
SEED_SWEEP = {  # hidden: (calculate_loss, training accuracy) after 20000 passes
    1: (0.328366504914, 0.865), 2: (0.328577913377, 0.835), 3: (0.071315808715, 0.975),
    4: (0.050115817392, 0.99), 5: (0.039036704661, 0.99), 20: (0.030735138088, 0.99),
    50: (0.030990262185, 0.99),
}


def _with_global_seed(fn):
    """Run the tutorial's globally seeded code without leaking the global state."""
    state = np.random.get_state()
    try:
        np.random.seed(0)
        return fn()
    finally:
        np.random.set_state(state)


def test_moons_bit_for_bit():
    X_ref, y_ref = _with_global_seed(lambda: make_moons(200, noise=0.20))
    before = np.random.get_state()[1].copy()
    X, y = moons(200, noise=0.2, random_state=0)
    assert np.array_equal(np.random.get_state()[1], before)  # global RNG untouched
    assert np.array_equal(X, X_ref) and np.array_equal(y, y_ref)


@pytest.mark.parametrize("hidden", [1, 3, 50])
def test_seed_initialisation(hidden):
    def draw():
        W1 = np.random.randn(2, hidden) / np.sqrt(2)
        W2 = np.random.randn(hidden, 2) / np.sqrt(hidden)
        return W1, W2

    W1, W2 = _with_global_seed(draw)
    p = init_params((2, hidden, 2), "seed", random_state=0)
    assert np.array_equal(p.coefs[0], W1) and np.array_equal(p.coefs[1], W2)
    assert not p.intercepts[0].any() and not p.intercepts[1].any()


def test_learning_rate_is_epsilon_times_n():
    assert LEARNING_RATE == 0.01 * 200 == 2.0 and REG_LAMBDA == 0.01


def test_exact_reproduction_of_printed_lines_and_final_loss():
    X, y = moons()
    net, hist = train_tutorial_network(X, y, 3)
    Y = one_hot(y, 2)
    final = net.loss(X, Y, REG_LAMBDA)
    after = hist.loss[1:] + [final]  # loss after pass i
    printed = {i: f"{after[i]:f}" for i in range(0, 20000, 1000)}
    assert printed == SEED_LINES
    assert abs(final - SEED_FINAL_LOSS) < 1e-9
    assert np.mean(np.argmax(net.predict_proba(X), axis=1) == y) == 0.975


@pytest.mark.parametrize("hidden", [1, 2, 4, 5, 20, 50])
def test_hidden_size_sweep_matches_seed(hidden):
    X, y = moons()
    net, _ = train_tutorial_network(X, y, hidden)
    loss, acc = SEED_SWEEP[hidden]
    assert abs(net.loss(X, one_hot(y, 2), REG_LAMBDA) - loss) < 1e-9
    assert np.mean(np.argmax(net.predict_proba(X), axis=1) == y) == acc


def _reference_training(X, y, hidden, passes):
    """The reference core (the tutorial's equations) from its initial weights, lr = epsilon N."""
    p = init_params((2, hidden, 2), "seed", random_state=0)
    Ws, bs = p.coefs, p.intercepts
    for _ in range(passes):
        dWs, dbs = reference.backprop(Ws, bs, X, y, ["tanh"], REG_LAMBDA)
        Ws, bs = reference.gd_step(Ws, bs, dWs, dbs, 0.01 * len(X))
    return Ws[0], bs[0], Ws[1], bs[1]


@pytest.mark.parametrize("hidden", [3, 8])
def test_naive_equations_agree_after_100_passes(hidden):
    X, y = moons()
    net, _ = train_tutorial_network(X, y, hidden, num_passes=100)
    naive = _reference_training(X, y, hidden, 100)
    for ours, ref in zip(net.params.arrays(), naive):
        assert np.max(np.abs(ours - ref)) < 1e-12


def test_run_tutorial_in_one_process_gives_the_same_numbers(tmp_path, monkeypatch):
    """On one core there are no worker processes: every training and the baseline run here,
    with the same results as when the workers compute them."""
    shared = run_tutorial(tmp_path / "workers", num_passes=50)
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    alone = run_tutorial(tmp_path / "alone", num_passes=50)
    assert alone.rows == shared.rows and alone.loss_lines == shared.loss_lines
    assert alone.history.loss == shared.history.loss
    assert [p.name for p in alone.figures.values()] == [p.name for p in shared.figures.values()]


def _misfits(fig: Figure) -> list[str]:
    """The texts the last draw of ``fig`` put outside it or over one another (tick labels of
    ticks outside the view limits, or of axes drawn without axis, are not drawn)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            tol = 1e-9 * (hi - lo)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not ax.axison or not lo - tol <= tick.get_loc() <= hi + tol:
                    hidden |= {id(tick.label1), id(tick.label2)}
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and id(t) not in hidden]
    inside = fig.bbox.padded(0.5)
    bad = [f"{text!r} outside" for text, box in boxes
           if not (inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1))]
    bad += [f"{a!r} over {b!r}" for i, (a, box) in enumerate(boxes) for b, other in boxes[i + 1:]
            if box.overlaps(other)]
    return bad


def test_tutorial_figures_fit_their_fixed_margins(tmp_path, monkeypatch):
    """Every figure of ``nnscratch tutorial`` is drawn with fixed margins (no constrained layout
    pass): each title, label, tick label, legend and colour bar label lies inside its figure,
    none over another."""
    import nnscratch.viz

    saved: list[Figure] = []

    def save(fig, path, dpi=100):
        saved.append(fig)
        return save_figure(fig, path, dpi)

    save_figure = nnscratch.viz.save_figure
    monkeypatch.setattr(nnscratch.viz, "save_figure", save)  # run_tutorial imports it late
    monkeypatch.setattr(tutorial_report, "save_figure", save)
    run_tutorial(tmp_path, on_hidden3=lambda r: tutorial_report.training_pictures(r, tmp_path))
    assert len(saved) == 9
    for fig in saved:
        assert fig.get_layout_engine() is None
        assert _misfits(fig) == [], fig.axes[0].get_title() or fig.get_suptitle()
