"""Ctrl-C: a real SIGINT sent to the process group of a subprocess, as a terminal sends it.

No sleeps and no races: the subprocess runs the command under a harness that wraps the engine's
``train`` so that the learning-rate schedule (called once per batch) counts the batches. At batch
``PAUSE_AT`` the harness prints ``paused in batch N`` and waits there for the signal, so the
signal always lands in the middle of an epoch, with the command's work unfinished whatever the
load on the machine. Any batch the program runs after the signal prints ``batch N after the
pause``: stopping "within one batch" means no such line. The harness also writes the parameters
at the start of the paused epoch (``PAUSE_DUMP``: those after the last finished epoch, or before
the first batch) so that what a command keeps can be compared with them.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nnscratch
from nnscratch.engine import _fused

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals")

HARNESS = textwrap.dedent("""
    import faulthandler, os, signal, sys, time
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # the test asks where a hang is
    import numpy as np
    from nnscratch.engine.schedules import as_schedule
    import {module} as target

    PAUSE_AT = int(os.environ["PAUSE_AT"])  # the batch to pause in, counted in this process
    calls = 0
    snapshots = []  # (epoch, validation score, parameters) after every epoch

    class Pausing:
        '''The run's own schedule, counting its calls (one per batch).'''

        def __init__(self, base, net):
            self.__dict__.update(base=as_schedule(base), net=net, first=None)

        def __getattr__(self, name):  # observe, on_stall, ...: the schedule's own
            return getattr(self.base, name)

        def __call__(self, step):
            global calls
            calls += 1
            if self.first is None:
                self.first = self.net.params.flat.copy()
            if calls > PAUSE_AT:
                print(f"batch {{calls}} after the pause", flush=True)
            elif calls == PAUSE_AT:
                dump = os.environ["PAUSE_DUMP"]  # whole, even if workers pause together
                start = snapshots[-1][2] if snapshots else self.first  # of the paused epoch
                np.save(f"{{dump}}.{{os.getpid()}}.npy", start)
                os.replace(f"{{dump}}.{{os.getpid()}}.npy", dump)
                print(f"paused in batch {{calls}}", flush=True)
                while True:  # until the SIGINT handler raises; polled, so that a signal that
                    time.sleep(0.01)  # lands just before the wait is not missed
            return self.base(step)

    original = target.train

    def train(net, *args, **kwargs):
        def report(history, *rest):
            snapshots.append((history.n_epochs, (history.val_score or [None])[-1],
                              net.params.flat.copy()))
        kwargs["callbacks"] = [*kwargs.get("callbacks", ()), report]
        kwargs["learning_rate"] = Pausing(kwargs.get("learning_rate", 0.01), net)
        return original(net, *args, **kwargs)

    target.train = train
