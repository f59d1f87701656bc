"""``nnscratch train``, run as a user runs it (a subprocess), and its errors (in process)."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image as PILImage

from nnscratch.cli import main
from nnscratch.datasets import blobs

PNG = b"\x89PNG\r\n\x1a\n"
HEADLINE = ["--dataset", "spirals", "--classes", "3", "--hidden", "20,20", "--activation", "relu",
            "--solver", "sgd", "--batch-size", "32", "--lr", "0.1", "--schedule", "invtime",
            "--epochs", "500"]


def nnscratch(*args, timeout=120, **kwargs):
    return subprocess.run([sys.executable, "-m", "nnscratch", *args], capture_output=True,
                          text=True, timeout=timeout, **kwargs)


def _accuracies(stdout):
    found = dict(re.findall(r"^(train|test) accuracy: ([0-9.]+)$", stdout, re.M))
    return {k: float(v) for k, v in found.items()}


def _is_png(path):
    return path.is_file() and path.stat().st_size > 5_000 and path.read_bytes()[:8] == PNG


def test_headline_command(tmp_path):
    proc = nnscratch("train", *HEADLINE, "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    assert "3 classes (0, 1, 2); 225 train, 75 test" in proc.stdout
    assert "network: 2-20-20-3, relu" in proc.stdout
    assert "trained 500 epochs" in proc.stdout
    acc = _accuracies(proc.stdout)
    assert acc["train"] >= 0.95 and acc["test"] >= 0.9
    assert abs(acc["test"] * 75 - round(acc["test"] * 75)) < 0.01  # a count out of 75 points
    assert _is_png(tmp_path / "boundary.png") and _is_png(tmp_path / "loss_curve.png")
    assert "\r" not in proc.stderr  # no progress bar when stderr is not a terminal


def _write_csv(path, X, labels, target="kind"):
    cols = [f"x{j}" for j in range(X.shape[1])]
    lines = [",".join(cols[:1] + [target] + cols[1:])]
    for row, lab in zip(X, labels):
        vals = [f"{v:.6f}" for v in row]
        lines.append(",".join(vals[:1] + [str(lab)] + vals[1:]))
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("names", [["ant", "bee", "cow"], [7, -3, 11]])
def test_csv_with_labels_of_any_kind(tmp_path, names):
    X, y = blobs(120, n_classes=3, n_features=4, cluster_std=0.5, random_state=0)
    labels = np.array(names, dtype=object)[y]
    csv = tmp_path / "data.csv"
    _write_csv(csv, X, labels)
    out = tmp_path / "out"
    proc = nnscratch("train", "--csv", str(csv), "--target", "kind", "--optimizer", "adam",
                     "--lr", "0.01", "--epochs", "60", "--hidden", "8", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    shown = ", ".join(str(n) for n in sorted(names))  # LabelEncoder's order
    assert f"4 features, 3 classes ({shown})" in proc.stdout
    acc = _accuracies(proc.stdout)
    assert acc == {"train": 1.0, "test": 1.0}  # well separated blobs
    assert _is_png(out / "loss_curve.png")
    assert not (out / "boundary.png").exists()  # 4-D data: no boundary figure
    assert "no boundary figure: the data has 4 features" in proc.stdout


def test_progress_bar_on_a_terminal(tmp_path):
    pty = pytest.importorskip("pty")
    fcntl, termios, struct = (pytest.importorskip(m) for m in ("fcntl", "termios", "struct"))
    master, slave = pty.openpty()
    # a terminal 100 columns wide (a new pty has 0 columns and tqdm would draw nothing)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    chunks = []
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nnscratch", "train", "--epochs", "30", "--out", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=slave,
        )
        os.close(slave)
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        stdout, _ = proc.communicate(timeout=120)
    finally:
        os.close(master)
    assert proc.returncode == 0
    bar = b"".join(chunks).decode(errors="replace")
    assert re.search(r"\d+/30 \[", bar) and "epoch" in bar  # tqdm drew its bar there
    assert b"train accuracy" in stdout


def test_early_stopping_and_validation(tmp_path):
    proc = nnscratch("train", "--dataset", "blobs", "--classes", "4", "--optimizer", "adam",
                     "--lr", "0.05", "--early-stopping", "--patience", "3", "--epochs", "400",
                     "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"trained (\d+) epochs \(early_stopping\)", proc.stdout)
    assert m and int(m.group(1)) < 400
    assert re.search(r"best validation accuracy: [0-9.]+", proc.stdout)
    assert "validation" in proc.stdout.splitlines()[0]


@pytest.mark.parametrize("args,message", [
    (["--csv", "{tmp}/missing.csv", "--target", "y"], "missing.csv' not found"),
    (["--csv", "{tmp}/d.csv", "--target", "label"], "target column 'label' not in"),
    (["--csv", "{tmp}/d.csv", "--target", "a"], "feature column 'kind'"),
    (["--csv", "{tmp}/d.csv", "--classes", "3"], "--classes only apply to built-in"),
    (["--target", "y"], "--target needs --csv"),
    (["--csv", "{tmp}/one.csv"], "one.csv has a single class \\('a'\\); need at least 2"),
    (["--dataset", "moons", "--classes", "3"], "'moons' has 2 classes; got n_classes=3"),
    (["--optimizer", "gd", "--batch-size", "8"], "drop --batch-size 8 or use --optimizer sgd"),
    (["--lr", "-1"], "--lr must be a number > 0; got -1"),
    (["--alpha", "-0.5"], "--alpha must be a number >= 0; got -0.5"),
    (["--hidden", "4,x"], "hidden sizes must be integers like 20,20; got '4,x'"),
    (["--activation", "swish"], "activation must be one of .* got 'swish'"),
    (["--activation", "tanh,relu", "--hidden", "5"], "names 2 activations for 1 hidden layers"),
    (["--momentum", "2", "--optimizer", "momentum"], "--momentum must be in \\[0, 1\\]; got 2"),
    (["--lr", "1e12", "--epochs", "30"], "training diverged .* smaller learning rate"),
])
def test_wrong_input_is_a_clear_error(tmp_path, capsys, args, message):
    (tmp_path / "d.csv").write_text("a,kind,y\n1,x,0\n2,y,1\n3,x,0\n4,y,1\n")
    (tmp_path / "one.csv").write_text("x,y\n1,a\n2,a\n3,a\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = main(["train", *args, "--epochs", "30", "--out", str(tmp_path / "out")]
                if "--epochs" not in args else ["train", *args, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and re.search(message, err), err
    assert "Traceback" not in err and "Warning" not in err


def test_bad_choice_is_rejected_by_argparse(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--optimizer", "rmsprop"])
    assert info.value.code == 2
    assert "invalid choice: 'rmsprop'" in capsys.readouterr().err


def test_animate_and_report(tmp_path):
    from tests.viz.test_report import assert_links_exist

    proc = nnscratch("train", "--dataset", "moons", "--hidden", "5", "--epochs", "60",
                     "--animate", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    gif = tmp_path / "training.gif"
    with PILImage.open(gif) as im:
        assert im.format == "GIF" and im.n_frames >= 10
    parsed = assert_links_exist(tmp_path / "index.html")
    assert sorted(parsed.imgs) == ["boundary.png", "confusion_matrix.png", "loss_curve.png",
                                   "training.gif"]
    assert "train accuracy:" in (tmp_path / "index.html").read_text()  # the printed output


def test_animate_needs_2d_data(tmp_path):
    X, y = blobs(60, n_classes=2, n_features=3, random_state=0)
    csv = tmp_path / "d.csv"
    _write_csv(csv, X, y)
    proc = nnscratch("train", "--csv", str(csv), "--target", "kind", "--animate", "--epochs", "5",
                     "--out", str(tmp_path / "o"))
    assert proc.returncode == 2 and "error: --animate draws 2-D" in proc.stderr


def test_boundary_for_columns_of_very_different_scales(tmp_path):
    rng = np.random.RandomState(0)
    X = np.c_[rng.randn(80), 1e4 * rng.randn(80)]
    y = (X[:, 0] > 0).astype(int)
    csv = tmp_path / "scales.csv"
    _write_csv(csv, X, y)
    proc = nnscratch("train", "--csv", str(csv), "--target", "kind", "--scale", "none",
                     "--epochs", "5", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert _is_png(tmp_path / "o" / "boundary.png")
