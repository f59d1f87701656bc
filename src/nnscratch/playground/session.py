"""One playground session (one WebSocket): its data, its training thread, its latest frame.

Training is ``MLPClassifier.fit`` (max_iter = the "stop after" epochs, ``tol=None``) in a worker
thread, with one engine callback ``cb(history, network)`` called after every epoch. The callback

- publishes a frame every ``speed`` epochs (at most ``MAX_FPS`` per second: it waits out the rest
  of the frame's time slot on the control condition, so a pause or a stop wakes it at once);
- applies weight edits, and waits while paused (a condition variable: no polling);
- returns True to stop the fit (a reset, a settings change, a closed tab).

So the loss sequence is MLPClassifier's, and a pause takes effect after the current epoch
(far below 100 ms at every allowed size, see caps.py). Frames go to a one-slot mailbox: the
sender takes the newest one; a frame the client was too slow for is replaced, never queued.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from nnscratch.engine import DivergenceError, History, Network, init_params
from nnscratch.engine.losses import one_hot
from nnscratch.engine.parallel import blas_on_one_thread
from nnscratch.playground import data as datamod
from nnscratch.playground.caps import MAX_GRID, MAX_STEPS_PER_FRAME, MIN_GRID, Refused, Settings
from nnscratch.playground.exports import classifier
from nnscratch.playground.frames import Renderer, flat_weights, grid_points, loss_and_accuracy
from nnscratch.playground.protocol import encode_frame

MAX_FPS = 60
CURVE_POINTS = 300  # loss-curve points per frame (the curve is subsampled, the last kept)


class Mailbox:
    """One slot: ``put`` replaces what is there; ``take`` empties it. Thread-safe."""

    def __init__(self, notify: Callable[[], None] = lambda: None) -> None:
        self._lock = threading.Lock()
        self._item: bytes | None = None
        self._notify = notify
        self.dropped = 0  # frames replaced before they were sent

    def put(self, item: bytes) -> None:
        with self._lock:
            if self._item is not None:
                self.dropped += 1
            self._item = item
        self._notify()

    def take(self) -> bytes | None:
        with self._lock:
            item, self._item = self._item, None
            return item


class Session:
    """Settings, data and the training thread of one page.

    Parameters
    ----------
    mailbox : where frames go
    say : sends a JSON-able message to the page (called from the training thread too)
    """

    def __init__(self, mailbox: Mailbox, say: Callable[[dict[str, Any]], None]) -> None:
        self.mailbox, self.say = mailbox, say
        self.settings = Settings()
        self.speed = 1
        self.grid = 64
        self._cond = threading.Condition()
        self._paused = True
        self._stop = False
        self._steps_left = 0  # > 0: "one step" mode
        self._edits: list[tuple[int, int, int, float]] = []
        self._thread: threading.Thread | None = None
        self._idle = True  # the training thread is waiting (or gone): the weights are still
        self.history: History | None = None
        self.net: Network | None = None
        self.state = "paused"
        self._data = datamod.generate(self.settings)
        self._prepare()

    # ---------------------------------------------------------------- set-up
    def _prepare(self) -> None:
        """Split the data, build the grid and the initial network (epoch 0)."""
        s = self.settings
        self.split = datamod.split(self._data, s.test, s.seed, standardize=s.dataset == "csv")
        sp = self.split
        self._Y_train = one_hot(sp.y_train, len(sp.classes))
        self._Y_test = one_hot(sp.y_test, len(sp.classes)) if len(sp.y_test) else None
        self.renderer = Renderer(sp.to_model(grid_points(sp.bounds, self.grid)), self.grid)
        sizes = (2, *s.hidden, len(sp.classes))
        # the estimator's first draw from random_state: the weights fit() starts from
        params = init_params(sizes, s.init, random_state=check_random_state(s.seed),
                             activation=s.activation)
        self.net = Network(params, s.activation)
        self.history = None
        self._test_curve: tuple[list[int], list[float]] = ([], [])
        self.epoch = self.steps = 0
        self._rate = (time.perf_counter(), 0)
        self.state = "paused"

    @property
    def data_source(self) -> str:
        return self._data.source

    def describe(self) -> dict[str, Any]:
        sp = self.split
        return {"type": "config", "settings": self.settings.as_json(), "speed": self.speed,
                "grid": self.grid, "classes": [str(c) for c in sp.classes],
                "source": self._data.source, "edited": self._data.edited,
                "sizes": list(self.net.layer_sizes) if self.net else [],
                "bounds": list(sp.bounds), "n_train": len(sp.y_train), "n_test": len(sp.y_test),
                "batch": len(sp.y_train) if self.settings.optimizer == "gd"
                else min(self.settings.batch, len(sp.y_train)),
                "train": _points(sp.raw_train, sp.y_train), "test": _points(sp.raw_test, sp.y_test)}

    # ---------------------------------------------------------------- messages
    def configure(self, settings: Settings) -> None:
        """New settings: new data if the data settings changed; training restarts."""
        playing = not self._paused
        self.stop()
        old, self.settings = self.settings, settings
        try:
            if settings.dataset != "csv" and (settings.data_key() != old.data_key()
                                              or self._data.source == "csv" or
                                              self._data.edited):
                self._data = datamod.generate(settings)
            elif settings.dataset == "csv" and not _is_csv(self._data.source):
                raise Refused("drop a CSV file on the data panel to train on your own data")
            self._prepare()
        except Refused:
            self.settings = old
            self._prepare()
            raise
        self.publish_initial()
        if playing:
            self.play()

    def load_csv(self, name: str, text: str) -> None:
        data = datamod.parse_csv(name, text)
        self.stop()
        self._data = data
        self.settings = Settings(**{**self.settings.as_json(), "dataset": "csv",
                                    "hidden": tuple(self.settings.hidden)})
        self._prepare()
        self.publish_initial()

    def edit_points(self, op: str, x: float, y: float, label: object = None) -> None:
        data = (datamod.add_point(self._data, x, y, label) if op == "add"
                else datamod.remove_point(self._data, x, y))
        playing = not self._paused
        self.stop()
        self._data = data
        self._prepare()
        self.publish_initial()
        if playing:
            self.play()

    def set_speed(self, value: int) -> None:
        self.speed = int(min(max(value, 1), MAX_STEPS_PER_FRAME))

    def set_grid(self, value: int) -> None:
        if not MIN_GRID <= value <= MAX_GRID:
            raise Refused(f"grid must be {MIN_GRID}..{MAX_GRID} cells per side; got {value}")
        playing = not self._paused
        self.stop()
        self.grid = value
        self._prepare()
        self.publish_initial()
        if playing:
            self.play()

    def edit_weight(self, layer: int, i: int, j: int, value: float) -> None:
        assert self.net is not None
        sizes = self.net.layer_sizes
        if not self._paused:
            raise Refused("pause training to edit a weight")
        if not (0 <= layer < len(sizes) - 1 and -1 <= i < sizes[layer]
                and 0 <= j < sizes[layer + 1]):
            raise Refused(f"no weight ({layer}, {i}, {j}) in a network of sizes {list(sizes)}")
        if abs(value) > 1e3:
            raise Refused(f"weights are capped at |w| <= 1000; got {value:g}")
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                raise Refused("weights can be edited once training has started: press 'step' "
                              "once, then click the edge")
            self._edits.append((layer, i, j, value))  # the training thread applies it
            self._cond.notify_all()

    def play(self) -> None:
        if self.state in ("done", "diverged"):
            raise Refused(f"training is {self.state}; press reset (or raise 'stop after') to "
                          "train again")
        with self._cond:
            self._paused, self._steps_left = False, 0
            self._idle = self._thread is None  # the thread owes epochs: not still any more
            self._cond.notify_all()
        self._start()
        self._set_state("playing")

    def pause(self, wait: bool = False) -> None:
        """Pause after the current epoch; with ``wait``, return once the weights are still."""
        with self._cond:
            self._paused = True
            self._cond.notify_all()
            while wait and self._thread is not None and not self._idle:
                self._cond.wait()
        if self.state == "playing" and self._thread is None:  # else the thread says so, once
            self._set_state("paused")                          # it waits (after its epoch)

    def step(self) -> None:
        if self.state in ("done", "diverged"):
            raise Refused(f"training is {self.state}; press reset to train again")
        with self._cond:  # stays paused; the thread owes one epoch
            self._paused, self._steps_left = True, 1
            self._idle = self._thread is None
            self._cond.notify_all()
        self._start()

    def reset(self) -> None:
        self.stop()
        self._prepare()
        self.publish_initial()

    def stop(self) -> None:
        """Stop the training thread (after its current epoch) and wait for it."""
        with self._cond:
            self._stop, self._paused = True, True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        with self._cond:
            self._stop, self._edits = False, []

    # ---------------------------------------------------------------- training thread
    def _start(self) -> None:
        if self._thread is None:
            self._idle = False
            self._rate = (time.perf_counter(), self.steps)
            self._thread = threading.Thread(target=self._train, daemon=True,
                                            name="nnscratch-playground-train")
            self._thread.start()

    def _train(self) -> None:
        try:
            self._fit()
        finally:
            with self._cond:
                self._idle = True
                self._cond.notify_all()

    def _fit(self) -> None:
        sp = self.split
        clf = classifier(self.settings, callbacks=[self._callback])
        self._next_frame = time.perf_counter()
        self._since_frame = 0
        try:
            clf.fit(sp.X_train, sp.y_train)
        except DivergenceError as exc:
            if exc.network is not None:
                self.net = exc.network
            self._set_state("diverged", str(exc).split(". The estimator")[0] + ".")
            self._publish(self.net, exc.history)
            return
        if self._stop:
            return
        self._paused = True
        self._publish(self.net, self.history)
        self._set_state("done", f"stopped after {self.epoch} epochs ('stop after')")

    def _callback(self, history: History, network: Network) -> bool:
        self.history, self.net = history, network
        self.epoch, self.steps = history.n_epochs, history.n_steps
        self._since_frame += 1
        with self._cond:
            if self._steps_left > 0:
                self._steps_left -= 1  # this epoch was the step asked for
        if self._paused or self._since_frame >= self.speed:
            self._publish(network, history)
            self._since_frame = 0
            self._next_frame += 1.0 / MAX_FPS
            with self._cond:  # pacing: wait out the frame's time slot (a control wakes us)
                delay = self._next_frame - time.perf_counter()
                if delay > 0 and not (self._paused or self._stop):
                    self._cond.wait(delay)
                else:
                    self._next_frame = time.perf_counter()
        with self._cond:
            if self._paused and not self._stop:
                self._set_state("paused")
            while True:
                edits, self._edits = self._edits, []
                if edits:
                    for edit in edits:
                        _apply(network, *edit)
                    self._cond.release()
                    try:
                        self._publish(network, history)
                    finally:
                        self._cond.acquire()
                    continue
                if self._stop or not self._paused or self._steps_left > 0:
                    break
                self._idle = True
                self._cond.notify_all()
                self._cond.wait()
                self._idle = False
            self._next_frame = max(self._next_frame, time.perf_counter() - 1.0 / MAX_FPS)
            if not self._stop and not self._paused and self.state != "playing":
                self._set_state("playing")
            return self._stop

    # ---------------------------------------------------------------- frames
    def publish_initial(self) -> None:
        """The frame of epoch 0 (outside training: BLAS on one thread, as training runs it;
        its thread hand-offs would cost more than these small products)."""
        blas = blas_on_one_thread()
        try:
            self._publish(self.net, None)
        finally:
            blas.restore_original_limits()

    def _publish(self, net: Network | None, history: History | None) -> None:
        if net is None:
            return
        self.mailbox.put(self.frame(net, history))

    def frame(self, net: Network, history: History | None) -> bytes:
        """The frame of ``net``'s current weights (called from the training thread)."""
        sp = self.split
        surface, neurons, scales = self.renderer.render(net)
        s = self.settings
        # at the current weights (the loss after `epoch` steps: what the tutorial prints)
        loss, train_acc = loss_and_accuracy(net, sp.X_train, self._Y_train, sp.y_train, s.alpha)
        test_loss = test_acc = None
        epoch = history.n_epochs if history is not None else 0
        if self._Y_test is not None:
            test_loss, test_acc = loss_and_accuracy(net, sp.X_test, self._Y_test, sp.y_test,
                                                    s.alpha)
            epochs, losses = self._test_curve
            if not epochs or epochs[-1] < epoch:
                epochs.append(epoch)
                losses.append(test_loss)
            elif epochs[-1] == epoch:
                losses[-1] = test_loss  # an edited weight
        now, (t0, s0) = time.perf_counter(), self._rate
        steps = history.n_steps if history is not None else 0
        rate = (steps - s0) / (now - t0) if now > t0 and steps > s0 else 0.0
        if now - t0 > 1.0:
            self._rate = (now, steps)
        header = {
            "epoch": epoch, "steps": steps, "loss": loss, "test_loss": test_loss,
            "train_acc": train_acc, "test_acc": test_acc, "steps_per_s": rate,
            "state": self.state, "sizes": list(net.layer_sizes), "scales": scales,
            "dropped": self.mailbox.dropped, "curve": _curve(history, loss),
            "test_curve": _subsample(*self._test_curve), "grid": self.grid,
        }
        return encode_frame(header, surface, neurons, flat_weights(net))

    def _set_state(self, state: str, message: str = "") -> None:
        if state != self.state or message:
            self.state = state
            self.say({"type": "state", "state": state, "message": message, "epoch": self.epoch})


