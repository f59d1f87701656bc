"""Speed of ``nnscratch playground``: what the issue asks to measure (no timed tests).

    PYTHONPATH=src python benchmarks/playground.py [--repeats 3]

1. steps/s on the tutorial preset (20000 full-batch passes, highest speed) while streaming to a
   WebSocket client of a real uvicorn server, side by side with the same ``MLPClassifier.fit``
   without the playground (alternating, medians);
2. frames/s delivered to the client at a 64 x 64 surface with 3 hidden layers of 8 (goal >= 30;
   the server paces at most 60 per second);
3. the time a pause takes at the slowest epoch the caps allow;
4. the cost of one frame (surface + neuron maps + header) at the largest network, 6 hidden layers
   of 32, at 64 x 64 and at the largest grid; and the cost of one epoch there (the pause
   granularity) for the full batch and for the smallest minibatch at the most points.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from threadpoolctl import threadpool_limits
from websockets.sync.client import connect

from nnscratch import MLPClassifier
from nnscratch.datasets import moons
from nnscratch.playground import BackgroundServer
from nnscratch.playground.caps import (
    MAX_GRID,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_POINTS,
    MIN_BATCH,
    Settings,
)
from nnscratch.playground.protocol import KIND_FRAME
from nnscratch.playground.session import Mailbox, Session


def _header(msg: bytes) -> dict:
    return json.loads(msg[5 : 5 + int.from_bytes(msg[1:5], "little")])


def stream(srv: BackgroundServer, settings: dict, speed: int, frames: int | None
           ) -> tuple[float, int, int]:
    """Play until 'done' (or ``frames`` frames); (seconds from play, frames, last epoch)."""
    with connect(f"ws://127.0.0.1:{srv.port}/ws", origin=srv.url, max_size=2**22) as ws:
        ws.send(json.dumps({"type": "config", "settings": settings}))
        ws.send(json.dumps({"type": "speed", "value": speed}))
        seen_config = 0
        while seen_config < 2:  # the hello's config and the reply to ours
            msg = ws.recv()
            if isinstance(msg, str) and json.loads(msg)["type"] == "config":
                seen_config += 1
        ws.send(json.dumps({"type": "play"}))
        t0, n, epoch, done = time.perf_counter(), 0, 0, False
        while True:
            msg = ws.recv()
            if isinstance(msg, bytes) and msg[0] == KIND_FRAME:
                n, epoch = n + 1, _header(msg)["epoch"]
                if frames is not None and n >= frames:
                    break
            elif isinstance(msg, str) and json.loads(msg).get("state") == "done":
                done = True
            if done and (frames is None) and epoch == settings.get("epochs"):
                break
        return time.perf_counter() - t0, n, epoch


def tutorial_steps(srv: BackgroundServer, repeats: int) -> None:
    X, y = moons()
    tutorial = {**Settings().as_json(), "epochs": 20000}
    streamed, plain = [], []
    for _ in range(repeats):  # alternating: the machine's load hits both alike
        seconds, _, epoch = stream(srv, tutorial, 1000, None)
        assert epoch == 20000
        streamed.append(20000 / seconds)
        t0 = time.perf_counter()
        MLPClassifier((3,), activation="tanh", solver="gd", alpha=0.01, learning_rate_init=2.0,
                      max_iter=20000, init="seed", random_state=0, tol=None).fit(X, y)
        plain.append(20000 / (time.perf_counter() - t0))
    s, p = statistics.median(streamed), statistics.median(plain)
    print(f"tutorial preset (20000 passes, speed 1000 epochs/frame): {s:,.0f} steps/s streaming, "
          f"{p:,.0f} steps/s MLPClassifier.fit alone (ratio {s / p:.2f}; medians of {repeats})")


def frames_per_second(srv: BackgroundServer, repeats: int) -> None:
    settings = {"hidden": [8, 8, 8], "epochs": 0}
    rates = []
    for _ in range(repeats):
        seconds, n, _ = stream(srv, settings, 1, 180)
        rates.append(n / seconds)
    print(f"frames delivered, 64x64 surface, hidden 8-8-8, 1 epoch/frame: "
          f"{statistics.median(rates):.1f} frames/s (median of {repeats}; goal >= 30, paced at "
          "<= 60)")


def pause_latency(srv: BackgroundServer, repeats: int) -> None:
    """Seconds from sending 'pause' to the 'paused' state, at the largest network, 1000 points,
    batches of 10 (100 steps per epoch: the slowest epoch the caps allow)."""
    settings = {"hidden": [MAX_NEURONS] * MAX_LAYERS, "samples": MAX_POINTS, "batch": MIN_BATCH,
                "optimizer": "sgd", "lr": 0.01, "init": "glorot"}
    waits = []
    with connect(f"ws://127.0.0.1:{srv.port}/ws", origin=srv.url, max_size=2**22) as ws:
        ws.send(json.dumps({"type": "config", "settings": settings}))
        for _ in range(max(repeats, 5)):
            ws.send(json.dumps({"type": "play"}))
            frames = 0
            while frames < 3:  # training for a few frames
                msg = ws.recv()
                frames += isinstance(msg, bytes)
            t0 = time.perf_counter()
            ws.send(json.dumps({"type": "pause"}))
            while not (isinstance(msg, str) and json.loads(msg).get("state") == "paused"):
                msg = ws.recv()
            waits.append(time.perf_counter() - t0)
    print(f"pause at hidden {MAX_LAYERS}x{MAX_NEURONS}, {MAX_POINTS} points, batch {MIN_BATCH}: "
          f"median {statistics.median(waits) * 1e3:.0f} ms, worst {max(waits) * 1e3:.0f} ms "
          f"(of {len(waits)}; goal < 100 ms)")


def frame_cost(repeats: int) -> None:
    session = Session(Mailbox(), lambda m: None)
    biggest = Settings(hidden=(MAX_NEURONS,) * MAX_LAYERS, samples=MAX_POINTS, init="glorot")
    for grid in (64, MAX_GRID):
        session.set_grid(grid)
        session.configure(biggest)
        assert session.net is not None
        times = []
        with threadpool_limits(limits=1, user_api="blas"):  # as in training (the callback)
            for _ in range(max(repeats, 5) * 4):
                t0 = time.perf_counter()
                frame = session.frame(session.net, None)
                times.append(time.perf_counter() - t0)
        print(f"one frame at hidden {MAX_LAYERS}x{MAX_NEURONS}, {grid}x{grid} grid: "
              f"{statistics.median(times) * 1e3:.2f} ms ({len(frame) / 1024:.0f} KiB)")
    session.set_grid(64)
    X, y = moons(MAX_POINTS, random_state=0)
    for solver, batch in (("gd", "auto"), ("sgd", MIN_BATCH)):
        clf = MLPClassifier((MAX_NEURONS,) * MAX_LAYERS, solver=solver, batch_size=batch,
                            max_iter=20, tol=None, random_state=0, learning_rate_init=0.01)
        t0 = time.perf_counter()
        clf.fit(X, y)
        per = (time.perf_counter() - t0) / 20
        what = "full batch" if solver == "gd" else f"batch {batch} ({MAX_POINTS // batch} steps)"
        print(f"one epoch at hidden {MAX_LAYERS}x{MAX_NEURONS}, {MAX_POINTS} points, {what}: "
              f"{per * 1e3:.1f} ms (the pause granularity; must stay far below 100 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with BackgroundServer() as srv:
        tutorial_steps(srv, args.repeats)
        frames_per_second(srv, args.repeats)
        pause_latency(srv, args.repeats)
    frame_cost(args.repeats)


if __name__ == "__main__":
    main()
