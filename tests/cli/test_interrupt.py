"""Ctrl-C during training: a real SIGINT sent to a subprocess, mid-epoch.

The subprocess wraps the engine's ``train`` with a callback that prints the epoch number, so the
signal is sent once training is under way (no sleeps, no races): the estimator must come back
usable with the best-so-far weights and say it was interrupted; ``nnscratch train --save`` must
save them and exit with 130.
"""

import json
import re
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import nnscratch

HOOK = textwrap.dedent("""
    import json, sys
    import numpy as np
    import {module} as target

    snapshots = []  # (epoch, validation score, parameters) after every epoch
    original = target.train

    def train(net, *args, **kwargs):
        def report(history, network=None):
            snapshots.append((history.n_epochs, (history.val_score or [None])[-1],
                              net.params.flat.copy()))
            print(f"epoch {{history.n_epochs}}", flush=True)
        kwargs["callbacks"] = [*kwargs.get("callbacks", ()), report]
        return original(net, *args, **kwargs)

    target.train = train
""")

ESTIMATOR = HOOK.format(module="nnscratch.estimator") + textwrap.dedent("""
    import warnings
    from nnscratch import MLPClassifier
    from nnscratch.datasets import moons

    X, y = moons(300, noise=0.3, random_state=0)
    clf = MLPClassifier((12,), activation="tanh", solver="sgd", learning_rate_init=0.05,
                        max_iter=10**7, tol=None, random_state=0,
                        early_stopping=sys.argv[2] == "early")
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
        "loss_here": clf.network().loss(X, np.eye(2)[y], clf.alpha),
        "last_loss": clf.loss_curve_[-1],
        "is_best_epoch": None if best is None else bool(np.array_equal(flat, best)),
    }))
    clf.save(sys.argv[1])
""")


def _interrupt_after(cmd, epoch):
    """Run ``cmd``, send SIGINT when it prints ``epoch <epoch>``; return (code, stdout, stderr)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if line.strip() == f"epoch {epoch}":
                proc.send_signal(signal.SIGINT)
                break
        else:
            pytest.fail(f"no 'epoch {epoch}' line: {proc.wait()} {proc.stderr.read()}")
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    return proc.returncode, "".join(lines) + out, err


@pytest.mark.parametrize("mode", ["plain", "early"])
def test_estimator_survives_ctrl_c(tmp_path, mode):
    path = tmp_path / "m.npz"
    code, out, err = _interrupt_after([sys.executable, "-c", ESTIMATOR, str(path), mode], 30)
    assert code == 0, err
    result = json.loads(out.splitlines()[-1])
    assert result["interrupted_"] is True and result["finite"]
    assert any("interrupted" in w for w in result["warnings"])
    # Ctrl-C lands between any two bytecodes: after an epoch's loss is recorded but before the
    # callbacks that watch it have run, the estimator counts one epoch more than they saw
    assert 30 <= result["n_iter_"] < 10**7
    assert result["epochs_seen"] <= result["n_iter_"] <= result["epochs_seen"] + 1
    assert result["score"] > 0.7  # a usable, trained model
    if mode == "early":  # the best validation epoch so far, not the last one
        assert result["is_best_epoch"] is True
    else:  # the weights of the last finite step, in the epoch the signal cut short: trained
        # weights whose loss is close to the last epoch's (not, say, the initial ones)
        assert result["loss_here"] == pytest.approx(result["last_loss"], rel=0.1)
    back = nnscratch.load(path)
    assert back.interrupted_ is True and len(back.loss_curve_) == result["n_iter_"]


CLI = HOOK.format(module="nnscratch.experiments.exercises") + textwrap.dedent("""
    from nnscratch.cli import entry
    entry()  # the console script's entry point
""")


def test_cli_train_saves_and_exits_130_on_ctrl_c(tmp_path):
    model = tmp_path / "m.npz"
    code, out, err = _interrupt_after(
        [sys.executable, "-c", CLI, "train", "--dataset", "moons", "--epochs", "10000000",
         "--out", str(tmp_path / "out"), "--save", str(model)], 20)
    assert code == 130, err
    assert "error: interrupted (Ctrl-C) after" in err and f"saved to {model}" in err
    assert "Traceback" not in err
    assert f"saved the model to {model}" in out and "(interrupted)" in out
    clf = nnscratch.load(model)
    assert clf.interrupted_ is True and 20 <= clf.n_iter_ < 10_000_000
    assert all(np.isfinite(c).all() for c in clf.coefs_)


TUTORIAL = HOOK.format(module="nnscratch.experiments.tutorial") + textwrap.dedent("""
    from nnscratch.cli import entry
    entry()  # the console script's entry point
""")


def test_commands_with_nothing_to_keep_stop_at_once(tmp_path):
    """The tutorial runs many trainings: Ctrl-C ends the command, not just the current one."""
    code, out, err = _interrupt_after(
        [sys.executable, "-c", TUTORIAL, "tutorial", "--out", str(tmp_path)], 100)
    assert code == 130, err
    assert err.strip() == "error: interrupted (Ctrl-C)"
    # its trainings run in worker processes that may print a few more epochs before they are
    # stopped; none gets anywhere near the end of its 20000 passes
    epochs = [int(e) for e in re.findall(r"epoch (\d+)", out)]  # workers' lines may interleave
    assert max(epochs) < 2000 and "Figures are in" not in out
    assert not (tmp_path / "loss_curve_hidden_3.png").exists()  # drawn after the training
