"""The engine is the oracle: the run is MLPClassifier's, the pictures are predict_proba's."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import nnscratch
from nnscratch import MLPClassifier
from nnscratch.datasets import make_dataset
from nnscratch.engine import get_schedule
from nnscratch.playground.caps import Settings
from nnscratch.playground.exports import model_file
from nnscratch.playground.frames import grid_points
from nnscratch.playground.protocol import frame_arrays
from nnscratch.playground.session import Mailbox, Session


class Recorder(Mailbox):
    """Keeps every frame (the real mailbox keeps the newest only)."""

    def __init__(self) -> None:
        super().__init__()
        self.all: list[bytes] = []

    def put(self, item: bytes) -> None:
        self.all.append(item)
        super().put(item)


def run(settings: Settings, speed: int = 1) -> tuple[Session, list[tuple[Any, ...]]]:
    """Train a session to its 'stop after' epoch; every frame it published."""
    box, done = Recorder(), threading.Event()
    session = Session(box, lambda m: done.set() if m.get("state") in ("done", "diverged")
                      else None)
    session.configure(settings)
    session.set_speed(speed)
    session.play()
    done.wait()
    session.stop()
    return session, [frame_arrays(f) for f in box.all]


def reference(s: Settings) -> tuple[MLPClassifier, np.ndarray, np.ndarray]:
    """The same run written directly against MLPClassifier (independent of the playground)."""
    classes = s.classes if s.dataset in ("spirals", "blobs", "gaussian_quantiles") else None
    noise = None if s.dataset in ("blobs", "gaussian_quantiles") else s.noise
    X, y = make_dataset(s.dataset, n_samples=s.samples, n_classes=classes, noise=noise,
                        random_state=s.seed)
    if s.test:
        X, _, y, _ = train_test_split(X, y, test_size=s.test, random_state=s.seed, stratify=y)
    solver = {"gd": dict(solver="gd"), "sgd": dict(solver="sgd", momentum=0.0),
              "momentum": dict(solver="sgd", momentum=s.momentum, nesterovs_momentum=False),
              "nesterov": dict(solver="sgd", momentum=s.momentum, nesterovs_momentum=True),
              "adam": dict(solver="adam")}[s.optimizer]
    rate = get_schedule(s.schedule, s.lr, decay=s.decay) if s.schedule != "constant" \
        else "constant"
    clf = MLPClassifier(s.hidden, activation=s.activation, alpha=s.alpha, batch_size=s.batch,
                        learning_rate=rate, learning_rate_init=s.lr, max_iter=s.epochs,
                        init=s.init, random_state=s.seed, tol=None, **solver)
    return clf.fit(X, y), X, y


RUNS = [
    Settings(epochs=150),  # the tutorial's network
    Settings(dataset="spirals", classes=3, samples=240, noise=0.1, test=0.25, seed=3,
             hidden=(5, 4), activation="relu", init="glorot", optimizer="adam", lr=0.01,
             batch=32, alpha=1e-4, epochs=60),
    Settings(dataset="circles", samples=150, noise=0.1, seed=1, hidden=(6,),
             activation="logistic", init="he", optimizer="nesterov", lr=0.3, batch=25,
             schedule="step", momentum=0.8, epochs=40),
    Settings(dataset="xor", samples=100, hidden=(), optimizer="sgd", lr=0.5, batch=10,
             epochs=30, schedule="invtime", decay=0.01),
]


@pytest.mark.parametrize("s", RUNS, ids=["tutorial", "spirals-adam", "circles-nesterov",
                                         "xor-softmax-regression"])
def test_the_loss_sequence_is_mlpclassifiers(s: Settings) -> None:
    session, frames = run(s, speed=7)
    clf, X, y = reference(s)
    last = frames[-1][0]
    assert last["epoch"] == s.epochs and session.history is not None
    assert session.history.loss == clf.loss_curve_  # exactly: the same code path
    assert last["curve"]["values"][:-1] == clf.loss_curve_
    from nnscratch.engine.losses import one_hot
    assert last["loss"] == clf.network().loss(X, one_hot(np.searchsorted(clf.classes_, y),
                                                         len(clf.classes_)), s.alpha)
    assert last["train_acc"] == clf.score(X, y)
    W = frames[-1][3]
    ref = np.concatenate([np.concatenate([c.ravel(), b]) for c, b in
                          zip(clf.coefs_, clf.intercepts_)]).astype(np.float32)
    assert np.array_equal(W, ref)


def test_the_tutorial_preset_reaches_the_tutorials_loss() -> None:
    _, frames = run(Settings(epochs=20000), speed=1000)
    assert frames[-1][0]["epoch"] == 20000
    assert f"{frames[-1][0]['loss']:.10f}" == "0.0713158087"  # `nnscratch tutorial` prints it


def test_the_surface_and_neuron_maps_are_the_engines_forward_pass() -> None:
    s = Settings(dataset="blobs", classes=3, samples=150, seed=2, hidden=(6, 5),
                 activation="tanh", init="glorot", optimizer="adam", lr=0.02, batch=30,
                 epochs=25)
    session, frames = run(s, speed=5)
    head, surface, neurons, _ = frames[-1]
    clf, _, _ = reference(s)
    G = head["grid"]
    grid = grid_points(tuple(session.split.bounds), G)
    p = clf.predict_proba(grid).reshape(G, G, 3)
    assert surface.shape == (G, G, 3)
    assert np.abs(surface / 255.0 - p).max() <= 0.5 / 255 + 1e-12  # its quantisation
    # neuron maps: a plain NumPy forward pass, every 2nd cell, scale 1 for tanh
    a1 = np.tanh(grid @ clf.coefs_[0] + clf.intercepts_[0])
    a2 = np.tanh(a1 @ clf.coefs_[1] + clf.intercepts_[1])
    hidden = np.concatenate([a1, a2], axis=1).reshape(G, G, 11)[::2, ::2]
    expected = (np.moveaxis(hidden, 2, 0) + 1.0) * 127.5
    assert neurons.shape == (11, G // 2, G // 2)
    assert np.abs(neurons - expected).max() <= 0.5 + 1e-9
    assert head["scales"] == [1.0] * 11


def test_a_csv_run_exports_a_model_of_raw_coordinates_that_draws_the_same_surface(
        tmp_path: Any) -> None:
    rng = np.random.RandomState(0)
    X = rng.normal([50.0, -3.0], [20.0, 0.5], (80, 2))  # scales far from 1: standardised
    labels = np.where(X[:, 0] / 20 + (X[:, 1] + 3) / 0.5 > 2.5, "high", "low")
    text = "width,depth,kind\n" + "\n".join(f"{a},{b},{c}" for (a, b), c in zip(X, labels))
    box, done = Recorder(), threading.Event()
    session = Session(box, lambda m: done.set() if m.get("state") == "done" else None)
    session.load_csv("kinds.csv", text)
    session.configure(Settings(dataset="csv", hidden=(4,), optimizer="adam", lr=0.05,
                               batch=16, epochs=30, init="glorot"))
    session.set_speed(30)
    session.play()
    done.wait()
    path = tmp_path / "model.npz"
    path.write_bytes(model_file(session.settings, session.net, session.split, session.history))
    clf = nnscratch.load(path)
    assert list(clf.classes_) == ["high", "low"]
    head, surface, _, _ = frame_arrays(box.all[-1])
    G = head["grid"]
    p = clf.predict_proba(grid_points(tuple(session.split.bounds), G)).reshape(G, G, 2)
    assert np.abs(surface / 255.0 - p).max() <= 0.5 / 255 + 1e-9
    assert clf.score(X, labels) == head["train_acc"]


def test_pause_holds_the_weights_and_step_trains_exactly_one_epoch() -> None:
    box = Recorder()
    session = Session(box, lambda m: None)
    session.play()
    session.pause(wait=True)  # returns once the training thread waits
    epoch, flat = session.epoch, session.net.params.flat.copy()
    n_frames = len(box.all)
    session.step()
    session.pause(wait=True)
    assert session.epoch == epoch + 1 and not np.array_equal(flat, session.net.params.flat)
    assert len(box.all) == n_frames + 1
    session.stop()


def test_the_mailbox_keeps_only_the_newest_frame() -> None:
    calls = []
    box = Mailbox(lambda: calls.append(1))
    box.put(b"1")
    box.put(b"2")
    assert box.take() == b"2" and box.take() is None and box.dropped == 1 and len(calls) == 2


@pytest.mark.parametrize("s", RUNS[:3], ids=["tutorial", "spirals-adam", "circles-nesterov"])
def test_the_exported_python_trains_the_same_run(s: Settings) -> None:
    from nnscratch.playground.exports import python_code

    session, _ = run(s, speed=50)
    code = python_code(s, session.data_source, session.epoch, session.split.stratified)
    scope: dict[str, Any] = {}
    exec(compile(code, "<exported>", "exec"), scope)
    assert scope["clf"].loss_curve_ == session.history.loss