def _apply(net: Network, layer: int, i: int, j: int, value: float) -> None:
    if i < 0:
        net.params.intercepts[layer][j] = value
    else:
        net.params.coefs[layer][i, j] = value


def _points(X: np.ndarray, y: np.ndarray) -> list[list[float]]:
    return [[round(float(a), 5), round(float(b), 5), int(c)] for (a, b), c in zip(X, y)]


def _is_csv(source: str) -> bool:
    return source not in ("moons", "circles", "spirals", "blobs", "xor", "gaussian_quantiles")


def _curve(history: History | None, loss_now: float) -> dict[str, list[float]]:
    """Training loss by epoch (entry k: after k steps), subsampled, plus the current loss."""
    losses = history.loss if history is not None else []
    n = len(losses)
    idx = _indices(n)  # no copy of the whole curve: it grows by one entry per epoch
    return {"epochs": [*idx, n], "values": [float(losses[i]) for i in idx] + [float(loss_now)]}


def _indices(n: int) -> list[int]:
    if n <= CURVE_POINTS:
        return list(range(n))
    return np.unique(np.linspace(0, n - 1, CURVE_POINTS).astype(int)).tolist()


def _subsample(epochs: list[int], values: list[float]) -> dict[str, list[float]]:
    idx = _indices(len(epochs))
    return {"epochs": [epochs[i] for i in idx], "values": [float(values[i]) for i in idx]}
