"""Every subcommand answers a mistake with ``error: <message>``, exit code 2 and no traceback.

Run as a user runs it: ``python -m nnscratch ...`` in a subprocess.
"""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import nnscratch
from nnscratch.datasets import moons


def nnscratch_cli(*args, cwd=None, timeout=180):
    return subprocess.run([sys.executable, "-m", "nnscratch", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_errors")
    X, y = moons(60, random_state=0)
    rows = "\n".join(f"{a:.5f},{b:.5f},{'ab'[c]}" for (a, b), c in zip(X, y))
    (d / "good.csv").write_text("x1,x2,label\n" + rows + "\n")
    (d / "features.csv").write_text("x1,x2\n1,2\n3,4\n")
    (d / "ragged.csv").write_text("x1,x2,label\n1,2,a\n3,b\n")
    (d / "text.csv").write_text("x1,x2,label\n1,two,a\n3,4,b\n")
    (d / "nan.csv").write_text("x1,x2\n1,nan\n3,4\n")
    (d / "empty.csv").write_text("")
    (d / "binary.csv").write_bytes(b"\xff\xfe\x00garbage\x00")
    (d / "folder.csv").mkdir()
    (d / "blocker").write_text("a file where a folder is expected")
    (d / "random.npz").write_bytes(os.urandom(500))
    np.savez(d / "foreign.npz", weights=np.ones(3))
    clf = nnscratch.MLPClassifier((4,), max_iter=5, random_state=0)
    with pytest.warns(Warning):
        clf.fit(X, np.array(["a", "b"])[y])
    data = clf.save(d / "model.npz").read_bytes()
    (d / "truncated.npz").write_bytes(data[: len(data) // 2])
    return d


CASES = {
    # argparse's own errors: usage line, then "nnscratch <command>: error: ..."
    "unknown option": (["train", "--nope"], r"usage: .*error: unrecognized arguments: --nope"),
    "bad choice": (["train", "--optimizer", "rmsprop"], r"invalid choice: 'rmsprop'"),
    "not an int": (["train", "--epochs", "ten"], r"argument --epochs: expected an integer"),
    "missing required": (["predict", "--csv", "x.csv"], r"the following arguments are "
                         r"required: --model"),
    # ours
    "tutorial unwritable out": (["tutorial", "--out", "{d}/blocker/sub"],
                                r"^error: cannot create output folder"),
    "exercises unwritable out": (["exercises", "--out", "{d}/blocker"],
                                 r"^error: output folder .*blocker' is a file, not a folder; "
                                 r"pass another --out"),
    "sweep bad alphas": (["sweep", "--alpha", "0.1,x"], r"error: argument --alpha: expected "
                         r"numbers >= 0"),
    "sweep bad scheduler": (["sweep", "--scheduler", "nowhere"], r"^error: a scheduler address "
                            r"looks like tcp://HOST:PORT"),
    "gradcheck bad hidden": (["gradcheck", "--hidden", "3,0"], r"^error: hidden sizes must be "
                             r"integers >= 1"),
    "gradcheck bad activation": (["gradcheck", "--activation", "swish"],
                                 r"^error: activation must be one of .* got 'swish'"),
    "train missing csv": (["train", "--csv", "{d}/missing.csv"], r"^error: CSV file .*missing"
                          r"\.csv' not found"),
    "train folder as csv": (["train", "--csv", "{d}/folder.csv"], r"^error: CSV file .* not "
                            r"found"),
    "train binary csv": (["train", "--csv", "{d}/binary.csv"], r"^error: "),
    "train empty csv": (["train", "--csv", "{d}/empty.csv"], r"^error: CSV file .* is empty"),
    "train ragged csv": (["train", "--csv", "{d}/ragged.csv"], r"^error: .* line 3 has 2 "
                         r"fields; the header has 3"),
    "train text feature": (["train", "--csv", "{d}/text.csv"], r"^error: feature column 'x2'"),
    "train missing target": (["train", "--csv", "{d}/good.csv", "--target", "kind"],
                             r"^error: target column 'kind' not in"),
    "train unwritable out": (["train", "--epochs", "2", "--out", "{d}/blocker"],
                             r"^error: output folder .*blocker' is a file, not a folder"),
    "train unwritable save": (["train", "--epochs", "2", "--out", "{d}/o1", "--save",
                               "{d}/no/such/dir/m.npz"], r"^error: cannot save the model to "
                              r".*m\.npz': folder .*dir' does not exist; pass another --save"),
    "train save to a folder": (["train", "--epochs", "2", "--out", "{d}/o1", "--save", "{d}"],
                               r"^error: cannot save the model to .*: it is a folder"),
    "predict missing model": (["predict", "--model", "{d}/missing.npz", "--csv", "{d}/good.csv"],
                              r"^error: model file .*missing\.npz' not found"),
    "predict random model": (["predict", "--model", "{d}/random.npz", "--csv", "{d}/good.csv"],
                             r"^error: .*random\.npz is not a valid nnscratch model file: it is "
                             r"not a zip archive"),
    "predict truncated model": (["predict", "--model", "{d}/truncated.npz", "--csv",
                                 "{d}/good.csv"], r"^error: .* is not a valid nnscratch model "
                                r"file: the archive is truncated or damaged"),
    "predict foreign npz": (["predict", "--model", "{d}/foreign.npz", "--csv", "{d}/good.csv"],
                            r"^error: .* not a valid nnscratch model file: no 'metadata'"),
    "predict csv as model": (["predict", "--model", "{d}/good.csv", "--csv", "{d}/good.csv"],
                             r"^error: .* not a valid nnscratch model file"),
    "predict missing csv": (["predict", "--model", "{d}/model.npz", "--csv", "{d}/none.csv"],
                            r"^error: CSV file .*none\.csv' not found"),
    "predict binary csv": (["predict", "--model", "{d}/model.npz", "--csv", "{d}/binary.csv"],
                           r"^error: .*binary\.csv' is not UTF-8 text"),
    "predict ragged csv": (["predict", "--model", "{d}/model.npz", "--csv", "{d}/ragged.csv"],
                           r"^error: .* line 3 has 2 fields"),
    "predict missing target": (["predict", "--model", "{d}/model.npz", "--csv", "{d}/good.csv",
                                "--target", "kind"], r"^error: target column 'kind' not in"),
    "predict wrong columns": (["predict", "--model", "{d}/model.npz", "--csv", "{d}/good.csv"],
                              r"^error: .* has 3 feature columns but the model takes 2; name "
                              r"the label column with --target"),
    "predict nan": (["predict", "--model", "{d}/model.npz", "--csv", "{d}/nan.csv"],
                    r"^error: column 'x2' of .* has 'nan' on line 2"),
    "predict unwritable out": (["predict", "--model", "{d}/model.npz", "--csv",
                                "{d}/features.csv", "--out", "{d}/blocker/p.csv"],
                               r"^error: cannot write predictions to .*blocker/p\.csv"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_mistakes_are_one_clear_line_with_exit_code_2(files, name):
    args, pattern = CASES[name]
    proc = nnscratch_cli(*(a.replace("{d}", str(files)) for a in args), cwd=files)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert re.search(pattern, proc.stderr, re.S), proc.stderr
    assert "Traceback" not in proc.stderr and "Exception" not in proc.stderr


def test_debug_shows_the_traceback_before_or_after_the_command(files):
    for args in (["--debug", "gradcheck", "--hidden", "0"], ["gradcheck", "--hidden", "0",
                                                            "--debug"]):
        proc = nnscratch_cli(*args)
        assert proc.returncode == 1  # the exception escapes: Python's own exit code
        assert "Traceback (most recent call last)" in proc.stderr
        assert "ValueError: hidden sizes must be integers >= 1" in proc.stderr


def test_warnings_are_one_line_each(files):
    """Library warnings reach the user as 'warning: ...', without file names or source lines."""
    proc = nnscratch_cli("train", "--csv", files / "good.csv", "--optimizer", "adam",
                         "--batch-size", "500", "--epochs", "2", "--out", files / "o2")
    assert proc.returncode == 0, proc.stderr
    for line in proc.stderr.splitlines():
        assert not re.search(r"\.py:\d+", line), proc.stderr


def test_broken_pipe_is_quiet(files):
    """`nnscratch predict ... | head`: the reader goes away; exit 141 (SIGPIPE), no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command starts: its first write fails
    try:
        proc = subprocess.Popen([sys.executable, "-m", "nnscratch", "predict", "--model",
                                 files / "model.npz", "--csv", files / "good.csv", "--target",
                                 "label"], stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception" not in err, err
