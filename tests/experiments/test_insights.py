"""What the seed gets wrong or leaves out: each claim of the insight figures, checked."""

import numpy as np
import pytest

from nnscratch.datasets import moons
from nnscratch.engine import Network, init_params, train
from nnscratch.engine.losses import one_hot
from nnscratch.experiments.insights import (
    edge_of_stability,
    hessian,
    naive_softmax,
    reg_strength_sweep,
    run_insights,
    seed_summed_losses,
    softmax_overflow,
    summed_vs_mean,
)

X, y = moons()
Y = one_hot(y, 2)


def test_unshifted_softmax_overflows_and_ours_does_not():
    s, naive, ours = softmax_overflow(np.array([0.0, 100.0, 709.0, 710.0, 1000.0, 1e5]))
    exact = 1.0 / (1.0 + np.exp(-1.0))  # logits [s, s - 1]: P(class 0) does not depend on s
    assert np.allclose(ours, exact, rtol=1e-12, atol=0)
    assert np.allclose(naive[:3], exact) and np.isnan(naive[3:]).all()  # exp(710) = inf
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError):
            np.exp(np.array([710.0]))
    assert np.isnan(naive_softmax(np.array([[1000.0, 0.0]]))).any()


def test_summed_gradient_with_epsilon_is_mean_gradient_with_epsilon_times_n():
    summed = seed_summed_losses(X, y, hidden=3, passes=200)
    net = Network(init_params((2, 3, 2), "seed", 0), "tanh")
    mean = train(net, X, Y, learning_rate=0.01 * len(X), alpha=0.01, epochs=200, tol=None).loss
    assert np.max(np.abs(summed - mean)) < 1e-12
    small = Network(init_params((2, 3, 2), "seed", 0), "tanh")
    kept = train(small, X, Y, learning_rate=0.01, alpha=0.01, epochs=200, tol=None).loss
    assert kept[-1] > 2 * mean[-1]  # epsilon kept on the mean loss: 200x smaller steps
    res = summed_vs_mean(X, y, epochs=50, sizes=(200, 1000), size_epochs=20)
    assert [(n, lr) for n, lr, _ in res.by_size] == [(200, 2.0), (1000, 10.0)]
    assert np.max(np.abs(res.summed - np.asarray(res.mean_scaled))) < 1e-12


def test_hessian_matches_second_differences_of_the_loss():
    Xs, Ys = X[:20], Y[:20]
    net = Network(init_params((2, 3, 2), "seed", 1), "tanh")
    H = hessian(net, Xs, Ys, alpha=0.01)
    assert np.allclose(H, H.T)
    flat, h = net.params.flat, 1e-4

    def loss_at(i, di, j, dj):
        old = flat.copy()
        flat[i] += di
        flat[j] += dj
        value = net.loss(Xs, Ys, 0.01)
        flat[...] = old
        return value

    for i, j in [(0, 0), (0, 5), (3, 12), (14, 16), (7, 7)]:
        fd = (loss_at(i, h, j, h) - loss_at(i, h, j, -h) - loss_at(i, -h, j, h)
              + loss_at(i, -h, j, -h)) / (4 * h * h)
        assert H[i, j] == pytest.approx(fd, abs=1e-5, rel=1e-4)


def test_seed_rate_ends_in_a_period_two_oscillation_and_half_of_it_converges():
    slow, seed = edge_of_stability(X, y, learning_rates=(1.0, 2.0), epochs=4000, n_sharpness=8)
    tail = np.asarray(seed.loss[-6:])
    assert abs(tail[-1] - tail[-2]) > 1e-4  # alternates between two values ...
    assert np.allclose(tail[0::2], tail[0], atol=1e-8)  # ... each repeated every 2nd step
    assert np.allclose(tail[1::2], tail[1], atol=1e-8)
    steps = np.diff(slow.loss[-100:])
    assert (steps < 0).all() and abs(steps[-1]) < 1e-6  # lr 1.0 settles, no oscillation
    assert slow.sharpness[-1] < 2 / 1.0  # below the stability limit of lr 1.0
    assert seed.sharpness_epochs[0] == 0 and seed.sharpness_epochs[-1] == 4000
    # the seed's run: sharpness above 2 / lr at some point of training (it reaches the edge)
    assert max(seed.sharpness) > 2 / 2.0


def test_l2_shrinks_the_weights():
    Xt, yt = moons(200, noise=0.2, random_state=1)
    rows, nets = reg_strength_sweep(X, y, Xt, yt, alphas=(0.0, 0.01, 1.0), hidden=50, epochs=500)
    norms = [r.weight_norm for r in rows]
    assert norms[0] > norms[1] > norms[2]
    for r, net in zip(rows, nets):
        assert r.weight_norm == pytest.approx(np.sqrt(sum((W**2).sum() for W in net.params.coefs)))
        assert r.loss == pytest.approx(net.loss(X, Y, r.alpha))
        assert r.test_accuracy == np.mean(np.argmax(net.predict_proba(Xt), axis=1) == yt)


def test_run_insights_writes_four_figures(tmp_path):
    figs, sections = run_insights(tmp_path, epochs=60, size_epochs=10)
    assert set(figs) == {"l2", "eos", "scale", "softmax"}
    for path in figs.values():
        assert path.parent == tmp_path and path.read_bytes()[:4] == b"\x89PNG"
    assert [s.title[:3] for s in sections] == ["(a)", "(b)", "(c)", "(d)"]
    assert all(s.tables and s.figures for s in sections)


def test_gallery_writes_small_pngs(tmp_path):
    from nnscratch.experiments.gallery import write_gallery

    paths = write_gallery(tmp_path, num_passes=30, dpi=30)
    assert [p.name for p in paths] == ["probability_boundary.png", "activation_maps.png",
                                       "network_graph.png", "l2_sweep.png",
                                       "edge_of_stability.png"]
    for p in paths:
        assert p.read_bytes()[:4] == b"\x89PNG" and 1000 < p.stat().st_size < 200_000
