"""Peak memory of one full-batch training, each implementation in a fresh process.

    python benchmarks/memory.py NAME N    # the child: trains, prints the resident-set growth
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines as B  # noqa: E402
from harness import LARGE_ALPHA, LARGE_HIDDEN, Row, Section, progress  # noqa: E402
from nnscratch.datasets import moons  # noqa: E402
from nnscratch.engine import Network, init_params, train  # noqa: E402
from nnscratch.engine.losses import one_hot  # noqa: E402

MEMORY_IMPLS = ("nnscratch float32", "scikit-learn float32", "PyTorch CPU float32")


def memory_child(name: str, n: int) -> None:
    """Train 2 full-batch epochs at n samples; print the resident-set growth in MiB."""
    X, y = moons(n, 0.2, 0)
    X32 = X.astype(np.float32)
    Y32 = one_hot(y, 2, np.float32)
    p = init_params((2, *LARGE_HIDDEN, 2), "glorot", 0, np.float32, "relu")
    if name.startswith("PyTorch"):
        B.torch_setup()
        model = B.torch_model(p.coefs, p.intercepts, "relu", "float32")
    before = _status_mib()
    if name.startswith("nnscratch"):
        train(Network(p, "relu"), X32, Y32, learning_rate=0.5, alpha=LARGE_ALPHA, epochs=2,
              shuffle=False, tol=None)
    elif name.startswith("scikit"):
        B.sklearn_mlp(X32, y, LARGE_HIDDEN, "relu", 0.5, LARGE_ALPHA, 2, n)
    else:
        B.torch_train(model, X32, y, 0.5, LARGE_ALPHA, 2, n)
    print(f"{max(_status_mib('VmHWM') - before, 0.0):.1f}")


def _status_mib(key: str = "VmRSS") -> float:
    """VmRSS (resident now) or VmHWM (peak resident since exec) from /proc, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory_section(n: int, torch_ok: bool) -> Section:
    activations = n * (sum(LARGE_HIDDEN) + 2) * 4 / 2**20
    rows = []
    for name in MEMORY_IMPLS:
        if name.startswith("PyTorch") and not torch_ok:
            continue
        progress(f"memory {name}")
        out = subprocess.run([sys.executable, __file__, name, str(n)],
                             check=True, capture_output=True, text=True).stdout
        mib = float(out.strip().splitlines()[-1])
        rows.append(Row(name, quality=f"{mib:.0f} MiB = {mib / activations:.2f} x activations",
                        score=mib / activations))
    return Section(
        f"peak memory, n={n:.0e}, full batch, float32: growth of the resident set while training",
        rows, f"activations the math needs: n x (64 + 64 + 2) float32 = {activations:.0f} MiB "
              "(every z_l / a_l of one forward pass, kept for backpropagation)")


if __name__ == "__main__":
    memory_child(sys.argv[1], int(sys.argv[2]))
