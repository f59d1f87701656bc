"""The benchmark's harness: interleaved timing, the machine's description, the table and its
targets (what ``run.py``'s workloads and ``memory.py`` share)."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baselines as B  # noqa: E402
from nnscratch.engine import _batching, _fused  # noqa: E402

FUSED = "nnscratch fused (numba) float64"
PASS_LIMIT_US = 3.0  # the machine limit of one tutorial pass: ~15 kFLOP, ~1000 transcendentals
LARGE_HIDDEN = (64, 64)  # (d) and the peak-memory run
LARGE_ALPHA = 1e-4
SETTLE_S = 0.25  # idle time before every timed run (see interleaved)


NOTES = [
    "How to read this: `x nnscratch` = median time of the row / median time of the first "
    "nnscratch row of the table (above 1: slower than nnscratch). Every implementation trains "
    "from the same initial weights (scikit-learn: its own Glorot draw, which nnscratch's "
    "'glorot' reproduces for the same layer sizes), with plain SGD at the same mean-loss "
    "learning rate, alpha and batch size, no momentum, no shuffling, every epoch run. Each "
    f"timed run starts after {SETTLE_S} s idle, so that no library's threads still spin from "
    "the run before it.",
    "",
    "- naive: the seed's code (a, b, f) and the seed's equations generalised to relu layers "
    "and minibatches (d, e), float64, fresh arrays every pass.",
    "- scikit-learn: `MLPClassifier(solver='sgd', momentum=0, nesterovs_momentum=False, "
    "learning_rate='constant', shuffle=False, tol=0, n_iter_no_change=max_iter, "
    "early_stopping=False)`, given float32 data in (d) and (e) (it then computes in float32). "
    "For two classes it has one logistic output unit instead of a 2-way softmax, so its "
    "moons losses and accuracies differ slightly; on digits (10 classes) it is the same network.",
    "- PyTorch: `nn.Sequential` of `Linear` layers, `torch.optim.SGD` (no momentum), mean "
    "cross-entropy, L2 as weight decay alpha/m on the weights only, float64 in (a) and (f), "
    "float32 in (d) and (e), `torch.set_num_threads(cores)`.",
    "- nnscratch: `nnscratch.engine.train` as the library runs it (it also records the loss of "
    "every epoch and keeps a backup of the weights for its divergence guard). Batches over "
    f"{_batching.CHUNK_ROWS} rows are processed in an even number of equal chunks of at most "
    f"{_batching.CHUNK_ROWS} rows (1e4 rows: chunks of {_batching.chunk_rows(10**4)}), shared "
    "out to one thread per core, with one BLAS thread each.",
    "- nnscratch fused (numba): `train(..., backend='numba')`, the same steps compiled into one "
    "call per run (engine/_fused.py; the same weights bit for bit on the tutorial; products of "
    f"at least {_fused.GEMM_MIN_WORK} multiply-adds call NumPy's own BLAS gemm). 'auto' uses it "
    f"for batches of at most {_batching.CHUNK_ROWS} rows and {_fused.FUSED_MAX_WORK} "
    "multiply-adds, where NumPy's per-call cost outweighs the arithmetic, and for batches of "
    f"more than {_batching.CHUNK_ROWS} rows, whose chunks it computes on the threads without "
    "the GIL (one kernel call each), once its kernels are loaded in the process (they are, in "
    "this run): every row of (d) and (e) runs it (the result column names the backend that "
    "ran). 'NumPy only' rows force `backend='numpy'`.",
    "- GFLOP/s: 2 x the multiply-adds of the forward and backward matrix products "
    "(a W, a^T delta, delta W^T except into the input) per run / median time.",
]


@dataclass
class Row:
    name: str
    times: list[float] = field(default_factory=list)
    quality: str = ""
    gflops: float | None = None  # floating-point work of one run, in GFLOP
    score: float | None = None  # test accuracy, final loss or memory ratio (for the targets)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


@dataclass
class Section:
    title: str
    rows: list[Row]
    note: str = ""


def interleaved(impls: dict[str, Callable[[], str]], reps: int) -> list[Row]:
    """Run each implementation once per round, in order, for ``reps`` rounds; keep the times.

    Every run starts on an idle machine, as a user's call does: after its last call, a
    library's worker threads spin for a while before they sleep (OpenBLAS about 2^28 cycles,
    0.1 s), and they would take a core from whichever implementation runs next (measured: a
    0.05 s fit of (d) 1e4 took 0.1 s right after a two-thread BLAS product)."""
    rows = {name: Row(name) for name in impls}
    for _ in range(reps):
        for name, fn in impls.items():
            time.sleep(SETTLE_S)
            t0 = time.perf_counter()
            quality = fn()
            rows[name].times.append(time.perf_counter() - t0)
            rows[name].quality = quality
            # "test acc 0.98, numba", "loss 0.0713 (1 logistic output, ...)": the number
            if quality.startswith(("test acc ", "loss ")):
                rows[name].score = float(quality.split(",")[0].split()[1 if "(" in quality else -1])
    return list(rows.values())


def progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def matmul_gflops(dtype: type, size: int = 2048) -> float:
    a = np.random.default_rng(0).standard_normal((size, size)).astype(dtype)
    np.dot(a, a)
    best = min(_time(lambda: np.dot(a, a)) for _ in range(5))
    return 2 * size**3 / best / 1e9


def _time(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sklearn

    lines = [f"CPU: {cpu}, {os.cpu_count()} logical cores; Python {platform.python_version()}",
             f"numpy {np.__version__} ({_blas()}), scikit-learn {sklearn.__version__}"]
    if B.torch_available():
        import torch

        lines.append(f"torch {torch.__version__} (threads {torch.get_num_threads()})")
    lines.append(f"matmul 2048^2: float64 {matmul_gflops(np.float64):.1f} GFLOP/s, "
                 f"float32 {matmul_gflops(np.float32):.1f} GFLOP/s")
    return lines


def _blas() -> str:
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        info.sort(key=lambda i: "numpy" not in str(i.get("filepath")))  # NumPy's own BLAS first
        if info:
            i = info[0]
            return f"{i.get('internal_api')} {i.get('version')}, {i.get('num_threads')} threads"
    except ImportError:
        pass
    return "BLAS unknown"



def targets(sections: list[Section]) -> list[str]:
    """The issue's targets, each checked against this run's medians: MET or MISSED."""
    out = []

    def check(ok: bool, text: str) -> None:
        out.append(f"- {'MET   ' if ok else 'MISSED'} {text}")

    def ratio(s: Section, name: str, base: str) -> float | None:
        rows = {r.name: r for r in s.rows}
        if name not in rows or base not in rows:
            return None
        return rows[name].median / rows[base].median

    for s in sections:
        key = s.title[:3]
        rows = {r.name: r for r in s.rows}
        if key == "(a)":
            for ours, goals in ((FUSED, (8, 10, 30)), ("nnscratch float64", (2, 2.8, None))):
                for name, goal in zip(("naive (seed's code)", "scikit-learn MLPClassifier",
                                       "PyTorch CPU float64"), goals):
                    r = ratio(s, name, ours)
                    if r is not None and goal is not None:
                        check(r >= goal, f"(a) tutorial: {ours} {r:.2f}x faster than {name} "
                              f"(target {goal}x)")
                a, b = rows[ours].score if ours in rows else None, rows["naive (seed's code)"].score
                if a is not None and b is not None:
                    check(abs(a - b) < 1e-9, f"(a) {ours}: same final loss as naive: |diff| = "
                          f"{abs(a - b):.2e}")
            if FUSED in rows:
                us = rows[FUSED].median / int(s.title.split(", ")[2].split()[0]) * 1e6
                check(us <= 4.0, f"(a) fused: {us:.1f} µs per pass = {PASS_LIMIT_US / us:.2f} of "
                      f"the ~{PASS_LIMIT_US:g} µs machine limit (target: within 2-4 µs)")
        elif key == "(b)":
            for name in rows:
                if name != "naive (seed's code)":
                    r = ratio(s, "naive (seed's code)", name)
                    if r is not None:
                        check(r >= 3.5, f"(b) sweep: {name} {r:.2f}x faster than naive (3.5x)")
        elif key == "(c)":
            t = s.rows[0].median
            check(t < 4.0, f"(c) `nnscratch tutorial` end to end {t:.2f} s (target < 4 s)")
        elif key in ("(d)", "(e)"):
            label = s.title.split(",")[0] + ("" if key == "(e)" else ", " + (
                "full batch" if "full batch" in s.title else "minibatch"))
            ours = rows["nnscratch float32"]
            for name, goal in (("PyTorch CPU float32", 1.0), ("scikit-learn float32", 2.0)):
                if name in rows:
                    r = rows[name].median / ours.median
                    sign = ">" if goal == 1 else ">="
                    check(r >= goal if goal > 1 else r > goal,
                          f"{label}: {r:.2f}x faster than {name} (target {sign} {goal:g}x)")
                    a, b = ours.score, rows[name].score
                    if a is not None and b is not None:
                        check(a >= b - 0.005, f"{label}: accuracy {a:.4f} vs {name} {b:.4f} "
                              "(within 0.5 %)")
        elif key == "pea" and "nnscratch float32" in rows:
            m = rows["nnscratch float32"].score or 0.0
            check(m <= 2.0, f"peak memory, full batch float32: {m:.2f} x activations (target <= 2)")
    return out


def render(sections: list[Section], header: list[str]) -> str:
    out = [*header, ""]
    for s in sections:
        out += [f"### {s.title}", ""]
        timed = [r for r in s.rows if r.times]
        base = next((r.median for r in timed if r.name.startswith("nnscratch")), None)
        if timed:
            out.append("| implementation | median s | min s | x nnscratch | GFLOP/s | result |")
            out.append("|---|---:|---:|---:|---:|---|")
            for r in timed:
                ratio = f"{r.median / base:.2f}" if base else ""
                gf = f"{r.gflops / r.median:.1f}" if r.gflops else ""
                out.append(f"| {r.name} | {r.median:.3f} | {min(r.times):.3f} | {ratio} | {gf} "
                           f"| {r.quality} |")
        else:
            out.append("| implementation | peak memory |")
            out.append("|---|---|")
            out += [f"| {r.name} | {r.quality} |" for r in s.rows]
        if s.note:
            out += ["", s.note]
        out.append("")
    out += ["### Targets (from this run)", "", *targets(sections), ""]
    return "\n".join(out)
