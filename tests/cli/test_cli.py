"""The command line, run as a user runs it: a subprocess."""

import subprocess
import sys

import pytest

from tests.experiments.test_tutorial import SEED_LINES


def nnscratch(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "nnscratch", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def tutorial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("tutorial")
    return nnscratch("tutorial", "--out", str(out)), out


def test_tutorial_prints_seed_lines(tutorial_run):
    proc, out = tutorial_run
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for i, loss in SEED_LINES.items():
        assert f"Loss after iteration {i}: {loss}" in lines
    assert "Final loss (hidden 3, 20000 passes): 0.0713158087" in lines
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr


def test_tutorial_table(tutorial_run):
    proc, _ = tutorial_run
    rows = [line.split() for line in proc.stdout.splitlines()]
    nn = {r[2]: r for r in rows if r[:2] == ["neural", "network"]}
    assert sorted(int(h) for h in nn) == [1, 2, 3, 4, 5, 20, 50]
    assert nn["3"][3:5] == ["0.071316", "0.975"]
    assert any(r[:2] == ["logistic", "regression"] for r in rows)


def test_tutorial_figures(tutorial_run):
    proc, out = tutorial_run
    names = {"data.png", "logistic_regression.png", "network_hidden_3.png", "hidden_sizes.png",
             "loss_curve_hidden_3.png"}
    for name in names:
        path = out / name
        assert path.stat().st_size > 10_000, name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Figures are in {out}/" in proc.stdout
    assert (out / "index.html").is_file()  # the report (tests/viz/test_report.py checks it)


def test_gradcheck_passes_and_fails():
    ok = nnscratch("gradcheck", "--hidden", "5,4", "--activation", "tanh", "--classes", "3")
    assert ok.returncode == 0, ok.stderr
    assert "W1" in ok.stdout and "b3" in ok.stdout and "FAIL" not in ok.stdout
    bad = nnscratch("gradcheck", "--threshold", "0")
    assert bad.returncode == 1 and "FAIL" in bad.stdout


def test_bad_arguments_are_clear_errors(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = nnscratch("tutorial", "--out", str(blocker / "sub"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    proc = nnscratch("gradcheck", "--hidden", "3,x")
    assert proc.returncode == 2 and "error: hidden sizes" in proc.stderr
