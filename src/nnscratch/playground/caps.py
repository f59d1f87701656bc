"""The playground's settings and the caps on them: bounded work for every request.

A client sends its settings as JSON; :func:`parse_settings` turns them into a :class:`Settings`
or raises :class:`Refused` with a message the page shows (naming the value and the limit).
Every number a client controls is capped here, in one place:

- points <= ``MAX_POINTS`` and minibatches >= ``MIN_BATCH`` rows, so an epoch is at most
  ``MAX_POINTS / MIN_BATCH`` = 100 steps. The training thread checks its controls after every
  epoch (and after a frame), so a pause waits at most one epoch plus one frame. At the largest
  network (6 hidden layers of 32, 1000 points) benchmarks/playground.py measured, on a busy
  2-core machine: an epoch 8 ms (full batch) to 46 ms (100 steps of 10 rows), a frame 37 ms at
  64 x 64 (~95 ms at 128 x 128, hence ``MAX_GRID`` = 96);
- 0..``MAX_LAYERS`` hidden layers of 1..``MAX_NEURONS`` neurons;
- ``MAX_STEPS_PER_FRAME`` epochs between two frames; grid cells per side ``MIN_GRID..MAX_GRID``;
- ``MAX_MESSAGE_BYTES`` per WebSocket message, ``MAX_CSV_BYTES`` per dropped CSV file;
- ``MAX_SESSIONS`` concurrent sessions (one per open tab).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from nnscratch.datasets import GENERATORS
from nnscratch.engine import ACTIVATIONS, INITIALIZERS, OPTIMIZERS, SCHEDULES

MAX_POINTS = 1000
MIN_BATCH = 10
MAX_LAYERS = 6
MAX_NEURONS = 32
MAX_STEPS_PER_FRAME = 1000
MAX_EPOCHS = 1_000_000  # the "stop after" limit; 0 means no limit
NO_LIMIT_EPOCHS = 10**9  # max_iter when the user sets no limit (~days of training)
MIN_GRID, MAX_GRID = 16, 96
MAX_MESSAGE_BYTES = 300_000
MAX_CSV_BYTES = 256 * 1024
MAX_SESSIONS = 4
MAX_CLASSES = 5  # spirals, blobs and gaussian quantiles: 2..5 classes
MAX_LR = 100.0
MAX_ALPHA = 10.0
MAX_NOISE = 2.0

DATASETS = (*GENERATORS, "csv")
MULTICLASS = tuple(name for name, (_, multi) in GENERATORS.items() if multi)
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "sigmoid")  # alias of logistic


class Refused(ValueError):
    """A request the playground does not carry out; the message is shown on the page."""


@dataclass(frozen=True)
class Settings:
    """Everything that defines a training run (a change restarts it)."""

    dataset: str = "moons"
    samples: int = 200
    noise: float = 0.2
    classes: int = 2
    test: float = 0.0  # held-out fraction
    seed: int = 0
    hidden: tuple[int, ...] = (3,)
    activation: str = "tanh"
    init: str = "seed"
    optimizer: str = "gd"
    lr: float = 2.0
    schedule: str = "constant"
    decay: float = 1e-4
    batch: int = 32
    alpha: float = 0.01
    momentum: float = 0.9
    epochs: int = 0  # stop after this many epochs; 0: no limit

    def data_key(self) -> tuple[Any, ...]:
        """The settings that define the data set (a change draws new data)."""
        return (self.dataset, self.samples, self.noise, self.classes, self.seed)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out


TUTORIAL = Settings()  # the seed's exact run: hidden 3, tanh, lr 2.0 on the mean loss, alpha 0.01


def _number(raw: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise Refused(f"{key} must be a number; got {value!r}")
    if not lo <= value <= hi:
        raise Refused(f"{key} must be in [{lo:g}, {hi:g}]; got {value:g}")
    return float(value)


def _int(raw: dict[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(f"{key} must be a whole number; got {value!r}")
    if not lo <= value <= hi:
        raise Refused(f"{key} must be in {lo}..{hi}; got {value}")
    return value


def _choice(raw: dict[str, Any], key: str, default: str, allowed: tuple[str, ...]) -> str:
    value = raw.get(key, default)
    if value not in allowed:
        raise Refused(f"{key} must be one of {', '.join(allowed)}; got {value!r:.40}")
    return str(value)


def parse_settings(raw: Any) -> Settings:
    """Settings from a client's JSON object; missing keys take the tutorial's values.

    Raises
    ------
    Refused : an unknown key, a wrong type or a value beyond its cap (message names both)
    """
    if not isinstance(raw, dict):
        raise Refused(f"settings must be a JSON object; got {type(raw).__name__}")
    d = TUTORIAL
    unknown = sorted(set(raw) - set(d.as_json()))
    if unknown:
        raise Refused(f"unknown setting {unknown[0]!r:.40}")
    hidden = raw.get("hidden", list(d.hidden))
    if not isinstance(hidden, list) or len(hidden) > MAX_LAYERS:
        raise Refused(f"hidden must be a list of at most {MAX_LAYERS} layer sizes (the cap); "
                      f"got {hidden!r:.60}")
    for size in hidden:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_NEURONS:
            raise Refused(f"each hidden layer has 1..{MAX_NEURONS} neurons (the cap); got "
                          f"{size!r:.20}")
    dataset = _choice(raw, "dataset", d.dataset, DATASETS)
    classes = _int(raw, "classes", d.classes, 2, MAX_CLASSES)
    if dataset not in MULTICLASS and dataset != "csv":
        classes = 2
    samples = _int(raw, "samples", d.samples, 10, MAX_POINTS)
    batch = _int(raw, "batch", d.batch, MIN_BATCH, MAX_POINTS)
    return Settings(
        dataset=dataset, samples=samples,
        noise=_number(raw, "noise", d.noise, 0.0, MAX_NOISE), classes=classes,
        test=_number(raw, "test", d.test, 0.0, 0.9),
        seed=_int(raw, "seed", d.seed, 0, 2**31 - 1),
        hidden=tuple(hidden),
        activation=_choice(raw, "activation", d.activation, HIDDEN_ACTIVATIONS),
        init=_choice(raw, "init", d.init, tuple(INITIALIZERS)),
        optimizer=_choice(raw, "optimizer", d.optimizer, OPTIMIZERS),
        lr=_positive(_number(raw, "lr", d.lr, 0.0, MAX_LR), "lr"),
        schedule=_choice(raw, "schedule", d.schedule, SCHEDULES),
        decay=_number(raw, "decay", d.decay, 0.0, 0.5),
        batch=batch,
        alpha=_number(raw, "alpha", d.alpha, 0.0, MAX_ALPHA),
        momentum=_number(raw, "momentum", d.momentum, 0.0, 1.0),
        epochs=_int(raw, "epochs", d.epochs, 0, MAX_EPOCHS),
    )


def _positive(value: float, key: str) -> float:
    if value <= 0:
        raise Refused(f"{key} must be > 0; got {value:g}")
    return value


def caps() -> dict[str, Any]:
    """The caps and choices, as the page needs them to build its controls."""
    return {
        "max_points": MAX_POINTS, "min_batch": MIN_BATCH, "max_layers": MAX_LAYERS,
        "max_neurons": MAX_NEURONS, "max_steps_per_frame": MAX_STEPS_PER_FRAME,
        "max_epochs": MAX_EPOCHS, "min_grid": MIN_GRID, "max_grid": MAX_GRID,
        "max_message_bytes": MAX_MESSAGE_BYTES, "max_csv_bytes": MAX_CSV_BYTES,
        "max_sessions": MAX_SESSIONS, "max_classes": MAX_CLASSES, "datasets": list(DATASETS),
        "multiclass": list(MULTICLASS), "activations": list(HIDDEN_ACTIVATIONS),
        "inits": list(INITIALIZERS), "optimizers": list(OPTIMIZERS),
        "schedules": list(SCHEDULES), "tutorial": TUTORIAL.as_json(),
    }