""")


def _as_from_a_terminal():
    """SIGINT as a terminal starts a program: default. A suite started in the background by a
    script (``pytest ... &``) inherits SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler in the child, so Ctrl-C would (rightly) do nothing there."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def sigint_on_line(cmd, env, marker, missing):
    """Run ``cmd`` in its own process group; SIGINT the group (as a terminal does) once it prints
    a line starting with ``marker``. Returns (exit code, stdout, stderr)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,  # Ctrl-C reaches only it
                            preexec_fn=_as_from_a_terminal)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.startswith(marker):
                os.killpg(proc.pid, signal.SIGINT)
                break
        else:
            pytest.fail(f"{missing}: exit {proc.wait()}\n{''.join(lines)}{proc.stderr.read()}")
        try:
            out, err = proc.communicate(timeout=100)
        except subprocess.TimeoutExpired:  # say where every process of the group is stuck
            os.killpg(proc.pid, signal.SIGUSR1)
            try:
                out, err = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
            pytest.fail(f"no exit 100 s after Ctrl-C; the stacks:\n{err[-20000:]}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, "".join(lines) + out, err


def interrupt_at_pause(tmp_path, script, args, pause_at):
    """Run ``python -c script *args``; SIGINT its process group once it pauses.

    Returns (exit code, stdout, stderr, parameters at the start of the paused epoch)."""
    dump = tmp_path.parent / f"{tmp_path.name}-pause.npy"  # not among the command's outputs
    env = dict(os.environ, PAUSE_AT=str(pause_at), PAUSE_DUMP=str(dump))
    code, out, err = sigint_on_line([sys.executable, "-c", script, *map(str, args)], env,
                                    "paused in batch", "never paused")
    return code, out, err, np.load(dump)


def command(module):
    return HARNESS.format(module=module) + "from nnscratch.cli import entry\nentry()\n"


def assert_stopped_at_once(code, out, err):
    assert code == 130, err
    assert "after the pause" not in out  # not one batch more
    assert "Traceback" not in err and "Exception ignored" not in err, err


ESTIMATOR = HARNESS.format(module="nnscratch.estimator") + textwrap.dedent("""
    import warnings
    from nnscratch import MLPClassifier
    from nnscratch.datasets import moons

    X, y = moons(300, noise=0.3, random_state=0)
    clf = MLPClassifier((12,), activation="tanh", solver="sgd", learning_rate_init=0.05,
                        batch_size=20, max_iter=10**7, tol=None, random_state=0,
                        early_stopping=sys.argv[2] == "early",
                        backend="numba" if sys.argv[2] == "fused" else "numpy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    flat = np.concatenate([c.ravel() for c in clf.coefs_] + list(clf.intercepts_))
    scores = [s for _, s, _ in snapshots]
    best = snapshots[scores.index(max(scores))][2] if scores[0] is not None else None
    print(json.dumps({
        "interrupted_": clf.interrupted_, "n_iter_": clf.n_iter_, "epochs_seen": len(snapshots),
        "warnings": [str(w.message) for w in caught], "score": clf.score(X, y),
        "finite": bool(np.isfinite(flat).all()),
        "is_best_epoch": None if best is None else bool(np.array_equal(flat, best)),
        "flat": flat.tolist(), "last_epoch": snapshots[-1][2].tolist() if snapshots else None,
    }))
    clf.save(sys.argv[1])
""").replace("import warnings", "import json, warnings", 1)

BATCHES = 15  # per epoch: 300 samples in batches of 20 (270 with early stopping's 10 % held out)


@pytest.mark.parametrize("mode", ["plain", "early", pytest.param("fused", marks=pytest.mark.skipif(
    not _fused.numba_available(), reason="numba is not installed"))])
def test_estimator_survives_ctrl_c(tmp_path, mode):
    """Both loops keep the model of the last finished epoch, the one n_iter_ and the loss curve
    describe (the NumPy loop takes back the paused epoch's steps; the fused loop, numba, runs
    an epoch per call here, as a callback watches every epoch)."""
    path = tmp_path / "m.npz"
    pause_at = 30 * BATCHES + 5  # in the middle of epoch 31
    code, out, err, start = interrupt_at_pause(tmp_path, ESTIMATOR, [path, mode], pause_at)
    assert code == 0, err
    assert "after the pause" not in out
    result = json.loads(out.splitlines()[-1])
    assert result["interrupted_"] is True and result["finite"]
    per_epoch = 14 if mode == "early" else BATCHES  # ceil(270 / 20) with early stopping
    finished = (pause_at - 1) // per_epoch  # epochs completed before the paused batch
    kept = ("the best validation epoch's weights" if mode == "early"
            else f"the weights after {finished} epochs")
    assert f"Training interrupted by user; keeping {kept}." in result["warnings"]
    assert result["n_iter_"] == result["epochs_seen"] == finished
    assert result["score"] > 0.7  # a usable, trained model
    flat = np.array(result["flat"])
    if mode == "early":  # the best validation epoch so far, not the last one
        assert result["is_best_epoch"] is True
    else:
        np.testing.assert_array_equal(flat, result["last_epoch"])
        np.testing.assert_array_equal(flat, start)
    back = nnscratch.load(path)
    assert back.interrupted_ is True and len(back.loss_curve_) == finished
    np.testing.assert_array_equal(
        np.concatenate([c.ravel() for c in back.coefs_] + list(back.intercepts_)), flat)


def test_cli_train_saves_and_exits_130_on_ctrl_c(tmp_path):
    model = tmp_path / "m.npz"
    # moons: 300 samples, 225 for training in batches of 32: 8 batches an epoch
    pause_at = 20 * 8 + 3
    code, out, err, start = interrupt_at_pause(
        tmp_path, command("nnscratch.estimator"),
        ["train", "--dataset", "moons", "--epochs", "10000000", "--out", tmp_path / "out",
         "--save", model], pause_at)
    assert_stopped_at_once(code, out, err)
    assert "error: interrupted (Ctrl-C) after 20 epochs" in err and f"saved to {model}" in err
    assert f"saved the model to {model}" in out and "(interrupted)" in out
    clf = nnscratch.load(model)
    assert clf.interrupted_ is True and clf.n_iter_ == 20 == len(clf.loss_curve_)
    flat = np.concatenate([c.ravel() for c in clf.coefs_] + list(clf.intercepts_))
    np.testing.assert_array_equal(flat, start)  # those of epoch 20, the last one finished


def test_cli_train_without_save_exits_130(tmp_path):
    code, out, err, _ = interrupt_at_pause(
        tmp_path, command("nnscratch.estimator"),
        ["train", "--dataset", "moons", "--epochs", "10000000", "--out", tmp_path / "out"], 5)
    assert_stopped_at_once(code, out, err)
    assert err.strip() == ("error: interrupted (Ctrl-C) after 0 epochs; the model keeps its "
                           "initial weights")


def test_tutorial_stops_at_once(tmp_path):
    """The tutorial runs many trainings (in worker processes): Ctrl-C ends the command, not
    just the current training, and draws nothing more."""
    code, out, err, _ = interrupt_at_pause(
        tmp_path, command("nnscratch.experiments.tutorial"), ["tutorial", "--out", tmp_path],
        100)
    assert_stopped_at_once(code, out, err)
    assert err.strip() == "error: interrupted (Ctrl-C)"
    assert "Final loss" not in out and "Figures are in" not in out
    assert not (tmp_path / "loss_curve_hidden_3.png").exists()  # drawn after the training


def test_exercises_stop_at_once(tmp_path):
    code, out, err, _ = interrupt_at_pause(
        tmp_path, command("nnscratch.estimator"), ["exercises", "--out", tmp_path],
        100)
    assert_stopped_at_once(code, out, err)
    assert err.strip() == "error: interrupted (Ctrl-C)"
    assert not list(tmp_path.glob("*.png")) and not (tmp_path / "index.html").exists()


@pytest.mark.parametrize("n_jobs", ["1", "2"])
def test_sweep_stops_at_once(tmp_path, n_jobs):
    """In process, and with joblib's worker processes (which get the signal too)."""
    args = ["sweep", "--hidden", "3,5", "--alpha", "0.01", "--cv", "2", "--max-iter", "10000000",
            "--n-jobs", n_jobs, "--out", tmp_path]
    if n_jobs == "1":
        code, out, err, _ = interrupt_at_pause(tmp_path, command("nnscratch.estimator"), args,
                                               100)
    else:  # the workers are fresh interpreters without the harness: wait for the fits to run
        code, out, err = interrupt_when_workers_train(tmp_path, args)
    assert_stopped_at_once(code, out, err)
    assert err.strip() == "error: interrupted (Ctrl-C)"
    assert not (tmp_path / "sweep_results.csv").exists()
    assert not (tmp_path / "sweep_heatmap.png").exists()


WORKER_PROBE = textwrap.dedent("""
    import joblib
    from nnscratch.cli import entry

    # the pool's workers train with max_iter 1e7: once one is running a fit, report it
    original = joblib.Parallel.__call__

    def call(self, iterable):
        tasks = list(iterable)
        print(f"dispatching {len(tasks)} fits", flush=True)
        return original(self, tasks)

    joblib.Parallel.__call__ = call
    entry()
""")


def interrupt_when_workers_train(tmp_path, args):
    """SIGINT the group once the search hands its fits (which cannot end: max_iter 1e7) out."""
    return sigint_on_line([sys.executable, "-c", WORKER_PROBE, *map(str, args)], None,
                          "dispatching", "no fits")
