"""The benchmark harness runs (tiny sizes, no timing asserted); baselines agree with ours."""

import importlib.util
import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


def test_tutorial_and_sweep_sections(bench):
    a = bench.tutorial_section(reps=1, passes=30, torch_ok=False)
    rows = {r.name: r for r in a.rows}
    assert abs(rows["nnscratch float64"].score - rows["naive (seed's code)"].score) < 1e-12
    if bench.FUSED in rows:  # numba installed: the fused path ends where the engine ends
        assert abs(rows[bench.FUSED].score - rows["nnscratch float64"].score) < 1e-12
    b = bench.sweep_section(reps=1, passes=5)
    fused = bench._fused.numba_available()
    assert len(b.rows) == 3 + fused and all(len(r.times) == 1 for r in b.rows)
    # the same final loss as the naive code
    assert "MET" in "\n".join(sys.modules["harness"].targets([a]))


def test_mlp_section_implementations_agree(bench):
    X, y = bench.moons(600, 0.2, 0)
    X_test, y_test = bench.moons(200, 0.2, 1)
    impls = bench.mlp_impls(X, y, X_test, y_test, (8, 8), 0.05, 3, 64, torch_ok=False,
                            naive_ok=True)
    results = {name: fn() for name, fn in impls.items()}  # "test acc 0.9, numba", ...
    scores = {name: float(r.split(",")[0].split()[-1]) for name, r in results.items()}
    assert results["nnscratch float32"].endswith((", numpy", ", numba"))
    if "nnscratch float32, NumPy only" in results:  # 'auto' may have run the fused path
        assert results["nnscratch float32, NumPy only"].endswith(", numpy")
        assert scores["nnscratch float32, NumPy only"] == scores["nnscratch float32"]
    # nnscratch and the naive equations take the same steps (float32 rounding aside)
    assert scores["nnscratch float64"] == scores["naive float64"]
    assert abs(scores["nnscratch float32"] - scores["nnscratch float64"]) <= 0.01
    assert 0.5 < scores["scikit-learn float32"] <= 1.0
    assert bench.mlp_gflop((2, 64, 64, 2), 1, 1) * 1e9 == 2 * 3 * (128 + 4096 + 128) - 2 * 128
    assert np.isfinite(sys.modules["harness"].matmul_gflops(np.float32, size=64))


SEED_DIRS = [ROOT.parent / "shared" / "seed", ROOT.parent.parent / "shared" / "seed"]


def test_the_seeds_code_in_baselines_is_the_seeds_verbatim():
    """baselines.py keeps the one runnable copy of the seed's code (the seed text lost its line
    breaks and indentation); every statement of it must be in the seed text, with only the two
    substitutions its docstring names."""
    seed_dir = next((d for d in SEED_DIRS if d.is_dir()), None)
    if seed_dir is None:
        pytest.skip("the seed text is not here (expected ../shared/seed beside the clone)")
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(seed_dir.glob("*.txt")))
    code = " ".join(re.sub(r"#[^\n]*", " ", text).replace("Config.", "").split())
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import baselines
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    checked = 0
    for fn in (baselines.naive_tutorial, baselines.naive_predict):
        body = inspect.getsource(fn).split('"""')[2]  # the statements after the docstring
        for line in body.splitlines():
            stmt = " ".join(line.split("#")[0].split()).replace("rs.randn", "np.random.randn")
            if stmt and not stmt.startswith(("rs = ", "nn_input_dim, nn_output_dim =", "return [")):
                assert stmt in code, f"not in the seed text: {stmt}"
                checked += 1
    assert checked >= 30
