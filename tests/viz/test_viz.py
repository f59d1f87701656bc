"""Pictures of training: what is drawn is checked against independent computations."""

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from PIL import Image as PILImage

from nnscratch.datasets import moons
from nnscratch.engine import Network, init_params, reference, train
from nnscratch.engine.losses import one_hot
from nnscratch.viz import save_figure
from nnscratch.viz.activation_maps import plot_activation_maps
from nnscratch.viz.animate import Snapshots, animate_boundary
from nnscratch.viz.boundary import plot_probability_boundary
from nnscratch.viz.network_graph import NEGATIVE, POSITIVE, plot_network

X, y = moons(60, noise=0.3, random_state=2)


def _trained(hidden=3, epochs=150, activation="tanh", seed=0):
    net = Network(init_params((2, hidden, 2), "seed", random_state=seed), activation)
    train(net, X, one_hot(y, 2), learning_rate=0.5, alpha=0.01, epochs=epochs, tol=None)
    return net


def _naive_predict(net, points):
    probs = reference.forward(net.params.coefs, net.params.intercepts, points, ["tanh"])[-1]
    return np.argmax(probs, axis=1)


def test_misclassified_markers_are_exactly_the_wrong_predictions(tmp_path):
    net = _trained()
    wrong = _naive_predict(net, X) != y
    assert 0 < wrong.sum() < len(y)  # the test means something
    ax = plot_probability_boundary(net.predict_proba, X, y, h=0.1)
    marks = [c for c in ax.collections if str(c.get_label()).startswith("misclassified")]
    assert len(marks) == 1
    assert marks[0].get_label() == f"misclassified ({wrong.sum()})"
    got = marks[0].get_offsets()
    assert len(got) == wrong.sum()
    assert np.allclose(np.asarray(got), X[wrong])
    path = save_figure(ax.figure, tmp_path / "b.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_probability_shading_spans_zero_to_one():
    net = _trained()
    ax = plot_probability_boundary(net.predict_proba, X, y, h=0.1, mark_errors=False)
    levels = ax.collections[0].levels
    assert levels[0] == 0.0 and levels[-1] == 1.0
    assert not any(str(c.get_label()).startswith("misclassified") for c in ax.collections)
    with pytest.raises(ValueError, match="2-D data"):
        plot_probability_boundary(net.predict_proba, np.zeros((3, 3)), y[:3])


def test_snapshots_hold_the_parameters_of_those_epochs():
    net = Network(init_params((2, 4, 2), "seed", random_state=0), "tanh")
    snaps = Snapshots(net, every=5)
    train(net, X, one_hot(y, 2), learning_rate=0.5, epochs=20, tol=None, callbacks=[snaps])
    assert snaps.epochs == [0, 5, 10, 15, 20]
    for epoch, flat in zip(snaps.epochs, snaps.flats):
        ref = Network(init_params((2, 4, 2), "seed", random_state=0), "tanh")
        if epoch:
            train(ref, X, one_hot(y, 2), learning_rate=0.5, epochs=epoch, tol=None)
        assert np.array_equal(flat, ref.params.flat)
    picked = Snapshots(net, at=[3, 7], include_initial=False)
    train(net, X, one_hot(y, 2), learning_rate=0.5, epochs=10, tol=None, callbacks=[picked])
    assert picked.epochs == [3, 7]
    with pytest.raises(ValueError, match="every"):
        Snapshots(net, every=0)
    assert Snapshots.log_spaced(net, 1000, frames=4).at == {1, 10, 100, 1000}


def test_animation_is_a_gif_with_one_frame_per_snapshot(tmp_path):
    net = Network(init_params((2, 3, 2), "seed", random_state=0), "tanh")
    snaps = Snapshots(net, every=10)
    train(net, X, one_hot(y, 2), learning_rate=1.0, epochs=40, tol=None, callbacks=[snaps])
    final = net.params.flat.copy()
    path = animate_boundary(net, snaps, X, y, tmp_path / "sub" / "train.gif", h=0.2, dpi=40)
    assert np.array_equal(net.params.flat, final)  # parameters restored
    with PILImage.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(snaps) == 5
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"), dtype=int)
        gif.seek(4)
        last = np.asarray(gif.convert("RGB"), dtype=int)
    assert np.abs(first - last).sum() > 0  # the boundary moved
    with pytest.raises(ValueError, match="no snapshots"):
        animate_boundary(net, Snapshots(net, include_initial=False), X, y, tmp_path / "x.gif")


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_activation_maps_are_the_first_layer_over_the_grid(activation):
    net = _trained(hidden=5, epochs=30, activation=activation)
    h = 0.1
    fig = plot_activation_maps(net, X, y, h=h)
    # the mesh, built here from the definition: data range padded by 0.5, spacing h
    xs = np.arange(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, h)
    ys = np.arange(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, h)
    xx, yy = np.meshgrid(xs, ys)
    z = np.c_[xx.ravel(), yy.ravel()] @ net.params.coefs[0] + net.params.intercepts[0]
    a = np.tanh(z) if activation == "tanh" else np.maximum(z, 0)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 5
    for j, ax in enumerate(panels):
        shown = np.asarray(ax.images[0].get_array())
        assert shown.shape == xx.shape
        assert np.allclose(shown, a[:, j].reshape(xx.shape), atol=1e-12)
        assert ax.get_title() == f"neuron {j + 1}"


def test_network_graph_edges_follow_the_weights():
    net = _trained(hidden=4, epochs=50)
    ax = plot_network(net, max_width=6.0, min_width=0.3)
    lines = {c.get_gid(): c for c in ax.collections if isinstance(c, LineCollection)}
    assert set(lines) == {"W1", "W2"}
    wmax = max(np.abs(W).max() for W in net.params.coefs)
    for l, W in enumerate(net.params.coefs):
        coll = lines[f"W{l + 1}"]
        w = W.ravel()
        widths = np.asarray(coll.get_linewidths())
        assert len(coll.get_segments()) == W.size
        order = np.argsort(np.abs(w), kind="stable")
        assert np.array_equal(np.argsort(widths, kind="stable"), order)
        assert np.allclose(widths, 0.3 + 5.7 * np.abs(w) / wmax)
        colors = coll.get_colors()
        for c, wi in zip(colors, w):
            expected = to_rgba(POSITIVE if wi >= 0 else NEGATIVE)
            assert np.allclose(c[:3], expected[:3])
        # segment k joins input unit i to output unit j, k = i * fan_out + j
        seg = coll.get_segments()[W.shape[1] + 1]
        assert seg[0][0] == l and seg[1][0] == l + 1
    assert max(max(c.get_linewidths()) for c in lines.values()) == pytest.approx(6.0)
    with pytest.raises(ValueError, match="at most"):
        plot_network(init_params((2, 100, 2)))


def test_mesh_without_spacing_fits_any_scale():
    from nnscratch.viz.boundary import grid

    X = np.array([[0.0, -5e4], [1.0, 5e4]])
    xx, yy = grid(X, h=None, resolution=50)
    assert xx.shape == (50, 50)
    assert np.isclose(xx.min(), -0.1) and np.isclose(xx.max(), 1.1)  # 10 % padding per axis
    assert np.isclose(yy.min(), -6e4) and np.isclose(yy.max(), 6e4)


def test_three_class_shading_takes_the_predicted_class_colour():
    import matplotlib as mpl

    from nnscratch.viz.boundary import CMAP, grid

    X = np.array([[-1.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    y = np.array([0, 1, 2])

    def proba(P):  # class by x1 region, certain
        out = np.zeros((len(P), 3))
        out[np.arange(len(P)), np.digitize(P[:, 0], [-0.5, 0.5])] = 1.0
        return out

    ax = plot_probability_boundary(proba, X, y, h=None, mark_errors=False)
    img = ax.get_images()[0].get_array()
    xx, _ = grid(X, h=None)
    col = np.searchsorted(xx[0], 1.0)  # a mesh column inside class 2's region
    expected = 1.0 - (1.0 - np.array(mpl.colormaps[CMAP](1.0)[:3])) * 0.65
    assert np.allclose(img[0, col], expected)
